//! The DEGIRO plugin against `MockDegiro` (a wiremock server): the exact
//! requests of each login flow, session expiry, and the numbers the mock's
//! account turns into.

use std::collections::BTreeMap;

use serde_json::Value;
use stonks_core::v2::{LedgerKind, PortfolioQuery, TransactionQuery, collect_ledger};
use stonks_core::{Decimal, ErrorKind, NoticeKind, Registry};
use stonks_testkit::MockDegiro;
use stonks_testkit::degiro::{INT_ACCOUNT, LoginMode, PASSWORD, TOTP_SECRET, USERNAME};
use stonks_testkit::support::{self, d};

async fn setup(mode: LoginMode) -> (MockDegiro, Registry) {
    let mock = MockDegiro::start().await;
    mock.set_login_mode(mode);
    let r = support::registry(stonks_broker_degiro::RECORD, &mock.config());
    (mock, r)
}

fn body(req: &wiremock::Request) -> Value {
    serde_json::from_slice(&req.body).unwrap_or_default()
}

async fn snapshot(r: &Registry) -> stonks_core::Result<stonks_core::v2::PortfolioSnapshot> {
    r.portfolio_v2("degiro")?
        .snapshot(&PortfolioQuery::new())
        .await
}

#[tokio::test]
async fn plain_login_then_config_client_and_portfolio() {
    let (mock, r) = setup(LoginMode::Plain).await;
    let snap = snapshot(&r).await.unwrap();
    let reqs = mock.received_requests().await;
    let paths: Vec<String> = reqs
        .iter()
        .map(|q| format!("{} {}", q.method, q.url.path()))
        .collect();
    assert_eq!(paths[0], "POST /login/secure/login");
    assert_eq!(paths[1], "GET /login/secure/config");
    assert_eq!(paths[2], "GET /pa/secure/client");
    assert!(
        paths[3].starts_with(&format!(
            "GET /trading/secure/v5/update/{INT_ACCOUNT};jsessionid="
        )),
        "{paths:?}"
    );
    assert_eq!(paths[4], "POST /product_search/secure/v5/products/info");
    assert_eq!(paths.len(), 5, "one products/info request for all products");

    let login = body(&reqs[0]);
    assert_eq!(login["username"], USERNAME);
    assert_eq!(login["password"], PASSWORD);
    assert_eq!(login["isPassCodeReset"], false);
    assert_eq!(login["isRedirectToMobile"], false);
    assert!(login["queryParams"].is_object());
    let session = reqs[3]
        .url
        .path()
        .rsplit("jsessionid=")
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        reqs[1].headers.get("cookie").unwrap().to_str().unwrap(),
        format!("JSESSIONID={session}")
    );
    let q = |i: usize, k: &str| {
        reqs[i]
            .url
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(q(2, "sessionId").as_deref(), Some(session.as_str()));
    assert_eq!(
        (
            q(3, "portfolio").as_deref(),
            q(3, "totalPortfolio").as_deref()
        ),
        (Some("0"), Some("0"))
    );
    assert_eq!(q(4, "intAccount"), Some(INT_ACCOUNT.to_string()));
    let ids: Vec<String> = serde_json::from_slice(&reqs[4].body).unwrap();
    assert_eq!(
        ids.len(),
        34,
        "every product row, closed ones included, in one batch"
    );

    // The numbers.
    assert_eq!(
        snap.positions.len(),
        32,
        "closed positions are not shown unless asked; the money-market fund among the cash rows is a position"
    );
    let asml = snap
        .positions
        .iter()
        .find(|p| p.instrument.symbol.as_deref() == Some("ASML"))
        .unwrap();
    assert_eq!(
        asml.instrument.isin.as_ref().unwrap().as_str(),
        "NL0010273215"
    );
    assert_eq!(asml.instrument.broker_id, "331868");
    assert_eq!(asml.instrument.exchange.as_deref(), Some("200"));
    assert_eq!(
        asml.instrument.ids.mic.as_deref(),
        Some("XAMS"),
        "DEGIRO exchange 200 is Euronext Amsterdam"
    );
    // Bought 2 + 2, a third of the 4 sold: 3 left, at a break-even of
    // 529.36 (what they cost with fees).
    assert_eq!(asml.quantity, d("3"));
    assert_eq!(asml.price.as_ref().unwrap().amount, d("652.3"));
    assert_eq!(asml.market_value.as_ref().unwrap().amount, d("1956.9"));
    assert_eq!(asml.cost_basis.as_ref().unwrap().amount, d("1588.08"));
    assert_eq!(asml.unrealized_pnl.as_ref().unwrap().amount, d("368.82"));
    let aapl = snap
        .positions
        .iter()
        .find(|p| p.instrument.symbol.as_deref() == Some("AAPL"))
        .unwrap();
    assert_eq!(
        aapl.instrument.ids.mic.as_deref(),
        Some("XNAS"),
        "DEGIRO exchange 663 is NASDAQ"
    );
    // DEGIRO sends a USD position's value in EUR: 7 x 229.87 USD x 0.9240.
    assert_eq!(
        aapl.market_value,
        Some(stonks_core::Money::new(
            d("1486.80"),
            stonks_core::Currency::EUR
        ))
    );
    // 7 x the break-even of 200.8758 USD: the buy, its fees at its rate.
    assert_eq!(
        aapl.cost_basis,
        Some(stonks_core::Money::new(
            d("1406.1306"),
            stonks_core::Currency::USD
        ))
    );
    let fund = snap
        .positions
        .iter()
        .find(|p| p.instrument.broker_id == "15694498")
        .unwrap();
    assert_eq!(fund.instrument.asset_class, stonks_core::AssetClass::Fund);
    assert_eq!(fund.quantity, d("0.0251"));
    let bond = snap
        .positions
        .iter()
        .find(|p| p.instrument.symbol.as_deref() == Some("NL33"))
        .unwrap();
    assert_eq!(bond.instrument.asset_class, stonks_core::AssetClass::Bond);
    let cash: BTreeMap<String, Decimal> = snap
        .cash
        .iter()
        .map(|c| (c.amount.currency.to_string(), c.amount.amount))
        .collect();
    // What the cash movements add up to: 7931.33 at DEGIRO and 2250 swept
    // to flatex; no USD, as AutoFX converts every USD amount.
    assert_eq!(
        cash,
        BTreeMap::from([("EUR".into(), d("10181.33")), ("USD".into(), d("0"))])
    );

    let all = r
        .portfolio_v2("degiro")
        .unwrap()
        .snapshot(&PortfolioQuery::new().include_closed(true))
        .await
        .unwrap();
    assert_eq!(all.positions.len(), 34);
}

