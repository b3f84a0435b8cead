//! The Bitvavo plugin against wiremock with fixtures shaped like Bitvavo's
//! answers: the exact requests it sends (paths, queries, signed headers) and
//! the exact numbers the fixtures turn into.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use serde_json::json;
use stonks_broker_bitvavo::{RECORD, signature};
use stonks_core::v2::{LedgerKind, PortfolioQuery, TransactionQuery};
use stonks_core::{Decimal, ErrorKind, Registry};
use stonks_testkit::fixture;
use stonks_testkit::support::{self, d, mount_get, requests_to};
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "test-key-0123456789";
const SECRET: &str = "test-secret-abcdefghijklmnop";

fn registry(server: &MockServer) -> Registry {
    support::registry(
        RECORD,
        &json!({"api_key": KEY, "api_secret": SECRET, "base_url": format!("{}/v2", server.uri())}),
    )
}

/// The portfolio's endpoints, but those in `except`, answered with their
/// fixtures.
async fn mount_portfolio(server: &MockServer, except: &[&str]) {
    for (at, file) in [
        ("/v2/balance", "balance.json"),
        ("/v2/stakingBalance", "staking_balance.json"),
        ("/v2/assets", "assets.json"),
        ("/v2/ticker/price", "ticker_price.json"),
    ] {
        if !except.contains(&at) {
            mount_get(server, at, fixture!("tests/fixtures/{file}")).await;
        }
    }
}

/// Recomputes the signature of a received request and checks every header.
fn assert_signed(req: &Request) {
    let h = |n: &str| {
        req.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(h("bitvavo-access-key"), KEY);
    assert_eq!(h("bitvavo-access-window"), "10000");
    let ts = h("bitvavo-access-timestamp");
    let ts_ms: i64 = ts.parse().unwrap();
    assert!((Utc::now().timestamp_millis() - ts_ms).abs() < 10_000);
    let pq = match req.url.query() {
        Some(q) => format!("{}?{q}", req.url.path()),
        None => req.url.path().to_owned(),
    };
    assert_eq!(
        h("bitvavo-access-signature"),
        signature(SECRET, &ts, req.method.as_str(), &pq, &req.body)
    );
}

#[tokio::test]
async fn portfolio_from_fixtures() {
    let server = MockServer::start().await;
    mount_portfolio(&server, &[]).await;
    let r = registry(&server);
    let snap = r
        .portfolio_v2("bitvavo")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();

    assert_eq!(snap.cash.len(), 1);
    assert_eq!(snap.cash[0].amount.amount, d("2510.53"));
    assert_eq!(snap.cash[0].amount.currency.as_str(), "EUR");
    let rows: Vec<(String, Decimal, Option<Decimal>, Option<Decimal>)> = snap
        .positions
        .iter()
        .map(|p| {
            (
                p.instrument.broker_id.clone(),
                p.quantity,
                p.price.as_ref().map(|m| m.amount),
                p.market_value.as_ref().map(|m| m.amount),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "BTC".into(),
                d("0.02072914"),
                Some(d("87432.15")),
                Some(d("1812.3932778510"))
            ),
            (
                "ETH".into(),
                d("1.5"),
                Some(d("2987.4")),
                Some(d("4481.10"))
            ),
            (
                "SHIB".into(),
                d("0.00000004"),
                Some(d("0.000008321")),
                Some(d("3.3284E-13"))
            ),
            ("XNO".into(), d("12.3"), None, None),
            (
                "ETH:staked".into(),
                d("0.75"),
                Some(d("2987.4")),
                Some(d("2240.55"))
            ),
        ]
    );
    assert_eq!(snap.positions[0].instrument.name, "Bitcoin");
    assert_eq!(snap.positions[0].quantity.to_string(), "0.02072914");
    assert_eq!(
        snap.positions[1].quantity.to_string(),
        "1.50000000",
        "shown at the asset's 8 decimals"
    );
    assert_eq!(
        snap.positions[3].instrument.currency, None,
        "XNO has no EUR market"
    );

    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        4,
        "one call per endpoint, one price call for all markets"
    );
    for req in &requests {
        match req.url.path() {
            "/v2/balance" | "/v2/stakingBalance" => assert_signed(req),
            "/v2/ticker/price" => assert_eq!(req.url.query(), None, "all markets at once"),
            "/v2/assets" => assert!(req.headers.get("bitvavo-access-signature").is_none()),
            other => panic!("unexpected request {other}"),
        }
    }
}

