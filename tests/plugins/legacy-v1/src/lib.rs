//! Test fixture, not a broker: a tiny plugin in its own crate that implements
//! only the v1 (legacy) service traits, to prove that link-time registration
//! works across crates and that the registry serves it as v2 too.

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use stonks_core::v1::{PortfolioEntry, PortfolioService, Side, Transaction, TransactionService};
use stonks_core::{AssetClass, Currency, Decimal, Isin, PluginContext, Result, Services};

stonks_core::register_plugin! {
    manifest: include_str!("../manifest.json"),
    factory: build,
}

fn build(_: &PluginContext) -> Result<Services> {
    Ok(Services::new().portfolio_v1(Legacy).transactions_v1(Legacy))
}

struct Legacy;

#[async_trait]
impl PortfolioService for Legacy {
    async fn portfolio(&self) -> Result<Vec<PortfolioEntry>> {
        Ok(vec![PortfolioEntry {
            name: "Microsoft Corp".into(),
            symbol: "MSFT".into(),
            isin: Some(Isin::new("US5949181045")?),
            shares: Decimal::new(5, 0),
            price: Some(Decimal::new(41_250, 2)),
            value: Some(Decimal::new(206_250, 2)),
            currency: Currency::USD,
            break_even_price: Some(Decimal::new(30_000, 2)),
            unrealized_gain: Some(Decimal::new(56_250, 2)),
            product_type: AssetClass::Stock,
        }])
    }
}

#[async_trait]
impl TransactionService for Legacy {
    async fn transactions(&self) -> Result<Vec<Transaction>> {
        Ok(vec![Transaction {
            date: Utc
                .with_ymd_and_hms(2025, 6, 2, 15, 30, 0)
                .single()
                .unwrap_or_default(),
            side: Side::Buy,
            symbol: "MSFT".into(),
            quantity: Decimal::new(5, 0),
            price: Decimal::new(30_000, 2),
            total: Decimal::new(-150_000, 2),
            fees: Decimal::new(100, 2),
            currency: Currency::USD,
        }])
    }
}
