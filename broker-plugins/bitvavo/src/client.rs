//! Bitvavo's signing, one function per endpoint, and the error mapping.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde::de::DeserializeOwned;
use stonks_core::http::{HttpClient, Outgoing, Request, Response, Sign, hmac_sha256_hex};
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::{Error, ErrorKind, PluginContext, Result};

use crate::wire;
use crate::{BitvavoConfig, DEFAULT_BASE_URL};

/// Lowercase hex HMAC-SHA256, keyed with the API secret, over
/// `timestamp + METHOD + path_and_query + body`, where `path_and_query` is
/// the path actually requested (`/v2/balance?symbol=BTC`) and `body` the exact
/// bytes sent (empty for GET).
pub fn signature(
    secret: &str,
    timestamp: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> String {
    let message = [
        timestamp.as_bytes(),
        method.as_bytes(),
        path_and_query.as_bytes(),
        body,
    ];
    hmac_sha256_hex(secret.as_bytes(), &message)
}

/// Signs private calls with Bitvavo's four headers, afresh for every attempt.
struct Signer {
    key: String,
    secret: SecretString,
    window_ms: u32,
}

impl Sign for Signer {
    fn sign(&self, out: &mut Outgoing<'_>) -> Result<()> {
        let timestamp = Utc::now().timestamp_millis().to_string();
        let sig = signature(
            self.secret.expose_secret(),
            &timestamp,
            out.method().as_str(),
            &out.path_and_query(),
            out.body(),
        );
        out.header("Bitvavo-Access-Key", self.key.clone(), true);
        out.header("Bitvavo-Access-Signature", sig, true);
        out.header("Bitvavo-Access-Timestamp", timestamp, false);
        out.header("Bitvavo-Access-Window", self.window_ms.to_string(), false);
        Ok(())
    }
}

/// Below this many weight points left, wait for the window to reset
/// rather than run into error 110 and a ban.
const WEIGHT_RESERVE: i64 = 25;

/// The `/account/history` page size (Bitvavo's maximum).
pub const HISTORY_PAGE_SIZE: u32 = 100;

/// A Bitvavo API client for one account.
pub struct Client {
    http: HttpClient,
    signer: Arc<Signer>,
}

impl Client {
    /// A client from the plugin's checked configuration.
    pub fn new(ctx: &PluginContext) -> Result<Self> {
        let config = BitvavoConfig::from_plugin_config(ctx.config())?;
        let http = ctx.http_client(DEFAULT_BASE_URL)?;
        Ok(Client {
            http,
            signer: Arc::new(Signer {
                key: config.api_key,
                secret: config.api_secret,
                window_ms: config.access_window_ms,
            }),
        })
    }

    async fn call<T: DeserializeOwned>(&self, req: Request, private: bool) -> Result<T> {
        let req = if private {
            req.signed(self.signer.clone())
        } else {
            req
        };
        let resp = self.http.send(req).await?;
        self.observe_budget(&resp);
        if !resp.is_success() {
            return Err(error_of(&resp));
        }
        resp.json()
    }

    /// Reads Bitvavo's rate-limit headers and pauses the client's limiter
    /// until the reset when the budget is nearly spent.
    fn observe_budget(&self, resp: &Response) {
        let remaining = resp
            .header("bitvavo-ratelimit-remaining")
            .and_then(|v| v.trim().parse::<i64>().ok());
        let reset_at = resp
            .header("bitvavo-ratelimit-resetat")
            .and_then(|v| v.trim().parse::<i64>().ok());
        if let (Some(remaining), Some(reset_at), Some(limiter)) =
            (remaining, reset_at, self.http.rate_limiter())
            && remaining < WEIGHT_RESERVE
        {
            let wait_ms = (reset_at - Utc::now().timestamp_millis()).clamp(0, 60_000);
            let wait = Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0));
            limiter.hold_until(tokio::time::Instant::now() + wait);
        }
    }

    /// `GET /balance`.
    pub async fn balance(&self) -> Result<Vec<wire::Balance>> {
        self.call(Request::get("/balance"), true).await
    }

    /// `GET /stakingBalance`; empty where the endpoint does not exist (404).
    pub async fn staking_balance(&self) -> Result<Vec<wire::StakingBalance>> {
        match self.call(Request::get("/stakingBalance"), true).await {
            Err(e) if e.protocol_details().and_then(|p| p.status) == Some(404) => Ok(Vec::new()),
            other => other,
        }
    }

    /// `GET /assets`.
    pub async fn assets(&self) -> Result<Vec<wire::Asset>> {
        self.call(Request::get("/assets"), false).await
    }

    /// `GET /ticker/price` for every market in one call.
    pub async fn prices(&self) -> Result<Vec<wire::TickerPrice>> {
        self.call(Request::get("/ticker/price"), false).await
    }

    /// `GET /depositHistory` (`deposits`) or `GET /withdrawalHistory`, at
    /// most 1000 rows (Bitvavo's maximum) between the bounds in ms.
    pub async fn transfers(
        &self,
        deposits: bool,
        start_ms: Option<i64>,
        end_ms: i64,
    ) -> Result<Vec<wire::Transfer>> {
        let mut req = Request::get(if deposits {
            "/depositHistory"
        } else {
            "/withdrawalHistory"
        });
        if let Some(start) = start_ms {
            req = req.query("start", start.to_string());
        }
        req = req.query("end", end_ms.to_string()).query("limit", "1000");
        self.call(req, true).await
    }

    /// `GET /account/history`, one page (1-based), both bounds in ms and inclusive.
    pub async fn history_page(
        &self,
        from_ms: Option<i64>,
        to_ms: i64,
        page: u32,
    ) -> Result<wire::HistoryPage> {
        let mut req = Request::get("/account/history");
        if let Some(from) = from_ms {
            req = req.query("fromDate", from.to_string());
        }
        req = req
            .query("toDate", to_ms.to_string())
            .query("page", page.to_string())
            .query("maxItems", HISTORY_PAGE_SIZE.to_string());
        self.call(req, true).await
    }
}

