//! The plugin against `MockIbkr`'s two accounts: the numbers the statements
//! and the Client Portal turn into, a ledger that adds up to the portfolio
//! whatever the sources' overlap, the requests both Flex steps cost, and
//! IBKR's errors.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;
use stonks_core::v2::{
    LedgerEntry, LedgerKind, PortfolioQuery, PortfolioSnapshot, TransactionQuery, collect_ledger,
};
use stonks_core::{Decimal, ErrorKind, Registry};
use stonks_testkit::MockIbkr;
use stonks_testkit::ibkr::{ACCOUNT_EUR, ACCOUNT_USD, EXPIRED_TOKEN, PORTAL_TOKEN, TOKEN};
use stonks_testkit::support::{self, d};

fn registry(config: &serde_json::Value) -> Registry {
    support::registry(stonks_broker_ibkr::RECORD, config)
}

async fn ledger(r: &Registry, query: TransactionQuery) -> Vec<LedgerEntry> {
    let read = collect_ledger(&*r.transactions_v2("ibkr").unwrap(), query)
        .await
        .unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    read.items
}

async fn snapshot(r: &Registry) -> PortfolioSnapshot {
    r.portfolio_v2("ibkr")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap()
}

type Row = (String, String, Decimal, Decimal);

fn positions(s: &PortfolioSnapshot) -> Vec<Row> {
    s.positions
        .iter()
        .map(|p| {
            (
                p.account.clone().unwrap(),
                p.instrument.broker_id.clone(),
                p.quantity.normalize(),
                p.market_value.unwrap().amount.normalize(),
            )
        })
        .collect()
}

fn cash(s: &PortfolioSnapshot) -> Vec<(String, Decimal, String)> {
    s.cash
        .iter()
        .map(|c| {
            (
                c.account.clone().unwrap(),
                c.amount.amount,
                c.amount.currency.to_string(),
            )
        })
        .collect()
}

fn row(account: &str, conid: &str, qty: &str, value: &str) -> Row {
    (account.into(), conid.into(), d(qty), d(value))
}

fn expected_cash() -> Vec<(String, Decimal, String)> {
    vec![
        (ACCOUNT_EUR.into(), d("4779.15"), "EUR".into()),
        (ACCOUNT_EUR.into(), d("23213.98"), "USD".into()),
        (ACCOUNT_USD.into(), d("18664.34"), "USD".into()),
    ]
}

#[tokio::test]
async fn portfolio_live_from_the_client_portal() {
    let mock = MockIbkr::start().await;
    let s = snapshot(&registry(&mock.config())).await;
    assert_eq!(
        s.as_of.to_rfc3339(),
        "2024-10-31T12:00:00+00:00",
        "when the gateway computed it"
    );
    assert_eq!(
        positions(&s),
        vec![
            row(ACCOUNT_EUR, "14204", "20", "3521"),
            row(ACCOUNT_EUR, "265598", "50", "12532"),
            row(ACCOUNT_EUR, "272093", "45", "21298.05"),
            row(ACCOUNT_EUR, "498406", "30", "4014.3"),
            row(ACCOUNT_EUR, "4815747", "80", "3408"),
            row(ACCOUNT_EUR, "117902840", "5", "4949.8"),
            row(ACCOUNT_EUR, "136155102", "32", "19718.08"),
            row(ACCOUNT_EUR, "589316251", "10", "902.8"),
            row(ACCOUNT_EUR, "637533450", "10000", "9920.8"),
            row(ACCOUNT_EUR, "689216371", "2", "5240"),
            row(ACCOUNT_USD, "136155102", "48", "29577.12"),
        ]
    );
    let option = &s.positions[9];
    assert_eq!(
        option.price.unwrap().amount.normalize(),
        d("2620"),
        "per contract"
    );
    assert_eq!(option.instrument.name, "AAPL JAN2025 200 C (x100)");
    assert_eq!(cash(&s), expected_cash());
    // The session id is masked from then on.
    let requests = mock.received_requests().await;
    let paths: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        paths,
        vec![
            "POST /v1/api/tickle",
            "POST /v1/api/iserver/auth/status",
            "GET /v1/api/portfolio/accounts",
            "GET /v1/api/portfolio/U7012345/positions/0",
            "GET /v1/api/portfolio/U7012345/ledger",
            "GET /v1/api/portfolio/U7012346/positions/0",
            "GET /v1/api/portfolio/U7012346/ledger",
        ]
    );
}

