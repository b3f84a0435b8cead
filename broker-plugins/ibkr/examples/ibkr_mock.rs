//! The IBKR plugin against `MockIbkr`: no account, no network. Downloads
//! three Flex statements through the Flex Web Service's two steps, merges
//! them into one ledger of two accounts, and reads the live portfolio from
//! the Client Portal.
//!
//! `cargo run -p stonks-broker-ibkr --example ibkr_mock`

use std::collections::BTreeMap;

use stonks_core::Registry;
use stonks_core::v2::{PortfolioQuery, TransactionQuery, collect_ledger};
use stonks_testkit::MockIbkr;

#[tokio::main(flavor = "current_thread")]
async fn main() -> stonks_core::Result<()> {
    let mock = MockIbkr::start().await;
    let registry = Registry::builder()
        .register(stonks_broker_ibkr::RECORD)
        .build();
    registry.activate("ibkr", &mock.config())?;

    let snapshot = registry
        .portfolio_v2("ibkr")?
        .snapshot(&PortfolioQuery::new())
        .await?;
    println!("portfolio as of {}", snapshot.as_of.to_rfc3339());
    for p in &snapshot.positions {
        let value = p
            .market_value
            .as_ref()
            .map_or("unknown".to_owned(), |m| m.to_string());
        println!(
            "{:<9} {:<24} {:>10} {value}",
            p.account.as_deref().unwrap_or("-"),
            p.instrument.name,
            p.quantity
        );
    }
    for c in &snapshot.cash {
        println!(
            "{:<9} cash {}",
            c.account.as_deref().unwrap_or("-"),
            c.amount
        );
    }

    let ledger =
        collect_ledger(&*registry.transactions_v2("ibkr")?, TransactionQuery::new()).await?;
    let mut kinds: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in &ledger.items {
        let account = e.account.clone().unwrap_or_default();
        *kinds.entry((account, e.kind.to_string())).or_default() += 1;
    }
    println!(
        "{} ledger entries ({} problems)",
        ledger.items.len(),
        ledger.problems.len()
    );
    for ((account, kind), n) in kinds {
        println!("{account:<9} {kind:<14} {n}");
    }
    let rates = registry.fx_rates("ibkr")?.rates().await?;
    println!(
        "rates of {} against {}: {:?}",
        rates.date, rates.base, rates.rates
    );
    Ok(())
}