/// The error for a failed Bitvavo answer, by its `errorCode`: 105 (banned,
/// with the unban time) and 103, and 110 on a 429 are rate limiting (the
/// current docs answer an exceeded limit with 429 and 110; older ones use 110
/// for an unknown endpoint, which comes with 404); the 300 range is
/// authentication; 107 to 109 are the matching engine being busy; anything
/// else is something Bitvavo did not accept from us.
pub(crate) fn error_of(resp: &Response) -> Error {
    let Ok(body) = resp.json::<wire::ErrorBody>() else {
        return resp.status_error(None);
    };
    let text = format!("Bitvavo error {}: {}", body.error_code, body.error);
    let err = match body.error_code {
        105 => Error::new(
            ErrorKind::RateLimited {
                retry_after: unban_delay(&body.error),
            },
            resp.redactor().redact(&text).into_owned(),
        ),
        103 | 110 if resp.status() == 429 => Error::new(
            ErrorKind::RateLimited {
                retry_after: resp.retry_after().or_else(|| reset_delay(resp)),
            },
            text,
        ),
        300..=399 => Error::auth(resp.redactor().redact(&text).into_owned()),
        107..=109 => Error::new(ErrorKind::Temporary, text),
        _ if resp.status() == 429 => return resp.status_error(Some(&text)),
        _ if resp.status() >= 500 => return resp.status_error(Some(&text)),
        _ => return resp.protocol_error(text),
    };
    err.with_operation(resp.endpoint().to_owned())
}

/// How long until the unban time at the end of error 105's text
/// (`... at 1700000000000.`).
fn unban_delay(text: &str) -> Option<Duration> {
    let tail = text.trim_end().trim_end_matches('.');
    let ms: i64 = tail.rsplit(' ').next()?.parse().ok()?;
    let wait = ms - Utc::now().timestamp_millis();
    Some(Duration::from_millis(
        u64::try_from(wait.max(0)).unwrap_or(0),
    ))
}

fn reset_delay(resp: &Response) -> Option<Duration> {
    let reset: i64 = resp
        .header("bitvavo-ratelimit-resetat")?
        .trim()
        .parse()
        .ok()?;
    let wait = reset - Utc::now().timestamp_millis();
    Some(Duration::from_millis(
        u64::try_from(wait.max(0)).unwrap_or(0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bitvavo's published test vector, pinned in full.
    #[test]
    fn signature_test_vector() {
        let sig = signature(
            "bitvavo",
            "1548172481125",
            "POST",
            "/v2/order",
            br#"{"market":"BTC-EUR","side":"buy","price":"5000","amount":"1.23","orderType":"limit"}"#,
        );
        assert_eq!(
            sig,
            "44d022723a20973a18f7ee97398b9fdd405d2d019c8d39e24b8cc0dcb39ca016"
        );
    }

    #[test]
    fn unban_time_is_read_from_the_text() {
        let at = Utc::now().timestamp_millis() + 30_000;
        let d = unban_delay(&format!("Your IP or API key has been banned for not respecting the rate limit. The ban expires at {at}.")).unwrap();
        assert!(
            d > Duration::from_secs(28) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(unban_delay("no time here"), None);
    }
}
