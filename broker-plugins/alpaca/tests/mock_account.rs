//! The plugin against `MockAlpaca`'s paper account: the numbers it turns
//! into, a ledger that adds up to the portfolio, the same ledger whatever
//! the page size, and the requests that cost.

use std::collections::BTreeMap;

use stonks_core::v2::{LedgerEntry, LedgerKind, PortfolioQuery, TransactionQuery, collect_ledger};
use stonks_core::{Decimal, ErrorKind, Registry};
use stonks_testkit::MockAlpaca;
use stonks_testkit::alpaca::ACCOUNT_NUMBER;
use stonks_testkit::support::{self, d};

async fn setup() -> (MockAlpaca, Registry) {
    let mock = MockAlpaca::start().await;
    let r = support::registry(stonks_broker_alpaca::RECORD, &mock.config());
    (mock, r)
}

async fn ledger(r: &Registry, query: TransactionQuery) -> Vec<LedgerEntry> {
    let read = collect_ledger(&*r.transactions_v2("alpaca").unwrap(), query)
        .await
        .unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let mut entries = read.items;
    stonks_core::v2::sort_by_time(&mut entries);
    entries
}

#[tokio::test]
async fn portfolio_of_the_mock_account() {
    let (_mock, r) = setup().await;
    let snap = r
        .portfolio_v2("alpaca")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
    assert_eq!(snap.cash[0].amount.amount, d("12394.21"));
    assert_eq!(snap.cash[0].account.as_deref(), Some(ACCOUNT_NUMBER));
    let rows: Vec<(&str, Decimal, Decimal)> = snap
        .positions
        .iter()
        .map(|p| {
            let value = p.market_value.as_ref().unwrap().amount;
            (p.instrument.broker_id.as_str(), p.quantity, value)
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("AAPL", d("13"), d("2308.41")),
            ("BTCUSD", d("0.137125"), d("6349.77195625")),
            ("MSFT", d("3"), d("1008.96")),
            ("NVDA", d("20"), d("5882.20")),
            ("VOO", d("36"), d("15716.52")),
        ]
    );
    // The listing MIC of each position: VOO is on NYSE Arca, crypto on none.
    let mics: Vec<(&str, Option<&str>)> = snap
        .positions
        .iter()
        .map(|p| {
            (
                p.instrument.broker_id.as_str(),
                p.instrument.ids.mic.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        mics,
        vec![
            ("AAPL", Some("XNAS")),
            ("BTCUSD", None),
            ("MSFT", Some("XNAS")),
            ("NVDA", Some("XNAS")),
            ("VOO", Some("ARCX")),
        ]
    );
}

#[tokio::test]
async fn the_ledger_adds_up_to_the_portfolio() {
    let (mock, r) = setup().await;
    let entries = ledger(&r, TransactionQuery::new()).await;
    assert_eq!(mock.activities_len(), 136);
    assert_eq!(entries.len(), 135, "the two split legs are one entry");
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &entries {
        *kinds.entry(e.kind.as_str()).or_default() += 1;
        assert_eq!(e.account.as_deref(), Some(ACCOUNT_NUMBER));
    }
    let expected: BTreeMap<&str, usize> = [
        ("buy", 69),
        ("deposit", 12),
        ("dividend", 8),
        ("fee", 17),
        ("interest", 12),
        ("sell", 5),
        ("split", 1),
        ("tax", 8),
        ("transfer", 2),
        ("withdrawal", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(kinds, expected);

    // Every dollar of the ledger is in the cash balance...
    let usd: Decimal = entries
        .iter()
        .filter(|e| e.amount.currency.as_str() == "USD")
        .map(|e| e.amount.amount)
        .sum();
    assert_eq!(usd, d("12394.21"));
    // ...and every unit in a position.
    let mut units: BTreeMap<String, Decimal> = BTreeMap::new();
    for e in &entries {
        let (Some(i), Some(q)) = (&e.instrument, e.quantity) else {
            continue;
        };
        let signed = match &e.kind {
            LedgerKind::Buy => q,
            LedgerKind::Sell => -q,
            LedgerKind::Fee if e.amount.currency.as_str() == "BTC" => e.amount.amount,
            LedgerKind::Transfer | LedgerKind::Split => q,
            _ => continue,
        };
        *units.entry(i.broker_id.clone()).or_default() += signed;
    }
    let units: Vec<(&str, Decimal)> = units
        .iter()
        .map(|(k, v)| (k.as_str(), v.normalize()))
        .collect();
    assert_eq!(
        units,
        vec![
            ("AAPL", d("13")),
            ("BTCUSD", d("0.137125")),
            ("MSFT", d("3")),
            ("NVDA", d("20")),
            ("VOO", d("36")),
        ]
    );
    // Every withholding names its dividend.
    let dividends: Vec<&str> = entries
        .iter()
        .filter(|e| e.kind == LedgerKind::Dividend)
        .map(|e| e.id.as_str())
        .collect();
    let linked: Vec<&str> = entries
        .iter()
        .filter(|e| e.kind == LedgerKind::Tax)
        .filter_map(|e| e.belongs_to.as_deref())
        .collect();
    assert_eq!(linked, dividends);
    let split = entries
        .iter()
        .find(|e| e.kind == LedgerKind::Split)
        .unwrap();
    let ratio = split.action.as_ref().unwrap().ratio.unwrap();
    assert_eq!(
        (ratio.new, ratio.old, split.quantity),
        (d("20"), d("5"), Some(d("15")))
    );

    // Two Alpaca pages of 100 for 136 activities, the second after the last
    // activity of the first.
    let asked: Vec<BTreeMap<String, String>> = mock
        .received_requests()
        .await
        .iter()
        .filter(|r| r.url.path() == "/v2/account/activities")
        .map(|r| r.url.query_pairs().into_owned().collect())
        .collect();
    assert_eq!(asked.len(), 2);
    assert!(
        asked
            .iter()
            .all(|q| q["direction"] == "asc" && q["page_size"] == "100")
    );
    let token = &asked[1]["page_token"];
    assert!(
        entries.iter().any(|e| &e.id == token),
        "page_token {token} is an activity read"
    );
}

#[tokio::test]
async fn the_same_ledger_whatever_the_page_size() {
    let (_mock, r) = setup().await;
    let whole = ledger(&r, TransactionQuery::new()).await;
    // The biggest run of one day's activities that pair up is 3 (a VOO
    // dividend, its withholding and the month's interest): from 4 up, no
    // page can split a pair.
    for limit in [4, 5, 7, 16, 33, 99] {
        let paged = ledger(&r, TransactionQuery::new().limit(limit)).await;
        assert_eq!(paged, whole, "page size {limit}");
    }
}

#[tokio::test]
async fn a_time_range_is_exact() {
    let (_mock, r) = setup().await;
    let whole = ledger(&r, TransactionQuery::new()).await;
    let from = chrono::DateTime::parse_from_rfc3339("2021-07-20T00:00:00Z")
        .unwrap()
        .to_utc();
    let until = chrono::DateTime::parse_from_rfc3339("2021-08-12T00:00:00Z")
        .unwrap()
        .to_utc();
    let part = ledger(&r, TransactionQuery::new().range(from, until)).await;
    let expected: Vec<LedgerEntry> = whole
        .into_iter()
        .filter(|e| e.timestamp >= from && e.timestamp < until)
        .collect();
    assert_eq!(part, expected);
    assert_eq!(
        part[0].kind,
        LedgerKind::Split,
        "the split on the first day is in"
    );
    assert!(
        part.iter().all(|e| e.kind != LedgerKind::Dividend),
        "the dividend on the end day is out"
    );
}

#[tokio::test]
async fn a_cut_answer_is_a_protocol_error_naming_the_endpoint() {
    let (mock, r) = setup().await;
    // Read the account number first, so the cut answer is the activities'.
    r.transactions_v2("alpaca")
        .unwrap()
        .transactions(&TransactionQuery::new().limit(1))
        .await
        .unwrap();
    mock.faults().truncated_bodies(1);
    let err = r
        .transactions_v2("alpaca")
        .unwrap()
        .transactions(&TransactionQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Protocol);
    assert_eq!(
        err.protocol_details().unwrap().endpoint,
        "GET /v2/account/activities"
    );
}
