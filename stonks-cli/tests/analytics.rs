//! The analysis commands run as a user runs them: two instances of the
//! file broker (`[brokers.alice] plugin = "file"`), synced twice (the
//! second adds nothing), then holdings, gains, dividends and performance
//! from the store, with the figures the files must turn into; and every
//! command against the sandbox.

use std::path::{Path, PathBuf};

use serde_json::Value;
use stonks_testkit::{MockEcb, fixture_path};

mod common;
use common::Run;

fn config(dir: &Path, ecb: &MockEcb) -> PathBuf {
    let text = format!(
        r#"base_currency = "EUR"
store = "{store}"

[brokers.alice]
plugin = "file"
path = "{alice}"
account = "A"

[brokers.bob]
plugin = "file"
path = "{bob}"
account = "B"
positions = "{positions}"

# No resolver in these tests: keys from what brokers say.
[identity]
enabled = false

[prices]
enabled = false

[fx]
base_url = "{ecb}"
"#,
        store = dir.join("store.sqlite").display(),
        alice = fixture_path!("tests/fixtures/files/alice.json").display(),
        bob = fixture_path!("tests/fixtures/files/bob.csv").display(),
        positions = fixture_path!("tests/fixtures/files/bob-positions.csv").display(),
        ecb = ecb.config()["base_url"].as_str().unwrap(),
    );
    let path = dir.join("stonks.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn json(r: &Run) -> Value {
    assert_eq!(r.code, 0, "{}\n{}", r.out, r.err);
    serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{e}: {}", r.out))
}

fn dec(v: &Value) -> rust_decimal::Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a decimal string"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_file_instances_answer_every_analysis() {
    let ecb = MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &ecb);
    let cfg = cfg.to_str().unwrap().to_owned();
    let run = move |args: Vec<&'static str>| {
        let cfg = cfg.clone();
        async move {
            let mut a: Vec<&str> = args.clone();
            a.extend(["--config", cfg.as_str()]);
            common::stonks(&a, &[]).await
        }
    };

    let first = run(vec!["sync"]).await;
    assert_eq!(first.code, 0, "{}{}", first.out, first.err);
    assert!(
        first.err.contains("alice: 6 entries read, 6 new"),
        "{}",
        first.err
    );
    assert!(
        first.err.contains("bob: 5 entries read, 5 new"),
        "{}",
        first.err
    );
    let again = run(vec!["sync"]).await;
    assert!(
        again.err.contains("alice: 6 entries read, 0 new"),
        "{}",
        again.err
    );
    assert!(
        again.err.contains("bob: 5 entries read, 0 new"),
        "importing the same file twice changes nothing: {}",
        again.err
    );

    let h = json(&run(vec!["holdings", "--offline", "--format", "json"]).await);
    let rows = h["holdings"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{h}");
    let asml = rows.iter().find(|r| r["symbol"] == "ASML").unwrap();
    assert_eq!(
        (asml["broker"].as_str(), asml["account"].as_str()),
        (Some("alice"), Some("A"))
    );
    assert_eq!(dec(&asml["quantity"]), "5".parse().unwrap());
    assert_eq!(dec(&asml["cost"]), "600.5".parse().unwrap());
    assert!(
        asml["value"].is_null(),
        "alice reports no positions: no value"
    );
    let vwrl = rows.iter().find(|r| r["symbol"] == "VWRL").unwrap();
    assert_eq!(dec(&vwrl["cost"]), "601.2".parse().unwrap());
    assert_eq!(dec(&vwrl["value"]), "690".parse().unwrap());
    assert_eq!(dec(&vwrl["gain_base"]), "88.8".parse().unwrap());
    assert_eq!(
        h["differences"],
        Value::Array(vec![]),
        "bob's ledger matches his positions"
    );

    let g = json(&run(vec!["gains", "--offline", "--format", "json"]).await);
    let realized = g["realized"].as_array().unwrap();
    let gains: Vec<(String, rust_decimal::Decimal)> = realized
        .iter()
        .map(|r| {
            (
                r["broker"].as_str().unwrap().to_owned(),
                dec(&r["gain_base"]),
            )
        })
        .collect();
    assert_eq!(
        gains,
        vec![
            ("alice".to_owned(), "346.5".parse().unwrap()),
            ("bob".to_owned(), "37.2".parse().unwrap())
        ]
    );
    assert_eq!(dec(&g["totals"]["realized_base"]), "383.7".parse().unwrap());
    let lifo = json(
        &run(vec![
            "gains",
            "--offline",
            "--format",
            "json",
            "--method",
            "lifo",
        ])
        .await,
    );
    assert_eq!(lifo["method"], "lifo");
    assert_eq!(dec(&lifo["realized"][0]["cost"]), "1701.5".parse().unwrap());

    let d = json(
        &run(vec![
            "dividends",
            "--offline",
            "--format",
            "json",
            "--by",
            "broker",
        ])
        .await,
    );
    assert_eq!(dec(&d["totals"]["gross_base"]), "22".parse().unwrap());
    assert_eq!(dec(&d["totals"]["tax_base"]), "-1.35".parse().unwrap());
    let groups: Vec<(&str, u64)> = d["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["payments"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        groups,
        vec![("alice", 1), ("bob", 2)],
        "two identical rows stay two payments"
    );

    let p = json(&run(vec!["performance", "--offline", "--format", "json"]).await);
    let rows = p["rows"].as_array().unwrap();
    let bob = rows
        .iter()
        .find(|r| r["scope"] == "account" && r["broker"] == "bob")
        .unwrap();
    assert_eq!(dec(&bob["invested_base"]), "3000".parse().unwrap());
    assert_eq!(
        dec(&bob["value_base"]),
        "3139".parse().unwrap(),
        "690 in VWRL and 2449 cash"
    );
    assert!(dec(&bob["money_weighted_return"]) > rust_decimal::Decimal::ZERO);
    let alice = rows
        .iter()
        .find(|r| r["scope"] == "account" && r["broker"] == "alice")
        .unwrap();
    assert!(alice["value_base"].is_null() && alice["money_weighted_return"].is_null());

    let table = run(vec!["gains", "--offline"]).await;
    assert_eq!(table.code, 0);
    assert!(
        table.out.contains("Per year:") && table.out.contains("383.7"),
        "{}",
        table.out
    );
}

