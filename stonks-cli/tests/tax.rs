//! `stonks tax` as a user runs it: a wash sale across two brokers (two
//! file-broker instances) under US rules, the same ledger in pounds at the
//! ECB mock's rates under UK rules, every format, and both rule sets
//! against the sandbox.

use std::path::Path;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use stonks_testkit::MockEcb;

mod common;
use common::Run;

fn ok_json(r: &Run) -> Value {
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.err.contains("panicked"), "{}", r.err);
    serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{e}: {}", r.out))
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a decimal string"))
        .parse()
        .unwrap()
}

/// Alice (Alpaca-like, account A) buys 100 AAPL and sells them at a loss;
/// Bob (another broker) buys 100 back 15 days later and sells them in
/// December.
fn ledgers(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let alice = dir.join("alice.json");
    std::fs::write(
        &alice,
        json!([
            {"id": "a-1", "timestamp": "2024-01-10T15:00:00Z", "kind": "buy", "symbol": "AAPL", "isin": "US0378331005", "quantity": "100", "amount": "-19000", "currency": "USD"},
            {"id": "a-2", "timestamp": "2024-08-05T15:00:00Z", "kind": "sell", "symbol": "AAPL", "isin": "US0378331005", "quantity": "100", "amount": "17000", "currency": "USD"}
        ])
        .to_string(),
    )
    .unwrap();
    let bob = dir.join("bob.csv");
    std::fs::write(
        &bob,
        "timestamp,kind,symbol,isin,quantity,amount,currency,fees\n\
         2024-08-20T15:00:00Z,buy,AAPL,US0378331005,100,-17500,USD,\n\
         2024-12-02T15:00:00Z,sell,AAPL,US0378331005,100,20000,USD,5 USD\n",
    )
    .unwrap();
    (alice, bob)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wash_sale_across_two_brokers_and_the_same_trades_in_pounds() {
    let ecb = MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = ledgers(dir.path());
    let cfg = common::config(
        dir.path(),
        &[
            (
                "alice",
                json!({"plugin": "file", "path": alice.display().to_string(), "account": "A"}),
            ),
            (
                "bob",
                json!({"plugin": "file", "path": bob.display().to_string(), "account": "B"}),
            ),
        ],
        Some(&ecb),
    );
    let cfg = cfg.to_str().unwrap().to_owned();
    let run = |args: &[&str]| {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(["--config".to_owned(), cfg.clone()]);
        async move {
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            common::stonks(&all, &[]).await
        }
    };

    // US: the loss at Alice's is washed by Bob's purchase.
    let us = ok_json(&run(&["tax", "--rules", "us", "--year", "2024", "--format", "json"]).await);
    assert_eq!(us["rules"], "us");
    assert_eq!(us["currency"], "USD");
    assert_eq!(
        us["tax_year"],
        json!({"from": "2024-01-01", "to": "2024-12-31"})
    );
    let rows = us["disposals"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{us:#}");
    assert_eq!(rows[0]["instrument_key"], "isin:US0378331005");
    assert_eq!(rows[0]["description"], "100 sh. AAPL");
    assert_eq!(rows[0]["code"], "W");
    assert_eq!(dec(&rows[0]["adjustment"]), Decimal::from(2000));
    assert_eq!(dec(&rows[0]["gain"]), Decimal::ZERO);
    // Bob's lot: $17,500 + the $2,000 carried; net proceeds $19,995; its
    // holding period counts from 208 days before 2024-08-20.
    assert_eq!(dec(&rows[1]["cost"]), Decimal::from(19500));
    assert_eq!(dec(&rows[1]["proceeds"]), Decimal::from(19995));
    assert_eq!(dec(&rows[1]["gain"]), Decimal::from(495));
    assert_eq!(rows[1]["date_acquired"], "2024-01-25");
    assert_eq!(rows[1]["matches"][0]["acquired"], "2024-08-20");
    assert_eq!(dec(&us["totals"]["short_term"]["gain"]), Decimal::from(495));
    assert_eq!(us["problems"], json!([]), "{us:#}");

    // CSV in Form 8949's column order.
    let csv = run(&["tax", "--rules", "us", "--year", "2024", "--format", "csv"]).await;
    assert_eq!(csv.code, 0, "{}", csv.all());
    let mut lines = csv.out.lines();
    assert_eq!(
        lines.next(),
        Some(
            "description,date_acquired,date_sold,proceeds,cost,code,adjustment,gain,term,instrument_key"
        )
    );
    assert_eq!(
        lines.next(),
        Some(
            "100 sh. AAPL,2024-01-10,2024-08-05,17000.00,19000.00,W,2000.00,0.00,short,isin:US0378331005"
        )
    );

    // UK, the same trades in pounds at the ECB mock's rates of each day:
    // the sale of 2024-08-05 is matched with Bob's buy of 2024-08-20 (30
    // days), the December sale with the pool (Alice's January cost never
    // left it). Both in 2024-25.
    let uk = ok_json(&run(&["tax", "--rules", "uk", "--year", "2024", "--format", "json"]).await);
    assert_eq!(uk["currency"], "GBP");
    let rows = uk["disposals"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{uk:#}");
    assert_eq!(rows[0]["matches"][0]["rule"], "bed_and_breakfast");
    assert_eq!(rows[0]["matches"][0]["acquired"], "2024-08-20");
    assert_eq!(rows[1]["matches"][0]["rule"], "section_104");
    for r in rows {
        for k in ["proceeds", "cost", "gain"] {
            assert!(r[k].is_string(), "every amount has its day's rate: {r:#}");
        }
    }
    let problems: Vec<&str> = uk["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|p| !p.starts_with("fx: "))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(dec(&uk["totals"]["exempt_amount"]), Decimal::from(3000));
    let table = run(&["tax", "--rules", "uk", "--year", "2024", "--offline"]).await;
    assert_eq!(table.code, 0, "{}", table.all());
    assert!(
        table.out.contains("UK capital gains 2024-25"),
        "{}",
        table.out
    );
    assert!(
        table.out.contains("30 days 100 (2024-08-20)"),
        "{}",
        table.out
    );
    assert!(
        table.out.contains("Annual exempt amount: 3000.00"),
        "{}",
        table.out
    );
}

#[test]
fn rules_and_years_that_do_not_exist_are_refused() {
    let r = common::run(&["tax", "--rules", "fr", "--year", "2024"], &[]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains("fr"), "{}", r.err);
    let r = common::run(&["tax", "--rules", "uk", "--year", "300000"], &[]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.err.contains("300000"), "{}", r.err);
}

#[cfg_attr(not(feature = "sandbox"), ignore = "needs the `sandbox` feature")]
#[test]
fn every_rule_set_runs_in_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sqlite");
    let env = [("STONKS_SANDBOX_STORE", store.to_str().unwrap())];
    let uk = ok_json(&common::run(
        &[
            "tax",
            "--sandbox",
            "--rules",
            "uk",
            "--year",
            "2024",
            "--format",
            "json",
        ],
        &env,
    ));
    assert_eq!(
        uk["tax_year"],
        json!({"from": "2024-04-06", "to": "2025-04-05"})
    );
    let disposals = uk["disposals"].as_array().unwrap();
    assert!(disposals.len() >= 4, "{uk:#}");
    let keys: std::collections::BTreeSet<&str> = disposals
        .iter()
        .filter_map(|d| d["instrument_key"].as_str())
        .collect();
    assert!(keys.contains("crypto:BTC"), "{keys:?}");
    // Bitcoin sold in June at Alpaca and bought back within 30 days.
    assert!(
        disposals
            .iter()
            .any(|d| d["symbol"] == "BTC" && d["matches"][0]["rule"] == "bed_and_breakfast"),
        "{uk:#}"
    );
    // Every disposal's figures are known and add up to the totals.
    let mut net = Decimal::ZERO;
    for d in disposals {
        assert_eq!(
            dec(&d["proceeds"]) - dec(&d["cost"]),
            dec(&d["gain"]),
            "{d:#}"
        );
        net += dec(&d["gain"]);
    }
    assert_eq!(net, dec(&uk["totals"]["net"]));
    assert_eq!(uk["totals"]["unknown"], 0);
    assert_eq!(dec(&uk["totals"]["exempt_amount"]), Decimal::from(3000));

    let us = ok_json(&common::run(
        &[
            "tax",
            "--sandbox",
            "--offline",
            "--rules",
            "us",
            "--year",
            "2024",
            "--format",
            "json",
        ],
        &env,
    ));
    assert_eq!(us["currency"], "USD");
    let rows = us["disposals"].as_array().unwrap();
    assert!(rows.len() >= 4, "{us:#}");
    for r in rows {
        assert!(
            r["description"].is_string() && r["term"].is_string(),
            "{r:#}"
        );
    }
    let parts = dec(&us["totals"]["short_term"]["gain"]) + dec(&us["totals"]["long_term"]["gain"]);
    assert_eq!(parts, dec(&us["totals"]["net"]));
    let table = common::run(
        &[
            "tax",
            "--sandbox",
            "--offline",
            "--rules",
            "us",
            "--year",
            "2024",
        ],
        &env,
    );
    assert_eq!(table.code, 0, "{}", table.all());
    assert!(table.out.contains("Long term (Part II)"), "{}", table.out);

    // Box 3 needs the daily valuation: a sync stores the closes.
    let sync = common::run(&["sync", "--sandbox"], &env);
    assert_eq!(sync.code, 0, "{}", sync.all());
    let nl = ok_json(&common::run(
        &[
            "tax",
            "--sandbox",
            "--offline",
            "--rules",
            "nl",
            "--year",
            "2025",
            "--format",
            "json",
        ],
        &env,
    ));
    assert_eq!(nl["currency"], "EUR");
    let b = &nl["box3"];
    assert_eq!(b["peildatum"], "2025-01-01");
    let brokers = b["brokers"].as_array().unwrap();
    assert_eq!(brokers.len(), 4, "{b:#}");
    // Each line is its bank and other assets; the brokers add up to the total.
    for line in brokers.iter().chain([b, &b["next"]]) {
        assert_eq!(
            dec(&line["bank"]) + dec(&line["investments"]),
            dec(&line["total"]),
            "{line:#}"
        );
    }
    let sum: Decimal = brokers.iter().map(|l| dec(&l["total"])).sum();
    assert_eq!(sum, dec(&b["total"]));
    assert!(dec(&b["investments"]) > Decimal::ZERO, "{b:#}");
    let a = &b["actual_return"];
    assert_eq!(
        dec(&a["direct"]) + dec(&a["value_change"]),
        dec(&a["actual_return"])
    );
    assert!(
        dec(&a["direct"]) > Decimal::ZERO,
        "the sandbox's dividends: {a:#}"
    );
    let table = common::run(
        &[
            "tax",
            "--sandbox",
            "--offline",
            "--rules",
            "nl",
            "--year",
            "2025",
        ],
        &env,
    );
    assert_eq!(table.code, 0, "{}", table.all());
    assert!(
        table.out.contains("Box 3 2025 (EUR)") && table.out.contains("actual return"),
        "{}",
        table.out
    );
}
