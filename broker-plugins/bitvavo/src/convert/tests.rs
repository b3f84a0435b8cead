//! The converters on wire text shaped like Bitvavo's answers, including the
//! awkward shapes real accounts and clients show.

use super::*;
use stonks_core::http::Redactor;
use stonks_testkit::support::d;

fn item(json: &str) -> wire::HistoryItem<'_> {
    serde_json::from_str(json).unwrap()
}

fn page(json: &str) -> Page<LedgerEntry> {
    parse_history_page(json.as_bytes()).unwrap()
}

#[test]
fn buy_maps_every_field() {
    let e = ledger_entry(&item(
        r#"{"transactionId":"a1","executedAt":"2024-01-10T10:58:53.123Z","type":"buy",
            "priceCurrency":"EUR","priceAmount":"38752.12","sentCurrency":"EUR","sentAmount":"100",
            "receivedCurrency":"BTC","receivedAmount":"0.00258050","feesCurrency":"EUR","feesAmount":"0.25"}"#,
    ))
    .unwrap();
    assert_eq!(e.id, "a1");
    assert_eq!(e.account.as_deref(), Some("main"));
    assert_eq!(e.timestamp.to_rfc3339(), "2024-01-10T10:58:53.123+00:00");
    assert_eq!(e.kind, LedgerKind::Buy);
    let i = e.instrument.unwrap();
    assert_eq!(
        (i.broker_id.as_str(), i.asset_class),
        ("BTC", AssetClass::Crypto)
    );
    assert_eq!(e.quantity, Some(d("0.00258050")));
    assert_eq!(e.price.unwrap().amount, d("38752.12"));
    assert_eq!(e.amount.amount, d("-100"));
    assert_eq!(e.amount.currency.as_str(), "EUR");
    assert_eq!(e.fees[0].amount, d("0.25"));
}

#[test]
fn numbers_where_strings_are_documented_are_read_exactly() {
    let e = ledger_entry(&item(
        r#"{"transactionId":"n1","executedAt":1704880733123,"type":"buy",
            "priceCurrency":"EUR","priceAmount":38752.12,"sentCurrency":"EUR","sentAmount":100.10,
            "receivedCurrency":"BTC","receivedAmount":0.00258050,"feesCurrency":"EUR","feesAmount":0.1}"#,
    ))
    .unwrap();
    assert_eq!(e.timestamp.timestamp_millis(), 1_704_880_733_123);
    assert_eq!(e.amount.amount.to_string(), "-100.10");
    assert_eq!(e.quantity.unwrap().to_string(), "0.00258050");
    assert_eq!(e.fees[0].amount.to_string(), "0.1");
}

#[test]
fn a_sell_sending_fiat_takes_the_asset_from_the_other_leg() {
    // The shape of Bitvavo's own documentation example for /account/history.
    let e = ledger_entry(&item(
        r#"{"transactionId":"s2","executedAt":"2021-01-01T00:00:00.000Z","type":"sell",
            "priceCurrency":"EUR","priceAmount":"10000","sentCurrency":"EUR","sentAmount":"100",
            "receivedCurrency":"BTC","receivedAmount":"0.01","feesCurrency":"EUR","feesAmount":"0.25"}"#,
    ))
    .unwrap();
    assert_eq!(
        e.instrument.unwrap().broker_id,
        "BTC",
        "never an instrument named EUR"
    );
    assert_eq!(e.quantity, Some(d("0.01")));
    assert_eq!(
        (e.amount.amount, e.amount.currency.as_str()),
        (d("100"), "EUR")
    );
    // Neither leg in the price currency: a problem, not a guess.
    let err = ledger_entry(&item(
        r#"{"transactionId":"s3","executedAt":"2021-01-01T00:00:00.000Z","type":"sell",
            "priceCurrency":"USD","priceAmount":"1","sentCurrency":"EUR","sentAmount":"1",
            "receivedCurrency":"BTC","receivedAmount":"1"}"#,
    ))
    .unwrap_err();
    assert_eq!(err.path, "priceCurrency");
}

