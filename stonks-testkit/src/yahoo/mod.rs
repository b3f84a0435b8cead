//! `MockYahoo`: Yahoo Finance's chart (`GET /v8/finance/chart/{symbol}`)
//! and symbol search (`GET /v1/finance/search`) as the real host answers
//! them, with fault switches.
//!
//! The shapes are those of recorded answers (captures in public client
//! libraries' test suites, 2021-2026):
//!
//! * a chart is `{"chart":{"result":[{meta, timestamp, events,
//!   indicators:{quote:[{open,high,low,close,volume}], adjclose:[{adjclose}]}}],
//!   "error":null}}`; prices are single-precision floats written in full
//!   (`177.57000732421875`), a whole price a JSON integer, with
//!   `meta.priceHint: 2`; a day without a trade is `null` at the same row
//!   of every array; a range without trading has no `timestamp`; splits
//!   are `events.splits.<ts>: {date, numerator, denominator, splitRatio}`;
//! * an unknown symbol is HTTP 404 with `{"chart":{"result":null,"error":
//!   {"code":"Not Found","description":"No data found, symbol may be
//!   delisted"}}}`; a missing or bad `period1`/`period2` or an interval
//!   other than `1d` is 400 `Bad Request`;
//! * a search by ISIN answers that security's listings (primary first), a
//!   symbol-less quote from another index among Apple's; an unknown query
//!   answers no quotes;
//! * a request without a browser-like User-Agent (`Mozilla/...`) gets 429
//!   `Too Many Requests` (plain text), as Yahoo answers scripts.
//!
//! What it holds is in [`data`]: every stock and ETF of the broker mocks,
//! daily since 2015 up to the last trading day before or on today (UTC),
//! ending at the broker mock's price.

pub mod data;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Number, Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::Faults;

pub use data::{Bar, HISTORY_START, Listing, Market};

/// Yahoo's answer to a client it takes for a script.
pub const TOO_MANY_REQUESTS: &str = "Too Many Requests";

/// The search path.
pub const SEARCH_PATH: &str = "/v1/finance/search";

/// The chart path's prefix; the symbol follows.
pub const CHART_PREFIX: &str = "/v8/finance/chart/";

/// The description of Yahoo's 404.
pub const NOT_FOUND: &str = "No data found, symbol may be delisted";

#[derive(Debug, Default)]
struct State {
    null_currency: BTreeSet<String>,
}

#[derive(Clone, Copy)]
enum Endpoint {
    Chart,
    Search,
}

struct Responder {
    endpoint: Endpoint,
    faults: Faults,
    state: Arc<Mutex<State>>,
}

