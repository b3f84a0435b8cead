//! The Alpaca plugin against wiremock with fixtures shaped like Alpaca's
//! answers: the exact requests it sends (paths, key headers, the paging
//! query) and the exact numbers the fixtures turn into.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use stonks_broker_alpaca::RECORD;
use stonks_core::v2::{LedgerKind, PortfolioQuery, Ratio, TransactionQuery, collect_ledger};
use stonks_core::{AssetClass, Decimal, ErrorKind, Registry};
use stonks_testkit::fixture;
use stonks_testkit::support::{self, d, mount_get, requests_to};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "PKTEST0123456789ABCD";
const SECRET: &str = "test-secret-abcdefghijklmnopqrstuvwxyz0123";

/// `GET` of each path answered with its file in `tests/fixtures`.
async fn mount_fixtures(server: &MockServer, answers: &[(&str, &str)]) {
    for (at, file) in answers {
        mount_get(server, at, fixture!("tests/fixtures/{file}")).await;
    }
}

/// A registry with the plugin on `server`; `paper` is set, and `base_url`
/// still wins over it.
fn registry(server: &MockServer) -> Registry {
    support::registry(
        RECORD,
        &json!({"key_id": KEY, "secret_key": SECRET, "paper": true, "base_url": server.uri()}),
    )
}

fn assert_keys(req: &Request) {
    let h = |n: &str| req.headers.get(n).and_then(|v| v.to_str().ok());
    assert_eq!(h("apca-api-key-id"), Some(KEY), "{}", req.url);
    assert_eq!(h("apca-api-secret-key"), Some(SECRET), "{}", req.url);
}

fn query(req: &Request) -> BTreeMap<String, String> {
    req.url.query_pairs().into_owned().collect()
}

#[tokio::test]
async fn portfolio_from_fixtures() {
    let server = MockServer::start().await;
    mount_fixtures(
        &server,
        &[
            ("/v2/account", "account.json"),
            ("/v2/positions", "positions.json"),
        ],
    )
    .await;
    let snap = registry(&server)
        .portfolio_v2("alpaca")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();

    assert_eq!(snap.cash.len(), 1);
    assert_eq!(snap.cash[0].amount.amount, d("131056.81"));
    assert_eq!(snap.cash[0].amount.currency.as_str(), "USD");
    assert_eq!(snap.cash[0].account.as_deref(), Some("010203ABCD"));
    type Row = (
        String,
        AssetClass,
        Decimal,
        Option<Decimal>,
        Option<Decimal>,
    );
    let rows: Vec<Row> = snap
        .positions
        .iter()
        .map(|p| {
            (
                p.instrument.broker_id.clone(),
                p.instrument.asset_class.clone(),
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
                "AAPL".into(),
                AssetClass::Stock,
                d("25"),
                Some(d("212.77")),
                Some(d("5319.25"))
            ),
            (
                "VOO".into(),
                AssetClass::Stock,
                d("18.5"),
                Some(d("515.27")),
                Some(d("9532.495"))
            ),
            (
                "BTCUSD".into(),
                AssetClass::Crypto,
                d("0.015021312"),
                Some(d("90178.16")),
                Some(d("1354.6163014592"))
            ),
            (
                "SPY250620P00500000".into(),
                AssetClass::Option,
                d("-1"),
                Some(d("3.18")),
                Some(d("-318"))
            ),
        ]
    );
    let aapl = &snap.positions[0];
    assert_eq!(aapl.cost_basis.as_ref().unwrap().amount, d("5033.6"));
    assert_eq!(aapl.unrealized_pnl.as_ref().unwrap().amount, d("285.65"));
    assert_eq!(aapl.instrument.exchange.as_deref(), Some("XNAS"));
    assert_eq!(
        snap.positions[1].instrument.exchange.as_deref(),
        Some("ARCX")
    );
    assert!(
        snap.positions
            .iter()
            .all(|p| p.account.as_deref() == Some("010203ABCD"))
    );
    assert_eq!(snap.problems.len(), 1, "{:?}", snap.problems);
    assert_eq!(snap.problems[0].item.as_deref(), Some("XYZ"));
    assert_eq!(snap.problems[0].field.as_deref(), Some("[4]"));
    assert!(
        snap.problems[0].message.contains("lots"),
        "{}",
        snap.problems[0]
    );

    let requests = server.received_requests().await.unwrap();
    let mut paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec!["/v2/account", "/v2/positions"],
        "fetched once each"
    );
    for r in &requests {
        assert_keys(r);
        assert_eq!((r.method.as_str(), r.url.query()), ("GET", None));
    }
}

