//! `stonks report` through the binary, without a browser (the browser
//! stage, stonks-cli/tests/browser/, opens the same page in Chromium).

use std::path::Path;

use serde_json::Value;

mod common;
use common::Run;

/// `stonks args` with the sandbox's store at `store`.
fn stonks(store: &Path, args: &[&str]) -> Run {
    common::run(args, &[("STONKS_SANDBOX_STORE", store.to_str().unwrap())])
}

/// The value of `attribute` on the element with `id`.
fn attribute<'h>(html: &'h str, id: &str, attribute: &str) -> &'h str {
    let at = html.find(&format!("id=\"{id}\"")).unwrap();
    let rest = &html[at..];
    let start = rest.find(&format!("{attribute}=\"")).unwrap() + attribute.len() + 2;
    let end = start + rest[start..].find('"').unwrap();
    &rest[start..end]
}

#[cfg_attr(not(feature = "sandbox"), ignore = "needs the `sandbox` feature")]
#[test]
fn the_sandbox_report_shows_the_portfolio_total_and_every_part() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite");
    let file = dir.path().join("report.html");
    let r = stonks(
        &store,
        &["--sandbox", "report", "--output", file.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.out, r.err);
    assert!(
        r.out
            .starts_with(&format!("report written to {}", file.display())),
        "{}",
        r.out
    );
    assert!(
        r.out.ends_with("1 points of value over time)\n"),
        "{}",
        r.out
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "financial data: owner only");
    }
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.len() < 2_000_000);
    let portfolio = stonks(&store, &["--sandbox", "--format", "json", "portfolio"]);
    let json: Value = serde_json::from_str(&portfolio.out).unwrap();
    let total: rust_decimal::Decimal = json["totals"]["total_base"].as_str().map_or_else(
        || json["totals"]["total_base"].to_string().parse().unwrap(),
        |s| s.parse().unwrap(),
    );
    let shown: rust_decimal::Decimal = attribute(&html, "headline-total", "data-amount")
        .parse()
        .unwrap();
    assert_eq!(shown, total);
    for id in [
        "brokers",
        "by-asset-class",
        "by-broker",
        "by-currency",
        "value-chart",
        "dividend-chart",
        "holdings-table",
        "realized",
        "problems",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id} is missing");
    }
    for broker in ["alpaca", "bitvavo", "degiro", "ibkr"] {
        assert!(html.contains(&format!("<td>{broker}</td>")), "{broker}");
    }
    // No secret of any sandbox broker reaches the page.
    for secret in [
        stonks_testkit::bitvavo::API_SECRET,
        stonks_testkit::bitvavo::API_KEY,
        stonks_testkit::alpaca::SECRET_KEY,
        stonks_testkit::degiro::PASSWORD,
        stonks_testkit::degiro::TOTP_SECRET,
        stonks_testkit::ibkr::TOKEN,
        stonks_testkit::ibkr::PORTAL_TOKEN,
    ] {
        assert!(!html.contains(secret), "a secret in the page");
    }

    // The portfolio read live is one more point (one for all brokers),
    // and there is a change since the last one.
    let r = stonks(
        &store,
        &[
            "--sandbox",
            "report",
            "--offline",
            "--output",
            "-",
            "--locale",
            "de",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.starts_with("<!DOCTYPE html><html lang=\"de\""),
        "{}",
        &r.out[..80]
    );
    assert_eq!(r.out.matches("<circle class=\"point\"").count(), 2);
    assert!(r.out.contains("data-signed=\"1\""), "a change is shown");
}

#[cfg_attr(not(feature = "sandbox"), ignore = "needs the `sandbox` feature")]
#[test]
fn a_bad_locale_or_output_says_why_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite");
    let r = stonks(
        &store,
        &[
            "--sandbox",
            "report",
            "--offline",
            "--locale",
            "de\"><script>",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.err.contains("is not a language tag such as en, de"),
        "{}",
        r.err
    );
    let missing = dir
        .path()
        .join("no")
        .join("such")
        .join("dir")
        .join("r.html");
    let r = stonks(
        &store,
        &[
            "--sandbox",
            "report",
            "--offline",
            "--output",
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r.err.contains("cannot write the report to"), "{}", r.err);
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| {
        let name = e.unwrap().file_name();
        !name.to_string_lossy().contains(".partial")
    }));
}