#[test]
fn sell_withdrawal_staking_and_unknown_types() {
    let sell = ledger_entry(&item(
        r#"{"transactionId":"s","executedAt":"2024-02-01T00:00:00.000Z","type":"sell","priceCurrency":"EUR",
            "priceAmount":"40000","sentCurrency":"BTC","sentAmount":"0.0015","receivedCurrency":"EUR",
            "receivedAmount":"60","feesCurrency":"EUR","feesAmount":"0.15"}"#,
    ))
    .unwrap();
    assert_eq!(
        (sell.kind, sell.quantity, sell.amount.amount),
        (LedgerKind::Sell, Some(d("0.0015")), d("60"))
    );
    let w = ledger_entry(&item(
        r#"{"transactionId":"w","executedAt":"2024-02-01T00:00:00.000Z","type":"withdrawal","sentCurrency":"BTC",
            "sentAmount":"0.0025","feesCurrency":"BTC","feesAmount":"0.00003","address":"bc1qxy"}"#,
    ))
    .unwrap();
    assert_eq!(
        (w.kind.clone(), w.amount.amount, w.amount.currency.as_str()),
        (LedgerKind::Withdrawal, d("-0.0025"), "BTC")
    );
    assert_eq!(w.fees[0].amount, d("0.00003"));
    assert_eq!(w.description.as_deref(), Some("address bc1qxy"));
    let r = ledger_entry(&item(
        r#"{"transactionId":"r","executedAt":"1704880733000","type":"fixed_staking","receivedCurrency":"ETH","receivedAmount":"0.000051","address":"null"}"#,
    ))
    .unwrap();
    assert_eq!(
        (r.kind, r.amount.amount),
        (LedgerKind::StakingReward, d("0.000051"))
    );
    assert_eq!(r.timestamp.timestamp_millis(), 1_704_880_733_000);
    assert_eq!(r.description, None, "the text \"null\" is no address");
    let new = ledger_entry(&item(
        r#"{"transactionId":"n","executedAt":"2025-02-01T00:00:00Z","type":"launchpool_reward","receivedCurrency":"NEAR","receivedAmount":"0.5"}"#,
    ))
    .unwrap();
    assert_eq!(new.kind, LedgerKind::Other("launchpool_reward".into()));
    assert_eq!(new.description.as_deref(), Some("launchpool_reward"));
}

#[test]
fn one_bad_item_is_a_problem_and_the_rest_is_kept() {
    let p = page(
        r#"{"items":[
            {"transactionId":"ok1","executedAt":"2024-01-02T00:00:00Z","type":"deposit","receivedCurrency":"EUR","receivedAmount":"10"},
            {"transactionId":"odd-time","executedAt":"yesterday","type":"deposit","receivedCurrency":"EUR","receivedAmount":"5"},
            {"transactionId":"no-cash","executedAt":"2024-01-01T00:00:00Z","type":"buy","receivedCurrency":"BTC","receivedAmount":"1"},
            {"transactionId":"ok0","executedAt":"2024-01-01T00:00:00Z","type":"deposit","receivedCurrency":"EUR","receivedAmount":"20"}
        ]}"#,
    );
    let ids: Vec<&str> = p.items.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, vec!["ok0", "ok1"], "kept, in time order");
    assert_eq!(p.problems.len(), 2);
    assert_eq!(p.problems[0].item.as_deref(), Some("odd-time"));
    assert!(
        p.problems[0]
            .excerpt
            .as_deref()
            .unwrap()
            .contains("yesterday")
    );
    assert_eq!(p.problems[1].item.as_deref(), Some("no-cash"));
    assert_eq!(p.problems[1].field.as_deref(), Some("sentAmount"));
    // A page without its counters is a single page.
    assert!(p.next_cursor.is_none());
}

