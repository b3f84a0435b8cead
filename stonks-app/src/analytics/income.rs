//! Dividends gross, their withholding, net; reversals netted with what
//! they reverse; interest, staking rewards, fees and taxes as lines; all per
//! year, month, instrument or broker in the base currency at the payment
//! date's rate; yield on cost per open holding. The `dividends` JSON
//! contract.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use stonks::v2::{LedgerEntry, LedgerKind};
use stonks::{Currency, Isin};

use super::fx::{RateCounter, RateHistory, RateNotes};
use super::holdings::HoldingRow;
use super::lots::{NO_ACCOUNT, identity};
use super::{Analysis, Inputs, base_figure, figure};

/// How dividends and income lines are grouped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// Calendar year of payment (the default).
    #[default]
    Year,
    /// Month of payment (`2024-03`).
    Month,
    /// Instrument (ISIN, else symbol).
    Instrument,
    /// Broker.
    Broker,
}

impl FromStr for GroupBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "year" => Ok(GroupBy::Year),
            "month" => Ok(GroupBy::Month),
            "instrument" => Ok(GroupBy::Instrument),
            "broker" => Ok(GroupBy::Broker),
            other => Err(format!(
                "{other:?}: group by year, month, instrument or broker"
            )),
        }
    }
}

/// One dividend payment with its withholding and reversals netted in.
#[derive(Debug, Clone, Serialize)]
pub struct DividendRow {
    /// The broker.
    pub broker: String,
    /// The account.
    pub account: String,
    /// The dividend entry's id.
    pub id: String,
    /// Ticker or asset code.
    pub symbol: Option<String>,
    /// ISIN, when known.
    pub isin: Option<Isin>,
    /// The key instruments are told apart by across brokers
    /// (`stonks::identity::instrument_key`).
    pub instrument_key: Option<String>,
    /// When it was paid.
    pub paid_at: DateTime<Utc>,
    /// The currency of `gross`, `tax` and `net`.
    pub currency: Currency,
    /// Gross dividend, reversals netted.
    pub gross: Decimal,
    /// Withholding tax linked to it (negative).
    pub tax: Decimal,
    /// `gross + tax`.
    pub net: Decimal,
    /// Gross in the base currency at the payment date's rate.
    pub gross_base: Option<Decimal>,
    /// Tax in the base currency.
    pub tax_base: Option<Decimal>,
    /// Net in the base currency.
    pub net_base: Option<Decimal>,
    /// Entries netted into it: withholdings and reversals.
    pub linked: Vec<String>,
}

/// Dividends of one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    /// The year, month, instrument or broker.
    pub key: String,
    /// Payments in it.
    pub payments: usize,
    /// Gross, base currency.
    pub gross_base: Decimal,
    /// Withholding, base currency (negative).
    pub tax_base: Decimal,
    /// Net, base currency.
    pub net_base: Decimal,
    /// Payments whose base value is unknown, left out of the sums.
    pub unknown: usize,
}

/// Another income or cost line of one group.
#[derive(Debug, Clone, Serialize)]
pub struct IncomeLine {
    /// The year, month, instrument or broker.
    pub key: String,
    /// `interest`, `staking_reward`, `fee` or `tax` (a tax not linked to a
    /// dividend).
    pub kind: String,
    /// Entries.
    pub entries: usize,
    /// Their sum in the base currency (signed: costs negative).
    pub amount_base: Decimal,
    /// Entries with no value in the base currency (a reward paid in a
    /// coin, a missing rate), left out of the sum.
    pub unknown: usize,
}

/// Dividends of the last twelve months against an open holding's cost.
#[derive(Debug, Clone, Serialize)]
pub struct YieldRow {
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
    /// Net dividends of the last 365 days, base currency.
    pub net_12m_base: Decimal,
    /// The open lots' cost, base currency.
    pub cost_base: Option<Decimal>,
    /// `net_12m_base / cost_base` (0.0345 is 3.45 %).
    pub yield_on_cost: Option<Decimal>,
}

/// The sums.
#[derive(Debug, Clone, Serialize)]
pub struct DividendTotals {
    /// Gross, base currency.
    pub gross_base: Decimal,
    /// Withholding, base currency.
    pub tax_base: Decimal,
    /// Net, base currency.
    pub net_base: Decimal,
    /// Payments with an unknown base value, left out.
    pub unknown: usize,
}

