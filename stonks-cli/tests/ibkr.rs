//! `stonks transactions --broker ibkr` from Flex statements saved as files:
//! no token, no network. Three overlapping statements of two accounts,
//! each file given twice and in another order, make one ledger with every
//! transaction once.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde_json::Value;
use stonks::Decimal;
use stonks_testkit::MockIbkr;
use stonks_testkit::ibkr::{ACCOUNT_EUR, ACCOUNT_USD};
use stonks_testkit::support::d;

mod common;
use common::{Run, run};

/// The statements as files (the mock serves them; no server is used by
/// the binary), and a config naming them: the newest first, then all of
/// them again.
async fn files_config(dir: &Path) -> String {
    files_config_with(dir, "[fx]\nbase_url = \"http://127.0.0.1:9\"\n").await
}

/// [`files_config`] with `fx` as the config's `[fx]` table.
async fn files_config_with(dir: &Path, fx: &str) -> String {
    let mock = MockIbkr::start().await;
    let mut files = Vec::new();
    for id in mock.query_ids() {
        let path = dir.join(format!("flex-{id}.xml"));
        std::fs::write(&path, mock.statement_xml(id).unwrap()).unwrap();
        files.push(format!("{:?}", path.display().to_string()));
    }
    let mut listed: Vec<String> = files.iter().rev().cloned().collect();
    listed.extend(files);
    let config = format!(
        "base_currency = \"EUR\"\nstore = {:?}\n\n[brokers.ibkr]\nflex_files = [{}]\n\n[identity]\nenabled = false\n\n[prices]\nenabled = false\n\n{fx}",
        dir.join("store.sqlite").display().to_string(),
        listed.join(", ")
    );
    let path = dir.join("stonks.toml");
    std::fs::write(&path, config).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn transactions_from_overlapping_statement_files_of_two_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let config = files_config(dir.path()).await;
    let Run { code, out, err } = run(
        &[
            "transactions",
            "--broker",
            "ibkr",
            "--format",
            "json",
            "--config",
            &config,
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("left out"), "no row is unreadable: {err}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 299);
    assert!(rows.iter().all(|r| r["broker"] == "ibkr"));
    let ids: HashSet<(&str, &str)> = rows
        .iter()
        .map(|r| (r["account"].as_str().unwrap(), r["id"].as_str().unwrap()))
        .collect();
    assert_eq!(ids.len(), 299, "each transaction once");

    // Every kind of each account, and the cash they move.
    let mut kinds: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut cash: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for r in &rows {
        let account = r["account"].as_str().unwrap().to_owned();
        *kinds
            .entry((account.clone(), r["kind"].as_str().unwrap().to_owned()))
            .or_default() += 1;
        *cash
            .entry((account.clone(), r["currency"].as_str().unwrap().to_owned()))
            .or_default() += d(r["amount"].as_str().unwrap());
        for fee in r["fees"].as_array().unwrap() {
            *cash
                .entry((
                    account.clone(),
                    fee["currency"].as_str().unwrap().to_owned(),
                ))
                .or_default() -= d(fee["amount"].as_str().unwrap());
        }
    }
    let count = |a: &str, k: &str| {
        kinds
            .get(&(a.to_owned(), k.to_owned()))
            .copied()
            .unwrap_or(0)
    };
    for (account, kind, n) in [
        (ACCOUNT_EUR, "buy", 43),
        (ACCOUNT_EUR, "sell", 2),
        (ACCOUNT_EUR, "deposit", 12),
        (ACCOUNT_EUR, "withdrawal", 1),
        (ACCOUNT_EUR, "dividend", 39),
        (ACCOUNT_EUR, "tax", 39),
        (ACCOUNT_EUR, "fee", 36),
        (ACCOUNT_EUR, "interest", 25),
        (ACCOUNT_EUR, "fx_conversion", 28),
        (ACCOUNT_EUR, "transfer", 2),
        (ACCOUNT_EUR, "split", 1),
        (ACCOUNT_EUR, "spin_off", 1),
        (ACCOUNT_EUR, "merger", 1),
        (ACCOUNT_USD, "buy", 12),
        (ACCOUNT_USD, "deposit", 12),
        (ACCOUNT_USD, "dividend", 11),
        (ACCOUNT_USD, "tax", 11),
        (ACCOUNT_USD, "interest", 22),
        (ACCOUNT_USD, "transfer", 1),
    ] {
        assert_eq!(count(account, kind), n, "{account} {kind}");
    }
    let cash: Vec<(String, String, Decimal)> =
        cash.into_iter().map(|((a, c), v)| (a, c, v)).collect();
    assert_eq!(
        cash,
        vec![
            (ACCOUNT_EUR.into(), "EUR".into(), d("4779.15")),
            (ACCOUNT_EUR.into(), "USD".into(), d("23213.98")),
            (ACCOUNT_USD.into(), "USD".into(), d("18664.34")),
        ],
        "the statements' ending cash"
    );

    // The MSFT dividend of September 2023, reversed and booked again, with
    // its tax reversed and booked again: exactly.
    let msft: Vec<(String, String, String)> = rows
        .iter()
        .filter(|r| {
            r["symbol"] == "MSFT" && r["timestamp"].as_str().unwrap().starts_with("2023-09-12")
        })
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["amount"].as_str().unwrap().to_owned(),
                r["timestamp"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut msft = msft;
    msft.sort();
    assert_eq!(
        msft,
        vec![
            (
                "dividend".into(),
                "-22.44".into(),
                "2023-09-12T00:20:00Z".into()
            ),
            (
                "dividend".into(),
                "22.44".into(),
                "2023-09-12T00:20:00Z".into()
            ),
            (
                "dividend".into(),
                "22.45".into(),
                "2023-09-12T00:20:00Z".into()
            ),
            ("tax".into(), "-3.37".into(), "2023-09-12T00:20:00Z".into()),
            ("tax".into(), "-3.37".into(), "2023-09-12T00:20:00Z".into()),
            ("tax".into(), "3.37".into(), "2023-09-12T00:20:00Z".into()),
        ]
    );

    // Newest first, as the command lists.
    let times: Vec<&str> = rows
        .iter()
        .map(|r| r["timestamp"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    // The first deposit, booked on a date alone: midnight in New York.
    assert_eq!(times.last(), Some(&"2022-01-03T05:00:00Z"));
}

/// `[fx] source = "ibkr"`: the statements' conversion rates value the
/// account's foreign holdings, today and on past days; the ECB is never
/// asked.
#[tokio::test(flavor = "multi_thread")]
async fn the_statements_conversion_rates_as_the_fx_source() {
    let ecb = stonks_testkit::MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let base_url = ecb.config()["base_url"].as_str().unwrap().to_owned();
    let config = files_config_with(
        dir.path(),
        &format!("[fx]\nsource = \"ibkr\"\nbase_url = {base_url:?}\n"),
    )
    .await;
    let Run { code, out, err } = run(&["portfolio", "--format", "json", "--config", &config], &[]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["totals"]["unvalued"], 0, "{out}");
    // The newest USD-to-EUR rate of the statements values every USD holding.
    let xml: String = MockIbkr::start()
        .await
        .query_ids()
        .into_iter()
        .map(|id| std::fs::read_to_string(dir.path().join(format!("flex-{id}.xml"))).unwrap())
        .collect();
    let (day, rate) = xml
        .split("<ConversionRate ")
        .skip(1)
        .filter(|row| row.contains(r#"fromCurrency="USD" toCurrency="EUR""#))
        .map(|row| (attribute(row, "reportDate"), d(&attribute(row, "rate"))))
        .max()
        .unwrap();
    let usd: Vec<&Value> = report["positions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["currency"] == "USD")
        .collect();
    assert!(!usd.is_empty());
    for p in usd {
        let value = d(p["market_value"].as_str().unwrap());
        assert_eq!(
            d(p["market_value_base"].as_str().unwrap()),
            (value * rate).round_dp(2),
            "{} at IBKR's {rate} of {day}",
            p["symbol"]
        );
    }
    // A sync keeps the statements' rates of every day as the history.
    let Run { code, err, .. } = run(&["sync", "--config", &config], &[]);
    assert_eq!(code, 0, "{err}");
    let store = rusqlite::Connection::open(dir.path().join("store.sqlite")).unwrap();
    let (days, first): (i64, String) = store
        .query_row(
            "SELECT count(*), min(date) FROM fx_rates WHERE base = 'EUR'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(days > 250, "{days} days of rates");
    assert!(first.as_str() <= "2024-01-02", "from {first}");
    assert!(
        ecb.received_requests().await.is_empty(),
        "the ECB is never asked"
    );
}

/// The value of `name` in an XML row's attributes.
fn attribute(row: &str, name: &str) -> String {
    let at = row.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    row[at..at + row[at..].find('"').unwrap()].to_owned()
}
