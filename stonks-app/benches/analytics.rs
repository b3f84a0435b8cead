//! Holdings and FIFO gains over a 100,000-entry ledger (target: under
//! 100 ms each), with rates for every day of the ledger so that every cost
//! and proceed is also converted to the base currency.

use criterion::{Criterion, criterion_group, criterion_main};
use stonks::Currency;
use stonks_app::analytics::{Analysis, Method, RateHistory, Scope};

const ENTRIES: usize = 100_000;

fn analysis() -> Analysis {
    let ledger: Vec<_> = stonks_testkit::synthetic::ledger(ENTRIES)
        .into_iter()
        .map(|e| ("degiro".to_owned(), e))
        .collect();
    let first = ledger[0].1.timestamp.date_naive();
    let last = ledger[ledger.len() - 1].1.timestamp.date_naive();
    let tables = stonks_testkit::synthetic::daily_rates(first, (last - first).num_days());
    let history = RateHistory::new(tables);
    Analysis {
        base: Currency::EUR,
        today: history.table(last).cloned(),
        history,
        ledger,
        snapshots: Vec::new(),
        now: "2025-01-01T00:00:00Z".parse().unwrap(),
    }
}

fn bench(c: &mut Criterion) {
    let a = analysis();
    let mut g = c.benchmark_group("analytics_100k");
    g.sample_size(20);
    g.bench_function("holdings", |b| b.iter(|| a.holdings()));
    g.bench_function("gains_fifo", |b| {
        b.iter(|| a.gains(Method::Fifo, Scope::Account, None))
    });
    g.bench_function("replay_fifo_pooled", |b| {
        b.iter(|| a.replay(Method::Fifo, Scope::Pooled))
    });
    g.bench_function("replay_fifo", |b| {
        b.iter(|| a.replay(Method::Fifo, Scope::Account))
    });
    g.bench_function("gains_average", |b| {
        b.iter(|| a.gains(Method::Average, Scope::Account, None))
    });
    g.bench_function("gains_fifo_pooled", |b| {
        b.iter(|| a.gains(Method::Fifo, Scope::Pooled, None))
    });
    g.bench_function("gains_average_pooled", |b| {
        b.iter(|| a.gains(Method::Average, Scope::Pooled, None))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
