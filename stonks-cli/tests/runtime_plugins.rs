//! The Python example broker installed as a runtime plugin (a folder in
//! `[plugins] dirs`), configured and read like any broker: `stonks plugins`
//! lists it from its folder, `stonks portfolio` and `stonks transactions`
//! answer from its mock through the plugin's requests via the host.
#![cfg(unix)]

use std::path::Path;

use serde_json::Value;
use stonks_testkit::MockExampleBroker;
use stonks_testkit::example_broker::{ACTIVITIES, TOKEN};

mod common;

/// The example installed into `dir/plugins/python-example`.
fn install(dir: &Path) -> std::path::PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/python-broker");
    let to = dir.join("plugins").join("python-example");
    std::fs::create_dir_all(&to).unwrap();
    for f in ["manifest.json", "plugin.py", "stonks_plugin.py"] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
    to
}

fn config(dir: &Path, mock: &MockExampleBroker) -> String {
    let text = format!(
        "base_currency = \"USD\"\nstore = {:?}\n\n[plugins]\ndirs = [\"plugins\"]\n\n[brokers.python-example]\ntoken = \"{TOKEN}\"\nbase_url = \"{}\"\n\n[identity]\nenabled = false\n\n[prices]\nenabled = false\n\n[fx.rates]\nEUR = \"0.9\"\n\n[fx]\nbase_url = \"http://127.0.0.1:9\"\n",
        dir.join("store.sqlite").display().to_string(),
        mock.base_url()
    );
    let path = dir.join("stonks.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_example_is_installed_as_a_folder_and_read_like_any_broker() {
    let mock = MockExampleBroker::start().await;
    let dir = tempfile::tempdir().unwrap();
    let folder = install(dir.path()).canonicalize().unwrap();
    let config = config(dir.path(), &mock);

    let r = common::stonks(&["plugins", "--format", "json", "--config", &config], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    let rows: Vec<Value> = serde_json::from_str(&r.out).unwrap();
    let row = rows.iter().find(|r| r["id"] == "python-example").unwrap();
    assert_eq!(row["state"], "loaded", "{row}");
    assert_eq!(row["origin"], format!("folder {}", folder.display()));
    assert!(
        rows.iter()
            .any(|r| r["id"] == "degiro" && r["origin"] == "linked")
    );

    let r = common::stonks(&["portfolio", "--format", "json", "--config", &config], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    let report: Value = serde_json::from_str(&r.out).unwrap();
    let msft = report["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["symbol"] == "MSFT")
        .unwrap();
    assert_eq!(msft["quantity"], "12");
    assert_eq!(msft["market_value"], "4953.60", "12 x 412.80, exactly");
    assert_eq!(report["totals"]["cash_base"], "2310.17");

    let r = common::stonks(
        &["transactions", "--format", "json", "--config", &config],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.all());
    let rows: Vec<Value> = serde_json::from_str(&r.out).unwrap();
    assert_eq!(rows.len(), ACTIVITIES, "three pages, every activity once");
    let buy = rows.iter().find(|r| r["id"] == "a1").unwrap();
    assert_eq!(
        (&buy["kind"], &buy["amount"], &buy["fees"][0]["amount"]),
        (
            &Value::from("buy"),
            &Value::from("-820.50"),
            &Value::from("1.00")
        )
    );

    // Every request went through the host with the plugin's token, and
    // the token is nowhere in what stonks printed.
    let requests = mock.received_requests().await;
    assert!(requests.len() >= 4, "{}", requests.len());
    assert!(requests.iter().all(|q| {
        q.headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {TOKEN}"))
    }));
    assert!(!r.all().contains(TOKEN));

    // `stonks plugins reload`: read again and restarted; a manifest that no
    // longer checks is refused, saying why, with exit code 2.
    let r = common::stonks(&["plugins", "reload", "--config", &config], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        r.out.trim(),
        format!("python-example: reloaded from {}", folder.display())
    );
    let manifest = folder.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("stonks-jsonrpc/1", "stonks-jsonrpc/7"),
    )
    .unwrap();
    let r = common::stonks(
        &["plugins", "reload", "python-example", "--config", &config],
        &[],
    )
    .await;
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.out
            .contains("python-example: not reloaded, the running plugin is kept")
            && r.out.contains("stonks-jsonrpc/7"),
        "{}",
        r.out
    );
}
