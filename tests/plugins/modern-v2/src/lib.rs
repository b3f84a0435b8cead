//! Test fixture, not a broker: a tiny plugin in its own crate that implements
//! only the v2 service traits, to prove that link-time registration works
//! across crates and that the registry serves it as v1 too.

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use stonks_core::v2::{
    CashBalance, LedgerEntry, LedgerKind, Page, PortfolioQuery, PortfolioService,
    PortfolioSnapshot, Position, TransactionQuery, TransactionService, page_from_vec,
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
        let mut snap = PortfolioSnapshot::new(
            Utc.with_ymd_and_hms(2026, 11, 20, 17, 35, 0)
                .single()
                .unwrap_or_default(),
        );
        let mut p = Position::new(asml()?, Decimal::new(2, 0));
        p.price = Some(eur(65_020)?);
        p.market_value = Some(eur(130_040)?);
        p.cost_basis = Some(eur(120_000)?);
        p.unrealized_pnl = Some(eur(10_040)?);
        snap.positions.push(p);
        snap.cash.push(CashBalance::new(eur(25_075)?));
        Ok(snap)
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
        let mut deposit = LedgerEntry::new("dep-1", at(2), LedgerKind::Deposit, eur(250_000)?);
        deposit.description = Some("iDEAL deposit".into());
        let mut buy = LedgerEntry::new("trade-1", at(5), LedgerKind::Buy, eur(-120_000)?);
        buy.instrument = Some(asml()?);
        buy.quantity = Some(Decimal::new(2, 0));
        buy.price = Some(eur(60_000)?);
        buy.fees = vec![eur(200)?];
        let hits: Vec<LedgerEntry> = [deposit, buy]
            .into_iter()
            .filter(|e| query.matches(e))
            .collect();
        page_from_vec(hits, query)
    }
}
