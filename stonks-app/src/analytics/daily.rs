//! Every scope's value on every day, in one pass over the days: each
//! holding is valued once a day (its units from the replay's trail, its
//! close from the price book, the day's rate) and added to its account;
//! brokers and the total add their accounts up. Cash is the ledger's per
//! account and currency. Alongside the value, each day keeps what the
//! figures of a period are made of: external flows, realized gains,
//! income, fees, taxes, the unrealized gain of what is held and the
//! currency gain on cash, so a period's change can be explained (see
//! [`super::returns`]).
//!
//! External flows are deposits and withdrawals of money, cash transfers,
//! and units that arrive or leave without a trade (securities transferred,
//! coins deposited or withdrawn) at that day's close.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeDelta};
use rust_decimal::Decimal;
use serde::Serialize;
use stonks::Currency;
use stonks::v2::{LedgerEntry, LedgerKind};

use super::Analysis;
use super::lots::{NO_ACCOUNT, Replay, Step};
use super::valuation::{LedgerCash, MAX_CARRY_DAYS};
use crate::store::StoredSeries;

/// Decimal places of a conversion factor to the base currency.
const FACTOR_PLACES: u32 = 12;

/// Whose figures.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Who {
    /// Everything.
    Total,
    /// One broker.
    Broker(String),
    /// One account of one broker.
    Account(String, String),
}

impl Who {
    /// Whether an entry or holding of `broker`'s `account` belongs to it.
    pub fn owns(&self, broker: &str, account: &str) -> bool {
        match self {
            Who::Total => true,
            Who::Broker(b) => b == broker,
            Who::Account(b, a) => b == broker && a == account,
        }
    }

    /// The contract's `scope`.
    pub fn scope(&self) -> &'static str {
        match self {
            Who::Total => "total",
            Who::Broker(_) => "broker",
            Who::Account(..) => "account",
        }
    }

    /// The contract's `id` (`null` for the total).
    pub fn id(&self) -> Option<String> {
        match self {
            Who::Total => None,
            Who::Broker(b) => Some(b.clone()),
            Who::Account(b, a) => Some(format!("{b}/{a}")),
        }
    }
}

/// One day of one scope, in the base currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Day {
    /// The day.
    pub date: NaiveDate,
    /// The value at its end (what is known).
    pub value: Decimal,
    /// The part of it that is cash (money in every currency, at the day's
    /// rates; a debit balance is negative).
    pub cash: Decimal,
    /// Money and securities in that day (at the start of the day).
    pub inflow: Decimal,
    /// Money and securities out that day (at its end).
    pub outflow: Decimal,
    /// Instruments held without a price (or rate) that day, and
    /// `cash:CCY` for cash without a rate.
    pub missing: Vec<String>,
    /// Gains realized by sales that day.
    pub realized: Decimal,
    /// Dividends and interest received that day (less reversals).
    pub income: Decimal,
    /// Fees paid that day outside trades (a trade's fees are in its cost
    /// or proceeds).
    pub fees: Decimal,
    /// Taxes paid that day (withholding included).
    pub taxes: Decimal,
    /// At its end: the priced holdings' values less their cost, where the
    /// cost is known.
    pub unrealized: Decimal,
    /// Unrealized gain that arrived (or, negative, left) with units
    /// transferred that day: their value less the cost they carried.
    pub unrealized_moved: Decimal,
    /// The currency gain that day on cash held from the day before.
    pub cash_fx: Decimal,
}

