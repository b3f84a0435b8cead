//! Holdings rebuilt from the ledger, valued with the brokers' own prices,
//! and reconciled against the positions each broker reports: every
//! difference named, with the entry after which the two part ways.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use stonks::fx::RateTable;
use stonks::v2::{LedgerEntry, PortfolioSnapshot};
use stonks::{AssetClass, Currency, Isin, Money};

use super::lots::{Holding, HoldingKey, NO_ACCOUNT, POOLED, Replay, identity};
use super::{Analysis, base_figure, figure};

/// One open holding as the ledger rebuilds it.
#[derive(Debug, Clone, Serialize)]
pub struct HoldingRow {
    /// The broker (`null` when pooled).
    pub broker: Option<String>,
    /// The broker's account (`null` when pooled).
    pub account: Option<String>,
    /// Ticker or asset code.
    pub symbol: String,
    /// ISIN, when known.
    pub isin: Option<Isin>,
    /// The key instruments are told apart by across brokers
    /// (`stonks::identity::instrument_key`).
    pub instrument_key: String,
    /// Name for people.
    pub name: String,
    /// What kind of instrument.
    pub asset_class: AssetClass,
    /// Units held, replayed from the ledger.
    pub quantity: Decimal,
    /// Open lots.
    pub lots: usize,
    /// The currency of `cost`, `value` and `gain`.
    pub currency: Currency,
    /// What the open lots cost, fees included; `null` when a lot's cost is
    /// unknown.
    pub cost: Option<Decimal>,
    /// Value at the broker's latest price.
    pub value: Option<Decimal>,
    /// `value - cost`.
    pub gain: Option<Decimal>,
    /// Cost in the base currency at each lot's acquisition rate.
    pub cost_base: Option<Decimal>,
    /// Value in the base currency at today's rate.
    pub value_base: Option<Decimal>,
    /// `value_base - cost_base`.
    pub gain_base: Option<Decimal>,
}

/// Where the ledger and the broker disagree about a holding.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// The broker.
    pub broker: String,
    /// The account.
    pub account: String,
    /// ISIN, else symbol, else the broker's id.
    pub instrument: String,
    /// Units the ledger adds up to.
    pub replayed: Decimal,
    /// Units the broker reports.
    pub reported: Decimal,
    /// The entry after which the replayed quantity last left the reported
    /// one (the first entry of the holding when it never matched); `null`
    /// when the ledger never touched the holding.
    pub diverged_after: Option<String>,
    /// When that entry happened.
    pub diverged_at: Option<DateTime<Utc>>,
}

/// Reported quantity and value of one holding, positions of one key added.
#[derive(Debug, Default, Clone)]
pub(crate) struct Reported {
    pub quantity: Decimal,
    pub value: Option<Money>,
    pub price: Option<Money>,
}

/// The brokers' positions by holding (per account), summed.
pub(crate) fn reported(
    snapshots: &[(String, PortfolioSnapshot)],
) -> BTreeMap<HoldingKey, Reported> {
    let mut out: BTreeMap<HoldingKey, Reported> = BTreeMap::new();
    for (broker, snap) in snapshots {
        for p in &snap.positions {
            let key = HoldingKey {
                broker: broker.clone(),
                account: p.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned()),
                instrument: identity(broker, &p.instrument),
            };
            let r = out.entry(key).or_default();
            r.quantity += p.quantity;
            r.price = r.price.or(p.price);
            r.value = match (r.value, p.market_value) {
                (None, v) if r.quantity == p.quantity => v,
                (Some(a), Some(b)) if a.currency == b.currency => {
                    Some(Money::new(a.amount + b.amount, a.currency))
                }
                _ => None,
            };
        }
    }
    out
}

/// The value of `quantity` units: the broker's market value when it holds
/// the same units, else its price times the units.
pub(crate) fn value_of(quantity: Decimal, r: Option<&Reported>) -> Option<Money> {
    let r = r?;
    if r.quantity == quantity
        && let Some(v) = r.value
    {
        return Some(v);
    }
    let price = r.price?;
    Some(Money::new(
        price.amount.checked_mul(quantity)?,
        price.currency,
    ))
}

/// Every open holding of `replay`, valued from `snapshots` at `today`'s
/// rates, in `base`.
pub fn rows(
    replay: &Replay,
    snapshots: &[(String, PortfolioSnapshot)],
    today: Option<&RateTable>,
    base: Currency,
) -> Vec<HoldingRow> {
    let reported = reported(snapshots);
    let pooled = replay.holdings.keys().any(|k| k.broker == POOLED);
    // Pooled holdings are valued with the price of any broker holding them.
    let by_instrument: BTreeMap<&str, &Reported> = reported
        .iter()
        .map(|(k, r)| (k.instrument.as_str(), r))
        .collect();
    replay
        .holdings
        .values()
        .filter(|h| !h.quantity().is_zero())
        .map(|h| {
            let quantity = h.quantity();
            let r = if pooled {
                by_instrument.get(h.key.instrument.as_str()).copied()
            } else {
                reported.get(&h.key)
            };
            row(h, quantity, value_of(quantity, r), today, base)
        })
        .collect()
}

