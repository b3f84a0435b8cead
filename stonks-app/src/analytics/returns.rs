//! How am I doing: daily values, the time-weighted return (daily linked,
//! as Portfolio Performance defines it), the money-weighted return (XIRR)
//! of a period, the worst drawdown and the volatility, per account, broker
//! and in total.
//!
//! A day's value is the holdings at that day's closes (see
//! [`super::valuation`]) plus the cash the ledger adds up to, in the base
//! currency at that day's rate. External flows are deposits and
//! withdrawals, cash transfers, and securities transferred in or out at
//! that day's close. The day's return is
//!
//! ```text
//! r_t = (V_t + out_t) / (V_{t-1} + in_t) - 1
//! ```
//!
//! (inflows at the start of the day, outflows at its end); a day with no
//! capital at its start (`V_{t-1} + in_t <= 0`) contributes 0, so a full
//! exit is not -100 % and a new account's first day divides by nothing.
//! Values leave out holdings without a price (or rate); a day whose set of
//! such holdings differs from the day before's (a price starts or stops)
//! contributes 0 rather than reading the change as a gain or a loss, and
//! the period says which instruments lacked a price. A holding never
//! priced (a coin no source knows) leaves the others' returns intact.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, TimeDelta};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::Analysis;
pub use super::daily::{Day, Who, daily};
use super::lots::NO_ACCOUNT;
use super::xirr::xirr;

/// The return of one day (see the module docs).
pub fn day_return(previous: Decimal, day: &Day) -> Decimal {
    let capital = previous + day.inflow;
    if capital <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    (day.value + day.outflow)
        .checked_div(capital)
        .map_or(Decimal::ZERO, |x| x - Decimal::ONE)
}

/// Each of `days` with its return, linked from the day `before` them: a
/// day whose set of holdings without a price differs from the day
/// before's counts 0 (see the module docs).
fn linked<'a>(before: &'a Day, days: &'a [Day]) -> impl Iterator<Item = (&'a Day, Decimal)> + 'a {
    let mut previous = before;
    days.iter().map(move |d| {
        let r = if d.missing == previous.missing {
            day_return(previous.value, d)
        } else {
            Decimal::ZERO
        };
        previous = d;
        (d, r)
    })
}

/// One period's figures for one scope.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnRow {
    /// `total`, `broker` or `account`.
    pub scope: &'static str,
    /// The broker, or `broker/account`; `null` for the total.
    pub id: Option<String>,
    /// The period's name (`inception`, `ytd`, `1y`, `2024`, `custom`).
    pub period: String,
    /// Its first day.
    pub start: NaiveDate,
    /// Its last day.
    pub end: NaiveDate,
    /// The value at the end of the day before `start`.
    pub start_value: Decimal,
    /// The value at the end of `end`.
    pub end_value: Decimal,
    /// Inflows less outflows.
    pub net_flows: Decimal,
    /// Time-weighted return (`0.0534` is 5.34 %).
    pub twr: Decimal,
    /// Per year, for periods of a year or more.
    pub twr_annualized: Option<Decimal>,
    /// Money-weighted return per year (XIRR), when there is one.
    pub mwr: Option<Decimal>,
    /// The deepest fall of the time-weighted index (`-0.2` is -20 %).
    pub max_drawdown: Option<Drawdown>,
    /// Annualised standard deviation of the daily returns.
    pub volatility: Option<Decimal>,
    /// Whether every holding had a price on every day.
    pub complete: bool,
    /// Instrument keys without a price on some day.
    pub missing_prices: Vec<String>,
    /// The benchmark's return over the same days (`null` without a
    /// benchmark, or without its closes).
    pub benchmark_twr: Option<Decimal>,
    /// How the value got from `start_value` to `end_value`.
    pub change: Change,
}

/// A period's change in value, explained: `start_value + net_flows +
/// realized + unrealized + income - fees - taxes + currency + residual =
/// end_value`. A trade's fees are in its cost or proceeds (so in
/// `realized` or `unrealized`); `fees` are the others (custody, a
/// transfer's). `unrealized` is the change in the priced holdings' value
/// over their cost, less what arrived with units transferred in (their
/// value at the day's close less the cost they carried). `currency` is the
/// gain on cash held in other currencies as the rates moved. The residual
/// is what none of these explains: holdings without a price or without a
/// known cost, and cents of rounding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Gains realized by sales in the period.
    pub realized: Decimal,
    /// The change in unrealized gains of what is held.
    pub unrealized: Decimal,
    /// Dividends and interest.
    pub income: Decimal,
    /// Fees outside trades.
    pub fees: Decimal,
    /// Taxes, withholding included.
    pub taxes: Decimal,
    /// The currency gain on cash.
    pub currency: Decimal,
    /// What is left over.
    pub residual: Decimal,
}

