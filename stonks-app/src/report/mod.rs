//! `stonks report`: everything one page shows, as typed data
//! ([`Report`]), and that page as one self-contained HTML file
//! ([`Report::html`]): inline CSS, inline SVG charts drawn here, a few
//! lines of inline script for locale formatting and sorting, and nothing
//! fetched from anywhere.
//!
//! The figures come from the analyses ([`Analysis`]) and from the store's
//! portfolio history (one snapshot per broker per sync), so the report is
//! a pure function of what the store holds and the rates.

mod charts;
mod load;
mod page;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use stonks::Currency;
use stonks::v2::{LedgerKind, PortfolioSnapshot};

use crate::analytics::gains::YearRow;
use crate::analytics::holdings::Difference;
use crate::analytics::returns::{ReturnsOptions, ReturnsReport, SeriesPoint};
use crate::analytics::{
    Analysis, DividendOptions, DividendReport, GainsOptions, GainsReport, GroupBy, HoldingsReport,
    PerformanceReport, RateCounter, base_figure,
};
use crate::portfolio::Totals;

pub use load::Loaded;

/// How many months of dividends the bars show.
pub const DIVIDEND_MONTHS: usize = 36;
/// At most this many points of value over time: beyond it, the last point
/// of each day (then of each week) is kept, so the page stays small.
pub const MAX_POINTS: usize = 4000;
/// At most this many problems are listed; the rest are counted.
pub const MAX_PROBLEMS: usize = 200;

/// A locale tag for number formatting (`en`, `de-CH`, `pt-BR`): letters,
/// digits and hyphens only, so it can go into the page as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Locale(String);

impl std::str::FromStr for Locale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.split(['-', '_']);
        let lang = parts.next().unwrap_or_default();
        let lang_ok =
            (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_alphabetic());
        let rest_ok = parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if lang_ok && rest_ok {
            Ok(Locale(s.replace('_', "-")))
        } else {
            Err(format!(
                "locale {s:?} is not a language tag such as en, de, fr-CH or pt-BR"
            ))
        }
    }
}

impl Default for Locale {
    fn default() -> Self {
        Locale("en".to_owned())
    }
}

