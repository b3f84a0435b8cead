//! Price history through the CLI: `stonks sync` fetches each instrument's
//! days once, from the first source that knows it (Yahoo's mock, then a
//! price file), and later syncs only the days not asked; `--offline` reads
//! the store; the report's value over time becomes daily.

mod common;

use std::path::Path;

use chrono::{NaiveDate, TimeDelta, Utc};
use common::stonks;
use serde_json::Value;
use stonks_testkit::MockYahoo;

/// Apple and SAP (Yahoo knows both) and a money-market fund only the price
/// file knows, bought 30 days ago; the file has the fund's closes.
fn setup(dir: &Path, yahoo: &MockYahoo) -> std::path::PathBuf {
    let bought = Utc::now().date_naive() - TimeDelta::days(30);
    let ledger = dir.join("ledger.csv");
    std::fs::write(
        &ledger,
        format!(
            "timestamp,kind,symbol,isin,quantity,amount,currency\n\
             {bought},buy,AAPL,US0378331005,10,-1700,USD\n\
             {bought},buy,SAP,DE0007164600,5,-900,EUR\n\
             {bought},buy,MSLF,LU1959429272,3,-300,EUR\n"
        ),
    )
    .unwrap();
    let prices = dir.join("prices.csv");
    let mut csv = String::from("date,isin,symbol,close,currency\n");
    for n in 0..=30 {
        let day = bought + TimeDelta::days(n);
        csv.push_str(&format!(
            "{day},LU1959429272,MSLF,{}.{:02},EUR\n",
            100 + n / 10,
            n
        ));
    }
    std::fs::write(&prices, csv).unwrap();
    let cfg = dir.join("stonks.toml");
    std::fs::write(
        &cfg,
        format!(
            "base_currency = \"EUR\"\nstore = {:?}\n\n[brokers.alice]\nplugin = \"file\"\naccount = \"A\"\npath = {:?}\n\n[identity]\nenabled = false\n\n[prices]\nsources = [\"yahoo\", \"file\"]\n\n[prices.yahoo]\nbase_url = {:?}\n\n[prices.file]\nfiles = [{:?}]\n\n[fx]\nbase_url = \"http://127.0.0.1:9\"\n",
            dir.join("store.sqlite").display().to_string(),
            ledger.display().to_string(),
            yahoo.uri(),
            prices.display().to_string(),
        ),
    )
    .unwrap();
    cfg
}

fn json(r: &common::Run) -> Value {
    assert_eq!(r.code, 0, "{}", r.all());
    serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{e}: {}", r.out))
}

