//! What the rate source could not read is shown like a broker's problem:
//! a row of the ECB's daily file that is not a rate is left out (values in
//! that currency stay unknown) and named, with the file, the day and the
//! currency, among `stonks portfolio`'s problems.

mod common;

use common::stonks;
use serde_json::Value;
use stonks_testkit::wiremock::matchers::{method, path};
use stonks_testkit::wiremock::{Mock, MockServer, ResponseTemplate};

/// The ECB's daily file with a good dollar rate and a yen rate that is not
/// a number.
const DAILY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube>
    <Cube time='2026-11-20'>
      <Cube currency='USD' rate='1.0542'/>
      <Cube currency='JPY' rate='n/a'/>
    </Cube>
  </Cube>
</gesmes:Envelope>"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_row_the_ecb_file_spoils_is_a_problem_of_the_answer() {
    let ecb = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/stats/eurofxref/eurofxref-daily.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(DAILY))
        .mount(&ecb)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(
        &ledger,
        "timestamp,kind,symbol,isin,quantity,amount,currency\n2026-11-02,deposit,,,,1000,USD\n",
    )
    .unwrap();
    let cfg = dir.path().join("stonks.toml");
    std::fs::write(
        &cfg,
        format!(
            "base_currency = \"EUR\"\nstore = {:?}\n\n[brokers.alice]\nplugin = \"file\"\naccount = \"A\"\npath = {:?}\n\n[identity]\nenabled = false\n\n[prices]\nenabled = false\n\n[fx]\nbase_url = {:?}\n",
            dir.path().join("store.sqlite").display().to_string(),
            ledger.display().to_string(),
            ecb.uri(),
        ),
    )
    .unwrap();
    let r = stonks(
        &[
            "portfolio",
            "--format",
            "json",
            "--config",
            cfg.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.all());
    let v: Value = serde_json::from_str(&r.out).unwrap();
    let problems = v["problems"].as_array().unwrap();
    let fx: Vec<&Value> = problems
        .iter()
        .filter(|p| p["broker"] == "fx-ecb")
        .collect();
    assert_eq!(fx.len(), 1, "{problems:#?}");
    assert_eq!(
        fx[0]["endpoint"],
        "GET /stats/eurofxref/eurofxref-daily.xml"
    );
    assert_eq!(fx[0]["item"], "2026-11-20 JPY");
    assert!(
        fx[0]["message"].as_str().unwrap().contains("n/a"),
        "{:#}",
        fx[0]
    );
}