#[tokio::test]
async fn an_activity_page_turns_into_these_entries() {
    let server = MockServer::start().await;
    mount_fixtures(
        &server,
        &[
            ("/v2/account", "account.json"),
            ("/v2/account/activities", "activities.json"),
        ],
    )
    .await;
    let r = registry(&server);
    let from = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
    let until = Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap();
    let ledger = r.transactions_v2("alpaca").unwrap();
    let page = ledger
        .transactions(&TransactionQuery::new().range(from, until))
        .await
        .unwrap();
    assert_eq!(page.next_cursor, None, "14 rows of 100: the last page");
    let summary: Vec<(&str, &str, String, &str)> = page
        .items
        .iter()
        .map(|e| {
            (
                &e.id[..22],
                e.kind.as_str(),
                e.amount.amount.to_string(),
                e.amount.currency.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("20250303000000000::1f6", "deposit", "2500".into(), "USD"),
            ("20250303101512345::0a1", "buy", "-952.12".into(), "USD"),
            ("20250303101513001::1b2", "buy", "-1428.30".into(), "USD"),
            ("20250305000000000::3d4", "fee", "-0.000028".into(), "BTC"),
            ("20250305110000101::2c3", "sell", "999.60560".into(), "USD"),
            ("20250306000000000::4e5", "fee", "-0.02".into(), "USD"),
            ("20250313000000000::5f6", "dividend", "6.25".into(), "USD"),
            ("20250313000000000::6a7", "tax", "-0.94".into(), "USD"),
            ("20250314000000000::8c9", "split", "0".into(), "USD"),
            ("20250317000000000::9d0", "transfer", "0".into(), "USD"),
            ("20250318000000000::0e1", "VOF", "0".into(), "USD"),
            ("20250331000000000::2a3", "interest", "4.17".into(), "USD"),
        ],
        "in time order; the two split legs are one entry"
    );
    let e = &page.items;
    assert!(e.iter().all(|x| x.account.as_deref() == Some("010203ABCD")));
    assert_eq!(e[1].quantity, Some(d("4")));
    assert_eq!(e[1].price.as_ref().unwrap().amount, d("238.03"));
    assert_eq!(
        e[1].description.as_deref(),
        Some("order 5e9c3e0b-7d2f-4c8a-b1e4-3a6f9d2c8b71: partial fill, 4 done, 6 left")
    );
    assert_eq!(e[4].instrument.as_ref().unwrap().broker_id, "BTCUSD");
    assert_eq!(e[4].quantity, Some(d("0.0112")));
    assert_eq!(e[7].belongs_to.as_deref(), Some(e[6].id.as_str()));
    assert_eq!(e[6].price.as_ref().unwrap().amount, d("0.25"));
    let split = e[8].action.as_ref().unwrap();
    assert_eq!(split.ratio, Some(Ratio::new(d("30"), d("10"))));
    assert_eq!(e[8].quantity, Some(d("20")));
    assert_eq!(
        (
            e[9].quantity,
            e[9].instrument.as_ref().unwrap().broker_id.as_str()
        ),
        (Some(d("-1.5")), "VOO")
    );
    assert_eq!(
        e[10].description.as_deref(),
        Some("VOF: Voluntary tender offer")
    );
    assert_eq!(page.problems.len(), 1, "{:?}", page.problems);
    assert_eq!(
        page.problems[0].item.as_deref(),
        Some("20250319000000000::1f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c")
    );
    assert_eq!(page.problems[0].field.as_deref(), Some("[12]"));

    let asked = requests_to(&server, "/v2/account/activities").await;
    assert_eq!(asked.len(), 1, "one page, one request");
    assert_keys(&asked[0]);
    let q: BTreeMap<String, String> = [
        ("direction", "asc"),
        ("page_size", "100"),
        ("after", "2025-02-28T23:59:59Z"),
        ("until", "2025-04-01T00:00:00Z"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(
        query(&asked[0]),
        q,
        "from is inclusive: after is a second earlier"
    );

    // Kinds are filtered here, after the pairs are joined.
    let taxes = ledger
        .transactions(&TransactionQuery::new().kinds([LedgerKind::Tax]))
        .await
        .unwrap();
    assert_eq!(taxes.items.len(), 1);
    assert_eq!(taxes.items[0].belongs_to.as_deref(), Some(e[6].id.as_str()));
    let q = query(&requests_to(&server, "/v2/account/activities").await[1]);
    assert!(
        !q.contains_key("after") && !q.contains_key("activity_types"),
        "{q:?}"
    );
    assert_eq!(
        requests_to(&server, "/v2/account").await.len(),
        1,
        "the account number is read once"
    );
}

/// Alpaca's paging over `items` (oldest first): `direction=asc`,
/// `page_size`, and `page_token` (the page starts after that id).
struct Activities(Vec<Value>);

impl wiremock::Respond for Activities {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q = query(req);
        assert_eq!(q.get("direction").map(String::as_str), Some("asc"));
        let size: usize = q["page_size"].parse().unwrap();
        let start = q.get("page_token").map_or(0, |t| {
            self.0.iter().position(|a| a["id"] == t.as_str()).unwrap() + 1
        });
        let page: Vec<&Value> = self.0.iter().skip(start).take(size).collect();
        ResponseTemplate::new(200).set_body_json(page)
    }
}

#[tokio::test]
async fn pages_follow_alpacas_page_token() {
    let items: Vec<Value> = (1..=20)
        .map(|i| {
            json!({"id": format!("202501{i:02}000000000::00000000-0000-4000-8000-0000000000{i:02}"),
                   "account_id": "e6fe16f3-64a4-4921-8928-cadf02f92f98", "activity_type": "CSD",
                   "date": format!("2025-01-{i:02}"), "net_amount": format!("{i}.25"), "description": ""})
        })
        .collect();
    let ids: Vec<String> = items
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    let server = MockServer::start().await;
    mount_get(
        &server,
        "/v2/account",
        fixture!("tests/fixtures/account.json"),
    )
    .await;
    Mock::given(path("/v2/account/activities"))
        .respond_with(Activities(items))
        .mount(&server)
        .await;
    let r = registry(&server);
    let ledger = r.transactions_v2("alpaca").unwrap();
    let read = collect_ledger(&*ledger, TransactionQuery::new().limit(5))
        .await
        .unwrap();
    let got: Vec<&str> = read.items.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(got, ids, "every activity once, in order");
    let total: Decimal = read.items.iter().map(|e| e.amount.amount).sum();
    assert_eq!(total, d("215"), "sum of i + 0.25 for i in 1..=20");
    let asked = requests_to(&server, "/v2/account/activities").await;
    let tokens: Vec<Option<String>> = asked
        .iter()
        .map(|r| query(r).get("page_token").cloned())
        .collect();
    assert_eq!(
        tokens,
        vec![
            None,
            Some(ids[4].clone()),
            Some(ids[9].clone()),
            Some(ids[14].clone()),
            Some(ids[19].clone()),
        ],
        "each page starts after the last activity of the one before; the empty fifth page ends it"
    );
    assert!(asked.iter().all(|r| query(r)["page_size"] == "5"));

    // The query's limit lowers the page size, never raises it above 100.
    ledger
        .transactions(&TransactionQuery::new().limit(500))
        .await
        .unwrap();
    let last = requests_to(&server, "/v2/account/activities")
        .await
        .pop()
        .unwrap();
    assert_eq!(query(&last)["page_size"], "100");
}

async fn error_answer(status: u16, body: &str) -> stonks_core::Error {
    let server = MockServer::start().await;
    Mock::given(path("/v2/account"))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("Retry-After", "0")
                .set_body_string(body.to_owned()),
        )
        .mount(&server)
        .await;
    mount_get(&server, "/v2/positions", "[]".to_owned()).await;
    registry(&server)
        .portfolio_v2("alpaca")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn error_codes_map_to_kinds() {
    let auth = error_answer(
        401,
        r#"{"code":40110000,"message":"request is not authorized"}"#,
    )
    .await;
    assert_eq!(auth.kind(), &ErrorKind::Auth);
    assert!(
        auth.to_string()
            .contains("Alpaca error 40110000: request is not authorized"),
        "{auth}"
    );
    assert_eq!(auth.plugin(), Some("alpaca"));
    let forbidden = error_answer(403, r#"{"code":40310000,"message":"forbidden"}"#).await;
    assert_eq!(forbidden.kind(), &ErrorKind::Auth);
    let bad = error_answer(422, r#"{"code":42210000,"message":"invalid page_size"}"#).await;
    assert_eq!(bad.kind(), &ErrorKind::Protocol);
    assert_eq!(bad.protocol_details().unwrap().endpoint, "GET /v2/account");
    assert!(
        bad.to_string()
            .contains("Alpaca error 42210000: invalid page_size"),
        "{bad}"
    );
    let missing = error_answer(404, r#"{"code":40410000,"message":"not found"}"#).await;
    assert_eq!(missing.kind(), &ErrorKind::Protocol);
    let limited = error_answer(429, r#"{"code":42910000,"message":"rate limit exceeded"}"#).await;
    assert!(
        matches!(limited.kind(), ErrorKind::RateLimited { .. }),
        "{limited}"
    );
    for status in [500, 503] {
        let down = error_answer(status, "<html>down</html>").await;
        assert_eq!(down.kind(), &ErrorKind::Temporary, "{status}");
    }
    let garbage = error_answer(200, "<html>maintenance</html>").await;
    assert_eq!(garbage.kind(), &ErrorKind::Protocol);
    assert_eq!(
        garbage.protocol_details().unwrap().endpoint,
        "GET /v2/account"
    );
}

#[tokio::test]
async fn a_429_is_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/account"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .set_body_string(r#"{"code":42910000,"message":"rate limit exceeded"}"#),
        )
        .expect(4)
        .mount(&server)
        .await;
    mount_get(&server, "/v2/positions", "[]".to_owned()).await;
    let err = registry(&server)
        .portfolio_v2("alpaca")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("rate limit exceeded"), "{err}");
}

#[tokio::test]
async fn a_spent_budget_waits_for_the_reset() {
    let server = MockServer::start().await;
    // One request left (the reserve is two), the window resets in under 2 s.
    let reset = (Utc::now().timestamp() + 2).to_string();
    for (p, body) in [
        ("/v2/account", fixture!("tests/fixtures/account.json")),
        ("/v2/positions", "[]".to_owned()),
    ] {
        Mock::given(path(p))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("X-RateLimit-Limit", "200")
                    .insert_header("X-RateLimit-Remaining", "1")
                    .insert_header("X-RateLimit-Reset", reset.as_str())
                    .set_body_string(body),
            )
            .mount(&server)
            .await;
    }
    let r = registry(&server);
    let svc = r.portfolio_v2("alpaca").unwrap();
    svc.snapshot(&PortfolioQuery::new()).await.unwrap();
    let started = Instant::now();
    svc.snapshot(&PortfolioQuery::new()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the second snapshot waited for the reset: {:?}",
        started.elapsed()
    );
}