/// The worst fall from a peak of the time-weighted index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drawdown {
    /// Its depth (negative).
    pub depth: Decimal,
    /// The peak it fell from.
    pub peak: NaiveDate,
    /// The lowest day.
    pub trough: NaiveDate,
    /// The first day back at the peak, if any.
    pub recovery: Option<NaiveDate>,
}

/// The figures of `days` as one period, starting from the day `before`
/// it (its value, and the holdings without a price then).
pub fn period_row(who: &Who, period: &str, before: &Day, days: &[Day]) -> Option<ReturnRow> {
    let start_value = before.value;
    let (first, last) = (days.first()?, days.last()?);
    let mut index = Decimal::ONE;
    let (mut peak, mut peak_day) = (Decimal::ONE, first.date);
    let mut worst: Option<Drawdown> = None;
    let mut returns: Vec<f64> = Vec::with_capacity(days.len());
    let mut missing: BTreeSet<&str> = BTreeSet::new();
    let mut flows: Vec<(chrono::DateTime<chrono::Utc>, Decimal)> = Vec::new();
    let at = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default()
    };
    if start_value > Decimal::ZERO {
        flows.push((at(first.date), -start_value));
    }
    let mut net = Decimal::ZERO;
    let mut change = Change {
        unrealized: last.unrealized - before.unrealized,
        ..Change::default()
    };
    for (d, r) in linked(before, days) {
        change.realized += d.realized;
        change.unrealized -= d.unrealized_moved;
        change.income += d.income;
        change.fees += d.fees;
        change.taxes += d.taxes;
        change.currency += d.cash_fx;
        missing.extend(d.missing.iter().map(String::as_str));
        index = (index * (Decimal::ONE + r)).round_dp(12);
        returns.push(r.to_f64().unwrap_or(0.0));
        if index > peak {
            peak = index;
            peak_day = d.date;
            if let Some(w) = worst.as_mut().filter(|w| w.recovery.is_none()) {
                w.recovery = Some(d.date);
            }
        } else if peak > Decimal::ZERO {
            let depth = (index / peak - Decimal::ONE).round_dp(6);
            if depth < worst.as_ref().map_or(Decimal::ZERO, |w| w.depth) {
                worst = Some(Drawdown {
                    depth,
                    peak: peak_day,
                    trough: d.date,
                    recovery: None,
                });
            }
        }
        net += d.inflow - d.outflow;
        if !d.inflow.is_zero() {
            flows.push((at(d.date), -d.inflow));
        }
        if !d.outflow.is_zero() {
            flows.push((at(d.date), d.outflow));
        }
    }
    if last.value > Decimal::ZERO {
        let end = last.date.succ_opt().unwrap_or(last.date);
        flows.push((at(end), last.value));
    }
    let span = (last.date - first.date).num_days() + 1;
    let twr = (index - Decimal::ONE).round_dp(6);
    let twr_annualized = (span >= 365)
        .then(|| {
            let growth = index.to_f64()?;
            let years = span as f64 / 365.0;
            Decimal::from_f64_retain(growth.powf(1.0 / years) - 1.0).map(|x| x.round_dp(6))
        })
        .flatten();
    let volatility = (returns.len() >= 2).then(|| {
        let n = returns.len() as f64;
        let mean = returns.iter().sum::<f64>() / n;
        let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
        Decimal::from_f64_retain(var.sqrt() * 365f64.sqrt()).map(|x| x.round_dp(6))
    });
    change.residual = last.value
        - (start_value + net + change.realized + change.unrealized + change.income
            - change.fees
            - change.taxes
            + change.currency);
    Some(ReturnRow {
        scope: who.scope(),
        id: who.id(),
        period: period.to_owned(),
        start: first.date,
        end: last.date,
        start_value,
        end_value: last.value,
        net_flows: net,
        twr,
        twr_annualized,
        mwr: xirr(&flows).ok(),
        max_drawdown: worst,
        volatility: volatility.flatten(),
        complete: missing.is_empty(),
        missing_prices: missing.into_iter().map(str::to_owned).collect(),
        benchmark_twr: None,
        change,
    })
}

