//! The Flex Web Service: `SendRequest`, then `GetStatement` at the URL it
//! names, and the classifier that reads IBKR's error codes inside core's
//! retry loop.
//!
//! Both steps are GETs that change nothing, so core may send them again:
//! a statement still being generated (1019), a server that is busy (1001,
//! 1004–1009, 1021) or a 5xx is polled with backoff, starting at the
//! configured wait and doubling up to 30 s, at most [`MAX_POLLS`] times
//! and within [`POLL_BUDGET`] (or the caller's deadline). Requests of one
//! token are spaced by the same wait (IBKR allows one a second and ten a
//! minute).

use std::time::Duration;

use stonks_core::http::{HttpClient, Request, Response, RetryPolicy};
use stonks_core::manifest::RateLimit;
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::{Error, ErrorKind, PluginContext, Result};

use crate::config::{Config, FLEX_URL};
use crate::wire::FlexStatementResponse;

/// The User-Agent sent: IBKR's legacy docs accept `Java` (or `Blackberry`)
/// for programmatic access, and ibflex sends `Java`.
pub const USER_AGENT: &str = "Java";

/// Tries of one step in all (the first included).
pub const MAX_POLLS: u32 = 10;

/// The longest one step may poll.
pub const POLL_BUDGET: Duration = Duration::from_secs(600);

/// How long to hold the token's requests after 1018 (too many requests).
pub const THROTTLED_FOR: Duration = Duration::from_secs(60);

/// The endpoint of the first step, as errors name it.
pub const SEND_REQUEST: &str = "GET /SendRequest";

/// The endpoint of the second step, as errors name it.
pub const GET_STATEMENT: &str = "GET /GetStatement";

/// A Flex Web Service client for one token.
pub struct FlexClient {
    http: HttpClient,
    token: SecretString,
}

/// The token bucket that spaces requests `wait_ms` apart.
fn spacing(wait_ms: u64) -> RateLimit {
    let wait_ms = wait_ms.max(1);
    if wait_ms >= 1000 {
        RateLimit {
            requests: 1,
            per_seconds: u32::try_from(wait_ms.div_ceil(1000)).unwrap_or(u32::MAX),
        }
    } else {
        RateLimit {
            requests: u32::try_from(1000 / wait_ms).unwrap_or(1000),
            per_seconds: 1,
        }
    }
}

impl FlexClient {
    /// A client when the configuration has a token and query ids.
    pub fn new(ctx: &PluginContext, config: &Config) -> Result<Option<Self>> {
        let Some(token) = config
            .token
            .clone()
            .filter(|_| !config.query_ids.is_empty())
        else {
            return Ok(None);
        };
        let wait = Duration::from_millis(config.flex_wait_ms);
        let http = ctx
            .http_client_builder(FLEX_URL)?
            .user_agent(USER_AGENT)
            .classifier(classify)
            .rate_limit(spacing(config.flex_wait_ms))
            .retry(
                RetryPolicy::default()
                    .attempts(MAX_POLLS)
                    .delays(wait, wait.max(Duration::from_secs(30)))
                    .max_elapsed(POLL_BUDGET),
            )
            // A statement of tens of MB takes a while to arrive.
            .timeouts(Duration::from_secs(15), Duration::from_secs(180))
            .build()?;
        Ok(Some(FlexClient { http, token }))
    }

    /// `SendRequest` for `query_id`: the statement's reference code and
    /// the URL to fetch it from (trimmed).
    pub async fn send_request(&self, query_id: &str) -> Result<(String, String)> {
        let req = Request::get("/SendRequest")
            .secret_query("t", self.token.expose_secret())
            .query("q", query_id)
            .query("v", "3")
            .endpoint_name(SEND_REQUEST);
        let answer = self.http.send(req).await?;
        let envelope = FlexStatementResponse::read(answer.body()).ok_or_else(|| {
            answer.protocol_error("expected a FlexStatementResponse with a reference code")
        })?;
        match (envelope.reference_code, envelope.url) {
            (Some(code), Some(url)) if !code.is_empty() && !url.is_empty() => Ok((code, url)),
            _ => {
                Err(answer.protocol_error("SendRequest succeeded without a ReferenceCode and Url"))
            }
        }
    }

    /// `GetStatement` at `url` for `reference`: the statement, once IBKR
    /// has generated it.
    pub async fn get_statement(&self, url: &str, reference: &str) -> Result<Response> {
        let req = Request::get(url)
            .secret_query("t", self.token.expose_secret())
            .query("q", reference)
            .query("v", "3")
            .endpoint_name(GET_STATEMENT);
        self.http.send(req).await
    }

    /// Both steps for `query_id`.
    pub async fn statement(&self, query_id: &str) -> Result<Response> {
        let (reference, url) = self.send_request(query_id).await?;
        self.get_statement(&url, &reference).await
    }
}

