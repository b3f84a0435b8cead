//! OpenFIGI's one endpoint used here, `POST /v3/mapping`, with or without
//! an API key, and the classifier that keeps OpenFIGI's own words.

use std::fmt;

use serde::Deserialize;
use stonks_core::http::{HttpClient, Request, Response};
use stonks_core::manifest::RateLimit;
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::{Error, PluginContext, Result};

use crate::DEFAULT_BASE_URL;
use crate::wire::MappingJob;

/// The mapping endpoint: a JSON array of jobs in, an array of answers out.
pub const MAPPING: &str = "/v3/mapping";

/// Jobs in one request without a key (OpenFIGI answers more with 413).
pub const JOBS_PER_REQUEST: usize = 10;

/// Jobs in one request with an API key.
pub const JOBS_PER_REQUEST_WITH_KEY: usize = 100;

/// The gate with a key. OpenFIGI allows 25 requests in any 6 seconds; core's
/// limiter lets a whole burst go at once and then one request a period, so
/// burst plus the requests of one window must stay under 25: 3 at once,
/// then one every 333 ms, at most 21 in any 6 s. Without a key the
/// manifest's `network.rate_limit` applies (4 at once, then one every 3 s:
/// at most 24 in any minute, where OpenFIGI allows 25).
pub const RATE_LIMIT_WITH_KEY: RateLimit = RateLimit {
    requests: 3,
    per_seconds: 1,
};

/// The header carrying the key.
const KEY_HEADER: &str = "X-OPENFIGI-APIKEY";

/// The plugin's settings (`base_url` is applied by core's client builder).
#[derive(Deserialize)]
pub struct Config {
    /// The API key, when the user has one.
    pub api_key: Option<SecretString>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// An OpenFIGI client.
pub struct Client {
    http: HttpClient,
    api_key: Option<SecretString>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("http", &self.http)
            .field("keyed", &self.api_key.is_some())
            .finish()
    }
}

impl Client {
    /// A client from the plugin's checked configuration: the key's higher
    /// rate limit when a key is set, the manifest's otherwise.
    pub fn new(ctx: &PluginContext) -> Result<Self> {
        let config: Config = ctx.config()?;
        let api_key = config
            .api_key
            .filter(|k| !k.expose_secret().trim().is_empty());
        let mut builder = ctx
            .http_client_builder(DEFAULT_BASE_URL)?
            .classifier(classify);
        if api_key.is_some() {
            builder = builder.rate_limit(RATE_LIMIT_WITH_KEY);
        }
        Ok(Client {
            http: builder.build()?,
            api_key,
        })
    }

    /// How many jobs one request may carry.
    pub fn jobs_per_request(&self) -> usize {
        if self.api_key.is_some() {
            JOBS_PER_REQUEST_WITH_KEY
        } else {
            JOBS_PER_REQUEST
        }
    }

    /// `POST /v3/mapping` with `jobs`: a lookup, so safe to send again.
    pub async fn map(&self, jobs: &[MappingJob<'_>]) -> Result<Response> {
        let mut req = Request::post(MAPPING).json_body(&jobs)?.read_only();
        if let Some(key) = &self.api_key {
            req = req.secret_header(KEY_HEADER, key.expose_secret());
        }
        self.http.send(req).await
    }

    /// What the client masks, for messages built from answers.
    pub fn redact(&self, text: &str) -> String {
        self.http.redactor().redact(text).into_owned()
    }
}

/// Core's reading of the status, with OpenFIGI's own words: its errors are
/// one line of plain text (`Too many requests, please try again later.`,
/// `API Key is invalid.`), quoted when the body is short text.
fn classify(answer: &Response) -> Option<Error> {
    if answer.status() < 400 {
        return None;
    }
    let text = String::from_utf8_lossy(answer.body());
    let text = text.trim();
    let said = (!text.is_empty() && text.len() <= 200 && !text.starts_with('<'))
        .then(|| format!("OpenFIGI: {text}"));
    Some(answer.status_error(said.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_never_shown() {
        let with: Config =
            serde_json::from_value(serde_json::json!({"api_key": "k3y-v4lue"})).unwrap();
        let shown = format!("{with:?}");
        assert!(
            !shown.contains("k3y-v4lue") && shown.contains("REDACTED"),
            "{shown}"
        );
        let without: Config = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(format!("{without:?}"), "Config { api_key: None }");
    }
}
