//! The HTTP client every broker uses.
//!
//! One place for what every broker needs and none should write again: a base
//! URL that tests and users can override, timeouts, retry with backoff and
//! jitter on connect errors, 429, 502, 503 and 504 (honouring `Retry-After`),
//! a rate limiter, a host allowlist, secret redaction, and per-plugin metrics.
//!
//! Requests are described by a [`Request`] and sent with [`HttpClient::send`].
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

mod metrics;
mod rate_limit;
mod redact;
mod retry;
mod sign;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

pub use metrics::{LatencySummary, Metrics, MetricsSnapshot};
pub use rate_limit::RateLimiter;
pub use redact::{MASK, Redactor};
pub use retry::{RetryPolicy, parse_retry_after};
pub use sign::hmac_sha256_hex;

use crate::error::{Error, ErrorKind, Result};
use crate::manifest::RateLimit;

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

    fn idempotent(self) -> bool {
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

/// The attempt about to go on the wire, as a [`Sign`]er sees it.
pub struct Outgoing<'a> {
    method: Method,
    url: &'a url::Url,
    body: &'a [u8],
    headers: &'a mut Vec<(String, String, bool)>,
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
    /// The exact body bytes.
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
    query: Vec<(String, String, bool)>,
    headers: Vec<(String, String, bool)>,
    body: Option<(Vec<u8>, &'static str)>,
    signer: Option<Arc<dyn Sign>>,
    endpoint: Option<String>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("endpoint", &self.endpoint())
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A request for `target`: a path joined to the base URL (`/balance`), or
    /// an absolute URL (still subject to the host allowlist).
    pub fn new(method: Method, target: impl Into<String>) -> Self {
        Request {
            method,
            target: target.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            signer: None,
            endpoint: None,
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

    /// Names the endpoint in errors and metrics (default: method and target
    /// path without query).
    pub fn endpoint_name(mut self, name: impl Into<String>) -> Self {
        self.endpoint = Some(name.into());
        self
    }

    fn endpoint(&self) -> String {
        self.endpoint.clone().unwrap_or_else(|| {
            let path = self.target.split(['?', ';']).next().unwrap_or_default();
            format!("{} {path}", self.method.as_str())
        })
    }
}

/// An answer: status, headers and the whole body.
#[derive(Clone)]
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: bytes::Bytes,
    endpoint: String,
    redactor: Arc<Redactor>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("endpoint", &self.endpoint)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The redactor of the client that received this answer.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The endpoint that answered, as named in errors.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A short excerpt of the body with secrets masked, for errors.
    pub fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(400)]);
        self.redactor.redact(&text).into_owned()
    }

    /// The body parsed as JSON into `T`; a body that does not fit is a
    /// [`ErrorKind::Protocol`] error naming the endpoint and the JSON path.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            self.protocol_error(format!("unexpected body at {}: {}", e.path(), e.inner()))
        })?;
        de.end().map_err(|e| {
            self.protocol_error(format!("unexpected data after the JSON body: {e}"))
        })?;
        Ok(value)
    }

    /// A [`ErrorKind::Protocol`] error about this answer.
    pub fn protocol_error(&self, message: impl Into<String>) -> Error {
        let message = message.into();
        Error::protocol(
            self.endpoint.clone(),
            Some(self.status),
            self.redactor.redact(&message).into_owned(),
            &self.excerpt(),
        )
    }

    /// The usual meaning of a failed status, for brokers without their own
    /// error codes: 401/403 auth, 429 rate limited, 5xx temporary, other
    /// 4xx protocol. Returns the response itself when it succeeded.
    pub fn error_for_status(self) -> Result<Response> {
        if self.is_success() {
            return Ok(self);
        }
        Err(self.status_error(None))
    }

    /// The error for a failed status, with an optional broker message.
    pub fn status_error(&self, broker_message: Option<&str>) -> Error {
        let msg = broker_message
            .map(|m| self.redactor.redact(m).into_owned())
            .unwrap_or_else(|| format!("HTTP {}", self.status));
        let err = match self.status {
            401 | 403 => Error::auth(msg),
            429 => Error::new(
                ErrorKind::RateLimited {
                    retry_after: self.retry_after(),
                },
                msg,
            ),
            500..=599 => Error::new(ErrorKind::Temporary, msg),
            _ => return self.protocol_error(msg),
        };
        err.with_operation(self.endpoint.clone())
    }

    /// The `Retry-After` header, parsed.
    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(self.header("retry-after")?, chrono::Utc::now())
    }
}

/// Builds an [`HttpClient`].
pub struct HttpClientBuilder {
    plugin: String,
    base_url: Option<url::Url>,
    hosts: HashSet<String>,
    rate_limit: Option<RateLimit>,
    retry: RetryPolicy,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    redactor: Redactor,
    metrics: Option<Arc<Metrics>>,
}

impl HttpClientBuilder {
    /// The base URL requests are joined to. Its host is allowed.
    pub fn base_url(mut self, url: &str) -> Result<Self> {
        let parsed = url::Url::parse(url)
            .map_err(|e| Error::config(format!("base_url {url:?} is not a URL: {e}")))?;
        self.set_base(parsed)?;
        Ok(self)
    }

