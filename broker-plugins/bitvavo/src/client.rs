//! Bitvavo's signing, one function per endpoint, the error classifier run
//! inside core's retry loop, the reader of Bitvavo's rate-limit headers and
//! the weight of each endpoint against the budget they state.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use stonks_core::http::{Budget, HttpClient, Outgoing, Request, Response, Sign, hmac_sha256_hex};
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::{Error, ErrorKind, PluginContext, Result};

use crate::config::Config;
use crate::wire;

/// Bitvavo's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.bitvavo.com/v2";

/// Lowercase hex HMAC-SHA256, keyed with the API secret, over
/// `timestamp + METHOD + path_and_query + body`, where `path_and_query` is
/// the path actually requested (`/v2/balance?symbol=BTC`) and `body` the exact
/// bytes of a request that carries one (empty for GET).
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
    key: SecretString,
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
        out.header("Bitvavo-Access-Key", self.key.expose_secret(), true);
        out.header("Bitvavo-Access-Signature", sig, true);
        out.header("Bitvavo-Access-Timestamp", timestamp, false);
        out.header("Bitvavo-Access-Window", self.window_ms.to_string(), false);
        Ok(())
    }
}

/// A request is sent only when at least this many weight points would be
/// left after it; else it waits for the window to reset rather than run
/// into error 110 and a ban.
pub const WEIGHT_RESERVE: u64 = 25;

/// Bitvavo's budget: 1000 weight points a minute per API key
/// (<https://docs.bitvavo.com/docs/rate-limits>). Assumed until an answer's
/// `bitvavo-ratelimit-remaining` states what is left.
pub const WEIGHT_LIMIT: u64 = 1000;

/// The length of Bitvavo's rate-limit window.
pub const WEIGHT_WINDOW: Duration = Duration::from_secs(60);

/// The weight counted for a path the table in [`weight`] does not know, and
/// for `/stakingBalance`, whose weight no source states: the highest any
/// source gives a Bitvavo endpoint (100 for `GET /ordersOpen` and `DELETE
/// /orders` without a market in ccxt's Bitvavo client,
/// <https://github.com/ccxt/ccxt/blob/master/js/src/bitvavo.js>), so an
/// unknown request is never counted too light.
pub const UNKNOWN_WEIGHT: u64 = 100;

/// The rate-limit weight of a request to `path` (relative to `/v2`,
/// without its query), from Bitvavo's API reference where it states one
/// (each endpoint's page lists its "Rate limit weight points") and else from
/// ccxt's Bitvavo client, whose `api` table gives every endpoint's cost.
pub fn weight(path: &str) -> u64 {
    match path {
        // https://docs.bitvavo.com/docs/rest-api/get-transaction-history
        "/account/history" => 1,
        // https://docs.bitvavo.com/docs/rest-api/get-deposit-history
        "/depositHistory" => 5,
        // ccxt bitvavo.js: `'withdrawalHistory': 5` (Bitvavo's page for it
        // was not found; its twin, the deposit history, weighs 5).
        "/withdrawalHistory" => 5,
        // https://docs.bitvavo.com/docs/websocket-api/get-account-balance
        // (the same read over the WebSocket) and ccxt `'balance': 5`.
        "/balance" => 5,
        // https://docs.bitvavo.com/docs/rest-api/get-trade-history
        "/trades" => 5,
        // https://docs.bitvavo.com/docs/websocket-api/get-ticker-prices
        // (all markets or one) and ccxt `'ticker/price': 1`.
        "/ticker/price" => 1,
        // ccxt bitvavo.js: `'assets': 1`, `'markets': 1`, `'account': 1`.
        "/assets" | "/markets" | "/account" => 1,
        // https://docs.bitvavo.com/docs/rest-api/get-candlestick-data
        p if is_candles(p) => 1,
        // Not in Bitvavo's current reference, and no client states its
        // weight: counted as the heaviest known.
        "/stakingBalance" => UNKNOWN_WEIGHT,
        _ => UNKNOWN_WEIGHT,
    }
}

/// Whether `path` is `/{market}/candles`.
fn is_candles(path: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|p| p.strip_suffix("/candles"))
        .is_some_and(|market| !market.is_empty() && !market.contains('/'))
}

/// What `req` costs against Bitvavo's budget (see [`weight`]).
fn request_weight(req: &Request) -> u64 {
    weight(req.path())
}

/// The `/account/history` page size (Bitvavo's maximum).
pub const HISTORY_PAGE_SIZE: u32 = 100;

/// The most candles Bitvavo answers a request with (its `limit` maximum).
pub const CANDLE_LIMIT: u32 = 1440;

/// Whether a call carries the signature headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    Private,
}

/// A Bitvavo API client for one account.
pub struct Client {
    http: HttpClient,
    signer: Arc<Signer>,
}

