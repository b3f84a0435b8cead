//! The suite's fault checks run only when a fault reached the plugin: a
//! mock that does not answer through its switches gets those checks
//! skipped with the reason, never passed; rows the default rule cannot
//! find are broken by the fields the author names; a mock in another
//! process is driven through the control endpoint.
//!
//! The plugin under test, "ledgerly", reads one JSON list whose rows name
//! their amounts `units` and `cost` (no name the default rule knows).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};
use stonks_core::async_trait;
use stonks_core::http::{HttpClient, Request as HttpRequest};
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::v2::{self, LedgerEntry, LedgerKind, Page, TransactionQuery};
use stonks_core::wire::{ExactDecimal, Rows, Timestamp};
use stonks_core::{
    AssetClass, Currency, Instrument, Money, PluginContext, PluginRecord, ReadProblem, Result,
    Services,
};
use stonks_testkit::Faults;
use stonks_testkit::conformance::{Report, Subject, check};
use stonks_testkit::faults::{BreakRow, HttpFaults};
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "ledgerly-token-5be1";

const MANIFEST: &str = r#"{
  "plugin": {"name": "ledgerly", "version": "0.1.0", "type": "broker", "display_name": "Ledgerly",
             "description": "A ledger over one JSON list.", "author": "tests", "license": "MIT"},
  "api": {"min_version": "1.0.0", "max_version": "1.0.0", "interfaces": ["transactions@2"]},
  "dependencies": {"core": "*"},
  "capabilities": {"services": ["transactions"]},
  "configuration": {"fields": [
    {"name": "token", "type": "string", "required": true, "secret": true, "description": "t"},
    {"name": "base_url", "type": "url", "required": false, "description": "u"}
  ]},
  "network": {"hosts": ["api.ledgerly.example"]}
}"#;

/// The fault checks a plugin behind a server gets.
const FAULT_CHECKS: [&str; 4] = [
    "survives_429_burst",
    "survives_5xx_burst",
    "malformed_body_is_protocol_error",
    "broken_row_is_reported",
];

#[derive(Deserialize)]
struct Line {
    #[serde(rename = "ref")]
    id: String,
    at: Timestamp,
    kind: String,
    sym: String,
    units: ExactDecimal,
    cost: ExactDecimal,
    ccy: String,
}

#[derive(Deserialize)]
struct Lines<'a> {
    #[serde(borrow)]
    lines: Rows<'a, Line>,
}

/// What ledgerly does with a row it cannot read.
#[derive(Clone, Copy)]
enum BadRows {
    /// Reports it beside the rest: right.
    Report,
    /// Leaves it out without a word: what the suite must catch.
    Drop,
}

struct Ledgerly {
    http: HttpClient,
    token: SecretString,
    bad_rows: BadRows,
}

fn entry(l: &Line) -> Result<LedgerEntry> {
    let ccy = Currency::new(&l.ccy)?;
    let kind = if l.kind == "sell" {
        LedgerKind::Sell
    } else {
        LedgerKind::Buy
    };
    let mut e = LedgerEntry::new(l.id.clone(), l.at.0, kind, Money::new(l.cost.0, ccy));
    let mut i = Instrument::new(l.sym.clone(), l.sym.clone(), AssetClass::Stock);
    i.symbol = Some(l.sym.clone());
    e.instrument = Some(i);
    e.quantity = Some(l.units.0);
    Ok(e)
}

#[async_trait]
impl v2::TransactionService for Ledgerly {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let auth = format!("Bearer {}", self.token.expose_secret());
        let answer = self
            .http
            .send(HttpRequest::get("/lines").secret_header("Authorization", auth))
            .await?;
        let wire: Lines<'_> = answer.json()?;
        let mut problems: Vec<ReadProblem> = match self.bad_rows {
            BadRows::Report => wire.lines.problems("GET /lines", "ref", answer.redactor()),
            BadRows::Drop => Vec::new(),
        };
        let mut items = Vec::new();
        for l in &wire.lines.ok {
            match entry(l) {
                Ok(e) if query.matches(&e) => items.push(e),
                Ok(_) => {}
                Err(e) => problems.push(ReadProblem::new("GET /lines", e.to_string())),
            }
        }
        Ok(Page::last(items).with_problems(problems))
    }
}

