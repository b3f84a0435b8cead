//! `MockOpenFigi`: OpenFIGI's mapping API v3 (`POST /v3/mapping`) as the
//! real host answers it, keyless or with an API key, with its limits and
//! fault switches.
//!
//! * A body that is not a JSON array: 400. More than 10 jobs without a key
//!   (100 with): 413 `Too many mapping jobs in request.`. A key that is not
//!   the mock's: 401 `API Key is invalid.` (the status texts of OpenFIGI's
//!   OpenAPI description).
//! * More than 25 requests in any 60 s without a key (25 in any 6 s with
//!   one): 429, plain text `Too many requests, please try again later.`,
//!   `retry-after: 60`, as recorded from the real host.
//! * Per job, aligned with the jobs: `{"data":[..]}` for a known
//!   identifier, `{"warning":"No identifier found."}` for an unknown one,
//!   `{"error":"Invalid value for idType."}` for an unknown `idType` and
//!   `{"error":"Invalid idValue format."}` for an ISIN or CUSIP of the
//!   wrong shape (wording from recorded answers). A ticker is found with
//!   `exchCode: "US"` (the US composite), with the segment MIC OpenFIGI
//!   matches (`micCode: "XNGS"` for Nasdaq Global Select), or alone (every
//!   listing); an operating MIC such as `XNAS` finds nothing, as on the real
//!   host.
//!
//! The FIGIs ([`data`]) are real, from recorded OpenFIGI answers and
//! registry data in public projects: Apple's (composite `BBG000B9XRY4`,
//! Nasdaq `BBG000B9Y5X2`, share class `BBG001S5N8V8`, a raw answer retrieved
//! 2026-08-15), Microsoft's, NVIDIA's, Alphabet A's and Amazon's (composite
//! and share class agreeing in several independent sources; NVIDIA's Nasdaq
//! listing `BBG000BBK0R0`), SAP's share (German composite `BBG000BG7DY8`
//! and Xetra `BBG000BG7GX2` from live probes; share class `BBG001S6RK27`
//! from one source), the SAP ADR (`BBG000BDSLD7`, share class
//! `BBG001S6RD41`, one source) and ASML's Amsterdam composite
//! (`BBG000C1HSN8`, share class `BBG001S7Q066`), and VOO's (composite
//! `BBG0015VYNT4` in several projects' data, share class `BBG001TC6MC1`
//! from one recorded Finnhub answer). The other instruments of the broker
//! mocks could not be verified and answer "No identifier found.".
//! [`data::AMBIGUOUS_ISIN`] is synthetic.

pub mod data;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::{Fault, Faults};

pub use data::{AMBIGUOUS_ISIN, AMBIGUOUS_SHARE_CLASSES, Listing, SECURITIES, Security};

/// The header carrying the key.
pub const KEY_HEADER: &str = "X-OPENFIGI-APIKEY";
/// Jobs in one request without a key.
pub const MAX_JOBS: usize = 10;
/// Jobs in one request with a key.
pub const MAX_JOBS_WITH_KEY: usize = 100;
/// OpenFIGI's 429 body: plain text.
pub const TOO_MANY_REQUESTS: &str = "Too many requests, please try again later.";
/// OpenFIGI's 413 text.
pub const TOO_MANY_JOBS: &str = "Too many mapping jobs in request.";
/// OpenFIGI's 401 text.
pub const INVALID_KEY: &str = "API Key is invalid.";
/// The warning for an identifier OpenFIGI does not know.
pub const NOT_FOUND: &str = "No identifier found.";

/// The `idType`s OpenFIGI accepts (those a stonks client may send among
/// them); others answer `Invalid value for idType.`.
const ID_TYPES: [&str; 12] = [
    "ID_ISIN",
    "ID_CUSIP",
    "ID_CUSIP_8_CHR",
    "TICKER",
    "BASE_TICKER",
    "ID_BB_GLOBAL",
    "COMPOSITE_ID_BB_GLOBAL",
    "ID_BB_GLOBAL_SHARE_CLASS_LEVEL",
    "ID_SEDOL",
    "ID_WERTPAPIER",
    "ID_COMMON",
    "ID_EXCH_SYMBOL",
];

/// Requests allowed in a rolling window: at most `limit` in any `window`.
#[derive(Debug)]
pub struct Window {
    limit: usize,
    window: Duration,
    sent: VecDeque<Instant>,
}

impl Window {
    /// At most `limit` requests in any `window`.
    pub fn new(limit: usize, window: Duration) -> Self {
        Window {
            limit,
            window,
            sent: VecDeque::new(),
        }
    }

