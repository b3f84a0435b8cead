//! The ledger as tax rules read it: one timeline of what happened to each
//! instrument key across every broker and account, amounts in the report's
//! currency at each entry's own day's rate.
//!
//! The person's accounts are one holder: a transfer out of one account
//! and into another moves nothing (the in-leg takes the units of an
//! earlier out-leg of the same key), what comes in from elsewhere is an
//! acquisition at its stated cost (else an unknown one), what leaves for
//! elsewhere leaves at its cost without a disposal. Corporate actions are
//! folded per key and day, since every account reports its own: a 2-for-1
//! split reported by two accounts doubles the holding once.

use std::collections::{HashMap, VecDeque};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use stonks::v2::{LedgerEntry, LedgerKind, Ratio};
use stonks::{AssetClass, Currency, Instrument, Isin, Money};

use super::{SCALE, part};
use crate::analytics::fx::MAX_DAYS_BACK;
use crate::analytics::lots::{NO_ACCOUNT, coin, identity, is_asset_currency, priority, rewarded};
use crate::analytics::{RateCounter, RateHistory, RateNotes};

/// One instrument key and what the report calls it.
#[derive(Debug, Clone)]
pub(crate) struct Asset {
    /// The instrument key.
    pub key: String,
    /// Ticker or asset code, as the first entry named it.
    pub symbol: String,
    /// ISIN, when an entry gave one.
    pub isin: Option<Isin>,
    /// A cryptoasset (US wash sales apply to stock and securities only).
    pub crypto: bool,
}

/// What a reorganisation takes from the old holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Given {
    /// All of it (a merger with terms).
    All,
    /// These units (a merger's out-leg).
    Units(Decimal),
    /// No units: part of its cost (a spin-off).
    Nothing,
}

/// What happened to one instrument key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum What {
    /// Units acquired for `cost` (fees included; `None` when unknown).
    Buy {
        quantity: Decimal,
        cost: Option<Decimal>,
    },
    /// Units disposed of for `gross`, paying `fees`.
    Sell {
        quantity: Decimal,
        gross: Option<Decimal>,
        fees: Option<Decimal>,
    },
    /// Every unit becomes `ratio` units (the ratio worked out from the
    /// units added when no entry states one).
    Split {
        ratio: Option<Ratio>,
        added: Decimal,
    },
    /// Units (and cost) of this key become `received` units of `to`:
    /// `share` of the cost of what is `given` moves.
    Reorganise {
        to: usize,
        given: Given,
        share: Decimal,
        received: Decimal,
    },
    /// Units came in from outside the person's accounts at `cost`.
    In {
        quantity: Decimal,
        cost: Option<Decimal>,
    },
    /// Units left the person's accounts without a disposal.
    Out { quantity: Decimal },
}

/// One thing that happened, in ledger order.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// Its day (UTC).
    pub day: NaiveDate,
    /// The instrument key's index in [`Book::assets`].
    pub asset: usize,
    /// What.
    pub what: What,
    /// Why an amount of it is unknown, naming the entry and the day.
    pub why: Option<String>,
}

impl Event {
    /// Whether it changes nothing (a transfer's out-leg whose units all
    /// arrived in another account, a split with no ratio).
    fn is_void(&self) -> bool {
        match &self.what {
            What::Out { quantity } => quantity.is_zero(),
            What::Split { ratio, .. } => ratio.is_none(),
            _ => false,
        }
    }
}

/// The timeline and what could not be read into it.
#[derive(Debug, Default)]
pub(crate) struct Book {
    /// Every instrument key met.
    pub assets: Vec<Asset>,
    /// What happened, oldest first (ledger order: time, then what brings
    /// units in before what takes them out).
    pub events: Vec<Event>,
    /// What could not be read as it stands, by day.
    pub problems: Vec<(NaiveDate, String)>,
    /// What the conversions had to do.
    pub rate_notes: RateNotes,
}

