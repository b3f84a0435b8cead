//! The core HTTP client against wiremock: URL building, signing per attempt,
//! retry and backoff, Retry-After, the rate limiter, the host allowlist,
//! timeouts, protocol errors, metrics and redaction.

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use stonks_core::ErrorKind;
use stonks_core::http::{HttpClient, Outgoing, Request, RetryPolicy, Sign};
use stonks_core::manifest::RateLimit;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "sk-live-7f3a9c1e";

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .attempts(3)
        .delays(Duration::from_millis(5), Duration::from_millis(20))
}

fn client(server: &MockServer) -> HttpClient {
    HttpClient::builder("test-broker")
        .base_url(&format!("{}/v2", server.uri()))
        .unwrap()
        .retry(fast_retry())
        .secret(SECRET)
        .build()
        .unwrap()
}

#[tokio::test]
async fn joins_base_path_and_sends_query_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/balance"))
        .and(query_param("symbol", "BTC"))
        .and(header("x-plain", "1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"[{"symbol":"BTC","available":"1.57"}]"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let resp = client(&server)
        .send(
            Request::get("/balance")
                .query("symbol", "BTC")
                .header("x-plain", "1"),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().unwrap();
    assert_eq!(v[0]["available"], "1.57");
}

struct CountingSigner {
    calls: AtomicU32,
    seen: Mutex<Vec<String>>,
}

impl Sign for CountingSigner {
    fn sign(&self, out: &mut Outgoing<'_>) -> stonks_core::Result<()> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        self.seen.lock().unwrap().push(format!(
            "{} {} {}",
            out.method().as_str(),
            out.path_and_query(),
            String::from_utf8_lossy(out.body())
        ));
        out.header("x-attempt-signature", format!("sig-{n}"), true);
        Ok(())
    }
}