    /// Whether a request at `now` is within the limit (and counts it if so).
    pub fn admit(&mut self, now: Instant) -> bool {
        while self
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            self.sent.pop_front();
        }
        if self.sent.len() >= self.limit {
            return false;
        }
        self.sent.push_back(now);
        true
    }
}

#[derive(Debug)]
struct State {
    key: Option<String>,
    keyless: Window,
    keyed: Window,
    jobs: Vec<Value>,
    errors: BTreeMap<String, String>,
    misaligned: u32,
    answered: usize,
}

struct Responder {
    faults: Faults,
    state: Arc<Mutex<State>>,
}

fn text(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "text/plain; charset=utf-8")
        .set_body_string(body)
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let keyed = match req
            .headers
            .get(KEY_HEADER)
            .map(|v| v.to_str().unwrap_or(""))
        {
            None => false,
            Some(given) if s.key.as_deref() == Some(given) => true,
            Some(_) => return text(401, INVALID_KEY),
        };
        let fault = self.faults.next();
        if let Fault::Replace(template) = fault {
            return template.set_delay(self.faults.delay());
        }
        let (window, max_jobs, retry_after) = if keyed {
            (&mut s.keyed, MAX_JOBS_WITH_KEY, "6")
        } else {
            (&mut s.keyless, MAX_JOBS, "60")
        };
        if !window.admit(Instant::now()) {
            return text(429, TOO_MANY_REQUESTS).insert_header("retry-after", retry_after);
        }
        let Ok(Value::Array(jobs)) = serde_json::from_slice::<Value>(&req.body) else {
            return text(400, "Request body must be a JSON array.");
        };
        if jobs.len() > max_jobs {
            return text(413, TOO_MANY_JOBS);
        }
        s.jobs.extend(jobs.iter().cloned());
        s.answered += 1;
        let mut answers: Vec<Value> = jobs.iter().map(|j| answer(j, &s.errors)).collect();
        if s.misaligned > 0 {
            s.misaligned -= 1;
            answers.pop();
        }
        drop(s);
        self.faults
            .finish(fault, 200, Value::Array(answers).to_string())
    }
}

/// Every listing's record as OpenFIGI writes it.
fn record(l: &Listing) -> Value {
    json!({
        "figi": l.figi,
        "name": l.name,
        "ticker": l.ticker,
        "exchCode": l.exch_code,
        "compositeFIGI": l.composite,
        "securityType": l.security_type,
        "marketSector": "Equity",
        "shareClassFIGI": l.share_class,
        "securityType2": l.security_type2,
        "securityDescription": l.ticker,
    })
}

/// The answer element for one job.
fn answer(job: &Value, errors: &BTreeMap<String, String>) -> Value {
    let id_type = job["idType"].as_str().unwrap_or_default();
    let Some(value) = job["idValue"].as_str() else {
        return json!({"error": "Invalid idValue format."});
    };
    if !ID_TYPES.contains(&id_type) {
        return json!({"error": "Invalid value for idType."});
    }
    if let Some(message) = errors.get(value) {
        return json!({ "error": message });
    }
    let alnum = |n: usize| value.len() == n && value.bytes().all(|b| b.is_ascii_alphanumeric());
    let listings: Vec<&Listing> = match id_type {
        "ID_ISIN" if !alnum(12) => return json!({"error": "Invalid idValue format."}),
        "ID_CUSIP" if !alnum(9) => return json!({"error": "Invalid idValue format."}),
        "ID_ISIN" => SECURITIES
            .iter()
            .filter(|s| s.isin == value)
            .flat_map(|s| s.listings)
            .collect(),
        "ID_CUSIP" => SECURITIES
            .iter()
            .filter(|s| s.cusip == Some(value))
            .flat_map(|s| s.listings)
            .collect(),
        "TICKER" => {
            let exch = job["exchCode"].as_str();
            let mic = job["micCode"].as_str();
            SECURITIES
                .iter()
                .flat_map(|s| s.listings)
                .filter(|l| l.ticker == value)
                .filter(|l| exch.is_none_or(|e| l.exch_code == e))
                .filter(|l| mic.is_none_or(|m| l.mic == Some(m)))
                .collect()
        }
        _ => Vec::new(),
    };
    if listings.is_empty() {
        json!({ "warning": NOT_FOUND })
    } else {
        json!({ "data": listings.into_iter().map(record).collect::<Vec<_>>() })
    }
}

/// A running mock of OpenFIGI's API host.
pub struct MockOpenFigi {
    server: MockServer,
    faults: Faults,
    state: Arc<Mutex<State>>,
}

