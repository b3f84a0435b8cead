//! Every field mapping of `V1AsV2` and `V2AsV1`, and what each cannot carry.

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use stonks_core::adapt::{V1AsV2, V2AsV1};
use stonks_core::v1::{self, PortfolioService as _, TransactionService as _};
use stonks_core::v2::{
    self, LedgerEntry, LedgerKind, Page, PortfolioQuery, PortfolioService as _, TransactionQuery,
    TransactionService as _,
};
use stonks_core::{AssetClass, Currency, ErrorKind, Instrument, Isin, Money, Result};

fn eur(s: &str) -> Money {
    Money::new(d(s), Currency::new("EUR").unwrap())
}
fn usd(s: &str) -> Money {
    Money::new(d(s), Currency::new("USD").unwrap())
}

struct Legacy {
    entries: Vec<v1::PortfolioEntry>,
    trades: Vec<v1::Transaction>,
}

#[async_trait]
impl v1::PortfolioService for Legacy {
    async fn portfolio(&self) -> Result<Vec<v1::PortfolioEntry>> {
        Ok(self.entries.clone())
    }
}

#[async_trait]
impl v1::TransactionService for Legacy {
    async fn transactions(&self) -> Result<Vec<v1::Transaction>> {
        Ok(self.trades.clone())
    }
}

fn legacy_entry() -> v1::PortfolioEntry {
    v1::PortfolioEntry {
        name: "Apple Inc".into(),
        symbol: "AAPL".into(),
        isin: Some(Isin::new("US0378331005").unwrap()),
        shares: d("10"),
        price: Some(d("189.25")),
        value: Some(d("1892.50")),
        currency: Currency::new("USD").unwrap(),
        break_even_price: Some(d("150.10")),
        unrealized_gain: Some(d("391.50")),
        product_type: AssetClass::Stock,
    }
}

fn legacy_trade(day: u32, side: v1::Side) -> v1::Transaction {
    v1::Transaction {
        date: Utc.with_ymd_and_hms(2026, 3, day, 14, 30, 0).unwrap(),
        side,
        symbol: "AAPL".into(),
        quantity: d("2"),
        price: d("170.00"),
        total: if side == v1::Side::Buy {
            d("-340.00")
        } else {
            d("340.00")
        },
        fees: d("1.00"),
        currency: Currency::new("USD").unwrap(),
    }
}

#[tokio::test]
async fn v1_portfolio_as_v2_maps_every_field() {
    let cash = v1::PortfolioEntry {
        name: "EUR".into(),
        symbol: "EUR".into(),
        isin: None,
        shares: d("1500.25"),
        price: Some(d("1")),
        value: Some(d("1500.25")),
        currency: Currency::new("EUR").unwrap(),
        break_even_price: None,
        unrealized_gain: None,
        product_type: AssetClass::Cash,
    };
    let closed = v1::PortfolioEntry {
        shares: d("0"),
        isin: Some(Isin::new("NL0010273215").unwrap()),
        ..legacy_entry()
    };
    let plugin = V1AsV2(Legacy {
        entries: vec![legacy_entry(), cash, closed],
        trades: vec![],
    });

    let before = Utc::now();
    let snap = plugin.snapshot(&PortfolioQuery::new()).await.unwrap();
    assert!(
        snap.as_of >= before,
        "v1 has no time: the call's time stands in"
    );
    assert_eq!(
        snap.positions.len(),
        1,
        "closed positions are not shown by default"
    );
    let p = &snap.positions[0];
    assert_eq!(
        p.instrument.broker_id, "US0378331005",
        "no broker id in v1: the ISIN stands in"
    );
    assert_eq!(p.instrument.symbol.as_deref(), Some("AAPL"));
    assert_eq!(p.instrument.isin, Some(Isin::new("US0378331005").unwrap()));
    assert_eq!(p.instrument.name, "Apple Inc");
    assert_eq!(p.instrument.asset_class, AssetClass::Stock);
    assert_eq!(p.instrument.currency, Some(Currency::new("USD").unwrap()));
    assert_eq!(p.instrument.exchange, None, "v1 has no exchange");
    assert_eq!(p.quantity, d("10"));
    assert_eq!(p.price, Some(usd("189.25")));
    assert_eq!(p.market_value, Some(usd("1892.50")));
    assert_eq!(p.cost_basis, Some(usd("1501.00")), "break-even x shares");
    assert_eq!(p.unrealized_pnl, Some(usd("391.50")));
    assert_eq!(snap.cash.len(), 1);
    assert_eq!(snap.cash[0].amount, eur("1500.25"));

    let all = plugin
        .snapshot(&PortfolioQuery::new().include_closed(true))
        .await
        .unwrap();
    assert_eq!(all.positions.len(), 2);
    assert_eq!(
        all.positions[1].instrument.broker_id, "NL0010273215",
        "the closed position is shown when asked for"
    );
}

