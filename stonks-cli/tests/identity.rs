//! Instrument identity through the CLI: a sync asks OpenFIGI (the testkit's
//! mock, keyless, its real limits) about what is new, within its limits,
//! once; what was learned is kept for `--offline` and the next sync; the
//! keys group every command's rows.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::stonks;
use serde_json::Value;
use stonks_testkit::MockOpenFigi;
use stonks_testkit::synthetic::isin;

/// Apple at two "brokers" (files): one by ISIN, one by ticker on Nasdaq
/// (no ISIN, as Alpaca sends it); the SAP share and the SAP ADR; and
/// `extra` instruments nobody knows.
fn write_files(dir: &Path, extra: u32) -> (PathBuf, PathBuf) {
    let mut a = String::from("timestamp,kind,symbol,isin,quantity,amount,currency\n");
    a.push_str("2024-01-02,buy,AAPL,US0378331005,7,-1300,USD\n");
    a.push_str("2024-01-03,buy,SAP,DE0007164600,3,-400,EUR\n");
    a.push_str("2024-01-04,buy,SAP,US8030542042,2,-280,USD\n");
    for n in 0..extra {
        writeln!(a, "2024-02-01,buy,X{n},{},1,-10,EUR", isin(n)).unwrap();
    }
    let alice = dir.join("alice.csv");
    std::fs::write(&alice, a).unwrap();
    let bob = dir.join("bob.csv");
    std::fs::write(
        &bob,
        "timestamp,kind,symbol,quantity,amount,currency\n2024-01-05,buy,AAPL,13,-2400,USD\n",
    )
    .unwrap();
    (alice, bob)
}

fn config(dir: &Path, figi: &MockOpenFigi, extra_toml: &str) -> PathBuf {
    let (alice, bob) = write_files(dir, 0);
    config_with(dir, figi, &alice, &bob, extra_toml)
}

fn config_with(dir: &Path, figi: &MockOpenFigi, alice: &Path, bob: &Path, extra: &str) -> PathBuf {
    let path = dir.join("stonks.toml");
    std::fs::write(
        &path,
        format!(
            "base_currency = \"EUR\"\nstore = {store:?}\n\n[brokers.alice]\nplugin = \"file\"\naccount = \"A\"\npath = {alice:?}\n\n[brokers.bob]\nplugin = \"file\"\naccount = \"B\"\npath = {bob:?}\n\n[identity]\nbase_url = {figi:?}\n\n[prices]\nenabled = false\n\n[fx]\nbase_url = \"http://127.0.0.1:9\"\n{extra}",
            store = dir.join("store.sqlite").display().to_string(),
            alice = alice.display().to_string(),
            bob = bob.display().to_string(),
            figi = figi.uri(),
        ),
    )
    .unwrap();
    path
}

fn json(r: &common::Run) -> Value {
    assert_eq!(r.code, 0, "{}", r.all());
    serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{e}: {}", r.out))
}

