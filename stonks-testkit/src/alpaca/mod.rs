//! `MockAlpaca`: a wiremock server that behaves like Alpaca's Trading API v2
//! for a paper account.
//!
//! It checks both key headers of every call (401 with Alpaca's error body
//! when they are wrong), serves `/v2/account`, `/v2/positions` and
//! `/v2/account/activities` (also by type, `/v2/account/activities/{type}`)
//! with Alpaca's filters and paging (`direction`, default `desc`;
//! `page_size` 1 to 100; `page_token`; `after`, `until`, `date`;
//! `activity_types`; `category`), and sends Alpaca's rate-limit headers on
//! every answer, refusing with 429 past 200 requests a minute. The account
//! is the year of history in `account.rs`. On the same server it serves
//! the Market Data API's daily bars (`/v2/stocks/{symbol}/bars`,
//! `/v1beta3/crypto/us/bars`) and `/v2/assets/{symbol}`, see `bars.rs`.
//! Fault switches come from [`Faults`].

pub(crate) mod account;
mod bars;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::Faults;
pub use account::{ACCOUNT_ID, ACCOUNT_NUMBER};
pub use bars::{BARS_PAGE, FIRST_BAR_DAY};

/// The key id the mock accepts (`APCA-API-KEY-ID`).
pub const KEY_ID: &str = "PKMOCK4T7Q9Z2W8X5V3N";

/// The secret key the mock accepts (`APCA-API-SECRET-KEY`).
pub const SECRET_KEY: &str = "mOcK9sEcReT4aLpAcA7kEy2pApEr5tRaDiNg8xQz";

/// Requests a minute the mock allows, as Alpaca does per account.
pub const RATE_LIMIT: i64 = 200;

/// Every `activity_type` Alpaca's docs and alpaca-py both know.
const ACTIVITY_TYPES: &[&str] = &[
    "FILL", "ACATC", "ACATS", "CFEE", "CSD", "CSW", "DIV", "DIVCGL", "DIVCGS", "DIVNRA", "DIVROC",
    "DIVTXEX", "FEE", "INT", "JNLC", "JNLS", "MA", "NC", "OPASN", "OPCSH", "OPEXC", "OPEXP",
    "OPTRD", "PTC", "REORG", "SPIN", "SPLIT",
];

/// A running mock of Alpaca.
pub struct MockAlpaca {
    server: MockServer,
    state: Arc<Shared>,
}

struct Shared {
    faults: Faults,
    account: Value,
    positions: Value,
    activities: Vec<account::Activity>,
    /// `(symbol, date)` of the ledger's splits: raw bars before them are
    /// four times the adjusted ones.
    splits: Vec<(String, NaiveDate)>,
    /// Requests in the current minute, and when it began (Unix s).
    window: Mutex<(i64, i64)>,
}

/// An answer before faults and headers: status and JSON text.
type Answer = (u16, String);

fn error(status: u16, code: u64, message: &str) -> Answer {
    (
        status,
        json!({"code": code, "message": message}).to_string(),
    )
}

impl MockAlpaca {
    /// Starts a mock with the standard account.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let book = account::book();
        let state = Arc::new(Shared {
            faults: Faults::new(),
            account: book.account_json(),
            positions: book.positions_json(),
            splits: account::splits(&book.activities),
            activities: book.activities,
            window: Mutex::new((0, Utc::now().timestamp())),
        });
        Mock::given(any())
            .respond_with(Responder {
                state: state.clone(),
            })
            .mount(&server)
            .await;
        MockAlpaca { server, state }
    }

    /// `http://127.0.0.1:PORT` (no `/v2`, no trailing slash): the plugin's
    /// `base_url`, alpaca-py's `url_override`.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// A plugin configuration that works against this mock: the Trading
    /// API and the Market Data API both on it.
    pub fn config(&self) -> Value {
        json!({"key_id": KEY_ID, "secret_key": SECRET_KEY, "base_url": self.base_url(), "data_url": self.base_url()})
    }

    /// The raw close of `symbol` (`AAPL`, `BTC/USD`) on `day` as the mock's
    /// bars give it today (`None`: no bar that day).
    pub fn daily_close(&self, symbol: &str, day: NaiveDate) -> Option<rust_decimal::Decimal> {
        bars::daily_bars(symbol, Utc::now().date_naive(), &self.state.splits, false)?
            .into_iter()
            .find(|b| b.day == day)
            .map(|b| b.close)
    }

    /// A configuration with a wrong secret key.
    pub fn bad_config(&self) -> Value {
        json!({"key_id": KEY_ID, "secret_key": "wrong-secret-0000", "base_url": self.base_url(), "data_url": self.base_url()})
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// How many activities the account has.
    pub fn activities_len(&self) -> usize {
        self.state.activities.len()
    }

    /// The account's JSON as `/v2/account` serves it.
    pub fn account_json(&self) -> &Value {
        &self.state.account
    }

    /// The requests received so far.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

struct Responder {
    state: Arc<Shared>,
}

/// `YYYY-MM-DD` (midnight UTC) or RFC 3339, as Alpaca takes them.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
            Some(d.and_time(chrono::NaiveTime::MIN).and_utc())
        })
}

