//! The ECB plugin against `MockEcb`.

use stonks_core::{Currency, ErrorKind, Registry};
use stonks_testkit::MockEcb;

#[tokio::test]
async fn rates_from_the_mock() {
    let mock = MockEcb::start().await;
    let r = Registry::builder().register(stonks_fx_ecb::RECORD).build();
    r.activate("fx-ecb", &mock.config()).unwrap();
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
