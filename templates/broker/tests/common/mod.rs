//! The broker's mock: a wiremock server answering the broker's real
//! requests with the recorded answers in `tests/fixtures/`, checking the
//! token and paging by the broker's cursor. Every answer goes through the
//! testkit's `Faults`, which is what lets the conformance suite switch on
//! 429 and 5xx bursts, malformed bodies and a broken row, and see that
//! they reached the plugin.
//!
//! Replace the fixtures with answers recorded from your broker (secrets
//! removed), and `route` with its endpoints.

#![allow(dead_code)]

use serde_json::{Value, json};
use stonks_testkit::Faults;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The token the mock accepts.
pub const TOKEN: &str = "test-token-7d1f0c2b";

const POSITIONS: &str = include_str!("../fixtures/positions.json");
const ACTIVITIES: &str = include_str!("../fixtures/activities.json");

/// The broker's own page size when none is asked.
const DEFAULT_PAGE_SIZE: usize = 100;

struct BrokerMock {
    faults: Faults,
}

impl Respond for BrokerMock {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.faults.answer(|| route(req))
    }
}

fn error(status: u16, message: &str) -> (u16, String) {
    (status, json!({ "message": message }).to_string())
}

fn route(req: &Request) -> (u16, String) {
    let auth = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return error(401, "invalid token");
    }
    let query = |name: &str| {
        req.url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    match req.url.path() {
        "/v1/positions" => (200, POSITIONS.to_owned()),
        "/v1/activities" => {
            let Ok(all) = serde_json::from_str::<Value>(ACTIVITIES) else {
                return error(500, "fixture unreadable");
            };
            let items = all["items"].as_array().cloned().unwrap_or_default();
            let size = match query("page_size").map(|s| s.parse::<usize>()) {
                None => DEFAULT_PAGE_SIZE,
                Some(Ok(n @ 1..=100)) => n,
                Some(_) => return error(400, "page_size must be 1 to 100"),
            };
            // The cursor is the broker's own: here the offset, written `o<n>`.
            let start = match query("cursor").map(|c| c.trim_start_matches('o').parse::<usize>()) {
                None => 0,
                Some(Ok(n)) if n <= items.len() => n,
                Some(_) => return error(400, "unknown cursor"),
            };
            let end = (start + size).min(items.len());
            let next = (end < items.len()).then(|| format!("o{end}"));
            let page =
                json!({"account": all["account"], "items": &items[start..end], "next": next});
            (200, page.to_string())
        }
        _ => error(404, "not found"),
    }
}

/// A running mock and its fault switches.
pub async fn start() -> (MockServer, Faults) {
    let server = MockServer::start().await;
    let faults = Faults::new();
    Mock::given(any())
        .respond_with(BrokerMock {
            faults: faults.clone(),
        })
        .mount(&server)
        .await;
    (server, faults)
}