/// What a Flex error code means for the caller, and what to do about it.
pub fn error_kind(code: u16) -> (ErrorKind, &'static str) {
    const RENEW: &str = "generate a new token in Client Portal (Performance & Reports > Flex Queries > Flex Web Service Configuration) and set it as `token`";
    match code {
        1001 | 1004 | 1005 | 1006 | 1007 | 1008 | 1009 | 1021 => (
            ErrorKind::Temporary,
            "IBKR could not produce the statement now: try again later",
        ),
        1019 => (
            ErrorKind::Temporary,
            "the statement was still being generated: try again later",
        ),
        1018 => (
            ErrorKind::RateLimited {
                retry_after: Some(THROTTLED_FOR),
            },
            "IBKR allows one request a second and ten a minute per token: wait a minute",
        ),
        1012 => (ErrorKind::Auth, RENEW),
        1015 => (ErrorKind::Auth, RENEW),
        1011 => (
            ErrorKind::Auth,
            "the Flex Web Service is not active for this account: activate it in Client Portal and generate a token",
        ),
        1013 => (
            ErrorKind::Auth,
            "the token is restricted to other IP addresses: generate one for this address",
        ),
        1016 => (ErrorKind::Auth, "the token's account is not valid"),
        1003 => (
            ErrorKind::Config,
            "check the query's period (one query covers at most 365 days)",
        ),
        1010 => (
            ErrorKind::Config,
            "convert the legacy query to an Activity Flex query",
        ),
        1014 => (
            ErrorKind::Config,
            "check query_ids: no Activity Flex query has this id",
        ),
        1020 => (
            ErrorKind::Config,
            "check the token and the query id belong together",
        ),
        1017 => (
            ErrorKind::Protocol,
            "the reference code expired: read again",
        ),
        _ => (
            ErrorKind::Protocol,
            "an error code this plugin does not know",
        ),
    }
}

/// The error of an answer: HTTP statuses (429 rate limited, 5xx temporary,
/// 401/403 auth), then IBKR's codes in a `FlexStatementResponse` (see
/// [`error_kind`]), with IBKR's message. A statement, or an envelope with
/// status `Success`, passes.
pub fn classify(resp: &Response) -> Option<Error> {
    if resp.status() >= 400 {
        return Some(resp.status_error(None));
    }
    let envelope = FlexStatementResponse::read(resp.body())?;
    if envelope.status.eq_ignore_ascii_case("Success") {
        return None;
    }
    let code = envelope.error_code.as_deref().unwrap_or("none");
    let message = envelope.error_message.as_deref().unwrap_or("no message");
    let (kind, advice) = code.parse::<u16>().map_or(
        (
            ErrorKind::Protocol,
            "an error code this plugin does not know",
        ),
        error_kind,
    );
    let text = resp
        .redactor()
        .redact(&format!("IBKR Flex error {code}: {message} ({advice})"))
        .into_owned();
    if kind == ErrorKind::Protocol {
        return Some(resp.protocol_error(text));
    }
    Some(
        Error::new(kind, text)
            .with_operation(resp.endpoint().to_owned())
            .with_status(resp.status()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(status: &str, code: u16, message: &str) -> Response {
        let body = format!(
            "<FlexStatementResponse timestamp=\"05 March, 2024 07:12 AM EST\"><Status>{status}</Status><ErrorCode>{code}</ErrorCode><ErrorMessage>{message}</ErrorMessage></FlexStatementResponse>"
        );
        Response::synthetic(GET_STATEMENT, 200, &[], body)
    }

    #[test]
    fn every_documented_code_has_its_kind() {
        let kind = |code| {
            classify(&envelope("Fail", code, "x"))
                .unwrap()
                .kind()
                .clone()
        };
        for code in [1001, 1004, 1005, 1006, 1007, 1008, 1009, 1019, 1021] {
            assert_eq!(kind(code), ErrorKind::Temporary, "{code}");
        }
        for code in [1011, 1012, 1013, 1015, 1016] {
            assert_eq!(kind(code), ErrorKind::Auth, "{code}");
        }
        for code in [1003, 1010, 1014, 1020] {
            assert_eq!(kind(code), ErrorKind::Config, "{code}");
        }
        assert_eq!(kind(1017), ErrorKind::Protocol);
        assert_eq!(
            kind(1018),
            ErrorKind::RateLimited {
                retry_after: Some(THROTTLED_FOR)
            }
        );
        assert_eq!(kind(1002), ErrorKind::Protocol, "1002 does not exist");
        let expired = classify(&envelope("Fail", 1012, "Token has expired.")).unwrap();
        let text = expired.to_string();
        assert!(
            text.contains("IBKR Flex error 1012: Token has expired.")
                && text.contains("generate a new token"),
            "{text}"
        );
        let busy = classify(&envelope(
            "Warn",
            1019,
            "Statement generation in progress. Please try again shortly.",
        ))
        .unwrap();
        assert!(busy.is_retryable());
    }

    #[test]
    fn statements_and_successes_pass_and_statuses_are_read() {
        let ok = "<FlexStatementResponse timestamp=\"x\"><Status>Success</Status><ReferenceCode>1</ReferenceCode><Url>u</Url></FlexStatementResponse>";
        assert!(classify(&Response::synthetic(SEND_REQUEST, 200, &[], ok)).is_none());
        let statement = "<FlexQueryResponse queryName=\"q\" type=\"AF\"><FlexStatements count=\"0\"/></FlexQueryResponse>";
        assert!(classify(&Response::synthetic(GET_STATEMENT, 200, &[], statement)).is_none());
        assert!(
            classify(&Response::synthetic(
                GET_STATEMENT,
                200,
                &[],
                "<html>maintenance</html>"
            ))
            .is_none()
        );
        let limited = classify(&Response::synthetic(
            GET_STATEMENT,
            429,
            &[("Retry-After", "3")],
            "",
        ))
        .unwrap();
        assert_eq!(
            limited.kind(),
            &ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            }
        );
        let down = classify(&Response::synthetic(GET_STATEMENT, 503, &[], "")).unwrap();
        assert_eq!(down.kind(), &ErrorKind::Temporary);
    }

    #[test]
    fn requests_are_spaced_by_the_wait() {
        assert_eq!(
            spacing(6000),
            RateLimit {
                requests: 1,
                per_seconds: 6
            }
        );
        assert_eq!(
            spacing(1500),
            RateLimit {
                requests: 1,
                per_seconds: 2
            }
        );
        assert_eq!(
            spacing(20),
            RateLimit {
                requests: 50,
                per_seconds: 1
            }
        );
    }
}
