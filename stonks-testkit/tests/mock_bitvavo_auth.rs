//! `MockBitvavo` checks every private call the way Bitvavo does, and
//! answers it in Bitvavo's shapes.

use chrono::{TimeZone, Utc};
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

#[tokio::test]
async fn account_fees_are_bitvavos_flat_object_of_strings() {
    let mock = MockBitvavo::start().await;
    let now = Utc::now().timestamp_millis();
    let (status, body) = call(&mock, "/account/fees", &[]).await;
    assert_eq!(
        (status, body["errorCode"].as_u64()),
        (403, Some(300)),
        "private: {body}"
    );
    let (status, fees) = call(
        &mock,
        "/account/fees",
        &signed(now, API_KEY, API_SECRET, "/v2/account/fees"),
    )
    .await;
    assert_eq!(status, 200, "{fees}");
    // No `fees` wrapper (that is `/account`'s shape), every value a string.
    assert_eq!(
        fees,
        serde_json::json!({"tier": "0", "volume": "1543.21", "taker": "0.0025", "maker": "0.0015"})
    );
    let (_, account) = call(
        &mock,
        "/account",
        &signed(now, API_KEY, API_SECRET, "/v2/account"),
    )
    .await;
    assert_eq!(account["fees"], fees, "one account, one fee tier");
}

/// The `timestamp` (ms) of each row of a signed `GET target` of a
/// deposit or withdrawal history.
async fn transfer_times(mock: &MockBitvavo, target: &str) -> Vec<i64> {
    let now = Utc::now().timestamp_millis();
    let headers = signed(now, API_KEY, API_SECRET, &format!("/v2{target}"));
    let (status, body) = call(mock, target, &headers).await;
    assert_eq!(status, 200, "{target}: {body}");
    body.as_array()
        .unwrap()
        .iter()
        // Deposits carry ms as numbers, withdrawals as strings.
        .map(|r| match &r["timestamp"] {
            serde_json::Value::String(s) => s.parse().unwrap(),
            n => n.as_i64().unwrap(),
        })
        .collect()
}

#[tokio::test]
async fn start_and_end_keep_the_transfers_inside_the_window() {
    let mock = MockBitvavo::start().await;
    let ms = |y: i32| {
        Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp_millis()
    };
    let (y2024, y2025) = (ms(2024), ms(2025));
    // The account: 24 monthly EUR deposits from 2024-01-01, 13 of them in
    // 2024, and one of XNO in May 2024; 5 withdrawals, 2 of them in 2024.
    for (path, all, in_2024) in [("/depositHistory", 25, 14), ("/withdrawalHistory", 5, 2)] {
        assert_eq!(transfer_times(&mock, path).await.len(), all, "{path}");
        let window = format!("{path}?start={y2024}&end={}", y2025 - 1);
        let inside = transfer_times(&mock, &window).await;
        assert_eq!(inside.len(), in_2024, "{window}");
        assert!(
            inside.iter().all(|t| (y2024..y2025).contains(t)),
            "{window}: {inside:?}"
        );
        let from_2025 = format!("{path}?start={y2025}");
        let after = transfer_times(&mock, &from_2025).await;
        assert_eq!(after.len(), all - in_2024, "{from_2025}");
        assert!(after.iter().all(|t| *t >= y2025), "{from_2025}: {after:?}");
        let before_2024 = format!("{path}?end={}", y2024 - 1);
        assert_eq!(
            transfer_times(&mock, &before_2024).await,
            Vec::<i64>::new(),
            "nothing before the account's first day"
        );
    }
}
