//! United States: Form 8949, with wash sales.
//!
//! # The rules
//! * Lots are sold first in, first out (Treas. Reg. 1.1012-1(c)), one
//!   queue per instrument key across every broker and account of the
//!   person; each lot a sale consumes is one row of Form 8949.
//! * The holding period starts the day after acquisition and includes the
//!   day of sale (Rev. Rul. 66-7, 70-598), counted in calendar months: a
//!   lot is long term when sold on or after the first anniversary of the
//!   day after it was acquired (bought 2023-02-05: short term through
//!   2024-02-05, long term from 2024-02-06; bought 2024-02-29: long term
//!   from 2025-03-01), short term otherwise (IRC s.1222).
//! * Wash sales (IRC s.1091, Treas. Reg. 1.1091-1, Publication 550): a
//!   loss is disallowed when substantially identical shares (the same
//!   instrument key, in any account) are acquired within 30 days before
//!   or after the sale. Replacements are taken in the order acquired; one
//!   absorbs at most its own units and serves once; fewer replacement
//!   units than units sold disallow that part of the loss. The disallowed
//!   loss is added to the replacement's basis and the sold shares' holding
//!   period to its own (its `date_acquired` moves back by as many days).
//!   The row says code `W` and the adjustment (column g).
//!
//! Choices, said here because the rules leave room:
//! * The other units of the lot being sold are not its replacement (Rev.
//!   Rul. 56-602), nor is any lot the same sale consumes.
//! * A replacement acquired before the sale counts for its units still
//!   held on the day of the sale (only they can carry the loss).
//! * Cryptoassets are not "stock or securities" of s.1091: no wash sales.
//! * Proceeds are net of the sale's fees (what brokers report in box 1d);
//!   a buy's fees are in its basis.
//! * Units that come in from outside the person's accounts with a stated
//!   basis (a transfer from a broker stonks does not read) count as
//!   acquired the day they came in: the ledger does not carry the original
//!   day (the report says so).
//! * A split scales every lot (and what is still to be matched, as under
//!   the UK rules); a merger moves the lots to the new instrument with
//!   their basis and dates; a spin-off moves its stated part of each lot's
//!   basis to new lots of the same dates. Lots received so follow the lots
//!   already held.

use std::collections::VecDeque;
use std::rc::Rc;

use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;

use super::book::{Book, Factor, Given, Splits, What};
use super::{Code, Disposal, Form8949, Match, MatchRule, Outcome, TaxYear, Term, money, part};

/// Whether a lot whose holding period counts from the day after
/// `held_from` is long term when sold on `sold`.
pub fn long_term(held_from: NaiveDate, sold: NaiveDate) -> bool {
    held_from
        .succ_opt()
        .and_then(|start| start.checked_add_months(Months::new(12)))
        .is_some_and(|anniversary| sold >= anniversary)
}

/// A disallowed loss waiting for its replacement to be acquired.
#[derive(Debug)]
struct Pending {
    /// Units of the replacement it goes to.
    quantity: Decimal,
    /// The loss added to their basis.
    basis: Decimal,
    /// Days the sold shares were held, added to theirs.
    days_held: u64,
}

/// One buy, as a possible replacement.
#[derive(Debug)]
struct Acquisition {
    day: NaiveDate,
    quantity: Decimal,
    cost: Option<Decimal>,
    why: Option<Rc<str>>,
    /// Units that may still replace shares sold at a loss: in its own
    /// units until it is replayed, in today's units after.
    capacity: Decimal,
    /// Once replayed: its units still held that replace nothing yet.
    free: Decimal,
    replayed: bool,
    pending: Vec<Pending>,
    /// The `seq` of its lots.
    seq: u64,
}