impl Client {
    /// A client from the plugin's checked configuration.
    pub fn new(ctx: &PluginContext) -> Result<Self> {
        let config: Config = ctx.config()?;
        let http = ctx
            .http_client_builder(DEFAULT_BASE_URL)?
            .classifier(classify)
            .budget_headers(budget, WEIGHT_RESERVE)
            .budget_limit(WEIGHT_LIMIT, WEIGHT_WINDOW)
            .request_cost(request_weight)
            .build()?;
        Ok(Client {
            http,
            signer: Arc::new(Signer {
                key: config.api_key,
                secret: config.api_secret,
                window_ms: config.access_window_ms,
            }),
        })
    }

    async fn call(&self, req: Request, access: Access) -> Result<Response> {
        let req = match access {
            Access::Private => req.signed(self.signer.clone()),
            Access::Public => req,
        };
        self.http.send(req).await
    }

    /// `GET /balance`.
    pub async fn balance(&self) -> Result<Response> {
        self.call(Request::get("/balance"), Access::Private).await
    }

    /// `GET /stakingBalance`; `None` where the endpoint does not exist (404).
    pub async fn staking_balance(&self) -> Result<Option<Response>> {
        match self
            .call(Request::get("/stakingBalance"), Access::Private)
            .await
        {
            Err(e) if e.status() == Some(404) => Ok(None),
            other => other.map(Some),
        }
    }

    /// `GET /assets`.
    pub async fn assets(&self) -> Result<Response> {
        self.call(Request::get("/assets"), Access::Public).await
    }

    /// `GET /ticker/price` for every market in one call.
    pub async fn prices(&self) -> Result<Response> {
        self.call(Request::get("/ticker/price"), Access::Public)
            .await
    }

    /// `GET /{market}/candles?interval=1d` between `start_ms` (inclusive)
    /// and `end_ms` (the end of the last day wanted), at most
    /// [`CANDLE_LIMIT`] candles, newest first. `None` when Bitvavo does not
    /// know the market (error 205, `market parameter is invalid.`).
    pub async fn daily_candles(
        &self,
        market: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Option<Response>> {
        let req = Request::get(format!("/{market}/candles"))
            .endpoint_name("GET /{market}/candles")
            .query("interval", "1d")
            .query("start", start_ms.to_string())
            .query("end", end_ms.to_string())
            .query("limit", CANDLE_LIMIT.to_string())
            .classifier(Arc::new(
                |r: &Response| {
                    if unknown_market(r) { None } else { classify(r) }
                },
            ));
        let answer = self.call(req, Access::Public).await?;
        Ok(answer.is_success().then_some(answer))
    }

    /// `GET /depositHistory` (`deposits`) or `GET /withdrawalHistory`, at
    /// most 1000 rows (Bitvavo's maximum) between the bounds in ms.
    pub async fn transfers(
        &self,
        deposits: bool,
        start_ms: Option<i64>,
        end_ms: i64,
    ) -> Result<Response> {
        let mut req = Request::get(if deposits {
            "/depositHistory"
        } else {
            "/withdrawalHistory"
        });
        if let Some(start) = start_ms {
            req = req.query("start", start.to_string());
        }
        req = req.query("end", end_ms.to_string()).query("limit", "1000");
        self.call(req, Access::Private).await
    }

    /// `GET /account/history`, one page (1-based), both bounds in ms and inclusive.
    pub async fn history_page(
        &self,
        from_ms: Option<i64>,
        to_ms: i64,
        page: u64,
    ) -> Result<Response> {
        let mut req = Request::get("/account/history");
        if let Some(from) = from_ms {
            req = req.query("fromDate", from.to_string());
        }
        req = req
            .query("toDate", to_ms.to_string())
            .query("page", page.to_string())
            .query("maxItems", HISTORY_PAGE_SIZE.to_string());
        self.call(req, Access::Private).await
    }
}

/// What `bitvavo-ratelimit-remaining` and `-resetat` (epoch ms) say is left.
pub fn budget(resp: &Response) -> Option<Budget> {
    let remaining = resp
        .header("bitvavo-ratelimit-remaining")?
        .trim()
        .parse::<i64>()
        .ok()?;
    let reset_at = resp
        .header("bitvavo-ratelimit-resetat")?
        .trim()
        .parse::<i64>()
        .ok()?;
    Some(Budget {
        remaining: u64::try_from(remaining).unwrap_or(0),
        resets_in: until_epoch_ms(reset_at),
    })
}

fn until_epoch_ms(at_ms: i64) -> Duration {
    let wait = at_ms.saturating_sub(Utc::now().timestamp_millis());
    Duration::from_millis(u64::try_from(wait).unwrap_or(0))
}

/// The error for a Bitvavo answer, by its `errorCode`, run by core's retry
/// loop on every answer: 105 (banned, with the unban time) and 103, and 110
/// on a 429 are rate limiting (the current docs answer an exceeded limit with
/// 429 and 110; older ones use 110 for an unknown endpoint, which comes with
/// 404); the 300 range is authentication; 107 to 109 are the matching engine
/// being busy (retried); other codes are requests Bitvavo did not accept.
/// An error answer without Bitvavo's body is read by its status.
pub fn classify(resp: &Response) -> Option<Error> {
    if resp.is_success() {
        return None;
    }
    let Ok(body) = serde_json::from_slice::<wire::ErrorBody<'_>>(resp.body()) else {
        return Some(resp.status_error(None));
    };
    let code = body.error_code.0;
    let text = resp
        .redactor()
        .redact(&format!("Bitvavo error {code}: {}", body.error))
        .into_owned();
    let err = match code {
        105 => Error::new(
            ErrorKind::RateLimited {
                retry_after: unban_delay(&body.error),
            },
            text,
        ),
        103 | 110 if resp.status() == 429 => Error::new(
            ErrorKind::RateLimited {
                retry_after: resp
                    .retry_after()
                    .or_else(|| budget(resp).map(|b| b.resets_in)),
            },
            text,
        ),
        300..=399 => Error::auth(text),
        107..=109 => Error::new(ErrorKind::Temporary, text),
        _ if resp.status() == 429 || resp.status() >= 500 => {
            return Some(resp.status_error(Some(&text)));
        }
        _ => return Some(resp.protocol_error(text)),
    };
    Some(err.with_operation(resp.endpoint().to_owned()))
}

