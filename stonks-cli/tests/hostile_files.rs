//! Paths in a config that name something other than a modest regular file:
//! a FIFO (opening it blocks until someone writes), a device that never
//! ends, a sparse file of 2 GB. Each is refused up front with a sentence
//! naming it, and the process exits promptly instead of hanging or
//! reading gigabytes.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

mod common;
use common::run_within;

fn config(dir: &Path, broker: &str) -> PathBuf {
    let text = format!(
        "base_currency = \"EUR\"\nstore = {:?}\n\n{broker}\n\n[identity]\nenabled = false\n\n[prices]\nenabled = false\n\n[fx]\nbase_url = \"http://127.0.0.1:9\"\n",
        dir.join("store.sqlite").display().to_string(),
    );
    let path = dir.join("stonks.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_fifo_a_device_and_a_huge_sparse_file_are_refused_and_the_process_exits() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("statement.xml");
    assert!(mkfifo(&fifo), "mkfifo is part of coreutils");
    let sparse = dir.path().join("huge.xml");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let cases = [
        (
            fifo.display().to_string(),
            "a FIFO (named pipe), not a regular file",
        ),
        ("/dev/zero".to_owned(), "a device, not a regular file"),
        (
            sparse.display().to_string(),
            "it is 2147483648 bytes, over the 268435456 bytes",
        ),
    ];
    for (path, why) in cases {
        let broker = format!("[brokers.ibkr]\nflex_files = [{path:?}]\ntimeout_secs = 5");
        let cfg = config(dir.path(), &broker);
        let r = run_within(
            &["sync", "--config", cfg.to_str().unwrap()],
            Duration::from_secs(20),
        );
        let (code, shown) = (r.code, r.all());
        assert_ne!(code, 0, "{path}: {shown}");
        assert!(shown.contains(why), "{path}: {shown}");
        assert!(shown.contains(&path), "the path is named: {shown}");
    }
}

#[test]
fn a_fifo_as_a_file_broker_ledger_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("ledger.csv");
    assert!(mkfifo(&fifo));
    let broker = format!(
        "[brokers.alice]\nplugin = \"file\"\naccount = \"joint\"\npath = {:?}",
        fifo.display().to_string()
    );
    let cfg = config(dir.path(), &broker);
    let r = run_within(
        &["transactions", "--config", cfg.to_str().unwrap()],
        Duration::from_secs(20),
    );
    let (code, shown) = (r.code, r.all());
    assert_ne!(code, 0, "{shown}");
    assert!(
        shown.contains("a FIFO (named pipe), not a regular file"),
        "{shown}"
    );
}

#[test]
fn a_fifo_as_the_config_or_a_manifest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("stonks.toml");
    assert!(mkfifo(&fifo));
    let r = run_within(
        &["portfolio", "--config", fifo.to_str().unwrap()],
        Duration::from_secs(20),
    );
    let (code, shown) = (r.code, r.all());
    assert_ne!(code, 0, "{shown}");
    assert!(
        shown.contains("a FIFO (named pipe), not a regular file"),
        "{shown}"
    );
    let r = run_within(&["manifest", "check", "/dev/zero"], Duration::from_secs(20));
    let (code, shown) = (r.code, r.all());
    assert_ne!(code, 0, "{shown}");
    assert!(shown.contains("/dev/zero: it is a device"), "{shown}");
}
