//! The Bitvavo plugin against `MockBitvavo`: no account, no network.
//!
//! `cargo run -p stonks-broker-bitvavo --example bitvavo_mock`

use stonks_core::Registry;
use stonks_core::v2::{PortfolioQuery, TransactionQuery, collect_ledger};
use stonks_testkit::MockBitvavo;

#[tokio::main(flavor = "current_thread")]
async fn main() -> stonks_core::Result<()> {
    let mock = MockBitvavo::start().await;
    let registry = Registry::builder()
        .register(stonks_broker_bitvavo::RECORD)
        .build();
    registry.activate("bitvavo", &mock.config())?;

    let snapshot = registry
        .portfolio_v2("bitvavo")?
        .snapshot(&PortfolioQuery::new())
        .await?;
    for p in &snapshot.positions {
        let value = p
            .market_value
            .as_ref()
            .map_or("unknown".to_owned(), |m| m.to_string());
        println!("{:<12} {:>22} {value}", p.instrument.broker_id, p.quantity);
    }
    for c in &snapshot.cash {
        println!("cash {}", c.amount);
    }
    let ledger = collect_ledger(
        &*registry.transactions_v2("bitvavo")?,
        TransactionQuery::new(),
    )
    .await?;
    println!(
        "{} ledger entries ({} problems), newest {}",
        ledger.items.len(),
        ledger.problems.len(),
        ledger
            .items
            .iter()
            .map(|e| e.timestamp)
            .max()
            .map_or(String::new(), |t| t.to_rfc3339())
    );
    Ok(())
}
