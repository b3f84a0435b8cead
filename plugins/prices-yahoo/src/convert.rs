//! Yahoo's answers to listings and price series: pure functions, tested on
//! their own.

use chrono::{DateTime, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::value::RawValue;
use stonks_core::model::Currency;
use stonks_core::prices::{Close, PriceSeries, SplitEvent};
use stonks_core::problem::ReadProblem;
use stonks_core::v2::Ratio;

use crate::wire::{ChartAnswer, SearchAnswer, SearchQuote, Split};

/// At most this much of an unreadable value is quoted in a problem.
const QUOTED: usize = 60;

/// MICs of US venues (operating MICs and their segments): Yahoo names a US
/// listing by its bare ticker, one symbol across every US venue.
const US_MICS: [&str; 14] = [
    "XNAS", "XNGS", "XNMS", "XNCM", "XNYS", "ARCX", "XASE", "BATS", "BATY", "EDGA", "EDGX", "IEXG",
    "MEMX", "XCHI",
];

/// Yahoo's suffix of each exchange's listings, by MIC (Yahoo's exchange
/// list SLN2310, as yfinance's `mic.py` maps it; Milan and Madrid under
/// both their operating and segment MICs).
const SUFFIXES: [(&str, &str); 22] = [
    ("XETR", ".DE"),
    ("XFRA", ".F"),
    ("XAMS", ".AS"),
    ("XPAR", ".PA"),
    ("XBRU", ".BR"),
    ("XLIS", ".LS"),
    ("XDUB", ".IR"),
    ("XLON", ".L"),
    ("XMIL", ".MI"),
    ("MTAA", ".MI"),
    ("XMAD", ".MC"),
    ("BMEX", ".MC"),
    ("XSWX", ".SW"),
    ("XSTO", ".ST"),
    ("XHEL", ".HE"),
    ("XCSE", ".CO"),
    ("XOSL", ".OL"),
    ("XVIE", ".VI"),
    ("XTSE", ".TO"),
    ("XASX", ".AX"),
    ("XHKG", ".HK"),
    ("XTKS", ".T"),
];

/// The quote types priced here: shares, ETFs and funds.
const PRICED_TYPES: [&str; 3] = ["EQUITY", "ETF", "MUTUALFUND"];

/// The suffix Yahoo gives listings on `mic` (`""` for a US venue), when
/// the MIC is one Yahoo's symbols are known for.
pub fn suffix_of(mic: &str) -> Option<&'static str> {
    if US_MICS.contains(&mic) {
        return Some("");
    }
    SUFFIXES.iter().find(|(m, _)| *m == mic).map(|(_, s)| *s)
}

/// Yahoo's symbol of `ticker` listed on `mic`: the bare ticker on a US
/// venue (`AAPL`), the ticker and the exchange's suffix elsewhere
/// (`SAP` on `XETR` is `SAP.DE`). A class separator becomes Yahoo's `-`
/// (`BRK.B`, `BRK/B` and `BRK B` are `BRK-B`); a Hong Kong code has four
/// digits (`700` is `0700.HK`). `None` for a MIC not in the table: a
/// symbol is never guessed.
pub fn yahoo_symbol(ticker: &str, mic: &str) -> Option<String> {
    let suffix = suffix_of(mic)?;
    let ticker = ticker
        .trim()
        .to_ascii_uppercase()
        .replace(['.', '/', ' '], "-");
    if ticker.is_empty() {
        return None;
    }
    let ticker = if mic == "XHKG" && ticker.bytes().all(|b| b.is_ascii_digit()) {
        format!("{ticker:0>4}")
    } else {
        ticker
    };
    Some(format!("{ticker}{suffix}"))
}

/// The exchange suffix of a Yahoo symbol (`.DE` of `SAP.DE`; `""` for a
/// bare US symbol).
fn suffix_of_symbol(symbol: &str) -> &str {
    symbol.rfind('.').map_or("", |i| &symbol[i..])
}