#[tokio::test]
async fn v1_unknown_values_stay_unknown() {
    let entry = v1::PortfolioEntry {
        price: None,
        value: None,
        break_even_price: None,
        unrealized_gain: None,
        ..legacy_entry()
    };
    let snap = V1AsV2(Legacy {
        entries: vec![entry],
        trades: vec![],
    })
    .snapshot(&PortfolioQuery::new())
    .await
    .unwrap();
    let p = &snap.positions[0];
    assert_eq!(
        (p.price, p.market_value, p.cost_basis, p.unrealized_pnl),
        (None, None, None, None)
    );
}

#[test]
fn v1_codes_are_typed_and_serialise_as_the_same_strings() {
    let json = serde_json::to_value(legacy_entry()).unwrap();
    assert_eq!(json["isin"], "US0378331005");
    assert_eq!(json["currency"], "USD");
    assert_eq!(json["product_type"], "stock");
    let bad = json.to_string().replace("USD", "U$D");
    assert!(
        serde_json::from_str::<v1::PortfolioEntry>(&bad).is_err(),
        "an invalid code cannot enter v1 at all"
    );
}

#[tokio::test]
async fn v1_trades_as_v2_ledger() {
    let trades = vec![
        legacy_trade(5, v1::Side::Sell),
        legacy_trade(2, v1::Side::Buy),
        legacy_trade(2, v1::Side::Buy), // identical twin
    ];
    let plugin = V1AsV2(Legacy {
        entries: vec![],
        trades,
    });
    let page = plugin.transactions(&TransactionQuery::new()).await.unwrap();
    assert_eq!(page.next_cursor, None);
    let ids: Vec<&str> = page.items.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "v1:2026-03-02T14:30:00Z:buy:AAPL:2:170",
            "v1:2026-03-02T14:30:00Z:buy:AAPL:2:170#2",
            "v1:2026-03-05T14:30:00Z:sell:AAPL:2:170",
        ]
    );
    let e = &page.items[0];
    assert_eq!(
        e.timestamp,
        Utc.with_ymd_and_hms(2026, 3, 2, 14, 30, 0).unwrap()
    );
    assert_eq!(e.kind, LedgerKind::Buy);
    let i = e.instrument.as_ref().unwrap();
    assert_eq!(
        (i.broker_id.as_str(), i.symbol.as_deref(), i.name.as_str()),
        ("AAPL", Some("AAPL"), "AAPL")
    );
    assert_eq!(
        i.asset_class,
        AssetClass::Other("unknown".into()),
        "v1 trades carry no asset class"
    );
    assert_eq!(e.quantity, Some(d("2")));
    assert_eq!(e.price, Some(usd("170.00")));
    assert_eq!(e.amount, usd("-340.00"));
    assert_eq!(e.fees, vec![usd("1.00")]);
    assert_eq!(e.description, None);
    assert_eq!(page.items[2].kind, LedgerKind::Sell);

    // Same ids on a second read: stable.
    let again = plugin.transactions(&TransactionQuery::new()).await.unwrap();
    assert_eq!(again.items, page.items);
    // Filters and paging are honoured; other kinds are empty (v1 has trades only).
    let sells = plugin
        .transactions(&TransactionQuery::new().kinds([LedgerKind::Sell]))
        .await
        .unwrap();
    assert_eq!(sells.items.len(), 1);
    let deposits = plugin
        .transactions(&TransactionQuery::new().kinds([LedgerKind::Deposit]))
        .await
        .unwrap();
    assert!(deposits.items.is_empty());
    let first = plugin
        .transactions(&TransactionQuery::new().limit(2))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let rest = plugin
        .transactions(&TransactionQuery::new().limit(2).cursor(first.next_cursor))
        .await
        .unwrap();
    assert_eq!(rest.items, page.items[2..]);
}

struct Modern {
    snapshot: v2::PortfolioSnapshot,
    ledger: Vec<LedgerEntry>,
}

#[async_trait]
impl v2::PortfolioService for Modern {
    async fn snapshot(&self, _: &PortfolioQuery) -> Result<v2::PortfolioSnapshot> {
        Ok(self.snapshot.clone())
    }
}

#[async_trait]
impl v2::TransactionService for Modern {
    async fn transactions(&self, q: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let hits: Vec<LedgerEntry> = self
            .ledger
            .iter()
            .filter(|e| q.matches(e))
            .cloned()
            .collect();
        v2::page_from_vec(hits, &q.clone().limit(1))
    }
}

fn instrument() -> Instrument {
    Instrument {
        broker_id: "331868".into(),
        symbol: Some("AAPL".into()),
        isin: Some(Isin::new("US0378331005").unwrap()),
        name: "Apple Inc".into(),
        asset_class: AssetClass::Stock,
        currency: Some(Currency::new("USD").unwrap()),
        exchange: Some("XNAS".into()),
        ids: Default::default(),
        multiplier: None,
    }
}

