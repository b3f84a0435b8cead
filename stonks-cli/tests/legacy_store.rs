//! A store written by an older version: DEGIRO's fees stored as rows of
//! their own (`cash-N`, beside trades that carried none), every row under
//! the `default` account. The next sync moves the rows to the account
//! without reading the history again; `stonks sync --full` reads it again,
//! and the fee rows the current reader no longer gives are removed, so the
//! fees are counted once.

use std::path::Path;

use rust_decimal::Decimal;
use serde_json::Value;
use stonks_testkit::{MockDegiro, MockEcb};

mod common;

/// Every stored entry, as `stonks transactions --offline` shows it.
async fn transactions(config: &str) -> Vec<Value> {
    let r = common::stonks(
        &[
            "transactions",
            "--offline",
            "--format",
            "json",
            "--config",
            config,
        ],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.all());
    serde_json::from_str(&r.out).unwrap()
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// The fees paid, in EUR: fees on entries plus fee entries.
fn fees(rows: &[Value]) -> Decimal {
    let mut total = Decimal::ZERO;
    for r in rows {
        for f in r["fees"].as_array().unwrap() {
            total += dec(&f["amount"]);
        }
        if r["kind"] == "fee" {
            total -= dec(&r["amount"]);
        }
    }
    total
}

/// Rewrites the store at `path` as the older version left it: schema 6,
/// every row under `default` with no account, each trade's fees a row of
/// their own (`cash-legacy-N`).
fn make_legacy(path: &Path) -> usize {
    let conn = rusqlite::Connection::open(path).unwrap();
    let rows: Vec<(String, String, String, String)> = conn
        .prepare("SELECT broker, id, timestamp, entry FROM ledger")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    conn.execute("DELETE FROM ledger", []).unwrap();
    conn.execute_batch("ALTER TABLE ledger DROP COLUMN legacy; PRAGMA user_version = 6;")
        .unwrap();
    let insert = |broker: &str, id: &str, at: &str, kind: &str, entry: &Value| {
        conn.execute(
            "INSERT INTO ledger (broker, account, id, timestamp, kind, entry) VALUES (?1, 'default', ?2, ?3, ?4, ?5)",
            rusqlite::params![broker, id, at, kind, entry.to_string()],
        )
        .unwrap();
    };
    let mut split = 0;
    for (broker, id, at, json) in rows {
        let mut e: Value = serde_json::from_str(&json).unwrap();
        e.as_object_mut().unwrap().remove("account");
        let fees = std::mem::take(e["fees"].as_array_mut().unwrap());
        for (n, fee) in fees.iter().enumerate() {
            split += 1;
            let amount = -dec(&fee["amount"]);
            let row = serde_json::json!({
                "id": format!("cash-legacy-{split}"), "timestamp": e["timestamp"],
                "kind": "fee", "instrument": null, "quantity": null, "price": null,
                "amount": {"amount": amount.to_string(), "currency": fee["currency"]},
                "fees": [], "description": format!("fee of {id} ({n})"),
            });
            insert(&broker, &format!("cash-legacy-{split}"), &at, "fee", &row);
        }
        let kind = e["kind"].as_str().unwrap().to_owned();
        insert(&broker, &id, &at, &kind, &e);
    }
    split
}

#[tokio::test]
async fn an_older_stores_rows_move_to_their_account_and_stale_ones_go_once_read_again() {
    let degiro = MockDegiro::start().await;
    let ecb = MockEcb::start().await;

    // The reference: what this version stores.
    let clean = tempfile::tempdir().unwrap();
    let config = common::config(clean.path(), &[("degiro", degiro.config())], Some(&ecb));
    let config = config.to_str().unwrap();
    let r = common::stonks(&["sync", "--config", config], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    let reference = transactions(config).await;
    let account = reference[0]["account"].as_str().unwrap().to_owned();
    assert!(reference.iter().all(|r| r["account"] == account.as_str()));
    let reference_fees = fees(&reference);
    assert!(reference_fees > Decimal::ZERO);

    // The same store as an older version left it.
    let old = tempfile::tempdir().unwrap();
    let config = common::config(old.path(), &[("degiro", degiro.config())], Some(&ecb));
    let config = config.to_str().unwrap();
    std::fs::copy(
        clean.path().join("store.sqlite"),
        old.path().join("store.sqlite"),
    )
    .unwrap();
    let split = make_legacy(&old.path().join("store.sqlite"));
    assert!(split > 5, "{split} fee rows of their own");
    let legacy = transactions(config).await;
    assert!(
        legacy.iter().all(|r| r["account"].is_null()),
        "under default"
    );
    assert_eq!(legacy.len(), reference.len() + split);

    // An incremental sync reads the last days only, and moves every row
    // to the broker's one account.
    let requests_before = degiro.received_requests().await.len();
    let r = common::stonks(&["sync", "--config", config], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    let moved = transactions(config).await;
    assert!(
        moved.iter().all(|r| r["account"] == account.as_str()),
        "every row in its account"
    );
    assert_eq!(
        moved.len(),
        legacy.len(),
        "nothing removed without a re-read"
    );
    assert!(
        r.err
            .contains("of an older version moved to the broker's account")
            && r.err
                .contains("of an older version kept until read again (stonks sync --full)"),
        "{}",
        r.err
    );
    let read: Vec<String> = degiro.received_requests().await[requests_before..]
        .iter()
        .map(|r| r.url.to_string())
        .collect();
    assert!(read.iter().any(|u| u.contains("fromDate=")), "{read:?}");
    assert!(
        !read
            .iter()
            .any(|u| u.contains("fromDate=01%2F01%2F2023") || u.contains("fromDate=01/01/2023")),
        "not the whole history again (history_since is 2023-01-01): {read:?}"
    );

    // Once the whole history is read again, the fee rows the current
    // reader would not give are removed: each fee counted once.
    let before_full = fees(&transactions(config).await);
    let r = common::stonks(&["sync", "--full", "--config", config], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.err.contains(&format!(
            "{split} rows of an older version no longer given by the broker removed"
        )),
        "{}",
        r.err
    );
    assert!(!r.err.contains("kept until read again"), "{}", r.err);
    let after = transactions(config).await;
    assert_eq!(after.len(), reference.len());
    assert_eq!(
        fees(&after),
        reference_fees,
        "counted once ({before_full} with the legacy rows re-read)"
    );
    let ids = |rows: &[Value]| {
        let mut v: Vec<String> = rows
            .iter()
            .map(|r| format!("{}/{}", r["account"], r["id"]))
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&after), ids(&reference));
}
