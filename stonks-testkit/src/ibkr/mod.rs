//! `MockIbkr`: a wiremock server that behaves like Interactive Brokers'
//! Flex Web Service and Client Portal Web API for two accounts with nearly
//! three years of history (see `account.rs`).
//!
//! Flex Web Service, under `/AccountManagement/FlexWebService`:
//! `SendRequest` (`t` the token, `q` a query id, `v=3`, a User-Agent) answers
//! a reference code and the URL of `GetStatement`; `GetStatement` answers
//! "generation in progress" (1019) for the first polls of each reference
//! ([`MockIbkr::set_generating_polls`], 1 by default), then the statement.
//! Errors as IBKR sends them: 1015 for a wrong token, 1012 for
//! [`EXPIRED_TOKEN`], 1014 for an unknown query, 1017 for an unknown
//! reference, 1020 without `v=3` or a User-Agent, 1018 while throttled
//! ([`MockIbkr::throttle`]). Three queries ([`QUERIES`]) cover the history,
//! each within 365 days and overlapping the previous one by a month; the
//! last one writes dates as `yyyy-MM-dd`.
//!
//! Client Portal, under `/v1/api`: `/tickle`, `/iserver/auth/status` (POST
//! or GET), `/portfolio/accounts`, `/portfolio/{acct}/positions/{page}`
//! (100 a page) and `/portfolio/{acct}/ledger`, as of the book's last day at
//! the next day's prices; 401 when logged out ([`MockIbkr::log_out`]) or
//! with a wrong Bearer token. Fault switches come from [`Faults`].

pub(crate) mod account;
mod portal;
mod statement;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::{Fault, Faults};
pub use account::{ACCOUNT_EUR, ACCOUNT_USD, Book, Event, Kind, Security, State, book};
pub use portal::{LEDGER_TIME, SESSION};
pub use statement::{DateFormat, QUERIES, Query};

/// The Flex Web Service token the mock accepts.
pub const TOKEN: &str = "714589637218569413682941";

/// A token the mock answers "Token has expired." (1012) to.
pub const EXPIRED_TOKEN: &str = "100000000000000000000001";

/// The OAuth access token the Client Portal accepts as `Bearer`.
pub const PORTAL_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.mock-portal-access-token";

/// The Flex Web Service's path on the mock, as on IBKR's hosts.
pub const FLEX_PATH: &str = "/AccountManagement/FlexWebService";

/// The Client Portal's path on the mock, as on the gateway.
pub const PORTAL_PATH: &str = "/v1/api";

/// A running mock of IBKR.
pub struct MockIbkr {
    server: MockServer,
    state: Arc<Shared>,
}

struct Shared {
    faults: Faults,
    base: String,
    /// Each query's statement, rendered once.
    statements: Vec<(Query, String)>,
    book: Book,
    generating_polls: AtomicU32,
    throttled: AtomicU32,
    padded_url: AtomicBool,
    logged_out: AtomicBool,
    brokerage_unauthenticated: AtomicBool,
    /// Reference code to (query index, polls so far).
    references: Mutex<HashMap<String, (usize, u32)>>,
    next_reference: AtomicU32,
}

