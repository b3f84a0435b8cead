//! United Kingdom: capital gains on shares and cryptoassets.
//!
//! # The rules (TCGA 1992 s.104, s.105, s.106A)
//! All disposals of one instrument on one day are one disposal, and all
//! acquisitions of it on one day are one acquisition (s.105(1)(a)), across
//! every broker and account of the person. Each disposal is identified, in
//! this order, with:
//!
//! 1. the acquisitions of the same day (s.105(1)(b));
//! 2. the acquisitions in the 30 days after it, earliest first, each
//!    disposal before a later one ("bed and breakfast", s.106A(5));
//!    the same-day rule has priority over it, so a later day's
//!    acquisitions first serve that day's own disposals (CG51560);
//! 3. the Section 104 pool: every other acquisition, at the pool's average
//!    cost (s.104).
//!
//! HMRC's guidance: helpsheet HS284, the Capital Gains Manual CG51550-CG51590
//! and, for cryptoassets, CRYPTO22200-CRYPTO22257 (the same rules).
//! Allowable costs include the costs of acquisition and of disposal (s.38):
//! the proceeds are gross and the disposal's fees are in its cost.
//!
//! A split or consolidation is no disposal (s.127): the pool's units are
//! scaled and its cost kept, and an acquisition after a split is matched
//! with a disposal before it at the split's ratio (a disposal of 100 is
//! matched with 200 bought after a 2-for-1 split). A merger moves the pool
//! to the new instrument; a spin-off moves its stated part of the cost.
//! Splits and reorganisations take effect at the start of their day.
//!
//! Units that come in from outside the person's accounts (a transfer in
//! with its stated cost, a coin deposited) join the pool; units that leave
//! without a disposal leave it at their average cost.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::book::{Book, Given, Splits, What};
use super::{Disposal, Match, MatchRule, Outcome, TaxYear, money, part};

/// The annual exempt amount of the tax year starting 6 April `year`
/// (TCGA 1992 s.1K; the amounts of each year's order and Finance Act):
/// `None` before 2008-09, when other identification rules applied.
///
/// | tax years | amount |
/// | --- | --- |
/// | 2008-09 | £9,600 |
/// | 2009-10, 2010-11 | £10,100 |
/// | 2011-12, 2012-13 | £10,600 |
/// | 2013-14 | £10,900 |
/// | 2014-15 | £11,000 |
/// | 2015-16, 2016-17 | £11,100 |
/// | 2017-18 | £11,300 (SI 2017/377) |
/// | 2018-19 | £11,700 |
/// | 2019-20 | £12,000 |
/// | 2020-21 to 2022-23 | £12,300 |
/// | 2023-24 | £6,000 (Finance Act 2023) |
/// | 2024-25 onward | £3,000 (Finance Act 2023) |
pub fn annual_exempt_amount(year: i32) -> Option<Decimal> {
    let pounds = match year {
        ..=2007 => return None,
        2008 => 9_600,
        2009 | 2010 => 10_100,
        2011 | 2012 => 10_600,
        2013 => 10_900,
        2014 => 11_000,
        2015 | 2016 => 11_100,
        2017 => 11_300,
        2018 => 11_700,
        2019 => 12_000,
        2020..=2022 => 12_300,
        2023 => 6_000,
        2024.. => 3_000,
    };
    Some(Decimal::from(pounds))
}

/// One instrument's acquisitions and disposals of one day, each taken as
/// one.
#[derive(Debug)]
struct Day {
    day: NaiveDate,
    bought: Decimal,
    /// What all of them cost, fees included.
    cost: Option<Decimal>,
    /// Why `cost` is unknown.
    cost_why: Option<String>,
    sold: Decimal,
    /// What all of them brought, before fees.
    gross: Option<Decimal>,
    fees: Option<Decimal>,
    /// Why `gross` or `fees` is unknown.
    proceeds_why: Vec<String>,
    /// Units bought and not yet identified with a disposal (the same day's
    /// come off first); what is left joins the pool at the day's end.
    free: Decimal,
}

/// The Section 104 pool of one instrument.
#[derive(Debug)]
struct Pool {
    quantity: Decimal,
    /// What its units cost; `None` when some cost is unknown.
    cost: Option<Decimal>,
    /// Why `cost` is unknown.
    why: Option<String>,
}

impl Pool {
    fn new() -> Self {
        Pool {
            quantity: Decimal::ZERO,
            cost: Some(Decimal::ZERO),
            why: None,
        }
    }

    fn add(&mut self, quantity: Decimal, cost: Option<Decimal>, why: Option<&str>) {
        self.quantity = self.quantity.saturating_add(quantity);
        self.cost = self.cost.zip(cost).and_then(|(a, b)| a.checked_add(b));
        if self.cost.is_none() && self.why.is_none() {
            self.why = Some(why.unwrap_or("a cost out of range").to_owned());
        }
    }