#[tokio::test]
async fn retries_503_and_signs_every_attempt_afresh() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/order"))
        .and(header("x-attempt-signature", "sig-1"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/order"))
        .and(header("x-attempt-signature", "sig-2"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let signer = Arc::new(CountingSigner {
        calls: AtomicU32::new(0),
        seen: Mutex::new(vec![]),
    });
    let c = client(&server);
    // A POST that only reads may be sent again.
    let req = Request::post("/order")
        .query("a", "1 2")
        .json_body(&serde_json::json!({"market": "BTC-EUR"}))
        .unwrap()
        .read_only()
        .signed(signer.clone());
    let resp = c.send(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        *signer.seen.lock().unwrap(),
        vec![
            r#"POST /v2/order?a=1+2 {"market":"BTC-EUR"}"#.to_owned(),
            r#"POST /v2/order?a=1+2 {"market":"BTC-EUR"}"#.to_owned()
        ]
    );
    let m = c.metrics().snapshot();
    assert_eq!((m.requests, m.errors, m.retries), (2, 1, 1));
    assert!(m.last_success.is_some());
}

#[tokio::test]
async fn honours_retry_after() {
    let server = MockServer::start().await;
    let hits = Arc::new(AtomicU32::new(0));
    let h = hits.clone();
    Mock::given(path("/v2/ticker"))
        .respond_with(move |_: &wiremock::Request| {
            if h.fetch_add(1, Ordering::SeqCst) == 0 {
                ResponseTemplate::new(429).insert_header("Retry-After", "1")
            } else {
                ResponseTemplate::new(200).set_body_string("[]")
            }
        })
        .mount(&server)
        .await;
    let started = Instant::now();
    let resp = client(&server).send(Request::get("/ticker")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn gives_up_after_max_attempts() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/busy"))
        .respond_with(ResponseTemplate::new(502))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(path("/v2/limited"))
        .respond_with(ResponseTemplate::new(429))
        .expect(3)
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.send(Request::get("/busy")).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Temporary);
    assert!(err.is_retryable());
    assert_eq!(err.plugin(), Some("test-broker"));
    assert_eq!(err.operation(), Some("GET /busy"));
    let err = c.send(Request::get("/limited")).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::RateLimited { retry_after: None });
}

#[tokio::test]
async fn total_time_budget_stops_long_waits() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/slow-down"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let c = HttpClient::builder("test-broker")
        .base_url(&server.uri())
        .unwrap()
        .retry(fast_retry().max_elapsed(Duration::from_secs(5)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.send(Request::get("/v2/slow-down")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn statuses_are_classified_and_only_retryable_ones_repeated() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/fail"))
        .respond_with(ResponseTemplate::new(500).set_body_string(r#"{"errorCode":999}"#))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(path("/v2/auth"))
        .respond_with(ResponseTemplate::new(403).set_body_string("nope"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v2/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no such thing"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.send(Request::get("/fail")).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (&ErrorKind::Temporary, Some(500))
    );
    let auth = c.send(Request::get("/auth")).await.unwrap_err();
    assert_eq!((auth.kind(), auth.status()), (&ErrorKind::Auth, Some(403)));
    let missing = c.send(Request::get("/missing")).await.unwrap_err();
    assert_eq!(missing.kind(), &ErrorKind::Protocol);
    assert_eq!(missing.protocol_details().unwrap().excerpt, "no such thing");
}

/// A broker whose answers carry their own error codes, like Bitvavo's
/// `{"errorCode": 107}` (busy: try again) and `{"errorCode": 110}` on a 429.
fn coded(r: &stonks_core::http::Response) -> Option<stonks_core::Error> {
    use stonks_core::Error;
    if r.is_success() {
        return None;
    }
    let body: serde_json::Value = r.json().ok()?;
    let code = body["errorCode"].as_u64().unwrap_or(0);
    let text = format!(
        "broker error {code}: {}",
        body["error"].as_str().unwrap_or("")
    );
    Some(match code {
        107 => Error::new(ErrorKind::Temporary, text),
        110 => Error::new(
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_millis(30)),
            },
            text,
        ),
        _ => r.protocol_error(text),
    })
}

#[tokio::test]
async fn the_brokers_classifier_decides_inside_the_loop() {
    let server = MockServer::start().await;
    let hits = Arc::new(AtomicU32::new(0));
    let h = hits.clone();
    // A 400 the status alone would call final, which the broker calls busy.
    Mock::given(path("/v2/busy"))
        .respond_with(move |_: &wiremock::Request| {
            if h.fetch_add(1, Ordering::SeqCst) == 0 {
                ResponseTemplate::new(400).set_body_string(
                    r#"{"errorCode":107,"error":"The matching engine is overloaded."}"#,
                )
            } else {
                ResponseTemplate::new(200).set_body_string("[]")
            }
        })
        .mount(&server)
        .await;
    Mock::given(path("/v2/limited"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_string(r#"{"errorCode":110,"error":"Rate limit exceeded."}"#),
        )
        .expect(3)
        .mount(&server)
        .await;
    let c = HttpClient::builder("coded-broker")
        .base_url(&format!("{}/v2", server.uri()))
        .unwrap()
        .retry(fast_retry())
        .classifier(coded)
        .build()
        .unwrap();
    let ok = c.send(Request::get("/busy")).await.unwrap();
    assert_eq!((ok.status(), hits.load(Ordering::SeqCst)), (200, 2));
    let err = c.send(Request::get("/limited")).await.unwrap_err();
    // The broker's own error reaches the caller, not a bare "HTTP 429".
    assert_eq!(
        err.to_string(),
        "[coded-broker] GET /limited: rate_limited error: broker error 110: Rate limit exceeded. (retry after 30 ms)"
    );
    assert_eq!(err.status(), Some(429));
}

#[tokio::test]
async fn a_request_that_may_have_changed_state_is_never_sent_again() {
    let server = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/totp"))
        .respond_with(ResponseTemplate::new(504))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/spend-code"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/search"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let c = HttpClient::builder("test-broker")
        .base_url(&server.uri())
        .unwrap()
        .retry(fast_retry())
        .build()
        .unwrap();
    let login = Request::post("/login")
        .json_body(&serde_json::json!({"password": SECRET}))
        .unwrap();
    assert_eq!(
        c.send(login).await.unwrap_err().kind(),
        &ErrorKind::Temporary
    );
    let totp = Request::post("/totp")
        .json_body(&serde_json::json!({"oneTimePassword": "123456"}))
        .unwrap();
    assert_eq!(c.send(totp).await.unwrap_err().status(), Some(504));
    assert!(c.send(Request::get("/spend-code").once()).await.is_err());
    // A POST marked as only reading is repeated like a GET.
    assert!(c.send(Request::post("/search").read_only()).await.is_err());
    // wiremock checks the counts (1, 1, 1, 3) when the server drops.
}

fn budget(r: &stonks_core::http::Response) -> Option<stonks_core::http::Budget> {
    let remaining = r.header("x-remaining")?.parse().ok()?;
    let reset_ms: u64 = r.header("x-reset-in-ms")?.parse().ok()?;
    Some(stonks_core::http::Budget {
        remaining,
        resets_in: Duration::from_millis(reset_ms),
    })
}

#[tokio::test]
async fn a_spent_budget_is_obeyed_before_the_next_request() {
    let server = MockServer::start().await;
    Mock::given(path("/spent"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-remaining", "0")
                .insert_header("x-reset-in-ms", "60000")
                .set_body_string("[]"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/soon"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-remaining", "2")
                .insert_header("x-reset-in-ms", "700")
                .set_body_string("[]"),
        )
        .expect(2)
        .mount(&server)
        .await;
    let client = || {
        HttpClient::builder("budgeted")
            .base_url(&server.uri())
            .unwrap()
            .budget_headers(budget, 5)
            .build()
            .unwrap()
    };
    // The reset is 60 s away, beyond the caller's 3 s: refused at once,
    // not sent (wiremock counts one request).
    let c = client();
    let started = Instant::now();
    let second = stonks_core::http::with_deadline(
        tokio::time::Instant::now() + Duration::from_secs(3),
        async {
            c.send(Request::get("/spent")).await.unwrap();
            c.send(Request::get("/spent")).await
        },
    )
    .await
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    let wait = second.retry_after().unwrap();
    assert!(wait > Duration::from_secs(58), "{wait:?}");
    assert!(second.to_string().contains("not sent"), "{second}");
    // A reset within the budget is waited for.
    let c = client();
    let started = Instant::now();
    c.send(Request::get("/soon")).await.unwrap();
    c.send(Request::get("/soon")).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(650),
        "{:?}",
        started.elapsed()
    );
}

/// A broker that weighs its endpoints: `/heavy` costs 5, the rest 1.
fn weight(req: &Request) -> u64 {
    if req.path() == "/heavy" { 5 } else { 1 }
}

#[tokio::test]
async fn requests_are_counted_by_weight_before_they_are_sent() {
    let server = MockServer::start().await;
    let arrivals: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let log = arrivals.clone();
    Mock::given(wiremock::matchers::any())
        .respond_with(move |req: &wiremock::Request| {
            log.lock()
                .unwrap()
                .push((req.url.path().to_owned(), Instant::now()));
            // 28 left: weight 1 leaves 27, weight 5 would leave 23 < 25.
            ResponseTemplate::new(200)
                .insert_header("x-remaining", "28")
                .insert_header("x-reset-in-ms", "700")
                .set_body_string("[]")
        })
        .mount(&server)
        .await;
    let c = HttpClient::builder("weighed")
        .base_url(&server.uri())
        .unwrap()
        .budget_headers(budget, 25)
        .request_cost(weight)
        .build()
        .unwrap();
    let started = Instant::now();
    c.send(Request::get("/light")).await.unwrap();
    c.send(Request::get("/light")).await.unwrap();
    c.send(Request::get("/heavy")).await.unwrap();
    let arrivals = arrivals.lock().unwrap().clone();
    let at: Vec<(&str, u128)> = arrivals
        .iter()
        .map(|(p, t)| (p.as_str(), t.duration_since(started).as_millis() / 100))
        .collect();
    assert_eq!(at[0..2], [("/light", 0), ("/light", 0)], "{at:?}");
    assert_eq!(at[2].0, "/heavy");
    assert!(
        arrivals[2].1.duration_since(arrivals[1].1) >= Duration::from_millis(650),
        "the heavy request waited for the reset: {at:?}"
    );
}

#[tokio::test]
async fn without_headers_the_published_limit_is_counted_down_locally() {
    let server = MockServer::start().await;
    Mock::given(path("/heavy"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .expect(2)
        .mount(&server)
        .await;
    // 12 points a minute, 2 kept back: a weight-5 request fits twice.
    let c = HttpClient::builder("weighed")
        .base_url(&server.uri())
        .unwrap()
        .budget_limit(12, Duration::from_secs(60))
        .budget_headers(budget, 2)
        .request_cost(weight)
        .build()
        .unwrap();
    let third = stonks_core::http::with_deadline(
        tokio::time::Instant::now() + Duration::from_secs(5),
        async {
            c.send(Request::get("/heavy")).await.unwrap();
            c.send(Request::get("/heavy")).await.unwrap();
            c.send(Request::get("/heavy")).await
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(third.kind(), ErrorKind::RateLimited { retry_after: Some(w) } if *w > Duration::from_secs(55)),
        "{third:?}"
    );
    // wiremock checks that the third was never sent.
}

#[tokio::test]
async fn host_allowlist_blocks_before_sending() {
    let server = MockServer::start().await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let c = HttpClient::builder("test-broker")
        .base_url("https://api.example.com/v2")
        .unwrap()
        .allow_host("api.example.com")
        .build()
        .unwrap();
    // The mock server's host (127.0.0.1) is not allowed.
    let err = c
        .send(Request::get(format!("{}/elsewhere", server.uri())))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Config);
    assert!(
        err.to_string().contains(&format!(
            "origin {} is not allowed for this plugin (allowed: https://api.example.com:443)",
            server.uri()
        )),
        "{err}"
    );
    // An explicit base_url override allows its own origin, and only that:
    // the same host on another port or scheme is refused.
    let c = client(&server);
    assert!(c.url_of(&Request::get("/x")).is_ok());
    let port = server.address().port();
    let other = format!("http://127.0.0.1:{}/x", port.wrapping_add(1));
    assert!(c.url_of(&Request::get(other)).is_err());
    let https = format!("https://127.0.0.1:{port}/x");
    assert!(c.url_of(&Request::get(https)).is_err());
}

#[tokio::test]
async fn connect_errors_are_retried_then_temporary() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = HttpClient::builder("test-broker")
        .base_url(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = c.send(Request::get("/x")).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Temporary);
    let shown = err.to_string();
    assert!(
        shown.contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{shown}"
    );
    assert!(
        shown.to_lowercase().contains("refused"),
        "the cause is kept: {shown}"
    );
    assert_eq!(c.metrics().snapshot().requests, 3);
    // A request that never connected never reached the server: even a
    // login POST is safe to repeat.
    let _ = c.send(Request::post("/login")).await.unwrap_err();
    assert_eq!(c.metrics().snapshot().requests, 6);
}

#[tokio::test]
async fn slow_answers_time_out() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(800)))
        .mount(&server)
        .await;
    let c = HttpClient::builder("test-broker")
        .base_url(&server.uri())
        .unwrap()
        .retry(RetryPolicy::none())
        .timeouts(Duration::from_millis(200), Duration::from_millis(200))
        .build()
        .unwrap();
    let err = c.send(Request::get("/slow")).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Timeout);
}

#[tokio::test]
async fn rate_limit_spaces_requests() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(200))
        .expect(4)
        .mount(&server)
        .await;
    let c = HttpClient::builder("test-broker")
        .base_url(&server.uri())
        .unwrap()
        .rate_limit(RateLimit {
            requests: 2,
            per_seconds: 1,
        })
        .build()
        .unwrap();
    let started = Instant::now();
    for _ in 0..4 {
        c.send(Request::get("/r")).await.unwrap();
    }
    // A burst of 2, then one every 500 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn protocol_errors_and_logs_never_show_secrets() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(path("/v2/account"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(format!(r#"{{"fees": "{SECRET}", "tier": "x"}}"#)),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v2/flaky"))
        .respond_with(ResponseTemplate::new(503).set_body_string(SECRET))
        .mount(&server)
        .await;
    let c = client(&server);
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Account {
        fees: u32,
    }
    let resp = c
        .send(
            Request::get("/account")
                .secret_query("token", SECRET)
                .secret_header("x-key", SECRET),
        )
        .await
        .unwrap();
    let err = resp.json::<Account>().unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    let details = err.protocol_details().unwrap();
    assert_eq!(details.endpoint, "GET /account");
    assert_eq!(details.status, Some(200));
    assert!(err.message().contains("unexpected body at fees"), "{err}");
    let _ = c
        .send(Request::get("/flaky").secret_query("token", SECRET))
        .await
        .unwrap_err();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("/v2/account"), "logs were captured: {logs}");
    for shown in [err.to_string(), format!("{err:?}"), logs] {
        assert!(!shown.contains(SECRET), "secret leaked in: {shown}");
    }
}

/// Answers 400 with every request header and the request body echoed back,
/// as some servers' error pages do.
struct Echo;

impl wiremock::Respond for Echo {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let mut text = String::new();
        for (name, value) in &req.headers {
            text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
        }
        text.push_str(&String::from_utf8_lossy(&req.body));
        text.push_str(&format!("\nurl: {}", req.url));
        ResponseTemplate::new(400).set_body_string(text)
    }
}

