//! The price file plugin through the registry, over files on disk: ISIN
//! and symbol matching, bad rows, a currency that does not belong, a FIFO
//! refused, a file read again only when it changed.

use std::path::Path;

use chrono::NaiveDate;
use serde_json::json;
use stonks_core::prices::PriceSeries;
use stonks_core::{AssetClass, Currency, ErrorKind, Instrument, Registry};
use stonks_prices_file::RECORD;
use stonks_testkit::support::{self, d};

const CLOSES: &str = "\
date,isin,symbol,close,currency,comment
2024-01-02,IE00B4L5Y983,IWDA,83.925,EUR,
2024-01-03,IE00B4L5Y983,,83.41,EUR,
2024-01-04,IE00B4L5Y983,IWDA,83.10,USD,wrong currency
2024-01-05,IE00B4L5Y983,IWDA,eighty,EUR,
2024-01-02,,AAPL,185.64,USD,
2024-01-03,,aapl,184.25,USD,
2024-01-04,US0378331005,AAPL,181.91,USD,
2024-01-02,US8030542042,SAP,137.12,USD,the ADR
2024-01-02,DE0007164600,SAP,138.52,EUR,the share
2024-13-01,,AAPL,1,USD,
";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn instrument(symbol: &str, isin: Option<&str>) -> Instrument {
    let mut i = Instrument::new(symbol, symbol, AssetClass::Stock);
    i.symbol = Some(symbol.into());
    i.isin = isin.map(|s| s.parse().unwrap());
    i
}

fn registry(files: &[&Path]) -> Registry {
    support::registry(RECORD, &json!({ "files": files }))
}

async fn history(r: &Registry, i: &Instrument) -> Option<PriceSeries> {
    r.prices("prices-file")
        .unwrap()
        .history(i, day("2024-01-01"), day("2024-12-31"))
        .await
        .unwrap()
}

fn closes(s: &PriceSeries) -> Vec<(String, String)> {
    s.closes
        .iter()
        .map(|c| (c.date.to_string(), c.close.to_string()))
        .collect()
}

#[tokio::test]
async fn by_isin_with_bad_rows_and_a_currency_that_does_not_belong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closes.csv");
    std::fs::write(&path, CLOSES).unwrap();
    let r = registry(&[&path]);
    let s = history(&r, &instrument("IWDA", Some("IE00B4L5Y983")))
        .await
        .unwrap();
    assert_eq!(
        (s.symbol.as_str(), s.currency),
        ("IE00B4L5Y983", Currency::EUR)
    );
    assert_eq!(
        closes(&s),
        vec![
            ("2024-01-02".into(), "83.925".into()),
            ("2024-01-03".into(), "83.41".into())
        ]
    );
    let what: Vec<(Option<&str>, Option<&str>)> = s
        .problems
        .iter()
        .map(|p| (p.item.as_deref(), p.field.as_deref()))
        .collect();
    assert_eq!(
        what,
        vec![
            (Some("line 4"), Some("currency")),
            (Some("line 5"), Some("close"))
        ],
        "{:#?}",
        s.problems
    );
    assert!(s.problems.iter().all(|p| p.endpoint == "file closes.csv"));
    assert!(
        s.problems[1].message.contains("eighty"),
        "{}",
        s.problems[1].message
    );
}

#[tokio::test]
async fn by_symbol_without_isin_and_never_across_securities() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closes.csv");
    std::fs::write(&path, CLOSES).unwrap();
    let r = registry(&[&path]);
    // No ISIN on the instrument: every AAPL row, any case, the bad date reported.
    let s = history(&r, &instrument("AAPL", None)).await.unwrap();
    assert_eq!((s.symbol.as_str(), s.currency), ("AAPL", Currency::USD));
    assert_eq!(closes(&s).len(), 3);
    assert_eq!(s.closes[1].close, d("184.25"));
    assert_eq!(s.problems.len(), 1);
    assert_eq!(
        (
            s.problems[0].item.as_deref(),
            s.problems[0].field.as_deref()
        ),
        (Some("line 11"), Some("date"))
    );
    // The share by its ISIN; by ticker with the share's ISIN, the ADR's row is not taken.
    let share = history(&r, &instrument("SAP", Some("DE0007164600")))
        .await
        .unwrap();
    assert_eq!(
        (share.currency, share.closes[0].close),
        (Currency::EUR, d("138.52"))
    );
    // Nothing about it: None, the app asks the next source.
    assert_eq!(history(&r, &instrument("MSFT", None)).await, None);
    assert_eq!(
        history(&r, &instrument("NOPE", Some("US5949181045"))).await,
        None
    );
}

#[tokio::test]
async fn read_once_until_the_file_changes_and_a_later_file_wins() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    std::fs::write(
        &a,
        "date,symbol,close,currency\n2024-01-02,X,1.5,EUR\n2024-01-03,X,1.6,EUR\n",
    )
    .unwrap();
    std::fs::write(&b, "symbol,date,close,currency\nX,2024-01-03,1.65,EUR\n").unwrap();
    let r = registry(&[&a, &b]);
    let x = instrument("X", None);
    let s = history(&r, &x).await.unwrap();
    assert_eq!(
        closes(&s),
        vec![
            ("2024-01-02".into(), "1.5".into()),
            ("2024-01-03".into(), "1.65".into())
        ]
    );
    std::fs::write(
        &a,
        "date,symbol,close,currency\n2024-01-02,X,1.55,EUR\n2024-01-04,X,1.7,EUR\n",
    )
    .unwrap();
    let s = history(&r, &x).await.unwrap();
    assert_eq!(closes(&s).len(), 3, "the changed file is read again");
    assert_eq!(s.closes[0].close, d("1.55"));
}

#[tokio::test]
async fn a_fifo_or_a_missing_file_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("closes.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let r = registry(&[&fifo]);
    let err = r
        .prices("prices-file")
        .unwrap()
        .history(&instrument("X", None), day("2024-01-01"), day("2024-01-31"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Config);
    assert!(
        err.to_string().contains("closes.csv") && err.to_string().contains("FIFO"),
        "{err}"
    );
    let missing = dir.path().join("gone.csv");
    let r = registry(&[&missing]);
    let err = r
        .prices("prices-file")
        .unwrap()
        .history(&instrument("X", None), day("2024-01-01"), day("2024-01-31"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("gone.csv"), "{err}");
}