#[tokio::test]
async fn portfolio_from_the_latest_statement_without_the_portal() {
    let mock = MockIbkr::start().await;
    let s = snapshot(&registry(&mock.flex_config())).await;
    // The end of 30 October 2024 in New York.
    assert_eq!(s.as_of.to_rfc3339(), "2024-10-31T04:00:00+00:00");
    assert_eq!(
        positions(&s),
        vec![
            row(ACCOUNT_EUR, "14204", "20", "3530.2"),
            row(ACCOUNT_EUR, "265598", "50", "12564.5"),
            row(ACCOUNT_EUR, "272093", "45", "21353.4"),
            row(ACCOUNT_EUR, "498406", "30", "4024.5"),
            row(ACCOUNT_EUR, "4815747", "80", "3392.8"),
            row(ACCOUNT_EUR, "117902840", "5", "4962.55"),
            row(ACCOUNT_EUR, "136155102", "32", "19768.96"),
            row(ACCOUNT_EUR, "589316251", "10", "905.1"),
            row(ACCOUNT_EUR, "637533450", "10000", "9928.9"),
            row(ACCOUNT_EUR, "689216371", "2", "5218"),
            row(ACCOUNT_USD, "136155102", "48", "29653.44"),
        ],
        "the SUMMARY rows of the last statement, not its LOT rows"
    );
    let bond = &s.positions[8];
    assert_eq!(
        bond.price.unwrap().amount,
        d("99.289"),
        "in percent of face"
    );
    assert_eq!(bond.cost_basis.unwrap().amount, d("9930"));
    assert_eq!(cash(&s), expected_cash());
}

