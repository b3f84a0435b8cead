//! The shared conformance suite, run against `MockIbkr`: once with every
//! source (Flex Web Service and Client Portal), once with the web service
//! alone (the portfolio from the latest statement).

use stonks_testkit::MockIbkr;
use stonks_testkit::conformance::{Subject, run};

/// The checks the manifest's capabilities must choose.
const CHOSEN: &[&str] = &[
    "service_portfolio_returns_data",
    "service_transactions_returns_data",
    "service_deposits_returns_data",
    "service_withdrawals_returns_data",
    "service_dividends_returns_data",
    "service_taxes_returns_data",
    "service_fees_returns_data",
    "service_interest_returns_data",
    "service_fx_rates_returns_data",
    "service_staking_unsupported",
    "snapshot_consistent",
    "ledger_ids_unique",
    "ledger_paging_matches_one_read",
    "ledger_time_range_exact",
    "ledger_trades_have_quantity_and_instrument",
    "survives_429_burst",
    "survives_5xx_burst",
    "malformed_body_is_protocol_error",
    "broken_row_is_reported",
    "bad_credentials_are_auth_errors",
    "secrets_never_shown",
];

fn secrets() -> Vec<String> {
    vec![
        stonks_testkit::ibkr::TOKEN.to_owned(),
        stonks_testkit::ibkr::SESSION.to_owned(),
        "999999999999999999999999".to_owned(),
    ]
}

#[tokio::test]
async fn ibkr_passes_the_conformance_suite() {
    let mock = MockIbkr::start().await;
    let report = run(Subject {
        record: stonks_broker_ibkr::RECORD,
        config: mock.config(),
        bad_credentials: mock.bad_config(),
        faults: mock.faults().clone(),
        secrets: secrets(),
    })
    .await;
    for check in CHOSEN {
        assert!(
            report.passed.iter().any(|p| p == check),
            "{check} did not run: {report:?}"
        );
    }
}

#[tokio::test]
async fn ibkr_from_statements_alone_passes_the_conformance_suite() {
    let mock = MockIbkr::start().await;
    let report = run(Subject {
        record: stonks_broker_ibkr::RECORD,
        config: mock.flex_config(),
        bad_credentials: mock.bad_config(),
        faults: mock.faults().clone(),
        secrets: secrets(),
    })
    .await;
    for check in CHOSEN {
        assert!(
            report.passed.iter().any(|p| p == check),
            "{check} did not run: {report:?}"
        );
    }
}
