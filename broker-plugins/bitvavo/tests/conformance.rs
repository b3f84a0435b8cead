//! The shared conformance suite, run against `MockBitvavo`.

use stonks_testkit::MockBitvavo;
use stonks_testkit::conformance::{Subject, run};

#[tokio::test]
async fn bitvavo_passes_the_conformance_suite() {
    let mock = MockBitvavo::start().await;
    // The suite reads the portfolio nine times and the ledger ten times in
    // a few seconds: about 1100 weight points, the staking balance's 100
    // (its weight is unpublished) nine times over. A key allowed 5000 a
    // minute (Bitvavo raises a key's limit on request) keeps the plugin
    // from rightly waiting a minute for the reset.
    mock.set_weight_budget(5000, std::time::Duration::from_secs(60));
    let report = run(Subject {
        record: stonks_broker_bitvavo::RECORD,
        config: mock.config(),
        bad_credentials: mock.bad_config(),
        faults: mock.faults().clone(),
        secrets: vec![
            stonks_testkit::bitvavo::API_SECRET.to_owned(),
            "0000-wrong-secret-0000".to_owned(),
        ],
    })
    .await;
    // The suite chose its checks from the manifest: every declared service,
    // and the undeclared ones as unsupported.
    for check in [
        "service_portfolio_returns_data",
        "service_staking_returns_data",
        "service_fees_returns_data",
        "service_dividends_unsupported",
        "service_interest_unsupported",
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
