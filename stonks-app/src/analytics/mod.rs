//! From the ledger to answers: holdings rebuilt and reconciled with the
//! brokers' positions, cost basis and gains (FIFO, LIFO, moving average;
//! per account or pooled), dividends and income, and performance with the
//! money-weighted return.
//!
//! Everything here is a pure function of the ledger (broker, entry), the
//! brokers' latest snapshots and exchange rates by date, so it is tested
//! with scenario files and needs no network. [`Analysis`] gathers those
//! inputs for an [`App`](crate::App), from the store.

pub mod fx;
pub mod gains;
pub mod holdings;
pub mod income;
mod load;
pub mod lots;
pub mod performance;
pub mod xirr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use stonks::Currency;
use stonks::fx::RateTable;
use stonks::v2::{LedgerEntry, PortfolioSnapshot};

pub use fx::RateHistory;
pub use gains::GainsReport;
pub use holdings::HoldingsReport;
pub use income::{DividendReport, GroupBy};
pub use lots::{Method, Scope};
pub use performance::PerformanceReport;

use crate::portfolio::{BrokerResult, PortfolioReport};

/// A computed figure in an instrument's own currency: eight decimals at
/// most, trailing zeros dropped.
pub(crate) fn figure(d: Option<Decimal>) -> Option<Decimal> {
    d.map(|d| d.round_dp(8).normalize())
}

/// A figure in the base currency: cents, as the portfolio shows them.
pub(crate) fn base_figure(d: Option<Decimal>) -> Option<Decimal> {
    d.map(|d| d.round_dp(2))
}

/// What every analysis reads: the stored ledger, each broker's latest
/// snapshot, today's rates and the rates by date.
#[derive(Debug)]
pub struct Analysis {
    /// The currency of every `_base` figure.
    pub base: Currency,
    /// Every stored entry with its broker.
    pub ledger: Vec<(String, LedgerEntry)>,
    /// Each broker's latest portfolio.
    pub snapshots: Vec<(String, PortfolioSnapshot)>,
    /// Today's rates (for current values).
    pub today: Option<RateTable>,
    /// Rates by date (for costs, proceeds and payments).
    pub history: RateHistory,
    /// When the answers are for.
    pub now: DateTime<Utc>,
}

impl Analysis {
    /// The replay of the ledger by `method` and `scope`.
    pub fn replay(&self, method: Method, scope: Scope) -> lots::Replay {
        self.history.reset_notes();
        lots::replay(
            &self.ledger,
            lots::Options {
                method,
                scope,
                base: self.base,
                rates: &self.history,
            },
        )
    }

    /// The merged portfolio of the snapshots.
    pub fn portfolio(&self) -> PortfolioReport {
        let results: Vec<BrokerResult> = self
            .snapshots
            .iter()
            .map(|(b, s)| (b.clone(), Ok(s.clone())))
            .collect();
        PortfolioReport::build(self.base, &results, self.today.as_ref())
    }

    /// Open holdings (FIFO, per account) and where they differ from the
    /// brokers' positions.
    pub fn holdings(&self) -> HoldingsReport {
        let replay = self.replay(Method::Fifo, Scope::Account);
        let rows = holdings::rows(&replay, &self.snapshots, self.today.as_ref(), self.base);
        let differences = holdings::reconcile(&replay, &self.ledger, &self.snapshots);
        let mut problems: Vec<String> = replay.problems.iter().map(ToString::to_string).collect();
        problems.extend(self.history.notes());
        HoldingsReport {
            base_currency: self.base,
            totals: holdings::HoldingTotals::of(&rows),
            holdings: rows,
            differences,
            problems,
        }
    }

    /// Realized and unrealized gains by `method`, per account or pooled;
    /// realized ones of `year` only when given.
    pub fn gains(&self, method: Method, scope: Scope, year: Option<i32>) -> GainsReport {
        let replay = self.replay(method, scope);
        let open = holdings::rows(&replay, &self.snapshots, self.today.as_ref(), self.base);
        let mut report = GainsReport::build(
            self.base,
            method,
            scope == Scope::Pooled,
            &replay,
            &open,
            year,
        );
        report.problems = replay.problems.iter().map(ToString::to_string).collect();
        report.problems.extend(self.history.notes());
        report
    }

    /// Dividends and income grouped `by`, of `year` only when given.
    pub fn dividends(&self, by: GroupBy, year: Option<i32>) -> DividendReport {
        let replay = self.replay(Method::Fifo, Scope::Account);
        let open = holdings::rows(&replay, &self.snapshots, self.today.as_ref(), self.base);
        income::report(
            &self.ledger,
            &self.history,
            self.base,
            by,
            year,
            &open,
            self.now,
        )
    }

    /// Performance per account, broker and in total.
    pub fn performance(&self) -> PerformanceReport {
        let replay = self.replay(Method::Fifo, Scope::Account);
        let open = holdings::rows(&replay, &self.snapshots, self.today.as_ref(), self.base);
        let portfolio = self.portfolio();
        performance::report(
            &self.ledger,
            &replay,
            &open,
            &portfolio,
            &self.history,
            self.base,
        )
    }
}
