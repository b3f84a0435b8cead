//! The client: building it, and the one retry loop every request goes
//! through.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

use super::budget::{RequestCost, WeightBudget, one_per_request};
use super::classify::{BudgetReader, Classify, classify_status};
use super::{
    Header, Metrics, Origin, Outgoing, RateLimiter, Redactor, Request, Response, RetryPolicy,
};
use crate::error::{Error, ErrorKind, Result};
use crate::manifest::RateLimit;

/// Builds an [`HttpClient`].
pub struct HttpClientBuilder {
    plugin: String,
    base_url: Option<url::Url>,
    origins: BTreeSet<Origin>,
    rate_limit: Option<RateLimit>,
    retry: RetryPolicy,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    redactor: Redactor,
    metrics: Option<Arc<Metrics>>,
    classifier: Arc<dyn Classify>,
    budget_reader: Option<BudgetReader>,
    budget_reserve: u64,
    budget_limit: Option<(u64, Duration)>,
    request_cost: RequestCost,
    insecure_origin: Option<Origin>,
    max_answer_bytes: u64,
    routes: BTreeMap<Origin, SocketAddr>,
}

/// The largest answer body a client reads unless its plugin's manifest
/// says otherwise (`network.max_answer_bytes`): far above any page a JSON
/// broker sends, far below what would hurt the host.
pub const DEFAULT_MAX_ANSWER_BYTES: u64 = 32 * 1024 * 1024;

impl HttpClientBuilder {
    /// The base URL requests are joined to. Its origin is allowed.
    pub fn base_url(mut self, url: &str) -> Result<Self> {
        let parsed = url::Url::parse(url)
            .map_err(|e| Error::config(format!("base_url {url:?} is not a URL: {e}")))?;
        let origin = Origin::of(&parsed).ok_or_else(|| {
            Error::config(format!("base_url {parsed} must be an http or https URL"))
        })?;
        self.origins.insert(origin);
        self.base_url = Some(parsed);
        Ok(self)
    }

    /// Allows requests to `https://host` on port 443.
    pub fn allow_host(mut self, host: &str) -> Self {
        self.origins.insert(Origin::https(host));
        self
    }