#[test]
fn snapshot_prices_cash_staking_and_unknowns() {
    let balances: Vec<wire::Balance<'_>> = serde_json::from_str(
        r#"[{"symbol":"EUR","available":"10.5","inOrder":"2"},{"symbol":"BTC","available":"0.5","inOrder":"0.25"},
            {"symbol":"XNO","available":"3","inOrder":"0"},{"symbol":"LTC","available":"0","inOrder":"0"},
            {"symbol":"DOGE","available":0.00000012}]"#,
    )
    .unwrap();
    // Staking amounts come as text or as numbers.
    let staking: Vec<wire::StakingBalance<'_>> =
        serde_json::from_str(r#"[{"symbol":"BTC","amount":0.1}]"#).unwrap();
    let assets: Vec<wire::Asset<'_>> =
        serde_json::from_str(r#"[{"symbol":"BTC","name":"Bitcoin","decimals":"8"}]"#).unwrap();
    let prices: Vec<wire::TickerPrice<'_>> = serde_json::from_str(
        r#"[{"market":"BTC-EUR","price":"40000.5"},{"market":"DOGE-EUR","price":"0.1"},{"market":"ETH-BTC","price":"0.03"}]"#,
    )
    .unwrap();
    let s = snapshot(&balances, &staking, &assets, &prices, false, Utc::now());
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert_eq!(s.cash.len(), 1);
    assert_eq!(s.cash[0].amount.amount, d("12.5"));
    assert_eq!(s.cash[0].account.as_deref(), Some("main"));
    let ids: Vec<&str> = s
        .positions
        .iter()
        .map(|p| p.instrument.broker_id.as_str())
        .collect();
    assert_eq!(ids, vec!["BTC", "XNO", "DOGE", "BTC:staked"]);
    let btc = &s.positions[0];
    assert_eq!(btc.instrument.name, "Bitcoin");
    assert_eq!(
        btc.quantity.to_string(),
        "0.75000000",
        "shown at the asset's 8 decimals"
    );
    assert_eq!(btc.market_value.as_ref().unwrap().amount, d("30000.375"));
    let xno = &s.positions[1];
    assert_eq!((xno.price, xno.market_value), (None, None));
    assert_eq!(
        s.positions[2].market_value.as_ref().unwrap().amount,
        d("0.000000012"),
        "missing inOrder is nothing in orders"
    );
    assert_eq!(s.positions[3].instrument.name, "Bitcoin (staked)");
    assert_eq!(
        s.positions[3].market_value.as_ref().unwrap().amount,
        d("4000.05")
    );
    let all = snapshot(&balances, &staking, &assets, &prices, true, Utc::now());
    assert_eq!(
        all.positions.len(),
        5,
        "the zero LTC balance shows when closed positions are asked for"
    );
}

#[test]
fn duplicated_and_negative_balances_are_problems_not_kept() {
    let balances: Vec<wire::Balance<'_>> = serde_json::from_str(
        r#"[{"symbol":"BTC","available":"1","inOrder":"0"},{"symbol":"BTC","available":"5","inOrder":"0"},
            {"symbol":"ETH","available":"-2","inOrder":"0"},{"symbol":"B-TC","available":"1"}]"#,
    )
    .unwrap();
    let s = snapshot(&balances, &[], &[], &[], false, Utc::now());
    assert_eq!(s.positions.len(), 1);
    assert_eq!(s.positions[0].quantity, d("1"), "the first BTC row is kept");
    let shown: Vec<String> = s.problems.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(shown[0].contains("item BTC") && shown[0].contains("a second balance"));
    assert!(shown[1].contains("negative balance -2"));
    assert!(shown[2].contains("invalid currency or asset code"));
}

