//! The shared conformance suite, run against the file broker: once with a
//! JSON ledger and CSV positions, once with a CSV ledger and JSON
//! positions. The plugin reads local files, so it runs as a
//! [`Local`] subject: the checks that need a server (429 and 5xx bursts)
//! or credentials are skipped with their reason, and malformed data and a
//! broken row come from files that hold them.

use serde_json::{Value, json};
use stonks_core::Manifest;
use stonks_testkit::conformance::{Local, Report, run};
use stonks_testkit::fixture_path;

/// Beyond a check per declared service: what a local plugin is checked
/// for in place of a server's faults, and the checks of its data.
const CHOSEN: &[&str] = &[
    "malformed_body_is_protocol_error",
    "broken_row_is_reported",
    "recovers_after_faults",
    "snapshot_consistent",
    "ledger_paging_matches_one_read",
];

/// What cannot apply to a plugin without a server or credentials.
const SKIPPED: &[&str] = &[
    "survives_429_burst",
    "survives_5xx_burst",
    "bad_credentials_are_auth_errors",
    "reload_restores_credentials",
    "secrets_never_shown",
];

fn config(ledger: &str, positions: &str) -> Value {
    json!({
        "path": fixture_path!("tests/fixtures/{ledger}"),
        "account": "joint",
        "positions": fixture_path!("tests/fixtures/{positions}"),
    })
}

fn assert_chosen(report: &Report) {
    let manifest = Manifest::from_json(stonks_broker_file::RECORD.manifest).unwrap();
    let services = manifest
        .capabilities
        .services
        .iter()
        .map(|s| format!("service_{}_returns_data", s.as_str()));
    for check in services.chain(CHOSEN.iter().map(|c| c.to_string())) {
        assert!(
            report.passed.contains(&check),
            "{check} did not run: {report:?}"
        );
    }
    let skipped: Vec<&str> = report.skipped.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(skipped, SKIPPED, "{report:?}");
    assert!(
        report.skipped.iter().all(|(_, why)| !why.is_empty()),
        "every skip says why: {report:?}"
    );
}

#[tokio::test]
async fn file_broker_with_a_json_ledger_passes_the_conformance_suite() {
    let report = run(Local {
        record: stonks_broker_file::RECORD,
        config: config("ledger.json", "positions.csv"),
        malformed: config("not-a-ledger.json", "positions.csv"),
        broken_row: config("one-broken-row.json", "positions.csv"),
        secrets: vec![],
    })
    .await;
    assert_chosen(&report);
}

#[tokio::test]
async fn file_broker_with_a_csv_ledger_passes_the_conformance_suite() {
    let report = run(Local {
        record: stonks_broker_file::RECORD,
        config: config("ledger.csv", "positions.json"),
        malformed: config("not-a-ledger.json", "positions.json"),
        broken_row: config("one-broken-row.csv", "positions.json"),
        secrets: vec![],
    })
    .await;
    assert_chosen(&report);
}
