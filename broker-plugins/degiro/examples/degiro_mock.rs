//! The DEGIRO plugin against `MockDegiro` with a TOTP login: no account, no
//! network.
//!
//! `cargo run -p stonks-broker-degiro --example degiro_mock`

use stonks_core::Registry;
use stonks_core::v2::{PortfolioQuery, TransactionQuery, collect_ledger};
use stonks_testkit::MockDegiro;
use stonks_testkit::degiro::LoginMode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> stonks_core::Result<()> {
    let mock = MockDegiro::start().await;
    mock.set_login_mode(LoginMode::Totp);
    let registry = Registry::builder()
        .register(stonks_broker_degiro::RECORD)
        .build();
    registry.activate("degiro", &mock.config())?;

    let snapshot = registry
        .portfolio_v2("degiro")?
        .snapshot(&PortfolioQuery::new())
        .await?;
    for p in &snapshot.positions {
        let value = p
            .market_value
            .as_ref()
            .map_or("unknown".to_owned(), |m| m.to_string());
        let isin = p.instrument.isin.as_ref().map_or("", |i| i.as_str());
        println!(
            "{:<8} {isin:<12} {:>8} {value}",
            p.instrument.symbol.as_deref().unwrap_or("?"),
            p.quantity
        );
    }
    for c in &snapshot.cash {
        println!("cash {}", c.amount);
    }
    let ledger = collect_ledger(
        &*registry.transactions_v2("degiro")?,
        TransactionQuery::new(),
    )
    .await?;
    println!(
        "{} ledger entries, {} problems",
        ledger.items.len(),
        ledger.problems.len()
    );
    Ok(())
}