impl Locale {
    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The figures at the top of the page.
#[derive(Debug, Clone, Serialize)]
pub struct Headline {
    /// Positions and cash now, in the base currency: the `portfolio`
    /// total.
    pub total_base: Decimal,
    /// Holdings left out of the total (no value or no rate).
    pub unvalued: usize,
    /// The total minus the one of the sync before the latest, when the
    /// store holds two.
    pub change_base: Option<Decimal>,
    /// When that earlier sync was.
    pub previous_sync_at: Option<DateTime<Utc>>,
    /// Money-weighted return a year of everything (XIRR).
    pub money_weighted_return: Option<Decimal>,
    /// Why there is no return, when there is none.
    pub return_missing: Option<String>,
    /// Cash deposited minus withdrawn, at each flow's date.
    pub net_invested_base: Decimal,
}

/// One broker: when it was last read, and whether it failed now.
#[derive(Debug, Clone, Serialize)]
pub struct BrokerLine {
    /// The broker.
    pub id: String,
    /// When its portfolio was last stored.
    pub portfolio_read_at: Option<DateTime<Utc>>,
    /// Where its last complete ledger sync reached.
    pub ledger_synced_until: Option<DateTime<Utc>>,
    /// Why it failed in this run.
    pub error: Option<String>,
}

/// One part of an allocation.
#[derive(Debug, Clone, Serialize)]
pub struct Slice {
    /// Asset class, broker or currency.
    pub label: String,
    /// Its value in the base currency.
    pub value_base: Decimal,
}

/// Where the value is, three ways; each sums to the headline total.
#[derive(Debug, Clone, Serialize)]
pub struct Allocation {
    /// By asset class (cash as `cash`).
    pub by_asset_class: Vec<Slice>,
    /// By broker.
    pub by_broker: Vec<Slice>,
    /// By currency of the holding.
    pub by_currency: Vec<Slice>,
}

/// The portfolio at one moment: a day's end from price history, else a
/// sync.
#[derive(Debug, Clone, Serialize)]
pub struct ValuePoint {
    /// When.
    pub at: DateTime<Utc>,
    /// Its value in the base currency at that day's rates.
    pub value_base: Decimal,
    /// Holdings left out (no value or no rate).
    pub unvalued: usize,
}

/// Net money put in up to a moment (a step after each deposit or
/// withdrawal).
#[derive(Debug, Clone, Serialize)]
pub struct InvestedPoint {
    /// The flow's time.
    pub at: DateTime<Utc>,
    /// Deposits minus withdrawals up to and including it.
    pub net_invested_base: Decimal,
}

/// Dividends of one month.
#[derive(Debug, Clone, Serialize)]
pub struct MonthBar {
    /// `2024-03`.
    pub month: String,
    /// Before withholding.
    pub gross_base: Decimal,
    /// After it.
    pub net_base: Decimal,
}

/// One row of the holdings table: one instrument (its instrument key),
/// whichever brokers and accounts hold it.
#[derive(Debug, Clone, Serialize)]
pub struct HoldingLine {
    /// The broker, when one holds it all.
    pub broker: Option<String>,
    /// The account, when one holds it all.
    pub account: Option<String>,
    /// Who holds how much (`degiro 7; ibkr 50`).
    pub by_broker: String,
    /// The key it is grouped by.
    pub instrument_key: String,
    /// Ticker or asset code (the shortest any broker gives).
    pub symbol: String,
    /// Name for people.
    pub name: String,
    /// `stock`, `etf`, ...
    pub asset_class: String,
    /// Units held.
    pub quantity: Decimal,
    /// Cost basis in the base currency.
    pub cost_base: Option<Decimal>,
    /// Value in the base currency.
    pub value_base: Option<Decimal>,
    /// Unrealized gain in the base currency.
    pub gain_base: Option<Decimal>,
    /// Share of the headline total (0.25 = 25 %).
    pub weight: Option<Decimal>,
}

/// Everything the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The currency of every `_base` figure.
    pub base_currency: Currency,
    /// How numbers are formatted.
    pub locale: Locale,
    /// When it was made.
    pub generated_at: DateTime<Utc>,
    /// The top figures.
    pub headline: Headline,
    /// Every configured broker.
    pub brokers: Vec<BrokerLine>,
    /// Where the value is.
    pub allocation: Allocation,
    /// One point per stored sync (thinned past [`MAX_POINTS`]).
    pub value_over_time: Vec<ValuePoint>,
    /// Net invested capital over time.
    pub invested: Vec<InvestedPoint>,
    /// Dividends of the last [`DIVIDEND_MONTHS`] months, oldest first.
    pub dividends_by_month: Vec<MonthBar>,
    /// Open holdings, largest value first.
    pub holdings: Vec<HoldingLine>,
    /// Realized gains per year (FIFO, per account).
    pub realized_by_year: Vec<YearRow>,
    /// Time- and money-weighted returns, against the benchmark; `None`
    /// without stored closes.
    pub returns: Option<ReturnsSection>,
    /// Where replayed holdings differ from the brokers' positions.
    pub differences: Vec<Difference>,
    /// Everything left out or approximated (at most [`MAX_PROBLEMS`]).
    pub problems: Vec<String>,
    /// Problems beyond those listed.
    pub more_problems: usize,
}

/// The returns the page shows: cumulative time-weighted return against the
/// benchmark, each year's figures, the worst drawdown.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnsSection {
    /// Since the first entry (the total).
    pub inception: Option<crate::analytics::returns::ReturnRow>,
    /// Each calendar year, oldest first, then the year to date.
    pub years: Vec<crate::analytics::returns::ReturnRow>,
    /// One point a day (thinned past [`MAX_POINTS`]): the time-weighted
    /// index and the benchmark's.
    pub line: Vec<ReturnPoint>,
    /// The benchmark over the whole history.
    pub benchmark: Option<crate::analytics::returns::BenchmarkFigures>,
}

/// One day of the returns line.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnPoint {
    /// The day.
    pub date: NaiveDate,
    /// 1 at the start, times each day's `1 + r`.
    pub twr_index: Decimal,
    /// The benchmark's close over its first.
    pub benchmark_index: Option<Decimal>,
}

/// A stored snapshot: when, which broker, what.
pub type StoredSnapshot = (DateTime<Utc>, String, PortfolioSnapshot);

/// What the page shows besides the analysis.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions<'a> {
    /// The store's portfolio history, oldest first.
    pub history: &'a [StoredSnapshot],
    /// Every configured broker's line.
    pub brokers: Vec<BrokerLine>,
    /// How numbers are formatted.
    pub locale: Locale,
    /// What the returns are shown beside.
    pub benchmark: Option<crate::benchmark::Benchmark>,
}

