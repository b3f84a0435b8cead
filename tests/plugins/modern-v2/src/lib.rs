//! Test fixture, not a broker: a tiny plugin in its own crate that implements
//! only the v2 service traits, to prove that link-time registration works
//! across crates and that the registry serves it as v1 too.

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use stonks_core::v2::{
    CashBalance, LedgerEntry, LedgerKind, Page, PortfolioQuery, PortfolioService,
    PortfolioSnapshot, Position, TransactionQuery, TransactionService, page_from_slice,
};
use stonks_core::{
    AssetClass, Currency, Decimal, Instrument, Isin, Money, PluginContext, Result, Services,
};

stonks_core::register_plugin! {
    manifest: include_str!("../manifest.json"),
    factory: build,
}

fn build(_: &PluginContext) -> Result<Services> {
    Ok(Services::new().portfolio_v2(Modern).transactions_v2(Modern))
}

struct Modern;

fn eur(cents: i64) -> Result<Money> {
    Ok(Money::new(Decimal::new(cents, 2), Currency::new("EUR")?))
}

fn asml() -> Result<Instrument> {
    let mut i = Instrument::new("ASML", "ASML Holding", AssetClass::Stock);
    i.symbol = Some("ASML".into());
    i.isin = Some(Isin::new("NL0010273215")?);
    i.currency = Some(Currency::new("EUR")?);
    i.exchange = Some("XAMS".into());
    Ok(i)
}

#[async_trait]
impl PortfolioService for Modern {
    async fn snapshot(&self, _: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        Ok(PortfolioSnapshot {
            as_of: Utc
                .with_ymd_and_hms(2026, 11, 20, 17, 35, 0)
                .single()
                .unwrap_or_default(),
            positions: vec![Position {
                instrument: asml()?,
                quantity: Decimal::new(2, 0),
                price: Some(eur(65_020)?),
                market_value: Some(eur(130_040)?),
                cost_basis: Some(eur(120_000)?),
                unrealized_pnl: Some(eur(10_040)?),
            }],
            cash: vec![CashBalance {
                amount: eur(25_075)?,
            }],
        })
    }
}

#[async_trait]
impl TransactionService for Modern {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let at = |d| {
            Utc.with_ymd_and_hms(2026, 1, d, 9, 0, 0)
                .single()
                .unwrap_or_default()
        };
        let all = vec![
            LedgerEntry {
                id: "dep-1".into(),
                timestamp: at(2),
                kind: LedgerKind::Deposit,
                instrument: None,
                quantity: None,
                price: None,
                amount: eur(250_000)?,
                fees: vec![],
                description: Some("iDEAL deposit".into()),
            },
            LedgerEntry {
                id: "trade-1".into(),
                timestamp: at(5),
                kind: LedgerKind::Buy,
                instrument: Some(asml()?),
                quantity: Some(Decimal::new(2, 0)),
                price: Some(eur(60_000)?),
                amount: eur(-120_000)?,
                fees: vec![eur(200)?],
                description: None,
            },
        ];
        let hits: Vec<LedgerEntry> = all.into_iter().filter(|e| query.matches(e)).collect();
        page_from_slice(&hits, query)
    }
}
