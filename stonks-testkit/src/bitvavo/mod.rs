//! `MockBitvavo`: a wiremock server that behaves like Bitvavo's REST API v2.
//!
//! It checks key, timestamp window and HMAC-SHA256 signature of every
//! private call, exactly as Bitvavo does, and answers 403 with Bitvavo's
//! error body when they are wrong. It counts every request's weight against
//! Bitvavo's budget (1000 points a minute, each endpoint weighing what
//! Bitvavo's reference says, see [`endpoint_weight`]), sends Bitvavo's
//! rate-limit headers on every answer, and answers 429 with error 110 past
//! the limit, blocking the key for the rest of that minute and the next, as
//! Bitvavo does. It pages `/account/history`, and serves the account
//! described in `account.rs` (24 assets, 300 history entries), whose
//! balances are what its history adds up to (entries added to the history,
//! such as late bookings, count too). Its public daily candles run from
//! 2020-01-01 to today for every EUR market, ending at the price
//! `/ticker/price` gives.
//! Fault switches come from [`Faults`].

mod account;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::Faults;

/// The key the mock accepts.
pub const API_KEY: &str = "4dd0f3b1c07e6b0c5e8b9f6a2d7c4e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d";
/// The secret the mock verifies signatures with.
pub const API_SECRET: &str = "8f3c1e7a9b2d4f6e0c5a7b9d1e3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f";

/// The most candles one `/{market}/candles` answer holds (Bitvavo's
/// `limit` maximum and default).
pub const CANDLE_LIMIT: u32 = 1440;

/// The first day the mock has candles for.
pub const FIRST_CANDLE_DAY: (i32, u32, u32) = (2020, 1, 1);

/// The rate-limit budget per minute the mock announces.
pub const WEIGHT_LIMIT: i64 = 1000;

/// The weight the mock counts for an endpoint no source weighs
/// (`/stakingBalance`, an unknown path): the heaviest any source gives a
/// Bitvavo endpoint (100, ccxt's `GET /ordersOpen` without a market), the
/// same the plugin assumes.
pub const UNKNOWN_WEIGHT: i64 = 100;

/// The weight Bitvavo counts for a request to `path` (under `/v2`, without
/// its query), from Bitvavo's API reference (each endpoint's "Rate limit
/// weight points") and, where it is silent, ccxt's Bitvavo client:
///
/// | path | weight | source |
/// | --- | --- | --- |
/// | `/account/history` | 1 | docs.bitvavo.com/docs/rest-api/get-transaction-history |
/// | `/{market}/candles` | 1 | docs.bitvavo.com/docs/rest-api/get-candlestick-data |
/// | `/ticker/price` | 1 | docs.bitvavo.com/docs/websocket-api/get-ticker-prices; ccxt |
/// | `/ticker/24h` | 25 (1 with `market`) | docs.bitvavo.com/docs/rest-api/get-candlestick-data-24-h |
/// | `/account/fees` | 1 | docs.bitvavo.com/docs/rest-api/get-market-fees |
/// | `/time`, `/assets`, `/markets`, `/account` | 1 | ccxt `js/src/bitvavo.js` |
/// | `/balance` | 5 | docs.bitvavo.com/docs/websocket-api/get-account-balance; ccxt |
/// | `/depositHistory` | 5 | docs.bitvavo.com/docs/rest-api/get-deposit-history |
/// | `/withdrawalHistory` | 5 | ccxt |
/// | `/trades` | 5 | docs.bitvavo.com/docs/rest-api/get-trade-history |
/// | `/stakingBalance`, anything else | [`UNKNOWN_WEIGHT`] | no source |
pub fn endpoint_weight(path: &str) -> i64 {
    match path {
        "/account/history" | "/ticker/price" | "/account/fees" | "/time" | "/assets"
        | "/markets" | "/account" => 1,
        "/ticker/24h" => 25,
        "/balance" | "/depositHistory" | "/withdrawalHistory" | "/trades" => 5,
        p if p.ends_with("/candles")
            && p.matches('/').count() == 2
            && p.len() > "//candles".len() =>
        {
            1
        }
        _ => UNKNOWN_WEIGHT,
    }
}