/// Number of units on a later day per unit on an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Factor {
    new: Decimal,
    old: Decimal,
}

impl Factor {
    pub const ONE: Factor = Factor {
        new: Decimal::ONE,
        old: Decimal::ONE,
    };

    /// `units` (of the earlier day) in units of the later day.
    pub fn later(&self, units: Decimal) -> Option<Decimal> {
        if self.new == self.old {
            return Some(units);
        }
        part(units, self.new, self.old)
    }

    /// `units` (of the later day) in units of the earlier day.
    pub fn earlier(&self, units: Decimal) -> Option<Decimal> {
        if self.new == self.old {
            return Some(units);
        }
        part(units, self.old, self.new)
    }
}

/// Every key's splits, by day.
#[derive(Debug, Default)]
pub(crate) struct Splits(HashMap<usize, Vec<(NaiveDate, Ratio)>>);

impl Splits {
    /// The splits of `book`.
    pub fn of(book: &Book) -> Self {
        let mut all: HashMap<usize, Vec<(NaiveDate, Ratio)>> = HashMap::new();
        for e in &book.events {
            if let What::Split {
                ratio: Some(ratio), ..
            } = &e.what
            {
                all.entry(e.asset).or_default().push((e.day, *ratio));
            }
        }
        Splits(all)
    }

    /// Units of `asset` on day `to` per unit on day `from` (`from` before
    /// `to`): the splits after `from`, up to and on `to` (a split takes
    /// effect at the start of its day, before that day's trades).
    pub fn factor(&self, asset: usize, from: NaiveDate, to: NaiveDate) -> Factor {
        if self.0.is_empty() {
            return Factor::ONE;
        }
        let Some(splits) = self.0.get(&asset) else {
            return Factor::ONE;
        };
        let start = splits.partition_point(|(d, _)| *d <= from);
        let mut f = Factor::ONE;
        for (_, r) in splits[start..].iter().take_while(|(d, _)| *d <= to) {
            match (f.new.checked_mul(r.new), f.old.checked_mul(r.old)) {
                (Some(new), Some(old)) => f = Factor { new, old },
                _ => break,
            }
        }
        f
    }
}

/// Which corporate actions fold into one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fold {
    Split,
    SpinOff,
    Merger,
}

struct Reader<'a> {
    currency: Currency,
    rates: &'a RateHistory,
    counter: RateCounter,
    book: Book,
    index: HashMap<String, usize>,
    /// Out-legs (their events) whose units have not all arrived.
    transit: HashMap<usize, VecDeque<usize>>,
    /// A merger's out-legs (their events) by broker, account and day.
    exchanged: HashMap<(String, String, NaiveDate), Vec<usize>>,
    /// The event each key's corporate action of a day was folded into.
    folded: HashMap<(Fold, usize, usize, NaiveDate), usize>,
    /// Rewards taken at no cost: how many, and the first day.
    rewards: HashMap<usize, (usize, NaiveDate)>,
}

impl Book {
    /// The timeline of `ledger` (broker, entry; any order), amounts in
    /// `currency` at each entry's day's rate.
    pub fn read(ledger: &[(String, LedgerEntry)], currency: Currency, rates: &RateHistory) -> Book {
        let mut order: Vec<usize> = (0..ledger.len()).collect();
        order.sort_by_cached_key(|i| {
            let (b, e) = &ledger[*i];
            (e.timestamp, priority(e), b.as_str(), e.id.as_str())
        });
        let mut r = Reader {
            currency,
            rates,
            counter: RateCounter::new(),
            book: Book::default(),
            index: HashMap::new(),
            transit: HashMap::new(),
            exchanged: HashMap::new(),
            folded: HashMap::new(),
            rewards: HashMap::new(),
        };
        for i in order {
            let (broker, e) = &ledger[i];
            r.entry(broker, e);
        }
        r.finish()
    }
}