/// The `dividends` JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct DividendReport {
    /// The currency of every `_base` figure.
    pub base_currency: Currency,
    /// How `groups` and `income` are grouped.
    pub by: GroupBy,
    /// Every payment (of the year asked, if one was), oldest first.
    pub dividends: Vec<DividendRow>,
    /// Dividends per group.
    pub groups: Vec<GroupRow>,
    /// Interest, rewards, fees and unlinked taxes per group.
    pub income: Vec<IncomeLine>,
    /// Yield on cost per open holding that paid in the last year.
    pub yield_on_cost: Vec<YieldRow>,
    /// The sums.
    pub totals: DividendTotals,
    /// What could not be linked or valued.
    pub problems: Vec<String>,
}

/// What a dividends report is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DividendOptions {
    /// How groups and income are grouped.
    pub by: GroupBy,
    /// Payments of this year only, when given.
    pub year: Option<i32>,
}

impl DividendReport {
    /// Dividends and income of `analysis` as `options` ask; yield on cost
    /// from its FIFO replay's open holdings, whose rate notes it repeats.
    pub fn build(analysis: &Analysis, options: &DividendOptions) -> Self {
        let r = analysis.fifo();
        report(analysis, options, &r.open, r.replay.rate_notes)
    }
}

/// Where an entry belongs for linking: broker, account, instrument.
type Holder = (String, String, String);

fn holder(broker: &str, e: &LedgerEntry) -> Option<Holder> {
    Some((
        broker.to_owned(),
        e.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned()),
        identity(broker, e.instrument.as_ref()?),
    ))
}

/// How far a withholding without a link may be from its dividend.
const TAX_WINDOW_DAYS: i64 = 7;

struct Builder<'a> {
    base: Currency,
    rates: &'a RateHistory,
    /// What this report's conversions had to do.
    rates_used: RateCounter,
    rows: Vec<DividendRow>,
    by_id: HashMap<(String, String), usize>,
    by_holder: HashMap<Holder, Vec<usize>>,
    problems: Vec<String>,
}

impl Builder<'_> {
    fn to_base(&self, amount: Decimal, currency: Currency, at: DateTime<Utc>) -> Option<Decimal> {
        self.rates.convert(
            amount,
            currency,
            self.base,
            at.date_naive(),
            &self.rates_used,
        )
    }

    fn dividend(&mut self, broker: &str, e: &LedgerEntry) {
        let i = self.rows.len();
        self.rows.push(DividendRow {
            broker: broker.to_owned(),
            account: e.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned()),
            id: e.id.clone(),
            symbol: e.instrument.as_ref().map(|i| i.label().to_owned()),
            isin: e.instrument.as_ref().and_then(|i| i.isin),
            instrument_key: e.instrument.as_ref().map(|i| i.key(broker)),
            paid_at: e.timestamp,
            currency: e.amount.currency,
            gross: e.amount.amount,
            tax: Decimal::ZERO,
            net: Decimal::ZERO,
            gross_base: None,
            tax_base: None,
            net_base: None,
            linked: Vec::new(),
        });
        self.by_id.insert((broker.to_owned(), e.id.clone()), i);
        if let Some(h) = holder(broker, e) {
            self.by_holder.entry(h).or_default().push(i);
        }
    }

    /// The dividend `e` belongs to: its link, else the holder's dividend
    /// nearest in time within the window (for a reversal: an earlier one of
    /// the opposite amount).
    fn target(&self, broker: &str, e: &LedgerEntry, reversal: bool) -> Option<usize> {
        if let Some(link) = &e.belongs_to
            && let Some(&i) = self.by_id.get(&(broker.to_owned(), link.clone()))
        {
            return Some(i);
        }
        let candidates = self.by_holder.get(&holder(broker, e)?)?;
        if reversal {
            return candidates.iter().rev().copied().find(|&i| {
                let d = &self.rows[i];
                d.paid_at <= e.timestamp
                    && d.gross == -e.amount.amount
                    && d.currency == e.amount.currency
            });
        }
        candidates
            .iter()
            .copied()
            .filter(|&i| (self.rows[i].paid_at - e.timestamp).abs() <= TAX_WINDOW_DAYS_DELTA)
            .min_by_key(|&i| (self.rows[i].paid_at - e.timestamp).abs())
    }

    /// Adds `amount` (in `currency`) to row `i`'s gross or tax.
    fn net_into(&mut self, i: usize, e: &LedgerEntry, tax: bool) {
        let row_currency = self.rows[i].currency;
        let amount = if e.amount.currency == row_currency {
            Some(e.amount.amount)
        } else {
            self.rates.convert(
                e.amount.amount,
                e.amount.currency,
                row_currency,
                e.timestamp.date_naive(),
                &self.rates_used,
            )
        };
        let Some(amount) = amount else {
            self.problems.push(format!(
                "{} {} of {} {} cannot be netted into dividend {}: no rate to {row_currency}",
                e.kind, e.id, e.amount.amount, e.amount.currency, self.rows[i].id
            ));
            return;
        };
        let row = &mut self.rows[i];
        if tax {
            row.tax += amount;
        } else {
            row.gross += amount;
        }
        row.linked.push(e.id.clone());
    }

    fn finish(&mut self) {
        for i in 0..self.rows.len() {
            let (gross, tax, currency, at) = {
                let r = &self.rows[i];
                (r.gross, r.tax, r.currency, r.paid_at)
            };
            let gross_base = self.to_base(gross, currency, at);
            let tax_base = self.to_base(tax, currency, at);
            let r = &mut self.rows[i];
            r.net = gross + tax;
            r.gross_base = base_figure(gross_base);
            r.tax_base = base_figure(tax_base);
            r.net_base = r.gross_base.zip(r.tax_base).map(|(g, t)| g + t);
            r.gross = figure(Some(gross)).unwrap_or(gross);
            r.tax = figure(Some(tax)).unwrap_or(tax);
            r.net = figure(Some(r.net)).unwrap_or(r.net);
        }
    }
}

