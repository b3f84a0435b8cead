//! Every command's JSON contract on the sandbox, byte for byte, against
//! snapshots: a refactoring of the app must not change one byte of what
//! users' scripts read. The clock is pinned with libfaketime (Debian's
//! `faketime`, which `.ci/run` installs), so values that depend on today
//! (returns a year, yields of the last twelve months) are stable too.
//!
//! To accept an intended change: `STONKS_BLESS=1 cargo test -p stonks-cli
//! --test contracts`, then read the diff of `tests/snapshots/contracts/`.

#![cfg(all(unix, feature = "sandbox"))]

use std::path::{Path, PathBuf};

mod common;
use common::Run;

/// The moment every run starts at (the clock then runs on from it).
const PINNED: &str = "@2026-12-01 12:00:00";

/// The commands whose JSON is a contract, with their snapshot's name.
const COMMANDS: &[&[&str]] = &[
    &["portfolio"],
    &["transactions"],
    &["holdings"],
    &["gains"],
    &["gains", "--method", "lifo"],
    &["gains", "--method", "average"],
    &["gains", "--pooled"],
    &["gains", "--year", "2024"],
    &["dividends"],
    &["dividends", "--by", "month"],
    &["dividends", "--by", "instrument"],
    &["dividends", "--by", "broker", "--year", "2024"],
    &["performance"],
    &[
        "returns",
        "--from",
        "2024-01-01",
        "--to",
        "2024-03-31",
        "--by",
        "broker",
    ],
    &["tax", "--rules", "uk", "--year", "2024"],
    &["tax", "--rules", "us", "--year", "2024"],
    &["tax", "--rules", "nl", "--year", "2025"],
];

fn faketime() -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join("faketime"))
        .find(|p| p.is_file())
}

/// `stonks --sandbox args` at the pinned time, its store at `store`.
fn stonks(faketime: &Path, store: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--sandbox"];
    all.extend_from_slice(args);
    let env = [("STONKS_SANDBOX_STORE", store.to_str().unwrap())];
    common::run_at(faketime, PINNED, &all, &env)
}

#[test]
fn every_commands_json_is_what_it_was() {
    let Some(faketime) = faketime() else {
        // CI installs it: there a missing faketime is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "faketime is not installed (apt-get install faketime)"
        );
        eprintln!("skipped: faketime is not installed (apt-get install faketime)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite");
    let sync = stonks(&faketime, &store, &["sync"]);
    assert_eq!(sync.code, 0, "{}", sync.err);
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/contracts");
    let bless = std::env::var_os("STONKS_BLESS").is_some();
    let mut changed = Vec::new();
    for args in COMMANDS {
        let mut full = vec!["--format", "json"];
        full.extend_from_slice(args);
        // The sync stored the rates since the first entry: offline, every
        // command answers from the store alone.
        full.push("--offline");
        let run = stonks(&faketime, &store, &full);
        assert_eq!(run.code, 0, "{args:?}: {}", run.err);
        let file = snapshots.join(format!("{}.json", args.join("_").replace("--", "")));
        if bless {
            std::fs::create_dir_all(&snapshots).unwrap();
            std::fs::write(&file, &run.out).unwrap();
        }
        let expected = std::fs::read(&file).unwrap_or_default();
        if run.out.as_bytes() != expected {
            changed.push(file.display().to_string());
        }
    }
    assert!(
        changed.is_empty(),
        "JSON contracts changed (if intended: STONKS_BLESS=1, then read the diff): {changed:#?}"
    );
}