#[tokio::test]
async fn echoed_headers_and_escaped_bodies_are_redacted() {
    // A password with the characters JSON and URLs escape, a signature the
    // client computed per request, and a token sent in the query.
    const PASSWORD: &str = r#"pa"ss\wo/rd&=+ü 1"#;
    const SIGNATURE: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    let c = HttpClient::builder("test-broker")
        .base_url(&server.uri())
        .unwrap()
        .retry(RetryPolicy::none())
        .secret(PASSWORD)
        .build()
        .unwrap();
    let req = Request::post("/login")
        .json_body(&serde_json::json!({"username": "jane", "password": PASSWORD}))
        .unwrap()
        .secret_header("x-signature", SIGNATURE)
        .secret_query("token", PASSWORD);
    let err = c.send(req).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("x-signature: [REDACTED]"),
        "the echo is shown, masked: {shown}"
    );
    let json_escaped = serde_json::to_string(PASSWORD).unwrap();
    let url_encoded: String = url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect();
    for leak in [
        PASSWORD,
        json_escaped.trim_matches('"'),
        url_encoded.as_str(),
        SIGNATURE,
    ] {
        assert!(!shown.contains(leak), "{leak} leaked in: {shown}");
    }
}

#[tokio::test]
async fn a_truncated_body_keeps_its_cause() {
    // A raw server that promises 100 bytes, sends 12 and hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"balance\": ")
                .await;
            let _ = sock.shutdown().await;
        }
    });
    let c = HttpClient::builder("test-broker")
        .base_url(&format!("http://{addr}"))
        .unwrap()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.send(Request::get("/balance")).await.unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("GET /balance"), "names the call: {shown}");
    assert!(
        shown.contains("cut short") && shown.contains("end of file before message length reached"),
        "says the body was cut off, not only that something failed: {shown}"
    );
}

