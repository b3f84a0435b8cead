//! Yahoo's search and chart answers, as the API writes them.
//!
//! Every field may be missing or `null` (recorded answers lack `timestamp`
//! when a range has no trading, `meta.currency` can be `null`, search
//! quotes from other indexes lack `symbol`, `exchange` and `quoteType`).
//! Prices and split factors are kept as the number's text
//! ([`RawValue`]), so they are read exactly, never through a float.
//! Fields not listed here are ignored.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// `GET /v1/finance/search`.
#[derive(Debug, Default, Deserialize)]
pub struct SearchAnswer {
    /// Each quote as sent: one that cannot be read is skipped alone.
    #[serde(default)]
    pub quotes: Option<Vec<Value>>,
}

/// One quote of a search answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuote {
    /// Yahoo's symbol (`SAP.DE`).
    pub symbol: Option<String>,
    /// Yahoo's exchange code (`NMS`, `GER`, `AMS`).
    pub exchange: Option<String>,
    /// `EQUITY`, `ETF`, `MUTUALFUND`, `INDEX`, `OPTION`, ...
    pub quote_type: Option<String>,
    /// Short name.
    pub shortname: Option<String>,
}

/// `GET /v8/finance/chart/{symbol}`.
#[derive(Debug, Deserialize)]
pub struct ChartAnswer {
    pub chart: Chart,
}

/// The answer's one member.
#[derive(Debug, Deserialize)]
pub struct Chart {
    #[serde(default)]
    pub result: Option<Vec<ChartResult>>,
    #[serde(default)]
    pub error: Option<ApiError>,
}

/// An error in Yahoo's words (`{"code":"Not Found","description":"No data
/// found, symbol may be delisted"}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

impl ApiError {
    /// Whether Yahoo says it does not know the symbol.
    pub fn is_not_found(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("Not Found"))
    }

    /// Code and description, as one line.
    pub fn text(&self) -> String {
        match (self.code.as_deref(), self.description.as_deref()) {
            (Some(c), Some(d)) => format!("{c}: {d}"),
            (Some(t), None) | (None, Some(t)) => t.to_owned(),
            (None, None) => "an error without code or description".to_owned(),
        }
    }
}

/// The error object of a chart or search answer (`chart.error`,
/// `finance.error`), when the body is one.
pub fn error_of(body: &[u8]) -> Option<ApiError> {
    let v: Value = serde_json::from_slice(body).ok()?;
    ["chart", "finance"]
        .iter()
        .find_map(|k| v.get(k)?.get("error").filter(|e| !e.is_null()))
        .and_then(|e| serde_json::from_value(e.clone()).ok())
}

/// One symbol's series.
#[derive(Debug, Deserialize)]
pub struct ChartResult {
    #[serde(default)]
    pub meta: Meta,
    /// Seconds since the epoch, one per row; missing when the range has no
    /// trading.
    #[serde(default)]
    pub timestamp: Option<Vec<Option<i64>>>,
    #[serde(default)]
    pub indicators: Option<Indicators>,
    #[serde(default)]
    pub events: Option<Events>,
}

/// What the series is.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub currency: Option<String>,
    /// The exchange's offset from UTC in seconds, now (its
    /// `exchangeTimezoneName`'s offset today: a daily bar is stamped at the
    /// session's open, hours from midnight, so a daylight-saving hour never
    /// moves its date).
    pub gmtoffset: Option<i64>,
    /// The decimals Yahoo shows prices with.
    pub price_hint: Option<u32>,
}

/// The price arrays.
#[derive(Debug, Default, Deserialize)]
pub struct Indicators {
    #[serde(default)]
    pub quote: Option<Vec<QuoteArrays>>,
}

/// One set of arrays aligned with `timestamp` (`null` where a day has no
/// trade, at the same row in every array).
#[derive(Debug, Default, Deserialize)]
pub struct QuoteArrays {
    #[serde(default)]
    pub close: Option<Vec<Option<Box<RawValue>>>>,
}

