//! The plugin against wiremock with answers shaped like IBKR's, for the
//! corners the mock account does not reach: Client Portal pages of IBKR's
//! old size, a gateway that refuses the POST of `/iserver/auth/status`,
//! statements in CSV, unknown and expired reference codes, a `Url` on a
//! host that is not IBKR's, and a statement that is never generated.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stonks_core::v2::{PortfolioQuery, TransactionQuery};
use stonks_core::{ErrorKind, Registry};
use stonks_testkit::support::{self, mount_get};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "123456789012345678901234";

fn registry(config: Value) -> Registry {
    support::registry(stonks_broker_ibkr::RECORD, &config)
}

fn flex(server: &MockServer) -> Value {
    json!({
        "token": TOKEN, "query_ids": ["55555"],
        "base_url": format!("{}/AccountManagement/FlexWebService", server.uri()),
        "flex_wait_ms": 10
    })
}

fn envelope(inner: &str) -> String {
    format!(
        "<FlexStatementResponse timestamp='05 March, 2024 07:12 AM EST'>{inner}</FlexStatementResponse>"
    )
}

async fn send_request_answers(server: &MockServer, url: &str) {
    let ok = envelope(&format!(
        "<Status>Success</Status><ReferenceCode>1122334455</ReferenceCode><Url>{url}</Url>"
    ));
    mount_get(server, "/AccountManagement/FlexWebService/SendRequest", ok).await;
}

async fn get_statement_answers(server: &MockServer, body: String) {
    mount_get(
        server,
        "/AccountManagement/FlexWebService/GetStatement",
        body,
    )
    .await;
}