/// A `transactions` export, JSON or CSV, reads back as a file broker's
/// ledger: every row, none left out, with its links and terms.
#[test]
fn a_transactions_export_reads_back_as_a_file_ledger() {
    let snapshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/contracts/transactions.json");
    let exported: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&snapshot).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], config: &Path| {
        let mut all = args.to_vec();
        all.extend(["--config", config.to_str().unwrap()]);
        common::run(&all, &[])
    };
    let config = |name: &str, ledger: &Path| {
        let path = dir.path().join(format!("{name}.toml"));
        let text = format!(
            "base_currency = \"EUR\"\nstore = {:?}\n\n[brokers.all]\nplugin = \"file\"\naccount = \"joint\"\npath = {:?}\n\n[identity]\nenabled = false\n\n[prices]\nenabled = false\n\n[fx]\nbase_url = \"http://127.0.0.1:9\"\n",
            dir.path()
                .join(format!("{name}.sqlite"))
                .display()
                .to_string(),
            ledger.display().to_string()
        );
        std::fs::write(&path, text).unwrap();
        path
    };
    // JSON, as exported.
    let from_json = run(
        &["transactions", "--format", "json"],
        &config("json", &snapshot),
    );
    assert_eq!(from_json.code, 0);
    assert!(from_json.err.is_empty(), "{}", from_json.err);
    let read: Vec<serde_json::Value> = serde_json::from_str(&from_json.out).unwrap();
    assert_eq!(read.len(), exported.len());
    let key = |r: &serde_json::Value| {
        [
            "id",
            "kind",
            "amount",
            "currency",
            "belongs_to",
            "ratio",
            "new_isin",
        ]
        .map(|k| r[k].to_string())
        .join("|")
    };
    let mut want: Vec<String> = exported.iter().map(key).collect();
    let mut got: Vec<String> = read.iter().map(key).collect();
    want.sort();
    got.sort();
    let lost: Vec<&String> = want.iter().filter(|w| !got.contains(w)).take(5).collect();
    assert!(
        lost.is_empty(),
        "ids, kinds, amounts, links and terms survive: {lost:?}"
    );
    // CSV, exported from that file broker and read back again.
    let csv = run(
        &["transactions", "--format", "csv"],
        &config("json", &snapshot),
    );
    let csv_path = dir.path().join("ledger.csv");
    std::fs::write(&csv_path, &csv.out).unwrap();
    let from_csv = run(
        &["transactions", "--format", "json"],
        &config("csv", &csv_path),
    );
    assert!(from_csv.err.is_empty(), "{}", from_csv.err);
    let again: Vec<serde_json::Value> = serde_json::from_str(&from_csv.out).unwrap();
    let got: Vec<String> = again.iter().map(key).collect();
    let lost: Vec<&String> = want.iter().filter(|w| !got.contains(w)).take(5).collect();
    assert!(lost.is_empty(), "the same through CSV: {lost:?}");
}

/// Positions name their instrument key: one crypto asset is one key at
/// every broker and in every spelling (Alpaca's `BTCUSD`, Bitvavo's
/// `BTC`); a share is its share class at every broker, whether the broker
/// named it by ISIN or by ticker; what nothing identifies stays the
/// broker's own.
#[test]
fn positions_carry_their_instrument_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite");
    let store = store.to_str().unwrap();
    let r = common::run(
        &["--sandbox", "--format", "json", "portfolio"],
        &[("STONKS_SANDBOX_STORE", store)],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let key_of = |broker: &str, symbol: &str| -> String {
        v["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["broker"] == broker && p["symbol"] == symbol)
            .unwrap_or_else(|| panic!("no {symbol} at {broker}"))["instrument_key"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(key_of("alpaca", "BTCUSD"), "crypto:BTC");
    assert_eq!(key_of("bitvavo", "BTC"), "crypto:BTC");
    // IBKR's Apple (by ISIN) and Alpaca's (by ticker on Nasdaq) are one
    // share class, resolved through the sandbox's OpenFIGI.
    assert_eq!(key_of("ibkr", "AAPL"), "figi:BBG001S5N8V8");
    assert_eq!(key_of("alpaca", "AAPL"), "figi:BBG001S5N8V8");
    assert_eq!(key_of("degiro", "AAPL"), "figi:BBG001S5N8V8");
    // An option has no ISIN and nothing to ask: the broker's own key.
    let option = v["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["broker"] == "ibkr" && p["asset_class"] == "option")
        .expect("the sandbox's AAPL call");
    assert!(
        option["instrument_key"]
            .as_str()
            .unwrap()
            .starts_with("broker:ibkr:"),
        "{option}"
    );
}
