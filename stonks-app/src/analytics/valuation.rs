//! What the holdings were worth on any day: each account's units of each
//! instrument on that day (from the replay's trail) times that day's close
//! (from the stored price history), converted at that day's rate. A day
//! without a close (a weekend, a holiday) takes the last close at most
//! [`MAX_CARRY_DAYS`] back; beyond that the holding's value is unknown and
//! the day is partial, never valued at 0.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use stonks::Currency;

use super::fx::{RateCounter, RateHistory};
use super::lots::{Holding, POOLED, Replay};
use crate::store::StoredSeries;

/// How many days a close is carried forward over days without one.
pub const MAX_CARRY_DAYS: i64 = 7;

/// Every stored close, by instrument key, and the contract size of the
/// instruments that have one: a close quotes one unit of the underlying, so
/// [`PriceBook::close_on`] and [`PriceBook::latest`] give it per unit held
/// (an option's close of 2.50 is 250 a contract of 100).
#[derive(Debug, Clone, Default)]
pub struct PriceBook {
    series: HashMap<String, StoredSeries>,
    multipliers: HashMap<String, Decimal>,
}

/// A close as used for one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceOn {
    /// The close.
    pub close: Decimal,
    /// Its currency.
    pub currency: Currency,
    /// The day it is the close of (the day asked, or up to
    /// [`MAX_CARRY_DAYS`] earlier).
    pub date: NaiveDate,
}

impl PriceBook {
    /// A book of `series` (as [`crate::store::Store::price_book`] reads it).
    pub fn new(series: HashMap<String, StoredSeries>) -> Self {
        PriceBook {
            series,
            multipliers: HashMap::new(),
        }
    }

    /// Learns the contract size of `instrument`, keyed `key` (one that is
    /// 1, or none, is the default).
    pub fn learn(&mut self, key: &str, instrument: &stonks::Instrument) {
        if let Some(m) = instrument.multiplier.filter(|m| *m != Decimal::ONE) {
            self.multipliers.insert(key.to_owned(), m);
        }
    }

    /// How many units of the underlying one unit of `key` held stands for.
    pub fn multiplier(&self, key: &str) -> Decimal {
        self.multipliers.get(key).copied().unwrap_or(Decimal::ONE)
    }

    /// Whether it holds no close at all.
    pub fn is_empty(&self) -> bool {
        self.series.values().all(|s| s.closes.is_empty())
    }

    /// The keys with closes.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.series.keys().map(String::as_str)
    }

    /// The series of `key`.
    pub fn series(&self, key: &str) -> Option<&StoredSeries> {
        self.series.get(key)
    }

    /// `key`'s close on `on`: that day's, else the last one at most
    /// [`MAX_CARRY_DAYS`] before.
    pub fn close_on(&self, key: &str, on: NaiveDate) -> Option<PriceOn> {
        let s = self.series.get(key)?;
        let i = s.dates.partition_point(|d| *d <= on).checked_sub(1)?;
        let date = s.dates[i];
        let currency = s.currency?;
        if (on - date).num_days() > MAX_CARRY_DAYS {
            return None;
        }
        Some(PriceOn {
            close: s.closes[i].checked_mul(self.multiplier(key))?,
            currency,
            date,
        })
    }

    /// `key`'s latest close.
    pub fn latest(&self, key: &str) -> Option<PriceOn> {
        let s = self.series.get(key)?;
        Some(PriceOn {
            close: s.closes.last()?.checked_mul(self.multiplier(key))?,
            currency: s.currency?,
            date: *s.dates.last()?,
        })
    }
}

/// One holding's value on a day.
#[derive(Debug, Clone, Serialize)]
pub struct HoldingValue {
    /// The broker (`None` when pooled).
    pub broker: Option<String>,
    /// The account (`None` when pooled).
    pub account: Option<String>,
    /// The instrument key.
    pub instrument_key: String,
    /// Units held that day.
    pub quantity: Decimal,
    /// The close used (per unit held), when there is one.
    pub price: Option<PriceOn>,
    /// The value in the base currency; `None` when the close or the rate
    /// is unknown.
    pub value_base: Option<Decimal>,
}

