//! Auth, one function per endpoint, and the classifier core's retry loop
//! runs on every answer.

use stonks_core::http::{HttpClient, Request, Response, classify_status};
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::{Error, PluginContext, Result};

use crate::config::Config;

/// Acme's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.acme-broker.example";

/// Acme's errors are `{"message": "..."}` with the usual statuses: keep its
/// message, let core's mapping decide the kind (and so whether to retry).
fn classify(resp: &Response) -> Option<Error> {
    classify_status(resp)?;
    let message = serde_json::from_slice::<serde_json::Value>(resp.body())
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned));
    Some(resp.status_error(message.as_deref()))
}

/// An Acme client for one token.
pub struct Client {
    http: HttpClient,
    token: SecretString,
}

impl Client {
    pub fn new(ctx: &PluginContext) -> Result<Self> {
        let config: Config = ctx.config()?;
        let http = ctx
            .http_client_builder(DEFAULT_BASE_URL)?
            .classifier(classify)
            .build()?;
        Ok(Client {
            http,
            token: config.token,
        })
    }

    async fn get(&self, req: Request) -> Result<Response> {
        let auth = format!("Bearer {}", self.token.expose_secret());
        self.http
            .send(req.secret_header("Authorization", auth))
            .await
    }

    /// `GET /v1/positions`.
    pub async fn positions(&self) -> Result<Response> {
        self.get(Request::get("/v1/positions")).await
    }

    /// `GET /v1/activities`, continued at Acme's own `cursor`.
    pub async fn activities(&self, cursor: Option<&str>) -> Result<Response> {
        let mut req = Request::get("/v1/activities");
        if let Some(c) = cursor {
            req = req.query("cursor", c);
        }
        self.get(req).await
    }
}
