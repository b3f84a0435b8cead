//! Daily valuation and returns of ten years, 200 instruments and 100,000
//! ledger entries (target: under 150 ms once the store is read), and the
//! report of the same (target: under a second). `returns_total` and
//! `report` start from a fresh analysis (so they include the replay every
//! report shares); the others reuse one analysis whose replay is done.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use stonks::v2::{LedgerEntry, LedgerKind};
use stonks::{AssetClass, Currency, Instrument, Money};
use stonks_app::analytics::returns::{By, ReturnsOptions, ReturnsReport, Who, daily};
use stonks_app::analytics::{Analysis, Inputs, PriceBook, RateHistory};
use stonks_app::report::{Report, ReportOptions};
use stonks_app::store::StoredSeries;

const INSTRUMENTS: usize = 200;
const ENTRIES: usize = 100_000;
const YEARS: i64 = 10;

fn first() -> NaiveDate {
    NaiveDate::from_ymd_opt(2016, 12, 5).unwrap()
}

fn last() -> NaiveDate {
    first() + TimeDelta::days(365 * YEARS)
}

fn instrument(n: usize) -> Instrument {
    let mut i = Instrument::new(format!("ID{n}"), format!("Company {n}"), AssetClass::Stock);
    i.isin = Some(stonks_testkit::synthetic::isin(n as u32));
    i.symbol = Some(format!("SYM{n}"));
    i.currency = Some(if n.is_multiple_of(2) {
        Currency::EUR
    } else {
        Currency::USD
    });
    i
}

/// A close for instrument `n` on day `k`: around 100, moving by cents.
fn close(n: usize, k: i64) -> Decimal {
    Decimal::new(10_000 + (k * 37 + n as i64 * 11) % 2_000, 2)
}

/// Two brokers, three accounts; a deposit a week per account, then buys
/// (three in four) and sells of the 200 instruments at that day's close,
/// a dividend now and then, all in time order.
fn ledger() -> Vec<(String, LedgerEntry)> {
    let accounts = [("degiro", "1"), ("ibkr", "U1"), ("ibkr", "U2")];
    let days = (last() - first()).num_days();
    let mut out = Vec::with_capacity(ENTRIES);
    let mut held = vec![[0i64; INSTRUMENTS]; accounts.len()];
    for i in 0..ENTRIES {
        let k = (i as i64 * days) / ENTRIES as i64;
        let at = (first() + TimeDelta::days(k))
            .and_hms_opt(10, 0, 0)
            .unwrap()
            .and_utc()
            + TimeDelta::seconds(i as i64 % 3600);
        let a = i % accounts.len();
        let (broker, account) = accounts[a];
        let n = (i * 7) % INSTRUMENTS;
        let inst = instrument(n);
        let ccy = inst.currency.unwrap_or(Currency::EUR);
        let price = close(n, k);
        let id = format!("e{i}");
        let mut e = match i % 20 {
            0 => LedgerEntry::new(
                id,
                at,
                LedgerKind::Deposit,
                Money::new(Decimal::from(5_000), Currency::EUR),
            ),
            19 if held[a][n] > 0 => {
                let mut e = LedgerEntry::new(
                    id,
                    at,
                    LedgerKind::Dividend,
                    Money::new(Decimal::new(150, 2), ccy),
                );
                e.instrument = Some(inst);
                e
            }
            m if m % 4 == 3 && held[a][n] > 0 => {
                let q = held[a][n].min(3);
                held[a][n] -= q;
                let mut e = LedgerEntry::new(
                    id,
                    at,
                    LedgerKind::Sell,
                    Money::new(price * Decimal::from(q), ccy),
                );
                e.instrument = Some(inst);
                e.quantity = Some(Decimal::from(q));
                e.fees.push(Money::new(Decimal::new(200, 2), Currency::EUR));
                e
            }
            _ => {
                let q = 1 + (i % 5) as i64;
                held[a][n] += q;
                let mut e = LedgerEntry::new(
                    id,
                    at,
                    LedgerKind::Buy,
                    Money::new(-price * Decimal::from(q), ccy),
                );
                e.instrument = Some(inst);
                e.quantity = Some(Decimal::from(q));
                e.fees.push(Money::new(Decimal::new(200, 2), Currency::EUR));
                e
            }
        };
        e.account = Some(account.to_owned());
        out.push((broker.to_owned(), e));
    }
    out
}

/// Every weekday's close of every instrument, keyed as the replay keys it.
fn book() -> PriceBook {
    let series = (0..INSTRUMENTS)
        .map(|n| {
            let i = instrument(n);
            let mut s = StoredSeries {
                currency: i.currency,
                dates: Vec::new(),
                closes: Vec::new(),
            };
            let mut day = first();
            let mut k = 0;
            while day <= last() {
                if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                    s.dates.push(day);
                    s.closes.push(close(n, k));
                }
                day += TimeDelta::days(1);
                k += 1;
            }
            (i.key("degiro"), s)
        })
        .collect();
    PriceBook::new(series)
}

fn inputs() -> Inputs {
    let tables = stonks_testkit::synthetic::daily_rates(first(), (last() - first()).num_days());
    let history = RateHistory::new(tables);
    Inputs {
        base: Currency::EUR,
        today: history.table(last()).cloned(),
        history,
        ledger: ledger(),
        snapshots: Vec::new(),
        now: last().and_hms_opt(20, 0, 0).unwrap().and_utc(),
    }
}

fn bench(c: &mut Criterion) {
    let inputs = inputs();
    let book = book();
    let closes: usize = book
        .keys()
        .filter_map(|k| book.series(k))
        .map(|s| s.closes.len())
        .sum();
    eprintln!(
        "{} entries, {INSTRUMENTS} instruments, {closes} closes over {YEARS} years",
        inputs.ledger.len()
    );
    let fresh = || Analysis::new(inputs.clone()).with_prices(book.clone());
    let shared = fresh();
    let r = ReturnsReport::build(&shared, &ReturnsOptions::default());
    let total = r.rows.iter().find(|r| r.period == "inception");
    eprintln!(
        "inception: end value {:?}, TWR {:?}, {} rows, {} days",
        total.map(|t| t.end_value),
        total.map(|t| t.twr),
        r.rows.len(),
        r.series.len()
    );
    let mut g = c.benchmark_group("returns_10y_200_100k");
    g.sample_size(10);
    g.bench_function("returns_total", |b| {
        b.iter_batched(
            fresh,
            |a| ReturnsReport::build(&a, &ReturnsOptions::default()),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("returns_total_replayed", |b| {
        b.iter(|| ReturnsReport::build(&shared, &ReturnsOptions::default()))
    });
    g.bench_function("returns_by_account", |b| {
        let by = ReturnsOptions {
            by: By::Account,
            ..ReturnsOptions::default()
        };
        b.iter(|| ReturnsReport::build(&shared, &by))
    });
    g.bench_function("daily_values_all_scopes", |b| {
        let whos = [
            Who::Total,
            Who::Broker("degiro".into()),
            Who::Broker("ibkr".into()),
            Who::Account("ibkr".into(), "U1".into()),
        ];
        b.iter(|| daily(&shared, &whos, first(), last()))
    });
    g.bench_function("report", |b| {
        b.iter_batched(
            fresh,
            |a| Report::build(&a, ReportOptions::default()).html(),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
