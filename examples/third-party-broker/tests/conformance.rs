//! Acme Broker runs the stonks conformance suite against its own mock, built
//! from the testkit's parts (wiremock plus `Faults`).

mod common;

use serde_json::json;
use stonks_testkit::conformance::{Subject, run};

use common::TOKEN;

#[tokio::test]
async fn acme_passes_the_conformance_suite() {
    let (server, faults) = common::start().await;
    run(Subject {
        record: acme_broker::RECORD,
        config: json!({"token": TOKEN, "base_url": server.uri()}),
        bad_credentials: json!({"token": "wrong-token", "base_url": server.uri()}),
        faults,
        secrets: vec![TOKEN.to_owned()],
    })
    .await;
}
