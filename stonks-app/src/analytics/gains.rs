//! Realized gains per sale with the lots it consumed, per year, and
//! unrealized gains per open holding: the `gains` JSON contract.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use stonks::{Currency, Isin};

use super::holdings::HoldingRow;
use super::lots::{Method, Replay, Sale, Scope};
use super::{Analysis, base_figure, figure};

/// A lot a sale consumed.
#[derive(Debug, Clone, Serialize)]
pub struct LotRow {
    /// When it was acquired.
    pub bought_at: DateTime<Utc>,
    /// Units of it sold.
    pub quantity: Decimal,
    /// Their cost (sale currency).
    pub cost: Option<Decimal>,
}

/// One sale.
#[derive(Debug, Clone, Serialize)]
pub struct RealizedRow {
    /// The broker it was sold at.
    pub broker: String,
    /// The account it was sold from.
    pub account: String,
    /// Ticker or asset code.
    pub symbol: String,
    /// ISIN, when known.
    pub isin: Option<Isin>,
    /// The key instruments are told apart by across brokers
    /// (`stonks::identity::instrument_key`).
    pub instrument_key: String,
    /// When.
    pub sold_at: DateTime<Utc>,
    /// Units sold.
    pub quantity: Decimal,
    /// What the sale brought, fees deducted.
    pub proceeds: Option<Decimal>,
    /// What the sold units cost, fees included.
    pub cost: Option<Decimal>,
    /// `proceeds - cost`.
    pub gain: Option<Decimal>,
    /// The currency of the three above.
    pub currency: Currency,
    /// Proceeds in the base currency at the sale date's rate.
    pub proceeds_base: Option<Decimal>,
    /// Cost in the base currency at each lot's acquisition rate.
    pub cost_base: Option<Decimal>,
    /// `proceeds_base - cost_base`.
    pub gain_base: Option<Decimal>,
    /// The lots it consumed.
    pub lots: Vec<LotRow>,
}

impl RealizedRow {
    /// The row of `s`.
    pub fn of(s: &Sale) -> Self {
        RealizedRow {
            broker: s.broker.clone(),
            account: s.account.clone(),
            symbol: s.instrument.label().to_owned(),
            isin: s.instrument.isin,
            instrument_key: s.key.instrument.clone(),
            sold_at: s.sold_at,
            quantity: s.quantity,
            proceeds: figure(s.proceeds),
            cost: figure(s.cost()),
            gain: figure(s.gain()),
            currency: s.currency,
            proceeds_base: base_figure(s.proceeds_base),
            cost_base: base_figure(s.cost_base()),
            gain_base: base_figure(s.gain_base()),
            lots: s
                .lots
                .iter()
                .map(|l| LotRow {
                    bought_at: l.bought_at,
                    quantity: l.quantity,
                    cost: figure(l.cost),
                })
                .collect(),
        }
    }
}

/// One open holding's unrealized gain.
#[derive(Debug, Clone, Serialize)]
pub struct UnrealizedRow {
    /// The broker (`null` when pooled).
    pub broker: Option<String>,
    /// The account (`null` when pooled).
    pub account: Option<String>,
    /// Ticker or asset code.
    pub symbol: String,
    /// ISIN, when known.
    pub isin: Option<Isin>,
    /// The key instruments are told apart by across brokers
    /// (`stonks::identity::instrument_key`).
    pub instrument_key: String,
    /// Units held.
    pub quantity: Decimal,
    /// Their cost.
    pub cost: Option<Decimal>,
    /// Their value at the broker's latest price.
    pub value: Option<Decimal>,
    /// `value - cost`.
    pub gain: Option<Decimal>,
    /// The currency of the three above.
    pub currency: Currency,
    /// Cost in the base currency.
    pub cost_base: Option<Decimal>,
    /// Value in the base currency at today's rate.
    pub value_base: Option<Decimal>,
    /// `value_base - cost_base`.
    pub gain_base: Option<Decimal>,
}

impl From<&HoldingRow> for UnrealizedRow {
    fn from(h: &HoldingRow) -> Self {
        UnrealizedRow {
            broker: h.broker.clone(),
            account: h.account.clone(),
            symbol: h.symbol.clone(),
            isin: h.isin,
            instrument_key: h.instrument_key.clone(),
            quantity: h.quantity,
            cost: h.cost,
            value: h.value,
            gain: h.gain,
            currency: h.currency,
            cost_base: h.cost_base,
            value_base: h.value_base,
            gain_base: h.gain_base,
        }
    }
}

