//! `stonks transactions` output of a 100,000-entry ledger, the path the
//! binary takes: typed rows borrowing from the entries, serialised into
//! one buffered writer.
//!
//! * `json` and `csv`: the merged ledger to bytes;
//! * `offline_json`: `--offline` whole: read from the store, merge, write.
//!
//! Target (issue 9): the whole command under 0.5 s of CPU and 150 MB peak
//! RSS; the figures and the command that checks the binary itself are in
//! BENCHMARKS.md.

use std::io::{BufWriter, Write};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stonks_app::ledger::{self, Filter};
use stonks_app::store::Store;
use stonks_cli::{Format, write_ledger};

const ENTRIES: usize = 100_000;

/// Counts the bytes written, as stdout would take them.
#[derive(Default)]
struct Counted(u64);

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn write(entries: &[(String, stonks::v2::LedgerEntry)], format: Format) -> u64 {
    let mut out = BufWriter::with_capacity(1 << 16, Counted::default());
    write_ledger(&mut out, entries, format).unwrap();
    out.into_inner().map(|c| c.0).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let ledger: Vec<_> = stonks_testkit::synthetic::ledger(ENTRIES)
        .into_iter()
        .map(|e| ("degiro".to_owned(), e))
        .collect();
    let merged = ledger::merged(ledger, &Filter::default());

    let mut g = c.benchmark_group("transactions_100k");
    g.sample_size(10);
    let bytes = write(&merged, Format::Json);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("json", |b| b.iter(|| write(&merged, Format::Json)));
    g.throughput(Throughput::Bytes(write(&merged, Format::Csv)));
    g.bench_function("csv", |b| b.iter(|| write(&merged, Format::Csv)));

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("stonks.sqlite")).unwrap();
    let entries: Vec<_> = merged.iter().map(|(_, e)| e.clone()).collect();
    let until = entries[0].timestamp;
    store.commit_sync("degiro", &entries, until).unwrap();
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("offline_json", |b| {
        b.iter(|| {
            let read = ledger::stored(&store, &Filter::default()).unwrap();
            write(&read, Format::Json)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