/// Each of `whos`' day before `from` (where a period's return starts) and
/// days `from` to `to`, in the order of `whos`.
pub fn daily(
    analysis: &Analysis,
    whos: &[Who],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(Day, Vec<Day>)> {
    let replayed = analysis.fifo();
    let mut pass = Pass::new(analysis, &replayed.replay);
    let before = from - TimeDelta::days(1);
    let members: Vec<Vec<usize>> = whos
        .iter()
        .map(|w| {
            (0..pass.accounts.len())
                .filter(|&a| w.owns(&pass.accounts[a].0, &pass.accounts[a].1))
                .collect()
        })
        .collect();
    let span = usize::try_from((to - before).num_days() + 1).unwrap_or(0);
    let mut out: Vec<(Day, Vec<Day>)> = whos
        .iter()
        .map(|_| (Day::default(), Vec::with_capacity(span)))
        .collect();
    let mut day = before;
    while day <= to {
        pass.day(analysis, day);
        for (w, accounts) in members.iter().enumerate() {
            let d = pass.sum(day, accounts);
            if day == before {
                out[w].0 = d;
            } else {
                out[w].1.push(d);
            }
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    out
}

/// A holding followed day by day.
struct Followed<'a> {
    account: usize,
    key: &'a str,
    trail: &'a [Step],
    /// The next step not yet reached.
    step: usize,
    /// Its instrument's price, shared by every account holding it.
    price: usize,
}

/// One instrument's closes followed day by day.
struct Priced<'a> {
    series: Option<&'a StoredSeries>,
    /// The next close not yet reached.
    next: usize,
    /// Today's close in the base currency, if there is one.
    today: Option<Decimal>,
    /// Units of the underlying a unit held stands for (a contract's size).
    multiplier: Decimal,
}

/// What one account adds up to on the current day.
#[derive(Default)]
struct Account {
    day: Day,
    /// The foreign cash's value at the end of the day before, at that
    /// day's rates (for the currency gain).
    foreign_before: Option<Decimal>,
    /// What the holdings with units and a known cost cost: kept as steps
    /// are reached, so a day adds only values.
    cost_known: Decimal,
}

/// The state of the pass between days.
struct Pass<'a> {
    accounts: Vec<(String, String)>,
    state: Vec<Account>,
    held: Vec<Followed<'a>>,
    priced: Vec<Priced<'a>>,
    cash: Vec<LedgerCash<'a>>,
    /// Entries by account, in time order, with the next one not reached.
    entries: Vec<(Vec<&'a LedgerEntry>, usize)>,
    /// Sales by account: (day, gain), in time order, with a cursor.
    sales: Vec<(Vec<(NaiveDate, Decimal)>, usize)>,
    /// Today's conversion factors to the base currency.
    factors: Vec<(Currency, Option<Decimal>)>,
    /// Reused for an account's balances.
    buffer: Vec<(Currency, Decimal)>,
    /// Reused: each account's holdings' value today, and the part of it
    /// (less the cost of what has no price) that has no cost beside it.
    values: Vec<Decimal>,
    uncounted: Vec<Decimal>,
    base: Currency,
}

impl<'a> Pass<'a> {
    fn new(analysis: &'a Analysis, replay: &'a Replay) -> Self {
        let mut index: HashMap<(&str, &str), usize> = HashMap::new();
        let mut accounts: Vec<(String, String)> = Vec::new();
        let mut slot = |broker: &'a str, account: &'a str| -> usize {
            *index.entry((broker, account)).or_insert_with(|| {
                accounts.push((broker.to_owned(), account.to_owned()));
                accounts.len() - 1
            })
        };
        let mut entries: Vec<Vec<&LedgerEntry>> = Vec::new();
        for (b, e) in &analysis.ledger {
            let a = slot(b, e.account.as_deref().unwrap_or(NO_ACCOUNT));
            if entries.len() <= a {
                entries.resize_with(a + 1, Vec::new);
            }
            entries[a].push(e);
        }
        let mut priced: Vec<Priced<'a>> = Vec::new();
        let mut price_of: HashMap<&str, usize> = HashMap::new();
        let held: Vec<Followed<'a>> = replay
            .holdings
            .values()
            .map(|h| {
                let key = h.key.instrument.as_str();
                let price = *price_of.entry(key).or_insert_with(|| {
                    priced.push(Priced {
                        series: analysis.prices().series(key),
                        next: 0,
                        today: None,
                        multiplier: analysis.prices().multiplier(key),
                    });
                    priced.len() - 1
                });
                Followed {
                    account: slot(&h.key.broker, &h.key.account),
                    key,
                    trail: &h.trail,
                    step: 0,
                    price,
                }
            })
            .collect();
        let mut sales: Vec<(Vec<(NaiveDate, Decimal)>, usize)> = Vec::new();
        for s in &replay.sales {
            let a = slot(&s.broker, &s.account);
            if sales.len() <= a {
                sales.resize_with(a + 1, Default::default);
            }
            if let Some(g) = s.gain_base() {
                sales[a].0.push((s.sold_at.date_naive(), g));
            }
        }
        let n = accounts.len();
        entries.resize_with(n, Vec::new);
        sales.resize_with(n, Default::default);
        for s in &mut sales {
            s.0.sort_by_key(|x| x.0);
        }
        for e in &mut entries {
            e.sort_by_key(|e| e.timestamp);
        }
        Pass {
            cash: entries.iter().map(|e| LedgerCash::of(e.clone())).collect(),
            entries: entries.into_iter().map(|e| (e, 0)).collect(),
            state: (0..n).map(|_| Account::default()).collect(),
            accounts,
            held,
            priced,
            sales,
            factors: Vec::new(),
            buffer: Vec::new(),
            values: Vec::new(),
            uncounted: Vec::new(),
            base: analysis.base,
        }
    }

    /// The factor turning `c` into the base currency today.
    fn factor(&mut self, analysis: &Analysis, day: NaiveDate, c: Currency) -> Option<Decimal> {
        if c == self.base {
            return Some(Decimal::ONE);
        }
        if let Some((_, f)) = self.factors.iter().find(|(x, _)| *x == c) {
            return *f;
        }
        // Twelve places: far finer than the rates themselves (five
        // significant digits), well under a cent on a billion, and short
        // enough that the day's millions of products stay fast.
        let f = analysis.history.table(day).and_then(|t| {
            t.convert(&stonks::Money::new(Decimal::ONE, c), &self.base)
                .map(|m| m.amount.round_dp(FACTOR_PLACES))
        });
        self.factors.push((c, f));
        f
    }

    /// Moves every account to the end of `day`.
    fn day(&mut self, analysis: &Analysis, day: NaiveDate) {
        self.factors.clear();
        let end = day
            .succ_opt()
            .unwrap_or(day)
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default();
        for s in &mut self.state {
            let mut missing = std::mem::take(&mut s.day.missing);
            missing.clear();
            s.day = Day {
                date: day,
                missing,
                ..Day::default()
            };
        }
        // Cash: the currency gain on yesterday's balances at today's
        // rates, then today's entries.
        for a in 0..self.accounts.len() {
            let held = self.foreign_value(analysis, a, day);
            if let (Some(now), Some(then)) = (held, self.state[a].foreign_before) {
                self.state[a].day.cash_fx = now - then;
            }
            self.entries_of(analysis, a, day);
            self.cash[a].through(day);
            let mut value = Decimal::ZERO;
            let balances = self.balances(a);
            for &(c, b) in &balances {
                match self.factor(analysis, day, c).and_then(|f| b.checked_mul(f)) {
                    Some(v) => add(&mut value, v),
                    None => self.state[a].day.missing.push(format!("cash:{c}")),
                }
            }
            self.buffer = balances;
            self.state[a].day.value = value;
            self.state[a].day.cash = value;
            self.state[a].foreign_before = self.foreign_value(analysis, a, day);
            let (sales, next) = &mut self.sales[a];
            while let Some(&(d, gain)) = sales.get(*next) {
                if d > day {
                    break;
                }
                if d == day {
                    add(&mut self.state[a].day.realized, gain);
                }
                *next += 1;
            }
        }
        // Each instrument's close today, in the base currency.
        for i in 0..self.priced.len() {
            let p = &mut self.priced[i];
            let close = p.series.and_then(|s| {
                while s.dates.get(p.next).is_some_and(|d| *d <= day) {
                    p.next += 1;
                }
                let at = p.next.checked_sub(1)?;
                ((day - s.dates[at]).num_days() <= MAX_CARRY_DAYS)
                    .then(|| Some((s.closes[at].checked_mul(p.multiplier)?, s.currency?)))
                    .flatten()
            });
            self.priced[i].today =
                close.and_then(|(c, ccy)| c.checked_mul(self.factor(analysis, day, ccy)?));
        }
        // Holdings: the steps reached today, then the value.
        let mut values = std::mem::take(&mut self.values);
        values.clear();
        values.resize(self.accounts.len(), Decimal::ZERO);
        let mut uncounted = std::mem::take(&mut self.uncounted);
        uncounted.clear();
        uncounted.resize(self.accounts.len(), Decimal::ZERO);
        for i in 0..self.held.len() {
            let h = &mut self.held[i];
            let before = h.step;
            while h.trail.get(h.step).is_some_and(|s| s.at < end) {
                h.step += 1;
            }
            let Some(now) = h.step.checked_sub(1) else {
                continue;
            };
            let (account, key, trail, after) = (h.account, h.key, h.trail, h.step);
            let price = self.priced[h.price].today;
            if before < after {
                self.steps(analysis, day, account, &trail[..after], before, price);
            }
            let now = &trail[now];
            if now.quantity.is_zero() {
                continue;
            }
            match price.and_then(|p| now.quantity.checked_mul(p)) {
                Some(v) => {
                    add(&mut values[account], v);
                    // Its value has no cost to set against it.
                    if now.cost_base.is_none() {
                        add(&mut uncounted[account], v);
                    }
                }
                None => {
                    self.state[account].day.missing.push(key.to_owned());
                    // Nor has its cost a value.
                    if let Some(c) = now.cost_base {
                        add(&mut uncounted[account], -c);
                    }
                }
            }
        }
        for (a, s) in self.state.iter_mut().enumerate() {
            add(&mut s.day.value, values[a]);
            s.day.unrealized = values[a] - uncounted[a] - s.cost_known;
        }
        self.values = values;
        self.uncounted = uncounted;
    }

    /// The steps `trail[from..]` of a holding of `account`, reached today
    /// (its price today `price`): its known cost kept, a trade of what has
    /// no price a flow, units that came or went without a trade a flow at
    /// the day's close carrying their unrealized gain.
    fn steps(
        &mut self,
        analysis: &Analysis,
        day: NaiveDate,
        account: usize,
        trail: &[Step],
        from: usize,
        price: Option<Decimal>,
    ) {
        let known = |s: Option<&Step>| {
            s.filter(|s| !s.quantity.is_zero())
                .and_then(|s| s.cost_base)
                .unwrap_or(Decimal::ZERO)
        };
        let cost = known(trail.last()) - known(from.checked_sub(1).map(|p| &trail[p]));
        add(&mut self.state[account].cost_known, cost);
        for k in from..trail.len() {
            let (s, previous) = (&trail[k], k.checked_sub(1).map(|p| &trail[p]));
            let moved = s.quantity - previous.map_or(Decimal::ZERO, |p| p.quantity);
            let entry = analysis.ledger.get(s.entry).map(|(_, e)| e);
            // A trade of what has no price today moves cash into or out
            // of what can be measured: a flow, not a gain or loss.
            if price.is_none()
                && let Some(e) =
                    entry.filter(|e| matches!(e.kind, LedgerKind::Buy | LedgerKind::Sell))
            {
                let cash = self.cash_of(analysis, day, e);
                let d = &mut self.state[account].day;
                if cash > Decimal::ZERO {
                    add(&mut d.inflow, cash);
                } else {
                    add(&mut d.outflow, -cash);
                }
            }
            let Some(v) = price
                .filter(|_| entry.is_some_and(external) && !moved.is_zero())
                .and_then(|p| moved.checked_mul(p))
            else {
                continue;
            };
            let d = &mut self.state[account].day;
            if v > Decimal::ZERO {
                add(&mut d.inflow, v);
            } else {
                add(&mut d.outflow, -v);
            }
            let cost_before = previous.map_or(Some(Decimal::ZERO), |p| p.cost_base);
            if let (Some(c1), Some(c0)) = (s.cost_base, cost_before) {
                add(&mut d.unrealized_moved, v - (c1 - c0));
            }
        }
    }

    /// What `e` did to cash (its fiat amount less its fiat fees), in the
    /// base currency at `day`'s rate; 0 where a rate is unknown.
    fn cash_of(&mut self, analysis: &Analysis, day: NaiveDate, e: &LedgerEntry) -> Decimal {
        let mut cash = Decimal::ZERO;
        if e.amount.currency.is_fiat()
            && let Some(v) = self
                .factor(analysis, day, e.amount.currency)
                .and_then(|f| e.amount.amount.checked_mul(f))
        {
            add(&mut cash, v);
        }
        for fee in e.fees.iter().filter(|f| f.currency.is_fiat()) {
            if let Some(v) = self
                .factor(analysis, day, fee.currency)
                .and_then(|f| fee.amount.abs().checked_mul(f))
            {
                add(&mut cash, -v);
            }
        }
        cash
    }

    /// What account `a`'s cash in other currencies than the base is worth
    /// at `day`'s rates; `None` when a rate is unknown.
    fn foreign_value(&mut self, analysis: &Analysis, a: usize, day: NaiveDate) -> Option<Decimal> {
        let balances = self.balances(a);
        let mut total = Some(Decimal::ZERO);
        let base = self.base;
        for &(c, b) in balances.iter().filter(|(c, _)| *c != base) {
            let v = self.factor(analysis, day, c).and_then(|f| b.checked_mul(f));
            total = total.zip(v).map(|(t, v)| t.checked_add(v).unwrap_or(t));
        }
        self.buffer = balances;
        total
    }

    /// Account `a`'s non-zero cash balances, in the reused buffer (put it
    /// back after use).
    fn balances(&mut self, a: usize) -> Vec<(Currency, Decimal)> {
        let mut out = std::mem::take(&mut self.buffer);
        out.clear();
        out.extend(
            self.cash[a]
                .balances()
                .iter()
                .filter(|(_, b)| !b.is_zero())
                .map(|(c, b)| (*c, *b)),
        );
        out
    }

    /// Today's entries of account `a`: money flows, income, fees, taxes.
    fn entries_of(&mut self, analysis: &Analysis, a: usize, day: NaiveDate) {
        let (entries, next) = &self.entries[a];
        let mut n = *next;
        let first = n;
        while entries
            .get(n)
            .is_some_and(|e| e.timestamp.date_naive() <= day)
        {
            n += 1;
        }
        self.entries[a].1 = n;
        for k in first..n {
            let e = self.entries[a].0[k];
            if e.timestamp.date_naive() != day {
                continue;
            }
            let factor = self.factor(analysis, day, e.amount.currency);
            let Some(amount) = factor.and_then(|f| e.amount.amount.checked_mul(f)) else {
                continue;
            };
            let fiat = e.amount.currency.is_fiat();
            let d = &mut self.state[a].day;
            match (&e.kind, &e.instrument) {
                (LedgerKind::Deposit, _) if fiat => add(&mut d.inflow, amount.abs()),
                (LedgerKind::Withdrawal, _) if fiat => add(&mut d.outflow, amount.abs()),
                (LedgerKind::Transfer, None) if fiat && amount > Decimal::ZERO => {
                    add(&mut d.inflow, amount)
                }
                (LedgerKind::Transfer, None) if fiat => add(&mut d.outflow, -amount),
                (LedgerKind::Dividend | LedgerKind::Interest, _) if fiat => {
                    add(&mut d.income, amount)
                }
                (LedgerKind::Fee, _) if fiat => add(&mut d.fees, -amount),
                (LedgerKind::Tax, _) if fiat => add(&mut d.taxes, -amount),
                _ => {}
            }
            if !matches!(e.kind, LedgerKind::Buy | LedgerKind::Sell) {
                for fee in e.fees.iter().filter(|f| f.currency.is_fiat()) {
                    let factor = self.factor(analysis, day, fee.currency);
                    if let Some(v) = factor.and_then(|f| fee.amount.abs().checked_mul(f)) {
                        add(&mut self.state[a].day.fees, v);
                    }
                }
            }
        }
    }

    /// The accounts' day added up.
    fn sum(&self, day: NaiveDate, accounts: &[usize]) -> Day {
        let mut out = Day {
            date: day,
            ..Day::default()
        };
        for &a in accounts {
            let d = &self.state[a].day;
            add(&mut out.value, d.value);
            add(&mut out.cash, d.cash);
            add(&mut out.inflow, d.inflow);
            add(&mut out.outflow, d.outflow);
            add(&mut out.realized, d.realized);
            add(&mut out.income, d.income);
            add(&mut out.fees, d.fees);
            add(&mut out.taxes, d.taxes);
            add(&mut out.unrealized, d.unrealized);
            add(&mut out.unrealized_moved, d.unrealized_moved);
            add(&mut out.cash_fx, d.cash_fx);
            out.missing.extend(d.missing.iter().cloned());
        }
        if !out.missing.is_empty() {
            out.missing.sort();
            out.missing.dedup();
        }
        for x in [
            &mut out.value,
            &mut out.cash,
            &mut out.inflow,
            &mut out.outflow,
            &mut out.realized,
            &mut out.income,
            &mut out.fees,
            &mut out.taxes,
            &mut out.unrealized,
            &mut out.unrealized_moved,
            &mut out.cash_fx,
        ] {
            *x = x.round_dp(2);
        }
        out
    }
}

/// Adds `x` to `to`, leaving `to` as it was when the sum would overflow
/// (amounts come from brokers; an absurd one is no panic).
fn add(to: &mut Decimal, x: Decimal) {
    if let Some(sum) = to.checked_add(x) {
        *to = sum;
    }
}

/// Whether `e` moves units in or out without a trade.
fn external(e: &LedgerEntry) -> bool {
    matches!(
        e.kind,
        LedgerKind::Transfer | LedgerKind::Deposit | LedgerKind::Withdrawal
    )
}