async fn read_error(config: Value) -> stonks_core::Error {
    registry(config)
        .transactions_v2("ibkr")
        .unwrap()
        .transactions(&TransactionQuery::new())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_csv_statement_or_an_unknown_code_is_a_protocol_error() {
    let server = MockServer::start().await;
    let url = format!(
        "{}/AccountManagement/FlexWebService/GetStatement",
        server.uri()
    );
    send_request_answers(&server, &url).await;
    get_statement_answers(
        &server,
        "\"ClientAccountID\",\"Symbol\"\n\"U1\",\"XYZ\"\n".into(),
    )
    .await;
    let err = read_error(flex(&server)).await;
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    assert!(
        err.to_string()
            .contains("set the Flex query's format to XML"),
        "{err}"
    );
    assert_eq!(
        err.protocol_details().unwrap().endpoint,
        "GET /GetStatement"
    );

    let server = MockServer::start().await;
    send_request_answers(
        &server,
        &format!(
            "{}/AccountManagement/FlexWebService/GetStatement",
            server.uri()
        ),
    )
    .await;
    get_statement_answers(
        &server,
        envelope("<Status>Fail</Status><ErrorCode>1017</ErrorCode><ErrorMessage>Reference code is invalid.</ErrorMessage>"),
    )
    .await;
    let err = read_error(flex(&server)).await;
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    assert!(
        err.to_string().contains("1017: Reference code is invalid."),
        "{err}"
    );

    let server = MockServer::start().await;
    Mock::given(path("/AccountManagement/FlexWebService/SendRequest"))
        .respond_with(ResponseTemplate::new(200).set_body_string(envelope(
            "<Status>Fail</Status><ErrorCode>1099</ErrorCode><ErrorMessage>Something new.</ErrorMessage>",
        )))
        .mount(&server)
        .await;
    let err = read_error(flex(&server)).await;
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    assert!(err.to_string().contains("1099: Something new."), "{err}");
    assert!(!err.to_string().contains(TOKEN));

    let server = MockServer::start().await;
    Mock::given(path("/AccountManagement/FlexWebService/SendRequest"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(envelope("<Status>Success</Status>")),
        )
        .mount(&server)
        .await;
    let err = read_error(flex(&server)).await;
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    assert!(err.to_string().contains("without a ReferenceCode"), "{err}");
}

#[tokio::test]
async fn the_token_is_never_sent_to_a_host_that_is_not_ibkrs() {
    let server = MockServer::start().await;
    send_request_answers(&server, "https://flex.example.net/GetStatement").await;
    let err = read_error(flex(&server)).await;
    assert_eq!(err.kind(), &ErrorKind::Config);
    assert!(err.to_string().contains("flex.example.net"), "{err}");
    assert!(!err.to_string().contains(TOKEN), "{err}");
}

#[tokio::test]
async fn a_statement_never_generated_is_given_up_after_the_polls() {
    let server = MockServer::start().await;
    send_request_answers(
        &server,
        &format!(
            "{}/AccountManagement/FlexWebService/GetStatement",
            server.uri()
        ),
    )
    .await;
    get_statement_answers(
        &server,
        envelope("<Status>Warn</Status><ErrorCode>1019</ErrorCode><ErrorMessage>Statement generation in progress. Please try again shortly.</ErrorMessage>"),
    )
    .await;
    let started = Instant::now();
    let err = read_error(flex(&server)).await;
    assert_eq!(err.kind(), &ErrorKind::Temporary);
    assert!(err.to_string().contains("1019"), "{err}");
    let polls = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("GetStatement"))
        .count();
    assert_eq!(polls, stonks_broker_ibkr::MAX_POLLS as usize);
    assert!(started.elapsed() < Duration::from_secs(20));
}

fn position(i: usize) -> Value {
    json!({"acctId": "U0000001", "conid": 1000 + i, "contractDesc": format!("S{i}"), "position": 1.0,
           "mktPrice": "10.5", "mktValue": 10.5, "currency": "USD", "avgCost": 9.0, "unrealizedPnl": 1.5,
           "assetClass": "STK", "multiplier": null, "strike": 0.0, "ticker": format!("S{i}")})
}

#[tokio::test]
async fn positions_are_read_page_by_page_and_auth_status_falls_back_to_get() {
    let server = MockServer::start().await;
    let answer = |v: Value| ResponseTemplate::new(200).set_body_json(v);
    Mock::given(method("POST"))
        .and(path("/v1/api/tickle"))
        .respond_with(answer(json!({"session": "0123456789abcdef0123456789abcdef", "iserver": {"authStatus": {"authenticated": true}}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/auth/status"))
        .respond_with(ResponseTemplate::new(405))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/auth/status"))
        .respond_with(answer(
            json!({"authenticated": true, "competing": false, "connected": true}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/api/portfolio/accounts"))
        .respond_with(answer(json!([{"id": "U0000001", "currency": "USD"}])))
        .mount(&server)
        .await;
    // IBKR's old page size: 30, 30, then 4.
    for (page, rows) in [(0, 0..30), (1, 30..60), (2, 60..64)] {
        Mock::given(method("GET"))
            .and(path(format!("/v1/api/portfolio/U0000001/positions/{page}")))
            .respond_with(answer(Value::Array(rows.map(position).collect())))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path_regex("/v1/api/portfolio/U0000001/ledger"))
        .respond_with(answer(json!({
            "USD": {"currency": "USD", "cashbalance": 100.25, "acctcode": "U0000001", "timestamp": 1706745600},
            "EUR": {"currency": "EUR", "cashbalance": "not a number", "acctcode": "U0000001"},
            "BASE": {"currency": "BASE", "cashbalance": 100.25, "acctcode": "U0000001", "timestamp": 1706745600}
        })))
        .mount(&server)
        .await;
    let r = registry(json!({"portal_url": format!("{}/v1/api", server.uri())}));
    let snap = r
        .portfolio_v2("ibkr")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
    assert_eq!(snap.positions.len(), 64);
    assert_eq!(snap.cash.len(), 1);
    assert_eq!(snap.cash[0].amount.amount.to_string(), "100.25");
    assert_eq!(snap.as_of.to_rfc3339(), "2024-02-01T00:00:00+00:00");
    assert_eq!(snap.problems.len(), 1, "the unreadable EUR row");
    assert_eq!(snap.problems[0].item.as_deref(), Some("EUR"));
    let pages = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().contains("/positions/"))
        .count();
    assert_eq!(pages, 3);
    // Without statements there is no ledger, and it says so.
    let err = r
        .transactions_v2("ibkr")
        .unwrap()
        .transactions(&TransactionQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Config);
    assert!(
        err.to_string().contains("no Flex statement is configured"),
        "{err}"
    );
}

#[test]
fn a_configuration_without_a_source_is_refused_by_name() {
    let r = support::registry_of(stonks_broker_ibkr::RECORD);
    let err = r.activate("ibkr", &json!({})).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Config);
    assert!(err.to_string().contains("nothing to read"), "{err}");
    let err = r
        .activate(
            "ibkr",
            &json!({"token": "secret-token-value", "query_ids": []}),
        )
        .unwrap_err();
    assert!(err.to_string().contains("query_ids is empty"), "{err}");
    assert!(!format!("{err:?}").contains("secret-token-value"));
}
