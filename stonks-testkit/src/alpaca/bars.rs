//! The Market Data API v2 half of `MockAlpaca`: daily bars of the symbols
//! the paper account holds, and the Trading API's `/v2/assets/{symbol}`.
//!
//! Every symbol's closes run from 2020-01-01 to today (weekdays for stocks,
//! every day for the crypto pair), ending on the last day at the price
//! `/v2/positions` values it at. A stock's bar is stamped midnight New York
//! (04:00 or 05:00 UTC), a pair's midnight UTC. Raw closes before a split
//! of the account's ledger (NVDA's 4-for-1 on 2021-07-20) are four times
//! the split-adjusted ones. Pages hold at most [`BARS_PAGE`] bars whatever
//! `limit` asks, so paging is exercised; `next_page_token` is base64 of
//! `<symbol>|D|<t>` of the last bar served, as Alpaca's tokens look.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc, Weekday};
use rust_decimal::Decimal;

/// The most bars one page of the mock holds (Alpaca's own pages hold up to
/// `limit`, at most 10000).
pub const BARS_PAGE: usize = 400;

/// The first day with bars.
pub const FIRST_BAR_DAY: (i32, u32, u32) = (2020, 1, 1);

/// The symbols with bars: `(bars symbol, position symbol)`.
pub(crate) const SYMBOLS: &[(&str, &str)] = &[
    ("AAPL", "AAPL"),
    ("MSFT", "MSFT"),
    ("NVDA", "NVDA"),
    ("VOO", "VOO"),
    ("BTC/USD", "BTCUSD"),
];

/// One daily bar.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub day: NaiveDate,
    pub t: DateTime<Utc>,
    pub close: Decimal,
}

/// Hours New York is behind UTC at midnight of `day` (the clocks change at
/// 02:00 on the second Sunday of March and the first Sunday of November).
fn new_york_behind_at_midnight(day: NaiveDate) -> i64 {
    let sunday = |month: u32, n: u8| {
        NaiveDate::from_weekday_of_month_opt(day.year(), month, Weekday::Sun, n).unwrap_or(day)
    };
    if day > sunday(3, 2) && day <= sunday(11, 1) {
        4
    } else {
        5
    }
}

fn close_path(last: Decimal, days_back: i64) -> Decimal {
    let wobble = if days_back == 0 {
        0
    } else {
        (days_back * 29 % 37) - 18
    };
    let trend = (10_000 - 2 * days_back).max(2_000);
    (last * Decimal::new(trend + 10 * wobble, 4)).round_dp(2)
}

/// Every bar of `symbol` (`AAPL`, `BTC/USD`) up to `today`, oldest first;
/// closes raw (times 4 before a split in `splits`) unless `split_adjusted`.
/// `None` for a symbol the mock does not know.
pub(crate) fn daily_bars(
    symbol: &str,
    today: NaiveDate,
    splits: &[(String, NaiveDate)],
    split_adjusted: bool,
) -> Option<Vec<Bar>> {
    let &(_, held) = SYMBOLS.iter().find(|s| s.0 == symbol)?;
    let last: Decimal = super::account::last_price(held)?;
    let crypto = symbol.contains('/');
    let trades = |d: NaiveDate| crypto || !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let mut last_day = today;
    while !trades(last_day) {
        last_day = last_day - Days::new(1);
    }
    let (y, m, d) = FIRST_BAR_DAY;
    let mut day = NaiveDate::from_ymd_opt(y, m, d)?;
    let mut out = Vec::new();
    while day <= last_day {
        if trades(day) {
            let mut close = close_path(last, (last_day - day).num_days());
            if !split_adjusted {
                let later_splits = splits
                    .iter()
                    .filter(|(s, at)| s == held && day < *at)
                    .count();
                close *= Decimal::from(4u32.pow(later_splits as u32));
            }
            let behind = if crypto {
                0
            } else {
                new_york_behind_at_midnight(day)
            };
            let t = day.and_hms_opt(0, 0, 0)?.and_utc() + TimeDelta::hours(behind);
            out.push(Bar { day, t, close });
        }
        day = day + Days::new(1);
    }
    Some(out)
}

/// A bar as Alpaca writes it: prices as JSON numbers (their shortest text),
/// volume a whole number for stocks and fractional for crypto.
pub(crate) fn bar_json(bar: &Bar, crypto: bool) -> String {
    let c = bar.close;
    let scale = |n: i64| (c * Decimal::new(n, 3)).round_dp(2).normalize();
    let seed = bar.t.timestamp() / 86_400;
    let volume = if crypto {
        Decimal::new(1_234_567 + seed % 90_000, 6)
            .normalize()
            .to_string()
    } else {
        (1_000_000 + seed % 700_000).to_string()
    };
    format!(
        r#"{{"t":"{}","o":{},"h":{},"l":{},"c":{},"v":{},"n":{},"vw":{}}}"#,
        bar.t.format("%Y-%m-%dT%H:%M:%SZ"),
        scale(996),
        scale(1_011),
        scale(989),
        c.normalize(),
        volume,
        5_000 + seed % 3_000,
        scale(1_001),
    )
}

/// The page token after `bar` of `symbol`: base64 of `<symbol>|D|<t>`.
pub(crate) fn page_token(symbol: &str, bar: &Bar) -> String {
    let text = format!("{symbol}|D|{}", bar.t.format("%Y-%m-%dT%H:%M:%S%.9fZ"));
    base64(text.as_bytes())
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_base64_like_alpacas() {
        assert_eq!(
            base64(b"AAPL|M|2022-01-03T09:00:00.000000000Z"),
            "QUFQTHxNfDIwMjItMDEtMDNUMDk6MDA6MDAuMDAwMDAwMDAwWg=="
        );
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn bars_end_at_the_position_price_on_the_last_trading_day() {
        let splits = vec![(
            "NVDA".to_owned(),
            NaiveDate::from_ymd_opt(2021, 7, 20).unwrap(),
        )];
        let saturday = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let aapl = daily_bars("AAPL", saturday, &splits, false).unwrap();
        let last = aapl.last().unwrap();
        assert_eq!(
            (last.day.to_string(), last.close.to_string()),
            ("2026-12-04".into(), "177.57".into())
        );
        assert_eq!(
            last.t.to_rfc3339(),
            "2026-12-04T05:00:00+00:00",
            "midnight EST"
        );
        let btc = daily_bars("BTC/USD", saturday, &splits, false).unwrap();
        assert_eq!(btc.last().unwrap().close.to_string(), "46306.45");
        let raw = daily_bars("NVDA", saturday, &splits, false).unwrap();
        let adjusted = daily_bars("NVDA", saturday, &splits, true).unwrap();
        let on =
            |bars: &[Bar], d: &str| bars.iter().find(|b| b.day.to_string() == d).unwrap().close;
        assert_eq!(
            on(&raw, "2021-07-19"),
            on(&adjusted, "2021-07-19") * Decimal::from(4)
        );
        assert_eq!(on(&raw, "2021-07-20"), on(&adjusted, "2021-07-20"));
        assert_eq!(
            new_york_behind_at_midnight(NaiveDate::from_ymd_opt(2021, 7, 20).unwrap()),
            4
        );
        assert!(daily_bars("ZZZZ", saturday, &splits, false).is_none());
    }
}