impl Report {
    /// The page of `analysis`: every figure from its one replay and its
    /// merged portfolio, with the `options`' history and broker lines.
    pub fn build(analysis: &Analysis, options: ReportOptions<'_>) -> Report {
        let ReportOptions {
            history,
            brokers,
            locale,
            benchmark,
        } = options;
        let base = analysis.base;
        let portfolio = analysis.portfolio();
        let holdings = HoldingsReport::build(analysis);
        let gains = GainsReport::build(analysis, &GainsOptions::default());
        let dividends = DividendReport::build(
            analysis,
            &DividendOptions {
                by: GroupBy::Month,
                year: None,
            },
        );
        // The returns below value every day once; performance needs no
        // second pass for its time-weighted columns, which the page omits.
        let performance = PerformanceReport::without_twr(analysis);
        let total = performance.rows.last();

        let syncs = value_at_syncs(history, analysis);
        let invested = invested(analysis);
        let total_base = portfolio.totals.total_base;
        // The change is against the sync before the latest stored one; the
        // total now is the latest one at today's rates.
        let previous = syncs.iter().rev().nth(1).cloned();
        let previous = previous.as_ref();
        let returns = analysis.holdings_priced().then(|| {
            ReturnsReport::build(
                analysis,
                &ReturnsOptions {
                    benchmark,
                    ..ReturnsOptions::default()
                },
            )
        });
        let value_over_time = match &returns {
            Some(r) => daily_values(analysis, &r.series),
            None => syncs,
        };
        let headline = Headline {
            total_base,
            unvalued: portfolio.totals.unvalued,
            change_base: previous.map(|p| total_base - p.value_base),
            previous_sync_at: previous.map(|p| p.at),
            money_weighted_return: total.and_then(|t| t.money_weighted_return),
            return_missing: total
                .filter(|t| t.money_weighted_return.is_none())
                .map(|t| t.notes.join("; ")),
            net_invested_base: invested
                .last()
                .map_or(Decimal::ZERO, |p| p.net_invested_base),
        };

        let mut by_class: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut by_broker: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut by_currency: BTreeMap<String, Decimal> = BTreeMap::new();
        for p in &portfolio.positions {
            let Some(v) = p.market_value_base else {
                continue;
            };
            *by_class
                .entry(p.asset_class.as_str().to_owned())
                .or_default() += v;
            *by_broker.entry(p.broker.clone()).or_default() += v;
            let currency = p
                .currency
                .map_or_else(|| "unknown".to_owned(), |c| c.to_string());
            *by_currency.entry(currency).or_default() += v;
        }
        for c in &portfolio.cash {
            let Some(v) = c.amount_base else { continue };
            *by_class.entry("cash".to_owned()).or_default() += v;
            *by_broker.entry(c.broker.clone()).or_default() += v;
            *by_currency.entry(c.currency.to_string()).or_default() += v;
        }
        let allocation = Allocation {
            by_asset_class: slices(by_class),
            by_broker: slices(by_broker),
            by_currency: slices(by_currency),
        };

        let mut lines: Vec<HoldingLine> = holding_lines(&holdings.holdings);
        for l in &mut lines {
            l.weight = l
                .value_base
                .filter(|_| !total_base.is_zero())
                .map(|v| (v / total_base).round_dp(4));
        }
        lines.sort_by(|a, b| {
            b.value_base
                .cmp(&a.value_base)
                .then(a.symbol.cmp(&b.symbol))
        });

        let mut problems: Vec<String> = Vec::new();
        for p in &portfolio.problems {
            problems.push(format!("{}: {}: {}", p.broker, p.endpoint, p.message));
        }
        for list in [
            &holdings.problems,
            &gains.problems,
            &dividends.problems,
            &performance.problems,
        ] {
            for p in list {
                if !problems.contains(p) {
                    problems.push(p.clone());
                }
            }
        }
        if let Some(t) = total {
            problems.extend(t.notes.iter().map(|n| format!("total: {n}")));
        }
        let more_problems = problems.len().saturating_sub(MAX_PROBLEMS);
        problems.truncate(MAX_PROBLEMS);

        Report {
            base_currency: base,
            locale,
            generated_at: analysis.now,
            headline,
            brokers,
            allocation,
            value_over_time,
            invested,
            dividends_by_month: months(&dividends.groups, analysis.now.date_naive()),
            holdings: lines,
            realized_by_year: gains.by_year,
            returns: returns.map(section),
            differences: holdings.differences,
            problems,
            more_problems,
        }
    }

