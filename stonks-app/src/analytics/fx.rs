//! Exchange rates by date: the rate of a trade's or a payment's own day,
//! else of the nearest earlier business day (weekends, holidays), and how
//! often that was needed, so a report can say so.
//!
//! The history itself never changes once built: what conversions had to do
//! is counted by whoever converts ([`RateCounter`], one per computation),
//! and handed back as [`RateNotes`] with what that computation returns. So
//! a report says exactly what its own figures needed, whatever else ran.

use std::cell::Cell;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use stonks::Currency;
use stonks::fx::RateTable;

/// How far back the nearest earlier rate may be: a long weekend with a
/// holiday, not a gap in the history.
pub const MAX_DAYS_BACK: i64 = 7;

/// Rate tables by day, and conversions on a date.
#[derive(Debug, Default, Clone)]
pub struct RateHistory {
    days: BTreeMap<NaiveDate, RateTable>,
    /// What the source could not read of the days it gave.
    problems: Vec<stonks::ReadProblem>,
}

/// What a computation's conversions had to do.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RateNotes {
    /// Conversions that used an earlier day's rate.
    pub earlier: usize,
    /// Conversions that found no rate at all.
    pub missing: usize,
}

impl std::ops::Add for RateNotes {
    type Output = RateNotes;

    fn add(self, other: RateNotes) -> RateNotes {
        RateNotes {
            earlier: self.earlier + other.earlier,
            missing: self.missing + other.missing,
        }
    }
}

impl RateNotes {
    /// What a report should say about the rates it used: how many values
    /// took an earlier day's rate and how many had none.
    pub fn lines(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let earlier = self.earlier;
        if earlier > 0 {
            notes.push(format!(
                "fx: {earlier} value{} converted at the rate of the nearest earlier business day (no rate on {} own date)",
                if earlier == 1 { "" } else { "s" },
                if earlier == 1 { "its" } else { "their" }
            ));
        }
        let missing = self.missing;
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

/// Counts what one computation's conversions had to do; owned by that
/// computation (a replay, a report), so nothing else's conversions mix in.
#[derive(Debug, Default)]
pub struct RateCounter(Cell<RateNotes>);

impl RateCounter {
    /// Nothing counted yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// What was counted.
    pub fn notes(&self) -> RateNotes {
        self.0.get()
    }

    fn count(&self, f: impl FnOnce(&mut RateNotes)) {
        let mut n = self.0.get();
        f(&mut n);
        self.0.set(n);
    }
}

impl RateHistory {
    /// A history of `tables` (any order; a later table of the same day wins).
    pub fn new(tables: impl IntoIterator<Item = RateTable>) -> Self {
        let mut problems = Vec::new();
        let days = tables
            .into_iter()
            .map(|mut t| {
                problems.append(&mut t.problems);
                (t.date, t)
            })
            .collect();
        RateHistory { days, problems }
    }

    /// What the rate source could not read of these days (rows and days it
    /// left out), as lines naming the source, the file and the row.
    pub fn problems(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|p| format!("{}: {p}", crate::app::FX_PLUGIN))
            .collect()
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
    /// The same currency needs no rate. `counter` hears what it had to do.
    pub fn convert(
        &self,
        amount: Decimal,
        from: Currency,
        to: Currency,
        on: NaiveDate,
        counter: &RateCounter,
    ) -> Option<Decimal> {
        if from == to {
            return Some(amount);
        }
        let Some(table) = self.table(on) else {
            counter.count(|n| n.missing += 1);
            return None;
        };
        let converted = table
            .convert(&stonks::Money::new(amount, from), &to)
            .map(|m| m.amount);
        match converted {
            Some(_) if table.date != on => counter.count(|n| n.earlier += 1),
            Some(_) => {}
            None => counter.count(|n| n.missing += 1),
        }
        converted
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
            problems: Vec::new(),
        }
    }

    #[test]
    fn a_weekend_takes_fridays_rate_and_says_so() {
        let h = RateHistory::new([day("2024-03-28", "1.0811"), day("2024-04-02", "1.0766")]);
        let on = |d: &str| d.parse::<NaiveDate>().unwrap();
        let counter = RateCounter::new();
        let usd = |a: &str, d: &str| {
            h.convert(
                a.parse().unwrap(),
                Currency::USD,
                Currency::EUR,
                on(d),
                &counter,
            )
        };
        assert_eq!(usd("108.11", "2024-03-28"), Some("100".parse().unwrap()));
        // Good Friday to Easter Monday: Thursday's rate.
        assert_eq!(usd("108.11", "2024-04-01"), Some("100".parse().unwrap()));
        assert_eq!(usd("1", "2024-03-01"), None, "before the history: unknown");
        assert_eq!(
            usd("1", "2024-05-01"),
            None,
            "a month after: unknown, not stale"
        );
        let notes = counter.notes();
        assert_eq!((notes.earlier, notes.missing), (1, 2));
        assert_eq!(notes.lines().len(), 2, "{:?}", notes.lines());
        assert!(
            notes.lines()[0].starts_with(
                "fx: 1 value converted at the rate of the nearest earlier business day"
            )
        );
    }
}
