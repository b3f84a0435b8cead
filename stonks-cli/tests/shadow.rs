//! `stonks shadow A B`: two file brokers reading "the same account", one
//! with one entry different. The difference is printed, named by entry
//! and field, and the exit code says they differ; two that agree exit 0.

use std::path::Path;

use serde_json::Value;

mod common;

const LEDGER: &str = "id,timestamp,kind,symbol,isin,quantity,price,amount,currency\n\
d1,2025-01-02T10:00:00Z,deposit,,,,,1000.00,EUR\n\
b1,2025-01-03T10:00:00Z,buy,VWCE,IE00BK5BQT80,5,101.20,-506.00,EUR\n\
v1,2025-03-20T10:00:00Z,dividend,VWCE,IE00BK5BQT80,,,4.10,EUR\n";

fn two_files(dir: &Path, b_ledger: &str) -> String {
    std::fs::write(dir.join("a.csv"), LEDGER).unwrap();
    std::fs::write(dir.join("b.csv"), b_ledger).unwrap();
    let text = format!(
        "base_currency = \"EUR\"\nstore = {:?}\n\n[brokers.a]\nplugin = \"file\"\npath = {:?}\naccount = \"NL01\"\n\n[brokers.b]\nplugin = \"file\"\npath = {:?}\naccount = \"NL01\"\n\n[identity]\nenabled = false\n\n[prices]\nenabled = false\n\n[fx]\nbase_url = \"http://127.0.0.1:9\"\n",
        dir.join("store.sqlite").display().to_string(),
        dir.join("a.csv").display().to_string(),
        dir.join("b.csv").display().to_string(),
    );
    let path = dir.join("stonks.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn one_entry_that_differs_is_printed_and_the_exit_code_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // The dividend came out 4.01 in the new implementation.
    let config = two_files(dir.path(), &LEDGER.replace("4.10,EUR", "4.01,EUR"));
    let r = common::stonks(&["shadow", "a", "b", "--config", &config], &[]).await;
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("a: 3 entries"), "{}", r.out);
    let line = r.out.lines().find(|l| l.contains("v1")).unwrap_or_default();
    for part in ["ledger", "NL01/v1", "amount", "4.1 EUR", "4.01 EUR"] {
        assert!(line.contains(part), "{part} in {line:?}\n{}", r.out);
    }
    assert!(r.out.contains("1 differences"), "{}", r.out);

    let r = common::stonks(
        &["shadow", "a", "b", "--format", "json", "--config", &config],
        &[],
    )
    .await;
    assert_eq!(r.code, 1);
    let report: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(
        report["differences"],
        serde_json::json!([{"section": "ledger", "item": "NL01/v1", "field": "amount",
                            "a": "4.1 EUR", "b": "4.01 EUR"}])
    );
    // Another account has nothing to compare, and so no difference.
    let r = common::stonks(
        &["shadow", "a", "b", "--account", "NL99", "--config", &config],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.all());
}

#[tokio::test]
async fn two_brokers_that_agree_exit_zero_and_a_missing_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = two_files(dir.path(), LEDGER);
    let r = common::stonks(&["shadow", "a", "b", "--config", &config], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.out.contains("no differences"), "{}", r.out);

    let dir = tempfile::tempdir().unwrap();
    let without_buy: String = LEDGER
        .lines()
        .filter(|l| !l.starts_with("b1"))
        .map(|l| format!("{l}\n"))
        .collect();
    let config = two_files(dir.path(), &without_buy);
    let r = common::stonks(
        &["shadow", "a", "b", "--format", "json", "--config", &config],
        &[],
    )
    .await;
    assert_eq!(r.code, 1);
    let report: Value = serde_json::from_str(&r.out).unwrap();
    let missing: Vec<&Value> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["field"] == "missing")
        .collect();
    assert_eq!(missing.len(), 1, "{report}");
    assert_eq!(missing[0]["item"], "NL01/b1");
    assert_eq!(
        (&missing[0]["a"], &missing[0]["b"]),
        (&Value::from("present"), &Value::Null)
    );
    // A broker that is not configured is an error (exit 2), not a difference.
    let r = common::stonks(&["shadow", "a", "zzz", "--config", &config], &[]).await;
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.err.contains("zzz is not a configured broker"),
        "{}",
        r.err
    );
}