/// Realized gains of one year.
#[derive(Debug, Clone, Serialize)]
pub struct YearRow {
    /// The year of the sales.
    pub year: i32,
    /// Sales in it.
    pub sales: usize,
    /// Their known gains added, in the base currency.
    pub realized_base: Decimal,
    /// Sales whose gain is unknown, left out of the sum.
    pub unknown: usize,
}

/// The sums.
#[derive(Debug, Clone, Serialize)]
pub struct GainTotals {
    /// Known realized gains (of the year asked, if one was).
    pub realized_base: Decimal,
    /// Known unrealized gains.
    pub unrealized_base: Decimal,
    /// Rows whose gain is unknown, left out of the sums.
    pub unknown: usize,
}

/// The `gains` JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct GainsReport {
    /// The currency of every `_base` figure.
    pub base_currency: Currency,
    /// The cost-basis method.
    pub method: Method,
    /// Whether lots were pooled across accounts.
    pub pooled: bool,
    /// Every sale (of the year asked, if one was), oldest first.
    pub realized: Vec<RealizedRow>,
    /// Every open holding.
    pub unrealized: Vec<UnrealizedRow>,
    /// Realized gains per year (every year).
    pub by_year: Vec<YearRow>,
    /// The sums.
    pub totals: GainTotals,
    /// What the replay could not do, and the rates it approximated.
    pub problems: Vec<String>,
}

/// What a gains report is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GainsOptions {
    /// Which lots a sale consumes.
    pub method: Method,
    /// Per account, or pooled.
    pub scope: Scope,
    /// Realized rows of this year only, when given.
    pub year: Option<i32>,
}

impl GainsReport {
    /// Realized and unrealized gains of `analysis` as `options` ask, from
    /// its replay of that method and scope.
    pub fn build(analysis: &Analysis, options: &GainsOptions) -> Self {
        let r = analysis.replayed(options.method, options.scope);
        let mut report = Self::from_replay(
            analysis.base,
            options.method,
            options.scope == Scope::Pooled,
            &r.replay,
            &r.open,
            options.year,
        );
        report.problems = r.replay.problems.iter().map(ToString::to_string).collect();
        report.problems.extend(r.replay.rate_notes.lines());
        report
    }

    /// The report of `replay` with its open holdings `open`; realized rows
    /// of `year` only when given.
    pub fn from_replay(
        base: Currency,
        method: Method,
        pooled: bool,
        replay: &Replay,
        open: &[HoldingRow],
        year: Option<i32>,
    ) -> Self {
        let mut years: BTreeMap<i32, YearRow> = BTreeMap::new();
        for s in &replay.sales {
            let y = s.sold_at.year();
            let row = years.entry(y).or_insert(YearRow {
                year: y,
                sales: 0,
                realized_base: Decimal::ZERO,
                unknown: 0,
            });
            row.sales += 1;
            // The rounded figure the rows show, so years add up to rows.
            match base_figure(s.gain_base()) {
                Some(g) => row.realized_base += g,
                None => row.unknown += 1,
            }
        }
        let realized: Vec<RealizedRow> = replay
            .sales
            .iter()
            .filter(|s| year.is_none_or(|y| s.sold_at.year() == y))
            .map(RealizedRow::of)
            .collect();
        let unrealized: Vec<UnrealizedRow> = open.iter().map(UnrealizedRow::from).collect();
        let mut totals = GainTotals {
            realized_base: Decimal::ZERO,
            unrealized_base: Decimal::ZERO,
            unknown: 0,
        };
        for r in &realized {
            match r.gain_base {
                Some(g) => totals.realized_base += g,
                None => totals.unknown += 1,
            }
        }
        for u in &unrealized {
            match u.gain_base {
                Some(g) => totals.unrealized_base += g,
                None => totals.unknown += 1,
            }
        }
        GainsReport {
            base_currency: base,
            method,
            pooled,
            realized,
            unrealized,
            by_year: years.into_values().collect(),
            totals,
            problems: Vec::new(),
        }
    }
}