/// What everything held was worth on one day.
#[derive(Debug, Clone, Serialize)]
pub struct DayValue {
    /// The day.
    pub date: NaiveDate,
    /// Every holding with units that day.
    pub holdings: Vec<HoldingValue>,
    /// The known values added, base currency.
    pub total_base: Decimal,
    /// Instrument keys held that day without a close or a rate: the total
    /// leaves them out (the day is partial).
    pub missing: Vec<String>,
}

impl DayValue {
    /// Whether every holding has a value.
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Units of `h` held at the end of `on` (UTC): its trail's last step that
/// day or before.
fn units_on(h: &Holding, end: DateTime<Utc>) -> Decimal {
    let i = h.trail.partition_point(|s| s.at < end);
    i.checked_sub(1)
        .map_or(Decimal::ZERO, |i| h.trail[i].quantity)
}

/// The value of every holding of `replay` on `on`, at `prices` and `rates`.
pub fn value_on(
    replay: &Replay,
    prices: &PriceBook,
    rates: &RateHistory,
    base: Currency,
    on: NaiveDate,
    counter: &RateCounter,
) -> DayValue {
    let end = on
        .succ_opt()
        .unwrap_or(on)
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default();
    let mut out = DayValue {
        date: on,
        holdings: Vec::new(),
        total_base: Decimal::ZERO,
        missing: Vec::new(),
    };
    for h in replay.holdings.values() {
        let quantity = units_on(h, end);
        if quantity.is_zero() {
            continue;
        }
        let key = &h.key.instrument;
        let price = prices.close_on(key, on);
        let value_base = price.and_then(|p| {
            let value = p.close.checked_mul(quantity)?;
            rates.convert(value, p.currency, base, on, counter)
        });
        match value_base.and_then(|v| out.total_base.checked_add(v)) {
            Some(total) => out.total_base = total,
            None => {
                if !out.missing.contains(key) {
                    out.missing.push(key.clone());
                }
            }
        }
        let keyed = |s: &str| (s != POOLED).then(|| s.to_owned());
        out.holdings.push(HoldingValue {
            broker: keyed(&h.key.broker),
            account: keyed(&h.key.account),
            instrument_key: key.clone(),
            quantity,
            price,
            value_base: value_base.map(|v| v.round_dp(2)),
        });
    }
    out.total_base = out.total_base.round_dp(2);
    out.missing.sort();
    out
}

/// Cash per currency from the ledger, day by day: every fiat amount, less
/// the fees paid in fiat, in the order of the entries. Coins are units
/// (holdings), not cash.
#[derive(Debug)]
pub struct LedgerCash<'a> {
    entries: Vec<&'a stonks::v2::LedgerEntry>,
    next: usize,
    balances: std::collections::BTreeMap<Currency, Decimal>,
}

impl<'a> LedgerCash<'a> {
    /// Over `ledger` (any order).
    pub fn new(ledger: &'a [(String, stonks::v2::LedgerEntry)]) -> Self {
        Self::of(ledger.iter().map(|(_, e)| e).collect())
    }

    /// Over `entries` (any order).
    pub fn of(mut entries: Vec<&'a stonks::v2::LedgerEntry>) -> Self {
        entries.sort_by_key(|e| e.timestamp);
        LedgerCash {
            entries,
            next: 0,
            balances: Default::default(),
        }
    }

    /// The balances as far as [`Self::through`] went.
    pub fn balances(&self) -> &std::collections::BTreeMap<Currency, Decimal> {
        &self.balances
    }

