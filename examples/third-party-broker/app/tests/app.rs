//! The app binary (`src/main.rs`) is the whole `stonks` app with Acme
//! Broker in it: its catalog is exactly the built-in plugins and Acme (a
//! registration that vanished at link time fails here, not in production),
//! it checks Acme's manifest, and it reads Acme's portfolio.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

/// What `stonks-cli` links, beside the plugin this crate adds.
const BUILT_IN: [&str; 10] = [
    "alpaca",
    "bitvavo",
    "degiro",
    "file",
    "fx-ecb",
    "ibkr",
    "identity-openfigi",
    "middleware-rules",
    "prices-file",
    "prices-yahoo",
];

fn acme_stonks(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_acme-stonks"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("STONKS_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_catalog_is_exactly_the_built_in_plugins_and_acme() {
    let (code, out, err) = acme_stonks(&["plugins", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let plugins: Vec<Value> = serde_json::from_str(&out).unwrap();
    let ids: BTreeSet<&str> = plugins.iter().filter_map(|p| p["id"].as_str()).collect();
    let expected: BTreeSet<&str> = BUILT_IN.into_iter().chain(["acme-broker"]).collect();
    assert_eq!(ids, expected);
}

#[test]
fn the_binary_checks_the_manifest() {
    let (code, out, err) = acme_stonks(&["manifest", "check", "../manifest.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.trim(), "../manifest.json: ok (acme-broker 0.1.0)");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_reads_an_acme_portfolio() {
    let (server, _faults) = common::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("stonks.toml");
    std::fs::write(
        &config,
        format!(
            "base_currency = \"USD\"\nstore = \"{}\"\n\n[brokers.acme-broker]\ntoken = \"{}\"\nbase_url = \"{}\"\n",
            dir.path().join("s.sqlite").display(),
            common::TOKEN,
            server.uri()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap().to_owned();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        acme_stonks(&["portfolio", "--format", "json", "--config", &config])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let msft = v["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["symbol"] == "MSFT")
        .unwrap();
    assert_eq!(msft["broker"], "acme-broker");
    assert_eq!(msft["quantity"], "12");
    assert_eq!(msft["market_value_base"], "4953.60");
    assert!(!out.contains(common::TOKEN) && !err.contains(common::TOKEN));
}
