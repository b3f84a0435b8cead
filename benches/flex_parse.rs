//! An IBKR Activity Flex statement of about 50 MB (40,000 trades, 10,000
//! cash transactions, 3,000 positions, 3,000 conversion rates; every
//! attribute a real row carries) read to positions and ledger entries:
//!
//! * `collect`: what the plugin's services do: the streaming reader, each
//!   row converted, the ledger merged (each transaction once), withholding
//!   linked to dividends, sorted; the positions of the latest statement.
//! * `stream`: the reader and the conversion alone, each entry handed to a
//!   visitor that counts it.
//!
//! Throughput is in bytes of statement a second. Target: at least 150 MB/s.

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use stonks::http::Redactor;
use stonks::ibkr::flex::{self, Visitor, Wanted};
use stonks::ibkr::{Collected, Link};
use stonks::v2::LedgerEntry;
use stonks_testkit::synthetic::{FlexSize, flex_statement};

struct Count(usize);

impl Visitor for Count {
    fn wanted(&self) -> Wanted {
        Wanted::ALL
    }
    fn entry(&mut self, entry: LedgerEntry, _link: Option<Link>) {
        self.0 += entry.id.len();
    }
}

fn flex(c: &mut Criterion) {
    let mut statement = Vec::new();
    flex_statement(FlexSize::FIFTY_MB, &mut statement).expect("generated");
    let mut group = c.benchmark_group("flex_parse");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(statement.len() as u64));
    group.bench_function("collect", |b| {
        b.iter(|| {
            let mut collected = Collected::new(Wanted::ALL);
            flex::read(&statement[..], "bench", &Redactor::new(), &mut collected).expect("read");
            let positions = collected.snapshot(false).positions.len();
            let (ledger, _) = collected.into_ledger();
            black_box((ledger.len(), positions))
        })
    });
    group.bench_function("stream", |b| {
        b.iter(|| {
            let mut count = Count(0);
            flex::read(&statement[..], "bench", &Redactor::new(), &mut count).expect("read");
            black_box(count.0)
        })
    });
    group.finish();
}

criterion_group!(benches, flex);
criterion_main!(benches);
