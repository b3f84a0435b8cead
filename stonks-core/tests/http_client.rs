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
    let req = Request::post("/order")
        .query("a", "1 2")
        .json_body(&serde_json::json!({"market": "BTC-EUR"}))
        .unwrap()
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
async fn other_statuses_are_answers_not_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/fail"))
        .respond_with(ResponseTemplate::new(500).set_body_string(r#"{"errorCode":999}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v2/auth"))
        .respond_with(ResponseTemplate::new(403).set_body_string("nope"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let resp = c.send(Request::get("/fail")).await.unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(
        resp.error_for_status().unwrap_err().kind(),
        &ErrorKind::Temporary
    );
    let auth = c
        .send(Request::get("/auth"))
        .await
        .unwrap()
        .error_for_status()
        .unwrap_err();
    assert_eq!(auth.kind(), &ErrorKind::Auth);
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
        err.to_string()
            .contains("not in the plugin's network.hosts"),
        "{err}"
    );
    // An explicit base_url override allows its own host.
    let c = client(&server);
    assert!(c.url_of(&Request::get("/x")).is_ok());
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
    assert!(err.to_string().contains("cannot connect"), "{err}");
    assert_eq!(c.metrics().snapshot().requests, 3);
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
