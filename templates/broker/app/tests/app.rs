//! The app binary is the whole `stonks` app with {{display_name}} in it:
//! its catalog is exactly the built-in plugins and this one (a registration
//! that vanished at link time fails here, not in production), it checks the
//! manifest, and it reads the broker's portfolio through a config file.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

/// What `stonks-cli` links, beside the plugin this crate adds. A stonks
/// release that adds a plugin changes this list.
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

fn app(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_{{project-name}}-stonks"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("STONKS_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .expect("the app binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_catalog_is_exactly_the_built_in_plugins_and_this_one() {
    let (code, out, err) = app(&["plugins", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let plugins: Vec<Value> = serde_json::from_str(&out).unwrap();
    let ids: BTreeSet<&str> = plugins.iter().filter_map(|p| p["id"].as_str()).collect();
    let expected: BTreeSet<&str> = BUILT_IN.into_iter().chain(["{{project-name}}"]).collect();
    assert_eq!(ids, expected);
}

#[test]
fn the_manifest_checks() {
    let (code, out, err) = app(&["manifest", "check", "../manifest.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.trim(), "../manifest.json: ok ({{project-name}} 0.1.0)");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_reads_the_portfolio() {
    let (server, _faults) = common::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("stonks.toml");
    std::fs::write(
        &config,
        format!(
            "base_currency = \"USD\"\nstore = \"{}\"\n\n[brokers.{{project-name}}]\ntoken = \"{}\"\nbase_url = \"{}\"\n",
            dir.path().join("s.sqlite").display(),
            common::TOKEN,
            server.uri()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap().to_owned();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        app(&["portfolio", "--format", "json", "--config", &config])
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
        .expect("MSFT among the positions");
    assert_eq!(msft["broker"], "{{project-name}}");
    assert_eq!(msft["quantity"], "8");
    assert_eq!(msft["market_value_base"], "3302.40");
    assert!(!out.contains(common::TOKEN) && !err.contains(common::TOKEN));
}
