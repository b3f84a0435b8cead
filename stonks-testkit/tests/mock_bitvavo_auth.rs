//! `MockBitvavo` checks every private call the way Bitvavo does.

use chrono::Utc;
use stonks_core::http::{HttpClient, Request, RetryPolicy};
use stonks_testkit::MockBitvavo;
use stonks_testkit::bitvavo::{API_KEY, API_SECRET, bitvavo_signature};

async fn call(
    mock: &MockBitvavo,
    path: &str,
    headers: &[(&str, String)],
) -> (u16, serde_json::Value) {
    let client = HttpClient::builder("probe")
        .base_url(&mock.base_url())
        .unwrap()
        .retry(RetryPolicy::none())
        // Every answer is read here, errors included.
        .classifier(|_: &stonks_core::http::Response| None)
        .build()
        .unwrap();
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(k, v.clone());
    }
    let resp = client.send(req).await.unwrap();
    (
        resp.status(),
        serde_json::from_slice(resp.body()).unwrap_or_default(),
    )
}

fn signed(ts: i64, key: &str, secret: &str, path_and_query: &str) -> Vec<(&'static str, String)> {
    let ts = ts.to_string();
    vec![
        ("Bitvavo-Access-Key", key.to_owned()),
        ("Bitvavo-Access-Timestamp", ts.clone()),
        (
            "Bitvavo-Access-Signature",
            bitvavo_signature(secret, &ts, "GET", path_and_query, b""),
        ),
        ("Bitvavo-Access-Window", "10000".to_owned()),
    ]
}

#[tokio::test]
async fn private_calls_are_checked_like_bitvavo() {
    let mock = MockBitvavo::start().await;
    let now = Utc::now().timestamp_millis();

    let (status, body) = call(
        &mock,
        "/balance",
        &signed(now, API_KEY, API_SECRET, "/v2/balance"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["symbol"], "EUR");

    let cases = [
        (vec![], 300),
        (signed(now, "not-the-key", API_SECRET, "/v2/balance"), 305),
        (
            signed(now - 30_000, API_KEY, API_SECRET, "/v2/balance"),
            304,
        ),
        (signed(now, API_KEY, "wrong-secret", "/v2/balance"), 309),
        // Signed for another path than the one requested.
        (signed(now, API_KEY, API_SECRET, "/v2/account"), 309),
    ];
    for (headers, code) in cases {
        let (status, body) = call(&mock, "/balance", &headers).await;
        assert_eq!(
            (status, body["errorCode"].as_u64()),
            (403, Some(code)),
            "{body}"
        );
    }

    // Public endpoints need no signature.
    let (status, body) = call(&mock, "/ticker/price", &[]).await;
    assert_eq!(status, 200);
    assert!(
        body.as_array()
            .unwrap()
            .iter()
            .any(|p| p["market"] == "BTC-EUR")
    );

    // The signed path includes the query exactly as sent.
    let pq = "/v2/account/history?page=2&maxItems=100";
    let (status, body) = call(
        &mock,
        "/account/history?page=2&maxItems=100",
        &signed(now, API_KEY, API_SECRET, pq),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["currentPage"], 2);
    assert_eq!(body["totalPages"], 3);
}