#[tokio::test]
async fn the_ledger_of_two_accounts_adds_up_to_their_portfolio() {
    let mock = MockIbkr::start().await;
    let r = registry(&mock.config());
    let entries = ledger(&r, TransactionQuery::new()).await;
    assert_eq!(
        entries.len(),
        299,
        "each transaction once across the overlapping statements"
    );
    let mut kinds: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in &entries {
        *kinds
            .entry((e.account.clone().unwrap(), e.kind.to_string()))
            .or_default() += 1;
    }
    let expected: BTreeMap<(String, String), usize> = [
        (ACCOUNT_EUR, "buy", 43),
        (ACCOUNT_EUR, "deposit", 12),
        (ACCOUNT_EUR, "dividend", 39),
        (ACCOUNT_EUR, "fee", 36),
        (ACCOUNT_EUR, "fx_conversion", 28),
        (ACCOUNT_EUR, "interest", 25),
        (ACCOUNT_EUR, "merger", 1),
        (ACCOUNT_EUR, "sell", 2),
        (ACCOUNT_EUR, "spin_off", 1),
        (ACCOUNT_EUR, "split", 1),
        (ACCOUNT_EUR, "tax", 39),
        (ACCOUNT_EUR, "transfer", 2),
        (ACCOUNT_EUR, "withdrawal", 1),
        (ACCOUNT_USD, "buy", 12),
        (ACCOUNT_USD, "deposit", 12),
        (ACCOUNT_USD, "dividend", 11),
        (ACCOUNT_USD, "interest", 22),
        (ACCOUNT_USD, "tax", 11),
        (ACCOUNT_USD, "transfer", 1),
    ]
    .into_iter()
    .map(|(a, k, n)| ((a.to_owned(), k.to_owned()), n))
    .collect();
    assert_eq!(kinds, expected);

    // Every unit of cash of the ledger is in the statements' cash...
    let mut money: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for e in &entries {
        let account = e.account.clone().unwrap();
        *money
            .entry((account.clone(), e.amount.currency.to_string()))
            .or_default() += e.amount.amount;
        for fee in &e.fees {
            *money
                .entry((account.clone(), fee.currency.to_string()))
                .or_default() -= fee.amount;
        }
    }
    let money: Vec<(String, Decimal, String)> =
        money.into_iter().map(|((a, c), v)| (a, v, c)).collect();
    assert_eq!(money, expected_cash());
    // ...and every unit of a security in a position.
    let mut units: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for e in &entries {
        let (Some(i), Some(q)) = (&e.instrument, e.quantity) else {
            continue;
        };
        let signed = match e.kind {
            LedgerKind::Buy => q,
            LedgerKind::Sell => -q,
            LedgerKind::FxConversion => continue,
            _ => q,
        };
        *units
            .entry((e.account.clone().unwrap(), i.broker_id.clone()))
            .or_default() += signed;
    }
    units.retain(|_, q| !q.is_zero());
    let held: BTreeMap<(String, String), Decimal> = snapshot(&r)
        .await
        .positions
        .iter()
        .map(|p| {
            (
                (p.account.clone().unwrap(), p.instrument.broker_id.clone()),
                p.quantity,
            )
        })
        .collect();
    assert_eq!(units, held);

    // Every withholding names its dividend; reversals and the cancellation
    // name what they undo.
    let by_id: BTreeMap<&str, &LedgerEntry> = entries.iter().map(|e| (e.id.as_str(), e)).collect();
    for e in entries.iter().filter(|e| e.kind == LedgerKind::Tax) {
        let owner = by_id[e.belongs_to.as_deref().unwrap_or_else(|| panic!("{e:?}"))];
        assert_eq!(owner.kind, LedgerKind::Dividend, "{e:?}");
        assert_eq!(
            owner.instrument.as_ref().unwrap().broker_id,
            e.instrument.as_ref().unwrap().broker_id
        );
    }
    let reversal = entries
        .iter()
        .find(|e| e.kind == LedgerKind::Dividend && e.amount.amount < Decimal::ZERO)
        .unwrap();
    assert_eq!(reversal.amount.amount, d("-22.44"));
    assert_eq!(
        by_id[reversal.belongs_to.as_deref().unwrap()].amount.amount,
        d("22.44")
    );
    let cancel = entries
        .iter()
        .find(|e| e.kind == LedgerKind::Sell && e.belongs_to.is_some())
        .unwrap();
    assert_eq!(
        (cancel.quantity, cancel.amount.amount),
        (Some(d("10")), d("5111.5"))
    );
    assert_eq!(
        by_id[cancel.belongs_to.as_deref().unwrap()].amount.amount,
        d("-5111.5")
    );
    let split = entries
        .iter()
        .find(|e| e.kind == LedgerKind::Split)
        .unwrap();
    assert_eq!(split.quantity, Some(d("72")));
    let spin = entries
        .iter()
        .find(|e| e.kind == LedgerKind::SpinOff)
        .unwrap();
    assert_eq!(spin.instrument.as_ref().unwrap().name, "GEHC");
    assert_eq!(spin.cost_basis.unwrap().amount, d("412.80"));
}

#[tokio::test]
async fn both_steps_as_ibkr_asks_them_polled_while_generating() {
    let mock = MockIbkr::start().await;
    mock.set_generating_polls(2);
    let r = registry(&mock.flex_config());
    let entries = ledger(&r, TransactionQuery::new()).await;
    assert_eq!(entries.len(), 299);
    let flex: Vec<_> = mock
        .received_requests()
        .await
        .into_iter()
        .filter(|r| r.url.path().starts_with("/AccountManagement"))
        .collect();
    let steps: Vec<(&str, String)> = flex
        .iter()
        .map(|r| {
            let q: BTreeMap<String, String> = r.url.query_pairs().into_owned().collect();
            assert_eq!(q["t"], TOKEN);
            assert_eq!(q["v"], "3");
            assert_eq!(r.headers.get("user-agent").unwrap(), "Java");
            (r.url.path().rsplit('/').next().unwrap(), q["q"].clone())
        })
        .collect();
    // Per query: SendRequest, then GetStatement until it is generated.
    assert_eq!(steps.len(), 3 * 4);
    for (i, query) in mock.query_ids().iter().enumerate() {
        let part = &steps[i * 4..i * 4 + 4];
        assert_eq!(part[0], ("SendRequest", (*query).to_owned()));
        let reference = &part[1].1;
        assert!(
            part[1..]
                .iter()
                .all(|(step, q)| *step == "GetStatement" && q == reference)
        );
    }
}

