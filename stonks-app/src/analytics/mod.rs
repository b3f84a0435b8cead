//! From the ledger to answers: holdings rebuilt and reconciled with the
//! brokers' positions, cost basis and gains (FIFO, LIFO, moving average;
//! per account or pooled), dividends and income, and performance with the
//! money-weighted return.
//!
//! Everything here is a pure function of the ledger (broker, entry), the
//! brokers' latest snapshots and exchange rates by date, so it is tested
//! with scenario files and needs no network. [`Analysis`] holds those
//! inputs (gathered for an [`App`](crate::App) from the store) and what is
//! computed from them once for every report: the replay and the merged
//! portfolio. Every report is built one way, `XReport::build(&analysis, ..)`.

pub mod daily;
pub mod fx;
pub mod gains;
pub mod holdings;
pub mod income;
mod load;
pub mod lots;
pub mod performance;
pub mod returns;
pub mod valuation;
pub mod xirr;

use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use stonks::Currency;
use stonks::fx::RateTable;
use stonks::v2::{LedgerEntry, PortfolioSnapshot};

pub use fx::{RateCounter, RateHistory, RateNotes};
pub use gains::{GainsOptions, GainsReport};
pub use holdings::HoldingsReport;
pub use income::{DividendOptions, DividendReport, GroupBy};
pub use lots::{Method, Scope};
pub use performance::PerformanceReport;
pub use valuation::{DayValue, PriceBook};

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
#[derive(Debug, Clone)]
pub struct Inputs {
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

/// One replay of the ledger and what every report reads of it: the lots
/// and sales, the open holdings valued at today's rates, and (inside the
/// replay) the rate notes it met.
#[derive(Debug)]
pub struct Replayed {
    /// Which lots a sale consumed.
    pub method: Method,
    /// Per account, or pooled.
    pub scope: Scope,
    /// Holdings, sales, problems and rate notes.
    pub replay: lots::Replay,
    /// The open holdings, valued.
    pub open: Vec<holdings::HoldingRow>,
}

/// The inputs and what is computed from them, each once: every report
/// (holdings, gains, dividends, performance, the page) reads the same
/// replay and the same merged portfolio, whichever asks first.
///
/// An analysis reads as its [`Inputs`] (`analysis.ledger`), read-only:
/// what was computed depends on them.
#[derive(Debug)]
pub struct Analysis {
    inputs: Inputs,
    /// Stored daily closes, for values on past days.
    prices: PriceBook,
    /// The replays asked for so far (one per method and scope).
    replays: Mutex<Vec<Arc<Replayed>>>,
    portfolio: OnceLock<PortfolioReport>,
}

impl std::ops::Deref for Analysis {
    type Target = Inputs;

    fn deref(&self) -> &Inputs {
        &self.inputs
    }
}

impl Analysis {
    /// An analysis of `inputs`; nothing is computed until asked.
    pub fn new(inputs: Inputs) -> Self {
        Analysis {
            inputs,
            prices: PriceBook::default(),
            replays: Mutex::new(Vec::new()),
            portfolio: OnceLock::new(),
        }
    }

    /// The replay by `method` and `scope`, computed on first use and
    /// shared after.
    pub fn replayed(&self, method: Method, scope: Scope) -> Arc<Replayed> {
        let mut done = self.replays.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = done.iter().find(|r| r.method == method && r.scope == scope) {
            return r.clone();
        }
        let replay = lots::replay(
            &self.ledger,
            lots::Options {
                method,
                scope,
                base: self.base,
                rates: &self.history,
            },
        );
        let open = holdings::rows(&replay, &self.snapshots, self.today.as_ref(), self.base);
        let r = Arc::new(Replayed {
            method,
            scope,
            replay,
            open,
        });
        done.push(r.clone());
        r
    }

    /// The analysis with `prices` for values on past days.
    /// The contract sizes of the instruments in the ledger and the
    /// snapshots are learned here, so a close is valued per unit held.
    pub fn with_prices(mut self, mut prices: PriceBook) -> Self {
        for (broker, e) in &self.inputs.ledger {
            if let Some(i) = &e.instrument {
                prices.learn(&i.key(broker), i);
            }
        }
        for (broker, s) in &self.inputs.snapshots {
            for p in &s.positions {
                prices.learn(&p.instrument.key(broker), &p.instrument);
            }
        }
        self.prices = prices;
        self
    }

    /// The stored daily closes.
    pub fn prices(&self) -> &PriceBook {
        &self.prices
    }

    /// Whether anything ever held has stored closes (a benchmark's alone
    /// values nothing held).
    pub fn holdings_priced(&self) -> bool {
        self.fifo()
            .replay
            .holdings
            .values()
            .any(|h| self.prices.series(&h.key.instrument).is_some())
    }

    /// What every account's holdings were worth at the end of `on`, in the
    /// base currency (see [`valuation`]).
    pub fn value_on(&self, on: chrono::NaiveDate) -> DayValue {
        let counter = RateCounter::new();
        valuation::value_on(
            &self.fifo().replay,
            &self.prices,
            &self.history,
            self.base,
            on,
            &counter,
        )
    }

    /// The replay every report shares: FIFO, per account.
    pub fn fifo(&self) -> Arc<Replayed> {
        self.replayed(Method::Fifo, Scope::Account)
    }

    /// The merged portfolio of the snapshots, at today's rates.
    pub fn portfolio(&self) -> &PortfolioReport {
        self.portfolio.get_or_init(|| {
            let results: Vec<BrokerResult> = self
                .snapshots
                .iter()
                .map(|(b, s)| (b.clone(), Ok(s.clone())))
                .collect();
            PortfolioReport::build(self.base, &results, self.today.as_ref())
        })
    }
}
