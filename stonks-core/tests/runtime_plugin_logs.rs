//! A runtime plugin's stderr is logged, and its secrets never are. Alone
//! in its test binary: it installs a log subscriber for its thread.
#![cfg(unix)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use stonks_core::v2::{PortfolioQuery, TransactionQuery, collect_ledger};
use stonks_core::{PluginOrigin, PluginState};

mod common;
use common::*;

/// Log lines, as the host writes them.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// One thread: the task logging the plugin's stderr sees this test's subscriber.
#[tokio::test]
async fn a_folder_plugin_serves_v2_and_v1_and_its_secret_never_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good", &manifest("good", ""), &plugin(GOOD));
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let r = registry(dir.path());
    let entry = r.entry("good").unwrap();
    assert_eq!(entry.state, PluginState::Loaded, "{:?}", entry.error);
    assert_eq!(
        entry.origin,
        PluginOrigin::Folder {
            path: dir.path().join("good").canonicalize().unwrap()
        }
    );
    r.activate("good", &config()).unwrap();
    let snap = r
        .portfolio_v2("good")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
    assert_eq!(snap.cash[0].amount.amount.to_string(), "12.34");
    // Two pages; a bad item is a problem beside the rest, never a failed page.
    let page = collect_ledger(
        &*r.transactions_v2("good").unwrap(),
        TransactionQuery::new(),
    )
    .await
    .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e0", "e1", "e2"]);
    assert_eq!(page.items[2].amount.amount.to_string(), "102.50");
    let problems: Vec<String> = page.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("row 9 unreadable"), "{problems:?}");
    assert!(problems[1].contains("items[1]") && problems[1].contains("not a ledger entry"));
    // The registry adapts it to v1, like any v2 plugin.
    let v1 = r.transactions_v1("good").unwrap().transactions().await;
    assert!(v1.is_ok(), "{v1:?}");

    // The stderr lines arrive on their own: wait for them (at most 5 s).
    let logged = || String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    for _ in 0..50 {
        if logged().contains("snapshot asked") && logged().contains("starting with token") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logged = logged();
    assert!(
        logged.contains("snapshot asked, token=[REDACTED]"),
        "{logged}"
    );
    assert!(logged.contains("starting with token"), "{logged}");
    assert!(
        !logged.contains(TOKEN),
        "the token reached the log: {logged}"
    );
    let health = r.health("good").unwrap();
    assert!(health.calls >= 3, "{health:?}");
}