/// The quotes of a search answer that can be read, in Yahoo's order.
/// `Err` when the body is not a search answer at all.
pub fn search_quotes(body: &[u8]) -> Result<Vec<SearchQuote>, String> {
    let answer: SearchAnswer = serde_json::from_slice(body).map_err(|e| {
        format!(
            "Yahoo's search answer is not JSON of the expected shape ({e}): {}",
            quote(&String::from_utf8_lossy(body))
        )
    })?;
    Ok(answer
        .quotes
        .unwrap_or_default()
        .into_iter()
        .filter_map(|q| serde_json::from_value(q).ok())
        .collect())
}

/// The listing a search answered to price: a share, ETF or fund with a
/// symbol; on the instrument's MIC when one is known and Yahoo lists it
/// there (then `true`: the instrument's own listing), else the first.
pub fn pick<'q>(quotes: &'q [SearchQuote], mic: Option<&str>) -> Option<(&'q str, bool)> {
    let priced: Vec<&str> = quotes
        .iter()
        .filter(|q| {
            q.quote_type
                .as_deref()
                .is_some_and(|t| PRICED_TYPES.iter().any(|p| t.eq_ignore_ascii_case(p)))
        })
        .filter_map(|q| q.symbol.as_deref().filter(|s| !s.trim().is_empty()))
        .collect();
    let wanted = mic.and_then(suffix_of);
    if let Some(suffix) = wanted
        && let Some(own) = priced
            .iter()
            .find(|s| suffix_of_symbol(s).eq_ignore_ascii_case(suffix))
    {
        return Some((own, true));
    }
    priced.first().map(|s| (*s, false))
}

/// What was asked of the chart, for reading its answer.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// The symbol asked.
    pub symbol: &'a str,
    /// First day wanted.
    pub from: NaiveDate,
    /// Last day wanted.
    pub to: NaiveDate,
    /// The currency to assume when Yahoo names none: the instrument's own,
    /// given only when the symbol is its own listing.
    pub currency: Option<Currency>,
    /// The endpoint, for problems.
    pub endpoint: &'a str,
}

/// A chart answer read.
#[derive(Debug, PartialEq, Eq)]
pub enum ChartRead {
    /// Yahoo does not know the symbol (`Not Found`), in its words.
    Unknown(String),
    /// The series (empty when the range has no trading).
    Series(PriceSeries),
}

