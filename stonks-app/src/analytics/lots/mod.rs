//! The replay: every account's ledger, oldest first, turned into open lots
//! per holding and the sales that consumed lots. Holdings, gains and
//! reconciliation all read its result.
//!
//! What moves units: buys and sells; transfers in and out (a transfer in
//! takes the lots of a matching transfer out of another account, so its
//! basis and dates carry over, or the cost basis its source states);
//! splits and reverse splits (every lot scaled, cost kept); spin-offs (new
//! lots beside the parent's, with the stated fraction of its cost);
//! mergers (the old lots become lots of the new instrument, dates and cost
//! kept); staking rewards (lots at zero cost); crypto moved as the asset
//! itself (a Bitvavo deposit, withdrawal, transfer or reward in BTC, or an
//! entry of a kind the contracts do not name paid in a coin; a fee taken in
//! the coin). Fees enter the cost of a buy and reduce the proceeds of a
//! sell. Nothing here panics or goes negative: a sell beyond the holding
//! realizes what was held and reports the rest.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use stonks::v2::{LedgerEntry, LedgerKind, Ratio};
use stonks::{AssetClass, Currency, Instrument, Money};

use super::fx::{RateCounter, RateHistory, RateNotes};

mod corporate;
mod engine;
mod transfers;

/// Which lots a sale consumes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// First in, first out (the default).
    #[default]
    Fifo,
    /// Last in, first out.
    Lifo,
    /// Moving weighted average: one pool per holding, each sale at the
    /// pool's average cost.
    Average,
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "fifo" => Ok(Method::Fifo),
            "lifo" => Ok(Method::Lifo),
            "average" | "avg" => Ok(Method::Average),
            other => Err(format!(
                "{other:?} is not a cost-basis method: fifo, lifo or average"
            )),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Fifo => "fifo",
            Method::Lifo => "lifo",
            Method::Average => "average",
        })
    }
}

/// Whose lots a sale may consume.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// Each account's own lots (the default).
    #[default]
    Account,
    /// One pool per instrument across every account and broker, as some tax
    /// regimes require.
    Pooled,
}

/// The broker and account of a pooled holding (no broker id can be it).
pub const POOLED: &str = "*";

/// One holding: an instrument in an account (or in the pool).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HoldingKey {
    /// The broker; [`POOLED`] when pooled.
    pub broker: String,
    /// The broker's account; [`POOLED`] when pooled.
    pub account: String,
    /// The instrument key (see [`identity`]).
    pub instrument: String,
}

/// What names `broker`'s instrument across its ledger and positions, and
/// across brokers: its instrument key ([`stonks::identity::instrument_key`]),
/// once the app's [`crate::identity::Identities`] have put on it what the
/// resolver and the user know. Never a bare ticker across brokers.
pub fn identity(broker: &str, i: &Instrument) -> String {
    i.key(broker)
}

/// The decimals a share of a cost is cut to (far below a cent, far within
/// Decimal's 28 digits).
pub const COST_SCALE: u32 = 12;

/// The account of an entry that names none.
pub const NO_ACCOUNT: &str = "default";

/// Units bought together, and what they cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    /// When they were acquired (kept through splits, mergers, transfers).
    pub opened: DateTime<Utc>,
    /// Units left.
    pub quantity: Decimal,
    /// Their cost in the holding's currency, fees included; `None` when
    /// unknown (a transfer in without a stated basis).
    pub cost: Option<Decimal>,
    /// Their cost in the base currency at the acquisition date's rate.
    pub cost_base: Option<Decimal>,
}

impl Lot {
    /// The part `take` of this lot, leaving the rest in it. Costs split
    /// pro rata, the remainder kept exact.
    fn split_off(&mut self, take: Decimal) -> Lot {
        if take >= self.quantity {
            let whole = self.clone();
            self.quantity = Decimal::ZERO;
            self.cost = self.cost.map(|_| Decimal::ZERO);
            self.cost_base = self.cost_base.map(|_| Decimal::ZERO);
            return whole;
        }
        let q = self.quantity;
        // Parts are cut at COST_SCALE decimals so that parts and remainders
        // add up exactly within Decimal's 28 digits.
        let part = |c: Option<Decimal>| {
            c.and_then(|t| t.checked_mul(take)?.checked_div(q))
                .map(|p| p.round_dp(COST_SCALE))
        };
        let (cost, cost_base) = (part(self.cost), part(self.cost_base));
        // What stays is the exact remainder, so the parts add up.
        self.cost = self.cost.zip(cost).map(|(t, p)| t - p);
        self.cost_base = self.cost_base.zip(cost_base).map(|(t, p)| t - p);
        self.quantity -= take;
        Lot {
            opened: self.opened,
            quantity: take,
            cost,
            cost_base,
        }
    }
}

