//! A sync never moves its cursor past what it could not read, for every
//! broker with a ledger: an error object where a page belongs fails the
//! call (nothing stored, the cursor stays), and a row left out keeps the
//! cursor where it was, so the next healthy sync reads it once the broker
//! corrects it. Each case is checked against a reference sync of the same
//! mock that met no fault: every entry must be there in the end.

use std::path::{Path, PathBuf};

use serde_json::Value;
use stonks_testkit::faults::MAINTENANCE_OBJECT;
use stonks_testkit::{Faults, MockAlpaca, MockBitvavo, MockDegiro, MockEcb, MockIbkr};

mod common;
use common::Run;

fn config(dir: &Path, id: &str, settings: &Value, ecb: &MockEcb) -> PathBuf {
    common::config(dir, &[(id, settings.clone())], Some(ecb))
}

async fn stonks(args: &[&str]) -> Run {
    common::stonks(args, &[]).await
}

/// The ids of every stored entry.
async fn stored(path: &str) -> Vec<String> {
    let r = stonks(&[
        "transactions",
        "--offline",
        "--format",
        "json",
        "--config",
        path,
    ])
    .await;
    assert_eq!(r.code, 0, "{}", r.all());
    let rows: Vec<Value> = serde_json::from_str(&r.out).unwrap();
    let mut ids: Vec<String> = rows
        .iter()
        .map(|r| format!("{}/{}", r["account"], r["id"]))
        .collect();
    ids.sort();
    ids
}

/// One broker's mock, as the cases need it.
struct Broker {
    id: &'static str,
    settings: Value,
    faults: Faults,
    /// Whether a request path is one of the ledger's.
    is_ledger: fn(&str) -> bool,
}

/// Runs every case against `broker`, returning how many entries a clean
/// sync stores.
async fn every_entry_survives(broker: Broker, requests: impl AsyncFn() -> Vec<String>) -> usize {
    let ecb = MockEcb::start().await;
    let id = broker.id;

    // The reference: a sync that met no fault, and where its ledger
    // requests start.
    let clean = tempfile::tempdir().unwrap();
    let path = config(clean.path(), id, &broker.settings, &ecb);
    let path = path.to_str().unwrap();
    let seen_before = requests().await.len();
    let r = stonks(&["sync", "--config", path]).await;
    assert_eq!(r.code, 0, "{id}: {}", r.all());
    let all = stored(path).await;
    assert!(all.len() > 10, "{id}: {}", all.len());
    let paths = requests().await;
    let first_ledger = paths[seen_before..]
        .iter()
        .position(|p| (broker.is_ledger)(p))
        .unwrap_or_else(|| panic!("{id}: no ledger request in {paths:?}"));

    // (a) The first ledger page is an error object: the call fails, the
    // broker's words are shown, nothing is stored, and the next healthy
    // sync (which reads from where the cursor stayed) gives every entry.
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), id, &broker.settings, &ecb);
    let path = path.to_str().unwrap();
    broker
        .faults
        .error_objects_after(u32::try_from(first_ledger).unwrap(), 1);
    let r = stonks(&["sync", "--config", path]).await;
    broker.faults.clear();
    assert_ne!(r.code, 0, "{id}: {}", r.all());
    assert!(
        r.all().contains("service in maintenance"),
        "{id}: the broker's words are shown: {}",
        r.all()
    );
    assert!(stored(path).await.is_empty(), "{id}");
    let r = stonks(&["sync", "--config", path]).await;
    assert_eq!(r.code, 0, "{id}: {}", r.all());
    assert_eq!(
        stored(path).await,
        all,
        "{id}: every entry after a bad page"
    );

    // (b) One row cannot be read: the rest is stored, the cursor stays,
    // and the row is read once the broker sends it right.
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), id, &broker.settings, &ecb);
    let path = path.to_str().unwrap();
    broker.faults.corrupt_rows(1);
    let r = stonks(&["sync", "--config", path]).await;
    broker.faults.clear();
    assert_eq!(r.code, 0, "a left-out row is not a failure: {}", r.all());
    assert!(
        r.all()
            .contains("1 unreadable row left out, read again next sync"),
        "{id}: {}",
        r.all()
    );
    let first = stored(path).await;
    let missing: Vec<&String> = all.iter().filter(|e| !first.contains(e)).collect();
    assert_eq!(missing.len(), 1, "{id}: {missing:?}");
    let r = stonks(&["sync", "--config", path]).await;
    assert_eq!(r.code, 0, "{id}: {}", r.all());
    assert!(!r.all().contains("unreadable"), "{id}: {}", r.all());
    // Every entry of the reference, the corrected row among them. (A
    // DEGIRO trade left out leaves its cash legs as entries of their own,
    // which stay: what was stored is never taken back by a sync.)
    let last = stored(path).await;
    let missing: Vec<&String> = all.iter().filter(|e| !last.contains(e)).collect();
    assert!(
        missing.is_empty(),
        "{id}: the corrected row is read: {missing:?}"
    );
    all.len()
}

fn paths(requests: Vec<stonks_testkit::wiremock::Request>) -> Vec<String> {
    requests.iter().map(|r| r.url.path().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn alpaca_sync_loses_nothing() {
    let mock = MockAlpaca::start().await;
    let broker = Broker {
        id: "alpaca",
        settings: mock.config(),
        faults: mock.faults().clone(),
        is_ledger: |p| p.ends_with("/account/activities"),
    };
    let n = every_entry_survives(broker, async || paths(mock.received_requests().await)).await;
    // A withholding is folded into its dividend: fewer entries than rows.
    assert!(n > 100 && n <= mock.activities_len(), "{n}");
    // Alpaca's activities are a list at the top of the answer: the error
    // object reached the list's own parser, the case a sync once read as
    // one unreadable row and moved past.
    assert!(MAINTENANCE_OBJECT.starts_with('{'));
}

#[tokio::test(flavor = "multi_thread")]
async fn bitvavo_sync_loses_nothing() {
    let mock = MockBitvavo::start().await;
    let broker = Broker {
        id: "bitvavo",
        settings: mock.config(),
        faults: mock.faults().clone(),
        is_ledger: |p| p.ends_with("/account/history"),
    };
    let n = every_entry_survives(broker, async || paths(mock.received_requests().await)).await;
    assert_eq!(n, mock.history_len());
}

#[tokio::test(flavor = "multi_thread")]
async fn degiro_sync_loses_nothing() {
    let mock = MockDegiro::start().await;
    let broker = Broker {
        id: "degiro",
        settings: mock.config(),
        faults: mock.faults().clone(),
        is_ledger: |p| p.contains("/portfolio-reports/") || p.contains("accountoverview"),
    };
    let n = every_entry_survives(broker, async || paths(mock.received_requests().await)).await;
    assert!(n > 100, "{n}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ibkr_sync_loses_nothing() {
    let mock = MockIbkr::start().await;
    let broker = Broker {
        id: "ibkr",
        settings: mock.flex_config(),
        faults: mock.faults().clone(),
        is_ledger: |p| p.ends_with("/GetStatement"),
    };
    let n = every_entry_survives(broker, async || paths(mock.received_requests().await)).await;
    assert!(n > 100, "{n}");
}
