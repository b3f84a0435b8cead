//! The tax rule sets over a 100,000-entry ledger (target: under 200 ms
//! each): the synthetic DEGIRO-shaped ledger spread over two brokers (one
//! pool, one FIFO queue per instrument across them), with a rate table for
//! every day in dollars and pounds, so every amount is converted at its
//! own day's rate. Each figure is the whole report: reading the ledger into
//! the timeline, the matching of every disposal ever (the year's matching
//! depends on all before it), the year's rows and totals.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use stonks::Currency;
use stonks::v2::LedgerEntry;
use stonks_app::analytics::{Analysis, Inputs, PriceBook, RateHistory};
use stonks_app::store::StoredSeries;
use stonks_app::tax::{Rules, TaxOptions, TaxReport};

const ENTRIES: usize = 100_000;

fn inputs() -> (Vec<(String, LedgerEntry)>, RateHistory) {
    let ledger: Vec<_> = stonks_testkit::synthetic::ledger(ENTRIES)
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let broker = if i % 3 == 0 { "ibkr" } else { "degiro" };
            (broker.to_owned(), e)
        })
        .collect();
    let first = ledger[0].1.timestamp.date_naive();
    let last = ledger[ledger.len() - 1].1.timestamp.date_naive();
    let mut tables = stonks_testkit::synthetic::daily_rates(first, (last - first).num_days());
    let gbp = Currency::new("GBP").unwrap();
    for (d, t) in tables.iter_mut().enumerate() {
        t.rates.insert(gbp, Decimal::new(8_400 + d as i64 % 300, 4));
    }
    (ledger, RateHistory::new(tables))
}

/// A close every day from the ledger's first to mid 2022 for each of its
/// instruments, keyed as the replay keys them.
fn prices(ledger: &[(String, LedgerEntry)]) -> PriceBook {
    let first = ledger[0].1.timestamp.date_naive();
    let mut series = std::collections::HashMap::new();
    for (broker, e) in ledger {
        let Some(i) = &e.instrument else { continue };
        series.entry(i.key(broker)).or_insert_with(|| {
            let days: Vec<_> = first.iter_days().take(900).collect();
            StoredSeries {
                currency: i.currency,
                closes: (0..days.len() as i64)
                    .map(|k| Decimal::new(10_000 + k % 500, 2))
                    .collect(),
                dates: days,
            }
        });
    }
    PriceBook::new(series)
}

fn bench(c: &mut Criterion) {
    let (ledger, history) = inputs();
    let mut g = c.benchmark_group("tax_100k");
    g.sample_size(20);
    for (name, rules) in [("uk", Rules::Uk), ("us", Rules::Us)] {
        let options = TaxOptions::new(rules, 2020).unwrap();
        let report = TaxReport::from_ledger(&ledger, &history, &options);
        eprintln!(
            "{name}: {} disposals in {}, {} wash sales",
            report.disposals.len(),
            options.year(),
            report
                .disposals
                .iter()
                .filter(|d| d.form_8949.as_ref().is_some_and(|f| f.code.is_some()))
                .count()
        );
        g.bench_function(name, |b| {
            b.iter(|| TaxReport::from_ledger(&ledger, &history, &options))
        });
    }
    // Box 3 of 2021 (the ledger runs from January 2020 to May 2021): the
    // values on both peildata and the year's flows, from a fresh analysis
    // (its replay included) with a close a day for every instrument.
    let book = prices(&ledger);
    let analysis = || {
        Analysis::new(Inputs {
            base: Currency::EUR,
            ledger: ledger.clone(),
            snapshots: Vec::new(),
            today: None,
            history: history.clone(),
            now: "2022-06-01T00:00:00Z".parse().unwrap(),
        })
        .with_prices(book.clone())
    };
    let nl = TaxOptions::new(Rules::Nl, 2021).unwrap();
    let report = TaxReport::build(&analysis(), &nl);
    eprintln!(
        "nl: {:?}",
        report.box3.as_ref().and_then(|b| b.actual_return.as_ref())
    );
    g.bench_function("nl", |b| {
        b.iter_batched(
            analysis,
            |a| TaxReport::build(&a, &nl),
            BatchSize::LargeInput,
        )
    });
    // The matching alone: a year with no sale, so no row is made.
    let quiet = TaxOptions::new(Rules::Us, 2030).unwrap();
    g.bench_function("us_matching_only", |b| {
        b.iter(|| TaxReport::from_ledger(&ledger, &history, &quiet))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