const TAX_WINDOW_DAYS_DELTA: TimeDelta = TimeDelta::days(TAX_WINDOW_DAYS);

fn group_key(by: GroupBy, broker: &str, at: DateTime<Utc>, instrument_key: Option<&str>) -> String {
    match by {
        GroupBy::Year => at.year().to_string(),
        GroupBy::Month => format!("{:04}-{:02}", at.year(), at.month()),
        GroupBy::Broker => broker.to_owned(),
        // One group per instrument across brokers, whatever each calls it.
        GroupBy::Instrument => instrument_key.unwrap_or("(none)").to_owned(),
    }
}

/// The report of `ledger` (broker, entry; any order) grouped `by`, the
/// payments of `year` only when given; yields against `open` holdings as of
/// `now`.
fn report(
    inputs: &Inputs,
    options: &DividendOptions,
    open: &[HoldingRow],
    prior: RateNotes,
) -> DividendReport {
    let Inputs {
        ledger,
        history: rates,
        base,
        now,
        ..
    } = inputs;
    let (base, now) = (*base, *now);
    let DividendOptions { by, year } = *options;
    let mut order: Vec<&(String, LedgerEntry)> = ledger.iter().collect();
    order.sort_by(|a, b| (a.1.timestamp, &a.0, &a.1.id).cmp(&(b.1.timestamp, &b.0, &b.1.id)));
    let mut b = Builder {
        base,
        rates,
        rates_used: RateCounter::new(),
        rows: Vec::new(),
        by_id: HashMap::new(),
        by_holder: HashMap::new(),
        problems: Vec::new(),
    };
    // Dividends first (a withholding may come before its dividend), then
    // reversals and withholdings netted into them.
    for (broker, e) in &order {
        if e.kind == LedgerKind::Dividend && e.amount.amount >= Decimal::ZERO {
            b.dividend(broker, e);
        }
    }
    let mut lines: BTreeMap<(String, String), IncomeLine> = BTreeMap::new();
    for (broker, e) in &order {
        let reversal = e.kind == LedgerKind::Dividend && e.amount.amount < Decimal::ZERO;
        let is_tax = e.kind == LedgerKind::Tax;
        if reversal || is_tax {
            match b.target(broker, e, reversal) {
                Some(i) => {
                    b.net_into(i, e, is_tax);
                    continue;
                }
                None if reversal => {
                    b.problems.push(format!(
                        "{broker} dividend reversal {} of {} {} matches no earlier dividend: kept as a negative payment",
                        e.id, e.amount.amount, e.amount.currency
                    ));
                    b.dividend(broker, e);
                    continue;
                }
                None => {}
            }
        }
        let kind = match &e.kind {
            LedgerKind::Interest => "interest",
            LedgerKind::StakingReward => "staking_reward",
            LedgerKind::Fee => "fee",
            LedgerKind::Tax => "tax",
            _ => continue,
        };
        if year.is_some_and(|y| e.timestamp.year() != y) {
            continue;
        }
        let instrument_key = e.instrument.as_ref().map(|i| i.key(broker));
        let key = group_key(by, broker, e.timestamp, instrument_key.as_deref());
        let line = lines
            .entry((key.clone(), kind.to_owned()))
            .or_insert_with(|| IncomeLine {
                key,
                kind: kind.to_owned(),
                entries: 0,
                amount_base: Decimal::ZERO,
                unknown: 0,
            });
        line.entries += 1;
        // A reward paid in a coin has no rate here: its value is unknown.
        let value = e.amount.currency.is_fiat().then(|| {
            rates.convert(
                e.amount.amount,
                e.amount.currency,
                base,
                e.timestamp.date_naive(),
                &b.rates_used,
            )
        });
        match base_figure(value.flatten()) {
            Some(v) => line.amount_base += v,
            None => line.unknown += 1,
        }
    }
    b.finish();

    let mut groups: BTreeMap<String, GroupRow> = BTreeMap::new();
    let mut totals = DividendTotals {
        gross_base: Decimal::ZERO,
        tax_base: Decimal::ZERO,
        net_base: Decimal::ZERO,
        unknown: 0,
    };
    let rows: Vec<DividendRow> = b
        .rows
        .into_iter()
        .filter(|r| year.is_none_or(|y| r.paid_at.year() == y))
        .collect();
    for r in &rows {
        let key = group_key(by, &r.broker, r.paid_at, r.instrument_key.as_deref());
        let g = groups.entry(key.clone()).or_insert_with(|| GroupRow {
            key,
            payments: 0,
            gross_base: Decimal::ZERO,
            tax_base: Decimal::ZERO,
            net_base: Decimal::ZERO,
            unknown: 0,
        });
        g.payments += 1;
        match (r.gross_base, r.tax_base, r.net_base) {
            (Some(gross), Some(tax), Some(net)) => {
                g.gross_base += gross;
                g.tax_base += tax;
                g.net_base += net;
                totals.gross_base += gross;
                totals.tax_base += tax;
                totals.net_base += net;
            }
            _ => {
                g.unknown += 1;
                totals.unknown += 1;
            }
        }
    }
    let yield_on_cost = yields(&rows, open, now);
    let mut problems = b.problems;
    problems.extend((prior + b.rates_used.notes()).lines());
    DividendReport {
        base_currency: base,
        by,
        dividends: rows,
        groups: groups.into_values().collect(),
        income: lines.into_values().collect(),
        yield_on_cost,
        totals,
        problems,
    }
}

/// Net dividends of the last 365 days per open holding, against its cost.
fn yields(rows: &[DividendRow], open: &[HoldingRow], now: DateTime<Utc>) -> Vec<YieldRow> {
    let since = now - TimeDelta::days(365);
    open.iter()
        .filter_map(|h| {
            let net: Decimal = rows
                .iter()
                .filter(|r| r.paid_at >= since && r.paid_at <= now)
                .filter(|r| h.broker.as_deref().is_none_or(|b| b == r.broker))
                .filter(|r| h.account.as_deref().is_none_or(|a| a == r.account))
                .filter(|r| r.instrument_key.as_deref() == Some(h.instrument_key.as_str()))
                .filter_map(|r| r.net_base)
                .sum();
            (!net.is_zero()).then(|| YieldRow {
                broker: h.broker.clone(),
                account: h.account.clone(),
                symbol: h.symbol.clone(),
                isin: h.isin,
                instrument_key: h.instrument_key.clone(),
                net_12m_base: net,
                cost_base: h.cost_base,
                yield_on_cost: h
                    .cost_base
                    .filter(|c| *c > Decimal::ZERO)
                    .and_then(|c| net.checked_div(c))
                    .map(|y| y.round_dp(4)),
            })
        })
        .collect()
}
