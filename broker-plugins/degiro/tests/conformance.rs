//! The shared conformance suite, run against `MockDegiro`.

use stonks_testkit::MockDegiro;
use stonks_testkit::conformance::{Subject, check};
use stonks_testkit::degiro::{PASSWORD, TOTP_SECRET};

#[tokio::test]
async fn degiro_passes_the_conformance_suite() {
    let mock = MockDegiro::start().await;
    let report = check(Subject {
        record: stonks_broker_degiro::RECORD,
        config: mock.config(),
        bad_credentials: mock.bad_config(),
        faults: mock.faults().clone(),
        secrets: vec![
            PASSWORD.to_owned(),
            TOTP_SECRET.to_owned(),
            "wrong-password-123".to_owned(),
        ],
    })
    .await;
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    for check in [
        "service_dividends_returns_data",
        "service_taxes_returns_data",
        "service_interest_returns_data",
        "service_staking_unsupported",
        "ledger_time_range_exact",
        "bad_credentials_are_auth_errors",
        "secrets_never_shown",
        "broken_row_is_reported",
    ] {
        assert!(
            report.passed.iter().any(|p| p == check),
            "{check} did not run: {report:?}"
        );
    }
}