/// Units held, acquired together.
#[derive(Debug, Clone)]
struct Lot {
    /// Lots made together share it; the queue is in its order.
    seq: u64,
    /// The buy it came from (`None`: it came in otherwise).
    acquisition: Option<usize>,
    acquired: NaiveDate,
    /// The day the holding period counts from (the day after it).
    held_from: NaiveDate,
    quantity: Decimal,
    /// Its basis, fees and carried losses included.
    cost: Option<Decimal>,
    why: Option<Rc<str>>,
    /// Already the replacement of a wash sale, or no buy at all.
    replaced: bool,
}

impl Lot {
    /// The part `take` of this lot, leaving the rest in it.
    fn split_off(&mut self, take: Decimal) -> Lot {
        let mut taken = self.clone();
        if take >= self.quantity {
            self.quantity = Decimal::ZERO;
            self.cost = self.cost.map(|_| Decimal::ZERO);
            return taken;
        }
        let cost = self.cost.and_then(|c| part(c, take, self.quantity));
        self.cost = self.cost.zip(cost).map(|(c, p)| c - p);
        self.quantity -= take;
        taken.quantity = take;
        taken.cost = cost;
        taken
    }
}

/// Which acquisitions may still be replacements: each index leads to the
/// next one that may (path halving), so a wash-sale search skips the
/// used-up ones in near-constant time.
#[derive(Debug)]
struct Alive(Vec<usize>);

impl Alive {
    fn new(n: usize) -> Self {
        Alive((0..=n).collect())
    }

    fn find(&mut self, mut i: usize) -> usize {
        let last = self.0.len() - 1;
        i = i.min(last);
        while self.0[i] != i {
            let next = self.0[self.0[i]];
            self.0[i] = next;
            i = next;
        }
        i
    }

    fn kill(&mut self, i: usize) {
        if i + 1 < self.0.len() {
            self.0[i] = i + 1;
        }
    }
}

struct State {
    lots: VecDeque<Lot>,
    acquisitions: Vec<Acquisition>,
    alive: Alive,
    /// The acquisitions within 30 days of the last sale: sales come in
    /// order, so both ends only move forward.
    window: (usize, usize),
}

struct Replay<'a> {
    book: &'a Book,
    /// The year whose rows are made.
    year: TaxYear,
    splits: Splits,
    states: Vec<State>,
    /// Units moved out before they were held (a coin fee booked before its
    /// fill the same day), taken from the next lots that come in.
    owed: Vec<(Decimal, NaiveDate)>,
    /// Each event's acquisition (buys only).
    acquisition_of: Vec<Option<usize>>,
    seq: u64,
    out: Outcome,
}

/// The Form 8949 rows of `year` in `book`, oldest first.
pub(super) fn disposals(book: &Book, year: &TaxYear) -> Outcome {
    let mut states: Vec<State> = (0..book.assets.len())
        .map(|_| State {
            lots: VecDeque::new(),
            acquisitions: Vec::new(),
            alive: Alive::new(0),
            window: (0, 0),
        })
        .collect();
    let mut acquisition_of = vec![None; book.events.len()];
    for (i, e) in book.events.iter().enumerate() {
        if let What::Buy { quantity, cost } = e.what {
            let list = &mut states[e.asset].acquisitions;
            acquisition_of[i] = Some(list.len());
            list.push(Acquisition {
                day: e.day,
                quantity,
                cost,
                why: e.why.as_deref().map(Rc::from),
                capacity: quantity,
                free: Decimal::ZERO,
                replayed: false,
                pending: Vec::new(),
                seq: 0,
            });
        }
    }
    for s in &mut states {
        s.alive = Alive::new(s.acquisitions.len());
    }
    let mut r = Replay {
        book,
        year: *year,
        splits: Splits::of(book),
        owed: vec![(Decimal::ZERO, NaiveDate::MIN); book.assets.len()],
        states,
        acquisition_of,
        seq: 0,
        out: Outcome::default(),
    };
    // At least a row per sale of the year.
    let sales = book
        .events
        .iter()
        .filter(|e| matches!(e.what, What::Sell { .. }) && year.contains(e.day))
        .count();
    r.out.disposals.reserve(sales);
    for i in 0..book.events.len() {
        r.event(i);
    }
    for (a, (owed, day)) in r.owed.iter().enumerate() {
        if *owed > Decimal::ZERO {
            let message = format!(
                "{owed} {} moved out (the first on {day}) were never held",
                book.assets[a].symbol
            );
            r.out.problems.push((*day, message));
        }
    }
    r.out
}