#[tokio::test]
async fn a_url_wrapped_in_whitespace_is_trimmed() {
    let mock = MockIbkr::start().await;
    mock.pad_url(true);
    let entries = ledger(&registry(&mock.flex_config()), TransactionQuery::new()).await;
    assert_eq!(entries.len(), 299);
}

#[tokio::test]
async fn token_and_query_errors_say_what_to_do() {
    let mock = MockIbkr::start().await;
    let read = |config: serde_json::Value| async move {
        let r = registry(&config);
        r.transactions_v2("ibkr")
            .unwrap()
            .transactions(&TransactionQuery::new())
            .await
            .unwrap_err()
    };
    let mut config = mock.flex_config();
    config["token"] = json!(EXPIRED_TOKEN);
    let expired = read(config).await;
    assert_eq!(expired.kind(), &ErrorKind::Auth);
    let text = expired.to_string();
    assert!(
        text.contains("1012: Token has expired.") && text.contains("generate a new token"),
        "{text}"
    );
    assert!(!text.contains(EXPIRED_TOKEN), "{text}");

    let invalid = read(mock.bad_config()).await;
    assert_eq!(invalid.kind(), &ErrorKind::Auth);
    assert!(
        invalid.to_string().contains("1015: Token is invalid."),
        "{invalid}"
    );

    let mut config = mock.flex_config();
    config["query_ids"] = json!(["1000001", "424242"]);
    let unknown = read(config).await;
    assert_eq!(unknown.kind(), &ErrorKind::Config);
    assert!(
        unknown.to_string().contains("1014: Query is invalid."),
        "{unknown}"
    );
}