/// The periods of a report ending `today` whose history starts `inception`:
/// since inception, YTD, 1, 3 and 5 years (when the history is that long)
/// and each calendar year.
pub fn periods(inception: NaiveDate, today: NaiveDate) -> Vec<(String, NaiveDate, NaiveDate)> {
    let mut out = vec![("inception".to_owned(), inception, today)];
    let jan1 = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    out.push(("ytd".to_owned(), jan1.max(inception), today));
    for years in [1, 3, 5] {
        if let Some(start) = today.with_year(today.year() - years)
            && start >= inception
        {
            out.push((format!("{years}y"), start + TimeDelta::days(1), today));
        }
    }
    for year in inception.year()..=today.year() {
        let (Some(a), Some(b)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            continue;
        };
        out.push((year.to_string(), a.max(inception), b.min(today)));
    }
    out
}

/// The `returns` JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnsReport {
    /// The base currency of every value.
    pub currency: stonks::Currency,
    /// The first day of the longest period.
    pub from: Option<NaiveDate>,
    /// Its last day.
    pub to: Option<NaiveDate>,
    /// One row per scope and period.
    pub rows: Vec<ReturnRow>,
    /// The total's daily series over the longest period: value, net
    /// invested, and the time-weighted index.
    pub series: Vec<SeriesPoint>,
    /// The benchmark over the longest period, when one is named.
    pub benchmark: Option<BenchmarkFigures>,
    /// What could not be valued.
    pub problems: Vec<String>,
}

/// The benchmark over the longest period.
#[derive(Debug, Clone, Serialize)]
pub struct BenchmarkFigures {
    /// As the user named it.
    pub id: String,
    /// The key its closes are stored under.
    pub key: String,
    /// Its return: the close (in the base currency) at the end over the
    /// close the day before the start, less 1; `null` when either is
    /// unknown.
    pub twr: Option<Decimal>,
    /// What the total's own flows would be worth at the end had each been
    /// invested in it (and each outflow sold of it) at that day's close,
    /// the start value included; `null` when a close on a flow's day is
    /// unknown.
    pub value_of_flows: Option<Decimal>,
}

/// One day of the total.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesPoint {
    /// The day.
    pub date: NaiveDate,
    /// Its value.
    pub value: Decimal,
    /// Inflows less outflows up to it.
    pub net_invested: Decimal,
    /// 1 at the start, times each day's `1 + r`.
    pub twr_index: Decimal,
    /// The benchmark's close over its close the day before the start
    /// (`null` without one that day).
    pub benchmark_index: Option<Decimal>,
    /// How many holdings (and cash currencies) had no price or rate that
    /// day: the value leaves them out.
    pub unpriced: usize,
}

/// What a returns report covers.
#[derive(Debug, Clone, Default)]
pub struct ReturnsOptions {
    /// One period by name (`inception`, `ytd`, `1y`, `3y`, `5y`, a year);
    /// `None` for all.
    pub period: Option<String>,
    /// A period of its own.
    pub from: Option<NaiveDate>,
    /// Its last day (default today).
    pub to: Option<NaiveDate>,
    /// `total`, `broker` or `account`.
    pub by: By,
    /// What the returns are shown beside.
    pub benchmark: Option<crate::benchmark::Benchmark>,
}

/// The scopes rows are given for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum By {
    /// Only the total.
    #[default]
    Total,
    /// Each broker, and the total.
    Broker,
    /// Each account, each broker and the total.
    Account,
}

