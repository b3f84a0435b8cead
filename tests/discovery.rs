//! Plugins in their own crates register at link time; the registry finds
//! exactly the linked set and serves each in both service versions.

// Name the fixture crates so the linker keeps them (the linking pitfall).
use stonks_test_plugin_legacy_v1 as _;
use stonks_test_plugin_modern_v2 as _;

use stonks::v2::{LedgerKind, PortfolioQuery, TransactionQuery};
use stonks::{Decimal, PluginState, Registry};

/// The test fixtures; the brokers come from the facade's enabled features.
const FIXTURES: &[&str] = &["legacy-v1", "modern-v2"];

#[test]
fn discovers_exactly_the_linked_plugins() {
    let registry = Registry::discover();
    let mut ids: Vec<String> = registry.catalog().into_iter().map(|e| e.id).collect();
    ids.sort();
    let mut expected: Vec<&str> = FIXTURES
        .iter()
        .chain(stonks::LINKED_PLUGINS)
        .copied()
        .collect();
    expected.sort();
    assert_eq!(ids, expected);
    #[cfg(feature = "bitvavo")]
    assert!(
        ids.iter().any(|id| id == "bitvavo"),
        "the bitvavo feature links the Bitvavo plugin"
    );
    #[cfg(feature = "degiro")]
    assert!(
        ids.iter().any(|id| id == "degiro"),
        "the degiro feature links the DEGIRO plugin"
    );
    #[cfg(feature = "alpaca")]
    assert!(
        ids.iter().any(|id| id == "alpaca"),
        "the alpaca feature links the Alpaca plugin"
    );
    #[cfg(feature = "ibkr")]
    assert!(
        ids.iter().any(|id| id == "ibkr"),
        "the ibkr feature links the Interactive Brokers plugin"
    );
    #[cfg(feature = "file")]
    assert!(
        ids.iter().any(|id| id == "file"),
        "the file feature links the file broker"
    );
    for e in registry.catalog() {
        assert_eq!(e.state, PluginState::Loaded, "{}: {:?}", e.id, e.error);
    }
}

#[tokio::test]
async fn serves_each_plugin_in_both_versions() {
    let registry = Registry::discover();
    registry
        .activate("legacy-v1", &serde_json::json!({}))
        .unwrap();
    registry
        .activate("modern-v2", &serde_json::json!({}))
        .unwrap();

    // legacy-v1 natively, then through V1AsV2.
    let v1 = registry
        .portfolio_v1("legacy-v1")
        .unwrap()
        .portfolio()
        .await
        .unwrap();
    assert_eq!(v1[0].symbol, "MSFT");
    let v2 = registry
        .portfolio_v2("legacy-v1")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
    assert_eq!(
        v2.positions[0].instrument.isin.as_ref().unwrap().as_str(),
        "US5949181045"
    );
    assert_eq!(
        v2.positions[0].cost_basis.as_ref().unwrap().amount,
        Decimal::new(150_000, 2)
    );
    let ledger = registry.transactions_v2("legacy-v1").unwrap();
    let page = ledger.transactions(&TransactionQuery::new()).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].kind, LedgerKind::Buy);
    assert_eq!(page.items[0].amount.amount, Decimal::new(-150_000, 2));

    // modern-v2 natively, then through V2AsV1.
    let snap = registry
        .portfolio_v2("modern-v2")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
    assert_eq!(snap.cash[0].amount.amount, Decimal::new(25_075, 2));
    let v1 = registry
        .portfolio_v1("modern-v2")
        .unwrap()
        .portfolio()
        .await
        .unwrap();
    assert_eq!(v1.len(), 2);
    assert_eq!(v1[0].break_even_price, Some(Decimal::new(60_000, 2)));
    assert_eq!(v1[1].product_type, stonks::AssetClass::Cash);
    let trades = registry
        .transactions_v1("modern-v2")
        .unwrap()
        .transactions()
        .await
        .unwrap();
    assert_eq!(trades.len(), 1, "the deposit has no v1 shape");
    assert_eq!(trades[0].fees, Decimal::new(200, 2));
    let deposits = registry
        .transactions_v2("modern-v2")
        .unwrap()
        .transactions(&TransactionQuery::new().kinds([LedgerKind::Deposit]))
        .await
        .unwrap();
    assert_eq!(deposits.items[0].id, "dep-1");
}