impl MockOpenFigi {
    /// Starts the mock; it accepts requests without a key only.
    pub async fn start() -> Self {
        Self::start_inner(None).await
    }

    /// Starts the mock accepting `key` (and requests without a key, with
    /// the keyless limits).
    pub async fn start_with_key(key: &str) -> Self {
        Self::start_inner(Some(key.to_owned())).await
    }

    async fn start_inner(key: Option<String>) -> Self {
        let server = MockServer::start().await;
        let faults = Faults::new();
        let state = Arc::new(Mutex::new(State {
            key,
            keyless: Window::new(25, Duration::from_secs(60)),
            keyed: Window::new(25, Duration::from_secs(6)),
            jobs: Vec::new(),
            errors: BTreeMap::new(),
            misaligned: 0,
            answered: 0,
        }));
        Mock::given(method("POST"))
            .and(path("/v3/mapping"))
            .respond_with(Responder {
                faults: faults.clone(),
                state: state.clone(),
            })
            .mount(&server)
            .await;
        MockOpenFigi {
            server,
            faults,
            state,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The mock's base URL.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A keyless plugin configuration that works against this mock.
    pub fn config(&self) -> Value {
        json!({"base_url": self.uri()})
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Requests the mock received on any path, rejected ones included.
    pub async fn requests(&self) -> usize {
        self.received_requests().await.len()
    }

    /// Requests answered with job answers (200, not a fault).
    pub fn answered(&self) -> usize {
        self.with(|s| s.answered)
    }

    /// Every job of every answered request, in the order received.
    pub fn jobs(&self) -> Vec<Value> {
        self.with(|s| s.jobs.clone())
    }

    /// From now on, a job asking `id_value` answers `{"error": message}`.
    pub fn error_for(&self, id_value: &str, message: &str) {
        self.with(|s| s.errors.insert(id_value.to_owned(), message.to_owned()));
    }

    /// The next `n` answered requests leave out their last job answer: the
    /// answer no longer lines up with the jobs.
    pub fn misalign_next(&self, n: u32) {
        self.with(|s| s.misaligned = n);
    }

    /// Every request the mock received, oldest first.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_rolls() {
        let start = Instant::now();
        let mut w = Window::new(25, Duration::from_secs(60));
        for i in 0..25 {
            assert!(w.admit(start + Duration::from_millis(i * 100)), "{i}");
        }
        assert!(!w.admit(start + Duration::from_secs(3)), "26th in a minute");
        assert!(!w.admit(start + Duration::from_secs(59)));
        assert!(w.admit(start + Duration::from_secs(60)), "the first left");
        assert!(!w.admit(start + Duration::from_millis(60_050)));
        assert!(w.admit(start + Duration::from_millis(60_100)));
    }

    #[test]
    fn jobs_answer_like_openfigi() {
        let none = BTreeMap::new();
        let a = answer(
            &json!({"idType": "ID_ISIN", "idValue": "US0378331005"}),
            &none,
        );
        assert_eq!(a["data"].as_array().unwrap().len(), 2);
        assert_eq!(a["data"][0]["shareClassFIGI"], "BBG001S5N8V8");
        assert_eq!(a["data"][1]["exchCode"], "UW");
        let t = |exch: Value, mic: Value| {
            answer(
                &json!({"idType": "TICKER", "idValue": "AAPL", "exchCode": exch, "micCode": mic}),
                &none,
            )
        };
        assert_eq!(
            t(json!("US"), Value::Null)["data"][0]["figi"],
            "BBG000B9XRY4"
        );
        assert_eq!(
            t(Value::Null, json!("XNGS"))["data"][0]["figi"],
            "BBG000B9Y5X2"
        );
        assert_eq!(t(Value::Null, json!("XNAS"))["warning"], NOT_FOUND);
        assert_eq!(
            answer(&json!({"idType": "CIK", "idValue": "1"}), &none)["error"],
            "Invalid value for idType."
        );
        assert_eq!(
            answer(&json!({"idType": "ID_ISIN", "idValue": "US0"}), &none)["error"],
            "Invalid idValue format."
        );
        assert_eq!(
            answer(
                &json!({"idType": "ID_ISIN", "idValue": "IE00B4L5Y983"}),
                &none
            )["warning"],
            NOT_FOUND
        );
        let a = answer(
            &json!({"idType": "ID_ISIN", "idValue": AMBIGUOUS_ISIN}),
            &none,
        );
        assert_eq!(a["data"][1]["compositeFIGI"], Value::Null);
    }

    #[test]
    fn every_isin_is_well_formed() {
        for s in SECURITIES {
            assert!(stonks_core::Isin::new(s.isin).is_ok(), "{}", s.isin);
        }
    }
}
