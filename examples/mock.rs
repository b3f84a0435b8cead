//! One broker plugin against its mock: no account, no network. Starts the
//! mock of the broker named on the command line, activates the plugin on
//! it, and prints the portfolio, the ledger (entries per account and kind)
//! and, where the broker has them, its exchange rates.
//!
//! ```text
//! cargo run --example mock -- alpaca
//! cargo run --example mock -- bitvavo
//! cargo run --example mock -- degiro   # TOTP login
//! cargo run --example mock -- ibkr     # Flex Web Service and Client Portal
//! ```

use std::any::Any;
use std::collections::BTreeMap;
use std::process::ExitCode;

use stonks::v2::{PortfolioQuery, TransactionQuery, collect_ledger};
use stonks::{PluginRecord, Registry};
use stonks_testkit::degiro::LoginMode;
use stonks_testkit::support;
use stonks_testkit::{MockAlpaca, MockBitvavo, MockDegiro, MockIbkr};

const USAGE: &str = "usage: mock alpaca|bitvavo|degiro|ibkr";

/// The plugin, a config pointing at its mock, and the mock (kept alive).
async fn start(id: &str) -> Option<(PluginRecord, serde_json::Value, Box<dyn Any>)> {
    Some(match id {
        "alpaca" => {
            let mock = MockAlpaca::start().await;
            (stonks::alpaca::RECORD, mock.config(), Box::new(mock))
        }
        "bitvavo" => {
            let mock = MockBitvavo::start().await;
            (stonks::bitvavo::RECORD, mock.config(), Box::new(mock))
        }
        "degiro" => {
            let mock = MockDegiro::start().await;
            mock.set_login_mode(LoginMode::Totp);
            (stonks::degiro::RECORD, mock.config(), Box::new(mock))
        }
        "ibkr" => {
            let mock = MockIbkr::start().await;
            (stonks::ibkr::RECORD, mock.config(), Box::new(mock))
        }
        _ => return None,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [id] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let Some((record, config, _mock)) = start(id).await else {
        eprintln!("no mock for {id:?}\n{USAGE}");
        return ExitCode::from(2);
    };
    let registry = support::registry(record, &config);
    match show(&registry, id).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{id}: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn show(registry: &Registry, id: &str) -> stonks::Result<()> {
    let snapshot = registry
        .portfolio_v2(id)?
        .snapshot(&PortfolioQuery::new())
        .await?;
    println!("portfolio as of {}", snapshot.as_of.to_rfc3339());
    for p in &snapshot.positions {
        let value = p
            .market_value
            .as_ref()
            .map_or("unknown".to_owned(), |m| m.to_string());
        let isin = p.instrument.isin.as_ref().map_or("", |i| i.as_str());
        println!(
            "{:<12} {:<8} {isin:<12} {:<32} {:>16} {value}",
            p.account.as_deref().unwrap_or("-"),
            p.instrument
                .symbol
                .as_deref()
                .unwrap_or(&p.instrument.broker_id),
            p.instrument.name,
            p.quantity
        );
    }
    for c in &snapshot.cash {
        println!(
            "{:<12} cash {}",
            c.account.as_deref().unwrap_or("-"),
            c.amount
        );
    }

    let ledger = collect_ledger(&*registry.transactions_v2(id)?, TransactionQuery::new()).await?;
    let mut kinds: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in &ledger.items {
        let account = e.account.clone().unwrap_or_else(|| "-".to_owned());
        *kinds.entry((account, e.kind.to_string())).or_default() += 1;
    }
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
    for ((account, kind), n) in kinds {
        println!("{account:<12} {kind:<14} {n}");
    }
    // Only some brokers have rates of their own (IBKR's statements do).
    if let Ok(fx) = registry.fx_rates(id) {
        let rates = fx.rates().await?;
        println!(
            "rates of {} against {}: {:?}",
            rates.date, rates.base, rates.rates
        );
    }
    Ok(())
}
