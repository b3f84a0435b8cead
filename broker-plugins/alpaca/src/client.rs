//! Alpaca's key headers, one function per endpoint, the error classifier
//! run inside core's retry loop, and the reader of Alpaca's rate-limit
//! headers.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stonks_core::http::{Budget, HttpClient, Request, Response};
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::{Error, ErrorKind, PluginContext, Result};

use crate::config::Config;
use crate::wire;

/// The `/v2/account/activities` page size: Alpaca's maximum and default.
pub const PAGE_SIZE: u32 = 100;

/// At or below this many requests left in the minute, every request waits
/// for the window to reset rather than run into a 429.
pub const REQUEST_RESERVE: u64 = 2;

/// The `limit` of a bars request: Alpaca's maximum.
pub const BARS_LIMIT: u32 = 10_000;

/// An Alpaca client for one pair of keys: the Trading API and the Market
/// Data API (another host, its own rate limit), the same key headers on both.
pub struct Client {
    http: HttpClient,
    data: HttpClient,
    key_id: SecretString,
    secret_key: SecretString,
}

impl Client {
    /// A client from the plugin's checked configuration.
    pub fn new(ctx: &PluginContext) -> Result<Self> {
        let config: Config = ctx.config()?;
        let http = ctx
            .http_client_builder(config.default_base_url())?
            .classifier(classify)
            .budget_headers(budget, REQUEST_RESERVE)
            .build()?;
        let data = ctx
            .http_client_builder(&config.data_url)?
            .base_url(&config.data_url)?
            .classifier(classify)
            .budget_headers(budget, REQUEST_RESERVE)
            .build()?;
        Ok(Client {
            http,
            data,
            key_id: config.key_id,
            secret_key: config.secret_key,
        })
    }

    fn with_keys(&self, req: Request) -> Request {
        req.secret_header("APCA-API-KEY-ID", self.key_id.expose_secret())
            .secret_header("APCA-API-SECRET-KEY", self.secret_key.expose_secret())
    }

    async fn get(&self, req: Request) -> Result<Response> {
        self.http.send(self.with_keys(req)).await
    }

    /// `GET /v2/assets/{symbol}`; `None` when Alpaca does not know the
    /// symbol (404, `asset not found for ...`).
    pub async fn asset(&self, symbol: &str) -> Result<Option<Response>> {
        let req = Request::get(format!("/v2/assets/{}", symbol.replace('/', "%2F")))
            .endpoint_name("GET /v2/assets/{symbol}");
        match self.get(req).await {
            Err(e) if e.status() == Some(404) => Ok(None),
            other => other.map(Some),
        }
    }

    /// One page of daily bars, not adjusted: `GET
    /// /v2/stocks/{symbol}/bars` (IEX, the feed every key may read) for a
    /// stock, `GET /v1beta3/crypto/us/bars?symbols=` for a crypto pair.
    /// `None` when Alpaca refuses the symbol itself (a 4xx other than
    /// auth and rate limits: `invalid symbol`, `not found`).
    pub async fn daily_bars(
        &self,
        bars: &Bars<'_>,
        start: &str,
        end: &str,
        page_token: Option<&str>,
    ) -> Result<Option<Response>> {
        let req = match bars {
            Bars::Stock(symbol) => Request::get(format!("/v2/stocks/{symbol}/bars"))
                .endpoint_name("GET /v2/stocks/{symbol}/bars")
                .query("timeframe", "1Day")
                .query("start", start)
                .query("end", end)
                .query("limit", BARS_LIMIT.to_string())
                .query("adjustment", "raw")
                .query("feed", "iex"),
            Bars::Crypto(pair) => Request::get("/v1beta3/crypto/us/bars")
                .query("symbols", *pair)
                .query("timeframe", "1Day")
                .query("start", start)
                .query("end", end)
                .query("limit", BARS_LIMIT.to_string()),
        };
        let req = match page_token {
            Some(token) => req.query("page_token", token),
            None => req,
        };
        let req = self
            .with_keys(req)
            .classifier(std::sync::Arc::new(|r: &Response| {
                if refused_symbol(r) { None } else { classify(r) }
            }));
        let answer = self.data.send(req).await?;
        Ok(answer.is_success().then_some(answer))
    }

    /// `GET /v2/account`.
    pub async fn account(&self) -> Result<Response> {
        self.get(Request::get("/v2/account")).await
    }

    /// `GET /v2/positions`.
    pub async fn positions(&self) -> Result<Response> {
        self.get(Request::get("/v2/positions")).await
    }

    /// `GET /v2/account/activities`, oldest first, `page_size` rows created
    /// after `after` and before `until`, continued after the activity with
    /// id `page_token`.
    pub async fn activities(
        &self,
        after: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Response> {
        let mut req = Request::get("/v2/account/activities")
            .query("direction", "asc")
            .query("page_size", page_size.to_string());
        // Whole seconds: `after` rounded down, `until` up, so nothing in
        // range is cut off (the caller filters exactly).
        if let Some(after) = after {
            req = req.query("after", seconds(after, false));
        }
        if let Some(until) = until {
            req = req.query("until", seconds(until, true));
        }
        if let Some(token) = page_token {
            req = req.query("page_token", token);
        }
        self.get(req).await
    }
}

/// Which bars to read: a stock's (by ticker) or a crypto pair's (`BTC/USD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bars<'a> {
    /// A US stock or ETF.
    Stock(&'a str),
    /// A crypto pair.
    Crypto(&'a str),
}

/// Whether `resp` refuses the symbol asked about: a 400, 404 or 422 whose
/// message names the symbol as invalid or not found.
pub fn refused_symbol(resp: &Response) -> bool {
    matches!(resp.status(), 400 | 404 | 422)
        && serde_json::from_slice::<wire::ErrorBody<'_>>(resp.body()).is_ok_and(|b| {
            let m = b.message.to_ascii_lowercase();
            m.contains("invalid symbol") || m.contains("not found")
        })
}

