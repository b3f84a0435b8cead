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
    /// ISIN, else symbol, else the broker's id (see [`identity`]).
    pub instrument: String,
}

/// What names an instrument across a broker's ledger and its positions,
/// and across brokers: its ISIN, else its symbol, else the broker's id.
pub fn identity(i: &Instrument) -> String {
    match (&i.isin, &i.symbol) {
        (Some(isin), _) => isin.to_string(),
        (None, Some(symbol)) if !symbol.is_empty() => symbol.clone(),
        _ => i.broker_id.clone(),
    }
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
        self.lots.iter().map(|l| l.cost_base).sum()
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
fn priority(e: &LedgerEntry) -> u8 {
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

fn is_asset_currency(c: Currency) -> bool {
    !c.is_fiat()
}

/// An instrument for a crypto asset moved as itself (`BTC`).
fn coin(c: Currency) -> Instrument {
    let mut i = Instrument::new(c.as_str(), c.as_str(), AssetClass::Crypto);
    i.symbol = Some(c.as_str().to_owned());
    i
}

impl Replayer<'_> {
    fn problem(&mut self, broker: &str, e: &LedgerEntry, message: impl Into<String>) {
        self.out.problems.push(ReplayProblem {
            broker: broker.to_owned(),
            entry: e.id.clone(),
            message: message.into(),
        });
    }

    fn key(&self, broker: &str, e: &LedgerEntry, i: &Instrument) -> HoldingKey {
        match self.opts.scope {
            Scope::Account => HoldingKey {
                broker: broker.to_owned(),
                account: e.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned()),
                instrument: identity(i),
            },
            Scope::Pooled => HoldingKey {
                broker: POOLED.to_owned(),
                account: POOLED.to_owned(),
                instrument: identity(i),
            },
        }
    }

    /// The holding of `key`, made on first use. Its costs are in the
    /// instrument's currency, else the entry's; a coin moved as itself
    /// (its amount in the coin) keeps its costs in the base currency.
    fn holding(&mut self, key: &HoldingKey, i: &Instrument, currency: Currency) -> &mut Holding {
        let base = self.opts.base;
        if !self.holdings.contains_key(key) {
            let h = Holding {
                key: key.clone(),
                instrument: Arc::new(i.clone()),
                currency: i
                    .currency
                    .unwrap_or(if currency.is_fiat() { currency } else { base }),
                lots: VecDeque::new(),
                units: Decimal::ZERO,
                trail: Vec::new(),
            };
            self.holdings.insert(key.clone(), h);
        }
        // ok: inserted just above when missing; `entry` would clone the key
        // on every call of this hot path.
        self.holdings
            .get_mut(key)
            .expect("inserted above when missing")
    }

    fn day(e: &LedgerEntry) -> NaiveDate {
        e.timestamp.date_naive()
    }

    /// `m` in `to` on `day`.
    fn conv(&self, m: Money, to: Currency, day: NaiveDate) -> Option<Decimal> {
        self.opts
            .rates
            .convert(m.amount, m.currency, to, day, &self.rates_used)
    }

    /// The fees of `e` in `to` on its date, each converted.
    fn fees(&self, e: &LedgerEntry, to: Currency) -> Option<Decimal> {
        let day = Self::day(e);
        e.fees
            .iter()
            .map(|f| self.conv(Money::new(f.amount.abs(), f.currency), to, day))
            .sum()
    }

    fn entry(&mut self, broker: &str, e: &LedgerEntry) {
        match &e.kind {
            LedgerKind::Buy => self.buy(broker, e),
            LedgerKind::Sell => self.sell(broker, e),
            LedgerKind::Split | LedgerKind::ReverseSplit => self.split(broker, e),
            LedgerKind::SpinOff => self.spin_off(broker, e),
            LedgerKind::Merger => self.merger(broker, e),
            LedgerKind::Transfer => self.transfer(broker, e),
            LedgerKind::StakingReward => self.reward(broker, e),
            LedgerKind::Deposit | LedgerKind::Withdrawal => self.coin_moved(broker, e),
            LedgerKind::Fee => self.coin_fee(broker, e),
            LedgerKind::Other(_) => self.other(broker, e),
            _ => {}
        }
    }

    /// Records the holding's quantity after `e`.
    fn step(&mut self, key: &HoldingKey, e: &LedgerEntry) {
        if let Some(h) = self.holdings.get_mut(key) {
            let quantity = h.quantity();
            h.trail.push(Step {
                entry: self.current,
                at: e.timestamp,
                quantity,
            });
        }
    }

    /// Adds `lot` to the holding: merged into the pool under the average
    /// method, appended otherwise.
    fn add_lot(&mut self, key: &HoldingKey, mut lot: Lot) {
        if let Some(owed) = self.owed.get_mut(key) {
            let paid = (*owed).min(lot.quantity);
            lot.quantity -= paid;
            *owed -= paid;
            if owed.is_zero() {
                self.owed.remove(key);
            }
        }
        let average = self.opts.method == Method::Average;
        let Some(h) = self.holdings.get_mut(key) else {
            return;
        };
        h.units += lot.quantity;
        match (average, h.lots.front_mut()) {
            (true, Some(pool)) => {
                pool.quantity += lot.quantity;
                pool.cost = pool.cost.zip(lot.cost).map(|(a, b)| a + b);
                pool.cost_base = pool.cost_base.zip(lot.cost_base).map(|(a, b)| a + b);
                pool.opened = pool.opened.min(lot.opened);
            }
            _ => h.lots.push_back(lot),
        }
    }

    /// Takes up to `quantity` units out of the holding, in the method's
    /// order; returns the lots taken (fewer units when fewer were held).
    fn take(&mut self, key: &HoldingKey, quantity: Decimal) -> Vec<Lot> {
        let lifo = self.opts.method == Method::Lifo;
        let Some(h) = self.holdings.get_mut(key) else {
            return Vec::new();
        };
        let mut left = quantity;
        let mut taken = Vec::new();
        while left > Decimal::ZERO {
            let lot = if lifo {
                h.lots.back_mut()
            } else {
                h.lots.front_mut()
            };
            let Some(lot) = lot else { break };
            let part = lot.split_off(left);
            left -= part.quantity;
            h.units -= part.quantity;
            if lot.quantity <= Decimal::ZERO {
                if lifo {
                    h.lots.pop_back();
                } else {
                    h.lots.pop_front();
                }
            }
            taken.push(part);
        }
        taken
    }

    fn held(&self, key: &HoldingKey) -> Decimal {
        self.holdings
            .get(key)
            .map_or(Decimal::ZERO, Holding::quantity)
    }

    fn buy(&mut self, broker: &str, e: &LedgerEntry) {
        let (Some(i), Some(q)) = (&e.instrument, e.quantity.filter(|q| *q > Decimal::ZERO)) else {
            return self.problem(
                broker,
                e,
                "a buy without an instrument or a positive quantity: left out of holdings",
            );
        };
        let key = self.key(broker, e, i);
        let currency = self.holding(&key, i, e.amount.currency).currency;
        let day = Self::day(e);
        let gross = Money::new(e.amount.amount.abs(), e.amount.currency);
        let cost = self
            .conv(gross, currency, day)
            .zip(self.fees(e, currency))
            .map(|(a, f)| a + f);
        let base = self.opts.base;
        let cost_base = self
            .conv(gross, base, day)
            .zip(self.fees(e, base))
            .map(|(a, f)| a + f);
        self.add_lot(
            &key,
            Lot {
                opened: e.timestamp,
                quantity: q,
                cost,
                cost_base,
            },
        );
        self.step(&key, e);
    }

    fn sell(&mut self, broker: &str, e: &LedgerEntry) {
        let (Some(i), Some(q)) = (
            &e.instrument,
            e.quantity.map(|q| q.abs()).filter(|q| !q.is_zero()),
        ) else {
            return self.problem(
                broker,
                e,
                "a sell without an instrument or a quantity: left out of holdings",
            );
        };
        let key = self.key(broker, e, i);
        let (currency, instrument) = {
            let h = self.holding(&key, i, e.amount.currency);
            (h.currency, h.instrument.clone())
        };
        let held = self.held(&key);
        let sold = q.min(held);
        if q > held {
            self.problem(
                broker,
                e,
                format!(
                    "sells {q} {} but {held} were held: {sold} realized, the rest left out (is the history incomplete?)",
                    identity(i)
                ),
            );
        }
        if sold <= Decimal::ZERO {
            return self.step(&key, e);
        }
        let day = Self::day(e);
        let gross = Money::new(e.amount.amount.abs(), e.amount.currency);
        let share = |v: Decimal| -> Option<Decimal> {
            if sold == q {
                Some(v)
            } else {
                v.checked_mul(sold)?.checked_div(q)
            }
        };
        let proceeds = self
            .conv(gross, currency, day)
            .zip(self.fees(e, currency))
            .and_then(|(a, f)| share(a - f));
        let base = self.opts.base;
        let proceeds_base = self
            .conv(gross, base, day)
            .zip(self.fees(e, base))
            .and_then(|(a, f)| share(a - f));
        let lots = self
            .take(&key, sold)
            .into_iter()
            .map(|l| Consumed {
                bought_at: l.opened,
                quantity: l.quantity,
                cost: l.cost,
                cost_base: l.cost_base,
            })
            .collect();
        self.out.sales.push(Sale {
            key: key.clone(),
            broker: broker.to_owned(),
            account: e.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned()),
            instrument,
            entry: e.id.clone(),
            sold_at: e.timestamp,
            quantity: sold,
            currency,
            proceeds,
            proceeds_base,
            lots,
        });
        self.step(&key, e);
    }

    /// Scales every lot by the split's ratio (or by the units it added,
    /// when it states no ratio); costs stay.
    fn split(&mut self, broker: &str, e: &LedgerEntry) {
        let Some(i) = &e.instrument else {
            return self.problem(broker, e, "a split without an instrument: left out");
        };
        let key = self.key(broker, e, i);
        let held = self.held(&key);
        let ratio = e.action.as_ref().and_then(|a| a.ratio).or_else(|| {
            let added = e.quantity?;
            (held > Decimal::ZERO).then(|| Ratio::new(held + added, held))
        });
        let Some(ratio) = ratio.filter(|r| r.new > Decimal::ZERO && r.old > Decimal::ZERO) else {
            return self.problem(
                broker,
                e,
                "a split with no ratio and no units: holdings left as they were",
            );
        };
        let Some(h) = self.holdings.get_mut(&key) else {
            return;
        };
        for lot in h.lots.iter_mut() {
            if let Some(q) = ratio.apply(lot.quantity) {
                lot.quantity = q;
            }
        }
        h.units = h.lots.iter().map(|l| l.quantity).sum();
        self.step(&key, e);
    }

    /// Lots of the received instrument beside the parent's: each parent lot
    /// gives the stated fraction of its cost (none when not stated) to new
    /// lots of the same dates, the units spread pro rata.
    fn spin_off(&mut self, broker: &str, e: &LedgerEntry) {
        let action = e.action.as_deref();
        let received = action.and_then(|a| a.new_instrument.clone().zip(a.new_quantity));
        let Some((new, units)) = received.or_else(|| e.instrument.clone().zip(e.quantity)) else {
            return self.problem(
                broker,
                e,
                "a spin-off without the instrument or units received: left out",
            );
        };
        let parent = e
            .instrument
            .as_ref()
            .filter(|p| identity(p) != identity(&new))
            .map(|p| self.key(broker, e, p));
        let fraction = action
            .and_then(|a| a.cost_basis_fraction)
            .unwrap_or(Decimal::ZERO);
        let new_key = self.key(broker, e, &new);
        let currency = self.holding(&new_key, &new, e.amount.currency).currency;
        let parent_lots: Vec<Lot> = parent
            .as_ref()
            .and_then(|p| self.holdings.get(p))
            .map(|h| h.lots.iter().cloned().collect())
            .unwrap_or_default();
        let parent_units: Decimal = parent_lots.iter().map(|l| l.quantity).sum();
        if parent_units <= Decimal::ZERO {
            let cost = e.cost_basis.map(|c| {
                let day = Self::day(e);
                (
                    self.conv(c, currency, day),
                    self.conv(c, self.opts.base, day),
                )
            });
            if cost.is_none() {
                self.problem(broker, e, format!("spin-off of {units} {} with no parent held and no cost basis: taken at zero cost", identity(&new)));
            }
            let (cost, cost_base) = cost.unwrap_or((Some(Decimal::ZERO), Some(Decimal::ZERO)));
            self.add_lot(
                &new_key,
                Lot {
                    opened: e.timestamp,
                    quantity: units,
                    cost,
                    cost_base,
                },
            );
            return self.step(&new_key, e);
        }
        let given = |c: Option<Decimal>| {
            c.and_then(|c| c.checked_mul(fraction))
                .map(|g| g.round_dp(COST_SCALE))
        };
        let mut new_lots = Vec::new();
        if let Some(p) = parent.as_ref().and_then(|p| self.holdings.get_mut(p)) {
            for lot in p.lots.iter_mut() {
                let moved = (given(lot.cost), given(lot.cost_base));
                lot.cost = lot.cost.zip(moved.0).map(|(c, m)| c - m);
                lot.cost_base = lot.cost_base.zip(moved.1).map(|(c, m)| c - m);
                let quantity = units
                    .checked_mul(lot.quantity)
                    .and_then(|x| x.checked_div(parent_units))
                    .unwrap_or(Decimal::ZERO);
                new_lots.push(Lot {
                    opened: lot.opened,
                    quantity,
                    cost: moved.0,
                    cost_base: moved.1,
                });
            }
        }
        // The pro-rata units add up to exactly what was received.
        let spread: Decimal = new_lots.iter().map(|l| l.quantity).sum();
        if let Some(last) = new_lots.last_mut() {
            last.quantity += units - spread;
        }
        for lot in new_lots {
            self.add_lot(&new_key, lot);
        }
        if let Some(p) = parent {
            self.step(&p, e);
        }
        self.step(&new_key, e);
    }

    /// A merger: stated terms turn the old lots into lots of the new
    /// instrument; legs (old units out, new units in, the same day) do the
    /// same through the exchanged lots of that day.
    fn merger(&mut self, broker: &str, e: &LedgerEntry) {
        let account = e.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned());
        let pending = (broker.to_owned(), account, Self::day(e));
        let terms = e
            .action
            .as_deref()
            .and_then(|a| a.new_instrument.clone().zip(a.new_quantity));
        let (old, new, units) = match (&e.instrument, terms, e.quantity) {
            (Some(old), Some((new, units)), _) => (Some(old.clone()), new, units),
            (Some(i), None, Some(q)) if q < Decimal::ZERO => {
                let key = self.key(broker, e, i);
                let lots = self.take(&key, q.abs());
                self.exchanged.entry(pending).or_default().extend(lots);
                return self.step(&key, e);
            }
            (Some(i), None, Some(q)) if q > Decimal::ZERO => (None, i.clone(), q),
            _ => {
                return self.problem(broker, e, "a merger without instrument and units: left out");
            }
        };
        let given_up = match &old {
            Some(old) => {
                let key = self.key(broker, e, old);
                let all = self.held(&key);
                let lots = self.take(&key, all);
                self.step(&key, e);
                lots
            }
            None => self.exchanged.remove(&pending).unwrap_or_default(),
        };
        let new_key = self.key(broker, e, &new);
        self.holding(&new_key, &new, e.amount.currency);
        let old_units: Decimal = given_up.iter().map(|l| l.quantity).sum();
        if old_units <= Decimal::ZERO {
            self.problem(
                broker,
                e,
                format!(
                    "merger into {units} {} with nothing exchanged: cost unknown",
                    identity(&new)
                ),
            );
            self.add_lot(
                &new_key,
                Lot {
                    opened: e.timestamp,
                    quantity: units,
                    cost: None,
                    cost_base: None,
                },
            );
            return self.step(&new_key, e);
        }
        let mut lots: Vec<Lot> = given_up
            .into_iter()
            .map(|l| Lot {
                quantity: units
                    .checked_mul(l.quantity)
                    .and_then(|x| x.checked_div(old_units))
                    .unwrap_or(Decimal::ZERO),
                ..l
            })
            .collect();
        let spread: Decimal = lots.iter().map(|l| l.quantity).sum();
        if let Some(last) = lots.last_mut() {
            last.quantity += units - spread;
        }
        for lot in lots {
            self.add_lot(&new_key, lot);
        }
        self.step(&new_key, e);
    }

    /// Units in or out of an account: out-legs wait in transit, in-legs
    /// take the stated basis, else a matching out-leg's lots, else an
    /// unknown cost.
    fn transfer(&mut self, broker: &str, e: &LedgerEntry) {
        // Cash between accounts moves no units.
        if let Some((i, q)) = Self::units_of(e) {
            self.units_moved(broker, e, &i, q);
        }
    }

    /// The instrument and signed units an entry moves: its own, else a
    /// coin's when its amount is in one (a coin moved as itself).
    fn units_of(e: &LedgerEntry) -> Option<(Instrument, Decimal)> {
        match (&e.instrument, e.quantity.filter(|q| !q.is_zero())) {
            (Some(i), Some(q)) => Some((i.clone(), q)),
            (None, _) if is_asset_currency(e.amount.currency) && !e.amount.amount.is_zero() => {
                Some((coin(e.amount.currency), e.amount.amount))
            }
            _ => None,
        }
    }

    fn units_moved(&mut self, broker: &str, e: &LedgerEntry, i: &Instrument, q: Decimal) {
        let key = self.key(broker, e, i);
        let currency = self.holding(&key, i, e.amount.currency).currency;
        let id = identity(i);
        if q < Decimal::ZERO {
            let held = self.held(&key);
            if q.abs() > held {
                self.problem(
                    broker,
                    e,
                    format!(
                        "moves out {} {id} but {held} were held: the rest left out",
                        q.abs()
                    ),
                );
            }
            let lots = self.take(&key, q.abs());
            self.in_transit.entry(id).or_default().extend(lots);
            return self.step(&key, e);
        }
        let day = Self::day(e);
        if let Some(basis) = e.cost_basis {
            let cost = self.conv(basis, currency, day);
            let cost_base = self.conv(basis, self.opts.base, day);
            self.add_lot(
                &key,
                Lot {
                    opened: e.timestamp,
                    quantity: q,
                    cost,
                    cost_base,
                },
            );
            return self.step(&key, e);
        }
        let mut left = q;
        let mut carried = Vec::new();
        if let Some(transit) = self.in_transit.get_mut(&id) {
            while left > Decimal::ZERO {
                let Some(lot) = transit.front_mut() else {
                    break;
                };
                let part = lot.split_off(left);
                left -= part.quantity;
                if lot.quantity <= Decimal::ZERO {
                    transit.pop_front();
                }
                carried.push(part);
            }
        }
        for lot in carried {
            self.add_lot(&key, lot);
        }
        if left > Decimal::ZERO {
            self.add_lot(
                &key,
                Lot {
                    opened: e.timestamp,
                    quantity: left,
                    cost: None,
                    cost_base: None,
                },
            );
        }
        self.step(&key, e);
    }

    /// A reward in units: a lot at zero cost (its value is income).
    fn reward(&mut self, broker: &str, e: &LedgerEntry) {
        let (i, q) = match (&e.instrument, e.quantity) {
            (Some(i), Some(q)) => (i.clone(), q.abs()),
            _ if is_asset_currency(e.amount.currency) => {
                (coin(e.amount.currency), e.amount.amount.abs())
            }
            _ => return,
        };
        if q.is_zero() {
            return;
        }
        let key = self.key(broker, e, &i);
        self.holding(&key, &i, e.amount.currency);
        self.add_lot(
            &key,
            Lot {
                opened: e.timestamp,
                quantity: q,
                cost: Some(Decimal::ZERO),
                cost_base: Some(Decimal::ZERO),
            },
        );
        self.step(&key, e);
    }

    /// A deposit or withdrawal of a crypto asset itself (units, not cash).
    fn coin_moved(&mut self, broker: &str, e: &LedgerEntry) {
        if e.instrument.is_none()
            && is_asset_currency(e.amount.currency)
            && !e.amount.amount.is_zero()
        {
            let signed = if e.kind == LedgerKind::Withdrawal {
                -e.amount.amount.abs()
            } else {
                e.amount.amount.abs()
            };
            self.units_moved(broker, e, &coin(e.amount.currency), signed);
        }
    }

    /// A fee taken in the asset itself (a crypto fee paid in the coin)
    /// leaves with its units, at no proceeds.
    fn coin_fee(&mut self, broker: &str, e: &LedgerEntry) {
        if !is_asset_currency(e.amount.currency) || e.amount.amount.is_zero() {
            return;
        }
        let i = e
            .instrument
            .clone()
            .unwrap_or_else(|| coin(e.amount.currency));
        let key = self.key(broker, e, &i);
        self.holding(&key, &i, e.amount.currency);
        let due = e.amount.amount.abs();
        let taken: Decimal = self.take(&key, due).iter().map(|l| l.quantity).sum();
        if taken < due {
            *self.owed.entry(key.clone()).or_default() += due - taken;
        }
        self.step(&key, e);
    }

    /// A kind the contracts do not name, moving units of an instrument
    /// (a corporate action a broker spells its own way) or of a coin (a
    /// crypto broker's type newer than its plugin, paid in the coin): the
    /// units move, with an unknown cost when they come in.
    fn other(&mut self, broker: &str, e: &LedgerEntry) {
        if let Some((i, q)) = Self::units_of(e) {
            if q > Decimal::ZERO {
                self.problem(
                    broker,
                    e,
                    format!(
                        "{} brings {q} {} in with no cost basis: cost unknown",
                        e.kind,
                        identity(&i)
                    ),
                );
            }
            self.units_moved(broker, e, &i, q);
        }
    }
}