    /// The page: one self-contained HTML document.
    pub fn html(&self) -> String {
        page::render(self)
    }
}

/// Largest first; empty and zero parts left out.
fn slices(parts: BTreeMap<String, Decimal>) -> Vec<Slice> {
    let mut out: Vec<Slice> = parts
        .into_iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(label, value_base)| Slice { label, value_base })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.value_base));
    out
}

/// One point a day: the holdings at that day's closes (carried over days
/// without one, at most a week) plus the cash the ledger adds up to, both
/// at that day's rates; what has no value is counted, never 0.
fn daily_values(analysis: &Analysis, series: &[SeriesPoint]) -> Vec<ValuePoint> {
    // Not before the first close: a ledger row dated 1970 would draw
    // decades of days without a price.
    let first_close = analysis
        .prices()
        .keys()
        .filter_map(|k| analysis.prices().series(k)?.dates.first().copied())
        .min();
    // Up to the last day the stored rates reach (a week past the newest):
    // after it every value in another currency is unknown, and a line
    // falling there would be the rates' gap, not the portfolio's.
    let today = analysis.now.date_naive();
    let reach = analysis.history.span().map_or(today, |(_, newest)| {
        today.min(newest + chrono::TimeDelta::days(crate::analytics::fx::MAX_DAYS_BACK))
    });
    let points = series
        .iter()
        .filter(|p| first_close.is_none_or(|f| p.date >= f) && p.date <= reach)
        .map(|p| ValuePoint {
            at: p
                .date
                .and_hms_opt(23, 59, 59)
                .map(|t| t.and_utc())
                .unwrap_or_default()
                .min(analysis.now),
            value_base: p.value,
            unvalued: p.unpriced,
        })
        .collect();
    thin(points)
}

/// The page's returns: the total's rows by period, its line thinned.
fn section(r: ReturnsReport) -> ReturnsSection {
    let mut inception = None;
    let mut years = Vec::new();
    let mut ytd = None;
    for row in r.rows {
        match row.period.as_str() {
            "inception" => inception = Some(row),
            "ytd" => ytd = Some(row),
            p if p.parse::<i32>().is_ok() => years.push(row),
            _ => {}
        }
    }
    years.extend(ytd);
    let mut line: Vec<ReturnPoint> = r
        .series
        .iter()
        .map(|p| ReturnPoint {
            date: p.date,
            twr_index: p.twr_index,
            benchmark_index: p.benchmark_index,
        })
        .collect();
    if line.len() > MAX_POINTS {
        // One a week, the last day kept.
        let step = line.len().div_ceil(MAX_POINTS);
        let last = line.len() - 1;
        line = line
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % step == 0 || *i == last)
            .map(|(_, p)| p)
            .collect();
    }
    ReturnsSection {
        inception,
        years,
        line,
        benchmark: r.benchmark,
    }
}

/// One point per sync: each broker's latest snapshot up to then (a broker
/// not read in a sync keeps its last value), valued at that day's rates.
fn value_at_syncs(history: &[StoredSnapshot], analysis: &Analysis) -> Vec<ValuePoint> {
    let mut latest: BTreeMap<&str, &PortfolioSnapshot> = BTreeMap::new();
    let mut points: Vec<ValuePoint> = Vec::new();
    let mut i = 0;
    while i < history.len() {
        let at = history[i].0;
        while i < history.len() && history[i].0 == at {
            latest.insert(history[i].1.as_str(), &history[i].2);
            i += 1;
        }
        let rates = analysis
            .history
            .table(at.date_naive())
            .or(analysis.today.as_ref());
        let t = Totals::of(latest.values().copied(), analysis.base, rates);
        points.push(ValuePoint {
            at,
            value_base: t.total_base,
            unvalued: t.unvalued,
        });
    }
    thin(points)
}

/// Keeps at most [`MAX_POINTS`]: the last of each day, then of each week,
/// then of each month. The newest point is always kept.
fn thin(mut points: Vec<ValuePoint>) -> Vec<ValuePoint> {
    let keys: [fn(NaiveDate) -> (i32, u32); 3] = [
        |d| (d.year(), d.ordinal()),
        |d| (d.iso_week().year(), d.iso_week().week()),
        |d| (d.year(), d.month()),
    ];
    for key in keys {
        if points.len() <= MAX_POINTS {
            break;
        }
        let mut kept: Vec<ValuePoint> = Vec::with_capacity(points.len());
        for p in points {
            match kept.last_mut() {
                Some(last) if key(last.at.date_naive()) == key(p.at.date_naive()) => *last = p,
                _ => kept.push(p),
            }
        }
        points = kept;
    }
    points
}