fn row(
    h: &Holding,
    quantity: Decimal,
    value: Option<Money>,
    today: Option<&RateTable>,
    base: Currency,
) -> HoldingRow {
    let cost = h.cost();
    let cost_base = h.cost_base();
    let value_in = |to: Currency| -> Option<Decimal> {
        let v = value?;
        if v.currency == to {
            return Some(v.amount);
        }
        today?.convert(&v, &to).map(|m| m.amount)
    };
    let value_own = value_in(h.currency);
    let value_base = value_in(base);
    let keyed = |s: &str| (s != POOLED).then(|| s.to_owned());
    HoldingRow {
        broker: keyed(&h.key.broker),
        account: keyed(&h.key.account),
        symbol: h.instrument.label().to_owned(),
        isin: h.instrument.isin,
        instrument_key: h.key.instrument.clone(),
        name: h.instrument.name.clone(),
        asset_class: h.instrument.asset_class.clone(),
        quantity,
        lots: h.lots.len(),
        currency: h.currency,
        cost: figure(cost),
        value: figure(value_own),
        gain: figure(value_own.zip(cost).map(|(v, c)| v - c)),
        cost_base: base_figure(cost_base),
        value_base: base_figure(value_base),
        gain_base: base_figure(value_base.zip(cost_base).map(|(v, c)| v - c)),
    }
}

/// Every holding where the ledger and the broker's positions disagree, for
/// the brokers that have both (a broker never synced, or one that reports
/// no positions and no cash, is not compared).
pub fn reconcile(
    replay: &Replay,
    ledger: &[(String, LedgerEntry)],
    snapshots: &[(String, PortfolioSnapshot)],
) -> Vec<Difference> {
    let reported = reported(snapshots);
    let with_ledger: BTreeSet<&str> = replay.holdings.keys().map(|k| k.broker.as_str()).collect();
    // A broker that reports nothing at all (a file without positions) has
    // nothing to compare with.
    let with_positions: BTreeSet<&str> = snapshots
        .iter()
        .filter(|(_, s)| !s.positions.is_empty() || !s.cash.is_empty())
        .map(|(b, _)| b.as_str())
        .collect();
    let keys: BTreeSet<&HoldingKey> = replay
        .holdings
        .keys()
        .chain(reported.keys())
        .filter(|k| {
            with_ledger.contains(k.broker.as_str()) && with_positions.contains(k.broker.as_str())
        })
        .collect();
    let mut out = Vec::new();
    for key in keys {
        let holding = replay.holdings.get(key);
        let replayed = holding.map_or(Decimal::ZERO, Holding::quantity);
        let reported_q = reported.get(key).map_or(Decimal::ZERO, |r| r.quantity);
        if replayed == reported_q {
            continue;
        }
        let trail = holding.map(|h| h.trail.as_slice()).unwrap_or_default();
        // The entry after the last point where the two agreed.
        let after = match trail.iter().rposition(|s| s.quantity == reported_q) {
            Some(i) => trail.get(i + 1),
            None => trail.first(),
        };
        out.push(Difference {
            broker: key.broker.clone(),
            account: key.account.clone(),
            instrument: key.instrument.clone(),
            replayed,
            reported: reported_q,
            diverged_after: after
                .and_then(|s| ledger.get(s.entry))
                .map(|(_, e)| e.id.clone()),
            diverged_at: after.map(|s| s.at),
        });
    }
    out
}

/// The `holdings` JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct HoldingsReport {
    /// The currency of every `_base` figure.
    pub base_currency: Currency,
    /// Every open holding.
    pub holdings: Vec<HoldingRow>,
    /// Where the ledger and the brokers disagree.
    pub differences: Vec<Difference>,
    /// Totals of what is known, in the base currency.
    pub totals: HoldingTotals,
    /// What the replay could not do as the ledger stands, and the rates it
    /// had to approximate.
    pub problems: Vec<String>,
}

/// The sums of the known figures.
#[derive(Debug, Clone, Serialize)]
pub struct HoldingTotals {
    /// Cost of every holding whose cost is known.
    pub cost_base: Decimal,
    /// Value of every holding whose value is known.
    pub value_base: Decimal,
    /// Holdings with an unknown cost or value, left out of the sums.
    pub incomplete: usize,
}

impl HoldingsReport {
    /// Open holdings of `analysis` (its FIFO replay, per account) and where
    /// they differ from the brokers' positions.
    pub fn build(analysis: &Analysis) -> Self {
        let r = analysis.fifo();
        let rows = r.open.clone();
        let differences = reconcile(&r.replay, &analysis.ledger, &analysis.snapshots);
        let mut problems: Vec<String> = r.replay.problems.iter().map(ToString::to_string).collect();
        problems.extend(r.replay.rate_notes.lines());
        HoldingsReport {
            base_currency: analysis.base,
            totals: HoldingTotals::of(&rows),
            holdings: rows,
            differences,
            problems,
        }
    }
}

impl HoldingTotals {
    /// The sums of `rows`.
    pub fn of(rows: &[HoldingRow]) -> Self {
        let mut t = HoldingTotals {
            cost_base: Decimal::ZERO,
            value_base: Decimal::ZERO,
            incomplete: 0,
        };
        for r in rows {
            match (r.cost_base, r.value_base) {
                (Some(c), Some(v)) => {
                    t.cost_base += c;
                    t.value_base += v;
                }
                _ => t.incomplete += 1,
            }
        }
        t
    }
}