impl Replay<'_> {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn event(&mut self, i: usize) {
        let book = self.book;
        let e = &book.events[i];
        let a = e.asset;
        match &e.what {
            What::Buy { .. } => {
                if let Some(k) = self.acquisition_of[i] {
                    self.acquire(a, k);
                }
            }
            What::Sell {
                quantity,
                gross,
                fees,
            } => self.sell(i, *quantity, *gross, *fees),
            What::Split { ratio: Some(r), .. } => {
                let s = &mut self.states[a];
                for lot in s.lots.iter_mut() {
                    if let Some(q) = r.apply(lot.quantity) {
                        lot.quantity = q;
                    }
                }
                for acq in s.acquisitions.iter_mut().filter(|x| x.replayed) {
                    acq.capacity = r.apply(acq.capacity).unwrap_or(acq.capacity);
                    acq.free = r.apply(acq.free).unwrap_or(acq.free);
                }
            }
            What::Split { ratio: None, .. } => {}
            What::In { quantity, cost } => {
                if cost.is_some() {
                    let message = format!(
                        "{quantity} {} came in on {} with their basis but not the day they were acquired: their holding period counts from then",
                        book.assets[a].symbol, e.day
                    );
                    self.out.problems.push((e.day, message));
                }
                let seq = self.next_seq();
                self.states[a].lots.push_back(Lot {
                    seq,
                    acquisition: None,
                    acquired: e.day,
                    held_from: e.day,
                    quantity: *quantity,
                    cost: *cost,
                    why: e.why.as_deref().map(Rc::from),
                    replaced: true,
                });
                self.settle(a, seq);
            }
            What::Out { quantity } => {
                let held: Decimal = self.take(a, *quantity).iter().map(|l| l.quantity).sum();
                if held < *quantity {
                    let owed = &mut self.owed[a];
                    if owed.0.is_zero() {
                        owed.1 = e.day;
                    }
                    owed.0 = owed.0.saturating_add(*quantity - held);
                }
            }
            What::Reorganise {
                to,
                given,
                share,
                received,
            } => self.reorganise(i, *to, *given, *share, *received),
        }
    }

    /// A buy: its lots, those that already replace a sold loss first.
    fn acquire(&mut self, a: usize, k: usize) {
        let seq = self.next_seq();
        let s = &mut self.states[a];
        let acq = &mut s.acquisitions[k];
        acq.seq = seq;
        acq.replayed = true;
        let mut rest = acq.quantity;
        let mut rest_cost = acq.cost;
        for p in std::mem::take(&mut acq.pending) {
            let base = acq.cost.and_then(|c| part(c, p.quantity, acq.quantity));
            rest_cost = rest_cost.zip(base).map(|(c, b)| c - b);
            rest -= p.quantity;
            s.lots.push_back(Lot {
                seq,
                acquisition: Some(k),
                acquired: acq.day,
                held_from: acq
                    .day
                    .checked_sub_days(Days::new(p.days_held))
                    .unwrap_or(acq.day),
                quantity: p.quantity,
                cost: base.and_then(|b| b.checked_add(p.basis)),
                why: acq.why.clone(),
                replaced: true,
            });
        }
        if rest > Decimal::ZERO {
            s.lots.push_back(Lot {
                seq,
                acquisition: Some(k),
                acquired: acq.day,
                held_from: acq.day,
                quantity: rest,
                cost: rest_cost,
                why: acq.why.clone(),
                replaced: false,
            });
        }
        acq.free = rest.max(Decimal::ZERO);
        acq.capacity = acq.free;
        if acq.free.is_zero() {
            s.alive.kill(k);
        }
        self.settle(a, seq);
    }

    /// Pays what is owed of `a` out of its lots `seq` (just made): their
    /// units go, their cost stays with the rest.
    fn settle(&mut self, a: usize, seq: u64) {
        let owed = &mut self.owed[a].0;
        if owed.is_zero() {
            return;
        }
        let s = &mut self.states[a];
        let mut at = s.lots.partition_point(|l| l.seq < seq);
        while *owed > Decimal::ZERO && at < s.lots.len() {
            let lot = &mut s.lots[at];
            let paid = (*owed).min(lot.quantity);
            lot.quantity -= paid;
            *owed -= paid;
            if let (Some(k), false) = (lot.acquisition, lot.replaced) {
                let acq = &mut s.acquisitions[k];
                acq.free = (acq.free - paid).max(Decimal::ZERO);
                acq.capacity = (acq.capacity - paid).max(Decimal::ZERO);
                if acq.free.is_zero() {
                    s.alive.kill(k);
                }
            }
            if s.lots[at].quantity.is_zero() {
                s.lots.remove(at);
            } else {
                at += 1;
            }
        }
    }

    /// Takes up to `quantity` units, oldest lots first.
    fn take(&mut self, a: usize, quantity: Decimal) -> Vec<Lot> {
        let s = &mut self.states[a];
        let mut left = quantity;
        let mut taken = Vec::new();
        while left > Decimal::ZERO {
            let Some(lot) = s.lots.front_mut() else { break };
            let piece = lot.split_off(left);
            if lot.quantity <= Decimal::ZERO {
                s.lots.pop_front();
            }
            left -= piece.quantity;
            if let (Some(k), false) = (piece.acquisition, piece.replaced) {
                let acq = &mut s.acquisitions[k];
                acq.free = (acq.free - piece.quantity).max(Decimal::ZERO);
                if acq.free.is_zero() {
                    s.alive.kill(k);
                }
            }
            taken.push(piece);
        }
        taken
    }

    fn sell(&mut self, i: usize, quantity: Decimal, gross: Option<Decimal>, fees: Option<Decimal>) {
        let book = self.book;
        let e = &book.events[i];
        let (a, day) = (e.asset, e.day);
        let lots = self.take(a, quantity);
        let count = lots.len();
        let held: Decimal = lots.iter().map(|l| l.quantity).sum();
        let consumed: Vec<usize> = lots.iter().filter_map(|l| l.acquisition).collect();
        let net = gross.zip(fees).and_then(|(g, f)| g.checked_sub(f));
        // Only the year's rows are made; every sale's wash sales are worked
        // out, since they carry into what is sold later.
        let shown = self.year.contains(day);
        // Shares of the proceeds and fees, the last the exact remainder.
        let short = (held < quantity).then(|| (None, quantity - held));
        let pieces = lots
            .into_iter()
            .map(|l| {
                let q = l.quantity;
                (Some(l), q)
            })
            .chain(short);
        let n = count + usize::from(held < quantity);
        let (mut net_left, mut fees_left) = (net, fees);
        for (j, (lot, units)) in pieces.enumerate() {
            let share = |total: Option<Decimal>, left: Option<Decimal>| {
                if j + 1 == n {
                    left
                } else {
                    total.and_then(|t| part(t, units, quantity))
                }
            };
            let proceeds = share(net, net_left);
            let fee = share(fees, fees_left);
            net_left = net_left.zip(proceeds).map(|(l, p)| l - p);
            fees_left = fees_left.zip(fee).map(|(l, p)| l - p);
            let row = match lot {
                Some(lot) => self.row(i, &lot, proceeds, fee, &consumed, shown),
                None if shown => Some(self.shortfall(i, units, quantity, held, proceeds, fee)),
                None => None,
            };
            self.out.disposals.extend(row);
        }
    }

    /// The Form 8949 row of `lot`, sold by event `i` for `proceeds`.
    fn row(
        &mut self,
        i: usize,
        lot: &Lot,
        proceeds: Option<Decimal>,
        fees: Option<Decimal>,
        consumed: &[usize],
        shown: bool,
    ) -> Option<Disposal> {
        let book = self.book;
        let e = &book.events[i];
        let (a, day) = (e.asset, e.day);
        let asset = &book.assets[a];
        let loss = proceeds
            .zip(lot.cost)
            .and_then(|(p, c)| c.checked_sub(p))
            .filter(|l| *l > Decimal::ZERO);
        let disallowed = match loss {
            Some(loss) if !asset.crypto => self.wash(a, day, lot, loss, consumed),
            _ => Decimal::ZERO,
        };
        if !shown {
            return None;
        }
        let mut problems = Vec::new();
        if let Some(why) = &e.why {
            problems.push(why.clone());
        }
        if lot.cost.is_none() {
            problems.push(format!(
                "the basis of the lot acquired on {} is unknown: {}",
                lot.acquired,
                lot.why.as_deref().unwrap_or("a cost out of range")
            ));
        }
        let (proceeds, cost, adjustment) =
            (proceeds.map(money), lot.cost.map(money), money(disallowed));
        Some(Disposal {
            instrument_key: asset.key.clone(),
            symbol: asset.symbol.clone(),
            isin: asset.isin,
            date: day,
            quantity: lot.quantity,
            proceeds,
            cost,
            gain: proceeds.zip(cost).map(|(p, c)| p - c + adjustment),
            fees: fees.map(money),
            form_8949: Some(Form8949 {
                description: description(lot.quantity, &asset.symbol, asset.crypto),
                date_acquired: Some(lot.held_from),
                term: Some(if long_term(lot.held_from, day) {
                    Term::Long
                } else {
                    Term::Short
                }),
                code: (disallowed > Decimal::ZERO).then_some(Code::W),
                adjustment,
            }),
            matches: vec![Match {
                rule: MatchRule::Fifo,
                quantity: lot.quantity,
                cost,
                acquired: Some(lot.acquired),
            }],
            problems,
        })
    }

    /// The row of units sold that were never held.
    fn shortfall(
        &self,
        i: usize,
        units: Decimal,
        sold: Decimal,
        held: Decimal,
        proceeds: Option<Decimal>,
        fees: Option<Decimal>,
    ) -> Disposal {
        let book = self.book;
        let e = &book.events[i];
        let asset = &book.assets[e.asset];
        let mut problems = Vec::new();
        if let Some(why) = &e.why {
            problems.push(why.clone());
        }
        problems.push(format!(
            "sells {sold} but {held} were held: the basis of the other {units} is unknown (is the history incomplete?)"
        ));
        Disposal {
            instrument_key: asset.key.clone(),
            symbol: asset.symbol.clone(),
            isin: asset.isin,
            date: e.day,
            quantity: units,
            proceeds: proceeds.map(money),
            cost: None,
            gain: None,
            fees: fees.map(money),
            form_8949: Some(Form8949 {
                description: description(units, &asset.symbol, asset.crypto),
                date_acquired: None,
                term: None,
                code: None,
                adjustment: Decimal::ZERO,
            }),
            matches: vec![Match {
                rule: MatchRule::Fifo,
                quantity: units,
                cost: None,
                acquired: None,
            }],
            problems,
        }
    }

    /// Disallows what of `loss` (on `lot`, sold on `day`) replacement
    /// shares acquired within 30 days before or after cover, and carries it
    /// into them; the loss disallowed.
    fn wash(
        &mut self,
        a: usize,
        day: NaiveDate,
        lot: &Lot,
        loss: Decimal,
        consumed: &[usize],
    ) -> Decimal {
        let from = day.checked_sub_days(Days::new(30)).unwrap_or(day);
        let to = day.checked_add_days(Days::new(30)).unwrap_or(day);
        let days_held = (day - lot.held_from).num_days().max(0).unsigned_abs();
        let s = &mut self.states[a];
        let (mut lo, mut hi) = s.window;
        while lo < s.acquisitions.len() && s.acquisitions[lo].day < from {
            lo += 1;
        }
        hi = hi.max(lo);
        while hi < s.acquisitions.len() && s.acquisitions[hi].day <= to {
            hi += 1;
        }
        s.window = (lo, hi);
        let mut left = lot.quantity;
        let mut loss_left = loss;
        let mut k = s.alive.find(lo);
        while k < hi && left > Decimal::ZERO {
            if consumed.contains(&k) {
                k = s.alive.find(k + 1);
                continue;
            }
            let acq = &s.acquisitions[k];
            let (available, f) = if acq.replayed {
                (acq.free.min(acq.capacity), Factor::ONE)
            } else {
                (acq.capacity, self.splits.factor(a, day, acq.day))
            };
            if available <= Decimal::ZERO {
                s.alive.kill(k);
                k = s.alive.find(k + 1);
                continue;
            }
            let Some(wanted) = f.later(left) else { break };
            let take = wanted.min(available);
            let matched = if take == wanted {
                left
            } else {
                f.earlier(take).unwrap_or(left).min(left)
            };
            let disallowed = if matched == left {
                loss_left
            } else {
                part(loss, matched, lot.quantity).unwrap_or(Decimal::ZERO)
            };
            left -= matched;
            loss_left -= disallowed;
            let acq = &mut s.acquisitions[k];
            acq.capacity -= take;
            if acq.replayed {
                acq.free -= take;
                carry(&mut s.lots, acq.seq, k, take, disallowed, days_held);
            } else {
                acq.pending.push(Pending {
                    quantity: take,
                    basis: disallowed,
                    days_held,
                });
            }
            let done = acq.capacity <= Decimal::ZERO || (acq.replayed && acq.free <= Decimal::ZERO);
            if done {
                s.alive.kill(k);
            }
            k = s.alive.find(k + 1);
        }
        loss - loss_left
    }

    fn reorganise(&mut self, i: usize, to: usize, given: Given, share: Decimal, received: Decimal) {
        let book = self.book;
        let e = &book.events[i];
        let (a, day) = (e.asset, e.day);
        let symbol = self.book.assets[a].symbol.clone();
        let mut moved: Vec<Lot> = match given {
            Given::All => {
                let all = units(&self.states[a].lots);
                self.take(a, all)
            }
            Given::Units(u) => {
                let lots = self.take(a, u);
                let held: Decimal = lots.iter().map(|l| l.quantity).sum();
                if held < u {
                    let message = format!("{u} {symbol} exchanged on {day} but {held} were held");
                    self.out.problems.push((day, message));
                }
                lots
            }
            Given::Nothing => self.states[a]
                .lots
                .iter_mut()
                .map(|lot| {
                    let part_cost = lot
                        .cost
                        .and_then(|c| c.checked_mul(share))
                        .map(|c| c.round_dp(super::SCALE));
                    lot.cost = lot.cost.zip(part_cost).map(|(c, m)| c - m);
                    Lot {
                        cost: part_cost,
                        ..lot.clone()
                    }
                })
                .collect(),
        };
        let total = units(&moved);
        let seq = self.next_seq();
        if total <= Decimal::ZERO {
            let why: Rc<str> = Rc::from(format!(
                "{received} {} received on {day} for no {symbol} held: their basis is unknown",
                self.book.assets[to].symbol
            ));
            self.out.problems.push((day, why.to_string()));
            self.states[to].lots.push_back(Lot {
                seq,
                acquisition: None,
                acquired: day,
                held_from: day,
                quantity: received,
                cost: None,
                why: Some(why),
                replaced: true,
            });
            return;
        }
        let mut left = received;
        let n = moved.len();
        for (j, lot) in moved.iter_mut().enumerate() {
            let q = if j + 1 == n {
                left
            } else {
                part(received, lot.quantity, total).unwrap_or(Decimal::ZERO)
            };
            left -= q;
            lot.quantity = q;
            lot.seq = seq;
            lot.acquisition = None;
            lot.replaced = true;
        }
        self.states[to].lots.extend(moved);
    }
}

