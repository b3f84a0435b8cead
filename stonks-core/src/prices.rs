//! Daily price history: the `prices@1` interface a price source provides
//! (Yahoo's chart API, a broker's candles or bars, a price file), and what
//! its manifest says it can price ([`crate::manifest::PriceCapabilities`]),
//! so the app chooses a source per instrument by capability.
//!
//! Prices are exact decimals in the currency the source quotes; a day the
//! source has no close for (a holiday, a `null` in the answer) is absent,
//! never 0.

use async_trait::async_trait;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::{Currency, Instrument};
use crate::problem::ReadProblem;
use crate::v2::Ratio;

/// One day's close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Close {
    /// The trading day (the exchange's date).
    pub date: NaiveDate,
    /// The closing price, not adjusted for later splits or dividends.
    pub close: Decimal,
}

/// A split the source reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitEvent {
    /// The day it took effect.
    pub date: NaiveDate,
    /// Units after per units before (`4 : 1`).
    pub ratio: Ratio,
}

/// The daily closes of one instrument over a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSeries {
    /// The source's own name for the instrument (`AAPL`, `SAP.DE`,
    /// `BTC-EUR`).
    pub symbol: String,
    /// The currency every close is in.
    pub currency: Currency,
    /// One per day with a close, oldest first, each day once.
    pub closes: Vec<Close>,
    /// Splits in the range.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub splits: Vec<SplitEvent>,
    /// Rows of the answer that could not be read and were left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ReadProblem>,
}

impl PriceSeries {
    /// An empty series of `symbol` in `currency`.
    pub fn new(symbol: impl Into<String>, currency: Currency) -> Self {
        PriceSeries {
            symbol: symbol.into(),
            currency,
            closes: Vec::new(),
            splits: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Sorts the closes oldest first and keeps one per day (the last
    /// given), whatever order the source answered in.
    pub fn normalize(&mut self) {
        self.closes.sort_by_key(|c| c.date);
        let mut out: Vec<Close> = Vec::with_capacity(self.closes.len());
        for c in self.closes.drain(..) {
            match out.last_mut() {
                Some(last) if last.date == c.date => *last = c,
                _ => out.push(c),
            }
        }
        self.closes = out;
        self.splits.sort_by_key(|s| s.date);
    }
}

/// A source of daily closes.
#[async_trait]
pub trait PriceService: Send + Sync {
    /// The closes of `instrument` from `from` to `to` (both included).
    /// `Ok(None)` when the source does not know the instrument (the app
    /// asks the next source); an empty series when it knows it but has no
    /// close in the range. The instrument carries every identifier known
    /// (ISIN, ticker and listing MIC, share-class FIGI, asset class,
    /// currency): the source picks what it can use.
    async fn history(
        &self,
        instrument: &Instrument,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<PriceSeries>>;

    /// Tells the source the symbol it answered for `instrument` before
    /// ([`PriceSeries::symbol`], kept by the app), so that a source that
    /// looks symbols up (by ISIN) need not ask again. The default ignores
    /// it.
    fn remember(&self, instrument: &Instrument, symbol: &str) {
        let _ = (instrument, symbol);
    }
}

#[async_trait]
impl<T: PriceService + ?Sized> PriceService for std::sync::Arc<T> {
    async fn history(
        &self,
        instrument: &Instrument,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<PriceSeries>> {
        (**self).history(instrument, from, to).await
    }

    fn remember(&self, instrument: &Instrument, symbol: &str) {
        (**self).remember(instrument, symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_sorted_and_one_close_a_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let c = |day: &str, close: &str| Close {
            date: d(day),
            close: close.parse().unwrap(),
        };
        let mut s = PriceSeries::new("BTC-EUR", Currency::EUR);
        s.closes = vec![
            c("2026-11-03", "3"),
            c("2026-11-01", "1"),
            c("2026-11-02", "2"),
            c("2026-11-03", "3.5"),
        ];
        s.normalize();
        assert_eq!(
            s.closes,
            vec![
                c("2026-11-01", "1"),
                c("2026-11-02", "2"),
                c("2026-11-03", "3.5")
            ]
        );
    }
}
