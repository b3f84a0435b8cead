//! The shared conformance suite, run against `MockAlpaca`.

use stonks_testkit::MockAlpaca;
use stonks_testkit::conformance::{Subject, run};

#[tokio::test]
async fn alpaca_passes_the_conformance_suite() {
    let mock = MockAlpaca::start().await;
    let report = run(Subject {
        record: stonks_broker_alpaca::RECORD,
        config: mock.config(),
        bad_credentials: mock.bad_config(),
        faults: mock.faults().clone(),
        secrets: vec![
            stonks_testkit::alpaca::SECRET_KEY.to_owned(),
            stonks_testkit::alpaca::KEY_ID.to_owned(),
            "wrong-secret-0000".to_owned(),
        ],
    })
    .await;
    // The suite chose its checks from the manifest: every declared service,
    // and the undeclared one (staking) as unsupported.
    for check in [
        "service_portfolio_returns_data",
        "service_transactions_returns_data",
        "service_deposits_returns_data",
        "service_withdrawals_returns_data",
        "service_dividends_returns_data",
        "service_taxes_returns_data",
        "service_fees_returns_data",
        "service_interest_returns_data",
        "service_staking_unsupported",
        "snapshot_consistent",
        "ledger_paging_matches_one_read",
        "ledger_time_range_exact",
        "ledger_trades_have_quantity_and_instrument",
        "survives_429_burst",
        "survives_5xx_burst",
        "malformed_body_is_protocol_error",
        "broken_row_is_reported",
        "bad_credentials_are_auth_errors",
        "secrets_never_shown",
    ] {
        assert!(
            report.passed.iter().any(|p| p == check),
            "{check} did not run: {report:?}"
        );
    }
}