/// Adds `basis` to `units` of acquisition `k`'s lots (sequence `seq`) not
/// yet a replacement, and moves their holding period back `days_held`.
fn carry(
    lots: &mut VecDeque<Lot>,
    seq: u64,
    k: usize,
    units: Decimal,
    basis: Decimal,
    days_held: u64,
) {
    let mut at = lots.partition_point(|l| l.seq < seq);
    let mut left = units;
    let mut basis_left = basis;
    while left > Decimal::ZERO && at < lots.len() && lots[at].seq == seq {
        if lots[at].acquisition != Some(k) || lots[at].replaced {
            at += 1;
            continue;
        }
        let piece_units = lots[at].quantity.min(left);
        let mut piece = lots[at].split_off(piece_units);
        if lots[at].quantity <= Decimal::ZERO {
            lots.remove(at);
        }
        let add = if piece_units == left {
            basis_left
        } else {
            part(basis, piece_units, units).unwrap_or(Decimal::ZERO)
        };
        left -= piece_units;
        basis_left -= add;
        piece.cost = piece.cost.and_then(|c| c.checked_add(add));
        piece.held_from = piece
            .acquired
            .checked_sub_days(Days::new(days_held))
            .unwrap_or(piece.acquired);
        piece.replaced = true;
        lots.insert(at, piece);
        at += 1;
    }
}

