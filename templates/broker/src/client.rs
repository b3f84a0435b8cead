//! Auth, one function per endpoint, and the classifier core's retry loop
//! runs on every answer.

use stonks_core::http::{HttpClient, Request, Response, classify_status};
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::{Error, PluginContext, Result};

use crate::config::Config;

/// The broker's production API; `base_url` in the configuration overrides it.
pub const DEFAULT_BASE_URL: &str = "https://{{api_host}}";

/// The most rows one activities page may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

/// The broker's errors are `{"message": "..."}` with the usual statuses:
/// keep its message, and let core's mapping decide the kind, and so whether
/// the retry loop tries again (401/403 `Auth`; 429 `RateLimited` with
/// `Retry-After`; 500 and 502-504 `Temporary`; other statuses `Protocol`).
/// A broker with error codes of its own maps them here, e.g. a 200 whose
/// body says "session expired" to `Error::auth`.
fn classify(resp: &Response) -> Option<Error> {
    classify_status(resp)?;
    let message = serde_json::from_slice::<serde_json::Value>(resp.body())
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned));
    Some(resp.status_error(message.as_deref()))
}

/// A client for one token.
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

    /// Sends `req` with the token as a secret header: redacted from every
    /// error and log line, in every encoding.
    async fn get(&self, req: Request) -> Result<Response> {
        let auth = format!("Bearer {}", self.token.expose_secret());
        self.http
            .send(req.secret_header("Authorization", auth))
            .await
    }

    /// `GET /v1/positions`: positions and cash of the account.
    pub async fn positions(&self) -> Result<Response> {
        self.get(Request::get("/v1/positions")).await
    }

    /// `GET /v1/activities`: one page of the account's activities, oldest
    /// first, continued at the broker's own `cursor`.
    pub async fn activities(&self, cursor: Option<&str>, page_size: u32) -> Result<Response> {
        let mut req = Request::get("/v1/activities").query("page_size", page_size.to_string());
        if let Some(c) = cursor {
            req = req.query("cursor", c);
        }
        self.get(req).await
    }
}