    /// Takes up to `quantity` units at the average cost; the units and
    /// their cost (and why it is unknown).
    fn take(&mut self, quantity: Decimal) -> (Decimal, Option<Decimal>, Option<String>) {
        let take = quantity.min(self.quantity);
        if take <= Decimal::ZERO {
            return (Decimal::ZERO, Some(Decimal::ZERO), None);
        }
        let cost = self.cost.and_then(|c| part(c, take, self.quantity));
        let why = self.why.clone();
        self.cost = self.cost.zip(cost).map(|(c, t)| c - t);
        self.quantity -= take;
        if self.quantity.is_zero() {
            // An emptied pool starts again: what was unknown left with it.
            *self = Pool::new();
        }
        (take, cost, why)
    }
}

/// One instrument: its days, the next to replay, its pool.
struct State {
    days: Vec<Day>,
    next: usize,
    pool: Pool,
}

struct Replay<'a> {
    book: &'a Book,
    /// The year whose disposals are kept.
    year: TaxYear,
    splits: Splits,
    states: Vec<State>,
    out: Outcome,
}

/// The disposals of `year` in `book`, oldest first, identified by the UK
/// rules (every disposal before them identified too: they shape the pool).
pub(super) fn disposals(book: &Book, year: &TaxYear) -> Outcome {
    let mut r = Replay {
        book,
        year: *year,
        splits: Splits::of(book),
        states: days(book),
        out: Outcome::default(),
    };
    // Corporate actions and units in at the start of their day, then the
    // day's trades, then units out at its end.
    let mut order: Vec<(NaiveDate, u8, usize)> = book
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let class = match e.what {
                What::Split { .. } | What::Reorganise { .. } | What::In { .. } => 0,
                What::Buy { .. } | What::Sell { .. } => 1,
                What::Out { .. } => 2,
            };
            (e.day, class, i)
        })
        .collect();
    order.sort_unstable();
    for (_, _, i) in order {
        r.event(i);
    }
    r.out
}

/// Each instrument's trades folded into days.
fn days(book: &Book) -> Vec<State> {
    let mut states: Vec<State> = (0..book.assets.len())
        .map(|_| State {
            days: Vec::new(),
            next: 0,
            pool: Pool::new(),
        })
        .collect();
    for e in &book.events {
        let zero = Some(Decimal::ZERO);
        let (bought, cost, sold, gross, fees) = match &e.what {
            What::Buy { quantity, cost } => (*quantity, *cost, Decimal::ZERO, zero, zero),
            What::Sell {
                quantity,
                gross,
                fees,
            } => (Decimal::ZERO, zero, *quantity, *gross, *fees),
            _ => continue,
        };
        let days = &mut states[e.asset].days;
        if days.last().is_none_or(|d| d.day != e.day) {
            days.push(Day {
                day: e.day,
                bought: Decimal::ZERO,
                cost: zero,
                cost_why: None,
                sold: Decimal::ZERO,
                gross: zero,
                fees: zero,
                proceeds_why: Vec::new(),
                free: Decimal::ZERO,
            });
        }
        let Some(d) = days.last_mut() else { continue };
        d.bought = d.bought.saturating_add(bought);
        d.cost = d.cost.zip(cost).and_then(|(a, b)| a.checked_add(b));
        d.sold = d.sold.saturating_add(sold);
        d.gross = d.gross.zip(gross).and_then(|(a, b)| a.checked_add(b));
        d.fees = d.fees.zip(fees).and_then(|(a, b)| a.checked_add(b));
        if let Some(why) = &e.why {
            if bought > Decimal::ZERO {
                d.cost_why.get_or_insert_with(|| why.clone());
            } else {
                d.proceeds_why.push(why.clone());
            }
        }
    }
    for s in &mut states {
        for d in &mut s.days {
            // The same day's disposal takes its units first (s.105(1)(b)).
            d.free = d.bought - d.bought.min(d.sold);
        }
    }
    states
}

