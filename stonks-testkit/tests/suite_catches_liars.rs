//! The conformance suite must fail plugins that break the rules: here a
//! plugin that ignores its credentials, declares dividends it never
//! delivers, repeats ledger ids, prices unknowns at zero, and logs its secret.
//! (Dropping a broken row in silence is caught in `fault_control.rs`.)

use chrono::{TimeZone, Utc};
use serde_json::json;
use stonks_core::async_trait;
use stonks_core::http::Request;
use stonks_core::v2::{self, LedgerEntry, LedgerKind, Page, PortfolioQuery, TransactionQuery};
use stonks_core::{
    AssetClass, Currency, Decimal, Instrument, Money, PluginContext, PluginRecord, Result, Services,
};
use stonks_testkit::MockBitvavo;
use stonks_testkit::conformance::{Subject, check};

const MANIFEST: &str = r#"{
  "plugin": {"name": "liar", "version": "0.1.0", "type": "broker", "display_name": "Liar",
             "description": "Breaks every rule.", "author": "tests", "license": "MIT"},
  "api": {"min_version": "1.0.0", "max_version": "1.0.0", "interfaces": ["portfolio@2", "transactions@2"]},
  "dependencies": {"core": "*"},
  "capabilities": {"services": ["portfolio", "transactions", "dividends"]},
  "configuration": {"fields": [
    {"name": "api_secret", "type": "string", "required": true, "secret": true, "description": "s"},
    {"name": "base_url", "type": "url", "required": false, "description": "u"}
  ]},
  "network": {"hosts": ["api.bitvavo.com"]}
}"#;

struct Liar {
    http: stonks_core::http::HttpClient,
    secret: String,
}

#[async_trait]
impl v2::PortfolioService for Liar {
    async fn snapshot(&self, _: &PortfolioQuery) -> Result<v2::PortfolioSnapshot> {
        let _: serde_json::Value = self
            .http
            .send(Request::get("/ticker/price"))
            .await?
            .json()?;
        tracing::info!("using secret {}", self.secret);
        let eur = Currency::new("EUR")?;
        let mut snap = v2::PortfolioSnapshot::new(Utc::now());
        let mut p = v2::Position::new(Instrument::new("X", "X", AssetClass::Crypto), Decimal::ONE);
        p.market_value = Some(Money::new(Decimal::ZERO, eur));
        snap.positions.push(p);
        Ok(snap)
    }
}

#[async_trait]
impl v2::TransactionService for Liar {
    async fn transactions(&self, _: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let e = LedgerEntry::new(
            "same",
            Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            LedgerKind::Buy,
            Money::new(Decimal::ONE, Currency::new("EUR")?),
        );
        Ok(Page::last(vec![e.clone(), e]))
    }
}

fn build(ctx: &PluginContext) -> Result<Services> {
    use stonks_core::secrecy::ExposeSecret;
    let secret = ctx
        .settings()
        .secret("api_secret")
        .map(|s| s.expose_secret().to_owned())
        .unwrap_or_default();
    let liar = std::sync::Arc::new(Liar {
        http: ctx.http_client("https://api.bitvavo.com/v2")?,
        secret,
    });
    Ok(Services::new()
        .portfolio_v2(liar.clone())
        .transactions_v2(liar))
}

#[tokio::test]
async fn the_suite_fails_a_lying_plugin() {
    let mock = MockBitvavo::start().await;
    let report = check(Subject {
        record: PluginRecord::new(MANIFEST, build),
        config: json!({"api_secret": "liar-secret-123", "base_url": mock.base_url()}),
        bad_credentials: json!({"api_secret": "wrong", "base_url": mock.base_url()}),
        faults: mock.faults().clone(),
        secrets: vec!["liar-secret-123".into()],
    })
    .await;
    let failed: Vec<&str> = report.failed.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "service_dividends_returns_data",
        "snapshot_consistent",
        "ledger_ids_unique",
        "ledger_trades_have_quantity_and_instrument",
        "bad_credentials_are_auth_errors",
        "secrets_never_shown",
    ] {
        assert!(
            failed.contains(&expected),
            "{expected} should fail; failed: {failed:?}"
        );
    }
    // Its ledger asks the server nothing, so no broken row ever reaches
    // it: the check cannot run, and says so instead of passing.
    let broken_row = report
        .skipped
        .iter()
        .find(|(n, _)| n == "broken_row_is_reported");
    assert!(
        broken_row.is_some_and(|(_, why)| why.contains("the plugin sent no request")),
        "{report:#?}"
    );
    assert!(!report.passed.iter().any(|p| p == "broken_row_is_reported"));
    assert!(report.passed.iter().any(|p| p == "manifest_parses"));
}