/// A running mock of Bitvavo.
pub struct MockBitvavo {
    server: MockServer,
    state: Arc<Shared>,
}

struct Shared {
    faults: Faults,
    history: Mutex<Vec<Value>>,
    banned_until_ms: Mutex<Option<i64>>,
    budget: Mutex<WeightBudget>,
    /// Late-booked entries to slip in after the next first page is served.
    pending_shift: Mutex<Vec<Value>>,
    /// Endpoints (paths under `/v2`) that answer only after a delay.
    slow: Mutex<Vec<(String, std::time::Duration)>>,
}

/// The key's rate-limit budget, as Bitvavo keeps it.
struct WeightBudget {
    limit: i64,
    window_ms: i64,
    /// Weight used in the current window, and when that window began (ms).
    used: i64,
    started_ms: i64,
    /// Until when (ms) every request is refused, once the limit was passed.
    blocked_until_ms: Option<i64>,
    /// The weight of every request counted, over all windows.
    spent: i64,
    /// Requests refused for passing the limit.
    refused: usize,
}

impl WeightBudget {
    fn new(limit: i64, window_ms: i64) -> Self {
        WeightBudget {
            limit,
            window_ms,
            used: 0,
            started_ms: Utc::now().timestamp_millis(),
            blocked_until_ms: None,
            spent: 0,
            refused: 0,
        }
    }

    /// Counts a request of `weight` at `now`: whether it is served, and
    /// the remaining and reset-at values to state.
    fn count(&mut self, weight: i64, now: i64) -> (bool, i64, i64) {
        // A new window starts a window's length after the last one began.
        if now - self.started_ms >= self.window_ms {
            self.used = 0;
            self.started_ms = now;
        }
        if let Some(until) = self.blocked_until_ms.filter(|u| now < *u) {
            self.refused += 1;
            return (false, 0, until);
        }
        if self.used + weight > self.limit {
            // Blocked for the rest of this window and the next one.
            let until = self.started_ms + 2 * self.window_ms;
            self.blocked_until_ms = Some(until);
            self.refused += 1;
            return (false, 0, until);
        }
        self.used += weight;
        self.spent += weight;
        (
            true,
            self.limit - self.used,
            self.started_ms + self.window_ms,
        )
    }
}

/// Lowercase hex HMAC-SHA256 over Bitvavo's signing string.
pub fn bitvavo_signature(
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
    stonks_core::http::hmac_sha256_hex(secret.as_bytes(), &message)
}

fn error_body(code: u32, text: &str) -> String {
    json!({"errorCode": code, "error": text}).to_string()
}