fn day(v: &Value) -> NaiveDate {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_fetches_each_instrument_once_then_only_new_days() {
    let yahoo = MockYahoo::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(dir.path(), &yahoo);
    let cfg = cfg.to_str().unwrap();

    let r = stonks(&["sync", "--config", cfg], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.err.contains("prices: 3 instruments brought up to date"),
        "{}",
        r.err
    );
    // One chart request per instrument Yahoo knows; the fund is looked up
    // and not found, then read from the file.
    // In the order of their keys (isin:DE…, isin:LU…, isin:US…).
    assert_eq!(yahoo.chart_requests().await, ["SAP.DE", "AAPL"]);
    assert_eq!(
        yahoo.search_requests().await,
        ["DE0007164600", "LU1959429272", "US0378331005"]
    );

    let v = json(
        &stonks(
            &["prices", "--offline", "--format", "json", "--config", cfg],
            &[],
        )
        .await,
    );
    let rows = v["instruments"].as_array().unwrap();
    let row = |key: &str| {
        rows.iter()
            .find(|r| r["instrument_key"] == key)
            .unwrap()
            .clone()
    };
    let apple = row("isin:US0378331005");
    assert_eq!(
        (apple["source"].as_str(), apple["symbol"].as_str()),
        (Some("yahoo"), Some("AAPL"))
    );
    assert_eq!(apple["currency"], "USD");
    let last = day(&apple["last_close"]);
    assert_eq!(Some(last), MockYahoo::last_trading_day("AAPL"));
    assert_eq!(
        apple["latest"].as_str().map(|s| s.parse().unwrap()),
        MockYahoo::close_on("AAPL", last),
        "the latest close is the mock's, exactly"
    );
    let fund = row("isin:LU1959429272");
    assert_eq!(
        (fund["source"].as_str(), fund["days"].as_u64()),
        (Some("file"), Some(31))
    );
    assert_eq!(fund["latest"], "103.30");
    assert_eq!(row("isin:DE0007164600")["symbol"], "SAP.DE");

    // A second sync asks Yahoo for the days since the last one asked, and
    // searches nothing again (the symbol is kept).
    let before = yahoo.received_requests().await.len();
    let r = stonks(&["sync", "--config", cfg], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    let all = yahoo.received_requests().await;
    let new: Vec<&stonks_testkit::wiremock::Request> = all[before..].iter().collect();
    assert_eq!(
        new.len(),
        2,
        "one chart request per Yahoo instrument, no search"
    );
    let asked_to = day(&apple["asked_to"]);
    for req in new {
        let period1: i64 = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "period1")
            .unwrap()
            .1
            .parse()
            .unwrap();
        let start = chrono::DateTime::from_timestamp(period1, 0)
            .unwrap()
            .date_naive();
        assert!(
            start >= asked_to - TimeDelta::days(1),
            "only the days from the last one asked: {start} vs {asked_to}"
        );
    }

    // Offline: nothing is asked.
    let before = yahoo.received_requests().await.len();
    let series = json(
        &stonks(
            &[
                "prices",
                "--offline",
                "--instrument",
                "isin:US0378331005",
                "--format",
                "json",
                "--config",
                cfg,
            ],
            &[],
        )
        .await,
    );
    let closes = series["instruments"][0]["series"].as_array().unwrap();
    assert!(
        closes.len() >= 18,
        "about 21 trading days: {}",
        closes.len()
    );
    for c in closes {
        let d = day(&c["date"]);
        let want = MockYahoo::close_on("AAPL", d).map(|x| x.to_string());
        assert_eq!(c["close"].as_str().map(str::to_owned), want, "{d}");
    }
    let page = dir.path().join("report.html");
    let r = stonks(
        &[
            "report",
            "--offline",
            "--output",
            page.to_str().unwrap(),
            "--config",
            cfg,
        ],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.all());
    // One point a day since the purchase (31 days), not one per sync (2).
    assert!(
        r.all().contains("31 points of value over time"),
        "{}",
        r.all()
    );
    assert_eq!(
        yahoo.received_requests().await.len(),
        before,
        "--offline asks nothing"
    );
}

/// The close of `symbol` on `on` or the last trading day up to a week
/// before, as the valuation carries it.
fn carried(symbol: &str, on: NaiveDate) -> Option<rust_decimal::Decimal> {
    (0..=7).find_map(|back| MockYahoo::close_on(symbol, on - TimeDelta::days(back)))
}

#[tokio::test(flavor = "multi_thread")]
async fn returns_beside_a_benchmark_named_by_its_yahoo_symbol() {
    let yahoo = MockYahoo::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(dir.path(), &yahoo);
    let cfg = cfg.to_str().unwrap();
    let r = stonks(&["sync", "--config", cfg], &[]).await;
    assert_eq!(r.code, 0, "{}", r.all());
    let before = yahoo.chart_requests().await.len();
    let searched = yahoo.search_requests().await.len();

    let args = [
        "returns",
        "--benchmark",
        "sap.de",
        "--format",
        "json",
        "--config",
        cfg,
    ];
    let run = stonks(&args, &[]).await;
    let v = json(&run);
    // One chart request, by the symbol as given: no search, no guess.
    assert_eq!(
        yahoo.chart_requests().await[before..],
        ["SAP.DE"],
        "{}",
        run.err
    );
    assert_eq!(yahoo.search_requests().await.len(), searched);
    let b = &v["benchmark"];
    assert_eq!(
        (b["id"].as_str(), b["key"].as_str()),
        (Some("sap.de"), Some("yahoo:SAP.DE"))
    );
    // Its return: the last close over the close the day before the first
    // day (the purchase), both the mock's, exactly.
    let from = day(&v["from"]);
    let to = day(&v["to"]);
    let first = carried("SAP.DE", from - TimeDelta::days(1)).unwrap();
    let last = carried("SAP.DE", to).unwrap();
    let want = (last / first - rust_decimal::Decimal::ONE).round_dp(6);
    assert_eq!(b["twr"].as_str().map(|s| s.parse().unwrap()), Some(want));
    let inception = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == "inception")
        .unwrap();
    assert_eq!(inception["benchmark_twr"], b["twr"]);
    let series = v["series"].as_array().unwrap();
    assert_eq!(series.len() as i64, (to - from).num_days() + 1);
    assert!(series.iter().all(|p| !p["benchmark_index"].is_null()));

    // Stored: offline, the same figure and no request.
    let asked = yahoo.received_requests().await.len();
    let mut offline = args.to_vec();
    offline.push("--offline");
    let again = json(&stonks(&offline, &[]).await);
    assert_eq!(again["benchmark"]["twr"], b["twr"]);
    assert_eq!(yahoo.received_requests().await.len(), asked);

    // What cannot be a benchmark is refused before anything runs.
    let bad = stonks(&["returns", "--benchmark", "S&P 500", "--config", cfg], &[]).await;
    assert_ne!(bad.code, 0);
    assert!(
        bad.err.contains("expected an instrument key"),
        "{}",
        bad.err
    );
}