impl Responder {
    fn route(&self, req: &Request, used: i64) -> Answer {
        let header = |n: &str| req.headers.get(n).and_then(|v| v.to_str().ok());
        if header("apca-api-key-id") != Some(KEY_ID)
            || header("apca-api-secret-key") != Some(SECRET_KEY)
        {
            return error(401, 40110000, "request is not authorized");
        }
        if used > RATE_LIMIT {
            return error(429, 42910000, "rate limit exceeded");
        }
        // alpaca-py joins a trailing-slash base into `//v2/...`: accept it.
        let path = format!("/{}", req.url.path().trim_start_matches('/'));
        let query = |name: &str| -> Option<String> {
            req.url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        match (req.method.as_str(), path.as_str()) {
            ("GET", "/v2/account") => (200, self.state.account.to_string()),
            ("GET", "/v2/positions") => (200, self.state.positions.to_string()),
            ("GET", "/v2/account/activities") => self.activities(&query, None),
            ("GET", p) if p.starts_with("/v2/stocks/") && p.ends_with("/bars") => {
                let symbol = p
                    .trim_start_matches("/v2/stocks/")
                    .trim_end_matches("/bars");
                self.bars(&[symbol.to_owned()], false, &query)
            }
            ("GET", "/v1beta3/crypto/us/bars") => {
                let Some(list) = query("symbols") else {
                    return error(400, 40010001, "symbols is required");
                };
                let symbols: Vec<String> = list.split(',').map(|s| s.trim().to_owned()).collect();
                self.bars(&symbols, true, &query)
            }
            ("GET", p) if p.starts_with("/v2/assets/") => {
                let raw = p.trim_start_matches("/v2/assets/");
                let symbol = raw.replace("%2F", "/").replace("%2f", "/");
                Self::asset(&symbol)
            }
            ("GET", p) if p.starts_with("/v2/account/activities/") => {
                let kind = p.trim_start_matches("/v2/account/activities/");
                self.activities(&query, Some(kind))
            }
            _ => error(404, 40410000, "endpoint not found"),
        }
    }

    /// `/v2/assets/{symbol}`: the symbols with bars (a pair also as
    /// `BTCUSD`); anything else 404 as Alpaca answers it.
    fn asset(symbol: &str) -> Answer {
        let Some(&(bars_symbol, _)) = bars::SYMBOLS
            .iter()
            .find(|s| s.0 == symbol || s.1 == symbol)
        else {
            return error(404, 40410000, &format!("asset not found for {symbol}"));
        };
        let crypto = bars_symbol.contains('/');
        let seed = bars_symbol
            .bytes()
            .fold(7u64, |a, c| a.wrapping_mul(31).wrapping_add(u64::from(c)));
        (
            200,
            json!({
                "id": account::uuid(seed), "class": if crypto { "crypto" } else { "us_equity" },
                "exchange": if crypto { "CRYPTO" } else if bars_symbol == "VOO" { "ARCA" } else { "NASDAQ" },
                "symbol": bars_symbol, "name": bars_symbol, "status": "active", "tradable": true,
                "marginable": !crypto, "shortable": !crypto, "easy_to_borrow": !crypto, "fractionable": true,
                "attributes": []
            })
            .to_string(),
        )
    }

    /// Daily bars of `symbols`, ascending, one symbol after the other, the
    /// page continued after the bar its `page_token` names. Stocks answer
    /// `{bars: [..] | null, symbol, next_page_token}`, crypto `{bars:
    /// {"BTC/USD": [..]}, next_page_token}`.
    fn bars(
        &self,
        symbols: &[String],
        crypto: bool,
        query: &dyn Fn(&str) -> Option<String>,
    ) -> Answer {
        match query("timeframe").as_deref() {
            Some("1Day" | "1D") => {}
            Some(_) => return error(400, 40010001, "invalid timeframe"),
            None => return error(400, 40010001, "timeframe is required"),
        }
        let limit = match query("limit").map(|l| l.parse::<usize>()) {
            None => 1000,
            Some(Ok(n)) if (1..=10_000).contains(&n) => n,
            Some(_) => return error(400, 40010001, "invalid limit: must be between 1 and 10000"),
        };
        let adjusted = match query("adjustment").as_deref() {
            None | Some("raw") => false,
            Some("split" | "all") => true,
            Some(_) => return error(400, 40010001, "invalid adjustment"),
        };
        let mut bounds = [None, None];
        for (slot, name) in bounds.iter_mut().zip(["start", "end"]) {
            if let Some(text) = query(name) {
                match parse_time(&text) {
                    Some(t) => *slot = Some(t),
                    None => return error(400, 40010001, &format!("invalid {name}")),
                }
            }
        }
        let [start, end] = bounds;
        let today = Utc::now().date_naive();
        let all: Vec<(&str, bars::Bar)> = symbols
            .iter()
            .flat_map(|s| {
                bars::daily_bars(s, today, &self.state.splits, adjusted)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|b| start.is_none_or(|t| b.t >= t) && end.is_none_or(|t| b.t <= t))
                    .map(move |b| (s.as_str(), b))
            })
            .collect();
        let from = match query("page_token") {
            None => 0,
            Some(token) => match all
                .iter()
                .position(|(s, b)| bars::page_token(s, b) == token)
            {
                Some(i) => i + 1,
                None => return error(400, 40010001, "invalid page_token"),
            },
        };
        let take = limit.min(bars::BARS_PAGE);
        let page = &all[from.min(all.len())..(from + take).min(all.len())];
        let next = match page.last() {
            Some((s, b)) if from + take < all.len() => json!(bars::page_token(s, b)),
            _ => Value::Null,
        };
        let list = |symbol: &str| {
            let rows: Vec<String> = page
                .iter()
                .filter(|(s, _)| *s == symbol)
                .map(|(_, b)| bars::bar_json(b, crypto))
                .collect();
            format!("[{}]", rows.join(","))
        };
        let body = if crypto {
            let mut keyed: Vec<String> = Vec::new();
            for s in symbols {
                if page.iter().any(|(p, _)| p == s) {
                    keyed.push(format!("{}:{}", json!(s), list(s)));
                }
            }
            format!(
                r#"{{"bars":{{{}}},"next_page_token":{next}}}"#,
                keyed.join(",")
            )
        } else {
            let symbol = &symbols[0];
            let bars = if page.is_empty() {
                "null".to_owned()
            } else {
                list(symbol)
            };
            format!(
                r#"{{"bars":{bars},"symbol":{},"next_page_token":{next}}}"#,
                json!(symbol)
            )
        };
        (200, body)
    }