#[tokio::test]
async fn a_history_page_turns_into_these_entries() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/account/history"))
        .and(query_param("page", "1"))
        .and(query_param("maxItems", "100"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture!("tests/fixtures/history_page2.json")),
        )
        .mount(&server)
        .await;
    let r = registry(&server);
    let from = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let until = Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap();
    let page = r
        .transactions_v2("bitvavo")
        .unwrap()
        .transactions(&TransactionQuery::new().range(from, until))
        .await
        .unwrap();
    assert_eq!(page.next_cursor, None, "a short page is the last");
    assert!(page.problems.is_empty(), "{:?}", page.problems);
    let summary: Vec<(&str, &str, String, String)> = page
        .items
        .iter()
        .map(|e| {
            (
                &e.id[..8],
                e.kind.as_str(),
                e.amount.amount.to_string(),
                e.amount.currency.to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "f0e1d2c3",
                "earn_boost_reward",
                "0.012".into(),
                "SOL".into()
            ),
            ("e1f2a3b4", "withdrawal", "-0.0025".into(), "BTC".into()),
            ("d4e5f6a7", "deposit", "500".into(), "EUR".into()),
            ("0c1d2e3f", "buy", "-250".into(), "EUR".into()),
            ("5f5e7b3b", "sell", "132.00".into(), "EUR".into()),
        ],
        "in time order within the page"
    );
    let buy = &page.items[3];
    assert_eq!(buy.quantity, Some(d("0.00274019")));
    assert_eq!(buy.price.as_ref().unwrap().amount, d("91234.56"));
    assert_eq!(buy.fees[0].amount, d("0.62"));
    assert_eq!(
        buy.instrument.as_ref().unwrap().symbol.as_deref(),
        Some("BTC")
    );
    assert_eq!(page.items[1].fees[0].amount, d("0.0000335"));
    assert!(page.items[2].fees.is_empty(), "a zero fee is no fee");
    assert_eq!(
        page.items[0].kind,
        LedgerKind::Other("earn_boost_reward".into())
    );

    let history = requests_to(&server, "/v2/account/history").await;
    assert_eq!(history.len(), 1, "one page, one request");
    assert_signed(&history[0]);
    let q: std::collections::HashMap<String, String> =
        history[0].url.query_pairs().into_owned().collect();
    assert_eq!(q["fromDate"], from.timestamp_millis().to_string());
    assert_eq!(
        q["toDate"],
        (until.timestamp_millis() - 1).to_string(),
        "until is exclusive"
    );

    // Kind filters are honoured.
    let moves = r
        .transactions_v2("bitvavo")
        .unwrap()
        .transactions(&TransactionQuery::new().kinds([LedgerKind::Deposit, LedgerKind::Withdrawal]))
        .await
        .unwrap();
    let kinds: Vec<&str> = moves.items.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["withdrawal", "deposit"]);
}

/// Bitvavo's `/account/history` over `items` (newest first): `fromDate`
/// and `toDate` inclusive, pages of `maxItems` numbered from the newest.
struct History(Vec<serde_json::Value>);

impl wiremock::Respond for History {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q: std::collections::HashMap<String, String> =
            req.url.query_pairs().into_owned().collect();
        let num = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
        let at = |i: &serde_json::Value| {
            chrono::DateTime::parse_from_rfc3339(i["executedAt"].as_str().unwrap())
                .unwrap()
                .timestamp_millis()
        };
        let hits: Vec<&serde_json::Value> = self
            .0
            .iter()
            .filter(|i| num("fromDate").is_none_or(|f| at(i) >= f))
            .filter(|i| num("toDate").is_none_or(|t| at(i) <= t))
            .collect();
        let max = num("maxItems").unwrap_or(100) as usize;
        let page = num("page").unwrap_or(1) as usize;
        let items: Vec<_> = hits.iter().skip((page - 1) * max).take(max).collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "items": items, "currentPage": page, "totalPages": hits.len().div_ceil(max)
        }))
    }
}

