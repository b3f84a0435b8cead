//! A price file (`date,isin,symbol,close,currency`, the `prices-file`
//! plugin's format) for what no mock source prices: the DEGIRO mock's bond
//! and money-market fund, the IBKR mock's Treasury note and options. Each
//! close is the value of one unit as the broker values the position (a
//! bond in percent of its face), but an option's is quoted per share of its
//! underlying, as price histories quote them: the app multiplies it by the
//! contract's multiplier. Every weekday from 2021-01-04 to `today`.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use rust_decimal::Decimal;

use crate::degiro::account::PRODUCTS;
use crate::ibkr::account::{price, securities};

/// The first day of the file.
pub const FIRST_DAY: &str = "2021-01-04";

/// The file's text up to `today`.
pub fn sandbox(today: NaiveDate) -> String {
    let mut out = String::from("date,isin,symbol,close,currency\n");
    let first: NaiveDate = FIRST_DAY.parse().unwrap_or(today);
    let weekdays = || {
        let mut d = first;
        std::iter::from_fn(move || {
            while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                d += TimeDelta::days(1);
            }
            (d <= today).then(|| {
                let day = d;
                d += TimeDelta::days(1);
                day
            })
        })
    };
    for p in PRODUCTS
        .iter()
        .filter(|p| matches!(p.kind, "BOND" | "CASH_FUND"))
    {
        let Ok(last) = p.price.parse::<Decimal>() else {
            continue;
        };
        // A bond is quoted in percent of a unit of face; a fund's NAV
        // creeps up to today's.
        let unit = if p.kind == "BOND" {
            last / Decimal::ONE_HUNDRED
        } else {
            last
        };
        let isin = crate::degiro::account::isin(p.isin11);
        for (n, d) in weekdays().enumerate() {
            let left = (today - d).num_days();
            // Today's close is the broker's price, exactly.
            let drift = if left == 0 {
                Decimal::ZERO
            } else {
                Decimal::new(left * 3 + (n as i64 % 7), 6)
            };
            let close = (unit * (Decimal::ONE - drift)).round_dp(6).normalize();
            out.push_str(&format!("{d},{isin},{},{close},{}\n", p.symbol, p.currency));
        }
    }
    for s in securities()
        .into_iter()
        .filter(|s| matches!(s.category, "BOND" | "OPT"))
    {
        for d in weekdays() {
            let quoted = price(&s, d);
            let close = if s.category == "BOND" {
                quoted / Decimal::ONE_HUNDRED
            } else {
                quoted
            };
            // An option has no ISIN: the file names it by its symbol.
            out.push_str(&format!(
                "{d},{},{},{},{}\n",
                s.isin.unwrap_or_default(),
                s.symbol,
                close.normalize(),
                s.currency
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unpriced_holding_has_a_weekday_series() {
        let today: NaiveDate = "2026-12-04".parse().unwrap();
        let text = sandbox(today);
        let fund: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("LU1959429272"))
            .collect();
        assert_eq!(
            fund.last().unwrap(),
            &"2026-12-04,LU1959429272,MSLF,9951.3411,EUR"
        );
        assert!(
            text.lines()
                .any(|l| l.contains("NL0010060646") && l.starts_with("2026-12-04,"))
        );
        assert!(
            !text.lines().any(|l| l.starts_with("2026-12-05")),
            "no weekend"
        );
    }
}
