//! The report of a 10,000-entry ledger with a year of daily syncs (target:
//! under a second to build and render, under 2 MB of HTML). `build` starts
//! from a fresh analysis each time, so it includes the one replay every
//! part of the page shares; `replay_fifo` is that replay alone, for
//! comparison (build costs one replay plus the page's own work).

use chrono::TimeDelta;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use stonks::v2::{CashBalance, PortfolioSnapshot};
use stonks::{Currency, Decimal, Money};
use stonks_app::analytics::{Analysis, Inputs, Method, RateHistory, Scope, lots};
use stonks_app::report::{Report, ReportOptions, StoredSnapshot};

const ENTRIES: usize = 10_000;
const SYNCS: i64 = 365;

fn inputs() -> (Inputs, Vec<StoredSnapshot>) {
    let ledger: Vec<_> = stonks_testkit::synthetic::ledger(ENTRIES)
        .into_iter()
        .map(|e| ("degiro".to_owned(), e))
        .collect();
    let first = ledger[0].1.timestamp.date_naive();
    let last = ledger[ledger.len() - 1].1.timestamp.date_naive();
    let tables = stonks_testkit::synthetic::daily_rates(first, (last - first).num_days() + SYNCS);
    let history = RateHistory::new(tables);
    let start = ledger[ledger.len() - 1].1.timestamp;
    let stored: Vec<StoredSnapshot> = (0..SYNCS)
        .map(|d| {
            let at = start + TimeDelta::days(d);
            let mut s = PortfolioSnapshot::new(at);
            s.cash.push(CashBalance::new(Money::new(
                Decimal::new(1_000_000 + d * 137, 2),
                Currency::EUR,
            )));
            (at, "degiro".to_owned(), s)
        })
        .collect();
    let now = stored[stored.len() - 1].0;
    let inputs = Inputs {
        base: Currency::EUR,
        today: history.table(now.date_naive()).cloned(),
        history,
        ledger,
        snapshots: vec![("degiro".to_owned(), stored[stored.len() - 1].2.clone())],
        now,
    };
    (inputs, stored)
}

fn options(stored: &[StoredSnapshot]) -> ReportOptions<'_> {
    ReportOptions {
        history: stored,
        ..ReportOptions::default()
    }
}

fn bench(c: &mut Criterion) {
    let (inputs, stored) = inputs();
    let report = Report::build(&Analysis::new(inputs.clone()), options(&stored));
    eprintln!(
        "report of {ENTRIES} entries and {SYNCS} syncs: {} bytes of HTML",
        report.html().len()
    );
    let mut g = c.benchmark_group("report_10k");
    g.sample_size(20);
    g.bench_function("build", |b| {
        b.iter_batched(
            || Analysis::new(inputs.clone()),
            |analysis| Report::build(&analysis, options(&stored)),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("replay_fifo", |b| {
        b.iter(|| {
            lots::replay(
                &inputs.ledger,
                lots::Options {
                    method: Method::Fifo,
                    scope: Scope::Account,
                    base: inputs.base,
                    rates: &inputs.history,
                },
            )
        })
    });
    g.bench_function("html", |b| b.iter(|| report.html()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