    fn set_base(&mut self, url: url::Url) -> Result<()> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::config(format!(
                "base_url {url} must be http or https"
            )));
        }
        if let Some(host) = url.host_str() {
            self.hosts.insert(host.to_ascii_lowercase());
        }
        self.base_url = Some(url);
        Ok(())
    }

    /// Allows requests to `host` (no scheme, no port).
    pub fn allow_host(mut self, host: &str) -> Self {
        self.hosts.insert(host.to_ascii_lowercase());
        self
    }

    /// Limits the request rate.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets the connect timeout and the timeout of each attempt.
    pub fn timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = request;
        self
    }

    /// Sets the User-Agent.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Masks `secret` wherever the client prints or reports text.
    pub fn secret(mut self, secret: &str) -> Self {
        self.redactor.add(secret);
        self
    }

    /// Records into `metrics` (the registry passes the plugin's own).
    pub fn metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<HttpClient> {
        let inner = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::config(format!("cannot build HTTP client: {}", e.without_url())))?;
        Ok(HttpClient {
            shared: Arc::new(Shared {
                plugin: self.plugin,
                inner,
                base_url: self.base_url,
                hosts: self.hosts,
                limiter: self.rate_limit.map(RateLimiter::new),
                retry: self.retry,
                redactor: std::sync::RwLock::new(Arc::new(self.redactor)),
                metrics: self.metrics.unwrap_or_default(),
            }),
        })
    }
}

/// The HTTP client of one plugin instance. Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    shared: Arc<Shared>,
}

struct Shared {
    plugin: String,
    inner: reqwest::Client,
    base_url: Option<url::Url>,
    hosts: HashSet<String>,
    limiter: Option<RateLimiter>,
    retry: RetryPolicy,
    /// Replaced whole when a secret is added, so answers keep the one they had.
    redactor: std::sync::RwLock<Arc<Redactor>>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("plugin", &self.shared.plugin)
            .field(
                "base_url",
                &self.shared.base_url.as_ref().map(url::Url::as_str),
            )
            .finish_non_exhaustive()
    }
}

/// What one attempt came to.
enum Attempt {
    Answer(Response),
    Failed { error: Error, connect: bool },
}

impl HttpClient {
    /// A builder for plugin `plugin`.
    pub fn builder(plugin: impl Into<String>) -> HttpClientBuilder {
        HttpClientBuilder {
            plugin: plugin.into(),
            base_url: None,
            hosts: HashSet::new(),
            rate_limit: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            user_agent: format!("stonks/{}", env!("CARGO_PKG_VERSION")),
            redactor: Redactor::new(),
            metrics: None,
        }
    }

    /// The client's base URL.
    pub fn base_url(&self) -> Option<&url::Url> {
        self.shared.base_url.as_ref()
    }