#[tokio::test]
async fn an_answer_announced_over_the_limit_is_refused_unread() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/activities"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(2048)))
        // Once refused (never retried), once read by a client that allows it.
        .expect(2)
        .mount(&server)
        .await;
    let c = HttpClient::builder("test-broker")
        .base_url(&format!("{}/v2", server.uri()))
        .unwrap()
        .retry(fast_retry())
        .max_answer_bytes(1024)
        .build()
        .unwrap();
    let e = c.send(Request::get("/activities")).await.unwrap_err();
    // Not retried: the same answer would be as large the second time.
    assert_eq!(e.kind(), &ErrorKind::Protocol, "{e}");
    let shown = e.to_string();
    assert!(
        shown.contains("announces 2048 bytes, over the 1024 bytes"),
        "{shown}"
    );
    assert!(shown.contains("network.max_answer_bytes"), "{shown}");
    // Within the limit, the same answer is read.
    let c = HttpClient::builder("test-broker")
        .base_url(&format!("{}/v2", server.uri()))
        .unwrap()
        .max_answer_bytes(2048)
        .build()
        .unwrap();
    assert_eq!(
        c.send(Request::get("/activities"))
            .await
            .unwrap()
            .body()
            .len(),
        2048
    );
}

/// A server that streams a chunked body of `chunks` chunks of 1 MiB with no
/// length, and counts the bytes it managed to send before the reader left.
async fn endless_body(chunks: usize) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let mut req = [0u8; 4096];
        let _ = sock.read(&mut req).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if sock.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..chunks {
            let frame = format!("{:x}\r\n", chunk.len());
            let wrote = async {
                sock.write_all(frame.as_bytes()).await?;
                sock.write_all(&chunk).await?;
                sock.write_all(b"\r\n").await
            }
            .await;
            if wrote.is_err() {
                return;
            }
            counter.fetch_add(chunk.len(), Ordering::SeqCst);
        }
        let _ = sock.write_all(b"0\r\n\r\n").await;
    });
    (format!("http://{addr}"), sent)
}

