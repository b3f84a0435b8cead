//! The rules middleware, configured in `stonks.toml`, rewrites what the
//! brokers answer before anything else sees it: an entry recategorised by
//! its description, a withdrawal to the user's own account made an
//! internal transfer (so it is no money taken out), a hidden account gone.

use std::path::Path;

use serde_json::Value;

mod common;

const CURRENT: &str = "id,timestamp,kind,amount,currency,description\n\
d1,2025-01-02T10:00:00Z,deposit,1000.00,EUR,Deposit from salary\n\
x1,2025-02-03T10:00:00Z,other,3.20,EUR,SECURITIES LENDING FEB\n\
w1,2025-03-04T10:00:00Z,withdrawal,-400.00,EUR,Withdrawal to NL91ABNA0417164300\n\
w2,2025-03-05T10:00:00Z,withdrawal,-50.00,EUR,Withdrawal to a stranger\n";

const OLD: &str = "id,timestamp,kind,amount,currency,description\n\
o1,2024-05-01T10:00:00Z,deposit,99.00,EUR,Old account\n";

fn config(dir: &Path, rules: &str) -> String {
    std::fs::write(dir.join("current.csv"), CURRENT).unwrap();
    std::fs::write(dir.join("old.csv"), OLD).unwrap();
    let text = format!(
        "base_currency = \"EUR\"\nstore = {:?}\n\n[brokers.bank]\nplugin = \"file\"\npath = {:?}\naccount = \"NL01\"\n\n[brokers.old-bank]\nplugin = \"file\"\npath = {:?}\naccount = \"OLD9\"\n\n{rules}\n[identity]\nenabled = false\n\n[prices]\nenabled = false\n\n[fx]\nbase_url = \"http://127.0.0.1:9\"\n",
        dir.join("store.sqlite").display().to_string(),
        dir.join("current.csv").display().to_string(),
        dir.join("old.csv").display().to_string(),
    );
    let path = dir.join("stonks.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

async fn kinds(config: &str) -> Vec<(String, String)> {
    let r = common::stonks(
        &["transactions", "--format", "json", "--config", config],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.all());
    let rows: Vec<Value> = serde_json::from_str(&r.out).unwrap();
    let mut out: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_rules_rewrite_every_brokers_answers() {
    let dir = tempfile::tempdir().unwrap();
    let plain = config(dir.path(), "");
    assert_eq!(
        kinds(&plain).await,
        [
            ("d1", "deposit"),
            ("o1", "deposit"),
            ("w1", "withdrawal"),
            ("w2", "withdrawal"),
            ("x1", "other")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let rules = "[middleware.middleware-rules]\nrecategorise = [\"securities lending => interest\"]\ninternal = [\"NL91ABNA0417164300\"]\nhide_accounts = [\"OLD9\"]\n";
    let with_rules = config(dir.path(), rules);
    assert_eq!(
        kinds(&with_rules).await,
        [
            ("d1", "deposit"),
            ("w1", "transfer"),
            ("w2", "withdrawal"),
            ("x1", "interest")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    // The catalog lists the middleware as active.
    let r = common::stonks(
        &["plugins", "--format", "json", "--config", &with_rules],
        &[],
    )
    .await;
    let rows: Vec<Value> = serde_json::from_str(&r.out).unwrap();
    let m = rows.iter().find(|r| r["id"] == "middleware-rules").unwrap();
    assert_eq!(m["type"], "middleware");

    // A rule that cannot be read: the brokers answer unchanged, and it is said.
    let broken = config(
        dir.path(),
        "[middleware.middleware-rules]\nrecategorise = [\"no arrow\"]\n",
    );
    let r = common::stonks(
        &["transactions", "--format", "json", "--config", &broken],
        &[],
    )
    .await;
    assert!(r.err.contains("recategorise[0]"), "{}", r.err);
    let rows: Vec<Value> = serde_json::from_str(&r.out).unwrap();
    assert_eq!(rows.len(), 5);
}