#[tokio::test]
async fn pages_by_time_each_entry_once_even_on_a_shared_millisecond() {
    // 230 deposits a minute apart, newest first; the 100th and 101st share
    // one millisecond, the page boundary.
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let mut items: Vec<serde_json::Value> = (0..230)
        .map(|i| {
            let at = start + chrono::Duration::minutes(230 - i);
            json!({"transactionId": format!("dep-{i:03}"), "type": "deposit",
                   "executedAt": at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                   "receivedCurrency": "EUR", "receivedAmount": format!("{i}.50")})
        })
        .collect();
    items[100]["executedAt"] = items[99]["executedAt"].clone();
    let server = MockServer::start().await;
    Mock::given(path("/v2/account/history"))
        .respond_with(History(items))
        .mount(&server)
        .await;
    let r = registry(&server);
    let page = stonks_core::v2::collect_ledger(
        &*r.transactions_v2("bitvavo").unwrap(),
        TransactionQuery::new().until(Utc.with_ymd_and_hms(2025, 2, 1, 0, 0, 0).unwrap()),
    )
    .await
    .unwrap();
    let mut ids: Vec<&str> = page.items.iter().map(|e| e.id.as_str()).collect();
    ids.sort();
    let expected: Vec<String> = (0..230).map(|i| format!("dep-{i:03}")).collect();
    assert_eq!(ids, expected, "every entry once");
    let total: Decimal = page.items.iter().map(|e| e.amount.amount).sum();
    assert_eq!(total, d("26450"), "sum of i + 0.50 for i in 0..230");
    let bounds: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v2/account/history")
        .map(|r| {
            let q: std::collections::HashMap<String, String> =
                r.url.query_pairs().into_owned().collect();
            format!("{}/{}", q["toDate"], q["page"])
        })
        .collect();
    let ms = |i: i64| (start + chrono::Duration::minutes(230 - i)).timestamp_millis();
    assert_eq!(
        bounds,
        vec![
            format!(
                "{}/1",
                Utc.with_ymd_and_hms(2025, 2, 1, 0, 0, 0)
                    .unwrap()
                    .timestamp_millis()
                    - 1
            ),
            format!("{}/1", ms(99)),
            format!("{}/1", ms(198)),
        ],
        "three requests for three pages, each bounded by the oldest entry read"
    );
}

async fn error_answer(status: u16, body: &str) -> stonks_core::Error {
    let server = MockServer::start().await;
    Mock::given(path("/v2/balance"))
        .respond_with(ResponseTemplate::new(status).set_body_string(body.to_owned()))
        .mount(&server)
        .await;
    // The other portfolio calls succeed, so the error is /balance's.
    for p in ["/v2/stakingBalance", "/v2/assets", "/v2/ticker/price"] {
        mount_get(&server, p, "[]".to_owned()).await;
    }
    let r = registry(&server);
    r.portfolio_v2("bitvavo")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn error_codes_map_to_kinds() {
    let auth = error_answer(
        403,
        r#"{"errorCode":309,"error":"The signature is invalid."}"#,
    )
    .await;
    assert_eq!(auth.kind(), &ErrorKind::Auth);
    assert!(
        auth.to_string()
            .contains("Bitvavo error 309: The signature is invalid."),
        "{auth}"
    );
    assert_eq!(auth.plugin(), Some("bitvavo"));

    let unban = Utc::now().timestamp_millis() + 120_000;
    let banned = error_answer(
        403,
        &format!(r#"{{"errorCode":105,"error":"Your IP or API key has been banned for not respecting the rate limit. The ban expires at {unban}."}}"#),
    )
    .await;
    let wait = banned.retry_after().expect("the unban time");
    assert!(matches!(banned.kind(), ErrorKind::RateLimited { .. }));
    assert!(
        wait > Duration::from_secs(115) && wait <= Duration::from_secs(120),
        "{wait:?}"
    );

    let bad_param = error_answer(
        400,
        r#"{"errorCode":205,"error":"Invalid parameter value: market"}"#,
    )
    .await;
    assert_eq!(bad_param.kind(), &ErrorKind::Protocol);
    assert_eq!(
        bad_param.protocol_details().unwrap().endpoint,
        "GET /balance"
    );

    let server_fault = error_answer(500, r#"{"errorCode":101,"error":"Unknown error."}"#).await;
    assert_eq!(server_fault.kind(), &ErrorKind::Temporary);

    let garbage = error_answer(200, "<html>maintenance</html>").await;
    assert_eq!(garbage.kind(), &ErrorKind::Protocol);
    assert_eq!(garbage.protocol_details().unwrap().endpoint, "GET /balance");
    assert!(
        garbage
            .protocol_details()
            .unwrap()
            .excerpt
            .contains("maintenance")
    );
}

#[tokio::test]
async fn rate_limit_429_error_110_after_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/balance"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .set_body_string(r#"{"errorCode":110,"error":"Rate limit exceeded."}"#),
        )
        .expect(4)
        .mount(&server)
        .await;
    for p in ["/v2/stakingBalance", "/v2/assets", "/v2/ticker/price"] {
        mount_get(&server, p, "[]".to_owned()).await;
    }
    let r = registry(&server);
    let err = r
        .portfolio_v2("bitvavo")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::RateLimited { .. }), "{err}");
}