/// One step of a holding's quantity: after which entry, how many units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The entry's index in the ledger given to [`replay`].
    pub entry: usize,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Units held after it.
    pub quantity: Decimal,
    /// What the open lots cost in the base currency after it; `None`
    /// when any lot's cost is unknown.
    pub cost_base: Option<Decimal>,
}

/// An instrument held in an account: its open lots and how it got there.
#[derive(Debug, Clone)]
pub struct Holding {
    /// Which holding.
    pub key: HoldingKey,
    /// The instrument, as the first entry named it.
    pub instrument: Arc<Instrument>,
    /// The currency its costs are in (the currency of its first trade).
    pub currency: Currency,
    /// Open lots, oldest first.
    pub lots: VecDeque<Lot>,
    /// Units held: the lots' quantities added, kept as they change (summing
    /// thousands of lots at every entry would make the replay quadratic).
    units: Decimal,
    /// The open lots' base cost, kept as they change for the same reason.
    basis: Basis,
    /// The quantity after each entry that moved it.
    pub trail: Vec<Step>,
}

impl Holding {
    /// Units held.
    pub fn quantity(&self) -> Decimal {
        self.units
    }

    /// What the open lots cost, in the holding's currency; `None` when any
    /// lot's cost is unknown.
    pub fn cost(&self) -> Option<Decimal> {
        self.lots.iter().map(|l| l.cost).sum()
    }

    /// What the open lots cost in the base currency.
    pub fn cost_base(&self) -> Option<Decimal> {
        self.basis.total()
    }

    /// Counts the base cost again from the lots (after lots were changed
    /// in place).
    fn recount_basis(&mut self) {
        self.basis = Basis::default();
        for lot in &self.lots {
            self.basis.add(lot.cost_base);
        }
    }
}

/// The base cost of a holding's open lots: the known costs added, and how
/// many lots have none.
#[derive(Debug, Clone, Copy, Default)]
struct Basis {
    known: Decimal,
    unknown: usize,
}

impl Basis {
    fn add(&mut self, cost: Option<Decimal>) {
        match cost {
            Some(c) => self.known = self.known.checked_add(c).unwrap_or(self.known),
            None => self.unknown += 1,
        }
    }

    fn remove(&mut self, cost: Option<Decimal>) {
        match cost {
            Some(c) => self.known = self.known.checked_sub(c).unwrap_or(self.known),
            None => self.unknown = self.unknown.saturating_sub(1),
        }
    }

    fn total(&self) -> Option<Decimal> {
        (self.unknown == 0).then_some(self.known)
    }
}

/// A lot (or the part of one) a sale consumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumed {
    /// When it was acquired.
    pub bought_at: DateTime<Utc>,
    /// Units of it sold.
    pub quantity: Decimal,
    /// Their cost, in the holding's currency.
    pub cost: Option<Decimal>,
    /// Their cost in the base currency.
    pub cost_base: Option<Decimal>,
}

/// One sale and the lots it consumed.
#[derive(Debug, Clone)]
pub struct Sale {
    /// The holding sold from.
    pub key: HoldingKey,
    /// The broker and account of the sale itself (also when pooled).
    pub broker: String,
    /// The account of the sale.
    pub account: String,
    /// The instrument.
    pub instrument: Arc<Instrument>,
    /// The sell entry's id.
    pub entry: String,
    /// When.
    pub sold_at: DateTime<Utc>,
    /// Units sold (at most what was held).
    pub quantity: Decimal,
    /// The currency of `proceeds` and of the lots' `cost`.
    pub currency: Currency,
    /// What the sale brought, fees deducted.
    pub proceeds: Option<Decimal>,
    /// The same in the base currency at the sale date's rate.
    pub proceeds_base: Option<Decimal>,
    /// The lots it consumed.
    pub lots: Vec<Consumed>,
}

impl Sale {
    /// What the sold units cost.
    pub fn cost(&self) -> Option<Decimal> {
        self.lots.iter().map(|l| l.cost).sum()
    }

    /// What they cost in the base currency.
    pub fn cost_base(&self) -> Option<Decimal> {
        self.lots.iter().map(|l| l.cost_base).sum()
    }

    /// Proceeds minus cost.
    pub fn gain(&self) -> Option<Decimal> {
        self.proceeds?.checked_sub(self.cost()?)
    }

    /// The same in the base currency.
    pub fn gain_base(&self) -> Option<Decimal> {
        self.proceeds_base?.checked_sub(self.cost_base()?)
    }
}

/// A problem the replay met: which entry, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayProblem {
    /// The broker.
    pub broker: String,
    /// The entry's id.
    pub entry: String,
    /// What was wrong, and what was done.
    pub message: String,
}