/// The series in a chart answer of HTTP `status` (200, or 404 let through
/// by the classifier). `Err` says why the answer cannot be read or what
/// Yahoo's error is; a row that cannot be read is left out and reported in
/// the series' problems.
pub fn chart(body: &[u8], status: u16, asked: &Asked<'_>) -> Result<ChartRead, String> {
    let symbol = asked.symbol;
    let answer: ChartAnswer = match serde_json::from_slice(body) {
        Ok(a) => a,
        Err(_) if status == 404 => return Ok(ChartRead::Unknown("HTTP 404".into())),
        Err(e) => {
            return Err(format!(
                "Yahoo's chart of {symbol} is not JSON of the expected shape ({e}): {}",
                quote(&String::from_utf8_lossy(body))
            ));
        }
    };
    let result = answer.chart.result.and_then(|r| r.into_iter().next());
    let result = match (result, answer.chart.error) {
        (_, Some(e)) if e.is_not_found() || status == 404 => {
            return Ok(ChartRead::Unknown(e.text()));
        }
        (_, _) if status == 404 => return Ok(ChartRead::Unknown("HTTP 404".into())),
        (None, Some(e)) => return Err(format!("Yahoo's chart of {symbol}: {}", e.text())),
        (None, None) => return Err(format!("Yahoo's chart of {symbol} holds no result")),
        (Some(r), _) => r,
    };
    let (currency, per_unit) = currency(result.meta.currency.as_deref(), asked.currency)
        .map_err(|why| format!("Yahoo's chart of {symbol}: {why}"))?;
    let offset = result.meta.gmtoffset.unwrap_or(0);
    let hint = result.meta.price_hint.filter(|h| *h <= 12);
    let local =
        |ts: i64| DateTime::from_timestamp(ts.saturating_add(offset), 0).map(|t| t.date_naive());
    let wanted = |d: NaiveDate| d >= asked.from && d <= asked.to;
    let problem = |field: String, message: String| {
        ReadProblem::new(asked.endpoint, message)
            .item(symbol)
            .field(field)
    };
    let mut series = PriceSeries::new(symbol, currency);

    let timestamps = result.timestamp.unwrap_or_default();
    let closes = result
        .indicators
        .and_then(|i| i.quote)
        .and_then(|q| q.into_iter().next())
        .and_then(|q| q.close);
    let closes = match closes {
        Some(c) => c,
        None if timestamps.is_empty() => Vec::new(),
        None => {
            return Err(format!(
                "Yahoo's chart of {symbol} has {} timestamps and no close prices",
                timestamps.len()
            ));
        }
    };
    if closes.len() != timestamps.len() {
        series.problems.push(problem(
            "indicators.quote[0].close".into(),
            format!(
                "{} closes for {} timestamps: the rows past the shorter list are left out",
                closes.len(),
                timestamps.len()
            ),
        ));
    }
    for (row, (ts, close)) in timestamps.iter().zip(&closes).enumerate() {
        // A `null` close is a day without a trade: absent, never 0.
        let Some(close) = close else { continue };
        let Some(date) = ts.and_then(local) else {
            series.problems.push(problem(
                format!("timestamp[{row}]"),
                "a close without a readable timestamp".into(),
            ));
            continue;
        };
        if !wanted(date) {
            continue;
        }
        match price(close, hint, per_unit) {
            Ok(close) => series.closes.push(Close { date, close }),
            Err(why) => series.problems.push(
                problem(format!("indicators.quote[0].close[{row}]"), why).excerpt(close.get()),
            ),
        }
    }
    for (key, split) in result.events.and_then(|e| e.splits).unwrap_or_default() {
        let at = split.date.or_else(|| key.parse().ok()).and_then(local);
        match (at, ratio(&split)) {
            (Some(date), Ok(ratio)) if wanted(date) => {
                series.splits.push(SplitEvent { date, ratio });
            }
            (Some(_), Ok(_)) => {}
            (None, _) => series.problems.push(problem(
                format!("events.splits.{key}.date"),
                "a split without a readable date".into(),
            )),
            (Some(_), Err(why)) => series
                .problems
                .push(problem(format!("events.splits.{key}"), why)),
        }
    }
    series.normalize();
    Ok(ChartRead::Series(series))
}

/// The currency of the series and how many of Yahoo's units make one of
/// it: London quotes in pence (`GBp`), Johannesburg in cents (`ZAc`), Tel
/// Aviv in agorot (`ILA`), each a hundredth of the currency. Without a
/// currency in the answer, `fallback` (the instrument's own listing's
/// currency), else an error: a series without a currency cannot be stored.
fn currency(given: Option<&str>, fallback: Option<Currency>) -> Result<(Currency, u32), String> {
    let Some(code) = given.map(str::trim).filter(|c| !c.is_empty()) else {
        return fallback
            .map(|c| (c, 1))
            .ok_or_else(|| "the answer names no currency".to_owned());
    };
    let minor = |major: &'static str| Currency::new(major).map(|c| (c, 100));
    match code {
        "GBp" | "GBX" => minor("GBP"),
        "ZAc" | "ZAC" => minor("ZAR"),
        "ILA" => minor("ILS"),
        other => Currency::new(other).map(|c| (c, 1)),
    }
    .map_err(|e| format!("currency {:?}: {}", quote(code), e.message()))
}

/// A price from the number's text: exact, then rounded to the decimals
/// Yahoo shows (`priceHint`), because Yahoo's prices are single-precision
/// floats written in full (`220.69000244140625` for 220.69); then from a
/// minor unit to the currency. A price of 0 or below is not a price.
fn price(text: &RawValue, hint: Option<u32>, per_unit: u32) -> Result<Decimal, String> {
    let d = decimal(text.get()).ok_or_else(|| format!("not a number: {}", quote(text.get())))?;
    if d <= Decimal::ZERO {
        return Err(format!("not a price: {d}"));
    }
    let d = match hint {
        Some(h) => d.round_dp_with_strategy(h, RoundingStrategy::MidpointAwayFromZero),
        None => d,
    };
    Ok(if per_unit == 1 {
        d
    } else {
        d / Decimal::from(per_unit)
    })
}