#[tokio::test]
async fn totp_login_sends_the_current_code() {
    let (mock, r) = setup(LoginMode::Totp).await;
    snapshot(&r).await.unwrap();
    let reqs = mock.received_requests().await;
    assert_eq!(reqs[0].url.path(), "/login/secure/login");
    assert_eq!(reqs[1].url.path(), "/login/secure/login/totp");
    let sent = body(&reqs[1]);
    let code = sent["oneTimePassword"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    let secret = stonks_core::totp::decode_base32(TOTP_SECRET).unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    assert!(
        [now, now - 30]
            .iter()
            .any(|t| stonks_core::totp::code_at(&secret, *t) == code),
        "{code} is the code of the current window"
    );
    assert_eq!(sent["username"], USERNAME);
}

#[tokio::test]
async fn totp_needed_without_a_secret_is_an_auth_error() {
    let mock = MockDegiro::start().await;
    mock.set_login_mode(LoginMode::Totp);
    let r = support::registry_of(stonks_broker_degiro::RECORD);
    let mut cfg = mock.config();
    cfg.as_object_mut().unwrap().remove("totp_secret");
    r.activate("degiro", &cfg).unwrap();
    let err = snapshot(&r).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Auth);
    assert!(err.to_string().contains("one-time password"), "{err}");
}

