//! Per account, per broker and in total: money in and out, current value,
//! realized and unrealized gains, dividends, interest, fees, taxes, and
//! the money-weighted return. The `performance` JSON contract.
//!
//! Time-weighted return needs a valuation on every flow's date, so price
//! history; brokers declare no such service yet, so it is not computed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use stonks::Currency;
use stonks::v2::{LedgerEntry, LedgerKind};

use super::fx::{RateCounter, RateHistory, RateNotes};
use super::holdings::HoldingRow;
use super::lots::{NO_ACCOUNT, Replay};
use super::xirr::xirr;
use super::{Analysis, base_figure};
use crate::portfolio::PortfolioReport;

/// Figures of one account, one broker, or everything.
#[derive(Debug, Clone, Serialize)]
pub struct PerformanceRow {
    /// `account`, `broker` or `total`.
    pub scope: &'static str,
    /// The broker (`null` for the total).
    pub broker: Option<String>,
    /// The account (`null` for a broker or the total).
    pub account: Option<String>,
    /// Cash deposited, base currency at each deposit's date.
    pub invested_base: Decimal,
    /// Cash withdrawn (positive).
    pub withdrawn_base: Decimal,
    /// Positions and cash now, at today's rates; `null` when not all of it
    /// has a value.
    pub value_base: Option<Decimal>,
    /// Realized gains.
    pub realized_base: Decimal,
    /// Unrealized gains of the holdings whose cost and value are known.
    pub unrealized_base: Decimal,
    /// Dividends received, gross, reversals netted.
    pub dividends_base: Decimal,
    /// Interest (signed: interest paid is negative).
    pub interest_base: Decimal,
    /// Fees paid (positive): trade fees and fee entries.
    pub fees_base: Decimal,
    /// Taxes paid (positive), withholding included.
    pub taxes_base: Decimal,
    /// Money-weighted return a year (XIRR; 0.0734 = 7.34 %).
    pub money_weighted_return: Option<Decimal>,
    /// Time-weighted return since the first entry, daily linked from the
    /// stored closes (see [`super::returns`]); `null` without a price
    /// history.
    pub time_weighted_return: Option<Decimal>,
    /// The same since 1 January.
    pub time_weighted_return_ytd: Option<Decimal>,
    /// Why a figure is missing or partial.
    pub notes: Vec<String>,
}

impl PerformanceRow {
    fn new(scope: &'static str, broker: Option<String>, account: Option<String>) -> Self {
        PerformanceRow {
            scope,
            broker,
            account,
            invested_base: Decimal::ZERO,
            withdrawn_base: Decimal::ZERO,
            value_base: Some(Decimal::ZERO),
            realized_base: Decimal::ZERO,
            unrealized_base: Decimal::ZERO,
            dividends_base: Decimal::ZERO,
            interest_base: Decimal::ZERO,
            fees_base: Decimal::ZERO,
            taxes_base: Decimal::ZERO,
            money_weighted_return: None,
            time_weighted_return: None,
            time_weighted_return_ytd: None,
            notes: Vec::new(),
        }
    }
}

/// The `performance` JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct PerformanceReport {
    /// The currency of every figure.
    pub base_currency: Currency,
    /// When the values were read.
    pub as_of: String,
    /// Every account, every broker, then the total.
    pub rows: Vec<PerformanceRow>,
    /// Figures left out, and rates approximated.
    pub problems: Vec<String>,
}

impl PerformanceReport {
    /// Performance of `analysis` per account, broker and in total, from its
    /// FIFO replay and its merged portfolio.
    pub fn build(analysis: &Analysis) -> Self {
        let mut out = Self::without_twr(analysis);
        time_weighted(analysis, &mut out.rows);
        out
    }

    /// [`Self::build`] without the time-weighted returns (no daily pass:
    /// the report has them from its own).
    pub(crate) fn without_twr(analysis: &Analysis) -> Self {
        let r = analysis.fifo();
        let mut out = report(
            &analysis.ledger,
            &r.replay,
            &r.open,
            analysis.portfolio(),
            &analysis.history,
            analysis.base,
            r.replay.rate_notes,
        );
        out.problems.extend(analysis.history.problems());
        out
    }
}