#[derive(Deserialize)]
struct Config {
    token: SecretString,
}

fn build(ctx: &PluginContext, bad_rows: BadRows) -> Result<Services> {
    let config: Config = ctx.config()?;
    let ledgerly = Arc::new(Ledgerly {
        http: ctx.http_client("https://api.ledgerly.example")?,
        token: config.token,
        bad_rows,
    });
    Ok(Services::new().transactions_v2(ledgerly))
}

fn reports(ctx: &PluginContext) -> Result<Services> {
    build(ctx, BadRows::Report)
}

fn drops(ctx: &PluginContext) -> Result<Services> {
    build(ctx, BadRows::Drop)
}

fn route(req: &Request) -> (u16, String) {
    let auth = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return (401, json!({"error": "bad token"}).to_string());
    }
    let lines: Vec<Value> = (0..12)
        .map(|i| {
            json!({"ref": format!("r{i}"), "at": format!("2025-02-{:02}T10:00:00Z", i + 1),
                   "kind": if i % 3 == 2 { "sell" } else { "buy" }, "sym": "ACME",
                   "units": "2", "cost": if i % 3 == 2 { "20.00" } else { "-20.00" }, "ccy": "EUR"})
        })
        .collect();
    (200, json!({ "lines": lines }).to_string())
}

/// Answers through its `Faults`, as every testkit mock does.
struct Through(Faults);

impl Respond for Through {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.0.answer(|| route(req))
    }
}

/// Answers on its own, like a mock in another language handed a `Faults`
/// it never asks.
struct Detached;

impl Respond for Detached {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let (status, body) = route(req);
        ResponseTemplate::new(status).set_body_string(body)
    }
}

async fn server(answer: impl Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(answer).mount(&server).await;
    server
}

fn subject<F>(record: PluginRecord, server: &MockServer, faults: F) -> Subject<F> {
    Subject {
        record,
        config: json!({"token": TOKEN, "base_url": server.uri()}),
        bad_credentials: json!({"token": "wrong-token-000", "base_url": server.uri()}),
        faults,
        secrets: vec![TOKEN.to_owned()],
    }
}

fn skipped<'r>(report: &'r Report, check: &str) -> Option<&'r str> {
    report
        .skipped
        .iter()
        .find(|(n, _)| n == check)
        .map(|(_, why)| why.as_str())
}

fn passed(report: &Report, check: &str) -> bool {
    report.passed.iter().any(|p| p == check)
}

#[tokio::test]
async fn named_fields_break_the_row_and_every_check_passes() {
    let faults = Faults::new();
    faults.break_rows_by(BreakRow::fields(["cost", "units"]));
    let server = server(Through(faults.clone())).await;
    let report = check(subject(
        PluginRecord::new(MANIFEST, reports),
        &server,
        faults,
    ))
    .await;
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);
    for check in FAULT_CHECKS {
        assert!(passed(&report, check), "{check}: {report:#?}");
    }
}

#[tokio::test]
async fn rows_the_default_rule_cannot_find_are_a_skip_that_says_what_to_do() {
    let faults = Faults::new();
    let server = server(Through(faults.clone())).await;
    let report = check(subject(
        PluginRecord::new(MANIFEST, reports),
        &server,
        faults,
    ))
    .await;
    let why = skipped(&report, "broken_row_is_reported").expect("skipped");
    assert!(
        why.contains("none held a row its row-breaking rule could break")
            && why.contains("break_rows_by"),
        "{why}"
    );
    assert!(!passed(&report, "broken_row_is_reported"));
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    // The other faults reached the plugin and were judged.
    for check in &FAULT_CHECKS[..3] {
        assert!(passed(&report, check), "{check}: {report:#?}");
    }
}