/// Deposits minus withdrawals over time, each at its date's rate; flows
/// without a rate are left out (the performance problems count them).
fn invested(analysis: &Analysis) -> Vec<InvestedPoint> {
    let mut net = Decimal::ZERO;
    let mut out: Vec<InvestedPoint> = Vec::new();
    // The same flows' rates are noted by the performance report already.
    let unnoted = RateCounter::new();
    for (_, e) in &analysis.ledger {
        let sign = match e.kind {
            LedgerKind::Deposit => Decimal::ONE,
            LedgerKind::Withdrawal => Decimal::NEGATIVE_ONE,
            _ => continue,
        };
        if !e.amount.currency.is_fiat() {
            continue;
        }
        let day = e.timestamp.date_naive();
        let Some(v) = base_figure(analysis.history.convert(
            e.amount.amount,
            e.amount.currency,
            analysis.base,
            day,
            &unnoted,
        )) else {
            continue;
        };
        net += sign * v.abs();
        match out.last_mut() {
            Some(last) if last.at == e.timestamp => last.net_invested_base = net,
            _ => out.push(InvestedPoint {
                at: e.timestamp,
                net_invested_base: net,
            }),
        }
    }
    out
}

/// The last [`DIVIDEND_MONTHS`] months up to `today`, empty ones as zero.
fn months(groups: &[crate::analytics::income::GroupRow], today: NaiveDate) -> Vec<MonthBar> {
    let by_key: BTreeMap<&str, &crate::analytics::income::GroupRow> =
        groups.iter().map(|g| (g.key.as_str(), g)).collect();
    let (mut y, mut m) = (today.year(), today.month());
    let mut out = Vec::with_capacity(DIVIDEND_MONTHS);
    for _ in 0..DIVIDEND_MONTHS {
        let key = format!("{y:04}-{m:02}");
        let (gross, net) = by_key
            .get(key.as_str())
            .map_or((Decimal::ZERO, Decimal::ZERO), |g| {
                (g.gross_base, g.net_base)
            });
        out.push(MonthBar {
            month: key,
            gross_base: gross,
            net_base: net,
        });
        if m == 1 {
            (y, m) = (y - 1, 12);
        } else {
            m -= 1;
        }
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests;

/// One line per instrument key: quantities and base figures added (a
/// figure unknown for one holding is unknown for the line), the brokers
/// that hold it listed.
fn holding_lines(holdings: &[crate::analytics::holdings::HoldingRow]) -> Vec<HoldingLine> {
    let add = |a: Option<Decimal>, b: Option<Decimal>| a.zip(b).and_then(|(a, b)| a.checked_add(b));
    let mut by_key: BTreeMap<&str, HoldingLine> = BTreeMap::new();
    for h in holdings {
        let holder = match (&h.broker, &h.account) {
            (Some(b), _) => format!("{b} {}", h.quantity.normalize()),
            (None, _) => format!("all {}", h.quantity.normalize()),
        };
        match by_key.get_mut(h.instrument_key.as_str()) {
            None => {
                by_key.insert(
                    &h.instrument_key,
                    HoldingLine {
                        broker: h.broker.clone(),
                        account: h.account.clone(),
                        by_broker: holder,
                        instrument_key: h.instrument_key.clone(),
                        symbol: h.symbol.clone(),
                        name: h.name.clone(),
                        asset_class: h.asset_class.as_str().to_owned(),
                        quantity: h.quantity,
                        cost_base: h.cost_base,
                        value_base: h.value_base,
                        gain_base: h.gain_base,
                        weight: None,
                    },
                );
            }
            Some(l) => {
                if l.broker != h.broker {
                    l.broker = None;
                }
                if l.broker.is_none() || l.account != h.account {
                    l.account = None;
                }
                l.by_broker.push_str("; ");
                l.by_broker.push_str(&holder);
                if h.symbol.len() < l.symbol.len() {
                    l.symbol.clone_from(&h.symbol);
                }
                if l.name == l.symbol && h.name != h.symbol {
                    l.name.clone_from(&h.name);
                }
                l.quantity = l.quantity.checked_add(h.quantity).unwrap_or(l.quantity);
                l.cost_base = add(l.cost_base, h.cost_base);
                l.value_base = add(l.value_base, h.value_base);
                l.gain_base = add(l.gain_base, h.gain_base);
            }
        }
    }
    by_key.into_values().collect()
}