/// A decimal from a JSON number's text (`177.57`, `150`, `1.5e2`), or from
/// a string holding one.
fn decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let t = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(t)
        .trim();
    if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).ok()
    } else {
        t.parse().ok()
    }
}

/// A split's ratio: `numerator : denominator`, else its `splitRatio`
/// (`"4:1"`, `"1/10"`).
fn ratio(split: &Split) -> Result<Ratio, String> {
    let positive = |d: Option<Decimal>| d.filter(|d| *d > Decimal::ZERO);
    let num = positive(split.numerator.as_deref().and_then(|n| decimal(n.get())));
    let den = positive(split.denominator.as_deref().and_then(|n| decimal(n.get())));
    if let (Some(new), Some(old)) = (num, den) {
        return Ok(Ratio::new(new, old));
    }
    let text = split.split_ratio.as_deref().unwrap_or_default();
    let parsed = text
        .split_once([':', '/'])
        .and_then(|(a, b)| Some(Ratio::new(positive(decimal(a))?, positive(decimal(b))?)));
    parsed.ok_or_else(|| {
        format!(
            "a split without a readable ratio (numerator, denominator, splitRatio {})",
            quote(text)
        )
    })
}

/// `text`, cut to a readable length.
fn quote(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}...", &t[..cut]),
        None => t.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn asked(currency: Option<Currency>) -> Asked<'static> {
        Asked {
            symbol: "AAPL",
            from: d("2024-09-16"),
            to: d("2024-09-20"),
            currency,
            endpoint: "GET /v8/finance/chart/{symbol}",
        }
    }

    fn series(body: &str) -> PriceSeries {
        match chart(body.as_bytes(), 200, &asked(None)).unwrap() {
            ChartRead::Series(s) => s,
            other => panic!("{other:?}"),
        }
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    // 2024-09-16 .. 2024-09-20, 13:30 UTC (09:30 in New York).
    const TS: &str = "[1726493400,1726579800,1726666200,1726752600,1726839000]";

    #[test]
    fn closes_are_read_exactly_nulls_left_out_and_rounded_to_the_hint() {
        let body = format!(
            r#"{{"chart":{{"result":[{{"meta":{{"currency":"USD","symbol":"AAPL","gmtoffset":-14400,"priceHint":2}},
            "timestamp":{TS},"indicators":{{"quote":[{{"close":[216.32000732421875,null,220.69000244140625,228,"229.1"]}}]}}}}],"error":null}}}}"#
        );
        let s = series(&body);
        assert_eq!(s.currency, Currency::USD);
        let got: Vec<(NaiveDate, Decimal)> = s.closes.iter().map(|c| (c.date, c.close)).collect();
        assert_eq!(
            got,
            vec![
                (d("2024-09-16"), dec("216.32")),
                (d("2024-09-18"), dec("220.69")),
                (d("2024-09-19"), dec("228")),
                (d("2024-09-20"), dec("229.1")),
            ]
        );
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!(s.closes[1].close.to_string(), "220.69");
    }

    #[test]
    fn without_a_hint_the_text_is_kept_whole() {
        let body = format!(
            r#"{{"chart":{{"result":[{{"meta":{{"currency":"USD"}},"timestamp":{TS},
            "indicators":{{"quote":[{{"close":[1.5e2,0.12345678,null,null,null]}}]}}}}]}}}}"#
        );
        let s = series(&body);
        assert_eq!(s.closes[0].close, dec("150"));
        assert_eq!(s.closes[1].close.to_string(), "0.12345678");
    }

    #[test]
    fn unreadable_rows_are_problems_not_zero() {
        let body = format!(
            r#"{{"chart":{{"result":[{{"meta":{{"currency":"USD","priceHint":2}},"timestamp":{TS},
            "indicators":{{"quote":[{{"close":[0,"n/a",true,-1,5]}}]}}}}]}}}}"#
        );
        let s = series(&body);
        assert_eq!(s.closes.len(), 1);
        assert_eq!(s.closes[0].close, dec("5"));
        assert_eq!(s.problems.len(), 4, "{:?}", s.problems);
        assert_eq!(
            s.problems[1].field.as_deref(),
            Some("indicators.quote[0].close[1]")
        );
        assert_eq!(s.problems[1].item.as_deref(), Some("AAPL"));
    }

    #[test]
    fn days_are_the_exchanges_dates() {
        // 23:00 UTC on 2024-09-15 is 09:00 on 2024-09-16 in Sydney.
        let body = r#"{"chart":{"result":[{"meta":{"currency":"AUD","gmtoffset":36000},
            "timestamp":[1726441200],"indicators":{"quote":[{"close":[7.5]}]}}]}}"#;
        let s = series(body);
        assert_eq!(s.closes[0].date, d("2024-09-16"));
    }

    #[test]
    fn days_outside_the_range_are_left_out() {
        let body = r#"{"chart":{"result":[{"meta":{"currency":"USD","gmtoffset":-14400},
            "timestamp":[1726407000,1726493400,1726925400],"indicators":{"quote":[{"close":[1,2,3]}]}}]}}"#;
        let s = series(body);
        assert_eq!(s.closes.len(), 1, "{:?}", s.closes);
        assert_eq!(s.closes[0].date, d("2024-09-16"));
    }

    #[test]
    fn a_range_without_trading_is_an_empty_series() {
        let body = r#"{"chart":{"result":[{"meta":{"currency":"EUR","symbol":"SAP.DE"},"indicators":{"quote":[{}],"adjclose":[{}]}}],"error":null}}"#;
        let s = series(body);
        assert!(s.closes.is_empty() && s.problems.is_empty());
        assert_eq!(s.currency, Currency::EUR);
    }

    #[test]
    fn pence_become_pounds() {
        let body = format!(
            r#"{{"chart":{{"result":[{{"meta":{{"currency":"GBp","priceHint":2}},"timestamp":{TS},
            "indicators":{{"quote":[{{"close":[2735.5,null,null,null,null]}}]}}}}]}}}}"#
        );
        let s = series(&body);
        assert_eq!(s.currency.as_str(), "GBP");
        assert_eq!(s.closes[0].close, dec("27.355"));
    }

    #[test]
    fn without_a_currency_the_own_listings_or_an_error() {
        let body = r#"{"chart":{"result":[{"meta":{"currency":null},"timestamp":[1726493400],
            "indicators":{"quote":[{"close":[1]}]}}]}}"#;
        let err = chart(body.as_bytes(), 200, &asked(None)).unwrap_err();
        assert!(err.contains("AAPL") && err.contains("no currency"), "{err}");
        match chart(body.as_bytes(), 200, &asked(Some(Currency::USD))).unwrap() {
            ChartRead::Series(s) => assert_eq!(s.currency, Currency::USD),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn splits_from_their_numbers_or_their_ratio() {
        let body = format!(
            r#"{{"chart":{{"result":[{{"meta":{{"currency":"USD","gmtoffset":-14400}},"timestamp":{TS},
            "indicators":{{"quote":[{{"close":[1,1,1,1,1]}}]}},
            "events":{{"splits":{{
              "1726579800":{{"date":1726579800,"numerator":4,"denominator":1,"splitRatio":"4:1"}},
              "1726752600":{{"date":1726752600,"splitRatio":"1:10"}},
              "1726839000":{{"date":1726839000,"numerator":null}},
              "1600000000":{{"date":1600000000,"numerator":2,"denominator":1}}}}}}}}]}}}}"#
        );
        let s = series(&body);
        assert_eq!(
            s.splits,
            vec![
                SplitEvent {
                    date: d("2024-09-17"),
                    ratio: Ratio::new(dec("4"), dec("1"))
                },
                SplitEvent {
                    date: d("2024-09-19"),
                    ratio: Ratio::new(dec("1"), dec("10"))
                },
            ],
            "2020's split is outside the range"
        );
        assert_eq!(s.problems.len(), 1, "the split without a ratio");
    }

    #[test]
    fn not_found_and_other_errors() {
        let nf = br#"{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}"#;
        assert!(matches!(
            chart(nf, 404, &asked(None)),
            Ok(ChartRead::Unknown(_))
        ));
        assert!(matches!(
            chart(nf, 200, &asked(None)),
            Ok(ChartRead::Unknown(_))
        ));
        assert!(matches!(
            chart(b"<html>", 404, &asked(None)),
            Ok(ChartRead::Unknown(_))
        ));
        let bad = br#"{"chart":{"result":null,"error":{"code":"Bad Request","description":"Invalid input - interval=1x is not supported."}}}"#;
        let err = chart(bad, 200, &asked(None)).unwrap_err();
        assert!(err.contains("interval=1x"), "{err}");
        assert!(chart(b"<html>maintenance</html>", 200, &asked(None)).is_err());
        assert!(
            chart(
                br#"{"chart":{"result":[],"error":null}}"#,
                200,
                &asked(None)
            )
            .is_err()
        );
    }

    #[test]
    fn symbols_from_ticker_and_mic() {
        assert_eq!(yahoo_symbol("AAPL", "XNAS").as_deref(), Some("AAPL"));
        assert_eq!(yahoo_symbol("BRK.B", "XNYS").as_deref(), Some("BRK-B"));
        assert_eq!(yahoo_symbol("VOO", "ARCX").as_deref(), Some("VOO"));
        assert_eq!(yahoo_symbol("SAP", "XETR").as_deref(), Some("SAP.DE"));
        assert_eq!(yahoo_symbol("asml", "XAMS").as_deref(), Some("ASML.AS"));
        assert_eq!(yahoo_symbol("AI", "XPAR").as_deref(), Some("AI.PA"));
        assert_eq!(yahoo_symbol("BT.A", "XLON").as_deref(), Some("BT-A.L"));
        assert_eq!(yahoo_symbol("700", "XHKG").as_deref(), Some("0700.HK"));
        assert_eq!(yahoo_symbol("NESN", "XSWX").as_deref(), Some("NESN.SW"));
        assert_eq!(yahoo_symbol("SAP", "XXXX"), None, "never guessed");
        assert_eq!(yahoo_symbol(" ", "XETR"), None);
    }

    fn q(symbol: Option<&str>, exchange: Option<&str>, kind: Option<&str>) -> SearchQuote {
        SearchQuote {
            symbol: symbol.map(Into::into),
            exchange: exchange.map(Into::into),
            quote_type: kind.map(Into::into),
            shortname: None,
        }
    }

    #[test]
    fn the_listing_on_the_instruments_exchange_is_preferred() {
        let quotes = vec![
            q(None, None, None),
            q(Some("AAPY.DE"), Some("GER"), Some("OPTION")),
            q(Some("AAPL"), Some("NMS"), Some("EQUITY")),
            q(Some("APC.DE"), Some("GER"), Some("EQUITY")),
            q(Some("APC.F"), None, Some("EQUITY")),
        ];
        assert_eq!(pick(&quotes, Some("XETR")), Some(("APC.DE", true)));
        assert_eq!(pick(&quotes, Some("XNAS")), Some(("AAPL", true)));
        assert_eq!(pick(&quotes, Some("XFRA")), Some(("APC.F", true)));
        assert_eq!(pick(&quotes, None), Some(("AAPL", false)));
        assert_eq!(
            pick(&quotes, Some("XPAR")),
            Some(("AAPL", false)),
            "not listed there: the first"
        );
        assert_eq!(pick(&quotes[..2], None), None, "no share, ETF or fund");
    }

    #[test]
    fn search_answers_keep_the_readable_quotes() {
        let body = br#"{"count":2,"quotes":[{"symbol":"SAP.DE","quoteType":"EQUITY","exchange":"GER"},{"symbol":["x"]}],"news":[]}"#;
        let quotes = search_quotes(body).unwrap();
        assert_eq!(quotes.len(), 1);
        assert_eq!(
            search_quotes(br#"{"count":0,"quotes":[]}"#).unwrap(),
            vec![]
        );
        assert_eq!(search_quotes(br#"{}"#).unwrap(), vec![]);
        assert!(search_quotes(b"<html>").is_err());
    }
}