/// Holdings rows as (broker, symbol, instrument_key).
fn holding_keys(v: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = v["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["broker"].as_str().unwrap_or_default().to_owned(),
                h["symbol"].as_str().unwrap().to_owned(),
                h["instrument_key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_learned_once_kept_offline_and_group_every_answer() {
    let figi = MockOpenFigi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &figi, "");
    let cfg = cfg.to_str().unwrap();

    // Offline first: nothing asked, keys from what the files say.
    let r = stonks(
        &["holdings", "--offline", "--format", "json", "--config", cfg],
        &[],
    )
    .await;
    assert_eq!(figi.requests().await, 0, "--offline asks nothing");
    assert!(
        json(&r)["holdings"].as_array().unwrap().is_empty(),
        "nothing synced yet"
    );

    let r = stonks(&["sync", "--config", cfg], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    // Apple by ISIN, the SAP share, the SAP ADR: three queries, one
    // request. Bob's bare AAPL has no exchange: nothing to ask.
    assert_eq!(figi.requests().await, 1);
    let jobs: Vec<String> = figi
        .jobs()
        .iter()
        .map(|j| j["idValue"].to_string())
        .collect();
    assert_eq!(jobs.len(), 3, "{jobs:?}");
    assert!(
        r.err.contains("instruments: 3 asked, 3 resolved"),
        "{}",
        r.err
    );

    let holdings = json(
        &stonks(
            &["holdings", "--offline", "--format", "json", "--config", cfg],
            &[],
        )
        .await,
    );
    assert_eq!(
        holding_keys(&holdings),
        [
            ("alice".into(), "AAPL".into(), "figi:BBG001S5N8V8".into()),
            ("alice".into(), "SAP".into(), "figi:BBG001S6RD41".into()),
            ("alice".into(), "SAP".into(), "figi:BBG001S6RK27".into()),
            // A bare ticker is never merged on a guess.
            ("bob".into(), "AAPL".into(), "broker:bob:AAPL".into()),
        ],
        "the SAP share and its ADR are two instruments"
    );

    // A second sync asks nothing.
    let r = stonks(&["sync", "--config", cfg], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(figi.requests().await, 1, "the second sync costs no request");

    // The user says Bob's AAPL is Apple's ISIN: it joins Apple's key,
    // learned before, without asking again; and pooled gains pool it.
    let (alice, bob) = (dir.path().join("alice.csv"), dir.path().join("bob.csv"));
    let cfg = config_with(
        dir.path(),
        &figi,
        &alice,
        &bob,
        "\n[instruments]\n\"bob:AAPL\" = \"US0378331005\"\n",
    );
    let cfg = cfg.to_str().unwrap();
    let holdings = json(
        &stonks(
            &["holdings", "--offline", "--format", "json", "--config", cfg],
            &[],
        )
        .await,
    );
    let keys = holding_keys(&holdings);
    assert!(
        keys.contains(&("bob".into(), "AAPL".into(), "figi:BBG001S5N8V8".into())),
        "{keys:?}"
    );
    let pooled = json(
        &stonks(
            &[
                "gains",
                "--pooled",
                "--offline",
                "--format",
                "json",
                "--config",
                cfg,
            ],
            &[],
        )
        .await,
    );
    let apple: Vec<&Value> = pooled["unrealized"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["instrument_key"] == "figi:BBG001S5N8V8")
        .collect();
    assert_eq!(
        apple.len(),
        1,
        "one pool for Apple across brokers: {apple:?}"
    );
    assert_eq!(apple[0]["quantity"], "20");
    assert_eq!(figi.requests().await, 1, "an override asks nothing");

    // And the other way: the user splits Alice's Apple from what the
    // resolver said.
    let cfg2 = config_with(
        dir.path(),
        &figi,
        &alice,
        &bob,
        "\n[instruments]\n\"alice:AAPL\" = \"broker:alice:AAPL\"\n",
    );
    let holdings = json(
        &stonks(
            &[
                "holdings",
                "--offline",
                "--format",
                "json",
                "--config",
                cfg2.to_str().unwrap(),
            ],
            &[],
        )
        .await,
    );
    let keys = holding_keys(&holdings);
    assert!(
        keys.contains(&("alice".into(), "AAPL".into(), "broker:alice:AAPL".into())),
        "{keys:?}"
    );

    // `stonks instruments` says where each key came from (Bob's AAPL
    // merged by the user again: the config file was rewritten above).
    let cfg = config_with(
        dir.path(),
        &figi,
        &alice,
        &bob,
        "\n[instruments]\n\"bob:AAPL\" = \"US0378331005\"\n",
    );
    let cfg = cfg.to_str().unwrap();
    let v = json(
        &stonks(
            &[
                "instruments",
                "--offline",
                "--format",
                "json",
                "--config",
                cfg,
            ],
            &[],
        )
        .await,
    );
    let apple = v["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["instrument_key"] == "figi:BBG001S5N8V8")
        .unwrap();
    let sources: Vec<(&str, &str)> = apple["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["broker"].as_str().unwrap(),
                b["key_source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(sources, [("alice", "resolver"), ("bob", "config")]);
    assert_eq!(apple["resolver"][0]["status"], "found");
    assert_eq!(apple["identifiers"]["share_class_figi"], "BBG001S5N8V8");
}

/// 500 instruments new to the store: keyless OpenFIGI takes ten jobs a
/// request and 25 requests a minute, so the sync must cost 50 requests,
/// none refused (the mock answers 429 past its rolling window), and the
/// next sync none. Slow by nature: the limit is the real one.
#[tokio::test(flavor = "multi_thread")]
async fn five_hundred_new_instruments_cost_fifty_requests_within_the_limit() {
    let figi = MockOpenFigi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = write_files(dir.path(), 497);
    let cfg = config_with(dir.path(), &figi, &alice, &bob, "");
    let cfg = cfg.to_str().unwrap();
    let r = stonks(&["sync", "--config", cfg], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.err
            .contains("instruments: 500 asked, 3 resolved, 497 unknown"),
        "{}",
        r.err
    );
    assert_eq!(figi.jobs().len(), 500);
    assert_eq!(figi.requests().await, 50, "ten jobs a request");
    assert_eq!(
        figi.answered(),
        50,
        "no request refused: the limit was kept"
    );
    let r = stonks(&["sync", "--config", cfg], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(figi.requests().await, 50, "the second sync costs none");
}
