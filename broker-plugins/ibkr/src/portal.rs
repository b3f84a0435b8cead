//! The Client Portal Web API (live positions and cash): one function per
//! endpoint and its classifier.
//!
//! Through the gateway (`https://localhost:5000/v1/api`) the session is the
//! one the user logged in to in a browser; through OAuth
//! (`https://api.ibkr.com/v1/api`) a Bearer token obtained outside stonks.
//! The gateway's self-signed certificate is accepted only when the user
//! set `portal_accept_invalid_certs`, and only from `portal_url`'s origin.

use std::sync::Arc;
use std::time::Duration;

use stonks_core::http::{HttpClient, Request, Response};
use stonks_core::manifest::RateLimit;
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::{Error, ErrorKind, PluginContext, Result};

use crate::config::Config;

/// The smallest page size of `/portfolio/{accountId}/positions/{pageId}`
/// IBKR has used (older docs: 30; its docs now state 100). A page with at
/// least this many rows, and as many as the first page, may have a next.
pub const SMALLEST_PAGE: usize = 30;

/// At most this many position pages per account (a bound against a server
/// that never sends a short page).
pub const MAX_PAGES: u32 = 500;

/// Requests a second through the gateway (IBKR's pacing limit for it).
pub const REQUESTS_PER_SECOND: u32 = 10;

/// A Client Portal Web API client.
pub struct PortalClient {
    http: HttpClient,
    token: Option<SecretString>,
    /// The error text of a session that is not logged in.
    not_logged_in: Arc<str>,
}

/// Whether `page` (with `rows` rows) may be followed by another, given the
/// first page had `first` rows.
pub fn has_next_page(rows: usize, first: usize) -> bool {
    rows >= SMALLEST_PAGE && rows >= first
}

impl PortalClient {
    /// A client when the configuration has a `portal_url`.
    pub fn new(ctx: &PluginContext, config: &Config) -> Result<Option<Self>> {
        let Some(url) = config.portal_url()? else {
            return Ok(None);
        };
        let url = &url;
        let origin = stonks_core::http::Origin::of(url)
            .ok_or_else(|| Error::config("portal_url must be an http or https URL"))?;
        let login_at = origin.to_string();
        let not_logged_in: Arc<str> = format!(
            "the Client Portal session is not logged in: open {login_at} in a browser and log in to the gateway (or renew portal_token)"
        )
        .into();
        let message = not_logged_in.clone();
        let classify = move |resp: &Response| classify(resp, &message);
        let mut b = ctx
            .http_client_builder(url.as_str())?
            .base_url(url.as_str())?
            .classifier(classify)
            .rate_limit(RateLimit {
                requests: REQUESTS_PER_SECOND,
                per_seconds: 1,
            })
            .timeouts(Duration::from_secs(10), Duration::from_secs(30));
        if config.portal_accept_invalid_certs {
            b = b.accept_invalid_certs_for(url);
        }
        Ok(Some(PortalClient {
            http: b.build()?,
            token: config.portal_token.clone(),
            not_logged_in,
        }))
    }

    /// Masks `secret` (a session id learnt at run time) from now on.
    pub fn add_secret(&self, secret: &str) {
        self.http.add_secret(secret);
    }

    /// The error of a session that is not logged in (or whose brokerage
    /// session is not authenticated), with `detail`.
    pub fn not_logged_in(&self, detail: &str) -> Error {
        let text = if detail.is_empty() {
            self.not_logged_in.to_string()
        } else {
            format!("{} ({detail})", self.not_logged_in)
        };
        Error::auth(self.http.redactor().redact(&text).into_owned())
    }

    async fn send(&self, req: Request) -> Result<Response> {
        let req = match &self.token {
            Some(t) => req.secret_header("Authorization", format!("Bearer {}", t.expose_secret())),
            None => req,
        };
        self.http.send(req).await
    }

    /// `POST /tickle`: keeps the session alive (it only reads).
    pub async fn tickle(&self) -> Result<Response> {
        self.send(Request::post("/tickle").read_only()).await
    }

    /// `POST /iserver/auth/status` (it only reads); `GET` where a gateway
    /// answers the POST with 404 or 405.
    pub async fn auth_status(&self) -> Result<Response> {
        let login = self.not_logged_in.clone();
        let lenient = move |resp: &Response| match resp.status() {
            404 | 405 => None,
            _ => classify(resp, &login),
        };
        let post = Request::post("/iserver/auth/status")
            .read_only()
            .classifier(Arc::new(lenient));
        let answer = self.send(post).await?;
        if matches!(answer.status(), 404 | 405) {
            return self.send(Request::get("/iserver/auth/status")).await;
        }
        Ok(answer)
    }

    /// `GET /portfolio/accounts`.
    pub async fn accounts(&self) -> Result<Response> {
        self.send(Request::get("/portfolio/accounts")).await
    }

    /// `GET /portfolio/{account}/positions/{page}`.
    pub async fn positions(&self, account: &str, page: u32) -> Result<Response> {
        let req = Request::get(format!("/portfolio/{account}/positions/{page}"))
            .endpoint_name("GET /portfolio/{accountId}/positions/{pageId}");
        self.send(req).await
    }

    /// `GET /portfolio/{account}/ledger`.
    pub async fn ledger(&self, account: &str) -> Result<Response> {
        let req = Request::get(format!("/portfolio/{account}/ledger"))
            .endpoint_name("GET /portfolio/{accountId}/ledger");
        self.send(req).await
    }
}

/// The error of a Client Portal answer: 401 is `Auth` with how to log in
/// (`login`), 403 `Auth`, 429 `RateLimited`, 5xx `Temporary`, any other
/// failure `Protocol`.
pub fn classify(resp: &Response, login: &str) -> Option<Error> {
    match resp.status() {
        ..=399 => None,
        401 => Some(
            Error::new(ErrorKind::Auth, login.to_owned())
                .with_operation(resp.endpoint().to_owned())
                .with_status(401),
        ),
        _ => Some(resp.status_error(None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_go_on_while_full() {
        assert!(!has_next_page(3, 3), "a small first page is the only one");
        assert!(has_next_page(100, 100));
        assert!(!has_next_page(40, 100), "shorter than the first page");
        assert!(has_next_page(30, 30), "IBKR's old page size");
        assert!(!has_next_page(0, 30));
    }

    #[test]
    fn a_session_that_is_not_logged_in_says_where_to_log_in() {
        let login =
            "the Client Portal session is not logged in: open https://localhost:5000 in a browser";
        let err = classify(&Response::synthetic("POST /tickle", 401, &[], "{}"), login).unwrap();
        assert_eq!(err.kind(), &ErrorKind::Auth);
        assert!(
            err.to_string().contains("open https://localhost:5000"),
            "{err}"
        );
        assert!(
            classify(
                &Response::synthetic("GET /portfolio/accounts", 200, &[], "[]"),
                login
            )
            .is_none()
        );
        let limited = classify(
            &Response::synthetic("GET /portfolio/accounts", 429, &[], ""),
            login,
        )
        .unwrap();
        assert!(matches!(limited.kind(), ErrorKind::RateLimited { .. }));
        let down = classify(
            &Response::synthetic("GET /portfolio/accounts", 503, &[], ""),
            login,
        )
        .unwrap();
        assert_eq!(down.kind(), &ErrorKind::Temporary);
    }
}
