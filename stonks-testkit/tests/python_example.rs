//! The Python example broker (`examples/python-broker`), a runtime plugin
//! speaking stonks-jsonrpc/1, passes the conformance suite through the
//! protocol, like every linked broker: against its mock, with the faults
//! the suite injects reaching the plugin through the host's HTTP client.
#![cfg(unix)]

use std::path::Path;

use stonks_testkit::MockExampleBroker;
use stonks_testkit::conformance::{Subject, run};
use stonks_testkit::example_broker::TOKEN;

#[tokio::test(flavor = "multi_thread")]
async fn the_python_example_passes_the_conformance_suite() {
    let mock = MockExampleBroker::start().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/python-broker");
    let record = stonks_core::process::record(&dir).unwrap();
    run(Subject {
        record,
        config: mock.config(),
        bad_credentials: mock.bad_config(),
        faults: mock.faults().clone(),
        secrets: vec![TOKEN.to_owned()],
    })
    .await;
}
