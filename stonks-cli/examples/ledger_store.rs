//! Writes a store holding a synthetic ledger, and a config that reads it,
//! for timing `stonks transactions --offline` on a large ledger:
//!
//! ```sh
//! cargo run --release -p stonks-cli --example ledger_store -- /tmp/big 100000
//! /usr/bin/time -v target/release/stonks transactions --offline --format json \
//!     --config /tmp/big/stonks.toml > /dev/null
//! ```

use std::path::PathBuf;

use stonks_app::store::Store;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: ledger_store DIR [ENTRIES]")?);
    let n: usize = args.next().map_or(Ok(100_000), |n| n.parse())?;
    std::fs::create_dir_all(&dir)?;
    let store_path = dir.join("stonks.sqlite");
    let mut store = Store::open(&store_path)?;
    let entries = stonks_testkit::synthetic::ledger(n);
    let until = entries.last().map(|e| e.timestamp).unwrap_or_default();
    store.commit_sync("degiro", &entries, until)?;
    // The broker is configured (so the app has something to read) but never
    // called: --offline answers from the store.
    let config = format!(
        "base_currency = \"EUR\"\nstore = {:?}\n\n[brokers.degiro]\nusername = \"offline\"\npassword = \"offline-only\"\n",
        store_path.display().to_string()
    );
    std::fs::write(dir.join("stonks.toml"), config)?;
    println!("{n} entries in {}", store_path.display());
    Ok(())
}
