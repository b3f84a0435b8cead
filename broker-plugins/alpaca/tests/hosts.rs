//! The plugin built as a user's configuration builds it, with no
//! `base_url`: `paper` alone picks Alpaca's host. Core's test-only route
//! sends both real origins (`https://api.alpaca.markets`,
//! `https://paper-api.alpaca.markets`) to `MockAlpaca` over plain HTTP,
//! keeping the URL, the allowlist check and the `Host` header, so the mock
//! sees exactly what Alpaca would.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use serde_json::json;
use stonks_broker_alpaca::{LIVE_URL, PAPER_URL, RECORD};
use stonks_core::Registry;
use stonks_core::v2::{PortfolioQuery, TransactionQuery};
use stonks_testkit::MockAlpaca;
use stonks_testkit::alpaca::{KEY_ID, SECRET_KEY};
use stonks_testkit::support::d;
use stonks_testkit::wiremock::Request;

/// Reads the portfolio and one ledger page with `paper` set as given and no
/// `base_url`, both Alpaca hosts routed to one mock; what the mock received.
async fn read_with(paper: bool) -> Vec<Request> {
    let mock = MockAlpaca::start().await;
    let at: SocketAddr = mock
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let registry = Registry::builder()
        .register(RECORD)
        .route_origin(LIVE_URL, at)
        .route_origin(PAPER_URL, at)
        .build();
    registry
        .activate(
            "alpaca",
            &json!({"key_id": KEY_ID, "secret_key": SECRET_KEY, "paper": paper}),
        )
        .unwrap();
    let snap = registry
        .portfolio_v2("alpaca")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
    assert_eq!(snap.cash[0].amount.amount, d("12394.21"));
    let page = registry
        .transactions_v2("alpaca")
        .unwrap()
        .transactions(&TransactionQuery::new())
        .await
        .unwrap();
    assert!(
        !page.items.is_empty() && page.next_cursor.is_some(),
        "a first page of many"
    );
    mock.received_requests().await
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every request went to `host` with both key headers; the paths asked.
fn assert_all_to(requests: &[Request], host: &str) -> BTreeSet<String> {
    assert!(!requests.is_empty());
    for req in requests {
        assert_eq!(header(req, "host"), Some(host), "{}", req.url);
        assert_eq!(header(req, "apca-api-key-id"), Some(KEY_ID), "{}", req.url);
        assert_eq!(
            header(req, "apca-api-secret-key"),
            Some(SECRET_KEY),
            "{}",
            req.url
        );
    }
    requests.iter().map(|r| r.url.path().to_owned()).collect()
}

#[tokio::test]
async fn live_keys_go_to_the_live_api() {
    let requests = read_with(false).await;
    let paths = assert_all_to(&requests, "api.alpaca.markets");
    assert_eq!(
        paths,
        BTreeSet::from(
            ["/v2/account", "/v2/account/activities", "/v2/positions"].map(str::to_owned)
        )
    );
    let page = requests
        .iter()
        .find(|r| r.url.path() == "/v2/account/activities")
        .unwrap();
    assert_eq!(page.url.query(), Some("direction=asc&page_size=100"));
}

#[tokio::test]
async fn paper_keys_go_to_the_paper_api() {
    let requests = read_with(true).await;
    let paths = assert_all_to(&requests, "paper-api.alpaca.markets");
    assert!(paths.contains("/v2/positions"), "{paths:?}");
}
