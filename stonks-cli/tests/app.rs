//! The `stonks` app run as a user runs it, against the testkit's mock
//! brokers: the JSON contract, partial failure, offline answers after a
//! sync, broken configs, secrets from the environment, and sync that
//! survives an interruption.

use std::path::Path;

use serde_json::Value;
use stonks_testkit::{MockBitvavo, MockDegiro, MockEcb};

mod common;
use common::stonks;

/// A config for the given mocks; degiro's password comes from the environment.
fn write_config(dir: &Path, bitvavo: &MockBitvavo, degiro_url: &str, ecb: &MockEcb) -> String {
    let b = bitvavo.config();
    let text = format!(
        r#"base_currency = "EUR"
store = "{store}"

[brokers.bitvavo]
api_key = "{key}"
api_secret = "{secret}"
base_url = "{burl}"

[brokers.degiro]
username = "jane.doe"
password = "env:TEST_DEGIRO_PASSWORD"
totp_secret = "{totp}"
history_since = "2023-01-01"
base_url = "{degiro_url}"
timeout_secs = 20

# No resolver in these tests: keys from what brokers say.
[identity]
enabled = false

[prices]
enabled = false

[fx]
base_url = "{ecb}"
"#,
        store = dir.join("store.sqlite").display(),
        key = b["api_key"].as_str().unwrap(),
        secret = b["api_secret"].as_str().unwrap(),
        burl = b["base_url"].as_str().unwrap(),
        totp = stonks_testkit::degiro::TOTP_SECRET,
        ecb = ecb.config()["base_url"].as_str().unwrap(),
    );
    let path = dir.join("stonks.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Degiro's password, where the config says `env:TEST_DEGIRO_PASSWORD`.
const PW_ENV: &[(&str, &str)] = &[("TEST_DEGIRO_PASSWORD", stonks_testkit::degiro::PASSWORD)];

#[cfg_attr(not(feature = "sandbox"), ignore = "needs the `sandbox` feature")]
#[tokio::test(flavor = "multi_thread")]
async fn sandbox_portfolio_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sqlite");
    let env = [("STONKS_SANDBOX_STORE", store.to_str().unwrap())];
    let r = stonks(&["portfolio", "--sandbox", "--format", "json"], &env).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let v: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["base_currency"], "EUR");
    assert!(chrono::DateTime::parse_from_rfc3339(v["as_of"].as_str().unwrap()).is_ok());
    let ids: Vec<&str> = v["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["alpaca", "bitvavo", "degiro", "ibkr"]);
    assert!(
        v["brokers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["status"] == "ok" && b["error"].is_null())
    );
    let positions = v["positions"].as_array().unwrap();
    for p in positions {
        for key in [
            "broker",
            "symbol",
            "isin",
            "name",
            "asset_class",
            "quantity",
            "currency",
            "price",
            "market_value",
            "market_value_base",
        ] {
            assert!(p.get(key).is_some(), "position lacks {key}: {p}");
        }
    }
    let fet = positions.iter().find(|p| p["symbol"] == "FET").unwrap();
    assert!(
        fet["market_value"].is_null() && fet["market_value_base"].is_null(),
        "unknown is null, never \"0\""
    );
    let asml = positions
        .iter()
        .find(|p| p["isin"] == "NL0010273215")
        .unwrap();
    // DEGIRO's row: bought 2 and 2, a third of them sold.
    assert_eq!(
        (asml["quantity"].as_str(), asml["market_value"].as_str()),
        (Some("3.0"), Some("1956.9"))
    );
    let aapl = positions
        .iter()
        .find(|p| p["isin"] == "US0378331005")
        .unwrap();
    // DEGIRO values a USD position in the base currency itself
    // (7 x 229.87 USD at its 0.9240 EUR per USD): no second conversion.
    assert_eq!(
        (aapl["currency"].as_str(), aapl["price"].as_str()),
        (Some("USD"), Some("229.87"))
    );
    assert_eq!(aapl["market_value_base"], "1486.8");
    let usd_cash = |broker: &str| {
        let c = v["cash"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["currency"] == "USD" && c["broker"] == broker)
            .unwrap();
        (
            c["amount"].as_str().unwrap().to_owned(),
            c["amount_base"].as_str().unwrap().to_owned(),
        )
    };
    // DEGIRO's AutoFX converts every USD amount its movements book: its USD
    // row is there, and empty.
    assert_eq!(usd_cash("degiro"), ("0.0".to_owned(), "0".to_owned()));
    // USD cash is valued at the day's rate.
    assert_eq!(
        usd_cash("ibkr"),
        ("23213.98".to_owned(), "22020.47".to_owned())
    );
    let totals = &v["totals"];
    assert!(totals["total_base"].is_string() && totals["unvalued"] == 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_broker_is_listed_and_exits_2() {
    let bitvavo = MockBitvavo::start().await;
    let ecb = MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let closed = format!(
        "http://127.0.0.1:{}",
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    );
    let config = write_config(dir.path(), &bitvavo, &closed, &ecb);
    let r = stonks(
        &["portfolio", "--config", &config, "--format", "json"],
        PW_ENV,
    )
    .await;
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    let v: Value = serde_json::from_str(&r.out).unwrap();
    let degiro = v["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "degiro")
        .unwrap();
    assert_eq!(degiro["status"], "error");
    assert!(
        degiro["error"]
            .as_str()
            .unwrap()
            .contains("temporary error: cannot connect"),
        "{degiro}"
    );
    assert!(
        v["positions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["broker"] == "bitvavo"),
        "the others are still shown"
    );
    assert!(
        !r.out.contains(stonks_testkit::degiro::PASSWORD)
            && !r.err.contains(stonks_testkit::degiro::PASSWORD)
    );

    // The table says so too.
    let r = stonks(&["portfolio", "--config", &config], PW_ENV).await;
    assert_eq!(r.code, 2);
    assert!(r.out.contains("degiro: FAILED"), "{}", r.out);
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_answers_come_from_the_store_after_a_sync() {
    let dir = tempfile::tempdir().unwrap();
    let config = {
        let bitvavo = MockBitvavo::start().await;
        let degiro = MockDegiro::start().await;
        let ecb = MockEcb::start().await;
        let config = write_config(dir.path(), &bitvavo, &degiro.base_url(), &ecb);
        let r = stonks(&["sync", "--config", &config], PW_ENV).await;
        assert_eq!(r.code, 0, "{}{}", r.out, r.err);
        assert!(
            r.err.contains("bitvavo: 300 entries read, 300 new"),
            "{}",
            r.err
        );
        assert!(
            r.err.contains("degiro: 188 entries read, 188 new"),
            "{}",
            r.err
        );
        let again = stonks(&["sync", "--config", &config], PW_ENV).await;
        assert!(
            again
                .err
                .contains("bitvavo: 0 entries read, 0 new, portfolio stored")
                && again
                    .err
                    .contains("degiro: 0 entries read, 0 new, portfolio stored"),
            "{}",
            again.err
        );
        config
        // Every mock stops here: what follows has no broker to talk to.
    };
    let r = stonks(
        &[
            "transactions",
            "--offline",
            "--config",
            &config,
            "--format",
            "json",
        ],
        PW_ENV,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let rows: Vec<Value> = serde_json::from_str(&r.out).unwrap();
    assert_eq!(rows.len(), 488);
    let times: Vec<&str> = rows
        .iter()
        .map(|r| r["timestamp"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for key in [
        "broker",
        "id",
        "timestamp",
        "kind",
        "symbol",
        "isin",
        "quantity",
        "price",
        "amount",
        "currency",
        "fees",
        "description",
    ] {
        assert!(rows[0].get(key).is_some(), "{key}");
    }
    let kinds: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    let allowed = [
        "buy",
        "sell",
        "deposit",
        "withdrawal",
        "dividend",
        "tax",
        "interest",
        "fee",
        "staking_reward",
        "transfer",
        "fx_conversion",
        // NVIDIA's 10-for-1 split at DEGIRO.
        "split",
        "other",
    ];
    assert!(kinds.iter().all(|k| allowed.contains(k)), "{kinds:?}");

    let r = stonks(
        &[
            "transactions",
            "--offline",
            "--config",
            &config,
            "--kind",
            "dividend",
            "--broker",
            "degiro",
            "--since",
            "2025-01-01",
            "--format",
            "json",
        ],
        PW_ENV,
    )
    .await;
    let rows: Vec<Value> = serde_json::from_str(&r.out).unwrap();
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter()
            .all(|r| r["kind"] == "dividend" && r["broker"] == "degiro")
    );

    let r = stonks(
        &[
            "portfolio",
            "--offline",
            "--config",
            &config,
            "--format",
            "json",
        ],
        PW_ENV,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.err);
    let v: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["positions"].as_array().unwrap().len(), 23 + 32);
    let usd = v["cash"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["currency"] == "USD")
        .unwrap();
    // DEGIRO's USD row is empty (AutoFX converts every USD amount), but
    // valuing it still takes the day's USD rate: without it, `null`.
    assert_eq!(
        (&usd["amount"], &usd["amount_base"]),
        (&Value::from("0.0"), &Value::from("0")),
        "the day's rates were cached in the store"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_sync_loses_nothing() {
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let bitvavo = MockBitvavo::start().await;
    let degiro = MockDegiro::start().await;
    let ecb = MockEcb::start().await;
    let clean = write_config(dir_a.path(), &bitvavo, &degiro.base_url(), &ecb);
    let broken = write_config(dir_b.path(), &bitvavo, &degiro.base_url(), &ecb);

    // Bitvavo's third history page comes back broken: its sync fails half-way.
    bitvavo.faults().malformed_after(2, 4);
    let r = stonks(&["sync", "--config", &broken], PW_ENV).await;
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.out
            .contains("bitvavo: portfolio not stored; FAILED: ledger not read:"),
        "it says exactly what was and was not stored: {}",
        r.out
    );
    bitvavo.faults().clear();
    let r = stonks(&["sync", "--config", &broken], PW_ENV).await;
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    let r = stonks(&["sync", "--config", &clean], PW_ENV).await;
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);

    let ledger = |config: String| async move {
        stonks(
            &[
                "transactions",
                "--offline",
                "--config",
                &config,
                "--format",
                "json",
            ],
            PW_ENV,
        )
        .await
        .out
    };
    let (a, b) = (ledger(clean).await, ledger(broken).await);
    assert_eq!(a, b, "interrupted-then-completed equals one clean sync");
    assert_eq!(serde_json::from_str::<Vec<Value>>(&a).unwrap().len(), 488);
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_configs_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stonks.toml");
    std::fs::write(
        &path,
        "base_currency = \"EUR\"\n[brokers.bitvavo]\napi_key = \"k\"\napi_secret = \n",
    )
    .unwrap();
    let r = stonks(&["portfolio", "--config", path.to_str().unwrap()], &[]).await;
    assert_eq!(r.code, 1);
    assert!(r.err.contains("line 4"), "{}", r.err);
    assert!(!r.err.contains("panicked"));

    std::fs::write(&path, "[brokers.degiro]\nusername = \"jane\"\npassword = \"env:STONKS_TEST_UNSET_PASSWORD\"\ntotp_secret = \"JBSWY3DPEHPK3PXP\"\n").unwrap();
    let r = stonks(&["portfolio", "--config", path.to_str().unwrap()], &[]).await;
    assert_eq!(r.code, 1);
    assert!(
        r.err.contains(
            "brokers.degiro.password (line 3): environment variable STONKS_TEST_UNSET_PASSWORD is not set"
        ),
        "{}",
        r.err
    );
    assert!(
        !r.err.contains("JBSWY3DPEHPK3PXP"),
        "no other secret is printed"
    );

    let r = stonks(
        &[
            "portfolio",
            "--config",
            dir.path().join("missing.toml").to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert_eq!(r.code, 1);
    assert!(r.err.contains("stonks init"), "{}", r.err);
}

#[tokio::test(flavor = "multi_thread")]
async fn init_writes_a_template_that_names_every_broker_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conf").join("stonks.toml");
    let r = stonks(&["init", "--config", path.to_str().unwrap()], &[]).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let text = std::fs::read_to_string(&path).unwrap();
    for needle in [
        "[brokers.bitvavo]",
        "api_secret = \"env:BITVAVO_API_SECRET\"",
        "[brokers.degiro]",
        "totp_secret",
        "[brokers.ibkr]",
        "token = \"env:IBKR_TOKEN\"",
        "# query_ids = []",
        "# flex_files = []",
        "base_currency = \"EUR\"",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    let again = stonks(&["init", "--config", path.to_str().unwrap()], &[]).await;
    assert_eq!(again.code, 1, "an existing file is not overwritten");
}

/// A filter that can match nothing is a mistake said in one line, with
/// exit 1, not an empty list.
#[cfg_attr(not(feature = "sandbox"), ignore = "needs the `sandbox` feature")]
#[tokio::test(flavor = "multi_thread")]
async fn transactions_refuses_a_filter_that_can_match_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sqlite");
    let env = [("STONKS_SANDBOX_STORE", store.to_str().unwrap())];
    for (list, says) in [
        (
            &["--since", "2024-02-01", "--until", "2024-01-01"][..],
            "--since 2024-02-01 00:00:00 UTC is not before --until 2024-01-01 00:00:00 UTC",
        ),
        (
            &["--broker", "nosuch"][..],
            "--broker \"nosuch\": no such broker is enabled (alpaca, bitvavo, degiro, ibkr are)",
        ),
        (
            &["--broker", "nosuch", "--offline"][..],
            "--broker \"nosuch\": no such broker is configured (alpaca, bitvavo, degiro, ibkr are)",
        ),
    ] {
        let mut a = vec!["--sandbox", "transactions"];
        a.extend_from_slice(list);
        let r = stonks(&a, &env).await;
        assert_eq!(r.code, 1, "{list:?}: {}{}", r.out, r.err);
        assert_eq!(r.err, format!("stonks: {says}\n"), "{list:?}");
        assert_eq!(r.out, "", "{list:?}");
    }
}

/// The config may hold literal secrets: only its owner may read it, also
/// when `--force` overwrites a file that was readable by all.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn init_writes_the_config_for_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conf").join("stonks.toml");
    let init = |force: bool| {
        let mut list = vec!["init", "--config", path.to_str().unwrap()];
        if force {
            list.push("--force");
        }
        async move { stonks(&list, &[]).await }
    };
    let r = init(false).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = init(true).await;
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(mode(&path), 0o600, "--force makes it private too");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("[brokers.bitvavo]")
    );
    // A planted link is not written through, even with --force.
    let target = dir.path().join("victim");
    std::fs::write(&target, "precious").unwrap();
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let r = init(true).await;
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.err.contains("is a symbolic link; refusing"), "{}", r.err);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
}

#[cfg_attr(not(feature = "sandbox"), ignore = "needs the `sandbox` feature")]
#[tokio::test(flavor = "multi_thread")]
async fn table_output_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sqlite");
    let env = [("STONKS_SANDBOX_STORE", store.to_str().unwrap())];
    let r = stonks(&["portfolio", "--sandbox"], &env).await;
    assert_eq!(r.code, 0, "{}", r.err);
    let snapshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/portfolio_sandbox.txt");
    if std::env::var_os("STONKS_BLESS").is_some() {
        std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
        std::fs::write(&snapshot, &r.out).unwrap();
    }
    let expected = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert!(
        r.out == expected,
        "table output changed; if intended, run with STONKS_BLESS=1\n{}",
        r.out
    );
}
