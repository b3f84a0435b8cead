//! What the services keep of the statements read: the merged ledger, each
//! account's latest positions and cash, the latest conversion rates, and
//! every problem met.

use std::collections::BTreeMap;
use std::mem;

use chrono::{DateTime, NaiveDate, Utc};
use stonks_core::fx::RateTable;
use stonks_core::v2::{CashBalance, LedgerEntry, PortfolioSnapshot, Position};
use stonks_core::{Currency, Decimal, ReadProblem};

use super::convert::Rate;
use super::ledger::{Ledger, Link};
use super::{StatementInfo, Visitor, Wanted};

/// Decimals kept of an inverted rate (IBKR states 5 or 6).
pub const RATE_DECIMALS: u32 = 10;

/// An account's holdings as one statement states them.
#[derive(Debug, Clone)]
pub struct Holdings {
    /// The statement they come from.
    pub statement: StatementInfo,
    /// Its open positions.
    pub positions: Vec<Position>,
    /// Its cash per currency (the `BASE_SUMMARY` row's, in the base
    /// currency, when it has no currency rows).
    pub cash: Vec<CashBalance>,
}

/// The statements read so far (a [`Visitor`]).
#[derive(Debug)]
pub struct Collected {
    wanted: Wanted,
    /// Every entry, once.
    pub(crate) ledger: Ledger,
    /// The rows that could not be read.
    pub(crate) problems: Vec<ReadProblem>,
    /// Each account's latest holdings.
    pub(crate) holdings: BTreeMap<String, Holdings>,
    /// The latest rate of each `(to, from)` pair, with its day.
    pub(crate) rates: BTreeMap<(Currency, Currency), (NaiveDate, Decimal)>,
    /// Every day's rates: `(day, to)` to each `from`'s rate.
    daily: BTreeMap<(NaiveDate, Currency), BTreeMap<Currency, Decimal>>,
    positions: Vec<Position>,
    cash: Vec<CashBalance>,
    base_summary: Option<CashBalance>,
}

impl Collected {
    /// Nothing read yet; `wanted` says what to keep.
    pub fn new(wanted: Wanted) -> Self {
        Collected {
            wanted,
            ledger: Ledger::new(),
            problems: Vec::new(),
            holdings: BTreeMap::new(),
            rates: BTreeMap::new(),
            daily: BTreeMap::new(),
            positions: Vec::new(),
            cash: Vec::new(),
            base_summary: None,
        }
    }

    /// The portfolio of the latest statement of each account, `as_of` the
    /// oldest of their times (now when there is none).
    pub fn snapshot(&self, include_closed: bool) -> PortfolioSnapshot {
        let as_of = self
            .holdings
            .values()
            .filter_map(|h| h.statement.as_of())
            .min()
            .unwrap_or_else(Utc::now);
        let mut snap = PortfolioSnapshot::new(as_of);
        for h in self.holdings.values() {
            snap.positions.extend(
                h.positions
                    .iter()
                    .filter(|p| include_closed || !p.quantity.is_zero())
                    .cloned(),
            );
            snap.cash.extend(h.cash.iter().cloned());
        }
        snap.problems = self.problems.clone();
        snap
    }

    /// The newest rates against one base currency (the one with the most
    /// recent day): units of each currency per one unit of the base, that
    /// is one over IBKR's rate, to [`RATE_DECIMALS`] decimals.
    pub(crate) fn rate_table(&self) -> Option<RateTable> {
        let (base, date) = self
            .rates
            .iter()
            .map(|((to, _), (date, _))| (*to, *date))
            .max_by_key(|(to, date)| (*date, std::cmp::Reverse(*to)))?;
        let latest = self
            .rates
            .iter()
            .filter(|((to, _), _)| *to == base)
            .map(|((_, from), (_, rate))| (*from, *rate));
        Some(RateTable::new(base, date, per_base(latest)))
    }

    /// Every day's rates from `from` to `to` (both included) against the
    /// base currency of [`Collected::rate_table`], oldest first: the
    /// statements' `ConversionRate` rows as a rate history.
    pub(crate) fn rate_history(&self, from: NaiveDate, to: NaiveDate) -> Vec<RateTable> {
        let Some(base) = self.rate_table().map(|t| t.base) else {
            return Vec::new();
        };
        self.daily
            .range((from, base)..=(to, base))
            .filter(|((_, b), _)| *b == base)
            .map(|((day, _), rates)| {
                let rates = rates.iter().map(|(c, r)| (*c, *r));
                RateTable::new(base, *day, per_base(rates))
            })
            .filter(|t| !t.rates.is_empty())
            .collect()
    }

    /// The ledger: linked, in time order.
    pub fn into_ledger(self) -> (Vec<LedgerEntry>, Vec<ReadProblem>) {
        (self.ledger.finish(), self.problems)
    }
}

/// IBKR's rates (one `from` is `rate` base) as a table's: units of each
/// currency per one unit of the base, `1 / rate`, to [`RATE_DECIMALS`]
/// decimals.
fn per_base(rates: impl Iterator<Item = (Currency, Decimal)>) -> BTreeMap<Currency, Decimal> {
    rates
        .filter(|(_, rate)| !rate.is_zero())
        .filter_map(|(from, rate)| {
            Some((
                from,
                Decimal::ONE.checked_div(rate)?.round_dp(RATE_DECIMALS),
            ))
        })
        .collect()
}

/// Whether `a` is a later statement than `b`: by its last day, then by
/// when it was generated.
fn later(a: &StatementInfo, b: &StatementInfo) -> bool {
    let key = |s: &StatementInfo| (s.to, s.generated.unwrap_or(DateTime::<Utc>::MIN_UTC));
    key(a) > key(b)
}

impl Visitor for Collected {
    fn wanted(&self) -> Wanted {
        self.wanted
    }

    fn statement(&mut self, statement: StatementInfo) {
        let positions = mem::take(&mut self.positions);
        let mut cash = mem::take(&mut self.cash);
        let base_summary = self.base_summary.take();
        if !self.wanted.portfolio || !(statement.has_positions || statement.has_cash) {
            return;
        }
        if cash.is_empty() {
            cash.extend(base_summary);
        }
        let newer = self
            .holdings
            .get(&statement.account)
            .is_none_or(|h| later(&statement, &h.statement));
        if newer {
            self.holdings.insert(
                statement.account.clone(),
                Holdings {
                    statement,
                    positions,
                    cash,
                },
            );
        }
    }

    fn entry(&mut self, entry: LedgerEntry, link: Option<Link>) {
        self.ledger.push(entry, link);
    }

    fn position(&mut self, position: Position) {
        self.positions.push(position);
    }

    fn cash(&mut self, cash: CashBalance, base_summary: bool) {
        if base_summary {
            self.base_summary = Some(cash);
        } else {
            self.cash.push(cash);
        }
    }

    fn rate(&mut self, rate: Rate) {
        self.daily
            .entry((rate.date, rate.to))
            .or_default()
            .insert(rate.from, rate.rate);
        let slot = self
            .rates
            .entry((rate.to, rate.from))
            .or_insert((rate.date, rate.rate));
        if rate.date >= slot.0 {
            *slot = (rate.date, rate.rate);
        }
    }

    fn problem(&mut self, problem: ReadProblem) {
        self.problems.push(problem);
    }
}