impl Replay<'_> {
    fn symbol(&self, a: usize) -> &str {
        &self.book.assets[a].symbol
    }

    fn event(&mut self, i: usize) {
        let book = self.book;
        let e = &book.events[i];
        let a = e.asset;
        match &e.what {
            What::Buy { .. } | What::Sell { .. } => self.trades(a, e.day),
            What::Split { ratio, .. } => {
                let pool = &mut self.states[a].pool;
                if let Some(q) = ratio.and_then(|r| r.apply(pool.quantity)) {
                    pool.quantity = q;
                }
            }
            What::In { quantity, cost } => {
                self.states[a].pool.add(*quantity, *cost, e.why.as_deref());
            }
            What::Out { quantity } => {
                let (took, _, _) = self.states[a].pool.take(*quantity);
                if took < *quantity {
                    let message = format!(
                        "{quantity} {} moved out on {} but {took} were held",
                        self.symbol(a),
                        e.day
                    );
                    self.out.problems.push((e.day, message));
                }
            }
            What::Reorganise {
                to,
                given,
                share,
                received,
            } => {
                let (units, cost, why) = match given {
                    Given::All => {
                        let all = self.states[a].pool.quantity;
                        self.states[a].pool.take(all)
                    }
                    Given::Units(u) => self.states[a].pool.take(*u),
                    Given::Nothing => {
                        let pool = &mut self.states[a].pool;
                        let moved = pool.cost.and_then(|c| c.checked_mul(*share));
                        pool.cost = pool.cost.zip(moved).map(|(c, m)| c - m);
                        (Decimal::ZERO, moved, pool.why.clone())
                    }
                };
                if let Given::Units(u) = given
                    && units < *u
                {
                    let message = format!(
                        "{u} {} exchanged on {} but {units} were held",
                        self.symbol(a),
                        e.day
                    );
                    self.out.problems.push((e.day, message));
                }
                let why = why.unwrap_or_else(|| {
                    format!(
                        "the cost of {} before it was reorganised on {} is unknown",
                        self.symbol(a),
                        e.day
                    )
                });
                self.states[*to].pool.add(*received, cost, Some(&why));
            }
        }
    }

    /// Replays the trades of one instrument on day `on`, once: its
    /// disposal (when it sold) identified by the three rules, then what it
    /// bought and no disposal took into the pool.
    fn trades(&mut self, a: usize, on: NaiveDate) {
        let s = &mut self.states[a];
        let i = s.next;
        if s.days.get(i).is_none_or(|d| d.day != on) {
            return; // replayed at the day's first trade
        }
        s.next += 1;
        if s.days[i].sold > Decimal::ZERO {
            self.dispose(a, i);
        }
        let s = &mut self.states[a];
        let d = &mut s.days[i];
        let free = std::mem::take(&mut d.free);
        if free > Decimal::ZERO {
            let cost = d.cost.and_then(|c| part(c, free, d.bought));
            let why = d.cost_why.clone();
            s.pool.add(free, cost, why.as_deref());
        }
    }

    fn dispose(&mut self, a: usize, i: usize) {
        let s = &mut self.states[a];
        let d = &s.days[i];
        let (on, sold, bought) = (d.day, d.sold, d.bought);
        let mut problems = d.proceeds_why.clone();
        let mut matches = Vec::new();
        let mut cost = d.fees;
        let mut left = sold;
        let unknown = |what: &str, why: Option<&str>| {
            format!(
                "the cost of {what} is unknown: {}",
                why.unwrap_or("a cost out of range")
            )
        };
        // 1. The same day.
        let same = bought.min(sold);
        if same > Decimal::ZERO {
            let c = d.cost.and_then(|c| part(c, same, bought));
            if c.is_none() {
                problems.push(unknown(
                    "what was bought the same day",
                    d.cost_why.as_deref(),
                ));
            }
            cost = cost.zip(c).and_then(|(x, y)| x.checked_add(y));
            matches.push(Match {
                rule: MatchRule::SameDay,
                quantity: same,
                cost: c.map(money),
                acquired: Some(on),
            });
            left -= same;
        }
        // 2. The 30 days after, earliest first.
        let last = on.checked_add_days(Days::new(30)).unwrap_or(on);
        let mut j = i + 1;
        while left > Decimal::ZERO && j < s.days.len() && s.days[j].day <= last {
            let later = &mut s.days[j];
            j += 1;
            if later.free <= Decimal::ZERO {
                continue;
            }
            let f = self.splits.factor(a, on, later.day);
            let Some(wanted) = f.later(left) else { break };
            let take = wanted.min(later.free);
            let matched = if take == wanted {
                left
            } else {
                f.earlier(take).unwrap_or(left).min(left)
            };
            let c = later.cost.and_then(|c| part(c, take, later.bought));
            if c.is_none() {
                problems.push(unknown(
                    &format!("what was bought on {}", later.day),
                    later.cost_why.as_deref(),
                ));
            }
            later.free -= take;
            left -= matched;
            cost = cost.zip(c).and_then(|(x, y)| x.checked_add(y));
            matches.push(Match {
                rule: MatchRule::BedAndBreakfast,
                quantity: matched,
                cost: c.map(money),
                acquired: Some(later.day),
            });
        }
        // 3. The pool.
        if left > Decimal::ZERO {
            let (took, c, why) = s.pool.take(left);
            if took > Decimal::ZERO {
                if c.is_none() {
                    problems.push(unknown("the Section 104 pool", why.as_deref()));
                }
                cost = cost.zip(c).and_then(|(x, y)| x.checked_add(y));
                matches.push(Match {
                    rule: MatchRule::Section104,
                    quantity: took,
                    cost: c.map(money),
                    acquired: None,
                });
                left -= took;
            }
        }
        if left > Decimal::ZERO {
            problems.push(format!(
                "disposes of {sold} but {} were acquired before it or in the 30 days after: the cost of the other {left} is unknown (is the history incomplete?)",
                sold - left
            ));
            cost = None;
        }
        if !self.year.contains(on) {
            return;
        }
        let d = &s.days[i];
        let proceeds = d.gross.map(money);
        let cost = cost.map(money);
        let asset = &self.book.assets[a];
        self.out.disposals.push(Disposal {
            instrument_key: asset.key.clone(),
            symbol: asset.symbol.clone(),
            isin: asset.isin,
            date: on,
            quantity: sold,
            proceeds,
            cost,
            gain: proceeds.zip(cost).map(|(p, c)| p - c),
            fees: d.fees.map(money),
            form_8949: None,
            matches,
            problems,
        });
    }
}