    /// Allows requests to the origin (scheme, host, port) of `url`.
    pub fn allow_origin(mut self, url: &url::Url) -> Self {
        if let Some(o) = Origin::of(url) {
            self.origins.insert(o);
        }
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

    /// Reads every answer with the broker's `classifier` (default:
    /// [`classify_status`]).
    pub fn classifier(mut self, classifier: impl Classify) -> Self {
        self.classifier = Arc::new(classifier);
        self
    }

    /// Reads the broker's rate-limit headers from every answer with
    /// `reader`. A request is sent only when at least `reserve` would be
    /// left after its cost ([`request_cost`](Self::request_cost)); else it
    /// waits for the reset (or is refused when that is beyond its budget).
    pub fn budget_headers(mut self, reader: BudgetReader, reserve: u64) -> Self {
        self.budget_reader = Some(reader);
        self.budget_reserve = reserve;
        self
    }

    /// The budget the broker publishes: `limit` (requests, or weight
    /// points) every `window`. It is what the client assumes is left before
    /// an answer's headers state it, and in a window no answer has stated
    /// yet, counted down by every request's cost. Without it, requests are
    /// only counted against what answers state.
    pub fn budget_limit(mut self, limit: u64, window: Duration) -> Self {
        self.budget_limit = Some((limit, window));
        self
    }

    /// What each request costs against the budget: a broker that weighs
    /// its endpoints gives its table here (default: 1 a request,
    /// [`one_per_request`](super::one_per_request)).
    pub fn request_cost(mut self, cost: RequestCost) -> Self {
        self.request_cost = cost;
        self
    }

    /// Sends every request for the origin of `from` (scheme, host and port)
    /// over plain HTTP to `to`, a loopback address, instead: the URL, the
    /// allowlist check, the signature and the `Host` header stay those of
    /// `from`. For tests that exercise a client built for a real host (a
    /// plugin's production default) against a local mock. Only with the
    /// `test-util` feature.
    #[cfg(any(test, feature = "test-util"))]
    pub fn route_origin(self, from: &str, to: SocketAddr) -> Result<Self> {
        self.with_route(from, to)
    }

    /// [`route_origin`](Self::route_origin), for the registry's plumbing
    /// (which has routes only with `test-util`).
    pub(crate) fn with_route(mut self, from: &str, to: SocketAddr) -> Result<Self> {
        let origin = url::Url::parse(from)
            .ok()
            .and_then(|u| Origin::of(&u))
            .ok_or_else(|| Error::config(format!("cannot route {from:?}: not an http(s) URL")))?;
        if !to.ip().is_loopback() {
            return Err(Error::config(format!(
                "cannot route {origin} to {to}: only a loopback address may stand in for a host"
            )));
        }
        self.routes.insert(origin, to);
        Ok(self)
    }

    /// Accepts an invalid TLS certificate (self-signed, expired, issued for
    /// another name) from the origin (scheme, host and port) of `url`, and
    /// from no other origin: for a local gateway that serves a self-signed
    /// certificate, such as IBKR's Client Portal gateway, and only when the
    /// user asked for it. Every other origin's certificate is verified as
    /// usual. Off unless called.
    pub fn accept_invalid_certs_for(mut self, url: &url::Url) -> Self {
        self.insecure_origin = Origin::of(url);
        self
    }

    /// The largest answer body read, in bytes (default
    /// [`DEFAULT_MAX_ANSWER_BYTES`]). A longer answer is refused while it
    /// streams in: with a `Content-Length` beyond it before any byte is
    /// read, else at the chunk that passes it; never held whole.
    pub fn max_answer_bytes(mut self, bytes: u64) -> Self {
        self.max_answer_bytes = bytes.max(1);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<HttpClient> {
        let reqwest_client = |accept_invalid_certs: bool| {
            reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .user_agent(self.user_agent.as_str())
                .redirect(reqwest::redirect::Policy::none())
                .danger_accept_invalid_certs(accept_invalid_certs)
                .build()
                .map_err(|e| {
                    Error::config(format!("cannot build HTTP client: {}", e.without_url()))
                })
        };
        let inner = reqwest_client(false)?;
        let insecure = match self.insecure_origin {
            Some(origin) => {
                tracing::warn!(plugin = %self.plugin, origin = %origin, "accepting invalid TLS certificates from this origin, as configured");
                Some((origin, reqwest_client(true)?))
            }
            None => None,
        };
        let budget = (self.budget_reader.is_some() || self.budget_limit.is_some()).then(|| {
            WeightBudget::new(
                self.plugin.clone(),
                self.budget_reserve,
                self.request_cost,
                self.budget_limit,
            )
        });
        Ok(HttpClient {
            shared: Arc::new(Shared {
                plugin: self.plugin,
                inner,
                insecure,
                base_url: self.base_url,
                origins: self.origins,
                gate: RateLimiter::new(self.rate_limit),
                retry: self.retry,
                timeout: self.timeout,
                redactor: std::sync::RwLock::new(Arc::new(self.redactor)),
                metrics: self.metrics.unwrap_or_default(),
                classifier: self.classifier,
                budget_reader: self.budget_reader,
                budget,
                max_answer_bytes: self.max_answer_bytes,
                routes: self.routes,
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
    /// The one origin whose invalid certificates are accepted, and the
    /// client that accepts them.
    insecure: Option<(Origin, reqwest::Client)>,
    base_url: Option<url::Url>,
    origins: BTreeSet<Origin>,
    gate: RateLimiter,
    retry: RetryPolicy,
    timeout: Duration,
    /// Replaced whole when a secret is added, so answers keep the one they had.
    redactor: std::sync::RwLock<Arc<Redactor>>,
    metrics: Arc<Metrics>,
    classifier: Arc<dyn Classify>,
    budget_reader: Option<BudgetReader>,
    budget: Option<WeightBudget>,
    max_answer_bytes: u64,
    /// Origins sent to a local address instead (tests only).
    routes: BTreeMap<Origin, SocketAddr>,
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

/// An answer whose body is longer than the client reads.
struct TooLarge {
    /// What the `Content-Length` header announced, when it was over.
    announced: Option<u64>,
}

/// The answer's headers and body, read chunk by chunk and never past
/// `max` bytes.
async fn read_bounded(
    mut resp: reqwest::Response,
    max: u64,
) -> std::result::Result<std::result::Result<(HeaderMap, bytes::Bytes), TooLarge>, reqwest::Error> {
    let headers = resp.headers().clone();
    let announced = resp.content_length();
    if let Some(len) = announced.filter(|&len| len > max) {
        return Ok(Err(TooLarge {
            announced: Some(len),
        }));
    }
    let hint = usize::try_from(announced.unwrap_or(0).min(max)).unwrap_or(0);
    let mut body = bytes::BytesMut::with_capacity(hint);
    while let Some(chunk) = resp.chunk().await? {
        if (body.len() + chunk.len()) as u64 > max {
            return Ok(Err(TooLarge { announced: None }));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Ok((headers, body.freeze())))
}

/// The error for a redirect: never followed (it could lead a request
/// and its credentials off the allowlist), said with where it pointed,
/// without its query or user credentials (which may hold a secret).
fn redirected(resp: &Response) -> Error {
    let target = resp.header("location").map_or_else(
        || "nowhere".to_owned(),
        |l| {
            // Neither the query nor user credentials (`https://user:pass@`).
            let shown = match url::Url::parse(l) {
                Ok(mut u) => {
                    let _ = u.set_username("");
                    let _ = u.set_password(None);
                    u.set_query(None);
                    u.set_fragment(None);
                    u.to_string()
                }
                Err(_) => l.split(['?', '#']).next().unwrap_or_default().to_owned(),
            };
            resp.redactor()
                .redact(&crate::error::excerpt_of(&shown, 120))
                .into_owned()
        },
    );
    resp.protocol_error(format!(
        "the server redirected (HTTP {}) to {target}; redirects are not followed: point base_url at the final address",
        resp.status()
    ))
}

/// What one attempt came to.
enum Attempt {
    Answer(Response),
    /// No answer. `connected` is false when the request never reached the
    /// server (so repeating it is always safe).
    Failed {
        error: Error,
        connected: bool,
    },
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl HttpClient {
    /// A builder for plugin `plugin`.
    pub fn builder(plugin: impl Into<String>) -> HttpClientBuilder {
        HttpClientBuilder {
            plugin: plugin.into(),
            base_url: None,
            origins: BTreeSet::new(),
            rate_limit: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            user_agent: format!("stonks/{}", env!("CARGO_PKG_VERSION")),
            redactor: Redactor::new(),
            metrics: None,
            classifier: Arc::new(classify_status),
            budget_reader: None,
            budget_reserve: 0,
            budget_limit: None,
            request_cost: one_per_request,
            insecure_origin: None,
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
            routes: BTreeMap::new(),
        }
    }

    /// The client's base URL.
    pub fn base_url(&self) -> Option<&url::Url> {
        self.shared.base_url.as_ref()
    }

    /// The gate every request passes, for brokers that pause on signals of
    /// their own.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.shared.gate
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

    /// The absolute URL of `req` with its query, checked against the
    /// allowed origins (scheme, host and port).
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
        let allowed = Origin::of(&url).is_some_and(|o| self.shared.origins.contains(&o));
        if !allowed {
            let shown = Origin::of(&url).map_or_else(
                || format!("{}://{}", url.scheme(), url.host_str().unwrap_or("")),
                |o| o.to_string(),
            );
            let list: Vec<String> = self.shared.origins.iter().map(Origin::to_string).collect();
            return Err(self.config_error(format!(
                "origin {shown} is not allowed for this plugin (allowed: {}); request not sent",
                list.join(", ")
            )));
        }
        Ok(url)
    }

    fn config_error(&self, message: String) -> Error {
        Error::config(self.redactor().redact(&message).into_owned())
            .with_plugin(self.shared.plugin.clone())
    }

    /// The redactor for one attempt: the client's, plus the secret values
    /// this request carries (signatures and keys computed for it included).
    fn attempt_redactor(&self, req: &Request, headers: &[Header]) -> Arc<Redactor> {
        let base = self.redactor();
        let mut secrets = req
            .query
            .iter()
            .chain(headers)
            .filter(|(_, _, secret)| *secret)
            .peekable();
        if secrets.peek().is_none() {
            return base;
        }
        let mut r = Redactor::clone(&base);
        for (_, value, _) in secrets {
            r.add(value);
        }
        Arc::new(r)
    }

    /// The URL as it may be logged: secret query values masked.
    fn loggable(&self, url: &url::Url, req: &Request, redactor: &Redactor) -> String {
        let mut shown = url.clone();
        if req.query.iter().any(|(_, _, secret)| *secret) {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let secret = req.query.iter().any(|(n, _, s)| *s && *n == k);
                    let v = if secret {
                        super::MASK.to_owned()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            shown.query_pairs_mut().clear().extend_pairs(pairs);
        }
        redactor.redact(shown.as_str()).into_owned()
    }

    /// Sends `req` through the retry loop and returns the answer the
    /// broker's classifier lets through; any other outcome is the broker's
    /// error (or a transport error naming host and cause), with the plugin
    /// and endpoint named. See the [module docs](super) for when a request
    /// is repeated and how long it may wait.
    pub async fn send(&self, req: Request) -> Result<Response> {
        let url = self.url_of(&req)?;
        let endpoint = req.endpoint();
        let classifier = req
            .classifier
            .clone()
            .unwrap_or_else(|| self.shared.classifier.clone());
        let policy = self.shared.retry;
        let started = Instant::now();
        let budget_end = {
            let own = started + policy.max_elapsed;
            super::deadline().map_or(own, |d| d.min(own))
        };
        let context = |e: Error| {
            e.with_operation(endpoint.clone())
                .with_plugin(self.shared.plugin.clone())
        };
        let not_sent = |wait: Duration| {
            tracing::debug!(plugin = %self.shared.plugin, endpoint = %endpoint, wait_ms = millis(wait), "not sent: the rate-limit wait is beyond the caller's budget");
            context(Error::new(
                ErrorKind::RateLimited {
                    retry_after: Some(wait),
                },
                format!(
                    "not sent: the broker's request budget resets in {} s, beyond the time this call may take",
                    wait.as_secs_f64().ceil()
                ),
            ))
        };
        let cost = self.shared.budget.as_ref().map(|b| b.cost_of(&req));
        let mut waits = policy.schedule();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if let Err(wait) = self.shared.gate.acquire_before(Some(budget_end)).await {
                return Err(not_sent(wait));
            }
            // Every attempt spends its cost: the server counts each one.
            let ticket = match (&self.shared.budget, cost) {
                (Some(budget), Some(cost)) => {
                    match budget.acquire_before(cost, Some(budget_end)).await {
                        Ok(ticket) => Some(ticket),
                        Err(wait) => return Err(not_sent(wait)),
                    }
                }
                _ => None,
            };
            let (error, retry_after) = match self.attempt(&req, &url, &endpoint, attempt).await? {
                Attempt::Answer(resp) => {
                    if let Some(ticket) = ticket {
                        ticket.answered(self.shared.budget_reader.and_then(|read| read(&resp)));
                    }
                    if matches!(resp.status(), 301 | 302 | 303 | 307 | 308) {
                        return Err(context(redirected(&resp)));
                    }
                    let Some(error) = classifier.classify(&resp) else {
                        return Ok(resp);
                    };
                    let error = context(error.with_status(resp.status()));
                    if !req.may_resend {
                        return Err(error);
                    }
                    let ra = error.retry_after();
                    (error, ra)
                }
                Attempt::Failed { error, connected } => {
                    drop(ticket);
                    if connected && !req.may_resend {
                        return Err(context(error));
                    }
                    (context(error), None)
                }
            };
            if !error.is_retryable() {
                return Err(error);
            }
            let Some(backoff) = waits.next() else {
                return Err(error);
            };
            let wait = retry_after.map_or(backoff, RetryPolicy::server_wait);
            if Instant::now() + wait > budget_end {
                return Err(error);
            }
            tracing::debug!(
                plugin = %self.shared.plugin, endpoint = %endpoint, attempt,
                wait_ms = millis(wait), "retrying: {error}"
            );
            match retry_after {
                // The server asked every caller to pause: hold the whole client.
                Some(_) => self.shared.gate.hold_until(Instant::now() + wait),
                None => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Where `url` is sent on the wire, and the `Host` it names, when its
    /// origin is routed to a local address. A routed URL that cannot be
    /// rewritten is an error, never sent to the real host.
    fn routed(&self, url: &url::Url) -> Result<Option<(url::Url, String)>> {
        let Some(to) = Origin::of(url).and_then(|o| self.shared.routes.get(&o)) else {
            return Ok(None);
        };
        let rewrite = || {
            let host = match url.port() {
                Some(port) => format!("{}:{port}", url.host_str()?),
                None => url.host_str()?.to_owned(),
            };
            let mut wire = url.clone();
            wire.set_scheme("http").ok()?;
            wire.set_ip_host(to.ip()).ok()?;
            wire.set_port(Some(to.port())).ok()?;
            Some((wire, host))
        };
        rewrite()
            .map(Some)
            .ok_or_else(|| self.config_error(format!("cannot route {url} to {to}")))
    }

    async fn attempt(
        &self,
        req: &Request,
        url: &url::Url,
        endpoint: &str,
        attempt: u32,
    ) -> Result<Attempt> {
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
        let redactor = self.attempt_redactor(req, &headers);
        let mut map = HeaderMap::new();
        for (name, value, secret) in &headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| self.config_error(format!("invalid header name {name:?}")))?;
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| self.config_error(format!("invalid value for header {name}")))?;
            value.set_sensitive(*secret);
            map.append(name, value);
        }
        let transport = match &self.shared.insecure {
            Some((origin, lenient)) if Origin::of(url).as_ref() == Some(origin) => lenient,
            _ => &self.shared.inner,
        };
        let mut builder = match self.routed(url)? {
            Some((wire, host)) => transport
                .request(req.method.to_reqwest(), wire)
                .headers(map)
                .header(reqwest::header::HOST, host),
            None => transport
                .request(req.method.to_reqwest(), url.clone())
                .headers(map),
        };
        if let Some((bytes, content_type)) = &req.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, *content_type)
                .body(bytes.clone());
        }
        let t0 = Instant::now();
        let _on_the_wire = self.shared.metrics.begin(endpoint);
        let mut received_status = None;
        let max = self.shared.max_answer_bytes;
        let result = async {
            let resp = builder.send().await?;
            received_status = Some(resp.status().as_u16());
            read_bounded(resp, max).await
        }
        .await;
        let latency = t0.elapsed();
        let shown = self.loggable(url, req, &redactor);
        let retry = attempt > 1;
        let error = match result {
            Ok(Err(TooLarge { announced })) => {
                let status = received_status.unwrap_or_default();
                self.shared.metrics.record(latency, false, retry, false);
                let message = match announced {
                    Some(n) => format!(
                        "the answer (HTTP {status}) announces {n} bytes, over the {max} bytes this plugin reads (network.max_answer_bytes): refused unread"
                    ),
                    None => format!(
                        "the answer (HTTP {status}) runs past the {max} bytes this plugin reads (network.max_answer_bytes): read no further"
                    ),
                };
                tracing::debug!(plugin = %self.shared.plugin, method = req.method.as_str(), url = %shown, status, latency_ms = millis(latency), attempt, "http answer too large");
                // The server answered: the request was received, and an
                // answer this large will not be smaller on a second try.
                return Ok(Attempt::Failed {
                    error: Error::protocol(endpoint, Some(status), message, ""),
                    connected: true,
                });
            }
            Ok(Ok((headers, body))) => {
                let status = received_status.unwrap_or_default();
                self.shared
                    .metrics
                    .record(latency, status < 400, retry, status == 429);
                tracing::debug!(plugin = %self.shared.plugin, method = req.method.as_str(), url = %shown, status, latency_ms = millis(latency), attempt, "http");
                return Ok(Attempt::Answer(Response {
                    status,
                    headers,
                    body,
                    endpoint: endpoint.to_owned(),
                    redactor,
                }));
            }
            Err(e) => e,
        };
        self.shared.metrics.record(latency, false, retry, false);
        let (kind, message) = self.describe(&error, url, received_status, &redactor);
        tracing::debug!(plugin = %self.shared.plugin, method = req.method.as_str(), url = %shown, latency_ms = millis(latency), attempt, error = %message, "http transport error");
        let mut e = Error::new(kind, message);
        if let Some(s) = received_status {
            e = e.with_status(s);
        }
        Ok(Attempt::Failed {
            error: e,
            // A request that failed to connect never reached the server.
            connected: !error.is_connect(),
        })
    }

    /// The kind and a message naming host, port and cause of a transport
    /// failure (reqwest's own text says only "error sending request").
    fn describe(
        &self,
        e: &reqwest::Error,
        url: &url::Url,
        status: Option<u16>,
        redactor: &Redactor,
    ) -> (ErrorKind, String) {
        let place = format!(
            "{}:{}",
            url.host_str().unwrap_or("?"),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut causes: Vec<String> = Vec::new();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            let text = s.to_string();
            if !text.is_empty() && !causes.iter().any(|c| c.contains(&text)) {
                causes.push(text);
            }
            source = s.source();
        }
        let cause = redactor.redact(&causes.join(": ")).into_owned();
        let cause = if cause.is_empty() {
            redactor.redact(&e.without_url_ref()).into_owned()
        } else {
            cause
        };
        if e.is_timeout() {
            let secs = self.shared.timeout.as_secs_f64();
            (
                ErrorKind::Timeout,
                format!("no answer from {place} within {secs} s"),
            )
        } else if e.is_connect() {
            (
                ErrorKind::Temporary,
                format!("cannot connect to {place}: {cause}"),
            )
        } else if let Some(s) = status {
            (
                ErrorKind::Temporary,
                format!("the answer from {place} (HTTP {s}) was cut short: {cause}"),
            )
        } else {
            (
                ErrorKind::Temporary,
                format!("request to {place} failed: {cause}"),
            )
        }
    }
}

/// reqwest's own message without the URL (which may hold secrets).
trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let text = self.to_string();
        match self.url() {
            Some(u) => text.replace(u.as_str(), "…"),
            None => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{header, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn a_routed_origin_reaches_the_mock_under_its_own_host() {
        let server = MockServer::start().await;
        Mock::given(path("/v2/balance"))
            .and(header("host", "api.example.com"))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
            .expect(1)
            .mount(&server)
            .await;
        let real = "https://api.example.com/v2";
        let client = HttpClient::builder("routed")
            .base_url(real)
            .unwrap()
            .route_origin(real, *server.address())
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(
            client.url_of(&Request::get("/balance")).unwrap().as_str(),
            "https://api.example.com/v2/balance",
            "the URL is the real one"
        );
        let answer = client.send(Request::get("/balance")).await.unwrap();
        assert_eq!(answer.status(), 200);
        // The allowlist is still checked on the real origin.
        let refused = client
            .send(Request::get("https://elsewhere.example.com/v2/balance"))
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), &ErrorKind::Config);
    }

    #[test]
    fn only_a_loopback_address_stands_in_for_a_host() {
        let away: SocketAddr = "10.1.2.3:8080".parse().unwrap();
        let err = HttpClient::builder("routed")
            .route_origin("https://api.example.com", away)
            .err()
            .unwrap();
        assert_eq!(err.kind(), &ErrorKind::Config);
        assert!(err.to_string().contains("loopback"), "{err}");
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let err = HttpClient::builder("routed")
            .route_origin("api.example.com", local)
            .err()
            .unwrap();
        assert!(err.to_string().contains("not an http(s) URL"), "{err}");
    }
}
