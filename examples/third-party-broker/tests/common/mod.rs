//! Acme Broker's mock: the testkit's parts (wiremock plus `Faults`) serving
//! Acme's JSON API, for the conformance suite and the app binary's test.

#![allow(dead_code)]

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use stonks_testkit::Faults;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const TOKEN: &str = "acme-token-7d1f0c2b";

pub struct AcmeMock {
    faults: Faults,
}

fn activities() -> Vec<Value> {
    let start = Utc.with_ymd_and_hms(2025, 1, 2, 15, 0, 0).unwrap();
    (0..25)
        .map(|i| {
            let at = (start + Duration::days(i * 9)).to_rfc3339();
            match i % 5 {
                0 => json!({"id": format!("a{i}"), "time": at, "type": "deposit", "amount": "1000.00", "currency": "USD"}),
                1 | 2 => json!({"id": format!("a{i}"), "time": at, "type": "buy", "symbol": "MSFT", "qty": "2",
                                "price": "410.25", "amount": "-820.50", "fee": "1.00", "currency": "USD"}),
                3 => json!({"id": format!("a{i}"), "time": at, "type": "dividend", "symbol": "MSFT", "amount": "3.32", "currency": "USD"}),
                _ => json!({"id": format!("a{i}"), "time": at, "type": "sell", "symbol": "MSFT", "qty": "1",
                            "price": "415.00", "amount": "415.00", "fee": "1.00", "currency": "USD"}),
            }
        })
        .collect()
}

impl Respond for AcmeMock {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.faults.answer(|| route(req))
    }
}

fn route(req: &Request) -> (u16, String) {
    let auth = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return (401, json!({"message": "invalid token"}).to_string());
    }
    let body = match req.url.path() {
        "/v1/positions" => json!({
            "positions": [
                {"symbol": "MSFT", "isin": "US5949181045", "name": "Microsoft Corp", "qty": "12", "price": "412.80", "currency": "USD"},
                {"symbol": "DELISTED", "isin": null, "name": "Delisted Co", "qty": "5", "price": null, "currency": "USD"}
            ],
            "cash": [{"currency": "USD", "amount": "2310.17"}]
        }),
        "/v1/activities" => {
            let all = activities();
            let page: usize = match req.url.query_pairs().find(|(k, _)| k == "cursor") {
                Some((_, c)) => c.trim_start_matches('p').parse().unwrap_or(0),
                None => 0,
            };
            let items: Vec<Value> = all.iter().skip(page * 10).take(10).cloned().collect();
            let next = (page * 10 + 10 < all.len()).then(|| format!("p{}", page + 1));
            json!({"items": items, "next": next})
        }
        _ => return (404, json!({"message": "not found"}).to_string()),
    };
    (200, body.to_string())
}

/// A running Acme mock and its fault switches.
pub async fn start() -> (MockServer, Faults) {
    let server = MockServer::start().await;
    let faults = Faults::new();
    Mock::given(any())
        .respond_with(AcmeMock {
            faults: faults.clone(),
        })
        .mount(&server)
        .await;
    (server, faults)
}