#[tokio::test]
async fn in_app_approval_polls_and_tells_the_user() {
    let mock = MockDegiro::start().await;
    mock.set_login_mode(LoginMode::InApp { polls: 2 });
    let r = support::registry_of(stonks_broker_degiro::RECORD);
    let mut notices = r.notices();
    r.activate("degiro", &mock.config()).unwrap();
    snapshot(&r).await.unwrap();
    let notice = notices.try_recv().unwrap();
    assert_eq!(
        (notice.plugin.as_str(), notice.kind),
        ("degiro", NoticeKind::ApproveOnDevice)
    );
    assert!(notice.message.contains("approve"));
    let polls: Vec<Value> = mock
        .received_requests()
        .await
        .iter()
        .filter(|q| q.url.path() == "/login/secure/login/in-app")
        .map(body)
        .collect();
    assert_eq!(polls.len(), 3, "two waiting answers, then approval");
    assert!(
        polls
            .iter()
            .all(|p| p["inAppToken"] == "3f6c2a1e-9b8d-4c7a-a5e4-0d1c2b3a4f5e")
    );
}

#[tokio::test]
async fn refused_logins_say_why_and_are_not_retried() {
    for (mode, reason) in [
        (LoginMode::InAppRefused, "refused in the app"),
        (LoginMode::Blocked, "blocked"),
        (LoginMode::Captcha, "captcha"),
        (LoginMode::Maintenance, "maintenance"),
    ] {
        let (mock, r) = setup(mode).await;
        let err = snapshot(&r).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Auth, "{mode:?}: {err}");
        assert!(err.to_string().contains(reason), "{mode:?}: {err}");
        assert_eq!(mock.logins(), 0);
    }
    let mock = MockDegiro::start().await;
    let r = support::registry(stonks_broker_degiro::RECORD, &mock.bad_config());
    let err = snapshot(&r).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Auth);
    assert!(
        err.to_string().contains("bad username or password"),
        "{err}"
    );
    let logins = mock
        .received_requests()
        .await
        .iter()
        .filter(|q| q.url.path() == "/login/secure/login")
        .count();
    assert_eq!(logins, 1, "bad credentials are never retried");
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_for_concurrent_calls() {
    let (mock, r) = setup(LoginMode::Plain).await;
    snapshot(&r).await.unwrap();
    assert_eq!(mock.logins(), 1);
    mock.expire_sessions();
    let (a, b) = futures::join!(snapshot(&r), snapshot(&r));
    a.unwrap();
    b.unwrap();
    assert_eq!(
        mock.logins(),
        2,
        "two calls that hit the expired session share one re-login"
    );
}

