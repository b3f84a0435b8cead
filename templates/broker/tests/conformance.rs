//! The stonks conformance suite, run against the broker's mock. The suite
//! chooses its checks from the manifest; every fault it switches on must
//! reach the plugin, so nothing may be skipped.
//!
//! If your rows name their amounts in a way the suite's default row-breaking
//! rule does not find (it looks for `amount`, `price`, `quantity`, `qty`,
//! `total`, ...), tell it which fields to break before the run:
//! `faults.break_rows_by(stonks_testkit::faults::BreakRow::fields(["units"]))`.

mod common;

use serde_json::json;
use stonks_testkit::conformance::{Subject, run};

use common::TOKEN;

#[tokio::test]
async fn passes_the_conformance_suite() {
    let (server, faults) = common::start().await;
    // `run` panics listing every failed check.
    let report = run(Subject {
        record: {{crate_name}}::RECORD,
        config: json!({"token": TOKEN, "base_url": server.uri()}),
        bad_credentials: json!({"token": "wrong-token-0000", "base_url": server.uri()}),
        faults,
        secrets: vec![TOKEN.to_owned()],
    })
    .await;
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);
    for check in [
        "service_portfolio_returns_data",
        "service_transactions_returns_data",
        "service_deposits_returns_data",
        "service_withdrawals_returns_data",
        "service_dividends_returns_data",
        "service_taxes_returns_data",
        "service_fees_returns_data",
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
    ] {
        assert!(
            report.passed.iter().any(|p| p == check),
            "{check}: {report:#?}"
        );
    }
}
