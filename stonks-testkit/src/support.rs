//! What tests of stonks crates keep needing, written once: exact decimals
//! from text, fixture files by a path relative to the crate under test,
//! wiremock answers mounted in one line, and a registry holding one plugin.
//!
//! ```no_run
//! use stonks_testkit::support::{d, mount_get, registry};
//! # async fn demo(record: stonks_core::PluginRecord) {
//! let server = stonks_testkit::wiremock::MockServer::start().await;
//! mount_get(&server, "/v2/balance", stonks_testkit::fixture!("tests/fixtures/balance.json")).await;
//! let r = registry(record, &serde_json::json!({"base_url": server.uri()}));
//! assert_eq!(d("1.50") + d("0.5"), d("2"));
//! # let _ = r;
//! # }
//! ```

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use stonks_core::{Manifest, PluginRecord, Registry};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The decimal `s` spells, exactly; panics naming `s` when it is none.
#[track_caller]
pub fn d(s: &str) -> Decimal {
    match s.parse() {
        Ok(v) => v,
        Err(e) => panic!("{s:?} is not a decimal: {e}"),
    }
}

/// `rel` under `crate_dir` (a crate's `CARGO_MANIFEST_DIR`). Use
/// [`fixture_path!`](crate::fixture_path), which passes the calling crate's.
pub fn fixture_path(crate_dir: &str, rel: &str) -> PathBuf {
    Path::new(crate_dir).join(rel)
}

/// The text of `rel` under `crate_dir`; panics naming the file when it
/// cannot be read. Use [`fixture!`](crate::fixture), which passes the
/// calling crate's directory.
#[track_caller]
pub fn fixture(crate_dir: &str, rel: &str) -> String {
    let file = fixture_path(crate_dir, rel);
    match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) => panic!("fixture {}: {e}", file.display()),
    }
}

/// The text of a fixture file, by its path relative to the calling crate
/// (`format!` arguments allowed): `fixture!("tests/fixtures/{name}")`.
#[macro_export]
macro_rules! fixture {
    ($($rel:tt)+) => {
        $crate::support::fixture(env!("CARGO_MANIFEST_DIR"), &format!($($rel)+))
    };
}

/// The path of a fixture file, by its path relative to the calling crate
/// (`format!` arguments allowed), as a `PathBuf`.
#[macro_export]
macro_rules! fixture_path {
    ($($rel:tt)+) => {
        $crate::support::fixture_path(env!("CARGO_MANIFEST_DIR"), &format!($($rel)+))
    };
}

/// Every `GET` of `at` (a path) on `server` answers 200 with `body`.
pub async fn mount_get(server: &MockServer, at: &str, body: impl Into<String>) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_string(body.into()))
        .mount(server)
        .await;
}

/// The requests `server` received for the path `at`, in order.
pub async fn requests_to(server: &MockServer, at: &str) -> Vec<Request> {
    let all = server
        .received_requests()
        .await
        .expect("the mock server records requests");
    all.into_iter().filter(|r| r.url.path() == at).collect()
}

/// A registry holding `record` alone, not activated (for tests that set it
/// up their own way: a notice subscription first, a config refused, ...).
pub fn registry_of(record: PluginRecord) -> Registry {
    Registry::builder().register(record).build()
}

/// A registry holding `record` alone, activated under its manifest's id
/// with `config`; panics with the reason when it does not activate.
#[track_caller]
pub fn registry(record: PluginRecord, config: &serde_json::Value) -> Registry {
    let id = match Manifest::from_json(record.manifest) {
        Ok(m) => m.id().to_owned(),
        Err(e) => panic!("the plugin's manifest does not parse: {e}"),
    };
    let r = registry_of(record);
    if let Err(e) = r.activate(&id, config) {
        panic!("{id} does not activate: {e}");
    }
    r
}
