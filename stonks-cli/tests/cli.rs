//! The `stonks` binary, run as a user would.

use stonks_testkit::fixture_path;

mod common;
use common::{Run, run};

/// The manifest fixtures of stonks-core, relative to this crate.
const MANIFESTS: &str = "../stonks-core/tests/manifests";

#[test]
fn manifest_check_reports_every_problem_with_its_path() {
    let Run { code, out, err } = run(
        &[
            "manifest",
            "check",
            &fixture_path!("{MANIFESTS}/valid/full.json")
                .display()
                .to_string(),
            &fixture_path!("{MANIFESTS}/invalid/many-problems.json")
                .display()
                .to_string(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("full.json: ok (example-broker 1.2.3)"),
        "{out}"
    );
    assert!(out.contains("many-problems.json: 4 problems"), "{out}");
    for line in [
        "  plugin.version: invalid semver version \"x\"",
        "  api: missing required key \"interfaces\"",
        "  capabilities.services[0]: unknown service \"portfolo\"; expected one of portfolio",
        "  network.bogus: unknown key; expected one of hosts, max_answer_bytes, rate_limit",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    assert!(err.is_empty() && !out.contains("panicked"), "{err}");
}

#[test]
fn manifest_check_of_valid_files_exits_0() {
    let Run { code, out, .. } = run(
        &[
            "manifest",
            "check",
            &fixture_path!("{MANIFESTS}/valid/minimal.json")
                .display()
                .to_string(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn manifest_check_survives_every_invalid_fixture_and_missing_files() {
    let dir = fixture_path!("{MANIFESTS}/invalid");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".json"))
        .collect();
    files.push("/definitely/not/here.json".into());
    let args: Vec<&str> = ["manifest", "check"]
        .into_iter()
        .chain(files.iter().map(String::as_str))
        .collect();
    let Run { code, out, err } = run(&args, &[]);
    assert_eq!(code, 1);
    assert!(
        out.contains("cannot read /definitely/not/here.json: "),
        "{out}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert_eq!(out.matches(" problem").count(), files.len() - 1);
}

/// The plugins linked into the app: the facade's default brokers. Grows as
/// brokers are added; a registration that vanished at link time fails here.
const LINKED: &[&str] = &[
    "bitvavo",
    "degiro",
    "alpaca",
    "ibkr",
    "file",
    "fx-ecb",
    "identity-openfigi",
    "prices-file",
    "prices-yahoo",
    "middleware-rules",
];

#[test]
fn plugins_lists_the_catalog() {
    let Run { code, out, err } = run(&["plugins", "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, LINKED);
    let Run { code, out, .. } = run(&["plugins"], &[]);
    assert_eq!(code, 0);
    if LINKED.is_empty() {
        assert_eq!(
            out,
            "no plugins are linked into this binary (enable broker features of the `stonks` crate)\n"
        );
    } else {
        assert!(out.starts_with("ID  "), "{out}");
    }
}