/// An answer before faults: status, body and content type.
type Answer = (u16, String, &'static str);

const XML: &str = "text/xml;charset=utf-8";
const JSON: &str = "application/json";

impl MockIbkr {
    /// Starts a mock with the standard accounts.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let book = book();
        let statements = QUERIES
            .iter()
            .map(|q| (*q, statement::statement(&book, q)))
            .collect();
        let state = Arc::new(Shared {
            faults: Faults::new(),
            base: server.uri(),
            statements,
            book,
            generating_polls: AtomicU32::new(1),
            throttled: AtomicU32::new(0),
            padded_url: AtomicBool::new(false),
            logged_out: AtomicBool::new(false),
            brokerage_unauthenticated: AtomicBool::new(false),
            references: Mutex::new(HashMap::new()),
            next_reference: AtomicU32::new(0),
        });
        Mock::given(any())
            .respond_with(Responder {
                state: state.clone(),
            })
            .mount(&server)
            .await;
        MockIbkr { server, state }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The Flex Web Service's base (the plugin's `base_url`; ibflex's
    /// `REQUEST_URL` is this with `/SendRequest`).
    pub fn flex_url(&self) -> String {
        format!("{}{FLEX_PATH}", self.uri())
    }

    /// The Client Portal's base (the plugin's `portal_url`).
    pub fn portal_url(&self) -> String {
        format!("{}{PORTAL_PATH}", self.uri())
    }

    /// The query ids, oldest period first.
    pub fn query_ids(&self) -> Vec<&'static str> {
        QUERIES.iter().map(|q| q.id).collect()
    }

    /// A plugin configuration with every source: the three queries through
    /// the web service, and the Client Portal for live positions.
    pub fn config(&self) -> Value {
        json!({
            "token": TOKEN,
            "query_ids": self.query_ids(),
            "base_url": self.flex_url(),
            "portal_url": self.portal_url(),
            "flex_wait_ms": 10
        })
    }

    /// The web service only: the portfolio comes from the latest statement.
    pub fn flex_config(&self) -> Value {
        json!({
            "token": TOKEN,
            "query_ids": self.query_ids(),
            "base_url": self.flex_url(),
            "flex_wait_ms": 10
        })
    }

    /// A configuration with a wrong token (and no Client Portal).
    pub fn bad_config(&self) -> Value {
        json!({
            "token": "999999999999999999999999",
            "query_ids": self.query_ids(),
            "base_url": self.flex_url(),
            "flex_wait_ms": 10
        })
    }

    /// The statement query `id` answers, as a file saved by hand would hold it.
    pub fn statement_xml(&self, id: &str) -> Option<&str> {
        self.state
            .statements
            .iter()
            .find(|(q, _)| q.id == id)
            .map(|(_, s)| s.as_str())
    }

    /// The book the statements are written from.
    pub fn book(&self) -> &Book {
        &self.state.book
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// `GetStatement` answers 1019 (generation in progress) this many
    /// times for each reference code before the statement.
    pub fn set_generating_polls(&self, n: u32) {
        self.state.generating_polls.store(n, Ordering::SeqCst);
    }

    /// The next `n` Flex requests answer 1018 (too many requests).
    pub fn throttle(&self, n: u32) {
        self.state.throttled.store(n, Ordering::SeqCst);
    }

    /// `SendRequest` wraps `Url` in whitespace, as older answers did.
    pub fn pad_url(&self, yes: bool) {
        self.state.padded_url.store(yes, Ordering::SeqCst);
    }

    /// The gateway's session ends (`true`): every Client Portal call
    /// answers 401 until logged in again (`false`).
    pub fn log_out(&self, yes: bool) {
        self.state.logged_out.store(yes, Ordering::SeqCst);
    }

    /// The brokerage session is taken by another login: the gateway answers,
    /// but `/iserver/auth/status` says it is not authenticated.
    pub fn compete(&self, yes: bool) {
        self.state
            .brokerage_unauthenticated
            .store(yes, Ordering::SeqCst);
    }

    /// The requests received so far.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

struct Responder {
    state: Arc<Shared>,
}

impl Responder {
    fn route(&self, req: &Request) -> Answer {
        let path = req.url.path();
        if let Some(step) = path.strip_prefix(FLEX_PATH) {
            return (200, self.flex(req, step), XML);
        }
        if let Some(endpoint) = path.strip_prefix(PORTAL_PATH) {
            return self.portal(req, endpoint);
        }
        (
            404,
            "<html><body>Not Found</body></html>".to_owned(),
            "text/html",
        )
    }

    /// A Flex Web Service answer: always HTTP 200, the outcome in the body.
    fn flex(&self, req: &Request, step: &str) -> String {
        let query = |name: &str| {
            req.url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let fail = |code: u16, message: &str| statement::flex_error("Fail", code, message);
        let s = &self.state;
        let agent = req
            .headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if query("v").as_deref() != Some("3") || agent.is_empty() {
            return fail(1020, "Invalid request or unable to validate request.");
        }
        if s.throttled
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return fail(
                1018,
                "Too many requests have been made from this token. Please try again shortly.",
            );
        }
        match query("t").as_deref() {
            Some(TOKEN) => {}
            Some(EXPIRED_TOKEN) => return fail(1012, "Token has expired."),
            _ => return fail(1015, "Token is invalid."),
        }
        let q = query("q").unwrap_or_default();
        match step {
            "/SendRequest" => {
                let Some(index) = s.statements.iter().position(|(query, _)| query.id == q) else {
                    return fail(1014, "Query is invalid.");
                };
                let n = s.next_reference.fetch_add(1, Ordering::SeqCst);
                let reference = (7_193_500_000u64 + u64::from(n) * 37).to_string();
                s.references
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(reference.clone(), (index, 0));
                let url = format!("{}{FLEX_PATH}/GetStatement", s.base);
                statement::send_request_ok(&reference, &url, s.padded_url.load(Ordering::SeqCst))
            }
            "/GetStatement" => {
                let mut refs = s.references.lock().unwrap_or_else(|p| p.into_inner());
                let Some((index, polls)) = refs.get_mut(&q) else {
                    return fail(1017, "Reference code is invalid.");
                };
                if *polls < s.generating_polls.load(Ordering::SeqCst) {
                    *polls += 1;
                    return statement::flex_error(
                        "Warn",
                        1019,
                        "Statement generation in progress. Please try again shortly.",
                    );
                }
                s.statements[*index].1.clone()
            }
            _ => fail(1020, "Invalid request or unable to validate request."),
        }
    }

    fn portal(&self, req: &Request, endpoint: &str) -> Answer {
        let s = &self.state;
        let unauthorized = (
            401,
            json!({"error": "not authenticated", "statusCode": 401}).to_string(),
            JSON,
        );
        let bearer = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if s.logged_out.load(Ordering::SeqCst)
            || bearer.is_some_and(|b| b != format!("Bearer {PORTAL_TOKEN}"))
        {
            return unauthorized;
        }
        let authenticated = !s.brokerage_unauthenticated.load(Ordering::SeqCst);
        let ok = |v: Value| (200, v.to_string(), JSON);
        let method = req.method.as_str();
        let parts: Vec<&str> = endpoint.trim_matches('/').split('/').collect();
        match (method, parts.as_slice()) {
            ("GET" | "POST", ["tickle"]) => ok(portal::tickle(authenticated)),
            ("GET" | "POST", ["iserver", "auth", "status"]) => {
                ok(portal::auth_status(authenticated))
            }
            ("GET", ["portfolio", "accounts"]) => ok(portal::accounts()),
            ("GET", ["portfolio", account, "positions", page]) if known(account) => {
                let Ok(page) = page.parse::<usize>() else {
                    return (400, json!({"error": "bad page"}).to_string(), JSON);
                };
                let rows = portal::positions(&s.book, account);
                let start = page.saturating_mul(portal::PAGE_SIZE).min(rows.len());
                let end = (start + portal::PAGE_SIZE).min(rows.len());
                ok(Value::Array(rows[start..end].to_vec()))
            }
            ("GET", ["portfolio", account, "ledger"]) if known(account) => {
                ok(portal::ledger(&s.book, account))
            }
            ("GET", ["portfolio", _, ..]) => (
                400,
                json!({"error": "Account not found or not authorized"}).to_string(),
                JSON,
            ),
            _ => (404, json!({"error": "not found"}).to_string(), JSON),
        }
    }
}

fn known(account: &str) -> bool {
    account == ACCOUNT_EUR || account == ACCOUNT_USD
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let faults = &self.state.faults;
        match faults.next() {
            Fault::Replace(template) => template.set_delay(faults.delay()),
            fault => {
                let (status, body, content_type) = self.route(req);
                faults
                    .finish(fault, status, body)
                    .insert_header("content-type", content_type)
            }
        }
    }
}

#[cfg(test)]
mod tests;