/// Corporate events, keyed by their timestamp as text.
#[derive(Debug, Default, Deserialize)]
pub struct Events {
    #[serde(default)]
    pub splits: Option<BTreeMap<String, Split>>,
}

/// A split (`{"date":1598880600,"numerator":4,"denominator":1,
/// "splitRatio":"4:1"}`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Split {
    pub date: Option<i64>,
    pub numerator: Option<Box<RawValue>>,
    pub denominator: Option<Box<RawValue>>,
    pub split_ratio: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_with_nulls_integers_and_no_currency_is_read() {
        let body = r#"{"chart":{"result":[{"meta":{"currency":null,"symbol":"X","gmtoffset":3600,"priceHint":2},
            "timestamp":[1,2,3],"indicators":{"quote":[{"open":[1,null,3],"close":[220.69000244140625,null,150]}],
            "adjclose":[{"adjclose":[1,null,3]}]},"events":{"splits":{"2":{"date":2,"numerator":4,"denominator":1,"splitRatio":"4:1"}}}}],"error":null}}"#;
        let a: ChartAnswer = serde_json::from_str(body).unwrap();
        let r = &a.chart.result.unwrap()[0];
        assert_eq!(r.meta.currency, None);
        assert_eq!(r.meta.price_hint, Some(2));
        let close = r.indicators.as_ref().unwrap().quote.as_ref().unwrap()[0]
            .close
            .as_ref()
            .unwrap();
        let texts: Vec<Option<&str>> = close.iter().map(|c| c.as_ref().map(|v| v.get())).collect();
        assert_eq!(
            texts,
            vec![Some("220.69000244140625"), None, Some("150")],
            "the number's own text, null kept as a gap"
        );
        let splits = r.events.as_ref().unwrap().splits.as_ref().unwrap();
        assert_eq!(splits["2"].numerator.as_ref().unwrap().get(), "4");
        assert_eq!(splits["2"].split_ratio.as_deref(), Some("4:1"));
    }

    #[test]
    fn a_chart_without_timestamps_or_events_is_read() {
        let body = r#"{"chart":{"result":[{"meta":{"currency":"EUR"},"indicators":{"quote":[{}],"adjclose":[{}]}}],"error":null}}"#;
        let a: ChartAnswer = serde_json::from_str(body).unwrap();
        let r = &a.chart.result.unwrap()[0];
        assert!(r.timestamp.is_none() && r.events.is_none());
    }

    #[test]
    fn errors_in_yahoos_words() {
        let body = br#"{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}"#;
        let e = error_of(body).unwrap();
        assert!(e.is_not_found());
        assert_eq!(e.text(), "Not Found: No data found, symbol may be delisted");
        let bad = br#"{"finance":{"result":null,"error":{"code":"Bad Request","description":"Invalid Search Query"}}}"#;
        assert!(!error_of(bad).unwrap().is_not_found());
        assert_eq!(error_of(b"Too Many Requests"), None);
        assert_eq!(error_of(br#"{"chart":{"result":[],"error":null}}"#), None);
    }

    #[test]
    fn search_quotes_may_lack_every_field() {
        let body = r#"{"explains":[],"count":3,"quotes":[
            {"exchange":"NMS","shortname":"Apple Inc.","quoteType":"EQUITY","symbol":"AAPL","index":"quotes","score":20000.0,"isYahooFinance":true},
            {"index":"quotes","shortname":"Apple Hospitality","score":100.0,"isYahooFinance":false},
            {"symbol":7}],"news":[]}"#;
        let a: SearchAnswer = serde_json::from_str(body).unwrap();
        let quotes = a.quotes.unwrap();
        let read: Vec<Option<SearchQuote>> = quotes
            .into_iter()
            .map(|q| serde_json::from_value(q).ok())
            .collect();
        assert_eq!(read[0].as_ref().unwrap().symbol.as_deref(), Some("AAPL"));
        assert_eq!(read[1].as_ref().unwrap().symbol, None);
        assert!(read[2].is_none(), "a number where text belongs");
    }
}