/// `t` in whole seconds (`2025-03-01T00:00:00Z`), rounded up when `up`.
fn seconds(t: DateTime<Utc>, up: bool) -> String {
    let whole = t.timestamp() + i64::from(up && t.timestamp_subsec_nanos() > 0);
    let t = DateTime::from_timestamp(whole, 0).unwrap_or(t);
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// What `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds) say
/// is left of the minute's 200 requests.
pub fn budget(resp: &Response) -> Option<Budget> {
    let number = |name: &str| resp.header(name)?.trim().parse::<i64>().ok();
    let remaining = number("x-ratelimit-remaining")?;
    let reset_ms = number("x-ratelimit-reset")?.saturating_mul(1000);
    let wait = reset_ms.saturating_sub(Utc::now().timestamp_millis());
    Some(Budget {
        remaining: u64::try_from(remaining).unwrap_or(0),
        resets_in: Duration::from_millis(u64::try_from(wait).unwrap_or(0)),
    })
}

/// The error for an Alpaca answer, with Alpaca's `{code, message}` text:
/// 401 and 403 are `Auth`, 429 `RateLimited` (until `Retry-After` or the
/// budget's reset), 5xx `Temporary` (retried), any other failure a request
/// Alpaca did not accept (`Protocol`).
pub fn classify(resp: &Response) -> Option<Error> {
    let status = resp.status();
    if status < 400 {
        return None;
    }
    let text = serde_json::from_slice::<wire::ErrorBody<'_>>(resp.body())
        .ok()
        .map(|b| match b.code {
            Some(code) => format!("Alpaca error {}: {}", code.0, b.message),
            None => format!("Alpaca: {}", b.message),
        });
    let text = text.unwrap_or_else(|| format!("HTTP {status}"));
    let kind = match status {
        401 | 403 => return Some(resp.status_error(Some(&text))),
        429 => ErrorKind::RateLimited {
            retry_after: resp
                .retry_after()
                .or_else(|| budget(resp).map(|b| b.resets_in)),
        },
        500.. => ErrorKind::Temporary,
        _ => return Some(resp.protocol_error(text)),
    };
    let text = resp.redactor().redact(&text).into_owned();
    Some(
        Error::new(kind, text)
            .with_operation(resp.endpoint().to_owned())
            .with_status(status),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response::synthetic("GET /v2/account", status, headers, body.to_owned())
    }

    #[test]
    fn codes_map_to_kinds_with_alpacas_text() {
        let err = |status: u16, body: &str| classify(&answer(status, &[], body)).unwrap();
        assert!(classify(&answer(200, &[], "{}")).is_none());
        let auth = err(
            401,
            r#"{"code":40110000,"message":"request is not authorized"}"#,
        );
        assert_eq!(auth.kind(), &ErrorKind::Auth);
        assert!(
            auth.to_string()
                .contains("Alpaca error 40110000: request is not authorized")
        );
        assert_eq!(
            err(403, r#"{"message":"forbidden."}"#).kind(),
            &ErrorKind::Auth
        );
        let bad = err(422, r#"{"code":42210000,"message":"invalid page_size"}"#);
        assert_eq!(bad.kind(), &ErrorKind::Protocol);
        assert!(bad.to_string().contains("invalid page_size"), "{bad}");
        assert_eq!(err(404, "<html/>").kind(), &ErrorKind::Protocol);
        assert_eq!(err(501, "").kind(), &ErrorKind::Temporary);
        assert_eq!(err(503, "<html/>").kind(), &ErrorKind::Temporary);
        let limited = err(429, r#"{"code":42910000,"message":"rate limit exceeded"}"#);
        assert!(matches!(limited.kind(), ErrorKind::RateLimited { .. }));
    }

    #[test]
    fn bounds_are_whole_seconds_that_cut_nothing_off() {
        let t = DateTime::parse_from_rfc3339("2025-03-01T12:00:00.250Z")
            .unwrap()
            .to_utc();
        assert_eq!(seconds(t, false), "2025-03-01T12:00:00Z");
        assert_eq!(seconds(t, true), "2025-03-01T12:00:01Z");
        let whole = DateTime::parse_from_rfc3339("2025-03-01T12:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(seconds(whole, true), "2025-03-01T12:00:00Z");
    }

    #[test]
    fn a_spent_budget_waits_for_the_reset_in_seconds() {
        let reset = (Utc::now().timestamp() + 30).to_string();
        let headers = [
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", reset.as_str()),
        ];
        let b = budget(&answer(200, &headers, "{}")).unwrap();
        assert_eq!(b.remaining, 0);
        assert!(
            b.resets_in > Duration::from_secs(28) && b.resets_in <= Duration::from_secs(30),
            "{:?}",
            b.resets_in
        );
        let limited = classify(&answer(429, &headers, "")).unwrap();
        assert!(limited.retry_after().unwrap() > Duration::from_secs(28));
        assert_eq!(budget(&answer(200, &[], "{}")), None);
    }
}
