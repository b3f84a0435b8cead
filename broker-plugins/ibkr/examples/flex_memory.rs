//! Peak memory of reading a Flex statement: generate one, then read it
//! from the file as a stream. Run each step under `/usr/bin/time -v`.
//!
//! ```text
//! cargo build --release -p stonks-broker-ibkr --example flex_memory
//! target/release/examples/flex_memory generate /tmp/flex-50.xml 1     # ~50 MB
//! target/release/examples/flex_memory generate /tmp/flex-5.xml 10     # ~5 MB
//! /usr/bin/time -v target/release/examples/flex_memory read /tmp/flex-50.xml
//! /usr/bin/time -v target/release/examples/flex_memory collect /tmp/flex-50.xml
//! ```
//!
//! `read` hands every row to a visitor that counts and adds up (what a
//! consumer that writes rows on, or sums them, keeps); `collect` keeps
//! the whole merged ledger and the positions, as the plugin's services do.

use std::collections::BTreeMap;
use std::io::BufReader;

use stonks_broker_ibkr::flex::{self, Visitor, Wanted};
use stonks_broker_ibkr::{Collected, Link};
use stonks_core::http::Redactor;
use stonks_core::v2::{CashBalance, LedgerEntry, Position};
use stonks_core::{Decimal, ReadProblem};
use stonks_testkit::synthetic::{FlexSize, flex_statement};

/// Counts rows by kind and adds up their amounts.
#[derive(Default)]
struct Tally {
    kinds: BTreeMap<String, usize>,
    amount: Decimal,
    positions: usize,
    problems: usize,
}

impl Visitor for Tally {
    fn wanted(&self) -> Wanted {
        Wanted::ALL
    }
    fn entry(&mut self, entry: LedgerEntry, _link: Option<Link>) {
        *self.kinds.entry(entry.kind.to_string()).or_default() += 1;
        self.amount += entry.amount.amount;
    }
    fn position(&mut self, _position: Position) {
        self.positions += 1;
    }
    fn cash(&mut self, _cash: CashBalance, _base_summary: bool) {}
    fn problem(&mut self, _problem: ReadProblem) {
        self.problems += 1;
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", path, divisor] => {
            let size = FlexSize::FIFTY_MB.divided_by(divisor.parse()?);
            let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
            flex_statement(size, &mut out)?;
            println!("{size:?} written to {path}");
        }
        ["read", path] => {
            let input = BufReader::new(std::fs::File::open(path)?);
            let mut tally = Tally::default();
            flex::read(input, path, &Redactor::new(), &mut tally)?;
            println!(
                "{:?}, {} positions, amounts add up to {}, {} problems",
                tally.kinds, tally.positions, tally.amount, tally.problems
            );
        }
        ["collect", path] => {
            let input = BufReader::new(std::fs::File::open(path)?);
            let mut collected = Collected::new(Wanted::ALL);
            flex::read(input, path, &Redactor::new(), &mut collected)?;
            let positions = collected.snapshot(false).positions.len();
            let (ledger, problems) = collected.into_ledger();
            println!(
                "{} ledger entries, {positions} positions, {} problems",
                ledger.len(),
                problems.len()
            );
        }
        _ => {
            eprintln!("usage: flex_memory generate PATH DIVISOR | read PATH | collect PATH");
            std::process::exit(2);
        }
    }
    Ok(())
}
