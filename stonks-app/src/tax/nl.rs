//! The Netherlands, box 3 (sparen en beleggen): what the return asks of a
//! person's brokers for one calendar year.
//!
//! * **The value on the peildatum**, 1 January: bank balances (the
//!   brokers' cash, in every currency at that day's rate) and other assets
//!   (shares, funds, bonds, crypto at that day's closes), per broker and in
//!   total. It is the value at the end of 31 December before: no exchange
//!   trades on 1 January. A holding without a close is named, never valued
//!   at 0.
//! * **The actual return** (werkelijk rendement) that the rebuttal scheme
//!   (Wet tegenbewijsregeling box 3, Kamerstukken 36 706) compares with the
//!   deemed return: direct yields (dividends gross, so with the dividend
//!   tax withheld, and interest; interest paid on a debit balance counts
//!   against them) plus the change in value of everything held, realized or
//!   not, corrected for money and securities put in or taken out. Costs are
//!   not deducted (only interest on debts is), so the fees paid in the year
//!   (trades' and others') are added back, and shown. Worked out as:
//!
//!   ```text
//!   actual return = value 1 Jan next year - value 1 Jan
//!                   - (deposits - withdrawals)
//!                   + tax withheld + costs
//!   direct        = dividends gross + interest
//!   value change  = actual return - direct
//!   ```
//!
//!   It needs the year to be over (the next 1 January's value); until then
//!   it is `null` and the report says why.
//!
//! Amounts are in euros: the app's base currency must be EUR.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use stonks::Currency;
use stonks::v2::LedgerKind;

use crate::analytics::returns::{Day, Who, daily};
use crate::analytics::{Analysis, RateCounter};

/// Box 3 of one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Box3 {
    /// 1 January of the year.
    pub peildatum: NaiveDate,
    /// Bank balances: the brokers' cash.
    pub bank: Decimal,
    /// Other assets: everything held at its close.
    pub investments: Decimal,
    /// `bank + investments`.
    pub total: Decimal,
    /// Whether everything held had a close (and every currency a rate).
    pub complete: bool,
    /// What had none, left out of the values.
    pub missing_prices: Vec<String>,
    /// The same per broker.
    pub brokers: Vec<Box3Broker>,
    /// The values on the next year's peildatum, once the year is over.
    pub next: Option<Box3Broker>,
    /// The year's actual return, once the year is over.
    pub actual_return: Option<ActualReturn>,
}

/// Values of one broker (or the total) on a peildatum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Box3Broker {
    /// The broker; `null` for the total.
    pub broker: Option<String>,
    /// Its cash.
    pub bank: Decimal,
    /// What it holds, at the day's closes.
    pub investments: Decimal,
    /// `bank + investments`.
    pub total: Decimal,
}

/// The year's actual return and what it is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActualReturn {
    /// Dividends gross and interest (net of interest paid).
    pub direct: Decimal,
    /// The change in value of what was held, realized or not.
    pub value_change: Decimal,
    /// Money and securities put in less taken out.
    pub net_deposits: Decimal,
    /// Tax withheld (dividend tax: part of the gross dividend, credited).
    pub tax_withheld: Decimal,
    /// Fees paid: trades' and others'. Not deductible; shown.
    pub costs: Decimal,
    /// `direct + value_change`.
    pub actual_return: Decimal,
}

/// Box 3 of `year` from `analysis`; the problems it met.
pub(crate) fn box3(analysis: &Analysis, year: i32) -> (Option<Box3>, Vec<String>) {
    let mut problems = Vec::new();
    if analysis.base != Currency::EUR {
        problems.push(format!(
            "box 3 is in euros: set base_currency = \"EUR\" (it is {})",
            analysis.base
        ));
        return (None, problems);
    }
    let (Some(jan1), Some(dec31)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return (None, problems);
    };
    let holds = analysis.ledger.iter().any(|(_, e)| e.instrument.is_some());
    if holds && !analysis.holdings_priced() {
        problems.push(
            "no price history is stored (run `stonks sync`): holdings have no value on the peildatum"
                .to_owned(),
        );
    }
    let mut brokers: Vec<String> = analysis.ledger.iter().map(|(b, _)| b.clone()).collect();
    brokers.sort();
    brokers.dedup();
    let mut whos = vec![Who::Total];
    whos.extend(brokers.iter().cloned().map(Who::Broker));
    let today = analysis.now.date_naive();
    if jan1 > today {
        problems.push(format!("1 January {year} has not come yet"));
        return (None, problems);
    }
    let over = dec31 < today;
    let last = if over { dec31 } else { today.max(jan1) };
    let scopes = daily(analysis, &whos, jan1, last);
    let line = |broker: Option<String>, d: &Day| Box3Broker {
        broker,
        bank: d.cash,
        investments: d.value - d.cash,
        total: d.value,
    };
    let Some((start, days)) = scopes.first() else {
        return (None, problems);
    };
    let per_broker: Vec<Box3Broker> = brokers
        .iter()
        .zip(scopes.iter().skip(1))
        .map(|(b, (s, _))| line(Some(b.clone()), s))
        .collect();
    let end = days.last().filter(|_| over);
    let actual_return = end.map(|end| {
        let sum = |f: fn(&Day) -> Decimal| days.iter().map(f).sum::<Decimal>();
        let net_deposits = sum(|d| d.inflow - d.outflow);
        let tax_withheld = sum(|d| d.taxes);
        let costs = sum(|d| d.fees) + trade_fees(analysis, jan1, dec31, &mut problems);
        let direct = sum(|d| d.income);
        let actual = end.value - start.value - net_deposits + tax_withheld + costs;
        ActualReturn {
            direct,
            value_change: actual - direct,
            net_deposits,
            tax_withheld,
            costs,
            actual_return: actual,
        }
    });
    if !over {
        problems.push(format!(
            "the actual return of {year} needs the year to be over (the value on 1 January {})",
            year + 1
        ));
    }
    if let Some(end) = end.filter(|e| !e.missing.is_empty()) {
        problems.push(format!(
            "on 1 January {} {} had no close: left out of the value",
            year + 1,
            end.missing.join(", ")
        ));
    }
    let b = Box3 {
        peildatum: jan1,
        bank: start.cash,
        investments: start.value - start.cash,
        total: start.value,
        complete: start.missing.is_empty(),
        missing_prices: start.missing.clone(),
        brokers: per_broker,
        next: end.map(|e| line(None, e)),
        actual_return,
    };
    (Some(b), problems)
}

/// The fees of the year's trades, in euros at each trade day's rate.
fn trade_fees(
    analysis: &Analysis,
    from: NaiveDate,
    to: NaiveDate,
    problems: &mut Vec<String>,
) -> Decimal {
    let counter = RateCounter::new();
    let mut total = Decimal::ZERO;
    for (_, e) in &analysis.ledger {
        let day = e.timestamp.date_naive();
        if day < from || day > to || !matches!(e.kind, LedgerKind::Buy | LedgerKind::Sell) {
            continue;
        }
        for fee in &e.fees {
            match analysis.history.convert(
                fee.amount.abs(),
                fee.currency,
                Currency::EUR,
                day,
                &counter,
            ) {
                Some(v) => total = total.checked_add(v).unwrap_or(total),
                None => problems.push(format!(
                    "a fee of {} {} on {day} has no rate: left out of the costs",
                    fee.amount, fee.currency
                )),
            }
        }
    }
    total.round_dp(2)
}