    /// The balances at the end of `on`: call with days in order.
    pub fn through(&mut self, on: NaiveDate) -> &std::collections::BTreeMap<Currency, Decimal> {
        while let Some(e) = self.entries.get(self.next) {
            if e.timestamp.date_naive() > on {
                break;
            }
            // Amounts come from brokers: one absurd enough to overflow is
            // left out of the balance, not a panic.
            if e.amount.currency.is_fiat() {
                let b = self.balances.entry(e.amount.currency).or_default();
                *b = b.checked_add(e.amount.amount).unwrap_or(*b);
            }
            for fee in e.fees.iter().filter(|f| f.currency.is_fiat()) {
                let b = self.balances.entry(fee.currency).or_default();
                *b = b.checked_sub(fee.amount).unwrap_or(*b);
            }
            self.next += 1;
        }
        &self.balances
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stonks::v2::{LedgerEntry, LedgerKind};
    use stonks::{AssetClass, Instrument, Money};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn book() -> PriceBook {
        let series = StoredSeries {
            currency: Some(Currency::USD),
            // A Friday and the Monday after; nothing on the weekend.
            dates: vec![d("2026-11-06"), d("2026-11-09")],
            closes: vec!["100".parse().unwrap(), "110".parse().unwrap()],
        };
        PriceBook::new(HashMap::from([("isin:US0378331005".to_owned(), series)]))
    }

    #[test]
    fn a_close_is_carried_over_the_weekend_and_at_most_a_week() {
        let b = book();
        let key = "isin:US0378331005";
        assert_eq!(
            b.close_on(key, d("2026-11-05")),
            None,
            "before the first close"
        );
        assert_eq!(
            b.close_on(key, d("2026-11-08")).unwrap().date,
            d("2026-11-06")
        );
        assert_eq!(
            b.close_on(key, d("2026-11-09")).unwrap().close,
            "110".parse().unwrap()
        );
        assert!(b.close_on(key, d("2026-11-16")).is_some(), "seven days on");
        assert_eq!(
            b.close_on(key, d("2026-11-17")),
            None,
            "eight days: unknown, not 0"
        );
    }

    #[test]
    fn holdings_are_valued_on_each_day_with_that_days_units_and_rate() {
        // Bought 10 on Friday 6 November, 5 more on Tuesday 10 November.
        let mut apple = Instrument::new("AAPL", "Apple", AssetClass::Stock);
        apple.isin = Some("US0378331005".parse().unwrap());
        let buy = |id: &str, at: &str, q: &str| {
            let mut e = LedgerEntry::new(
                id,
                at.parse().unwrap(),
                LedgerKind::Buy,
                Money::new("-1000".parse().unwrap(), Currency::USD),
            );
            e.instrument = Some(apple.clone());
            e.quantity = Some(q.parse().unwrap());
            ("ibkr".to_owned(), e)
        };
        let ledger = vec![
            buy("1", "2026-11-06T15:00:00Z", "10"),
            buy("2", "2026-11-10T15:00:00Z", "5"),
        ];
        let rates = RateHistory::new([stonks::fx::RateTable {
            base: Currency::EUR,
            date: d("2026-11-06"),
            rates: [(Currency::USD, "1.25".parse().unwrap())].into(),
            problems: Vec::new(),
        }]);
        let replay = super::super::lots::replay(
            &ledger,
            super::super::lots::Options {
                method: super::super::Method::Fifo,
                scope: super::super::Scope::Account,
                base: Currency::EUR,
                rates: &rates,
            },
        );
        let c = RateCounter::new();
        let value = |on: &str| value_on(&replay, &book(), &rates, Currency::EUR, d(on), &c);
        // Friday: 10 x 100 USD = 1000 USD = 800 EUR (1.25 USD per EUR).
        assert_eq!(
            value("2026-11-06").total_base,
            "800".parse::<Decimal>().unwrap()
        );
        // Monday: 10 x 110 = 1100 USD = 880 EUR (Friday's rate, 3 days back).
        assert_eq!(
            value("2026-11-09").total_base,
            "880".parse::<Decimal>().unwrap()
        );
        // Tuesday: 15 x 110 (Monday's close carried) = 1650 USD = 1320 EUR.
        let tue = value("2026-11-10");
        assert_eq!(tue.total_base, "1320".parse::<Decimal>().unwrap());
        assert!(tue.complete());
        // Thursday before: nothing held.
        assert!(value("2026-11-05").holdings.is_empty());
        // Three weeks on: no close within a week, so the day is partial.
        let late = value("2026-11-30");
        assert_eq!(late.missing, ["isin:US0378331005"]);
        assert_eq!(late.total_base, Decimal::ZERO);
    }
}