#[tokio::test]
async fn ledger_merges_trades_and_cash_movements() {
    let (mock, r) = setup(LoginMode::Plain).await;
    let ledger = r.transactions_v2("degiro").unwrap();
    let read = collect_ledger(&*ledger, TransactionQuery::new())
        .await
        .unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let entries = read.items;

    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for e in &entries {
        *kinds.entry(e.kind.as_str().to_owned()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("buy", 43),
        ("sell", 4),
        ("split", 1),
        ("deposit", 36),
        ("withdrawal", 1),
        ("dividend", 12),
        ("tax", 12),
        // Two legs for each dividend and for each USD trade (AutoFX).
        ("fx_conversion", 48),
        ("transfer", 19),
        ("fee", 3),
        ("interest", 7),
        ("failed payment", 1),
        ("Corporate action: spin-off Prosus Holding", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_owned(), n))
    .collect();
    assert_eq!(
        kinds, expected,
        "each trade once, its cash leg and fee not again"
    );

    // Every row of v4/transactions but NVIDIA's two split rows is a trade.
    let (rows, _) = mock.history_size();
    let trades = rows - 2;
    assert_eq!(entries.iter().filter(|e| e.kind.is_trade()).count(), trades);
    let trade_fees: Vec<&stonks_core::Money> = entries
        .iter()
        .filter(|e| e.kind.is_trade())
        .flat_map(|e| &e.fees)
        .collect();
    assert_eq!(trade_fees.len(), trades, "every trade carries its fee");
    assert!(trade_fees.iter().all(|f| f.currency.as_str() == "EUR"));
    let split = entries
        .iter()
        .find(|e| e.kind == LedgerKind::Split)
        .unwrap();
    assert_eq!(
        split.instrument.as_ref().unwrap().symbol.as_deref(),
        Some("NVDA")
    );
    assert_eq!(split.quantity, Some(d("9")), "1 share became 10");
    let fund = entries
        .iter()
        .find(|e| e.kind == LedgerKind::Transfer && e.quantity.is_some())
        .unwrap();
    assert_eq!(
        (fund.quantity, fund.cost_basis.map(|c| c.amount)),
        (Some(d("0.0251")), Some(d("249.497012"))),
        "the fund's units, from its conversion's description"
    );
    let first = entries.iter().find(|e| e.kind == LedgerKind::Buy).unwrap();
    assert!(first.id.starts_with("trade-"));
    assert!(first.instrument.as_ref().unwrap().isin.is_some());
    assert!(first.quantity.unwrap() > Decimal::ZERO);
    assert!(first.amount.amount < Decimal::ZERO, "a buy takes cash");

    // The reporting calls ask for windows the API accepts, in DD/MM/YYYY.
    let reqs = mock.received_requests().await;
    let windows: Vec<(String, String)> = reqs
        .iter()
        .filter(|q| q.url.path().ends_with("v4/transactions"))
        .map(|q| {
            let p: BTreeMap<String, String> = q.url.query_pairs().into_owned().collect();
            assert_eq!(p["groupTransactionsByOrder"], "false");
            assert_eq!(p["intAccount"], INT_ACCOUNT.to_string());
            (p["fromDate"].clone(), p["toDate"].clone())
        })
        .collect();
    assert_eq!(windows[0].0, "01/01/2023");
    assert!(windows.len() >= 4, "{windows:?}");
    let fmt = |s: &str| chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y").unwrap();
    for w in windows.windows(2) {
        assert_eq!(
            fmt(&w[0].1).succ_opt().unwrap(),
            fmt(&w[1].0),
            "windows meet without a gap"
        );
    }
}

#[tokio::test]
async fn a_wrong_one_time_code_is_reported_as_one_and_never_resent() {
    let mock = MockDegiro::start().await;
    mock.set_login_mode(LoginMode::Totp);
    let r = support::registry_of(stonks_broker_degiro::RECORD);
    let mut cfg = mock.config();
    // A valid base32 secret, but not the account's.
    cfg["totp_secret"] = "JBSWY3DPEHPK3PXP".into();
    r.activate("degiro", &cfg).unwrap();
    let err = snapshot(&r).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Auth);
    let shown = err.to_string();
    assert!(
        shown.contains("the one-time password was not accepted"),
        "{shown}"
    );
    assert!(!shown.contains("username or password"), "{shown}");
    let totp_posts = mock
        .received_requests()
        .await
        .iter()
        .filter(|q| q.url.path() == "/login/secure/login/totp")
        .count();
    assert_eq!(totp_posts, 1, "a spent code is never sent again");
}

#[tokio::test]
async fn a_malformed_totp_secret_is_refused_before_any_request() {
    let mock = MockDegiro::start().await;
    let r = support::registry_of(stonks_broker_degiro::RECORD);
    let mut cfg = mock.config();
    cfg["totp_secret"] = "not-base32-1890!".into();
    let err = match r.activate("degiro", &cfg) {
        Err(e) => e,
        Ok(_) => snapshot(&r).await.unwrap_err(),
    };
    assert_eq!(err.kind(), &ErrorKind::Config, "{err}");
    assert!(
        err.to_string()
            .contains("totp_secret is not a base32 secret"),
        "{err}"
    );
    assert!(!err.to_string().contains("not-base32-1890!"), "{err}");
    assert!(
        mock.received_requests().await.is_empty(),
        "the password is never sent"
    );
}

#[tokio::test]
async fn a_config_answer_naming_another_origin_gets_no_session() {
    let (mock, r) = setup(LoginMode::Plain).await;
    // Same host, another port: a server that must never see the session.
    let elsewhere = wiremock::MockServer::start().await;
    mock.advertise_urls_at(&elsewhere.uri());
    let err = snapshot(&r).await.unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("origin {} is not allowed", elsewhere.uri())),
        "{err}"
    );
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "nothing, and so no session id, went to the other port"
    );
}