#[tokio::test]
async fn a_streamed_answer_is_cut_at_the_limit_not_read_whole() {
    // 200 MiB offered without a length; the client reads at most 4 MiB.
    let (base, sent) = endless_body(200).await;
    let c = HttpClient::builder("test-broker")
        .base_url(&base)
        .unwrap()
        .retry(fast_retry())
        .max_answer_bytes(4 << 20)
        .build()
        .unwrap();
    let e = c.send(Request::get("/activities")).await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Protocol, "{e}");
    assert!(e.to_string().contains("runs past the 4194304 bytes"), "{e}");
    // Let the server notice the reader is gone.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = sent.load(Ordering::SeqCst);
    assert!(
        sent < 64 << 20,
        "the server sent {sent} bytes before the client left"
    );
}

#[tokio::test]
async fn a_redirect_is_an_error_naming_where_it_pointed_without_its_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/account"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("https://me:{SECRET}@login.example.com/sso?token={SECRET}").as_str(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .send(Request::get("/account"))
        .await
        .unwrap_err();
    let shown = e.to_string();
    assert_eq!(e.kind(), &ErrorKind::Protocol, "{shown}");
    assert!(
        shown.contains("redirected (HTTP 302) to https://login.example.com/sso;"),
        "{shown}"
    );
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(!shown.contains("EOF"), "{shown}");
}
