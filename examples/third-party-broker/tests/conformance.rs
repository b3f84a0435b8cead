//! Acme Broker runs the stonks conformance suite against its own mock,
//! built from the testkit's parts (wiremock, answering through `Faults`).

mod common;

use serde_json::json;
use stonks_testkit::conformance::{Subject, run};

use common::TOKEN;

#[tokio::test]
async fn acme_passes_the_conformance_suite() {
    let (server, faults) = common::start().await;
    // `run` panics listing every failed check.
    let report = run(Subject {
        record: acme_broker::RECORD,
        config: json!({"token": TOKEN, "base_url": server.uri()}),
        bad_credentials: json!({"token": "wrong-token", "base_url": server.uri()}),
        faults,
        secrets: vec![TOKEN.to_owned()],
    })
    .await;
    // A fault that never reached the plugin is skipped, not passed: here
    // every one must have reached it.
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);
    for check in [
        "service_portfolio_returns_data",
        "service_transactions_returns_data",
        "service_deposits_returns_data",
        "service_dividends_returns_data",
        "service_withdrawals_unsupported",
        "snapshot_consistent",
        "ledger_paging_matches_one_read",
        "ledger_time_range_exact",
        "survives_429_burst",
        "survives_5xx_burst",
        "malformed_body_is_protocol_error",
        "broken_row_is_reported",
        "bad_credentials_are_auth_errors",
        "secrets_never_shown",
    ] {
        assert!(
            report.passed.iter().any(|p| p == check),
            "{check}: {report:#?}"
        );
    }
}