impl MockBitvavo {
    /// Starts a mock with the standard account.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Shared {
            faults: Faults::new(),
            history: Mutex::new(account::history()),
            banned_until_ms: Mutex::new(None),
            budget: Mutex::new(WeightBudget::new(WEIGHT_LIMIT, 60_000)),
            pending_shift: Mutex::new(Vec::new()),
            slow: Mutex::new(Vec::new()),
        });
        Mock::given(any())
            .respond_with(Responder {
                state: state.clone(),
            })
            .mount(&server)
            .await;
        MockBitvavo { server, state }
    }

    /// `http://127.0.0.1:PORT/v2`: the value for the plugin's `base_url`.
    pub fn base_url(&self) -> String {
        format!("{}/v2", self.server.uri())
    }

    /// A plugin configuration that works against this mock.
    pub fn config(&self) -> Value {
        json!({"api_key": API_KEY, "api_secret": API_SECRET, "base_url": self.base_url()})
    }

    /// A configuration with a wrong secret (every signature fails).
    pub fn bad_config(&self) -> Value {
        json!({"api_key": API_KEY, "api_secret": "0000-wrong-secret-0000", "base_url": self.base_url()})
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Every private call answers error 105 until `epoch_ms`.
    pub fn ban_key_until(&self, epoch_ms: i64) {
        *lock(&self.state.banned_until_ms) = Some(epoch_ms);
    }

    /// Lifts a ban.
    pub fn unban(&self) {
        *lock(&self.state.banned_until_ms) = None;
    }

    /// Pretends `n` late-booked entries arrive while a client reads the
    /// history: they are inserted at the top right after the next first page
    /// is served, so later pages shift by `n`.
    pub fn shift_history_after_first_page(&self, n: usize) {
        let newest = lock(&self.state.history)
            .first()
            .map(account::executed_ms)
            .unwrap_or(0);
        let mut extra = Vec::with_capacity(n);
        for i in 0..n {
            let at = chrono::DateTime::from_timestamp_millis(newest - 1000 * (i as i64 + 1))
                .unwrap_or_default();
            extra.push(json!({
                "transactionId": format!("late-booked-{i}"),
                "executedAt": at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                "type": "staking", "receivedCurrency": "ETH", "receivedAmount": "0.000042"
            }));
        }
        *lock(&self.state.pending_shift) = extra;
    }

    /// Appends `n` staking rewards older than every entry, an hour apart: a
    /// long history for paging tests.
    pub fn add_old_history(&self, n: usize) {
        let mut h = lock(&self.state.history);
        let oldest = h.last().map(account::executed_ms).unwrap_or(0);
        for i in 0..n {
            let at = chrono::DateTime::from_timestamp_millis(oldest - 3_600_000 * (i as i64 + 1))
                .unwrap_or_default();
            h.push(json!({
                "transactionId": format!("old-reward-{i}"),
                "executedAt": at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                "type": "staking", "receivedCurrency": "ETH", "receivedAmount": "0.000031"
            }));
        }
    }

    /// The close of `asset`'s daily EUR candle on `day` as the mock serves
    /// it today (`None`: no such candle).
    pub fn daily_close(
        &self,
        asset: &str,
        day: chrono::NaiveDate,
    ) -> Option<rust_decimal::Decimal> {
        let a = account::ASSETS
            .iter()
            .find(|a| a.symbol == asset && a.eur_market)?;
        let today = Utc::now().date_naive();
        let (y, m, d) = FIRST_CANDLE_DAY;
        let first = chrono::NaiveDate::from_ymd_opt(y, m, d)?;
        if day < first || day > today {
            return None;
        }
        account::daily_close(a, (today - day).num_days())
    }

    /// Number of history entries the mock holds now.
    pub fn history_len(&self) -> usize {
        lock(&self.state.history).len()
    }

    /// Makes one endpoint (`/balance`) answer only after `delay`; the
    /// others answer as usual.
    pub fn slow_endpoint(&self, path: &str, delay: std::time::Duration) {
        lock(&self.state.slow).push((path.to_owned(), delay));
    }

    /// The requests received so far.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// Gives the key a budget of `limit` weight points every `window`
    /// (Bitvavo's is 1000 a minute; some keys are allowed more), starting
    /// a fresh window now. A short window lets a test cross windows
    /// quickly.
    pub fn set_weight_budget(&self, limit: i64, window: std::time::Duration) {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX).max(1);
        *lock(&self.state.budget) = WeightBudget::new(limit, window_ms);
    }

    /// The weight of every request served so far, over all windows
    /// (refused requests not counted).
    pub fn weight_spent(&self) -> i64 {
        lock(&self.state.budget).spent
    }

    /// How many requests were refused (429, error 110) for passing the
    /// weight limit, or while the key was blocked for it.
    pub fn weight_refusals(&self) -> usize {
        lock(&self.state.budget).refused
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

struct Responder {
    state: Arc<Shared>,
}

/// An answer before faults and headers: status and JSON text.
type Answer = (u16, String);

impl Responder {
    fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
        req.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Checks Bitvavo's four auth headers; `Some(answer)` when they fail.
    fn authenticate(&self, req: &Request) -> Option<Answer> {
        let now = Utc::now().timestamp_millis();
        if let Some(until) = *lock(&self.state.banned_until_ms)
            && now < until
        {
            return Some((
                403,
                error_body(
                    105,
                    &format!(
                        "Your IP or API key has been banned for not respecting the rate limit. The ban expires at {until}."
                    ),
                ),
            ));
        }
        let Some(key) = Self::header(req, "bitvavo-access-key") else {
            return Some((
                403,
                error_body(300, "Authentication is required for this endpoint."),
            ));
        };
        if key != API_KEY {
            return Some((403, error_body(305, "No active API key found.")));
        }
        let Some(ts) = Self::header(req, "bitvavo-access-timestamp") else {
            return Some((
                403,
                error_body(300, "Authentication is required for this endpoint."),
            ));
        };
        let Ok(ts_ms) = ts.parse::<i64>() else {
            return Some((
                403,
                error_body(302, "Timestamp is invalid. This must be a timestamp in ms."),
            ));
        };
        let window = match Self::header(req, "bitvavo-access-window") {
            None => 10_000,
            Some(w) => match w.parse::<i64>() {
                Ok(w) if (100..=60_000).contains(&w) => w,
                _ => {
                    return Some((
                        403,
                        error_body(303, "Window must be between 100 and 60000 ms."),
                    ));
                }
            },
        };
        if (now - ts_ms).abs() > window {
            return Some((
                403,
                error_body(
                    304,
                    "Your request was not received within the acceptance window.",
                ),
            ));
        }
        let Some(sig) = Self::header(req, "bitvavo-access-signature") else {
            return Some((
                403,
                error_body(300, "Authentication is required for this endpoint."),
            ));
        };
        let path_and_query = match req.url.query() {
            Some(q) => format!("{}?{q}", req.url.path()),
            None => req.url.path().to_owned(),
        };
        // The body is part of the signed string only for requests that
        // carry one: python-bitvavo-api sends every private GET with the
        // body `{}` and signs it without, which Bitvavo accepts.
        let body: &[u8] = if matches!(req.method.as_str(), "GET" | "DELETE") {
            b""
        } else {
            &req.body
        };
        let expected =
            bitvavo_signature(API_SECRET, ts, req.method.as_str(), &path_and_query, body);
        if sig.len() != 64 {
            return Some((
                403,
                error_body(
                    308,
                    "The signature length is invalid (HMAC-SHA256 should return a 64 length hexadecimal string).",
                ),
            ));
        }
        if sig != expected {
            return Some((403, error_body(309, "The signature is invalid.")));
        }
        None
    }

    fn route(&self, req: &Request) -> Answer {
        let path = req
            .url
            .path()
            .strip_prefix("/v2")
            .unwrap_or(req.url.path())
            .to_owned();
        let private = matches!(
            path.as_str(),
            "/account"
                | "/account/fees"
                | "/balance"
                | "/stakingBalance"
                | "/account/history"
                | "/depositHistory"
                | "/withdrawalHistory"
                | "/trades"
        );
        if private && let Some(denied) = self.authenticate(req) {
            return denied;
        }
        let query = |name: &str| -> Option<String> {
            req.url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let invalid = |name: &str| {
            (
                400,
                error_body(205, &format!("{name} parameter is invalid.")),
            )
        };
        let now = Utc::now().timestamp_millis();
        match (req.method.as_str(), path.as_str()) {
            ("GET", "/time") => (200, json!({"time": now}).to_string()),
            ("GET", "/assets") => match query("symbol") {
                None => (200, account::assets_json().to_string()),
                // One asset: one object, not a list.
                Some(s) => match account::assets_json()
                    .as_array()
                    .and_then(|a| a.iter().find(|x| x["symbol"] == s.as_str()).cloned())
                {
                    Some(a) => (200, a.to_string()),
                    None => invalid("symbol"),
                },
            },
            ("GET", "/markets") => match query("market") {
                None => (200, account::markets_json().to_string()),
                Some(m) => match account::markets_json()
                    .as_array()
                    .and_then(|a| a.iter().find(|x| x["market"] == m.as_str()).cloned())
                {
                    Some(x) => (200, x.to_string()),
                    None => invalid("market"),
                },
            },
            ("GET", "/ticker/price") => {
                let all = account::prices_json();
                match query("market") {
                    None => (200, all.to_string()),
                    // One market: one object, not a list.
                    Some(m) => match all.as_array().and_then(|a| a.iter().find(|p| p["market"] == m.as_str())) {
                        Some(p) => (200, p.to_string()),
                        None => invalid("market"),
                    },
                }
            }
            ("GET", "/ticker/24h") => {
                let all: Vec<Value> = account::ASSETS
                    .iter()
                    .filter_map(|a| account::ticker_24h(a, now))
                    .collect();
                match query("market") {
                    None => (200, Value::Array(all).to_string()),
                    Some(m) => match all.into_iter().find(|t| t["market"] == m.as_str()) {
                        Some(t) => (200, t.to_string()),
                        None => invalid("market"),
                    },
                }
            }
            ("GET", "/account") => (
                200,
                json!({"fees": {"tier": "0", "volume": "1543.21", "maker": "0.0015", "taker": "0.0025"},
                       "capabilities": ["buy", "sell", "depositCrypto", "depositFiat", "withdrawCrypto", "withdrawFiat"]})
                .to_string(),
            ),
            ("GET", "/account/fees") => (
                200,
                json!({"tier": "0", "volume": "1543.21", "taker": "0.0025", "maker": "0.0015"}).to_string(),
            ),
            ("GET", "/balance") => {
                let all = account::balances_json(&lock(&self.state.history));
                match query("symbol") {
                    None => (200, all.to_string()),
                    // Filtered by symbol: still a list, of one.
                    Some(s) => {
                        let one: Vec<&Value> = all
                            .as_array()
                            .map(|a| a.iter().filter(|b| b["symbol"] == s.as_str()).collect())
                            .unwrap_or_default();
                        (200, json!(one).to_string())
                    }
                }
            }
            ("GET", "/stakingBalance") => (
                200,
                account::staking_json(&lock(&self.state.history)).to_string(),
            ),
            ("GET", "/account/history") => self.history_page(&query),
            ("GET", "/depositHistory") => self.transfers("deposit", &query),
            ("GET", "/withdrawalHistory") => self.transfers("withdrawal", &query),
            ("GET", "/trades") => self.fills(&query),
            ("GET", p) if p.ends_with("/candles") && p.matches('/').count() == 2 => {
                Self::candles(p.trim_start_matches('/').trim_end_matches("/candles"), &query)
            }
            _ => (404, error_body(110, "Invalid endpoint. Please check url and HTTP method.")),
        }
    }

    /// The `start`, `end` (ms) and `limit` of a history query, checked.
    fn window(
        query: &dyn Fn(&str) -> Option<String>,
        max: i64,
    ) -> Result<(Option<i64>, Option<i64>, usize), Answer> {
        let num = |name: &str| -> Result<Option<i64>, Answer> {
            match query(name) {
                None => Ok(None),
                Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                    (
                        400,
                        error_body(205, &format!("{name} parameter is invalid.")),
                    )
                }),
            }
        };
        let limit = num("limit")?.unwrap_or(500);
        if !(1..=max).contains(&limit) {
            return Err((400, error_body(205, "limit parameter is invalid.")));
        }
        Ok((
            num("start")?,
            num("end")?,
            usize::try_from(limit).unwrap_or(500),
        ))
    }

    /// Public `/{market}/candles`: daily candles (`interval=1d`) of every
    /// EUR market, from 2020-01-01 to today, newest first, at most `limit`
    /// (1 to 1440, default 1440) starting at or after `start` and before
    /// `end` (Unix ms). A market without trades (FET) has no candles; a
    /// market Bitvavo does not list answers error 205. Only `1d` is served:
    /// any other interval is refused as invalid.
    fn candles(market: &str, query: &dyn Fn(&str) -> Option<String>) -> Answer {
        let Some(asset) = account::ASSETS
            .iter()
            .find(|a| a.eur_market && format!("{}-EUR", a.symbol) == market)
        else {
            return (400, error_body(205, "market parameter is invalid."));
        };
        match query("interval").as_deref() {
            None => return (400, error_body(203, "interval parameter is required.")),
            Some("1d") => {}
            Some(_) => return (400, error_body(205, "interval parameter is invalid.")),
        }
        let (start, end, limit) = match Self::window(query, i64::from(CANDLE_LIMIT)) {
            Ok((s, e, l)) => (
                s,
                e,
                if query("limit").is_none() {
                    CANDLE_LIMIT as usize
                } else {
                    l
                },
            ),
            Err(e) => return e,
        };
        let rows: Vec<Value> = account::daily_candles(asset, Utc::now().date_naive())
            .into_iter()
            .filter(|c| {
                let t = c[0].as_i64().unwrap_or_default();
                start.is_none_or(|s| t >= s) && end.is_none_or(|e| t < e)
            })
            .take(limit)
            .collect();
        (200, Value::Array(rows).to_string())
    }

    /// Private `/trades?market=`: the account's fills in one market, newest
    /// first, from the buys and sells of the history.
    fn fills(&self, query: &dyn Fn(&str) -> Option<String>) -> Answer {
        let Some(market) = query("market") else {
            return (400, error_body(203, "market parameter is required."));
        };
        let (start, end, limit) = match Self::window(query, 1000) {
            Ok(w) => w,
            Err(e) => return e,
        };
        let Some((base, _)) = market.split_once('-') else {
            return (400, error_body(205, "market parameter is invalid."));
        };
        let history = lock(&self.state.history).clone();
        let rows: Vec<Value> = history
            .iter()
            .filter(|i| {
                let t = account::executed_ms(i);
                (i["type"] == "buy" && i["receivedCurrency"] == base
                    || i["type"] == "sell" && i["sentCurrency"] == base)
                    && start.is_none_or(|s| t >= s)
                    && end.is_none_or(|e| t <= e)
            })
            .take(limit)
            .map(|i| {
                let buy = i["type"] == "buy";
                let amount = if buy {
                    &i["receivedAmount"]
                } else {
                    &i["sentAmount"]
                };
                let id = i["transactionId"].as_str().unwrap_or_default();
                json!({
                    "id": id, "orderId": format!("order-{id}"), "clientOrderId": Value::Null,
                    "timestamp": account::executed_ms(i), "market": market,
                    "side": if buy { "buy" } else { "sell" }, "amount": amount,
                    "price": i["priceAmount"], "taker": true, "fee": i["feesAmount"],
                    "feeCurrency": i["feesCurrency"], "settled": true
                })
            })
            .collect();
        (200, Value::Array(rows).to_string())
    }

    /// `/depositHistory` or `/withdrawalHistory`, newest first, built from
    /// the history and filtered by `symbol`, `start`, `end` and `limit`:
    /// deposits with ms timestamps as numbers, withdrawals with them as
    /// strings (both occur in the wild); EUR deposits from an IBAN with a
    /// payment id, crypto ones with a transaction hash.
    fn transfers(&self, kind: &str, query: &dyn Fn(&str) -> Option<String>) -> Answer {
        let (start, end, limit) = match Self::window(query, 1000) {
            Ok(w) => w,
            Err(e) => return e,
        };
        let symbol = query("symbol");
        let history = lock(&self.state.history).clone();
        let rows: Vec<Value> = history
            .iter()
            .filter(|i| i["type"] == kind)
            .filter(|i| {
                let t = account::executed_ms(i);
                let sym = if kind == "deposit" { &i["receivedCurrency"] } else { &i["sentCurrency"] };
                start.is_none_or(|s| t >= s)
                    && end.is_none_or(|e| t <= e)
                    && symbol.as_deref().is_none_or(|s| sym == s)
            })
            .take(limit)
            .map(|i| {
                let ms = account::executed_ms(i);
                let (symbol, amount) = if kind == "deposit" {
                    (&i["receivedCurrency"], &i["receivedAmount"])
                } else {
                    (&i["sentCurrency"], &i["sentAmount"])
                };
                let crypto = symbol != "EUR";
                json!({
                    "timestamp": if kind == "deposit" { json!(ms) } else { json!(ms.to_string()) },
                    "symbol": symbol,
                    "amount": amount,
                    "fee": i.get("feesAmount").cloned().unwrap_or(json!("0")),
                    "status": "completed",
                    "address": i.get("address").cloned().unwrap_or(Value::Null),
                    "paymentId": if crypto { Value::Null } else { json!(format!("{:010}", ms % 10_000_000_000)) },
                    "txId": if crypto { json!(format!("{:064x}", ms)) } else { Value::Null },
                })
            })
            .collect();
        (200, Value::Array(rows).to_string())
    }

    fn history_page(&self, query: &dyn Fn(&str) -> Option<String>) -> Answer {
        let num = |name: &str| -> Result<Option<i64>, Answer> {
            match query(name) {
                None => Ok(None),
                Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                    (
                        400,
                        error_body(205, &format!("Invalid parameter value: {name}")),
                    )
                }),
            }
        };
        let (from, to, page, max) =
            match (num("fromDate"), num("toDate"), num("page"), num("maxItems")) {
                (Ok(f), Ok(t), Ok(p), Ok(m)) => (f, t, p.unwrap_or(1), m.unwrap_or(100)),
                (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => return e,
            };
        if !(1..=100).contains(&max) || page < 1 {
            return (400, error_body(205, "Invalid parameter value: maxItems"));
        }
        let kind = query("type");
        let history = lock(&self.state.history).clone();
        let hits: Vec<&Value> = history
            .iter()
            .filter(|item| {
                let t = account::executed_ms(item);
                from.is_none_or(|f| t >= f)
                    && to.is_none_or(|u| t <= u)
                    && kind.as_deref().is_none_or(|k| item["type"] == k)
            })
            .collect();
        let max = max as usize;
        let total_pages = hits.len().div_ceil(max).max(1);
        let start = (page as usize - 1).saturating_mul(max);
        let items: Vec<&Value> = hits.iter().skip(start).take(max).copied().collect();
        if page == 1 {
            let late = std::mem::take(&mut *lock(&self.state.pending_shift));
            if !late.is_empty() {
                let mut h = lock(&self.state.history);
                for (i, item) in late.into_iter().enumerate() {
                    h.insert(i, item);
                }
            }
        }
        (
            200,
            json!({"items": items, "currentPage": page, "totalPages": total_pages, "maxItems": max}).to_string(),
        )
    }
}