#[tokio::test]
async fn too_many_requests_wait_within_the_budget_only() {
    let mock = MockIbkr::start().await;
    let r = registry(&mock.flex_config());
    mock.throttle(1);
    // IBKR asks for a minute: beyond a two-second budget, refused at once.
    let started = std::time::Instant::now();
    let service = r.transactions_v2("ibkr").unwrap();
    let query = TransactionQuery::new();
    let err = stonks_core::http::with_deadline(
        tokio::time::Instant::now() + Duration::from_secs(2),
        service.transactions(&query),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RateLimited { retry_after: Some(d) } if *d == stonks_broker_ibkr::THROTTLED_FOR),
        "{err:?}"
    );
    assert!(err.to_string().contains("1018"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn statements_saved_as_files_give_the_same_ledger_whatever_the_overlap() {
    let mock = MockIbkr::start().await;
    let web = ledger(&registry(&mock.flex_config()), TransactionQuery::new()).await;
    let dir = std::env::temp_dir().join(format!("stonks-ibkr-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for id in mock.query_ids() {
        let path = dir.join(format!("{id}.xml"));
        std::fs::write(&path, mock.statement_xml(id).unwrap()).unwrap();
        files.push(path.display().to_string());
    }
    let offline = json!({"flex_files": files});
    let r = registry(&offline);
    let from_files = ledger(&r, TransactionQuery::new()).await;
    assert_eq!(from_files, web);
    // Every file twice, in another order, beside the web service: the same.
    let mut twice: Vec<String> = files.iter().rev().cloned().collect();
    twice.extend(files.iter().cloned());
    let mut both = mock.flex_config();
    both["flex_files"] = json!(twice);
    assert_eq!(ledger(&registry(&both), TransactionQuery::new()).await, web);
    // The portfolio too, with no network.
    assert_eq!(cash(&snapshot(&r).await), expected_cash());
    // A file that is not there is a configuration error naming it.
    let missing = registry(&json!({"flex_files": [dir.join("nope.xml").display().to_string()]}));
    let err = missing
        .transactions_v2("ibkr")
        .unwrap()
        .transactions(&TransactionQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Config);
    assert!(err.to_string().contains("nope.xml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn later_pages_come_from_memory_and_match_one_read() {
    let mock = MockIbkr::start().await;
    let r = registry(&mock.flex_config());
    let whole = ledger(&r, TransactionQuery::new()).await;
    let before = mock.received_requests().await.len();
    let paged = ledger(&r, TransactionQuery::new().limit(25)).await;
    assert_eq!(paged, whole);
    let cost = mock.received_requests().await.len() - before;
    assert_eq!(
        cost,
        3 * 3,
        "one read of the three queries for the 12 pages"
    );
    let kinds = ledger(
        &r,
        TransactionQuery::new()
            .kinds([LedgerKind::Dividend])
            .limit(10),
    )
    .await;
    let dividends: Vec<LedgerEntry> = whole
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Dividend)
        .collect();
    assert_eq!(kinds, dividends);
}

#[tokio::test]
async fn the_client_portal_says_where_to_log_in() {
    let mock = MockIbkr::start().await;
    let r = registry(&mock.config());
    mock.log_out(true);
    let err = r
        .portfolio_v2("ibkr")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Auth);
    assert!(
        err.to_string().contains(&format!(
            "open {} in a browser",
            mock.uri().replace("localhost", "127.0.0.1")
        )),
        "{err}"
    );
    mock.log_out(false);
    mock.compete(true);
    let err = r
        .portfolio_v2("ibkr")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Auth);
    assert!(
        err.to_string()
            .contains("brokerage session is not authenticated; another session competes"),
        "{err}"
    );
    mock.compete(false);
    // Through OAuth: the Bearer token is checked.
    let mut oauth = mock.config();
    oauth["portal_token"] = json!(PORTAL_TOKEN);
    assert_eq!(cash(&snapshot(&registry(&oauth)).await), expected_cash());
    oauth["portal_token"] = json!("not-the-token");
    let err = registry(&oauth)
        .portfolio_v2("ibkr")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Auth);
    assert!(!format!("{err} {err:?}").contains("not-the-token"));
}

#[tokio::test]
async fn instruments_carry_every_identifier_the_statement_gives() {
    let mock = MockIbkr::start().await;
    let r = registry(&mock.flex_config());
    let entries = ledger(&r, TransactionQuery::new()).await;
    let apple = entries
        .iter()
        .filter_map(|e| e.instrument.as_ref())
        .find(|i| {
            i.isin
                .as_ref()
                .is_some_and(|isin| isin.as_str() == "US0378331005")
        })
        .expect("an Apple entry");
    // The statement's cusip (the ISIN's middle nine characters for a US
    // security); IBKR sends figi empty here, so it stays unknown.
    assert_eq!(apple.ids.cusip.as_deref(), Some("037833100"));
    assert_eq!(apple.ids.figi, None);
    assert_eq!(apple.key("ibkr"), "isin:US0378331005");
    // `listingExchange` NASDAQ is the MIC XNAS; the exchange keeps IBKR's name.
    assert_eq!(apple.exchange.as_deref(), Some("NASDAQ"));
    assert_eq!(apple.ids.mic.as_deref(), Some("XNAS"));
    let mic_of = |isin: &str| {
        entries
            .iter()
            .filter_map(|e| e.instrument.as_ref())
            .find(|i| i.isin.as_ref().is_some_and(|x| x.as_str() == isin))
            .unwrap_or_else(|| panic!("an entry of {isin}"))
            .ids
            .mic
            .clone()
    };
    assert_eq!(
        mic_of("DE0007164600").as_deref(),
        Some("XETR"),
        "SAP on IBIS"
    );
    assert_eq!(
        mic_of("NL0010273215").as_deref(),
        Some("XAMS"),
        "ASML on AEB"
    );
    assert_eq!(
        mic_of("US9229083632").as_deref(),
        Some("ARCX"),
        "VOO on ARCA"
    );
}