fn source(broker: &str, e: &LedgerEntry) -> String {
    format!(
        "{broker} entry {} ({} on {})",
        e.id,
        e.kind,
        e.timestamp.date_naive()
    )
}

impl Reader<'_> {
    fn asset(&mut self, broker: &str, i: &Instrument) -> usize {
        let key = identity(broker, i);
        if let Some(a) = self.index.get(&key) {
            return *a;
        }
        let a = self.book.assets.len();
        // A coin is its asset code at every broker (`BTC`, not `BTCUSD`).
        let coin = key.strip_prefix("crypto:");
        self.book.assets.push(Asset {
            crypto: i.asset_class == AssetClass::Crypto || coin.is_some(),
            symbol: coin.unwrap_or(i.label()).to_owned(),
            key: key.clone(),
            isin: i.isin,
        });
        self.index.insert(key, a);
        a
    }

    fn push(&mut self, e: &LedgerEntry, asset: usize, what: What, why: Option<String>) -> usize {
        self.book.events.push(Event {
            day: e.timestamp.date_naive(),
            asset,
            what,
            why,
        });
        self.book.events.len() - 1
    }

    fn problem(&mut self, day: NaiveDate, message: String) {
        self.book.problems.push((day, message));
    }

    /// `m` (its size) in the report's currency on `day`.
    fn conv(&self, m: Money, day: NaiveDate) -> Result<Decimal, String> {
        let amount = m.amount.abs();
        if m.currency == self.currency {
            return Ok(amount);
        }
        self.rates
            .convert(amount, m.currency, self.currency, day, &self.counter)
            .map(|d| d.round_dp(SCALE))
            .ok_or_else(|| {
                format!(
                    "no {} rate for {} on {day} nor in the {MAX_DAYS_BACK} days before",
                    self.currency, m.currency
                )
            })
    }

    /// The fees of `e`, each converted, added.
    fn fees(&self, e: &LedgerEntry, day: NaiveDate) -> Result<Decimal, String> {
        e.fees.iter().try_fold(Decimal::ZERO, |sum, f| {
            let fee = self.conv(*f, day)?;
            sum.checked_add(fee)
                .ok_or_else(|| "fees out of range".to_owned())
        })
    }

    fn entry(&mut self, broker: &str, e: &LedgerEntry) {
        match &e.kind {
            LedgerKind::Buy => self.buy(broker, e),
            LedgerKind::Sell => self.sell(broker, e),
            LedgerKind::Split | LedgerKind::ReverseSplit => self.split(broker, e),
            LedgerKind::SpinOff => self.spin_off(broker, e),
            LedgerKind::Merger => self.merger(broker, e),
            LedgerKind::Transfer => {
                if let Some((i, q)) = units_of(e) {
                    self.moved(broker, e, &i, q);
                }
            }
            LedgerKind::Deposit | LedgerKind::Withdrawal => self.coin_moved(broker, e),
            LedgerKind::StakingReward => self.reward(broker, e),
            LedgerKind::Fee => self.coin_fee(broker, e),
            LedgerKind::Other(_) => {
                if let Some((i, q)) = units_of(e) {
                    self.moved(broker, e, &i, q);
                }
            }
            _ => {}
        }
    }

    /// A deposit or withdrawal of a coin itself (units, not cash).
    fn coin_moved(&mut self, broker: &str, e: &LedgerEntry) {
        if e.instrument.is_some()
            || !is_asset_currency(e.amount.currency)
            || e.amount.amount.is_zero()
        {
            return;
        }
        let q = if e.kind == LedgerKind::Withdrawal {
            -e.amount.amount.abs()
        } else {
            e.amount.amount.abs()
        };
        self.moved(broker, e, &coin(e.amount.currency), q);
    }

    /// A fee paid in the coin itself: its units leave.
    fn coin_fee(&mut self, broker: &str, e: &LedgerEntry) {
        if !is_asset_currency(e.amount.currency) || e.amount.amount.is_zero() {
            return;
        }
        let i = e
            .instrument
            .clone()
            .unwrap_or_else(|| coin(e.amount.currency));
        let a = self.asset(broker, &i);
        let quantity = e.amount.amount.abs();
        self.push(e, a, What::Out { quantity }, None);
    }

    fn buy(&mut self, broker: &str, e: &LedgerEntry) {
        let day = e.timestamp.date_naive();
        let (Some(i), Some(quantity)) = (&e.instrument, e.quantity.filter(|q| *q > Decimal::ZERO))
        else {
            return self.problem(
                day,
                format!(
                    "{}: a buy without an instrument or a positive quantity is left out",
                    source(broker, e)
                ),
            );
        };
        let a = self.asset(broker, i);
        let cost = self.conv(e.amount, day).and_then(|gross| {
            gross
                .checked_add(self.fees(e, day)?)
                .ok_or_else(|| "cost out of range".to_owned())
        });
        let why = cost.as_ref().err().map(|w| {
            format!(
                "{}: {w}: the cost of {quantity} {} is unknown",
                source(broker, e),
                i.label()
            )
        });
        if let Some(w) = &why {
            self.problem(day, w.clone());
        }
        self.push(
            e,
            a,
            What::Buy {
                quantity,
                cost: cost.ok(),
            },
            why,
        );
    }

    fn sell(&mut self, broker: &str, e: &LedgerEntry) {
        let day = e.timestamp.date_naive();
        let (Some(i), Some(quantity)) = (
            &e.instrument,
            e.quantity.map(|q| q.abs()).filter(|q| !q.is_zero()),
        ) else {
            return self.problem(
                day,
                format!(
                    "{}: a sell without an instrument or a quantity is left out",
                    source(broker, e)
                ),
            );
        };
        let a = self.asset(broker, i);
        let gross = self.conv(e.amount, day);
        let fees = self.fees(e, day);
        // The disposal carries this (its proceeds are unknown).
        let why = match (&gross, &fees) {
            (Err(w), _) | (_, Err(w)) => Some(format!(
                "{}: {w}: its proceeds are unknown",
                source(broker, e)
            )),
            _ => None,
        };
        self.push(
            e,
            a,
            What::Sell {
                quantity,
                gross: gross.ok(),
                fees: fees.ok(),
            },
            why,
        );
    }

    /// The event of this kind of action of `from` (and `to`) on this day,
    /// made by `make` when it is the first.
    fn folded(
        &mut self,
        e: &LedgerEntry,
        fold: Fold,
        from: usize,
        to: usize,
        make: impl FnOnce() -> What,
    ) -> (usize, bool) {
        let day = e.timestamp.date_naive();
        if let Some(i) = self.folded.get(&(fold, from, to, day)) {
            return (*i, false);
        }
        let i = self.push(e, from, make(), None);
        self.folded.insert((fold, from, to, day), i);
        (i, true)
    }

    fn split(&mut self, broker: &str, e: &LedgerEntry) {
        let day = e.timestamp.date_naive();
        let Some(i) = &e.instrument else {
            return self.problem(
                day,
                format!(
                    "{}: a split without an instrument is left out",
                    source(broker, e)
                ),
            );
        };
        let a = self.asset(broker, i);
        let stated = e
            .action
            .as_ref()
            .and_then(|x| x.ratio)
            .filter(|r| r.new > Decimal::ZERO && r.old > Decimal::ZERO);
        let added = e.quantity.unwrap_or(Decimal::ZERO);
        let (idx, _) = self.folded(e, Fold::Split, a, a, || What::Split {
            ratio: None,
            added: Decimal::ZERO,
        });
        let mut conflict = None;
        if let What::Split { ratio, added: sum } = &mut self.book.events[idx].what {
            *sum = sum.saturating_add(added);
            match (*ratio, stated) {
                (None, Some(s)) => *ratio = Some(s),
                (Some(r), Some(s)) if r.new * s.old != s.new * r.old => conflict = Some((r, s)),
                _ => {}
            }
        }
        if let Some((r, s)) = conflict {
            self.problem(
                day,
                format!(
                    "{}: a split of {} {}:{} beside one of {}:{} the same day: the first is taken",
                    source(broker, e),
                    i.label(),
                    s.new,
                    s.old,
                    r.new,
                    r.old
                ),
            );
        }
    }

    fn spin_off(&mut self, broker: &str, e: &LedgerEntry) {
        let day = e.timestamp.date_naive();
        let action = e.action.as_deref();
        let received = action
            .and_then(|a| a.new_instrument.clone().zip(a.new_quantity))
            .or_else(|| e.instrument.clone().zip(e.quantity));
        let Some((new, units)) = received.filter(|(_, u)| *u > Decimal::ZERO) else {
            return self.problem(
                day,
                format!(
                    "{}: a spin-off without the instrument or units received is left out",
                    source(broker, e)
                ),
            );
        };
        let to = self.asset(broker, &new);
        let parent = e
            .instrument
            .as_ref()
            .map(|p| self.asset(broker, p))
            .filter(|p| *p != to);
        let Some(from) = parent else {
            return self.came_in(broker, e, to, &new, units, "a spin-off with no parent");
        };
        let fraction = action.and_then(|a| a.cost_basis_fraction);
        let share = fraction
            .filter(|f| *f >= Decimal::ZERO && *f <= Decimal::ONE)
            .unwrap_or(Decimal::ZERO);
        let (idx, first) = self.folded(e, Fold::SpinOff, from, to, || What::Reorganise {
            to,
            given: Given::Nothing,
            share,
            received: Decimal::ZERO,
        });
        if let What::Reorganise { received, .. } = &mut self.book.events[idx].what {
            *received = received.saturating_add(units);
        }
        if first && fraction.is_none() {
            let parent = self.book.assets[from].symbol.clone();
            self.problem(
                day,
                format!(
                    "{}: the spin-off of {} from {parent} states no part of the cost: none of {parent}'s cost moves to it (the rules apportion it by the market values of the day)",
                    source(broker, e),
                    new.label()
                ),
            );
        }
    }

    fn merger(&mut self, broker: &str, e: &LedgerEntry) {
        let day = e.timestamp.date_naive();
        let account = e.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned());
        let terms = e
            .action
            .as_deref()
            .and_then(|a| a.new_instrument.clone().zip(a.new_quantity));
        match (&e.instrument, terms, e.quantity) {
            (Some(old), Some((new, units)), _) => {
                let from = self.asset(broker, old);
                let to = self.asset(broker, &new);
                if from == to {
                    return;
                }
                let (idx, _) = self.folded(e, Fold::Merger, from, to, || What::Reorganise {
                    to,
                    given: Given::All,
                    share: Decimal::ONE,
                    received: Decimal::ZERO,
                });
                if let What::Reorganise { received, .. } = &mut self.book.events[idx].what {
                    *received = received.saturating_add(units);
                }
            }
            (Some(i), None, Some(q)) if q < Decimal::ZERO => {
                let a = self.asset(broker, i);
                let idx = self.push(e, a, What::Out { quantity: q.abs() }, None);
                self.exchanged
                    .entry((broker.to_owned(), account, day))
                    .or_default()
                    .push(idx);
            }
            (Some(i), None, Some(q)) if q > Decimal::ZERO => {
                let to = self.asset(broker, i);
                let outs = self
                    .exchanged
                    .remove(&(broker.to_owned(), account, day))
                    .unwrap_or_default();
                let given: Vec<(usize, Decimal)> = outs
                    .iter()
                    .filter_map(|o| match self.book.events[*o].what {
                        What::Out { quantity } => Some((*o, quantity)),
                        _ => None,
                    })
                    .collect();
                let total = given
                    .iter()
                    .fold(Decimal::ZERO, |t, (_, g)| t.saturating_add(*g));
                if total <= Decimal::ZERO {
                    return self.came_in(broker, e, to, i, q, "a merger with nothing exchanged");
                }
                let mut left = q;
                for (n, (o, g)) in given.iter().enumerate() {
                    let received = if n + 1 == given.len() {
                        left
                    } else {
                        part(q, *g, total).unwrap_or(Decimal::ZERO)
                    };
                    left -= received;
                    let from = self.book.events[*o].asset;
                    self.book.events[*o].what = What::Out {
                        quantity: Decimal::ZERO,
                    };
                    self.push(
                        e,
                        from,
                        What::Reorganise {
                            to,
                            given: Given::Units(*g),
                            share: Decimal::ONE,
                            received,
                        },
                        None,
                    );
                }
            }
            _ => self.problem(
                day,
                format!(
                    "{}: a merger without instrument and units is left out",
                    source(broker, e)
                ),
            ),
        }
    }

    /// Units received with nothing they came from: an acquisition at the
    /// entry's stated cost basis, else an unknown cost.
    fn came_in(
        &mut self,
        broker: &str,
        e: &LedgerEntry,
        asset: usize,
        i: &Instrument,
        quantity: Decimal,
        what: &str,
    ) {
        let day = e.timestamp.date_naive();
        let cost = match e.cost_basis {
            Some(basis) => self.conv(basis, day),
            None => Err("no cost basis stated".to_owned()),
        };
        let why = cost.as_ref().err().map(|w| {
            format!(
                "{}: {what} brings {quantity} {} in, {w}: their cost is unknown",
                source(broker, e),
                i.label()
            )
        });
        if let Some(w) = &why {
            self.problem(day, w.clone());
        }
        self.push(
            e,
            asset,
            What::In {
                quantity,
                cost: cost.ok(),
            },
            why,
        );
    }

    /// Units moved out of (`q < 0`) or into an account: an in-leg takes
    /// the units of earlier out-legs of the same key first.
    fn moved(&mut self, broker: &str, e: &LedgerEntry, i: &Instrument, q: Decimal) {
        let a = self.asset(broker, i);
        if q < Decimal::ZERO {
            let idx = self.push(e, a, What::Out { quantity: q.abs() }, None);
            self.transit.entry(a).or_default().push_back(idx);
            return;
        }
        let mut left = q;
        if let Some(outs) = self.transit.get_mut(&a) {
            while left > Decimal::ZERO {
                let Some(o) = outs.front().copied() else {
                    break;
                };
                if let What::Out { quantity } = &mut self.book.events[o].what {
                    let took = (*quantity).min(left);
                    *quantity -= took;
                    left -= took;
                    if !quantity.is_zero() {
                        break;
                    }
                }
                outs.pop_front();
            }
        }
        if left <= Decimal::ZERO {
            return;
        }
        // From outside the person's accounts: the stated basis of what is
        // left, else unknown.
        let day = e.timestamp.date_naive();
        let cost = match e.cost_basis {
            Some(basis) => self
                .conv(basis, day)
                .and_then(|c| part(c, left, q).ok_or_else(|| "out of range".to_owned())),
            None => Err("no cost basis stated and no transfer out before it".to_owned()),
        };
        let why = cost.as_ref().err().map(|w| {
            format!(
                "{}: {left} {} came in, {w}: their cost is unknown",
                source(broker, e),
                i.label()
            )
        });
        if let Some(w) = &why {
            self.problem(day, w.clone());
        }
        self.push(
            e,
            a,
            What::In {
                quantity: left,
                cost: cost.ok(),
            },
            why,
        );
    }

    /// A reward in units: acquired at no cost (its value is income; the
    /// report says so once per key).
    fn reward(&mut self, broker: &str, e: &LedgerEntry) {
        let Some((i, q)) = rewarded(e) else {
            return;
        };
        let a = self.asset(broker, &i);
        let day = e.timestamp.date_naive();
        self.rewards.entry(a).or_insert((0, day)).0 += 1;
        self.push(
            e,
            a,
            What::Buy {
                quantity: q,
                cost: Some(Decimal::ZERO),
            },
            None,
        );
    }

    fn finish(mut self) -> Book {
        for (a, (n, first)) in std::mem::take(&mut self.rewards) {
            let symbol = self.book.assets[a].symbol.clone();
            self.problem(
                first,
                format!(
                    "{n} reward{} of {symbol} (the first on {first}) {} taken at no cost: the value taxed as income when received is their cost, which the ledger does not give",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" }
                ),
            );
        }
        let mut left: Vec<usize> = self
            .transit
            .values()
            .flatten()
            .copied()
            .chain(self.exchanged.values().flatten().copied())
            .collect();
        left.sort_unstable();
        for o in left {
            let ev = &self.book.events[o];
            if let What::Out { quantity } = ev.what
                && !quantity.is_zero()
            {
                let symbol = &self.book.assets[ev.asset].symbol;
                let message = format!(
                    "{quantity} {symbol} moved out on {} with nothing received for them in another account: they leave at their cost, with no disposal",
                    ev.day
                );
                self.book.problems.push((ev.day, message));
            }
        }
        self.resolve_splits();
        self.book.events.retain(|e| !e.is_void());
        self.book.problems.sort_by_key(|(d, _)| *d);
        self.book.rate_notes = self.counter.notes();
        self.book
    }

    /// Works out the ratio of every split that states only the units it
    /// added, from the units held then across the person's accounts.
    fn resolve_splits(&mut self) {
        let mut held: Vec<Decimal> = vec![Decimal::ZERO; self.book.assets.len()];
        let mut problems = Vec::new();
        for ev in &mut self.book.events {
            let a = ev.asset;
            match &mut ev.what {
                What::Buy { quantity, .. } | What::In { quantity, .. } => {
                    held[a] = held[a].saturating_add(*quantity)
                }
                What::Sell { quantity, .. } | What::Out { quantity } => {
                    held[a] = (held[a] - *quantity).max(Decimal::ZERO)
                }
                What::Split { ratio, added } => {
                    if ratio.is_none()
                        && held[a] > Decimal::ZERO
                        && held[a].saturating_add(*added) > Decimal::ZERO
                    {
                        *ratio = Some(Ratio::new(held[a].saturating_add(*added), held[a]));
                    }
                    match ratio {
                        Some(r) => held[a] = r.apply(held[a]).unwrap_or(held[a]),
                        None => problems.push((
                            ev.day,
                            format!(
                                "a split of {} on {} states no ratio and none was held to work it out from: left out",
                                self.book.assets[a].symbol, ev.day
                            ),
                        )),
                    }
                }
                What::Reorganise {
                    to,
                    given,
                    received,
                    ..
                } => {
                    match given {
                        Given::All => held[a] = Decimal::ZERO,
                        Given::Units(u) => held[a] = (held[a] - *u).max(Decimal::ZERO),
                        Given::Nothing => {}
                    }
                    held[*to] = held[*to].saturating_add(*received);
                }
            }
        }
        self.book.problems.extend(problems);
    }
}

/// The instrument and signed units an entry moves: its own, else a coin's
/// when its amount is in one.
fn units_of(e: &LedgerEntry) -> Option<(Instrument, Decimal)> {
    match (&e.instrument, e.quantity.filter(|q| !q.is_zero())) {
        (Some(i), Some(q)) => Some((i.clone(), q)),
        (None, _) if is_asset_currency(e.amount.currency) && !e.amount.amount.is_zero() => {
            Some((coin(e.amount.currency), e.amount.amount))
        }
        _ => None,
    }
}
