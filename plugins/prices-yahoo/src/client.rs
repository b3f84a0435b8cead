//! Yahoo's two endpoints used here, the symbol search and the chart, and
//! the classifier that keeps Yahoo's own words.

use chrono::{NaiveDate, TimeDelta};
use stonks_core::http::{HttpClient, Request, Response};
use stonks_core::{Error, PluginContext, Result};

use crate::DEFAULT_BASE_URL;

/// The symbol search: `?q=<ISIN>` answers Yahoo's listings of it.
pub const SEARCH: &str = "/v1/finance/search";

/// The chart of one symbol: `/v8/finance/chart/{symbol}`.
pub const CHART: &str = "/v8/finance/chart";

/// A browser's User-Agent. Yahoo answers clients that do not look like a
/// browser with 429 "Too Many Requests" (yfinance and Ghostfolio users
/// report it); every request carries this one.
pub const USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// Quotes asked of one search: an ISIN names one security, listed on a
/// handful of exchanges at most.
const QUOTES_PER_SEARCH: &str = "10";

/// A Yahoo Finance client.
#[derive(Debug)]
pub struct Client {
    http: HttpClient,
}

impl Client {
    /// A client from the plugin's checked configuration (`base_url` is
    /// applied by core's builder, with the manifest's hosts and rate limit).
    pub fn new(ctx: &PluginContext) -> Result<Self> {
        let http = ctx
            .http_client_builder(DEFAULT_BASE_URL)?
            .user_agent(USER_AGENT)
            .classifier(classify)
            .build()?;
        Ok(Client { http })
    }

    /// `GET /v1/finance/search?q=<isin>`: quotes only, no news.
    pub async fn search(&self, isin: &str) -> Result<Response> {
        let req = Request::get(SEARCH)
            .query("q", isin)
            .query("quotesCount", QUOTES_PER_SEARCH)
            .query("newsCount", "0")
            .query("listsCount", "0")
            .header("Accept", "application/json");
        self.http.send(req).await
    }

    /// `GET /v8/finance/chart/{symbol}` with daily bars and split events
    /// from `from` to `to`. Yahoo reads `period1` (included) and `period2`
    /// (excluded) as instants, and a day's bar is stamped at its session's
    /// open in the exchange's time: the window asked is a day wider on each
    /// side than the dates, so a session opening before midnight UTC
    /// (Sydney) or late in the UTC day is never cut; the caller keeps the
    /// dates asked. A 404 is let through: its body says "Not Found".
    pub async fn chart(&self, symbol: &str, from: NaiveDate, to: NaiveDate) -> Result<Response> {
        let start = unix_midnight(from - TimeDelta::days(1));
        let end = unix_midnight(to + TimeDelta::days(2));
        let req = Request::get(format!("{CHART}/{}", path_segment(symbol)))
            .query("period1", start.to_string())
            .query("period2", end.to_string())
            .query("interval", "1d")
            .query("events", "div,splits")
            .query("includeAdjustedClose", "true")
            .header("Accept", "application/json")
            .endpoint_name(format!("GET {CHART}/{{symbol}}"));
        self.http.send(req).await
    }

    /// What the client masks, for messages built from answers.
    pub fn redact(&self, text: &str) -> String {
        self.http.redactor().redact(text).into_owned()
    }
}

/// Seconds since the epoch at 00:00 UTC of `day`.
fn unix_midnight(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
}

/// `symbol` as one path segment: a symbol comes from Yahoo's search (or a
/// broker), so anything but letters, digits and `-._~^=` is
/// percent-encoded and cannot change the path (`^GSPC`, `EURUSD=X` and
/// `BRK-B` stay readable).
fn path_segment(symbol: &str) -> String {
    let mut out = String::with_capacity(symbol.len());
    for b in symbol.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~^=".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Core's reading of the status, with Yahoo's words: a chart or search
/// error is `{"chart"|"finance": {"result": null, "error": {"code",
/// "description"}}}`, a 429 plain text ("Too Many Requests"). A 404 passes:
/// the chart's "Not Found" means Yahoo does not know the symbol, read by
/// the caller.
fn classify(answer: &Response) -> Option<Error> {
    let status = answer.status();
    if status < 400 || status == 404 {
        return None;
    }
    let said = crate::wire::error_of(answer.body())
        .map(|e| format!("Yahoo: {}", e.text()))
        .or_else(|| {
            let text = String::from_utf8_lossy(answer.body());
            let text = text.trim();
            (!text.is_empty() && text.len() <= 200 && !text.starts_with('<'))
                .then(|| format!("Yahoo: {text}"))
        });
    Some(answer.status_error(said.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symbol_is_one_path_segment() {
        assert_eq!(path_segment("SAP.DE"), "SAP.DE");
        assert_eq!(path_segment("^GSPC"), "^GSPC");
        assert_eq!(path_segment("EURUSD=X"), "EURUSD=X");
        assert_eq!(path_segment("BRK-B"), "BRK-B");
        assert_eq!(path_segment("../v7/x?y"), "..%2Fv7%2Fx%3Fy");
        assert_eq!(path_segment("A B"), "A%20B");
    }

    #[test]
    fn the_window_is_a_day_wider_on_each_side() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(unix_midnight(d("1970-01-02")), 86_400);
        assert_eq!(unix_midnight(d("2024-01-01")), 1_704_067_200);
    }
}