#[cfg_attr(not(feature = "sandbox"), ignore = "needs the `sandbox` feature")]
#[test]
fn every_analysis_runs_in_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sqlite");
    let env = [("STONKS_SANDBOX_STORE", store.to_str().unwrap())];
    let sync = common::run(&["sync", "--sandbox"], &env);
    assert_eq!(sync.code, 0, "{}{}", sync.out, sync.err);
    for command in ["holdings", "gains", "dividends", "performance"] {
        let r = common::run(
            &[command, "--sandbox", "--offline", "--format", "json"],
            &env,
        );
        let v = json(&r);
        assert!(v["base_currency"] == "EUR", "{command}: {v}");
        assert!(!r.err.contains("panicked"), "{}", r.err);
    }
    let g = json(&common::run(
        &["gains", "--sandbox", "--offline", "--format", "json"],
        &env,
    ));
    assert!(g["realized"].as_array().unwrap().len() > 10, "{g}");
    let brokers: std::collections::BTreeSet<&str> = g["realized"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["broker"].as_str())
        .collect();
    assert!(
        brokers.len() >= 4,
        "sales at every sandbox broker: {brokers:?}"
    );
}

/// The sandbox's brokers are accounts a real broker could report: what each
/// one's ledger adds up to is what it says it holds, so the holdings report
/// finds no difference at any of them (MockBitvavo's balances and
/// MockDegiro's positions are derived from their histories, as MockAlpaca's
/// and MockIbkr's are).
#[cfg_attr(not(feature = "sandbox"), ignore = "needs the `sandbox` feature")]
#[test]
fn the_sandbox_ledgers_add_up_to_the_brokers_positions() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sqlite");
    let env = [("STONKS_SANDBOX_STORE", store.to_str().unwrap())];
    let h = json(&common::run(
        &["holdings", "--sandbox", "--format", "json"],
        &env,
    ));
    let brokers = ["alpaca", "bitvavo", "degiro", "ibkr"];
    let held: std::collections::BTreeSet<&str> = h["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["broker"].as_str())
        .collect();
    assert_eq!(
        held,
        brokers.into_iter().collect(),
        "every broker synced and reconciled"
    );
    for broker in brokers {
        let theirs: Vec<&Value> = h["differences"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["broker"] == broker)
            .collect();
        assert!(theirs.is_empty(), "{broker}: {theirs:#?}");
    }
    // Nor is anything sold or sent that was not held.
    let problems = h["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .all(|p| !p.as_str().unwrap().contains("were held")),
        "{problems:#?}"
    );
}