/// Each row's time-weighted return since inception and this year, all
/// rows valued in one pass; none without stored closes.
fn time_weighted(analysis: &Analysis, rows: &mut [PerformanceRow]) {
    use super::returns::{Who, daily, period_row};
    let today = analysis.now.date_naive();
    let first = analysis
        .ledger
        .iter()
        .map(|(_, e)| e.timestamp.date_naive())
        .min();
    let Some(first) = first.filter(|f| *f <= today && analysis.holdings_priced()) else {
        return;
    };
    let whos: Vec<Who> = rows
        .iter()
        .map(|r| match (&r.broker, &r.account) {
            (Some(b), Some(a)) => Who::Account(b.clone(), a.clone()),
            (Some(b), None) => Who::Broker(b.clone()),
            _ => Who::Total,
        })
        .collect();
    let jan1 = chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1)
        .unwrap_or(today)
        .max(first);
    for ((row, who), (start, days)) in rows
        .iter_mut()
        .zip(&whos)
        .zip(daily(analysis, &whos, first, today))
    {
        let all = period_row(who, "inception", &start, &days);
        let i = days.partition_point(|d| d.date < jan1);
        let before = i.checked_sub(1).map_or(&start, |k| &days[k]);
        let ytd = period_row(who, "ytd", before, &days[i..]);
        if let Some(p) = all.as_ref().filter(|p| !p.complete) {
            row.notes.push(format!(
                "time-weighted return: {} instrument(s) had no price on some days, counted as no change then",
                p.missing_prices.len()
            ));
        }
        row.time_weighted_return = all.map(|p| p.twr);
        row.time_weighted_return_ytd = ytd.map(|p| p.twr);
    }
}

/// One account's sums, and its external flows for the return.
struct Acc {
    row: PerformanceRow,
    flows: Vec<(DateTime<Utc>, Decimal)>,
    unvalued: usize,
    /// Accounts whose broker reported no position and no cash: their
    /// value is unknown, not zero.
    unreported: usize,
}

impl Acc {
    fn new(row: PerformanceRow) -> Self {
        Acc {
            row,
            flows: Vec::new(),
            unvalued: 0,
            unreported: 1,
        }
    }
}

