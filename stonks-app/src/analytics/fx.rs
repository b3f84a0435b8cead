//! Exchange rates by date: the rate of a trade's or a payment's own day,
//! else of the nearest earlier business day (weekends, holidays), and how
//! often that was needed, so a report can say so.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use stonks::Currency;
use stonks::fx::RateTable;

/// How far back the nearest earlier rate may be: a long weekend with a
/// holiday, not a gap in the history.
pub const MAX_DAYS_BACK: i64 = 7;

/// Rate tables by day, and conversions on a date.
#[derive(Debug, Default)]
pub struct RateHistory {
    days: BTreeMap<NaiveDate, RateTable>,
    /// Conversions that used an earlier day's rate.
    earlier: AtomicUsize,
    /// Conversions that found no rate at all.
    missing: AtomicUsize,
}

impl RateHistory {
    /// A history of `tables` (any order; a later table of the same day wins).
    pub fn new(tables: impl IntoIterator<Item = RateTable>) -> Self {
        RateHistory {
            days: tables.into_iter().map(|t| (t.date, t)).collect(),
            ..Self::default()
        }
    }

    /// Whether it holds no day at all.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// The first and last day held.
    pub fn span(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((*self.days.keys().next()?, *self.days.keys().next_back()?))
    }

    /// The table for `on`: that day's, else the nearest earlier one within
    /// [`MAX_DAYS_BACK`].
    pub fn table(&self, on: NaiveDate) -> Option<&RateTable> {
        let (day, table) = self.days.range(..=on).next_back()?;
        ((on - *day).num_days() <= MAX_DAYS_BACK).then_some(table)
    }

    /// `amount` of `from` in `to` at the rate of `on` (see [`Self::table`]).
    /// The same currency needs no rate. Counts what it had to do.
    pub fn convert(
        &self,
        amount: Decimal,
        from: Currency,
        to: Currency,
        on: NaiveDate,
    ) -> Option<Decimal> {
        if from == to {
            return Some(amount);
        }
        let Some(table) = self.table(on) else {
            self.missing.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        let converted = table
            .convert(&stonks::Money::new(amount, from), &to)
            .map(|m| m.amount);
        match converted {
            Some(_) if table.date != on => {
                self.earlier.fetch_add(1, Ordering::Relaxed);
            }
            Some(_) => {}
            None => {
                self.missing.fetch_add(1, Ordering::Relaxed);
            }
        }
        converted
    }

    /// Forgets the counts, before a new report.
    pub fn reset_notes(&self) {
        self.earlier.store(0, Ordering::Relaxed);
        self.missing.store(0, Ordering::Relaxed);
    }

    /// What a report should say about the rates it used: how many values
    /// took an earlier day's rate and how many had none.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let earlier = self.earlier.load(Ordering::Relaxed);
        if earlier > 0 {
            notes.push(format!(
                "fx: {earlier} value{} converted at the rate of the nearest earlier business day (no rate on {} own date)",
                if earlier == 1 { "" } else { "s" },
                if earlier == 1 { "its" } else { "their" }
            ));
        }
        let missing = self.missing.load(Ordering::Relaxed);
        if missing > 0 {
            notes.push(format!(
                "fx: {missing} value{} had no exchange rate within {MAX_DAYS_BACK} days of {} date and {} unknown (null) in the base currency",
                if missing == 1 { "" } else { "s" },
                if missing == 1 { "its" } else { "their" },
                if missing == 1 { "is" } else { "are" }
            ));
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str, usd: &str) -> RateTable {
        RateTable {
            base: Currency::EUR,
            date: d.parse().unwrap(),
            rates: [(Currency::USD, usd.parse().unwrap())].into(),
        }
    }

    #[test]
    fn a_weekend_takes_fridays_rate_and_says_so() {
        let h = RateHistory::new([day("2024-03-28", "1.0811"), day("2024-04-02", "1.0766")]);
        let on = |d: &str| d.parse::<NaiveDate>().unwrap();
        let usd =
            |a: &str, d: &str| h.convert(a.parse().unwrap(), Currency::USD, Currency::EUR, on(d));
        assert_eq!(usd("108.11", "2024-03-28"), Some("100".parse().unwrap()));
        // Good Friday to Easter Monday: Thursday's rate.
        assert_eq!(usd("108.11", "2024-04-01"), Some("100".parse().unwrap()));
        assert_eq!(usd("1", "2024-03-01"), None, "before the history: unknown");
        assert_eq!(
            usd("1", "2024-05-01"),
            None,
            "a month after: unknown, not stale"
        );
        assert_eq!(h.notes().len(), 2, "{:?}", h.notes());
        assert!(
            h.notes()[0].starts_with(
                "fx: 1 value converted at the rate of the nearest earlier business day"
            )
        );
    }
}