impl fmt::Display for ReplayProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} entry {}: {}", self.broker, self.entry, self.message)
    }
}

/// What the replay needs besides the ledger.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Which lots a sale consumes.
    pub method: Method,
    /// Per account, or pooled.
    pub scope: Scope,
    /// The currency of every `_base` figure.
    pub base: Currency,
    /// Rates by date.
    pub rates: &'a RateHistory,
}

/// Everything the replay found.
#[derive(Debug, Default)]
pub struct Replay {
    /// Every holding ever held (an emptied one has no lots).
    pub holdings: BTreeMap<HoldingKey, Holding>,
    /// Every sale, oldest first.
    pub sales: Vec<Sale>,
    /// What could not be replayed as it stands.
    pub problems: Vec<ReplayProblem>,
    /// What the replay's conversions had to do (earlier days' rates, none).
    pub rate_notes: RateNotes,
}

/// Lots sent out of one account and not yet received by another.
type InTransit = HashMap<String, VecDeque<Lot>>;

/// Lots given up by a merger's old leg, for its new leg the same day.
type Exchanged = HashMap<(String, String, NaiveDate), Vec<Lot>>;

struct Replayer<'a> {
    opts: Options<'a>,
    out: Replay,
    /// The holdings while replaying: hashed (looked up several times per
    /// entry), sorted into [`Replay::holdings`] at the end.
    holdings: HashMap<HoldingKey, Holding>,
    /// The index of the entry being replayed.
    current: usize,
    /// Units a fee took before the holding had them (a coin fee booked at
    /// midnight, its fill later that day): taken from the next lot.
    owed: HashMap<HoldingKey, Decimal>,
    in_transit: InTransit,
    exchanged: Exchanged,
    /// What this replay's conversions had to do.
    rates_used: RateCounter,
}

/// In what order entries of the same second are replayed: what brings
/// units in before what takes them out, a transfer's out-leg before its
/// in-leg.
pub(crate) fn priority(e: &LedgerEntry) -> u8 {
    let out = e.quantity.is_some_and(|q| q < Decimal::ZERO) || e.amount.amount < Decimal::ZERO;
    match &e.kind {
        LedgerKind::Buy | LedgerKind::StakingReward => 0,
        LedgerKind::Transfer | LedgerKind::Deposit | LedgerKind::Withdrawal if out => 1,
        LedgerKind::Transfer | LedgerKind::Deposit | LedgerKind::Withdrawal => 2,
        LedgerKind::Merger | LedgerKind::SpinOff if out => 3,
        k if k.is_corporate_action() => 4,
        LedgerKind::Sell => 5,
        _ => 6,
    }
}

/// Replays `ledger` (broker, entry; any order) into holdings and sales.
pub fn replay(ledger: &[(String, LedgerEntry)], opts: Options<'_>) -> Replay {
    let mut order: Vec<usize> = (0..ledger.len()).collect();
    let key = |i: &usize| {
        let (b, e) = &ledger[*i];
        (e.timestamp, priority(e), b.as_str(), e.id.as_str())
    };
    order.sort_by(|a, b| key(a).cmp(&key(b)));
    let mut r = Replayer {
        opts,
        out: Replay::default(),
        holdings: HashMap::new(),
        current: 0,
        owed: HashMap::new(),
        in_transit: HashMap::new(),
        exchanged: HashMap::new(),
        rates_used: RateCounter::new(),
    };
    for i in order {
        let (broker, e) = &ledger[i];
        r.current = i;
        r.entry(broker, e);
    }
    r.out.holdings = r.holdings.into_iter().collect();
    r.out.rate_notes = r.rates_used.notes();
    r.out
}

pub(crate) fn is_asset_currency(c: Currency) -> bool {
    !c.is_fiat()
}

/// What a reward `e` brings: its instrument and units, or the coin it is
/// paid in and its amount; `None` when it brings no units.
pub(crate) fn rewarded(e: &LedgerEntry) -> Option<(Instrument, Decimal)> {
    let (i, q) = match (&e.instrument, e.quantity) {
        (Some(i), Some(q)) => (i.clone(), q.abs()),
        _ if is_asset_currency(e.amount.currency) => {
            (coin(e.amount.currency), e.amount.amount.abs())
        }
        _ => return None,
    };
    (!q.is_zero()).then_some((i, q))
}

/// An instrument for a crypto asset moved as itself (`BTC`).
pub(crate) fn coin(c: Currency) -> Instrument {
    let mut i = Instrument::new(c.as_str(), c.as_str(), AssetClass::Crypto);
    i.symbol = Some(c.as_str().to_owned());
    i
}
