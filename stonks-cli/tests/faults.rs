//! The `stonks` binary under faults and bad input, as a new user and as an
//! attacker would try it: a hanging broker against its budget, concurrent
//! syncs on one store, an unusable store, an empty config, a malformed
//! TOTP secret, health after failures, a full sync at trace level that
//! must not show one secret, and what `-v`, `-vv` and `RUST_LOG` log.

use std::time::{Duration, Instant};

use serde_json::Value;
use stonks_testkit::degiro::LoginMode;
use stonks_testkit::{MockAlpaca, MockBitvavo, MockDegiro, MockEcb};

mod common;
use common::{Run, config, stonks};

fn with(mut settings: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    settings
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_broker_is_cut_at_its_budget_and_names_its_step() {
    let bitvavo = MockBitvavo::start().await;
    let degiro = MockDegiro::start().await;
    let ecb = MockEcb::start().await;
    bitvavo.faults().latency(Duration::from_secs(120));
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[
            (
                "bitvavo",
                with(bitvavo.config(), serde_json::json!({"timeout_secs": 3})),
            ),
            ("degiro", degiro.config()),
        ],
        Some(&ecb),
    );
    let started = Instant::now();
    let r = stonks(&["sync", "--config", path.to_str().unwrap()], &[]).await;
    let took = started.elapsed();
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        took < Duration::from_secs(20),
        "the sync ends with the hanging broker's budget, not its answer: {took:?}"
    );
    let shown = r.all();
    assert!(
        shown.contains("bitvavo") && shown.contains("timed out after 3 s"),
        "{shown}"
    );
    assert!(
        shown.contains("GET /balance") || shown.contains("GET /account/history"),
        "the error names the call it was stuck in: {shown}"
    );
    assert!(
        shown.contains("degiro: 188 entries read, 188 new"),
        "the other broker is synced meanwhile: {shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_portfolio_that_hangs_keeps_the_ledger_read_in_time() {
    let bitvavo = MockBitvavo::start().await;
    let ecb = MockEcb::start().await;
    bitvavo.slow_endpoint("/balance", Duration::from_secs(120));
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[(
            "bitvavo",
            with(bitvavo.config(), serde_json::json!({"timeout_secs": 4})),
        )],
        Some(&ecb),
    );
    let path = path.to_str().unwrap();
    let r = stonks(&["sync", "--config", path], &[]).await;
    assert_eq!(r.code, 2, "{}", r.all());
    let shown = r.all();
    assert!(
        shown.contains("timed out after 4 s reading the portfolio"),
        "the step that ran out is named: {shown}"
    );
    assert!(shown.contains("GET /balance"), "{shown}");
    // The ledger, read before the portfolio hung, is in the store.
    let offline = stonks(
        &[
            "transactions",
            "--offline",
            "--format",
            "json",
            "--config",
            path,
        ],
        &[],
    )
    .await;
    assert_eq!(offline.code, 0, "{}", offline.all());
    let stored: Value = serde_json::from_str(&offline.out).unwrap();
    let entries = stored.as_array().map_or(0, Vec::len);
    assert_eq!(
        entries,
        300,
        "{}",
        offline.out.chars().take(400).collect::<String>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_concurrent_syncs_both_finish_and_lose_nothing() {
    let bitvavo = MockBitvavo::start().await;
    let degiro = MockDegiro::start().await;
    let ecb = MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[("bitvavo", bitvavo.config()), ("degiro", degiro.config())],
        Some(&ecb),
    );
    let path = path.to_str().unwrap();
    let sync = ["sync", "--config", path];
    let (a, b) = tokio::join!(stonks(&sync, &[]), stonks(&sync, &[]));
    for r in [&a, &b] {
        assert_eq!(r.code, 0, "{}", r.all());
        assert!(r.out.contains("synced 2 of 2 brokers"), "{}", r.all());
        assert!(!r.all().contains("database is locked"), "{}", r.all());
    }
    let read = stonks(
        &[
            "transactions",
            "--offline",
            "--format",
            "json",
            "--config",
            path,
        ],
        &[],
    )
    .await;
    let rows: Vec<Value> = serde_json::from_str(&read.out).unwrap();
    assert_eq!(rows.len(), 300 + 188, "every entry once");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_online_portfolio_with_an_unusable_store_fails_loudly() {
    let bitvavo = MockBitvavo::start().await;
    let ecb = MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &[("bitvavo", bitvavo.config())], Some(&ecb));
    // The store's path is a directory.
    std::fs::create_dir_all(dir.path().join("store.sqlite")).unwrap();
    let r = stonks(&["portfolio", "--config", path.to_str().unwrap()], &[]).await;
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.err.contains("store"), "{}", r.err);
    assert!(
        r.out.contains("Bitcoin"),
        "the portfolio read is still shown: {}",
        r.out
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_config_points_to_stonks_init_and_fetches_nothing() {
    let ecb = MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &[], Some(&ecb));
    let r = stonks(&["portfolio", "--config", path.to_str().unwrap()], &[]).await;
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.err.contains("stonks init"), "{}", r.err);
    assert!(
        ecb.received_requests().await.is_empty(),
        "no rates are fetched for nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_totp_secret_is_one_sentence_and_sends_nothing() {
    let degiro = MockDegiro::start().await;
    let ecb = MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[(
            "degiro",
            with(
                degiro.config(),
                serde_json::json!({"totp_secret": "0189-not-base32"}),
            ),
        )],
        Some(&ecb),
    );
    let r = stonks(&["portfolio", "--config", path.to_str().unwrap()], &[]).await;
    assert_ne!(r.code, 0, "{}", r.all());
    let shown = r.all();
    assert!(
        shown.contains("degiro: totp_secret is not a base32 secret"),
        "{shown}"
    );
    for noise in [
        "factory failed",
        "plugin error",
        "config error:",
        "0189-not-base32",
    ] {
        assert!(!shown.contains(noise), "{noise:?} in: {shown}");
    }
    assert!(
        degiro.received_requests().await.is_empty(),
        "the password is never sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn health_shows_the_last_error_and_when() {
    let bitvavo = MockBitvavo::start().await;
    let ecb = MockEcb::start().await;
    let closed = format!(
        "http://127.0.0.1:{}/v2",
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    );
    let dir = tempfile::tempdir().unwrap();
    // Alpaca points at a port nobody listens on.
    let alpaca = serde_json::json!({"key_id": "PKTESTKEY0001", "secret_key": "test-secret-0001",
                                    "base_url": closed, "timeout_secs": 5});
    let path = config(
        dir.path(),
        &[("alpaca", alpaca), ("bitvavo", bitvavo.config())],
        Some(&ecb),
    );
    let r = stonks(
        &[
            "health",
            "--format",
            "json",
            "--config",
            path.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    let rows: Vec<Value> =
        serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{e}: {}", r.all()));
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    let (failing, ok) = (row("alpaca"), row("bitvavo"));
    assert!(
        failing["state"].as_str().unwrap().contains("failing"),
        "{failing}"
    );
    assert!(
        failing["error"]
            .as_str()
            .unwrap()
            .contains("cannot connect to 127.0.0.1"),
        "{failing}"
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(failing["error_at"].as_str().unwrap()).is_ok(),
        "{failing}"
    );
    assert_eq!(ok["state"], "active", "{ok}");
    assert!(ok["error"].is_null(), "{ok}");
}

/// Every secret the mocks saw: the configured ones, and what the client
/// computed (Bitvavo's signatures, DEGIRO's session ids).
async fn secrets_seen(bitvavo: &MockBitvavo, degiro: &MockDegiro) -> Vec<String> {
    let mut secrets: Vec<String> = [
        stonks_testkit::bitvavo::API_KEY,
        stonks_testkit::bitvavo::API_SECRET,
        stonks_testkit::degiro::PASSWORD,
        stonks_testkit::degiro::TOTP_SECRET,
        stonks_testkit::alpaca::KEY_ID,
        stonks_testkit::alpaca::SECRET_KEY,
    ]
    .map(str::to_owned)
    .to_vec();
    for req in bitvavo.received_requests().await {
        if let Some(sig) = req.headers.get("bitvavo-access-signature") {
            secrets.push(sig.to_str().unwrap().to_owned());
        }
    }
    for req in degiro.received_requests().await {
        let cookie = req
            .headers
            .get("cookie")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if let Some(id) = cookie
            .split(';')
            .find_map(|c| c.trim().strip_prefix("JSESSIONID="))
        {
            secrets.push(id.to_owned());
        }
        for (k, v) in req.url.query_pairs() {
            if k == "sessionId" {
                secrets.push(v.into_owned());
            }
        }
    }
    secrets.sort();
    secrets.dedup();
    secrets
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_sync_at_trace_level_shows_no_secret() {
    let bitvavo = MockBitvavo::start().await;
    let degiro = MockDegiro::start().await;
    degiro.set_login_mode(LoginMode::Totp);
    let alpaca = MockAlpaca::start().await;
    let ecb = MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[
            ("alpaca", alpaca.config()),
            ("bitvavo", bitvavo.config()),
            ("degiro", degiro.config()),
        ],
        Some(&ecb),
    );
    let path = path.to_str().unwrap();
    let mut shown = String::new();
    for command in [
        &["sync", "-vvv", "--config", path][..],
        &["portfolio", "-vvv", "--config", path],
        &["health", "-vvv", "--config", path],
    ] {
        let r = stonks(command, &[("RUST_LOG", "trace")]).await;
        assert_eq!(r.code, 0, "{command:?}: {}", r.all());
        shown.push_str(&r.all());
    }
    // The logs are there (a test that sees no logs proves nothing).
    for expected in [
        "GET",
        "/v2/balance",
        "/login/secure/login/totp",
        "/v2/account/activities",
        "200",
    ] {
        assert!(shown.contains(expected), "{expected} not logged");
    }
    let secrets = secrets_seen(&bitvavo, &degiro).await;
    assert!(
        secrets.len() > 10,
        "signatures and session ids were collected: {secrets:?}"
    );
    for secret in &secrets {
        assert!(
            !shown.contains(secret.as_str()),
            "secret {secret:?} appeared in the output"
        );
    }
    // Nothing secret in the store either.
    let stored = std::fs::read(dir.path().join("store.sqlite")).unwrap();
    let stored = String::from_utf8_lossy(&stored);
    for secret in &secrets {
        assert!(!stored.contains(secret.as_str()), "{secret:?} in the store");
    }
}

#[cfg_attr(not(feature = "sandbox"), ignore = "needs the `sandbox` feature")]
#[tokio::test(flavor = "multi_thread")]
async fn a_sandbox_sync_at_trace_level_shows_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sqlite");
    let r = stonks(
        &["sync", "--sandbox", "-vvv"],
        &[
            ("STONKS_SANDBOX_STORE", store.to_str().unwrap()),
            ("RUST_LOG", "trace"),
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.all());
    let shown = r.all();
    assert!(
        shown.contains("/v2/account/activities"),
        "logs were written"
    );
    for secret in [
        stonks_testkit::bitvavo::API_KEY,
        stonks_testkit::bitvavo::API_SECRET,
        stonks_testkit::degiro::PASSWORD,
        stonks_testkit::degiro::TOTP_SECRET,
        stonks_testkit::alpaca::KEY_ID,
        stonks_testkit::alpaca::SECRET_KEY,
    ] {
        assert!(!shown.contains(secret), "{secret} appeared in the output");
    }
}

/// A `sync` of a fresh MockAlpaca with `args` and `envs`: the run and the
/// requests the mock received (method, and path with query).
async fn alpaca_sync(args: &[&str], envs: &[(&str, &str)]) -> (Run, Vec<(String, String)>) {
    let alpaca = MockAlpaca::start().await;
    let ecb = MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &[("alpaca", alpaca.config())], Some(&ecb));
    let mut all = vec!["sync", "--config", path.to_str().unwrap()];
    all.extend_from_slice(args);
    let r = stonks(&all, envs).await;
    assert_eq!(r.code, 0, "{}", r.all());
    let requests = alpaca
        .received_requests()
        .await
        .into_iter()
        .map(|req| {
            let path = match req.url.query() {
                Some(q) => format!("{}?{q}", req.url.path()),
                None => req.url.path().to_owned(),
            };
            (req.method.to_string(), path)
        })
        .collect();
    (r, requests)
}

/// The stderr lines that log a request (`-vv`, or `RUST_LOG` at debug).
fn request_lines(err: &str) -> Vec<&str> {
    err.lines()
        .filter(|l| l.contains(" http plugin="))
        .collect()
}

/// Whether `err` has the line of this request: method, URL (the mock's,
/// with this path and query) and status.
fn logs_request(err: &str, (method, path): &(String, String)) -> bool {
    let method = format!(" method=\"{method}\" url=http://127.0.0.1:");
    let path = format!("{path} status=200 ");
    request_lines(err)
        .iter()
        .any(|l| l.contains(&method) && l.contains(&path))
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_and_store_commits_are_logged_at_vv_not_at_v() {
    let (v, requests) = alpaca_sync(&["-v"], &[]).await;
    assert_eq!(
        requests.len(),
        5,
        "account, 2 activity pages, account, positions"
    );
    assert_eq!(request_lines(&v.err), Vec::<&str>::new(), "{}", v.err);
    assert!(!v.err.contains(" DEBUG "), "{}", v.err);
    // A store commit is a -vv line too (logging.rs, README).
    assert!(!v.err.contains("store: ledger committed"), "{}", v.err);

    let (vv, requests) = alpaca_sync(&["-vv"], &[]).await;
    let alpaca_lines: Vec<&str> = request_lines(&vv.err)
        .into_iter()
        .filter(|l| l.contains("plugin=alpaca"))
        .collect();
    assert_eq!(alpaca_lines.len(), requests.len(), "{}", vv.err);
    for request in &requests {
        assert!(
            logs_request(&vv.err, request),
            "{request:?} not logged: {}",
            vv.err
        );
    }
    assert!(
        requests
            .iter()
            .any(|(_, path)| path.starts_with("/v2/account/activities?")),
        "a page was asked for, so a query was matched too: {requests:?}"
    );
    let commits: Vec<&str> = vv
        .err
        .lines()
        .filter(|l| l.contains("store: ledger committed"))
        .collect();
    assert_eq!(commits.len(), 1, "{}", vv.err);
    assert!(
        commits[0].contains(r#"broker="alpaca" entries=135 new=135"#),
        "{}",
        commits[0]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rust_log_alone_turns_on_the_request_lines() {
    let (r, requests) = alpaca_sync(&[], &[("RUST_LOG", "stonks_core=debug")]).await;
    let alpaca_lines = request_lines(&r.err)
        .into_iter()
        .filter(|l| l.contains("plugin=alpaca"))
        .count();
    assert_eq!(alpaca_lines, requests.len(), "{}", r.err);
    for request in &requests {
        assert!(
            logs_request(&r.err, request),
            "{request:?} not logged: {}",
            r.err
        );
    }
    // RUST_LOG replaces the level: stonks_core's debug lines only, not the
    // app's store commit.
    assert!(!r.err.contains("store: ledger committed"), "{}", r.err);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_row_that_cannot_be_read_is_left_out_and_said_in_every_format() {
    // A file broker: deterministic, one bad position row beside a good one.
    let ecb = MockEcb::start().await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(
        &ledger,
        "timestamp,kind,symbol,isin,quantity,price,amount,currency,fees,description\n\
         2024-01-05,deposit,,,,,3000,EUR,,\n\
         2024-01-05T12:00:00Z,buy,VWRL,IE00B3RBWM25,10,100,-1000,EUR,,\n",
    )
    .unwrap();
    let positions = dir.path().join("positions.csv");
    std::fs::write(
        &positions,
        "symbol,isin,name,quantity,price,currency\n\
         VWRL,IE00B3RBWM25,Vanguard FTSE All-World,10,115,EUR\n\
         ASML,NL0010273215,ASML Holding,lots,650.2,EUR\n",
    )
    .unwrap();
    let settings = serde_json::json!({
        "plugin": "file",
        "path": ledger.display().to_string(),
        "positions": positions.display().to_string(),
        "account": "joint",
    });
    let path = config(dir.path(), &[("alice", settings)], Some(&ecb));
    let path = path.to_str().unwrap();

    let table = stonks(&["portfolio", "--config", path], &[]).await;
    assert_eq!(
        table.code,
        0,
        "a left-out row is not a failure: {}",
        table.all()
    );
    assert!(
        table.out.contains(
            "1 row was left out: a broker sent something that could not be read (-v shows each)"
        ),
        "{}",
        table.out
    );
    assert!(
        table.out.contains("Total EUR: positions 1150 + cash 2000"),
        "{}",
        table.out
    );

    let each = stonks(&["portfolio", "-v", "--config", path], &[]).await;
    let line = each
        .out
        .lines()
        .find(|l| l.starts_with("left out: alice: "))
        .unwrap_or_else(|| panic!("{}", each.out));
    // The row's place in the file, the key and the bad value.
    assert!(
        line.starts_with("left out: alice: file positions.csv, field [1]: quantity: \"lots\" is not an exact decimal"),
        "{line}"
    );

    let json = stonks(&["portfolio", "--format", "json", "--config", path], &[]).await;
    assert_eq!(json.code, 0, "{}", json.all());
    let v: Value = serde_json::from_str(&json.out).unwrap();
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{}", json.out);
    assert_eq!(problems[0]["broker"], "alice");
    assert_eq!(problems[0]["endpoint"], "file positions.csv");
    assert_eq!(problems[0]["field"], "[1]");
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("quantity: \"lots\"")
    );
    let held = v["positions"].as_array().unwrap();
    assert_eq!(held.len(), 1, "the good row stands");
    assert_eq!(held[0]["account"], "joint", "positions name their account");
    assert_eq!(held[0]["market_value_base"], "1150");
    assert_eq!(v["cash"][0]["account"], "joint");

    let csv = stonks(&["portfolio", "--format", "csv", "--config", path], &[]).await;
    assert_eq!(csv.code, 0, "{}", csv.all());
    let mut rows = csv.out.lines();
    assert_eq!(
        rows.next(),
        Some(
            "broker,account,symbol,isin,instrument_key,name,asset_class,quantity,currency,price,market_value,market_value_base"
        )
    );
    assert!(
        rows.any(|r| r.starts_with("alice,joint,VWRL,IE00B3RBWM25,")),
        "{}",
        csv.out
    );
    assert!(
        csv.err.contains(
            "1 row was left out: a broker sent something that could not be read (-v shows each)"
        ),
        "CSV keeps its rows clean and says it on stderr: {}",
        csv.err
    );

    // The ledger: a bad row is counted on stderr; JSON stays a list.
    let mut text = std::fs::read_to_string(&ledger).unwrap();
    text.push_str("2024-02-01,deposit,,,,,much,EUR,,\n");
    std::fs::write(&ledger, text).unwrap();
    let listed = stonks(&["transactions", "--config", path], &[]).await;
    assert_eq!(listed.code, 0, "{}", listed.all());
    assert!(listed.out.ends_with("2 entries\n"), "{}", listed.out);
    assert!(
        listed.err.contains(
            "1 row was left out: a broker sent something that could not be read (-v shows each)"
        ),
        "{}",
        listed.err
    );
    let listed = stonks(
        &["transactions", "-v", "--format", "json", "--config", path],
        &[],
    )
    .await;
    let entries: Value = serde_json::from_str(&listed.out).unwrap();
    assert_eq!(entries.as_array().map(Vec::len), Some(2));
    assert!(
        listed
            .err
            .contains("alice: left out: file ledger.csv, field [2]: amount: \"much\""),
        "{}",
        listed.err
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_portfolio_that_hangs_is_cut_and_the_others_still_shown() {
    let bitvavo = MockBitvavo::start().await;
    let alpaca = MockAlpaca::start().await;
    let ecb = MockEcb::start().await;
    bitvavo.slow_endpoint("/balance", Duration::from_secs(120));
    let dir = tempfile::tempdir().unwrap();
    let path = config(
        dir.path(),
        &[
            (
                "bitvavo",
                with(bitvavo.config(), serde_json::json!({"timeout_secs": 3})),
            ),
            ("alpaca", alpaca.config()),
        ],
        Some(&ecb),
    );
    let started = Instant::now();
    let r = stonks(
        &[
            "portfolio",
            "--format",
            "json",
            "--config",
            path.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "cut at its budget"
    );
    assert_eq!(r.code, 2, "{}", r.all());
    let v: Value = serde_json::from_str(&r.out).unwrap();
    let brokers = v["brokers"].as_array().unwrap();
    let bitvavo_line = brokers.iter().find(|b| b["id"] == "bitvavo").unwrap();
    assert_eq!(bitvavo_line["status"], "error");
    let why = bitvavo_line["error"].as_str().unwrap();
    assert!(
        why.contains("timed out after 3 s reading the portfolio") && why.contains("GET /balance"),
        "{why}"
    );
    let alpaca_line = brokers.iter().find(|b| b["id"] == "alpaca").unwrap();
    assert_eq!(alpaca_line["status"], "ok");
    assert!(
        v["positions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["broker"] == "alpaca")
            && !v["positions"].as_array().unwrap().is_empty()
    );
}