/// Whether Yahoo would take a client with this User-Agent for a browser.
pub fn looks_like_a_browser(user_agent: Option<&str>) -> bool {
    user_agent.is_some_and(|ua| ua.starts_with("Mozilla/"))
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let ua = req.headers.get("user-agent").and_then(|v| v.to_str().ok());
        if !looks_like_a_browser(ua) {
            return ResponseTemplate::new(429)
                .insert_header("content-type", "text/plain;charset=utf-8")
                .set_body_string(TOO_MANY_REQUESTS);
        }
        let query = |name: &str| {
            req.url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let today = Utc::now().date_naive();
        self.faults.answer(|| match self.endpoint {
            Endpoint::Search => (200, search(query("q").as_deref().unwrap_or("")).to_string()),
            Endpoint::Chart => {
                let encoded = req.url.path().trim_start_matches(CHART_PREFIX);
                let symbol = percent_decode(encoded);
                let null_currency = self
                    .state
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .null_currency
                    .contains(&symbol);
                chart(
                    &symbol,
                    query("period1").as_deref(),
                    query("period2").as_deref(),
                    query("interval").as_deref(),
                    today,
                    null_currency,
                )
            }
        })
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `x` as Yahoo writes a price: a whole number as an integer, anything
/// else as the single-precision float nearest to it, written in full.
fn yahoo_number(x: Decimal) -> Value {
    if x.fract().is_zero()
        && let Some(i) = x.to_i64()
    {
        return Value::Number(Number::from(i));
    }
    let single = x.to_f32().unwrap_or_default();
    Number::from_f64(f64::from(single)).map_or(Value::Null, Value::Number)
}

fn error_body(code: &str, description: &str) -> String {
    json!({"chart": {"result": null, "error": {"code": code, "description": description}}})
        .to_string()
}

/// The chart answer: status and body.
fn chart(
    symbol: &str,
    period1: Option<&str>,
    period2: Option<&str>,
    interval: Option<&str>,
    today: NaiveDate,
    null_currency: bool,
) -> (u16, String) {
    let Some(l) = data::listing(symbol) else {
        return (404, error_body("Not Found", NOT_FOUND));
    };
    let interval = interval.unwrap_or("1d");
    if interval != "1d" {
        return (
            400,
            error_body(
                "Bad Request",
                &format!(
                    "Invalid input - interval={interval} is not supported. Valid intervals: [1d]"
                ),
            ),
        );
    }
    let (Some(p1), Some(p2)) = (
        period1.and_then(|p| p.parse::<i64>().ok()),
        period2.and_then(|p| p.parse::<i64>().ok()),
    ) else {
        return (
            400,
            error_body(
                "Bad Request",
                "Invalid input - period1 and period2 must be integers",
            ),
        );
    };
    if p1 > p2 {
        return (
            400,
            error_body(
                "Bad Request",
                &format!("Invalid input - startDate {p1} cannot be after endDate {p2}"),
            ),
        );
    }
    let all = data::bars(l, today);
    let rows: Vec<&Bar> = all
        .iter()
        .filter(|b| b.timestamp >= p1 && b.timestamp < p2)
        .collect();
    let m = l.market;
    let first = all.first().map_or(0, |b| b.timestamp);
    let last = all.last();
    let mut meta = json!({
        "currency": if null_currency { Value::Null } else { json!(l.currency) },
        "symbol": l.symbol,
        "exchangeName": m.code(),
        "fullExchangeName": m.full_name(),
        "instrumentType": l.quote_type,
        "firstTradeDate": first,
        "regularMarketTime": last.map_or(0, |b| b.timestamp + 6 * 3600),
        "hasPrePostMarketData": matches!(m, Market::Nasdaq | Market::Nyse | Market::NyseArca),
        "gmtoffset": m.offset(today),
        "timezone": m.zone_abbreviation(today),
        "exchangeTimezoneName": m.timezone(),
        "regularMarketPrice": l.last.to_f64(),
        "longName": l.name,
        "shortName": l.name,
        "priceHint": 2,
        "dataGranularity": "1d",
        "range": "",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    });
    if let (Some(first_row), Some(obj)) = (rows.first(), meta.as_object_mut()) {
        let before = all
            .iter()
            .rev()
            .find(|b| b.date < first_row.date && b.close.is_some())
            .and_then(|b| b.close);
        obj.insert(
            "chartPreviousClose".into(),
            before.map_or(Value::Null, yahoo_number),
        );
    }
    let mut result = json!({ "meta": meta });
    if rows.is_empty() {
        result["indicators"] = json!({"quote": [{}], "adjclose": [{}]});
    } else {
        let pick = |f: &dyn Fn(Decimal) -> Decimal| -> Vec<Value> {
            rows.iter()
                .map(|b| b.close.map_or(Value::Null, |c| yahoo_number(f(c))))
                .collect()
        };
        let volume: Vec<Value> = rows
            .iter()
            .map(|b| {
                b.close.map_or(Value::Null, |_| {
                    json!(1_000_000 + (b.timestamp / 86_400 * 7_919) % 5_000_000)
                })
            })
            .collect();
        let permille = |n: i64| Decimal::new(n, 3);
        result["timestamp"] = json!(rows.iter().map(|b| b.timestamp).collect::<Vec<_>>());
        result["indicators"] = json!({
            "quote": [{
                "open": pick(&|c| (c * permille(996)).round_dp(2)),
                "high": pick(&|c| (c * permille(1_008)).round_dp(2)),
                "low": pick(&|c| (c * permille(990)).round_dp(2)),
                "close": pick(&|c| c),
                "volume": volume,
            }],
            "adjclose": [{ "adjclose": pick(&|c| c) }],
        });
        let (from, to) = (rows[0].date, rows[rows.len() - 1].date);
        let splits: serde_json::Map<String, Value> = l
            .splits
            .iter()
            .filter(|(d, _, _)| *d >= from && *d <= to)
            .map(|&(d, new, old)| {
                let ts = m.timestamp(d);
                (
                    ts.to_string(),
                    json!({"date": ts, "numerator": new, "denominator": old, "splitRatio": format!("{new}:{old}")}),
                )
            })
            .collect();
        if !splits.is_empty() {
            result["events"] = json!({ "splits": splits });
        }
    }
    (
        200,
        json!({"chart": {"result": [result], "error": null}}).to_string(),
    )
}

/// One quote of a search answer.
fn quote(l: &Listing, rank: usize) -> Value {
    let type_disp = if l.quote_type == "ETF" {
        "ETF"
    } else {
        "Equity"
    };
    json!({
        "exchange": l.market.code(),
        "shortname": l.name,
        "quoteType": l.quote_type,
        "symbol": l.symbol,
        "index": "quotes",
        "score": 20_000 - rank as i64 * 10,
        "typeDisp": type_disp,
        "longname": l.name,
        "exchDisp": l.market.full_name(),
        "isYahooFinance": true,
    })
}

/// The search answer for `q`: the listings of the ISIN `q`, or of the
/// ticker `q` on any exchange.
fn search(q: &str) -> Value {
    let q = q.trim();
    let mut found = data::by_isin(q);
    if found.is_empty() && !q.is_empty() {
        found = data::listings()
            .iter()
            .filter(|l| {
                let base = l.symbol.split('.').next().unwrap_or_default();
                base.eq_ignore_ascii_case(q)
            })
            .collect();
    }
    let mut quotes: Vec<Value> = Vec::new();
    if found.iter().any(|l| l.symbol == "AAPL") {
        // Among Apple's quotes Yahoo sends one from another index, without
        // symbol, exchange or quote type.
        quotes.push(json!({"index": "quotes", "shortname": "Apple Inc.", "score": 30_000, "isYahooFinance": false}));
    }
    quotes.extend(found.iter().enumerate().map(|(i, l)| quote(l, i)));
    json!({
        "explains": [],
        "count": quotes.len(),
        "quotes": quotes,
        "news": [],
        "nav": [],
        "lists": [],
        "researchReports": [],
        "screenerFieldResults": [],
        "totalTime": 21,
        "timeTakenForQuotes": 410,
        "timeTakenForNews": 0,
        "timeTakenForAlgowatchlist": 400,
        "timeTakenForPredefinedScreener": 400,
        "timeTakenForCrunchbase": 0,
        "timeTakenForNav": 400,
        "timeTakenForResearchReports": 0,
        "timeTakenForScreenerField": 0,
        "timeTakenForCulturalAssets": 0,
    })
}

/// A running mock of Yahoo Finance's query host.
pub struct MockYahoo {
    server: MockServer,
    faults: Faults,
    state: Arc<Mutex<State>>,
}

impl MockYahoo {
    /// Starts the mock.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let faults = Faults::new();
        let state = Arc::new(Mutex::new(State::default()));
        for (endpoint, matcher) in [
            (Endpoint::Search, None),
            (Endpoint::Chart, Some(r"^/v8/finance/chart/[^/]+$")),
        ] {
            let responder = Responder {
                endpoint,
                faults: faults.clone(),
                state: state.clone(),
            };
            let mock = match matcher {
                None => Mock::given(method("GET")).and(path(SEARCH_PATH)),
                Some(re) => Mock::given(method("GET")).and(path_regex(re)),
            };
            mock.respond_with(responder).mount(&server).await;
        }
        MockYahoo {
            server,
            faults,
            state,
        }
    }

    /// The mock's base URL.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A plugin configuration that works against this mock.
    pub fn config(&self) -> Value {
        json!({"base_url": self.uri()})
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// From now on, the chart of `symbol` says `"currency": null`.
    pub fn null_currency(&self, symbol: &str) {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .null_currency
            .insert(symbol.to_owned());
    }

    /// Every request the mock received, oldest first, refused ones included.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// The symbols of the chart requests received, in order.
    pub async fn chart_requests(&self) -> Vec<String> {
        self.received_requests()
            .await
            .iter()
            .filter_map(|r| r.url.path().strip_prefix(CHART_PREFIX).map(percent_decode))
            .collect()
    }

    /// The `q` of the search requests received, in order.
    pub async fn search_requests(&self) -> Vec<String> {
        self.received_requests()
            .await
            .iter()
            .filter(|r| r.url.path() == SEARCH_PATH)
            .map(|r| {
                r.url
                    .query_pairs()
                    .find(|(k, _)| k == "q")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The close of `symbol` on `date` as the mock serves it (before
    /// Yahoo's single-precision rounding): `None` on a day without trading
    /// or a `null` row.
    pub fn close_on(symbol: &str, date: NaiveDate) -> Option<Decimal> {
        let l = data::listing(symbol)?;
        data::bars(l, Utc::now().date_naive())
            .into_iter()
            .find(|b| b.date == date)?
            .close
    }

    /// Every row of `symbol`'s series as the mock serves it today, oldest
    /// first (`close` `None` on the `null` rows).
    pub fn series(symbol: &str) -> Option<Vec<Bar>> {
        data::listing(symbol).map(|l| data::bars(l, Utc::now().date_naive()))
    }

    /// The last trading day of `symbol`'s exchange on or before today (UTC).
    pub fn last_trading_day(symbol: &str) -> Option<NaiveDate> {
        let l = data::listing(symbol)?;
        Some(data::last_trading_day(l.market, Utc::now().date_naive()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn chart_of(symbol: &str, from: &str, to: &str) -> (u16, Value) {
        let p1 = d(from).and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        let p2 = d(to).and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        let (status, body) = chart(
            symbol,
            Some(&p1.to_string()),
            Some(&p2.to_string()),
            Some("1d"),
            d("2024-11-22"),
            false,
        );
        (status, serde_json::from_str(&body).unwrap())
    }

    #[test]
    fn prices_are_written_as_yahoo_writes_them() {
        assert_eq!(
            yahoo_number("177.57".parse().unwrap()).to_string(),
            "177.57000732421875"
        );
        assert_eq!(
            yahoo_number("220.69".parse().unwrap()).to_string(),
            "220.69000244140625"
        );
        assert_eq!(yahoo_number("150".parse().unwrap()).to_string(), "150");
        assert_eq!(yahoo_number("150.00".parse().unwrap()).to_string(), "150");
    }

    #[test]
    fn a_chart_has_the_real_shape() {
        let (status, v) = chart_of("NVDA", "2024-06-03", "2024-06-15");
        assert_eq!(status, 200);
        let r = &v["chart"]["result"][0];
        assert_eq!(v["chart"]["error"], Value::Null);
        assert_eq!(r["meta"]["currency"], "USD");
        assert_eq!(r["meta"]["exchangeTimezoneName"], "America/New_York");
        assert_eq!(r["meta"]["priceHint"], 2);
        let ts = r["timestamp"].as_array().unwrap();
        assert_eq!(ts.len(), 10, "two weeks of weekdays");
        for k in ["open", "high", "low", "close", "volume"] {
            assert_eq!(r["indicators"]["quote"][0][k].as_array().unwrap().len(), 10);
        }
        let split = &r["events"]["splits"]["1718026200"];
        assert_eq!(split["date"], 1_718_026_200_i64);
        assert_eq!(split["numerator"], 10);
        assert_eq!(split["denominator"], 1);
        assert_eq!(split["splitRatio"], "10:1");
    }

    #[test]
    fn null_rows_are_null_in_every_array() {
        let (_, v) = chart_of("AAPL", "2015-01-01", "2024-11-23");
        let q = &v["chart"]["result"][0]["indicators"]["quote"][0];
        let close = q["close"].as_array().unwrap();
        let nulls: Vec<usize> = (0..close.len()).filter(|&i| close[i].is_null()).collect();
        assert!(nulls.len() > 40, "{}", nulls.len());
        for k in ["open", "high", "low", "volume"] {
            for &i in &nulls {
                assert!(q[k][i].is_null(), "{k}[{i}]");
            }
        }
        let adj = &v["chart"]["result"][0]["indicators"]["adjclose"][0]["adjclose"];
        assert!(nulls.iter().all(|&i| adj[i].is_null()));
        assert!(
            close.iter().any(|c| c.is_i64()),
            "a whole price is an integer"
        );
    }

    #[test]
    fn a_weekend_has_no_timestamps_and_an_unknown_symbol_is_not_found() {
        let (status, v) = chart_of("SAP.DE", "2024-11-16", "2024-11-18");
        assert_eq!(status, 200);
        let r = &v["chart"]["result"][0];
        assert!(r.get("timestamp").is_none());
        assert_eq!(r["indicators"]["quote"][0], json!({}));
        let (status, v) = chart_of("NOPE.XX", "2024-11-16", "2024-11-18");
        assert_eq!(status, 404);
        assert_eq!(v["chart"]["result"], Value::Null);
        assert_eq!(v["chart"]["error"]["code"], "Not Found");
        let (status, _) = chart(
            "AAPL",
            Some("x"),
            Some("1"),
            Some("1d"),
            d("2024-11-22"),
            false,
        );
        assert_eq!(status, 400);
    }

    #[test]
    fn search_answers_the_listings_of_an_isin() {
        let v = search("US0378331005");
        let quotes = v["quotes"].as_array().unwrap();
        assert_eq!(quotes.len(), 3);
        assert!(quotes[0].get("symbol").is_none());
        assert_eq!(quotes[1]["symbol"], "AAPL");
        assert_eq!(quotes[1]["exchange"], "NMS");
        assert_eq!(quotes[2]["symbol"], "APC.DE");
        assert_eq!(search("DE0007164600")["quotes"][0]["symbol"], "SAP.DE");
        assert_eq!(search("IE00BK5BQT80")["quotes"][0]["quoteType"], "ETF");
        assert_eq!(search("XS0000000000")["quotes"], json!([]));
        assert_eq!(search("XS0000000000")["count"], 0);
    }

    #[test]
    fn scripts_are_refused() {
        assert!(!looks_like_a_browser(None));
        assert!(!looks_like_a_browser(Some("python-requests/2.31.0")));
        assert!(!looks_like_a_browser(Some("stonks/0.1.0")));
        assert!(looks_like_a_browser(Some(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"
        )));
    }

    #[test]
    fn symbols_are_decoded() {
        assert_eq!(percent_decode("%5EGSPC"), "^GSPC");
        assert_eq!(percent_decode("SAP.DE"), "SAP.DE");
        assert_eq!(percent_decode("A%2"), "A%2");
    }
}