/// The weight Bitvavo counts for `req`: [`endpoint_weight`] of its path,
/// and 1 for `/ticker/24h` of one market.
fn weight_of(req: &Request) -> i64 {
    let path = req.url.path().strip_prefix("/v2").unwrap_or(req.url.path());
    if path == "/ticker/24h" && req.url.query_pairs().any(|(k, _)| k == "market") {
        return 1;
    }
    endpoint_weight(path)
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let (served, remaining, reset_at, limit) = {
            let mut b = lock(&self.state.budget);
            let (served, remaining, reset_at) =
                b.count(weight_of(req), Utc::now().timestamp_millis());
            (served, remaining, reset_at, b.limit)
        };
        let headers = |t: ResponseTemplate| {
            t.insert_header("bitvavo-ratelimit-limit", limit.to_string().as_str())
                .insert_header(
                    "bitvavo-ratelimit-remaining",
                    remaining.to_string().as_str(),
                )
                .insert_header("bitvavo-ratelimit-resetat", reset_at.to_string().as_str())
        };
        if !served {
            // https://docs.bitvavo.com/docs/rate-limits: HTTP 429, error 110.
            return headers(ResponseTemplate::new(429).set_body_string(error_body(
                110,
                "Rate limit exceeded. Please wait until the reset and respect bitvavo-ratelimit-remaining.",
            )));
        }
        let slow = lock(&self.state.slow)
            .iter()
            .find(|(p, _)| req.url.path().trim_start_matches("/v2") == p)
            .map(|(_, d)| *d);
        let template = self.state.faults.answer(|| self.route(req));
        let template = match slow {
            Some(d) => template.set_delay(d),
            None => template,
        };
        headers(template)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_counted_and_the_key_blocked_past_the_limit() {
        assert_eq!(endpoint_weight("/account/history"), 1);
        assert_eq!(endpoint_weight("/balance"), 5);
        assert_eq!(endpoint_weight("/BTC-EUR/candles"), 1);
        assert_eq!(endpoint_weight("/stakingBalance"), UNKNOWN_WEIGHT);
        assert_eq!(endpoint_weight("//candles"), UNKNOWN_WEIGHT);
        let mut b = WeightBudget::new(20, 1000);
        let t0 = b.started_ms;
        assert_eq!(b.count(5, t0 + 1), (true, 15, t0 + 1000));
        assert_eq!(b.count(5, t0 + 2), (true, 10, t0 + 1000));
        assert_eq!(
            b.count(10, t0 + 3),
            (true, 0, t0 + 1000),
            "exactly the limit"
        );
        // One point more: refused, and blocked for this window and the next.
        assert_eq!(b.count(1, t0 + 4), (false, 0, t0 + 2000));
        assert_eq!(
            b.count(1, t0 + 1500),
            (false, 0, t0 + 2000),
            "still blocked"
        );
        assert_eq!(b.count(1, t0 + 2500), (true, 19, t0 + 3500));
        assert_eq!((b.spent, b.refused), (21, 2));
    }

    /// Bitvavo's published example: secret `bitvavo`, this POST, this body.
    #[test]
    fn signature_matches_the_published_vector() {
        let sig = bitvavo_signature(
            "bitvavo",
            "1548172481125",
            "POST",
            "/v2/order",
            br#"{"market":"BTC-EUR","side":"buy","price":"5000","amount":"1.23","orderType":"limit"}"#,
        );
        assert!(
            sig.starts_with("44d02272") && sig.ends_with("a016"),
            "{sig}"
        );
    }

    #[test]
    fn account_is_realistic() {
        let h = account::history();
        assert!(h.len() >= 250, "{}", h.len());
        let ids: std::collections::HashSet<&str> = h
            .iter()
            .map(|i| i["transactionId"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), h.len());
        assert!(account::ASSETS.len() >= 20);
        for kind in [
            "buy",
            "sell",
            "deposit",
            "withdrawal",
            "staking",
            "launchpool_reward",
        ] {
            assert!(h.iter().any(|i| i["type"] == kind), "{kind}");
        }
        // Newest first.
        assert!(account::executed_ms(&h[0]) > account::executed_ms(&h[h.len() - 1]));
    }

    /// Every balance is what the history adds up to, and no asset ever
    /// went below zero on the way: a real account's history.
    #[test]
    fn balances_are_what_the_history_adds_up_to() {
        let h = account::history();
        let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
        let mut running: std::collections::HashMap<String, rust_decimal::Decimal> =
            Default::default();
        for (n, item) in h.iter().enumerate().rev() {
            // The running totals after this entry are the totals of the
            // history up to it.
            let upto = account::totals(&h[n..]);
            for (symbol, total) in &upto {
                assert!(
                    !total.is_sign_negative() || total.is_zero(),
                    "{symbol} at {total} after {item}"
                );
                running.insert(symbol.clone(), *total);
            }
        }
        let balances = account::balances(&h);
        assert_eq!(
            balances.len(),
            23,
            "every asset but TRX, which was never held"
        );
        let by: std::collections::HashMap<&str, (&str, &str)> = balances
            .iter()
            .map(|(s, a, o)| (s.as_str(), (a.as_str(), o.as_str())))
            .collect();
        assert_eq!(by["LTC"], ("0", "0"), "sold out");
        assert_eq!(by["DOGE"], ("0.00000012", "0"), "dust");
        assert_eq!(by["ALGO"], ("0.000001", "0"), "dust");
        assert_eq!(by["XNO"], ("3", "0"), "deposited: XNO has no EUR market");
        assert_eq!(by["EUR"].1, "250.00", "an open order holds EUR back");
        assert!(!by.contains_key("TRX"));
        for (symbol, available, in_order) in &balances {
            assert!(d(available) >= rust_decimal::Decimal::ZERO, "{symbol}");
            let staked = account::staking_json(&h)
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["symbol"] == symbol.as_str())
                .map_or(rust_decimal::Decimal::ZERO, |s| {
                    d(s["amount"].as_str().unwrap())
                });
            assert_eq!(
                d(available) + d(in_order) + staked,
                running[symbol],
                "{symbol}: available + in order + staked is the history's total"
            );
        }
    }
}