fn entry(id: &str, kind: LedgerKind, fees: Vec<Money>) -> LedgerEntry {
    let mut e = LedgerEntry::new(
        id,
        Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap(),
        kind,
        usd("-402.00"),
    );
    e.instrument = Some(instrument());
    e.quantity = Some(d("4"));
    e.price = Some(usd("100.5"));
    e.fees = fees;
    e.description = Some("Buy 4 @ 100.5 USD".into());
    e
}

#[tokio::test]
async fn v2_portfolio_as_v1_maps_every_field() {
    let plugin = V2AsV1(Modern {
        snapshot: {
            let mut s =
                v2::PortfolioSnapshot::new(Utc.with_ymd_and_hms(2026, 11, 20, 17, 0, 0).unwrap());
            let mut a = v2::Position::new(instrument(), d("4"));
            a.price = Some(usd("120"));
            a.market_value = Some(usd("480"));
            a.cost_basis = Some(usd("402"));
            a.unrealized_pnl = Some(usd("78"));
            let mut b = v2::Position::new(
                Instrument {
                    symbol: None,
                    ..instrument()
                },
                d("1"),
            );
            b.price = Some(usd("120"));
            b.cost_basis = Some(eur("90")); // other currency: cannot be carried
            s.positions = vec![a, b];
            s.cash = vec![v2::CashBalance::new(eur("250.75"))];
            s
        },
        ledger: vec![],
    });
    let out = plugin.portfolio().await.unwrap();
    assert_eq!(out.len(), 3);
    assert_eq!(
        out[0],
        v1::PortfolioEntry {
            name: "Apple Inc".into(),
            symbol: "AAPL".into(),
            isin: Some(Isin::new("US0378331005").unwrap()),
            shares: d("4"),
            price: Some(d("120")),
            value: Some(d("480")),
            currency: Currency::new("USD").unwrap(),
            break_even_price: Some(d("100.5")),
            unrealized_gain: Some(d("78")),
            product_type: AssetClass::Stock,
        }
    );
    assert_eq!(
        out[1].symbol, "331868",
        "no symbol: the broker id stands in"
    );
    assert_eq!(out[1].value, None, "unknown stays unknown");
    assert_eq!(
        out[1].break_even_price, None,
        "cost basis in another currency is dropped"
    );
    assert_eq!(
        out[2],
        v1::PortfolioEntry {
            name: "EUR".into(),
            symbol: "EUR".into(),
            isin: None,
            shares: d("250.75"),
            price: Some(Decimal::ONE),
            value: Some(d("250.75")),
            currency: Currency::new("EUR").unwrap(),
            break_even_price: None,
            unrealized_gain: None,
            product_type: AssetClass::Cash,
        }
    );
}

#[tokio::test]
async fn v2_ledger_as_v1_trades() {
    let mut sell = entry("2", LedgerKind::Sell, vec![]);
    sell.amount = usd("410.00");
    sell.price = None; // derived from amount / quantity
    let plugin = V2AsV1(Modern {
        snapshot: v2::PortfolioSnapshot::new(Utc::now()),
        ledger: vec![
            entry(
                "1",
                LedgerKind::Buy,
                vec![usd("0.50"), usd("1.00"), eur("0.10")],
            ),
            entry("d", LedgerKind::Dividend, vec![]),
            sell,
        ],
    });
    let trades = plugin.transactions().await.unwrap();
    assert_eq!(trades.len(), 2, "dividends have no v1 shape");
    assert_eq!(
        trades[0],
        v1::Transaction {
            date: Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap(),
            side: v1::Side::Buy,
            symbol: "AAPL".into(),
            quantity: d("4"),
            price: d("100.5"),
            total: d("-402.00"),
            fees: d("1.50"), // the EUR fee cannot be carried
            currency: Currency::new("USD").unwrap(),
        }
    );
    assert_eq!(trades[1].side, v1::Side::Sell);
    assert_eq!(trades[1].price, d("102.5"));
}

#[tokio::test]
async fn v2_trade_without_quantity_is_a_plugin_error() {
    let mut bad = entry("1", LedgerKind::Buy, vec![]);
    bad.quantity = None;
    let plugin = V2AsV1(Modern {
        snapshot: v2::PortfolioSnapshot::new(Utc::now()),
        ledger: vec![bad],
    });
    assert_eq!(
        plugin.transactions().await.unwrap_err().kind(),
        &ErrorKind::Plugin
    );
}

#[tokio::test]
async fn round_trip_v1_v2_v1_is_lossless_for_v1_data() {
    let legacy = Legacy {
        entries: vec![legacy_entry()],
        trades: vec![legacy_trade(2, v1::Side::Buy)],
    };
    let expected_entries = legacy.entries.clone();
    let expected_trades = legacy.trades.clone();
    let back = V2AsV1(V1AsV2(legacy));
    assert_eq!(back.portfolio().await.unwrap(), expected_entries);
    assert_eq!(back.transactions().await.unwrap(), expected_trades);
}

/// A decimal from its text (the testkit's `support::d`: core cannot depend
/// on the testkit, which depends on core).
fn d(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}