#[test]
fn amounts_beyond_decimal_range_are_problems_or_unknown() {
    let max = "79228162514264337593543950335";
    let text = format!(r#"[{{"symbol":"BTC","available":"{max}","inOrder":"1"}}]"#);
    let balances: Vec<wire::Balance<'_>> = serde_json::from_str(&text).unwrap();
    let s = snapshot(&balances, &[], &[], &[], false, Utc::now());
    assert!(s.positions.is_empty());
    assert!(s.problems[0].message.contains("out of range"));
    let text = format!(r#"[{{"symbol":"BTC","available":"{max}","inOrder":"0"}}]"#);
    let balances: Vec<wire::Balance<'_>> = serde_json::from_str(&text).unwrap();
    let prices: Vec<wire::TickerPrice<'_>> =
        serde_json::from_str(r#"[{"market":"BTC-EUR","price":"2"}]"#).unwrap();
    let s = snapshot(&balances, &[], &[], &prices, false, Utc::now());
    assert_eq!(
        s.positions[0].market_value, None,
        "an overflowing value is unknown"
    );
}

#[test]
fn transfers_enrich_by_asset_and_amount_with_seconds_or_ms_and_trimmed_hashes() {
    let mut entries = page(
        r#"{"items":[
            {"transactionId":"d1","executedAt":"2024-03-01T10:00:00Z","type":"deposit","receivedCurrency":"BTC","receivedAmount":"0.5"},
            {"transactionId":"d2","executedAt":"2024-03-02T10:00:00Z","type":"deposit","receivedCurrency":"EUR","receivedAmount":"250"}
        ]}"#,
    )
    .items;
    // Timestamps in seconds, in ms as a string; a hash with its newline; an
    // address of "null".
    let rows: Vec<wire::Transfer<'_>> = serde_json::from_str(
        r#"[{"timestamp":1709287260,"symbol":"BTC","amount":"0.50","status":"completed","txId":"abc123\n","address":"null"},
            {"timestamp":"1709373600000","symbol":"EUR","amount":250,"status":"completed","paymentId":"P-1","address":"NL91ABNA0417164300"}]"#,
    )
    .unwrap();
    enrich(
        &mut entries,
        &LedgerKind::Deposit,
        &mut TransferIndex::new(&rows),
    );
    assert_eq!(
        entries[0].description.as_deref(),
        Some("status completed; tx abc123")
    );
    assert_eq!(entries[1].description.as_deref(), Some("status completed"));
}

#[test]
fn a_balance_list_with_a_bad_row_reports_it() {
    let rows: stonks_core::wire::Rows<'_, wire::Balance<'_>> = serde_json::from_str(
        r#"[{"symbol":"BTC","available":"1"},{"symbol":"ETH","available":"lots"}]"#,
    )
    .unwrap();
    assert_eq!(rows.ok.len(), 1);
    let p = rows.problems("GET /balance", "symbol", &Redactor::new());
    assert_eq!(p[0].item.as_deref(), Some("ETH"));
}

mod never_panics {
    use super::super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop_oneof![
            "[A-Z0-9]{0,6}".prop_map(|s| s),
            "-?[0-9]{0,30}(\\.[0-9]{0,30})?".prop_map(|s| s),
            any::<String>(),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever Bitvavo sends in a history page, reading it gives
        /// entries and problems, or an error: never a panic.
        #[test]
        fn history_items(kind in prop_oneof![Just("buy".to_owned()), Just("sell".to_owned()), Just("deposit".to_owned()), any::<String>()],
                         at in prop_oneof![Just("2024-01-10T10:58:53.000Z".to_owned()), "[0-9]{0,20}", any::<String>()],
                         sent in text(), recv in text(), price in text(), fee in text(), cur in text()) {
            let mut v = serde_json::json!({"transactionId": "x", "executedAt": at, "type": kind});
            for (k, val) in [("sentAmount", &sent), ("receivedAmount", &recv), ("priceAmount", &price), ("feesAmount", &fee)] {
                if let Some(val) = val { v[k] = serde_json::json!(val); }
            }
            for k in ["sentCurrency", "receivedCurrency", "priceCurrency", "feesCurrency"] {
                if let Some(c) = &cur { v[k] = serde_json::json!(c); }
            }
            let body = serde_json::json!({"items": [v]}).to_string();
            let _ = parse_history_page(body.as_bytes());
        }

        #[test]
        fn arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_history_page(&body);
        }
    }
}