#[tokio::test]
async fn a_plugin_that_drops_a_broken_row_in_silence_fails() {
    let faults = Faults::new();
    faults.break_rows_by(BreakRow::fields(["units"]));
    let server = server(Through(faults.clone())).await;
    let report = check(subject(PluginRecord::new(MANIFEST, drops), &server, faults)).await;
    let failed: Vec<(&str, &str)> = report
        .failed
        .iter()
        .map(|(n, why)| (n.as_str(), why.as_str()))
        .collect();
    assert_eq!(
        failed,
        [(
            "broken_row_is_reported",
            "a broken row was dropped without a reported problem"
        )],
        "{report:#?}"
    );
}

#[tokio::test]
async fn faults_a_mock_never_applies_are_skipped_never_passed() {
    // The mock answers without asking the switches it was given: the
    // newcomer's Python mock with a `Faults::new()` beside it.
    let server = server(Detached).await;
    let report = check(subject(
        PluginRecord::new(MANIFEST, reports),
        &server,
        Faults::new(),
    ))
    .await;
    for check in FAULT_CHECKS {
        let why = skipped(&report, check).unwrap_or_else(|| panic!("{check}: {report:#?}"));
        assert!(
            why.contains("no request went through the mock's fault switches"),
            "{check}: {why}"
        );
        assert!(!passed(&report, check), "{check} passed");
    }
    // Nothing is blamed on the plugin: it is fine.
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    assert!(passed(&report, "bad_credentials_are_auth_errors"));
}

#[tokio::test]
async fn a_mock_elsewhere_is_driven_through_the_control_endpoint() {
    let faults = Faults::new();
    faults.break_rows_by(BreakRow::fields(["units"]));
    let server = MockServer::start().await;
    Mock::given(path("/__faults"))
        .respond_with(faults.control_endpoint())
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(Through(faults.clone()))
        .mount(&server)
        .await;
    let control = HttpFaults::new(format!("{}/__faults", server.uri()));
    let report = check(subject(
        PluginRecord::new(MANIFEST, reports),
        &server,
        control,
    ))
    .await;
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    assert!(report.skipped.is_empty(), "{:#?}", report.skipped);
    for check in FAULT_CHECKS {
        assert!(passed(&report, check), "{check}: {report:#?}");
    }
    // The suite switched every fault off again: the reads after the
    // fault checks went through the switches untouched.
    let tally = faults.tally();
    assert!(tally.answered > 0 && tally.served == 0, "{tally:?}");
}

/// A control endpoint that cannot break rows: it says so with a 501.
struct NoBrokenRows(Faults);

impl Respond for NoBrokenRows {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if req.method.as_str() == "POST"
            && serde_json::from_slice::<Value>(&req.body).is_ok_and(|v| v["fault"] == "broken_row")
        {
            return ResponseTemplate::new(501).set_body_string("this mock serves CSV rows only");
        }
        self.0.control_endpoint().respond(req)
    }
}

#[tokio::test]
async fn a_fault_the_mock_cannot_inject_is_skipped_with_the_mocks_reason() {
    let faults = Faults::new();
    let server = MockServer::start().await;
    Mock::given(path("/__faults"))
        .respond_with(NoBrokenRows(faults.clone()))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(Through(faults.clone()))
        .mount(&server)
        .await;
    let control = HttpFaults::new(format!("{}/__faults", server.uri()));
    let report = check(subject(
        PluginRecord::new(MANIFEST, reports),
        &server,
        control,
    ))
    .await;
    let why = skipped(&report, "broken_row_is_reported").expect("skipped");
    assert!(
        why.contains("could not inject a broken row")
            && why.contains("501")
            && why.contains("this mock serves CSV rows only"),
        "{why}"
    );
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
}

#[tokio::test]
async fn a_control_endpoint_that_does_not_answer_skips_every_fault_check() {
    let server = server(Detached).await;
    // A port nothing listens on: bind one, then let it go.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let control = HttpFaults::new(format!("http://{closed}/__faults"));
    let report = check(subject(
        PluginRecord::new(MANIFEST, reports),
        &server,
        control,
    ))
    .await;
    for check in FAULT_CHECKS {
        let why = skipped(&report, check).unwrap_or_else(|| panic!("{check}: {report:#?}"));
        assert!(why.contains("did not answer"), "{check}: {why}");
    }
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
}