impl ReturnsReport {
    /// The returns of `analysis` as `options` ask.
    pub fn build(analysis: &Analysis, options: &ReturnsOptions) -> Self {
        let today = analysis.now.date_naive();
        let mut problems = Vec::new();
        if !analysis.holdings_priced() {
            problems.push(
                "no price history is stored (run `stonks sync`): holdings have no value on past days"
                    .to_owned(),
            );
        }
        let Some(inception) = analysis
            .ledger
            .iter()
            .map(|(_, e)| e.timestamp.date_naive())
            .min()
        else {
            return ReturnsReport {
                currency: analysis.base,
                from: None,
                to: None,
                rows: Vec::new(),
                series: Vec::new(),
                benchmark: None,
                problems,
            };
        };
        let mut whos = vec![Who::Total];
        let mut accounts: BTreeSet<(String, String)> = BTreeSet::new();
        for (b, e) in &analysis.ledger {
            accounts.insert((
                b.clone(),
                e.account.clone().unwrap_or_else(|| NO_ACCOUNT.to_owned()),
            ));
        }
        if options.by != By::Total {
            let brokers: BTreeSet<&String> = accounts.iter().map(|(b, _)| b).collect();
            whos.extend(brokers.into_iter().map(|b| Who::Broker(b.clone())));
        }
        if options.by == By::Account {
            whos.extend(
                accounts
                    .iter()
                    .map(|(b, a)| Who::Account(b.clone(), a.clone())),
            );
        }
        let periods: Vec<(String, NaiveDate, NaiveDate)> = match (options.from, &options.period) {
            (Some(from), _) => vec![("custom".to_owned(), from, options.to.unwrap_or(today))],
            (None, Some(p)) => periods(inception, today)
                .into_iter()
                .filter(|(name, ..)| name == p)
                .collect(),
            (None, None) => periods(inception, today),
        };
        let widest = (
            periods.iter().map(|p| p.1).min().unwrap_or(inception),
            periods.iter().map(|p| p.2).max().unwrap_or(today),
        );
        let mut rows = Vec::new();
        let mut series = Vec::new();
        let mut benchmark = None;
        // The benchmark's closes in the base currency: the day before the
        // widest period, then each of its days.
        let closes: Option<(Option<Decimal>, Vec<Option<Decimal>>)> =
            options.benchmark.as_ref().map(|b| {
                let close = |d: NaiveDate| benchmark_close(analysis, &b.key, d);
                let days = widest.0.iter_days().take_while(|d| *d <= widest.1);
                (
                    close(widest.0 - TimeDelta::days(1)),
                    days.map(close).collect(),
                )
            });
        if let Some(b) = &options.benchmark
            && analysis.prices().series(&b.key).is_none()
        {
            problems.push(format!(
                "benchmark {}: no closes are stored under {} (`stonks sync` fetches them)",
                b.id, b.key
            ));
        }
        for (who, (start, all)) in whos.iter().zip(daily(analysis, &whos, widest.0, widest.1)) {
            if *who == Who::Total {
                series = total_series(&start, &all);
                if let (Some(b), Some((first, closes))) = (&options.benchmark, &closes) {
                    for (point, close) in series.iter_mut().zip(closes) {
                        point.benchmark_index = close
                            .zip(*first)
                            .and_then(|(c, f)| c.checked_div(f))
                            .map(|x| x.round_dp(6));
                    }
                    benchmark = Some(BenchmarkFigures {
                        id: b.id.clone(),
                        key: b.key.clone(),
                        twr: growth(*first, closes.last().copied().flatten()),
                        value_of_flows: value_of_flows(&start, &all, *first, closes),
                    });
                }
            }
            for (name, from, to) in &periods {
                let i = all.partition_point(|d| d.date < *from);
                let j = all.partition_point(|d| d.date <= *to);
                let before = i.checked_sub(1).map_or(&start, |k| &all[k]);
                if let Some(mut row) = period_row(who, name, before, &all[i..j]) {
                    if let Some((first, closes)) = &closes {
                        let at = |k: Option<usize>| {
                            k.map_or(*first, |k| closes.get(k).copied().flatten())
                        };
                        row.benchmark_twr = growth(at(i.checked_sub(1)), at(j.checked_sub(1)));
                    }
                    rows.push(row);
                }
            }
        }
        ReturnsReport {
            currency: analysis.base,
            from: Some(widest.0),
            to: Some(widest.1),
            rows,
            series,
            benchmark,
            problems,
        }
    }
}

/// The benchmark's close on `day` (carried over at most a week) in the
/// base currency at that day's rate.
fn benchmark_close(analysis: &Analysis, key: &str, day: NaiveDate) -> Option<Decimal> {
    let p = analysis.prices().close_on(key, day)?;
    let counter = super::RateCounter::new();
    analysis
        .history
        .convert(p.close, p.currency, analysis.base, day, &counter)
}