/// Whether `resp` is Bitvavo's answer to a market it does not list:
/// error 205 on the `market` parameter.
pub fn unknown_market(resp: &Response) -> bool {
    !resp.is_success()
        && serde_json::from_slice::<wire::ErrorBody<'_>>(resp.body()).is_ok_and(|b| {
            b.error_code.0 == 205 && b.error.trim_start().starts_with("market parameter")
        })
}

/// How long until the unban time at the end of error 105's text
/// (`... at 1700000000000.`).
fn unban_delay(text: &str) -> Option<Duration> {
    let tail = text.trim_end().trim_end_matches('.');
    let ms: i64 = tail.rsplit(' ').next()?.parse().ok()?;
    Some(until_epoch_ms(ms))
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

    /// Every path the plugin requests, with the weight its source states.
    #[test]
    fn each_endpoint_weighs_what_its_source_states() {
        let table = [
            ("/account/history", 1),
            ("/balance", 5),
            ("/depositHistory", 5),
            ("/withdrawalHistory", 5),
            ("/assets", 1),
            ("/ticker/price", 1),
            ("/BTC-EUR/candles", 1),
            ("/stakingBalance", 100),
            ("/markets", 1),
            ("/account", 1),
            ("/trades", 5),
        ];
        for (path, w) in table {
            assert_eq!(weight(path), w, "{path}");
        }
        // The paths the client actually builds, query and all.
        let built = [
            (Request::get("/balance"), 5),
            (Request::get("/account/history").query("page", "2"), 1),
            (Request::get(format!("/{}/candles", "ETH-EUR")), 1),
            (Request::get("/depositHistory").query("limit", "1000"), 5),
        ];
        for (req, w) in built {
            assert_eq!(request_weight(&req), w, "{}", req.path());
        }
        // Unknown paths, and look-alikes of known ones, count as the heaviest.
        for path in [
            "/ordersOpen",
            "/candles",
            "//candles",
            "/a/b/candles",
            "/balance/x",
            "",
        ] {
            assert_eq!(weight(path), UNKNOWN_WEIGHT, "{path:?}");
        }
        assert_eq!(UNKNOWN_WEIGHT, 100);
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

    #[test]
    fn codes_map_to_kinds() {
        let kind = |status: u16, body: &str| {
            classify(&Response::synthetic(
                "GET /balance",
                status,
                &[],
                body.to_owned(),
            ))
            .map(|e| e.kind().clone())
        };
        assert_eq!(kind(200, "[]"), None);
        assert_eq!(
            kind(
                403,
                r#"{"errorCode":309,"error":"The signature is invalid."}"#
            ),
            Some(ErrorKind::Auth)
        );
        assert_eq!(
            kind(
                400,
                r#"{"errorCode":"107","error":"The matching engine is overloaded."}"#
            ),
            Some(ErrorKind::Temporary),
            "a code sent as text is read too"
        );
        assert!(matches!(
            kind(429, r#"{"errorCode":110,"error":"Rate limit exceeded."}"#),
            Some(ErrorKind::RateLimited { .. })
        ));
        assert_eq!(
            kind(404, r#"{"errorCode":110,"error":"Invalid endpoint."}"#),
            Some(ErrorKind::Protocol)
        );
        let unknown = Response::synthetic(
            "GET /{market}/candles",
            400,
            &[],
            r#"{"errorCode":205,"error":"market parameter is invalid."}"#.to_owned(),
        );
        assert!(unknown_market(&unknown));
        let bad_limit = Response::synthetic(
            "GET /{market}/candles",
            400,
            &[],
            r#"{"errorCode":205,"error":"limit parameter is invalid."}"#.to_owned(),
        );
        assert!(!unknown_market(&bad_limit));
        assert_eq!(
            kind(502, "<html>bad gateway</html>"),
            Some(ErrorKind::Temporary)
        );
    }
}
