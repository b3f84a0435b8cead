//! The mock of `examples/python-broker`'s broker: a bearer-token JSON API
//! with positions, cash and a paged activity ledger, answering through
//! [`Faults`] so the conformance suite can break it.
//!
//! - `GET /v1/positions` -> `{"positions": [{symbol, isin, name, qty, price, currency}], "cash": [{currency, amount}]}`
//! - `GET /v1/activities?cursor=pN` -> `{"items": [{id, time, type, symbol?, qty?, price?, amount, fee?, currency}], "next": "pN" | null}`, ten a page
//! - anything without `Authorization: Bearer <token>`: 401.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::Faults;

/// The token the mock accepts.
pub const TOKEN: &str = "example-token-3f9a61c0";

/// How many activities the ledger holds.
pub const ACTIVITIES: usize = 25;

/// A running mock of the example broker.
pub struct MockExampleBroker {
    server: MockServer,
    faults: Faults,
}

struct Answer {
    faults: Faults,
}

impl Respond for Answer {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.faults.answer(|| route(req))
    }
}

/// The ledger: deposits, buys, dividends and sells of MSFT every nine days.
pub fn activities() -> Vec<Value> {
    let start = Utc.with_ymd_and_hms(2025, 1, 2, 15, 0, 0).single();
    let start = start.unwrap_or_default();
    (0..ACTIVITIES as i64)
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
            let page: usize = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "cursor")
                .and_then(|(_, c)| c.trim_start_matches('p').parse().ok())
                .unwrap_or(0);
            let items: Vec<Value> = all.iter().skip(page * 10).take(10).cloned().collect();
            let next = (page * 10 + 10 < all.len()).then(|| format!("p{}", page + 1));
            json!({"items": items, "next": next})
        }
        _ => return (404, json!({"message": "not found"}).to_string()),
    };
    (200, body.to_string())
}

impl MockExampleBroker {
    /// Starts the mock.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let faults = Faults::new();
        Mock::given(any())
            .respond_with(Answer {
                faults: faults.clone(),
            })
            .mount(&server)
            .await;
        MockExampleBroker { server, faults }
    }

    /// Its base URL.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// A working configuration of the example plugin.
    pub fn config(&self) -> Value {
        json!({"token": TOKEN, "base_url": self.base_url()})
    }

    /// A configuration with a token the mock refuses.
    pub fn bad_config(&self) -> Value {
        json!({"token": "wrong-token-000", "base_url": self.base_url()})
    }

    /// Its fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Every request it received.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}