/// `to / from - 1`, six places.
fn growth(from: Option<Decimal>, to: Option<Decimal>) -> Option<Decimal> {
    let r = to?.checked_div(from.filter(|f| *f > Decimal::ZERO)?)? - Decimal::ONE;
    Some(r.round_dp(6))
}

/// What `start`'s value and each day's flows would be worth at the end
/// of `days` had they bought (or sold) the benchmark at each day's close
/// (`closes[k]` is day `k`'s, `first` the day before's).
fn value_of_flows(
    start: &Day,
    days: &[Day],
    first: Option<Decimal>,
    closes: &[Option<Decimal>],
) -> Option<Decimal> {
    let mut units = Decimal::ZERO;
    if start.value > Decimal::ZERO {
        units = start.value.checked_div(first?)?;
    }
    for (d, close) in days.iter().zip(closes) {
        let net = d.inflow - d.outflow;
        if !net.is_zero() {
            units += net.checked_div(close.filter(|c| *c > Decimal::ZERO)?)?;
        }
    }
    let last = closes.last().copied().flatten()?;
    Some(units.checked_mul(last)?.round_dp(2))
}

fn total_series(start: &Day, days: &[Day]) -> Vec<SeriesPoint> {
    let mut index = Decimal::ONE;
    let mut net = Decimal::ZERO;
    linked(start, days)
        .map(|(d, r)| {
            index = (index * (Decimal::ONE + r)).round_dp(12);
            net += d.inflow - d.outflow;
            SeriesPoint {
                date: d.date,
                value: d.value,
                net_invested: net,
                twr_index: index.round_dp(6),
                benchmark_index: None,
                unpriced: d.missing.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// The day before a period, worth `value`, everything priced.
    fn start(value: Decimal) -> Day {
        Day {
            date: d("2026-01-01"),
            value,
            inflow: Decimal::ZERO,
            outflow: Decimal::ZERO,
            ..Day::default()
        }
    }

    fn day(date: &str, value: &str, inflow: &str, outflow: &str) -> Day {
        Day {
            date: d(date),
            value: dec(value),
            inflow: dec(inflow),
            outflow: dec(outflow),
            ..Day::default()
        }
    }

    /// Portfolio Performance's definition, worked by hand:
    /// day 1: 1000 deposited at the start, worth 1100 at the end:
    ///   r1 = (1100 + 0) / (0 + 1000) - 1 = 0.10
    /// day 2: 1100 becomes 990:            r2 = 990 / 1100 - 1 = -0.10
    /// day 3: 500 more in, end value 1540: r3 = 1540 / (990 + 500) - 1 = 0.033557...
    /// day 4: everything (1540) withdrawn: r4 = (0 + 1540) / 1540 - 1 = 0
    /// day 5: nothing held, a 0 / 0 day:   r5 = 0 (no capital)
    /// TWR = 1.10 x 0.90 x 1.0335570... x 1 x 1 - 1 = 0.023221...
    #[test]
    fn twr_links_days_and_a_full_exit_is_not_minus_100_percent() {
        let days = [
            day("2026-01-05", "1100", "1000", "0"),
            day("2026-01-06", "990", "0", "0"),
            day("2026-01-07", "1540", "500", "0"),
            day("2026-01-08", "0", "0", "1540"),
            day("2026-01-09", "0", "0", "0"),
        ];
        let row = period_row(&Who::Total, "custom", &start(Decimal::ZERO), &days).unwrap();
        // 1.1 * 0.9 = 0.99; 0.99 * 1540 / 1490 = 1.023221476...
        assert_eq!(row.twr, dec("0.023221"));
        assert_eq!(row.net_flows, dec("-40"), "1500 in, 1540 out");
        assert_eq!(row.end_value, Decimal::ZERO);
        let dd = row.max_drawdown.unwrap();
        // From the 1.10 peak of day 1 to 0.99 on day 2: 0.99 / 1.10 - 1 = -0.10.
        assert_eq!(
            (dd.depth, dd.peak, dd.trough),
            (
                dec("-0.1"),
                d("2026-01-05"),
                d("2026-01-07").pred_opt().unwrap()
            )
        );
        assert_eq!(dd.recovery, None, "1.0232 never regains 1.10");
        assert!(row.twr_annualized.is_none(), "under a year: not annualised");
        assert!(row.mwr.is_some());
    }

    /// The TWR does not depend on the flows' sizes when every day moves
    /// the holdings alike: +10 %, -5 %, +2 % gives 1.1 x 0.95 x 1.02 - 1 =
    /// 0.0659 whatever is deposited when.
    #[test]
    fn twr_ignores_the_size_of_flows() {
        let moves = [dec("1.1"), dec("0.95"), dec("1.02")];
        for deposits in [
            ["100", "0", "0"],
            ["100", "5000", "0"],
            ["7", "0", "123456"],
        ] {
            let mut value = Decimal::ZERO;
            let days: Vec<Day> = moves
                .iter()
                .zip(deposits)
                .enumerate()
                .map(|(n, (m, dep))| {
                    value = (value + dec(dep)) * m;
                    Day {
                        date: d("2026-03-02") + TimeDelta::days(n as i64),
                        value,
                        inflow: dec(dep),
                        outflow: Decimal::ZERO,
                        ..Day::default()
                    }
                })
                .collect();
            let row = period_row(&Who::Total, "custom", &start(Decimal::ZERO), &days).unwrap();
            assert_eq!(row.twr, dec("0.0659"), "{deposits:?}");
        }
    }

    /// Chaining two halves gives the whole: (1 + a)(1 + b) - 1.
    #[test]
    fn two_periods_chain_into_the_whole() {
        let days = [
            day("2026-01-05", "1000", "1000", "0"),
            day("2026-01-06", "1050", "0", "0"),
            day("2026-01-07", "1200", "100", "0"),
            day("2026-01-08", "1150", "0", "0"),
        ];
        let whole = period_row(&Who::Total, "all", &start(Decimal::ZERO), &days)
            .unwrap()
            .twr;
        let a = period_row(&Who::Total, "a", &start(Decimal::ZERO), &days[..2])
            .unwrap()
            .twr;
        let b = period_row(&Who::Total, "b", &days[1], &days[2..])
            .unwrap()
            .twr;
        let chained = ((Decimal::ONE + a) * (Decimal::ONE + b) - Decimal::ONE).round_dp(6);
        assert!(
            (chained - whole).abs() <= dec("0.000001"),
            "{chained} vs {whole}"
        );
    }

    #[test]
    fn a_day_without_a_price_is_partial_not_a_loss() {
        let mut gap = day("2026-01-06", "0", "0", "0");
        gap.missing = vec!["isin:US0378331005".into()];
        let days = [
            day("2026-01-05", "1000", "1000", "0"),
            gap,
            day("2026-01-07", "1000", "0", "0"),
            day("2026-01-08", "1100", "0", "0"),
        ];
        let row = period_row(&Who::Total, "custom", &start(Decimal::ZERO), &days).unwrap();
        // Day 2 (a price stops) and day 3 (it starts again) count 0;
        // day 4 is +10 %.
        assert_eq!(row.twr, dec("0.1"));
        assert!(!row.complete);
        assert_eq!(row.missing_prices, ["isin:US0378331005"]);
    }

    #[test]
    fn a_holding_never_priced_leaves_the_others_returns_intact() {
        let unpriced = |date, value| {
            let mut d = day(date, value, "0", "0");
            d.missing = vec!["crypto:XNO".into()];
            d
        };
        // The priced part: 1000, then 1050 (+5 %), then 1008 (-4 %):
        // 1.05 x 0.96 - 1 = 0.008.
        let days = [
            unpriced("2026-01-05", "1000"),
            unpriced("2026-01-06", "1050"),
            unpriced("2026-01-07", "1008"),
        ];
        let mut before = start(dec("1000"));
        before.missing = vec!["crypto:XNO".into()];
        let row = period_row(&Who::Total, "custom", &before, &days).unwrap();
        assert_eq!(row.twr, dec("0.008"));
        assert!(!row.complete);
    }

    #[test]
    fn periods_cover_inception_ytd_years_and_calendar_years() {
        let p = periods(d("2022-06-15"), d("2026-12-04"));
        let names: Vec<&str> = p.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "inception",
                "ytd",
                "1y",
                "3y",
                "2022",
                "2023",
                "2024",
                "2025",
                "2026"
            ]
        );
        assert_eq!((p[2].1, p[2].2), (d("2025-12-05"), d("2026-12-04")));
        assert_eq!((p[4].1, p[4].2), (d("2022-06-15"), d("2022-12-31")));
    }
}
