//! The ECB plugin against `MockEcb`.

use stonks_core::{Currency, ErrorKind};
use stonks_testkit::MockEcb;
use stonks_testkit::support;

#[tokio::test]
async fn rates_from_the_mock() {
    let mock = MockEcb::start().await;
    let r = support::registry(stonks_fx_ecb::RECORD, &mock.config());
    let t = r.fx_rates("fx-ecb").unwrap().rates().await.unwrap();
    assert_eq!(t.base.as_str(), "EUR");
    assert_eq!(
        t.rates[&Currency::new("USD").unwrap()].to_string(),
        "1.0542"
    );
    assert_eq!(
        r.portfolio_v2("fx-ecb").err().unwrap().kind(),
        &ErrorKind::Unsupported
    );

    mock.faults().malformed_bodies(1);
    let err = r.fx_rates("fx-ecb").unwrap().rates().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    mock.faults().server_error_burst(2, 503);
    assert!(
        r.fx_rates("fx-ecb").unwrap().rates().await.is_ok(),
        "5xx bursts are retried"
    );
}

#[tokio::test]
async fn history_of_a_range_from_the_right_file() {
    let mock = MockEcb::start().await;
    let r = support::registry(stonks_fx_ecb::RECORD, &mock.config());
    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let fx = r.fx_rates("fx-ecb").unwrap();
    let march = fx
        .history(day("2021-03-01"), day("2021-03-31"))
        .await
        .unwrap();
    assert_eq!(march.len(), 23, "the weekdays of March 2021");
    assert_eq!(march[0].date, day("2021-03-01"));
    assert_eq!(march.last().unwrap().date, day("2021-03-31"));
    let usd = Currency::new("USD").unwrap();
    let ides = march.iter().find(|t| t.date == day("2021-03-15")).unwrap();
    assert_eq!(
        Some(ides.rates[&usd]),
        stonks_testkit::ecb::rate_on("USD", day("2021-03-15"))
    );
    assert_eq!(ides.rates.len(), 30);
    let recent = chrono::Utc::now().date_naive() - chrono::TimeDelta::days(30);
    let _ = fx
        .history(recent, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    let paths: Vec<String> = mock
        .received_requests()
        .await
        .iter()
        .map(|q| q.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/stats/eurofxref/eurofxref-hist.xml",
            "/stats/eurofxref/eurofxref-hist-90d.xml"
        ],
        "the whole history for 2021, the short file for the last month"
    );
    mock.faults().truncated_bodies(1);
    let err = fx.history(day("2021-03-01"), day("2021-03-31")).await;
    assert!(
        err.is_err() || err.is_ok_and(|t| t.len() <= 23),
        "a cut file is an error or fewer days, never a panic"
    );
}