    /// The rate limiter, for brokers that pause on the server's signals.
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.shared.limiter.as_ref()
    }

    /// The redactor, for brokers that build errors from response text.
    pub fn redactor(&self) -> Arc<Redactor> {
        self.shared
            .redactor
            .read()
            .map(|r| r.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Masks `secret` from now on: for values learnt at run time, such as a
    /// session id.
    pub fn add_secret(&self, secret: &str) {
        let mut guard = self
            .shared
            .redactor
            .write()
            .unwrap_or_else(|p| p.into_inner());
        let mut next = Redactor::clone(&guard);
        next.add(secret);
        *guard = Arc::new(next);
    }

    /// The metrics this client records into.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.shared.metrics
    }

    /// The absolute URL of `req` with its query, checked against the allowlist.
    pub fn url_of(&self, req: &Request) -> Result<url::Url> {
        let mut url = if req.target.starts_with("http://") || req.target.starts_with("https://") {
            url::Url::parse(&req.target)
                .map_err(|e| self.config_error(format!("invalid URL: {e}")))?
        } else {
            let base =
                self.shared.base_url.as_ref().ok_or_else(|| {
                    self.config_error("relative request without a base_url".into())
                })?;
            // Join as text so a base path (`/v2`) is kept.
            let joined = format!(
                "{}/{}",
                base.as_str().trim_end_matches('/'),
                req.target.trim_start_matches('/')
            );
            url::Url::parse(&joined).map_err(|e| self.config_error(format!("invalid URL: {e}")))?
        };
        if !req.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v, _) in &req.query {
                pairs.append_pair(k, v);
            }
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if !self.shared.hosts.contains(&host) || !matches!(url.scheme(), "http" | "https") {
            let mut allowed: Vec<&str> = self.shared.hosts.iter().map(String::as_str).collect();
            allowed.sort_unstable();
            return Err(self.config_error(format!(
                "host {host:?} is not in the plugin's network.hosts ({}); request not sent",
                allowed.join(", ")
            )));
        }
        Ok(url)
    }

    fn config_error(&self, message: String) -> Error {
        Error::config(self.redactor().redact(&message).into_owned())
            .with_plugin(self.shared.plugin.clone())
    }

    /// The URL as it may be logged: secret query values masked.
    fn loggable(&self, url: &url::Url, req: &Request) -> String {
        let mut shown = url.clone();
        if req.query.iter().any(|(_, _, secret)| *secret) {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let secret = req.query.iter().any(|(n, _, s)| *s && *n == k);
                    (
                        k.into_owned(),
                        if secret {
                            MASK.to_owned()
                        } else {
                            v.into_owned()
                        },
                    )
                })
                .collect();
            shown.query_pairs_mut().clear().extend_pairs(pairs);
        }
        self.redactor().redact(shown.as_str()).into_owned()
    }

    /// Sends `req`, retrying by the client's policy. Any answer that is not
    /// retried is returned as a [`Response`], whatever its status (brokers
    /// read their own error bodies; see [`Response::error_for_status`]). A
    /// retryable answer still failing after the last attempt becomes
    /// [`ErrorKind::RateLimited`] or [`ErrorKind::Temporary`]; a transport
    /// failure becomes [`ErrorKind::Temporary`] or [`ErrorKind::Timeout`].
    pub async fn send(&self, req: Request) -> Result<Response> {
        let url = self.url_of(&req)?;
        let endpoint = req.endpoint();
        let started = Instant::now();
        let policy = self.shared.retry;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let outcome = self.attempt(&req, &url, &endpoint, attempt > 1).await?;
            let (retry_after, error) = match outcome {
                Attempt::Answer(resp) if is_retryable_status(resp.status) => {
                    (resp.retry_after(), resp.status_error(None))
                }
                Attempt::Answer(resp) => return Ok(resp),
                // A request that never connected was never sent: safe to repeat.
                Attempt::Failed { error, connect } if req.method.idempotent() || connect => {
                    (None, error)
                }
                Attempt::Failed { error, .. } => return Err(error),
            };
            let wait = policy.backoff(attempt, retry_after);
            let out_of_time = started.elapsed() + wait > policy.max_elapsed;
            if attempt >= policy.max_attempts || out_of_time {
                return Err(error.with_plugin(self.shared.plugin.clone()));
            }
            tracing::debug!(
                plugin = %self.shared.plugin, endpoint = %endpoint, attempt,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "retrying: {error}"
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(
        &self,
        req: &Request,
        url: &url::Url,
        endpoint: &str,
        retry: bool,
    ) -> Result<Attempt> {
        if let Some(limiter) = &self.shared.limiter {
            limiter.acquire().await;
        }
        let body: &[u8] = req
            .body
            .as_ref()
            .map(|(b, _)| b.as_slice())
            .unwrap_or_default();
        let mut headers = req.headers.clone();
        if let Some(signer) = &req.signer {
            let mut out = Outgoing {
                method: req.method,
                url,
                body,
                headers: &mut headers,
            };
            signer
                .sign(&mut out)
                .map_err(|e| e.with_plugin(self.shared.plugin.clone()))?;
        }
        let mut map = HeaderMap::new();
        for (name, value, secret) in &headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| self.config_error(format!("invalid header name {name:?}")))?;
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| self.config_error(format!("invalid value for header {name}")))?;
            value.set_sensitive(*secret);
            map.append(name, value);
        }
        let mut builder = self
            .shared
            .inner
            .request(req.method.to_reqwest(), url.clone())
            .headers(map);
        if let Some((bytes, content_type)) = &req.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, *content_type)
                .body(bytes.clone());
        }
        let t0 = Instant::now();
        let result = async {
            let resp = builder.send().await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        }
        .await;
        let latency = t0.elapsed();
        let shown = self.loggable(url, req);
        match result {
            Ok((status, headers, body)) => {
                let ok = status < 400;
                self.shared
                    .metrics
                    .record(latency, ok, retry, status == 429);
                tracing::debug!(plugin = %self.shared.plugin, method = req.method.as_str(), url = %shown, status, latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX), "http");
                Ok(Attempt::Answer(Response {
                    status,
                    headers,
                    body,
                    endpoint: endpoint.to_owned(),
                    redactor: self.redactor(),
                }))
            }
            Err(e) => {
                self.shared.metrics.record(latency, false, retry, false);
                let kind = if e.is_timeout() {
                    ErrorKind::Timeout
                } else {
                    ErrorKind::Temporary
                };
                let connect = e.is_connect();
                let cause = self
                    .redactor()
                    .redact(&e.without_url().to_string())
                    .into_owned();
                tracing::debug!(plugin = %self.shared.plugin, method = req.method.as_str(), url = %shown, error = %cause, "http transport error");
                let message = if connect {
                    format!("cannot connect: {cause}")
                } else {
                    format!("request failed: {cause}")
                };
                Ok(Attempt::Failed {
                    error: Error::new(kind, message)
                        .with_operation(endpoint.to_owned())
                        .with_plugin(self.shared.plugin.clone()),
                    connect,
                })
            }
        }
    }
}

fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}