/// The report over `ledger`, its replay and open `holdings`, with the
/// values of `portfolio` (as of its `as_of`).
pub fn report(
    ledger: &[(String, LedgerEntry)],
    replay: &Replay,
    holdings: &[HoldingRow],
    portfolio: &PortfolioReport,
    rates: &RateHistory,
    base: Currency,
    prior: RateNotes,
) -> PerformanceReport {
    let rates_used = RateCounter::new();
    let mut accounts: BTreeMap<(String, String), Acc> = BTreeMap::new();
    fn acc<'m>(
        accounts: &'m mut BTreeMap<(String, String), Acc>,
        broker: &str,
        account: Option<&str>,
    ) -> &'m mut Acc {
        let key = (broker.to_owned(), account.unwrap_or(NO_ACCOUNT).to_owned());
        accounts
            .entry(key.clone())
            .or_insert_with(|| Acc::new(PerformanceRow::new("account", Some(key.0), Some(key.1))))
    }
    let mut unknown = 0usize;
    for (broker, e) in ledger {
        let day = e.timestamp.date_naive();
        let mut in_base = |m: &stonks::Money| -> Option<Decimal> {
            if !m.currency.is_fiat() {
                return None;
            }
            let v = base_figure(rates.convert(m.amount, m.currency, base, day, &rates_used));
            if v.is_none() {
                unknown += 1;
            }
            v
        };
        let fees: Decimal = e
            .fees
            .iter()
            .filter_map(|f| in_base(f).map(|v| v.abs()))
            .sum();
        let amount = in_base(&e.amount);
        let a = acc(&mut accounts, broker, e.account.as_deref());
        let row = &mut a.row;
        row.fees_base += fees;
        let Some(v) = amount else { continue };
        match e.kind {
            LedgerKind::Deposit => {
                row.invested_base += v.abs();
                a.flows.push((e.timestamp, -v.abs()));
            }
            LedgerKind::Withdrawal => {
                row.withdrawn_base += v.abs();
                a.flows.push((e.timestamp, v.abs()));
            }
            LedgerKind::Dividend => row.dividends_base += v,
            LedgerKind::Interest => row.interest_base += v,
            LedgerKind::Fee => row.fees_base += -v,
            LedgerKind::Tax => row.taxes_base += -v,
            _ => {}
        }
    }
    for s in &replay.sales {
        let a = acc(&mut accounts, &s.broker, Some(&s.account));
        let row = &mut a.row;
        match base_figure(s.gain_base()) {
            Some(g) => row.realized_base += g,
            None => row
                .notes
                .push(format!("the gain of sale {} is unknown", s.entry)),
        }
    }
    for h in holdings {
        let Some(broker) = &h.broker else { continue };
        let a = acc(&mut accounts, broker, h.account.as_deref());
        if let Some(g) = h.gain_base {
            a.row.unrealized_base += g;
        }
    }
    for p in &portfolio.positions {
        let a = acc(&mut accounts, &p.broker, p.account.as_deref());
        a.unreported = 0;
        let row = &mut a.row;
        match p.market_value_base {
            Some(v) => row.value_base = row.value_base.map(|t| t + v),
            None => a.unvalued += 1,
        }
    }
    for c in &portfolio.cash {
        let a = acc(&mut accounts, &c.broker, c.account.as_deref());
        a.unreported = 0;
        let row = &mut a.row;
        match c.amount_base {
            Some(v) => row.value_base = row.value_base.map(|t| t + v),
            None => a.unvalued += 1,
        }
    }
    let as_of = portfolio
        .as_of
        .parse::<DateTime<Utc>>()
        .unwrap_or_else(|_| Utc::now());

    let mut rows = Vec::new();
    let mut brokers: BTreeMap<String, Acc> = BTreeMap::new();
    let mut total = Acc::new(PerformanceRow::new("total", None, None));
    total.unreported = 0;
    for ((broker, _), a) in accounts {
        let b = brokers.entry(broker.clone()).or_insert_with(|| {
            let mut b = Acc::new(PerformanceRow::new("broker", Some(broker.clone()), None));
            b.unreported = 0;
            b
        });
        add(b, &a);
        add(&mut total, &a);
        rows.push(finish(a, as_of));
    }
    rows.extend(brokers.into_values().map(|b| finish(b, as_of)));
    rows.push(finish(total, as_of));
    let mut problems = (prior + rates_used.notes()).lines();
    if unknown > 0 {
        problems.push(format!(
            "{unknown} amounts have no rate to {base} on their date and are left out of the sums"
        ));
    }
    PerformanceReport {
        base_currency: base,
        as_of: portfolio.as_of.clone(),
        rows,
        problems,
    }
}

/// Adds account `a` into the broker or total `into`.
fn add(into: &mut Acc, a: &Acc) {
    let (t, r) = (&mut into.row, &a.row);
    t.invested_base += r.invested_base;
    t.withdrawn_base += r.withdrawn_base;
    t.value_base = t.value_base.zip(r.value_base).map(|(x, y)| x + y);
    t.realized_base += r.realized_base;
    t.unrealized_base += r.unrealized_base;
    t.dividends_base += r.dividends_base;
    t.interest_base += r.interest_base;
    t.fees_base += r.fees_base;
    t.taxes_base += r.taxes_base;
    into.flows.extend_from_slice(&a.flows);
    into.unvalued += a.unvalued;
    into.unreported += a.unreported;
}

/// The row with its return: the flows and the value now.
fn finish(mut a: Acc, as_of: DateTime<Utc>) -> PerformanceRow {
    let mut row = a.row;
    if a.unreported > 0 {
        row.notes.push(format!(
            "{} account{} report{} no positions or cash: value unknown",
            a.unreported,
            if a.unreported == 1 { "" } else { "s" },
            if a.unreported == 1 { "s" } else { "" }
        ));
        row.value_base = None;
    }
    if a.unvalued > 0 {
        row.notes.push(format!(
            "{} holding{} without a value in the base currency: value unknown",
            a.unvalued,
            if a.unvalued == 1 { "" } else { "s" }
        ));
        row.value_base = None;
    }
    match row.value_base {
        Some(value) => {
            a.flows.push((as_of, value));
            match xirr(&a.flows) {
                Ok(r) => row.money_weighted_return = Some(r),
                Err(why) => row.notes.push(why.to_string()),
            }
        }
        None => row
            .notes
            .push("no money-weighted return without the current value".to_owned()),
    }
    row
}
