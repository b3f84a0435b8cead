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
use std::process::{Command, Output};

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
];

fn faketime() -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join("faketime"))
        .find(|p| p.is_file())
}

fn stonks(faketime: &Path, store: &Path, args: &[&str]) -> Output {
    Command::new(faketime)
        .args(["-f", PINNED, env!("CARGO_BIN_EXE_stonks"), "--sandbox"])
        .args(args)
        .env("STONKS_SANDBOX_STORE", store)
        .env_remove("STONKS_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
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
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/contracts");
    let bless = std::env::var_os("STONKS_BLESS").is_some();
    let mut changed = Vec::new();
    for args in COMMANDS {
        let mut full = vec!["--format", "json"];
        full.extend_from_slice(args);
        full.push("--offline");
        let run = stonks(&faketime, &store, &full);
        assert!(
            run.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let file = snapshots.join(format!("{}.json", args.join("_").replace("--", "")));
        if bless {
            std::fs::create_dir_all(&snapshots).unwrap();
            std::fs::write(&file, &run.stdout).unwrap();
        }
        let expected = std::fs::read(&file).unwrap_or_default();
        if run.stdout != expected {
            changed.push(file.display().to_string());
        }
    }
    assert!(
        changed.is_empty(),
        "JSON contracts changed (if intended: STONKS_BLESS=1, then read the diff): {changed:#?}"
    );
}
