//! The plugin against `MockBitvavo`'s realistic account: the numbers it
//! turns into, the full ledger read through shifting pages, and a banned key.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use stonks_core::v2::{PortfolioQuery, TransactionQuery, collect_ledger};
use stonks_core::{Decimal, ErrorKind, Registry};
use stonks_testkit::MockBitvavo;
use stonks_testkit::conformance::ids_and_pages;
use stonks_testkit::support::{self, d};

async fn setup() -> (MockBitvavo, Registry) {
    let mock = MockBitvavo::start().await;
    let r = support::registry(stonks_broker_bitvavo::RECORD, &mock.config());
    (mock, r)
}

#[tokio::test]
async fn portfolio_of_the_mock_account() {
    let (_mock, r) = setup().await;
    let snap = r
        .portfolio_v2("bitvavo")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
    assert_eq!(snap.cash.len(), 1);
    // What the history leaves in EUR: 2841.12 available, 250.00 in an order.
    assert_eq!(snap.cash[0].amount.amount, d("3091.12"));
    // 23 balances: EUR is cash, LTC is zero; plus 2 staked positions.
    assert_eq!(snap.positions.len(), 21 + 2);
    let by_id: BTreeMap<&str, _> = snap
        .positions
        .iter()
        .map(|p| (p.instrument.broker_id.as_str(), p))
        .collect();
    let value = |id: &str| by_id[id].market_value.as_ref().map(|m| m.amount);
    // Available and in order: what the history leaves of BTC.
    assert_eq!(by_id["BTC"].quantity, d("0.01006153"));
    assert_eq!(value("BTC"), Some(d("879.7012001895")));
    assert_eq!(value("ETH"), Some(d("550.020012672")));
    // The staked principal and every reward since.
    assert_eq!(value("ETH:staked"), Some(d("166.13827620")));
    assert_eq!(
        value("DOGE"),
        Some(d("0.0000000170844")),
        "dust is kept and valued"
    );
    assert_eq!(value("FET"), None, "FET-EUR has no price");
    assert_eq!(value("XNO"), None, "XNO has no EUR market");
    assert!(!by_id.contains_key("LTC"));
}

#[tokio::test]
async fn full_ledger_survives_shifting_pages() {
    let (mock, r) = setup().await;
    let total = mock.history_len();
    assert_eq!(total, 300);
    mock.shift_history_after_first_page(7);
    let ledger = r.transactions_v2("bitvavo").unwrap();
    let read = collect_ledger(&*ledger, TransactionQuery::new())
        .await
        .unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let entries = read.items;
    let ids: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), entries.len(), "no entry twice");
    assert_eq!(
        entries.len(),
        total,
        "every entry that existed when the read began"
    );

    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for e in &entries {
        *kinds.entry(e.kind.as_str().to_owned()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("buy", 104),
        ("deposit", 25),
        ("launchpool_reward", 1),
        ("affiliate", 1),
        ("sell", 7),
        ("staking_reward", 156),
        ("transfer", 1),
        ("withdrawal", 5),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_owned(), n))
    .collect();
    assert_eq!(kinds, expected);
    let fees: Decimal = entries
        .iter()
        .flat_map(|e| &e.fees)
        .filter(|f| f.currency.as_str() == "EUR")
        .map(|f| f.amount)
        .sum();
    assert!(fees > Decimal::ZERO);
}

#[tokio::test]
async fn deposit_and_withdrawal_details_enrich_without_adding_entries() {
    let (_mock, r) = setup().await;
    let entries = collect_ledger(
        &*r.transactions_v2("bitvavo").unwrap(),
        TransactionQuery::new(),
    )
    .await
    .unwrap()
    .items;
    assert_eq!(entries.len(), 300, "enrichment adds no entry");
    let btc_out = entries
        .iter()
        .find(|e| {
            e.kind == stonks_core::v2::LedgerKind::Withdrawal && e.amount.currency.as_str() == "BTC"
        })
        .unwrap();
    let d = btc_out.description.as_deref().unwrap();
    assert!(
        d.starts_with("address bc1q") && d.contains("; status completed; tx "),
        "{d}"
    );
    let eur_in = entries
        .iter()
        .find(|e| e.kind == stonks_core::v2::LedgerKind::Deposit)
        .unwrap();
    assert_eq!(
        eur_in.description.as_deref(),
        Some("address NL91ABNA0417164300; status completed"),
        "an EUR deposit names the IBAN it came from"
    );
}

