//! Every error kind, built through the real code paths with a secret in its
//! inputs: the secret appears in neither `Display` nor `Debug`.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use stonks_core::http::{HttpClient, Request, RetryPolicy};
use stonks_core::v2::{self, PortfolioQuery, TransactionQuery};
use stonks_core::{Error, ErrorKind, PluginContext, PluginRecord, Registry, Services};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "hunter2-api-secret-Zq9";

fn manifest(id: &str, min_api: &str) -> &'static str {
    let m = json!({
        "plugin": {"name": id, "version": "1.0.0", "type": "broker", "display_name": id,
                   "description": "secret test", "author": "tests", "license": "MIT"},
        "api": {"min_version": min_api, "max_version": "9.0.0", "interfaces": ["portfolio@2"]},
        "dependencies": {"core": "*"},
        "capabilities": {"services": ["portfolio"]},
        "configuration": {"fields": [
            {"name": "api_secret", "type": "string", "required": true, "secret": true, "description": "secret"}
        ]}
    });
    Box::leak(m.to_string().into_boxed_str())
}

struct Leaky;

#[async_trait]
impl v2::PortfolioService for Leaky {
    async fn snapshot(&self, _: &PortfolioQuery) -> stonks_core::Result<v2::PortfolioSnapshot> {
        panic!("crashed while holding {SECRET}");
    }
}

fn leaky(_: &PluginContext) -> stonks_core::Result<Services> {
    Ok(Services::new().portfolio_v2(Leaky))
}

fn failing_factory(ctx: &PluginContext) -> stonks_core::Result<Services> {
    use secrecy::ExposeSecret;
    let secret = ctx.settings().secret("api_secret").unwrap().expose_secret();
    Err(Error::auth(format!("login refused for key {secret}")))
}

fn assert_clean(errors: &[Error]) {
    for e in errors {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(SECRET), "secret leaked: {shown}");
    }
}

#[tokio::test]
async fn no_error_kind_shows_a_secret() {
    let mut errors = Vec::new();

    // Manifest: a secret written as a secret field's default.
    let with_default = manifest("defaulted", "1.0.0").replace(
        r#""secret":true,"#,
        &format!(r#""secret":true,"default":"{SECRET}","required":false,"#),
    );
    let with_default = with_default.replacen(r#""required":true,"#, "", 1);
    let err: Error = stonks_core::Manifest::from_json(&with_default)
        .unwrap_err()
        .into();
    assert_eq!(err.kind(), &ErrorKind::Manifest);
    errors.push(err);

    let registry = Registry::builder()
        .register(PluginRecord::new(manifest("leaky", "1.0.0"), leaky))
        .register(PluginRecord::new(
            manifest("refuser", "1.0.0"),
            failing_factory,
        ))
        .register(PluginRecord::new(manifest("future", "5.0.0"), leaky))
        .build();

    // Config: the secret given with the wrong type, and as an unknown key's value.
    let err = registry
        .activate("leaky", &json!({"api_secret": [SECRET], "oops": SECRET}))
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Config);
    errors.push(err);

    // Incompatible.
    let err = registry
        .activate("future", &json!({"api_secret": SECRET}))
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Incompatible);
    errors.push(err);

    // Plugin: a factory whose error quotes the secret, and a panic quoting it.
    let err = registry
        .activate("refuser", &json!({"api_secret": SECRET}))
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Plugin);
    errors.push(err);
    registry
        .activate("leaky", &json!({"api_secret": SECRET}))
        .unwrap();
    let err = registry
        .portfolio_v2("leaky")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Plugin);
    errors.push(err);
    let catalog = format!("{:?}", registry.catalog());
    assert!(!catalog.contains(SECRET), "catalog leaked the secret");

    // Unsupported.
    let err = registry.transactions_v2("leaky").err().unwrap();
    assert_eq!(err.kind(), &ErrorKind::Unsupported);
    errors.push(err);
    let _ = TransactionQuery::new();

    // Broker answers: auth, rate limit, temporary, protocol; all quote the secret.
    let server = MockServer::start().await;
    for (p, status) in [
        ("/auth", 403),
        ("/limit", 429),
        ("/down", 503),
        ("/garbled", 200),
    ] {
        Mock::given(path(p))
            .respond_with(
                ResponseTemplate::new(status).set_body_string(format!("<html>{SECRET}</html>")),
            )
            .mount(&server)
            .await;
    }
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(500)))
        .mount(&server)
        .await;
    let client = HttpClient::builder("secretive")
        .base_url(&server.uri())
        .unwrap()
        .secret(SECRET)
        .retry(RetryPolicy::none())
        .timeouts(Duration::from_millis(100), Duration::from_millis(100))
        .build()
        .unwrap();
    let send = |p: &str| {
        client.send(
            Request::get(p)
                .secret_query("key", SECRET)
                .secret_header("x-key", SECRET),
        )
    };

    // A broker's classifier that quotes the key back in its message.
    let quoting = |r: &stonks_core::http::Response| {
        (r.status() >= 400).then(|| r.status_error(Some(&format!("invalid key {SECRET}"))))
    };
    let err = client
        .send(
            Request::get("/auth")
                .secret_query("key", SECRET)
                .classifier(std::sync::Arc::new(quoting)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Auth);
    errors.push(err);
    let err = send("/limit").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::RateLimited { .. }));
    errors.push(err);
    let err = send("/down").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Temporary);
    errors.push(err);
    let err = send("/garbled")
        .await
        .unwrap()
        .json::<Vec<u8>>()
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    errors.push(err);
    let err = send("/slow").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Timeout);
    errors.push(err);

    // A connection failure to a URL carrying the secret in its query.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = HttpClient::builder("secretive")
        .base_url(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .secret(SECRET)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = closed
        .send(Request::get("/x").secret_query("key", SECRET))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Temporary);
    errors.push(err);

    let kinds: std::collections::BTreeSet<&str> = errors.iter().map(|e| e.kind().name()).collect();
    assert_eq!(kinds.len(), 10, "every kind covered: {kinds:?}");
    assert_clean(&errors);
}
