//! The five-line binary (`src/bin/acme-stonks.rs`) is the whole `stonks`
//! app with Acme Broker in it: it lists the plugin beside the built-in
//! brokers, writes its fields into `init`'s template, and reads its
//! portfolio.

mod common;

use std::process::Command;

use serde_json::Value;

fn acme_stonks(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_acme-stonks"))
        .args(args)
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
fn the_binary_lists_acme_beside_the_built_in_brokers() {
    let (code, out, err) = acme_stonks(&["plugins", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let plugins: Vec<Value> = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = plugins.iter().filter_map(|p| p["id"].as_str()).collect();
    for id in ["acme-broker", "bitvavo", "degiro"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
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