#[tokio::test]
async fn banned_key_carries_the_unban_time() {
    let (mock, r) = setup().await;
    mock.ban_key_until(chrono::Utc::now().timestamp_millis() + 90_000);
    let err = r
        .portfolio_v2("bitvavo")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::RateLimited { .. }), "{err}");
    let wait = err.retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(85) && wait <= Duration::from_secs(90),
        "{wait:?}"
    );
    mock.unban();
    r.portfolio_v2("bitvavo")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn truncated_bodies_are_protocol_errors_naming_the_endpoint() {
    let (mock, r) = setup().await;
    mock.faults().truncated_bodies(1);
    let err = collect_ledger(
        &*r.transactions_v2("bitvavo").unwrap(),
        TransactionQuery::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    assert_eq!(
        err.protocol_details().unwrap().endpoint,
        "GET /account/history"
    );
}

/// The requests to `/account/history` the mock has received.
async fn history_requests(mock: &MockBitvavo) -> usize {
    mock.received_requests()
        .await
        .iter()
        .filter(|r| r.url.path() == "/v2/account/history")
        .count()
}

#[tokio::test]
async fn one_page_costs_one_page_of_requests() {
    let (mock, r) = setup().await;
    mock.add_old_history(2_700); // 3000 entries: 30 Bitvavo pages
    let ledger = r.transactions_v2("bitvavo").unwrap();
    let read = |limit: Option<u32>| {
        let ledger = ledger.clone();
        async move { ids_and_pages(&ledger, limit).await.unwrap() }
    };
    let before = history_requests(&mock).await;
    let (small, small_pages) = read(Some(10)).await;
    let after_small = history_requests(&mock).await;
    let (whole, whole_pages) = read(None).await;
    let after_whole = history_requests(&mock).await;
    assert_eq!(small.len(), 3000);
    assert_eq!(small, whole, "the same entries whatever the page size");
    let (small_requests, whole_requests) = (after_small - before, after_whole - after_small);
    assert!(
        small_requests.abs_diff(whole_requests) <= 2 && (30..=32).contains(&whole_requests),
        "requests: {small_requests} with limit 10, {whole_requests} without"
    );
    assert_eq!(small_pages, whole_pages);
}

/// A full read (every history page, the transfer histories that enrich
/// them, then the portfolio) against a key allowed 150 points per 4-second
/// window, where the mock counts Bitvavo's weights and answers 429 with
/// error 110 past the limit. The read needs 158 points: the plugin counts
/// each request's weight before sending it and waits for the next window
/// instead of passing the limit. (Counting requests, the portfolio's 107
/// points would be sent with 99 left, and refused.)
#[tokio::test]
async fn a_full_read_stays_within_the_weight_budget() {
    let (mock, r) = setup().await;
    mock.add_old_history(3700);
    mock.set_weight_budget(150, Duration::from_secs(4));
    let started = std::time::Instant::now();
    let ledger = r.transactions_v2("bitvavo").unwrap();
    let read = collect_ledger(&*ledger, TransactionQuery::new())
        .await
        .unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(read.items.len(), 4000);
    let rewards: Decimal = read
        .items
        .iter()
        .filter(|e| e.id.starts_with("old-reward-"))
        .map(|e| e.amount.amount)
        .sum();
    assert_eq!(rewards, d("0.1147"), "3700 rewards of 0.000031 ETH");
    let snap = r
        .portfolio_v2("bitvavo")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
    assert_eq!(snap.cash[0].amount.amount, d("3091.12"));

    assert_eq!(mock.weight_refusals(), 0, "never past the limit");
    let mut calls: BTreeMap<String, i64> = BTreeMap::new();
    for req in mock.received_requests().await {
        *calls.entry(req.url.path().to_owned()).or_default() += 1;
    }
    let pages = calls["/v2/account/history"];
    assert_eq!(
        calls,
        BTreeMap::from(
            [
                ("/v2/account/history", pages),
                ("/v2/assets", 1),
                ("/v2/balance", 1),
                ("/v2/depositHistory", 1),
                ("/v2/stakingBalance", 1),
                ("/v2/ticker/price", 1),
                ("/v2/withdrawalHistory", 1),
            ]
            .map(|(p, n)| (p.to_owned(), n))
        )
    );
    // Page 1 holds 100 entries; every later page asks again from the
    // oldest entry read, so it re-reads that one: 99 new entries a page,
    // and a last page shorter than 100.
    assert_eq!(pages, 1 + 3900_u64.div_ceil(99) as i64);
    // Pages weigh 1, the transfer histories and the balance 5, assets and
    // prices 1, and the staking balance (weight unpublished) 100.
    assert_eq!(mock.weight_spent(), pages + 5 + 5 + 5 + 100 + 1 + 1);
    assert_eq!(mock.weight_spent(), 158);
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "one wait for one reset: {:?}",
        started.elapsed()
    );
}
