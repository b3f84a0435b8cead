//! The HTTP client every broker uses.
//!
//! One place for what every broker needs and none should write again: a base
//! URL that tests and users can override, timeouts, retry with backoff and
//! jitter, a rate limiter that also obeys the server's rate-limit headers,
//! an allowlist of origins (scheme, host and port), secret redaction in
//! every encoding the client produces, per-plugin metrics, and a log line
//! per attempt.
//!
//! **The broker decides, the loop obeys.** A broker gives its client one
//! [`Classify`]er, run on every answer inside the retry loop: it turns an
//! answer into the broker's own [`Error`] (with the broker's code and
//! message), or lets it through. The loop retries exactly when that error
//! [`is_retryable`](Error::is_retryable) and the request may be sent again,
//! waits for its `retry_after`, and otherwise hands the broker's error to
//! the caller, naming the endpoint.
//!
//! **Never re-sent on our own.** A request that may have changed state on
//! the server, or spent a one-time code, is not sent again once the server
//! may have received it: by default every method but POST may be re-sent; a
//! POST that only reads is marked [`Request::read_only`], and a request
//! that must go at most once is marked [`Request::once`]. A request that
//! never connected was never received, and is always safe to repeat.
//!
//! **Budgets.** A broker's budget is counted ahead, in its own unit: each
//! request's cost ([`HttpClientBuilder::request_cost`]: a weight per
//! endpoint, or 1 per request) is taken from what is left of the current
//! window before the request is sent. What is left is what the broker's
//! rate-limit headers said in the last answer
//! ([`HttpClientBuilder::budget_headers`]), or, before any answer said it,
//! the limit the broker publishes ([`HttpClientBuilder::budget_limit`]),
//! counted down locally. A request whose cost would leave less than the
//! reserve waits for the reset. A request that would wait beyond its
//! caller's deadline ([`with_deadline`]) or the retry policy's time budget
//! is refused at once with
//! [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited) and the time to wait.
//!
//! A request that must be signed carries a [`Sign`] implementation, called
//! before **every** attempt on the exact URL and body about to be sent, so a
//! retried request gets a fresh timestamp and signature.
//!
//! ```no_run
//! # async fn demo() -> stonks_core::Result<()> {
//! use stonks_core::http::{HttpClient, Request};
//! let client = HttpClient::builder("demo")
//!     .base_url("https://api.example.com/v2")?
//!     .allow_host("api.example.com")
//!     .build()?;
//! let answer = client.send(Request::get("/time")).await?;
//! let _body: serde_json::Value = answer.json()?;
//! # Ok(()) }
//! ```

mod budget;
mod classify;
mod client;
mod deadline;
mod metrics;
mod origin;
mod rate_limit;
mod redact;
mod response;
mod retry;
mod sign;

use std::sync::Arc;

pub use budget::{RequestCost, one_per_request};
pub use classify::{Budget, BudgetReader, Classify, classify_status};
pub use client::{DEFAULT_MAX_ANSWER_BYTES, HttpClient, HttpClientBuilder};
pub use deadline::{deadline, with_deadline};
pub use metrics::{InFlight, LatencySummary, Metrics, MetricsSnapshot};
pub use origin::Origin;
pub use rate_limit::RateLimiter;
pub use redact::{MASK, Redactor};
pub use response::Response;
pub(crate) use response::explain_json_error;
pub use retry::{RetryPolicy, parse_retry_after};
pub use sign::hmac_sha256_hex;

use crate::error::{Error, Result};

/// HTTP methods brokers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

impl Method {
    /// The method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// Whether sending it twice has the effect of sending it once.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }

    fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// Signs a request just before each attempt is sent.
pub trait Sign: Send + Sync {
    /// Adds whatever headers the broker's signature scheme needs to `out`.
    fn sign(&self, out: &mut Outgoing<'_>) -> Result<()>;
}

/// A header: name, value, and whether the value is secret.
type Header = (String, String, bool);

/// The attempt about to go on the wire, as a [`Sign`]er sees it.
pub struct Outgoing<'a> {
    method: Method,
    url: &'a url::Url,
    body: &'a [u8],
    headers: &'a mut Vec<Header>,
}

impl Outgoing<'_> {
    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }
    /// The full URL.
    pub fn url(&self) -> &url::Url {
        self.url
    }
    /// The path and query exactly as sent (`/v2/balance?symbol=BTC`).
    pub fn path_and_query(&self) -> String {
        match self.url.query() {
            Some(q) => format!("{}?{q}", self.url.path()),
            None => self.url.path().to_owned(),
        }
    }
    /// The exact body bytes (empty when the request has no body).
    pub fn body(&self) -> &[u8] {
        self.body
    }
    /// Adds a header; a `secret` one is redacted from every output.
    pub fn header(&mut self, name: &str, value: impl Into<String>, secret: bool) {
        self.headers.push((name.to_owned(), value.into(), secret));
    }
}

/// A request, relative to the client's base URL or absolute.
#[derive(Clone)]
pub struct Request {
    method: Method,
    target: String,
    query: Vec<Header>,
    headers: Vec<Header>,
    body: Option<(Vec<u8>, &'static str)>,
    signer: Option<Arc<dyn Sign>>,
    classifier: Option<Arc<dyn Classify>>,
    endpoint: Option<String>,
    may_resend: bool,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("endpoint", &self.endpoint())
            .field("may_resend", &self.may_resend)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A request for `target`: a path joined to the base URL (`/balance`), or
    /// an absolute URL (still subject to the allowlist).
    pub fn new(method: Method, target: impl Into<String>) -> Self {
        Request {
            method,
            target: target.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            signer: None,
            classifier: None,
            endpoint: None,
            may_resend: method.is_idempotent(),
        }
    }

    /// A GET request.
    pub fn get(target: impl Into<String>) -> Self {
        Self::new(Method::Get, target)
    }

    /// A POST request.
    pub fn post(target: impl Into<String>) -> Self {
        Self::new(Method::Post, target)
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into(), false));
        self
    }

    /// Adds a secret query parameter (redacted from logs and errors).
    pub fn secret_query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into(), true));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into(), false));
        self
    }

    /// Adds a secret header (redacted from logs and errors).
    pub fn secret_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into(), true));
        self
    }

    /// Sets a body of `content_type` (one of a few known types, so the
    /// header is set once); the exact bytes are what a signer sees.
    pub fn body_bytes(mut self, bytes: Vec<u8>, content_type: &'static str) -> Self {
        self.body = Some((bytes, content_type));
        self
    }

    /// Sets a JSON body; the exact bytes are what a signer sees.
    pub fn json_body(mut self, body: &impl serde::Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::plugin_fault(format!("cannot encode request body: {e}")))?;
        self.body = Some((bytes, "application/json"));
        Ok(self)
    }

    /// Signs every attempt with `signer`.
    pub fn signed(mut self, signer: Arc<dyn Sign>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Reads this request's answers with `classifier` instead of the
    /// client's (a login answer that means something else on 400, say).
    pub fn classifier(mut self, classifier: Arc<dyn Classify>) -> Self {
        self.classifier = Some(classifier);
        self
    }

    /// Marks a POST that only reads (a search, a batch lookup): it may be
    /// sent again like a GET.
    pub fn read_only(mut self) -> Self {
        self.may_resend = true;
        self
    }

    /// Marks a request that must reach the server at most once (it changes
    /// state or spends a one-time code): it is never sent again after the
    /// server may have received it, whatever the method.
    pub fn once(mut self) -> Self {
        self.may_resend = false;
        self
    }

    /// Names the endpoint in errors, logs and metrics (default: method and
    /// target path without query or matrix parameters).
    pub fn endpoint_name(mut self, name: impl Into<String>) -> Self {
        self.endpoint = Some(name.into());
        self
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The target without query or matrix parameters: the path relative to
    /// the base URL as given (`/balance`, `/BTC-EUR/candles`), or the
    /// absolute URL.
    pub fn path(&self) -> &str {
        self.target.split(['?', ';']).next().unwrap_or_default()
    }

    fn endpoint(&self) -> String {
        self.endpoint
            .clone()
            .unwrap_or_else(|| format!("{} {}", self.method.as_str(), self.path()))
    }
}