    /// `/v2/account/activities`: filtered, ordered by id (which sorts as
    /// time does), continued strictly after `page_token` in that order.
    fn activities(
        &self,
        query: &dyn Fn(&str) -> Option<String>,
        path_type: Option<&str>,
    ) -> Answer {
        let invalid = |what: &str| error(422, 42210000, &format!("invalid {what}"));
        let asc = match query("direction").as_deref() {
            None | Some("desc") => false,
            Some("asc") => true,
            Some(_) => return invalid("direction"),
        };
        let page_size = match query("page_size").map(|s| s.parse::<usize>()) {
            None => 100,
            Some(Ok(n)) if (1..=100).contains(&n) => n,
            Some(_) => return error(422, 42210000, "page_size must be between 1 and 100"),
        };
        let mut bounds = [None, None, None];
        for (slot, name) in bounds.iter_mut().zip(["after", "until", "date"]) {
            if let Some(text) = query(name) {
                match parse_time(&text) {
                    Some(t) => *slot = Some(t),
                    None => return invalid(name),
                }
            }
        }
        let [after, until, date] = bounds;
        let mut types: Vec<String> = match (path_type, query("activity_types")) {
            (Some(t), _) => vec![t.to_owned()],
            (None, Some(list)) => list.split(',').map(|t| t.trim().to_owned()).collect(),
            (None, None) => Vec::new(),
        };
        if let Some(bad) = types.iter().find(|t| !ACTIVITY_TYPES.contains(&t.as_str())) {
            return error(422, 40010001, &format!("invalid activity type: {bad}"));
        }
        match query("category").as_deref() {
            None => {}
            Some(_) if !types.is_empty() => return invalid("category with activity_types"),
            Some("trade_activity") => types.push("FILL".into()),
            Some("non_trade_activity") => types.extend(
                ACTIVITY_TYPES
                    .iter()
                    .filter(|t| **t != "FILL")
                    .map(|t| t.to_string()),
            ),
            Some(_) => return invalid("category"),
        }
        let token = query("page_token");
        let hits = |a: &&account::Activity| {
            after.is_none_or(|t| a.at > t)
                && until.is_none_or(|t| a.at < t)
                && date.is_none_or(|t| a.at.date_naive() == t.date_naive())
                && (types.is_empty() || types.iter().any(|t| t == a.kind))
                && token.as_deref().is_none_or(|t| {
                    if asc {
                        a.id.as_str() > t
                    } else {
                        a.id.as_str() < t
                    }
                })
        };
        let page: Vec<&Value> = if asc {
            let all = self.state.activities.iter().filter(hits);
            all.take(page_size).map(|a| &a.json).collect()
        } else {
            let all = self.state.activities.iter().rev().filter(hits);
            all.take(page_size).map(|a| &a.json).collect()
        };
        (200, json!(page).to_string())
    }
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        // A minute's budget: a new window starts a minute after the last one began.
        let (used, reset) = {
            let now = Utc::now().timestamp();
            let mut w = self.state.window.lock().unwrap_or_else(|p| p.into_inner());
            if now - w.1 >= 60 {
                *w = (0, now);
            }
            w.0 += 1;
            (w.0, w.1 + 60)
        };
        self.state
            .faults
            .answer(|| self.route(req, used))
            .insert_header("X-RateLimit-Limit", RATE_LIMIT.to_string().as_str())
            .insert_header(
                "X-RateLimit-Remaining",
                (RATE_LIMIT - used).max(0).to_string().as_str(),
            )
            .insert_header("X-RateLimit-Reset", reset.to_string().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_is_realistic_and_adds_up() {
        let book = account::book();
        let a = &book.activities;
        let ids: std::collections::HashSet<&str> = a.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids.len(), a.len(), "ids are unique");
        assert!(
            a.windows(2).all(|w| w[0].at <= w[1].at),
            "ids sort as time does"
        );
        for kind in [
            "FILL", "CSD", "CSW", "DIV", "DIVNRA", "SPLIT", "JNLC", "JNLS", "INT", "FEE", "CFEE",
        ] {
            assert!(a.iter().any(|x| x.kind == kind), "{kind}");
        }
        let count = |k: &str| a.iter().filter(|x| x.kind == k).count();
        assert_eq!((count("DIV"), count("DIVNRA"), count("SPLIT")), (8, 8, 2));
        assert!(a.iter().any(|x| x.json["type"] == "partial_fill"));
        assert!(a.iter().any(|x| x.json["symbol"] == "BTC/USD"));
        for x in a {
            assert_eq!(x.json["account_id"], ACCOUNT_ID);
            let id = x.id.split_once("::").unwrap();
            assert_eq!(id.0.len(), 17);
            if x.kind == "FILL" {
                assert!(matches!(x.json["side"].as_str(), Some("buy" | "sell")));
                assert!(x.json["order_id"].as_str().unwrap().len() == 36);
            } else {
                assert!(
                    x.json["description"].is_string()
                        && x.json["date"].as_str().unwrap().len() == 10
                );
            }
        }
        assert!(book.cash > rust_decimal::Decimal::ZERO);
        assert_eq!(book.cash, book.cash.round_dp(2), "cash is whole cents");
        let positions = book.positions_json();
        let symbols: Vec<&str> = positions
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["symbol"].as_str().unwrap())
            .collect();
        assert_eq!(symbols, vec!["AAPL", "BTCUSD", "MSFT", "NVDA", "VOO"]);
    }

    /// Status, body and rate-limit headers of `GET target` with `keys`.
    async fn get(mock: &MockAlpaca, target: &str, keys: (&str, &str)) -> (u16, Value, [i64; 3]) {
        let headers = [("APCA-API-KEY-ID", keys.0), ("APCA-API-SECRET-KEY", keys.1)];
        get_with(mock, target, &headers).await
    }

    /// Status, body and rate-limit headers of `GET target` with exactly
    /// `headers`.
    async fn get_with(
        mock: &MockAlpaca,
        target: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Value, [i64; 3]) {
        use stonks_core::http::{HttpClient, Request, Response};
        let client = HttpClient::builder("test")
            .base_url(&mock.base_url())
            .unwrap()
            .classifier(|_: &Response| None)
            .build()
            .unwrap();
        let mut req = Request::get(target);
        for (name, value) in headers {
            req = req.header(name, *value);
        }
        let answer = client.send(req).await.unwrap();
        let limits = [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ]
        .map(|h| answer.header(h).unwrap().parse::<i64>().unwrap());
        (answer.status(), answer.json().unwrap(), limits)
    }

    fn ids(v: &Value) -> Vec<&str> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn serves_alpacas_filters_paging_and_errors() {
        let mock = MockAlpaca::start().await;
        let keys = (KEY_ID, SECRET_KEY);
        let all: Vec<String> = account::book()
            .activities
            .into_iter()
            .map(|a| a.id)
            .collect();

        let (status, body, limits) = get(&mock, "/v2/account", (KEY_ID, "nope")).await;
        assert_eq!(status, 401);
        assert_eq!(
            body,
            json!({"code": 40110000, "message": "request is not authorized"})
        );
        assert_eq!(limits[..2], [200, 199]);
        assert!(limits[2] > Utc::now().timestamp() && limits[2] <= Utc::now().timestamp() + 60);

        let (_, account, _) = get(&mock, "//v2/account", keys).await;
        assert_eq!(account["account_number"], ACCOUNT_NUMBER);
        assert_eq!(account["cash"], "12394.21");

        let (_, newest, _) = get(&mock, "/v2/account/activities?page_size=3", keys).await;
        let expected: Vec<&str> = all.iter().rev().take(3).map(String::as_str).collect();
        assert_eq!(ids(&newest), expected, "newest first by default");
        let asc = format!(
            "/v2/account/activities?direction=asc&page_size=2&page_token={}",
            all[4]
        );
        let (_, after_token, _) = get(&mock, &asc, keys).await;
        assert_eq!(ids(&after_token), vec![all[5].as_str(), all[6].as_str()]);

        for bad in [
            "page_size=0",
            "page_size=101",
            "direction=up",
            "after=yesterday",
        ] {
            let (status, body, _) =
                get(&mock, &format!("/v2/account/activities?{bad}"), keys).await;
            assert_eq!(
                (status, body["code"].as_u64()),
                (422, Some(42210000)),
                "{bad}"
            );
        }
        let (status, body, _) =
            get(&mock, "/v2/account/activities?activity_types=DIV,JNL", keys).await;
        assert_eq!(
            (status, body["message"].as_str()),
            (422, Some("invalid activity type: JNL"))
        );

        let q = "/v2/account/activities?activity_types=DIV,DIVNRA&after=2021-08-01&until=2021-12-01T00:00:00Z";
        let (_, divs, _) = get(&mock, q, keys).await;
        let days: Vec<(&str, &str)> = divs
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["activity_type"].as_str().unwrap(),
                    a["date"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            days.iter()
                .filter(|(t, _)| *t == "DIV")
                .map(|(_, d)| *d)
                .collect::<Vec<_>>(),
            vec!["2021-11-11", "2021-09-29", "2021-08-12"]
        );
        assert_eq!(days.len(), 6);
        let (_, splits, _) = get(&mock, "/v2/account/activities/SPLIT", keys).await;
        assert_eq!(splits.as_array().unwrap().len(), 2);
        let (_, fills, _) = get(
            &mock,
            "/v2/account/activities?category=trade_activity&page_size=100",
            keys,
        )
        .await;
        assert_eq!(fills.as_array().unwrap().len(), 74);
    }

    #[tokio::test]
    async fn a_wrong_or_missing_key_id_is_refused_with_alpacas_error() {
        let mock = MockAlpaca::start().await;
        let refused = json!({"code": 40110000, "message": "request is not authorized"});
        let cases: [(&str, &[(&str, &str)]); 3] = [
            (
                "wrong key id",
                &[
                    ("APCA-API-KEY-ID", "PKWRONG0000000000000"),
                    ("APCA-API-SECRET-KEY", SECRET_KEY),
                ],
            ),
            // The right key id in another header is no key id.
            (
                "missing key id",
                &[
                    ("APCA-API-KEY", KEY_ID),
                    ("APCA-API-SECRET-KEY", SECRET_KEY),
                ],
            ),
            ("no keys at all", &[]),
        ];
        for (case, headers) in cases {
            for target in ["/v2/account", "/v2/positions", "/v2/account/activities"] {
                let (status, body, _) = get_with(&mock, target, headers).await;
                assert_eq!((status, &body), (401, &refused), "{case}: {target}");
            }
        }
        // The same call with the key id is served.
        let (status, account, _) = get(&mock, "/v2/account", (KEY_ID, SECRET_KEY)).await;
        assert_eq!(
            (status, account["account_number"].as_str()),
            (200, Some(ACCOUNT_NUMBER))
        );
    }

    #[test]
    fn uuids_are_version_4() {
        let u = account::uuid(42);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }
}