#[tokio::test]
async fn slows_down_before_the_budget_runs_out() {
    let server = MockServer::start().await;
    let reset_at = Utc::now().timestamp_millis() + 1500;
    Mock::given(path("/v2/assets"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("bitvavo-ratelimit-remaining", "3")
                .insert_header("bitvavo-ratelimit-resetat", reset_at.to_string().as_str())
                .insert_header("bitvavo-ratelimit-limit", "1000")
                .set_body_string("[]"),
        )
        .mount(&server)
        .await;
    for (p, body) in [
        ("/v2/balance", "[]"),
        ("/v2/stakingBalance", "[]"),
        ("/v2/ticker/price", "[]"),
    ] {
        mount_get(&server, p, body.to_owned()).await;
    }
    let r = registry(&server);
    let svc = r.portfolio_v2("bitvavo").unwrap();
    svc.snapshot(&PortfolioQuery::new()).await.unwrap();
    let started = Instant::now();
    svc.snapshot(&PortfolioQuery::new()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the second snapshot waited for the reset: {:?}",
        started.elapsed()
    );
}

/// Bitvavo states 28 points left after the first history page: the page
/// cost 1, but each transfer history weighs 5 (28 - 5 = 23, below the
/// reserve of 25), so both wait for `resetat` before they are sent.
#[tokio::test]
async fn a_request_whose_weight_does_not_fit_waits_for_the_reset() {
    let server = MockServer::start().await;
    let reset_at = Utc::now().timestamp_millis() + 1500;
    Mock::given(path("/v2/account/history"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("bitvavo-ratelimit-remaining", "28")
                .insert_header("bitvavo-ratelimit-resetat", reset_at.to_string().as_str())
                .insert_header("bitvavo-ratelimit-limit", "1000")
                .set_body_json(json!({
                    "items": [{"transactionId": "dep-1", "type": "deposit",
                               "executedAt": "2025-01-02T03:04:05.000Z",
                               "receivedCurrency": "EUR", "receivedAmount": "500"}],
                    "currentPage": 1, "totalPages": 1, "maxItems": 100
                })),
        )
        .expect(1)
        .mount(&server)
        .await;
    // When each transfer history arrives (epoch ms).
    let arrived: std::sync::Arc<std::sync::Mutex<Vec<(String, i64)>>> = Default::default();
    for at in ["/v2/depositHistory", "/v2/withdrawalHistory"] {
        let log = arrived.clone();
        Mock::given(path(at))
            .respond_with(move |req: &Request| {
                log.lock()
                    .unwrap()
                    .push((req.url.path().to_owned(), Utc::now().timestamp_millis()));
                ResponseTemplate::new(200).set_body_string("[]")
            })
            .expect(1)
            .mount(&server)
            .await;
    }
    let page = registry(&server)
        .transactions_v2("bitvavo")
        .unwrap()
        .transactions(&TransactionQuery::new())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].amount.amount, d("500"));
    let mut arrived = arrived.lock().unwrap().clone();
    arrived.sort();
    let paths: Vec<&str> = arrived.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["/v2/depositHistory", "/v2/withdrawalHistory"]);
    for (p, at) in &arrived {
        assert!(
            *at >= reset_at,
            "{p} was sent {} ms before the reset",
            reset_at - at
        );
    }
    let history = requests_to(&server, "/v2/account/history").await;
    assert_signed(&history[0]);
}

#[tokio::test]
async fn staking_endpoint_missing_is_no_staking() {
    let server = MockServer::start().await;
    mount_portfolio(&server, &["/v2/stakingBalance"]).await;
    Mock::given(path("/v2/stakingBalance"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_string(r#"{"errorCode":110,"error":"Invalid endpoint."}"#),
        )
        .mount(&server)
        .await;
    let r = registry(&server);
    let snap = r
        .portfolio_v2("bitvavo")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
    assert!(
        snap.positions
            .iter()
            .all(|p| !p.instrument.broker_id.ends_with(":staked"))
    );
    assert_eq!(snap.positions.len(), 4);
}