/// The units of `lots`, added (saturating: no input makes it panic).
fn units<'a>(lots: impl IntoIterator<Item = &'a Lot>) -> Decimal {
    lots.into_iter()
        .fold(Decimal::ZERO, |t, l| t.saturating_add(l.quantity))
}

/// Form 8949 column (a): `100 sh. AAPL`, or `0.5 BTC`.
fn description(quantity: Decimal, symbol: &str, crypto: bool) -> String {
    let q = quantity.normalize();
    if crypto {
        format!("{q} {symbol}")
    } else {
        format!("{q} sh. {symbol}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Publication 550: bought on February 5, sold on February 5 the next
    /// year: not more than one year; sold on February 6: long term.
    #[test]
    fn long_term_starts_the_day_after_the_anniversary() {
        assert!(!long_term(day("2023-02-05"), day("2024-02-05")));
        assert!(long_term(day("2023-02-05"), day("2024-02-06")));
        // The last day of February: months end on the last day of each.
        assert!(!long_term(day("2023-02-28"), day("2024-02-29")));
        assert!(long_term(day("2023-02-28"), day("2024-03-01")));
        assert!(!long_term(day("2024-02-29"), day("2025-02-28")));
        assert!(long_term(day("2024-02-29"), day("2025-03-01")));
        assert!(!long_term(day("2023-12-31"), day("2024-12-31")));
        assert!(long_term(day("2023-12-31"), day("2025-01-01")));
    }

    #[test]
    fn the_alive_set_skips_what_was_used_up() {
        let mut alive = Alive::new(5);
        alive.kill(1);
        alive.kill(2);
        assert_eq!(alive.find(1), 3);
        alive.kill(3);
        assert_eq!(alive.find(0), 0);
        assert_eq!(alive.find(1), 4);
        alive.kill(4);
        assert_eq!(alive.find(2), 5, "the end");
        assert_eq!(alive.find(9), 5);
    }
}
