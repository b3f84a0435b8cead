//! Holdings and FIFO gains over a 100,000-entry ledger (target: under
//! 100 ms each), with rates for every day of the ledger so that every cost
//! and proceed is also converted to the base currency. Each report starts
//! from a fresh analysis (its replay included); `replay_*` is the replay
//! alone.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use stonks::Currency;
use stonks_app::analytics::{
    Analysis, GainsOptions, GainsReport, HoldingsReport, Inputs, Method, RateHistory, Scope, lots,
};

const ENTRIES: usize = 100_000;

fn inputs() -> Inputs {
    let ledger: Vec<_> = stonks_testkit::synthetic::ledger(ENTRIES)
        .into_iter()
        .map(|e| ("degiro".to_owned(), e))
        .collect();
    let first = ledger[0].1.timestamp.date_naive();
    let last = ledger[ledger.len() - 1].1.timestamp.date_naive();
    let tables = stonks_testkit::synthetic::daily_rates(first, (last - first).num_days());
    let history = RateHistory::new(tables);
    Inputs {
        base: Currency::EUR,
        today: history.table(last).cloned(),
        history,
        ledger,
        snapshots: Vec::new(),
        now: "2025-01-01T00:00:00Z".parse().unwrap(),
    }
}

fn bench(c: &mut Criterion) {
    let inputs = inputs();
    let mut g = c.benchmark_group("analytics_100k");
    g.sample_size(20);
    let fresh = || Analysis::new(inputs.clone());
    g.bench_function("holdings", |b| {
        b.iter_batched(fresh, |a| HoldingsReport::build(&a), BatchSize::LargeInput)
    });
    for (name, method, scope) in [
        ("gains_fifo", Method::Fifo, Scope::Account),
        ("gains_average", Method::Average, Scope::Account),
        ("gains_fifo_pooled", Method::Fifo, Scope::Pooled),
        ("gains_average_pooled", Method::Average, Scope::Pooled),
    ] {
        let options = GainsOptions {
            method,
            scope,
            year: None,
        };
        g.bench_function(name, |b| {
            b.iter_batched(
                fresh,
                |a| GainsReport::build(&a, &options),
                BatchSize::LargeInput,
            )
        });
    }
    for (name, scope) in [
        ("replay_fifo", Scope::Account),
        ("replay_fifo_pooled", Scope::Pooled),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                lots::replay(
                    &inputs.ledger,
                    lots::Options {
                        method: Method::Fifo,
                        scope,
                        base: inputs.base,
                        rates: &inputs.history,
                    },
                )
            })
        });
    }
    // Every instrument's key as the store learned it: the synthetic
    // ledger's eight ISINs resolved, put on each of the 100,000 entries.
    let dir = tempfile::tempdir().unwrap();
    let mut store = stonks_app::store::Store::open(&dir.path().join("s.sqlite")).unwrap();
    let entries: Vec<_> = inputs.ledger.iter().map(|(_, e)| e.clone()).collect();
    store
        .commit_sync("degiro", &entries, chrono::Utc::now())
        .unwrap();
    let asked = store.unanswered().unwrap();
    let answers: Vec<_> = asked
        .into_iter()
        .enumerate()
        .map(|(n, q)| {
            let found = stonks::identity::Resolved {
                share_class_figi: Some(format!("BBG00000000{n}")),
                ..Default::default()
            };
            (q, stonks::identity::Resolution::Found(found))
        })
        .collect();
    store.save_answers("bench", &answers).unwrap();
    let ids = stonks_app::identity::Identities::read(Some(&store), Default::default());
    g.bench_function("identities_apply", |b| {
        b.iter_batched(
            || inputs.ledger.clone(),
            |mut ledger| {
                ids.apply_entries(&mut ledger);
                ledger
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
