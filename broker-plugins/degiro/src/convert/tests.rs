//! The converters on wire text shaped like DEGIRO's answers as public
//! captures show them: no `orderId` on cash movements, AutoFX fees,
//! transfers, splits, money-market fund rows, values in the base currency.

use super::*;
use stonks_core::http::Redactor;
use stonks_testkit::support::d;

fn product(id: i64, name: &str, currency: &str, kind: &str) -> (i64, Instrument) {
    let p: wire::Product = serde_json::from_str(&format!(
        r#"{{"id":"{id}","name":"{name}","currency":"{currency}","productType":"{kind}","isin":"US0378331005","symbol":"AAPL","exchangeId":"663"}}"#
    ))
    .unwrap();
    (id, instrument(&p))
}

fn instruments() -> HashMap<i64, Instrument> {
    [
        product(331868, "Apple Inc", "USD", "STOCK"),
        product(4586985, "Vanguard FTSE All-World", "EUR", "ETF"),
        product(15694498, "Morgan Stanley EUR Liquidity Fund", "EUR", "FUND"),
    ]
    .into_iter()
    .collect()
}

fn ctx(instruments: &HashMap<i64, Instrument>) -> Context<'_> {
    Context {
        instruments,
        base_currency: Currency::EUR,
        account: "1234567",
    }
}

fn window(trades: &str, cash: &str) -> (Vec<LedgerEntry>, Vec<ReadProblem>) {
    let trades: wire::TradesAnswer<'_> = serde_json::from_str(trades).unwrap();
    let cash: wire::AccountOverviewAnswer<'_> = serde_json::from_str(cash).unwrap();
    let instruments = instruments();
    window_entries(
        &trades.data,
        cash.data.cash_movements.as_ref(),
        &ctx(&instruments),
        &Redactor::new(),
    )
}

/// An AAPL buy with an AutoFX fee, as public captures show the fields.
const AAPL_BUY: &str = r#"{"id":188561689,"productId":331868,"date":"2024-03-05T15:31:02+01:00","buysell":"B",
    "price":175.1,"quantity":15,"total":-2626.5,"orderTypeId":0,"counterParty":"MK","transfered":false,
    "fxRate":1.0764,"nettFxRate":1.0753,"autoFxFeeInBaseCurrency":-2.44,"totalInBaseCurrency":-2440.11,
    "feeInBaseCurrency":-0.54,"totalFeesInBaseCurrency":-2.98,"totalPlusFeeInBaseCurrency":-2440.65,
    "totalPlusAllFeesInBaseCurrency":-2443.09,"transactionTypeId":0,"tradingVenue":"XNAS"}"#;

#[test]
fn a_trade_carries_every_fee_the_autofx_fee_included() {
    let (entries, problems) = window(&format!(r#"{{"data":[{AAPL_BUY}]}}"#), r#"{"data":{}}"#);
    assert!(problems.is_empty(), "{problems:?}");
    let e = &entries[0];
    assert_eq!(e.id, "trade-188561689");
    assert_eq!(e.account.as_deref(), Some("1234567"));
    assert_eq!(e.kind, LedgerKind::Buy);
    assert_eq!(e.timestamp.to_rfc3339(), "2024-03-05T14:31:02+00:00");
    assert_eq!(e.quantity, Some(d("15")));
    assert_eq!(
        (e.amount.amount, e.amount.currency),
        (d("-2626.5"), Currency::USD)
    );
    assert_eq!(
        e.fees,
        vec![Money::new(d("2.98"), Currency::EUR)],
        "not 0.54"
    );
    // Without totalFeesInBaseCurrency, DEGIRO's own fee stands alone.
    let old = AAPL_BUY.replace(r#""totalFeesInBaseCurrency":-2.98,"#, "");
    let (entries, _) = window(&format!(r#"{{"data":[{old}]}}"#), r#"{"data":{}}"#);
    assert_eq!(entries[0].fees[0].amount, d("0.54"));
}

#[test]
fn cash_leg_and_fee_rows_without_order_id_are_not_counted_twice() {
    let cash = r#"{"data":{"cashMovements":[
        {"id":901,"date":"2024-03-05T15:31:02+01:00","valueDate":"2024-03-05T15:31:02+01:00","description":"Koop 15 @ 175,1 USD","productId":331868,"currency":"USD","change":-2626.5,"balance":{},"type":"TRANSACTION"},
        {"id":902,"date":"2024-03-05T15:31:02+01:00","description":"DEGIRO Transactiekosten en/of kosten van derden","productId":331868,"currency":"EUR","change":-0.54,"type":"TRANSACTION"},
        {"id":903,"date":"2024-03-05T15:31:02+01:00","description":"AutoFX Kosten","productId":331868,"currency":"EUR","change":-2.44,"type":"TRANSACTION"},
        {"id":904,"date":"2024-03-05T15:31:02+01:00","description":"Valuta Debitering","currency":"EUR","change":-2440.11,"type":"CASH_TRANSACTION"},
        {"id":905,"date":"2024-03-05T15:31:02+01:00","description":"Valuta Creditering","currency":"USD","change":2626.5,"type":"CASH_TRANSACTION"},
        {"id":906,"date":"2024-04-01T09:00:00+02:00","description":"DEGIRO Aansluitingskosten 2024 (Nasdaq - NDQ)","currency":"EUR","change":-2.5,"type":"CASH_TRANSACTION"}
    ]}}"#;
    let (entries, problems) = window(&format!(r#"{{"data":[{AAPL_BUY}]}}"#), cash);
    assert!(problems.is_empty(), "{problems:?}");
    let kinds: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.id.as_str(), e.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("cash-904", "fx_conversion"),
            ("cash-905", "fx_conversion"),
            ("trade-188561689", "buy"),
            ("cash-906", "fee"),
        ],
        "the cash leg (901) and both fee rows (902, 903) are in the trade"
    );
    let fees: Decimal = entries
        .iter()
        .flat_map(|e| e.fees.iter().map(|f| f.amount))
        .chain(
            entries
                .iter()
                .filter(|e| e.kind == LedgerKind::Fee)
                .map(|e| -e.amount.amount),
        )
        .sum();
    assert_eq!(
        fees,
        d("5.48"),
        "2.98 for the trade, 2.50 connection fee: once each"
    );
}

#[test]
fn order_id_matches_when_both_carry_it() {
    let buy = AAPL_BUY.replace(
        r#""tradingVenue":"XNAS""#,
        r#""tradingVenue":"XNAS","orderId":"ord-1""#,
    );
    let cash = r#"{"data":{"cashMovements":[
        {"id":901,"date":"2024-03-05T15:35:00+01:00","description":"Buy 15 @ 175.1 USD","productId":331868,"currency":"USD","change":-2626.5,"type":"TRANSACTION","orderId":"ord-1"},
        {"id":902,"date":"2024-03-05T15:35:00+01:00","description":"DEGIRO Transaction and/or third party fees","productId":331868,"currency":"EUR","change":-9.99,"type":"TRANSACTION","orderId":"ord-2"}
    ]}}"#;
    let (entries, _) = window(&format!(r#"{{"data":[{buy}]}}"#), cash);
    let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["trade-188561689", "cash-902"],
        "another order's fee stays"
    );
}

#[test]
fn transfers_and_corporate_actions_move_no_cash() {
    let trades = r#"{"data":[
        {"id":1,"productId":4586985,"date":"2023-01-10T09:00:00+01:00","buysell":"B","price":98.5,"quantity":40,"total":-3940,"transfered":true,"transactionTypeId":0},
        {"id":2,"productId":331868,"date":"2024-06-10T09:00:00+02:00","buysell":"S","price":0,"quantity":-15,"total":0,"transfered":false,"transactionTypeId":101},
        {"id":3,"productId":331868,"date":"2024-06-10T09:00:00+02:00","buysell":"B","price":0,"quantity":60,"total":0,"transfered":false,"transactionTypeId":101},
        {"id":4,"productId":4586985,"date":"2024-07-01T09:00:00+02:00","buysell":"S","price":0,"quantity":-40,"total":0,"transactionTypeId":106}
    ]}"#;
    let (entries, problems) = window(trades, r#"{"data":{}}"#);
    assert!(problems.is_empty(), "{problems:?}");
    let t = &entries[0];
    assert_eq!(
        (t.kind.clone(), t.quantity, t.amount.amount),
        (LedgerKind::Transfer, Some(d("40")), d("0"))
    );
    assert_eq!(entries.len(), 3, "the two split rows are one split");
    let s = &entries[1];
    assert_eq!(s.kind, LedgerKind::Split);
    assert_eq!(
        s.action.as_ref().unwrap().ratio,
        Some(Ratio::new(d("60"), d("15")))
    );
    assert_eq!(s.quantity, Some(d("45")), "units added");
    assert_eq!(s.amount.amount, d("0"));
    let other = &entries[2];
    assert_eq!(other.kind, LedgerKind::Other("corporate action 106".into()));
    assert_eq!(other.quantity, Some(d("-40")));
}

#[test]
fn fusions_and_product_changes_are_mergers_and_a_delisting_a_sell() {
    let trades = r#"{"data":[
        {"id":11,"productId":4586985,"date":"2024-02-12T09:00:00+01:00","buysell":"S","price":0,"quantity":-40,"total":0,"transfered":false,"transactionTypeId":108},
        {"id":12,"productId":331868,"date":"2024-02-12T09:00:00+01:00","buysell":"B","price":0,"quantity":24,"total":0,"transfered":false,"transactionTypeId":108},
        {"id":13,"productId":331868,"date":"2024-04-02T09:00:00+02:00","buysell":"S","price":0,"quantity":-24,"total":0,"transfered":false,"transactionTypeId":204},
        {"id":14,"productId":4586985,"date":"2024-04-02T09:00:00+02:00","buysell":"B","price":0,"quantity":24,"total":0,"transfered":false,"transactionTypeId":204},
        {"id":15,"productId":331868,"date":"2024-09-30T09:00:00+02:00","buysell":"S","price":0.35,"quantity":-10,"total":3.5,"transfered":false,"transactionTypeId":112}
    ]}"#;
    let (entries, problems) = window(trades, r#"{"data":{}}"#);
    assert!(problems.is_empty(), "{problems:?}");
    let got: Vec<(&str, LedgerKind, Option<Decimal>, Decimal)> = entries
        .iter()
        .map(|e| (e.id.as_str(), e.kind.clone(), e.quantity, e.amount.amount))
        .collect();
    assert_eq!(
        got,
        vec![
            // Both legs of each merger stay, signed, and move no cash.
            ("trade-11", LedgerKind::Merger, Some(d("-40")), d("0")),
            ("trade-12", LedgerKind::Merger, Some(d("24")), d("0")),
            ("trade-13", LedgerKind::Merger, Some(d("-24")), d("0")),
            ("trade-14", LedgerKind::Merger, Some(d("24")), d("0")),
            // A delisting is a sell for what it paid.
            ("trade-15", LedgerKind::Sell, Some(d("10")), d("3.5")),
        ]
    );
    assert_eq!(entries[0].description.as_deref(), Some("merger (out 40)"));
    assert_eq!(entries[3].description.as_deref(), Some("merger (in 24)"));
    let delisted = &entries[4];
    assert_eq!(delisted.amount.currency, Currency::USD);
    assert_eq!(delisted.price.as_ref().unwrap().amount, d("0.35"));
    assert_eq!(delisted.instrument.as_ref().unwrap().broker_id, "331868");
}

#[test]
fn dividend_tax_belongs_to_its_dividend() {
    let cash = r#"{"data":{"cashMovements":[
        {"id":11,"date":"2024-05-16T07:00:00+02:00","description":"Dividend","productId":331868,"currency":"USD","change":3.75,"type":"CASH_TRANSACTION"},
        {"id":12,"date":"2024-05-16T07:00:00+02:00","description":"Dividendbelasting","productId":331868,"currency":"USD","change":-0.56,"type":"CASH_TRANSACTION"},
        {"id":13,"date":"2024-06-20T07:00:00+02:00","description":"Dividend","productId":4586985,"currency":"EUR","change":12.4,"type":"CASH_TRANSACTION"}
    ]}}"#;
    let (entries, _) = window(r#"{"data":[]}"#, cash);
    let tax = entries.iter().find(|e| e.kind == LedgerKind::Tax).unwrap();
    assert_eq!(tax.belongs_to.as_deref(), Some("cash-11"));
    assert_eq!(tax.amount.amount, d("-0.56"));
}

#[test]
fn money_market_fund_movements_are_transfers_and_income() {
    let cash = r#"{"data":{"cashMovements":[
        {"id":21,"date":"2020-03-02T08:00:00+01:00","description":"Conversie geldmarktfonds: Koop 0,000001 @ 9.951,3411 EUR","productId":15694498,"currency":"EUR","change":null,"type":"CASH_FUND_TRANSACTION"},
        {"id":22,"date":"2020-03-03T08:00:00+01:00","description":"Koersverandering geldmarktfonds (EUR)","productId":15694498,"currency":"EUR","change":-0.01,"type":"CASH_FUND_NAV_CHANGE"},
        {"id":23,"date":"2020-03-04T08:00:00+01:00","description":"iDEAL storting","currency":"EUR","change":null,"type":"PAYMENT"}
    ]}}"#;
    let (entries, _) = window(r#"{"data":[]}"#, cash);
    let kinds: Vec<(&str, String)> = entries
        .iter()
        .map(|e| (e.kind.as_str(), e.amount.amount.to_string()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("transfer", "0".into()),
            ("interest", "-0.01".into()),
            ("failed payment", "0".into()),
        ]
    );
    // The conversion moves the fund's units its description states, at
    // their price.
    let conversion = &entries[0];
    assert_eq!(conversion.quantity, Some(d("0.000001")));
    assert_eq!(
        conversion.price,
        Some(Money::new(d("9951.3411"), Currency::EUR))
    );
    assert_eq!(
        conversion.cost_basis,
        Some(Money::new(d("0.0099513411"), Currency::EUR))
    );
    assert_eq!(
        conversion.instrument.as_ref().unwrap().broker_id,
        "15694498"
    );
    let out = cash.replace("Koop 0,000001", "Verkoop 0,000001");
    let (entries, _) = window(r#"{"data":[]}"#, &out);
    assert_eq!(entries[0].quantity, Some(d("-0.000001")));
    assert_eq!(entries[0].cost_basis, None, "units out state no basis");
}

#[test]
fn unreadable_rows_are_problems_and_the_rest_is_kept() {
    let trades = format!(
        r#"{{"data":[{AAPL_BUY},
        {{"id":5,"productId":999,"date":"2024-03-06T10:00:00Z","buysell":"B","price":1,"quantity":1,"total":-1}},
        {{"id":6,"productId":331868,"date":"2024-03-06T10:00:00Z","buysell":"X","price":1,"quantity":1,"total":-1}},
        {{"id":7,"productId":331868,"date":"soon","buysell":"B","price":1,"quantity":1,"total":-1}}]}}"#
    );
    let (entries, problems) = window(
        &trades,
        r#"{"data":{"cashMovements":[{"id":31,"date":"2024-01-01","currency":"E-U-R","change":1}]}}"#,
    );
    assert_eq!(entries.len(), 1);
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 4, "{shown:?}");
    assert!(shown[0].contains("item 7"), "{shown:?}");
    assert!(
        shown
            .iter()
            .any(|p| p.contains("item 5") && p.contains("product 999 has no details"))
    );
    assert!(
        shown
            .iter()
            .any(|p| p.contains("item 6") && p.contains("field buysell"))
    );
    assert!(
        shown
            .iter()
            .any(|p| p.contains("v6/accountoverview") && p.contains("item 31"))
    );
}

fn update(rows: &str) -> wire::UpdateAnswer<'_> {
    serde_json::from_str(rows).unwrap()
}

#[test]
fn portfolio_values_cash_funds_and_base_currency() {
    let text = r#"{"portfolio":{"name":"portfolio","value":[
        {"id":"331868","name":"positionrow","value":[{"name":"id","value":"331868"},{"name":"positionType","value":"PRODUCT"},
            {"name":"size","value":2},{"name":"price","value":335.95},{"name":"value","value":579.51},{"name":"breakEvenPrice","value":250.0}]},
        {"id":"4586985","name":"positionrow","value":[{"name":"positionType","value":"PRODUCT"},{"name":"size","value":40},
            {"name":"price","value":131.27},{"name":"value","value":5250.8},{"name":"breakEvenPrice","value":100.0}]},
        {"id":"15694498","name":"positionrow","value":[{"name":"positionType","value":"CASH"},{"name":"size","value":0.2},
            {"name":"price","value":9951.3411},{"name":"value","value":1990.27}]},
        {"id":"FLATEX_EUR","name":"positionrow","value":[{"name":"positionType","value":"CASH"},{"name":"size","value":100.5},{"name":"value","value":100.5}]},
        {"id":"EUR","name":"positionrow","value":[{"name":"positionType","value":"CASH"},{"name":"value","value":0.25}]},
        {"id":"FLATEX_USD","name":"positionrow","value":[{"name":"positionType","value":"CASH"},{"name":"value","value":0.01}]},
        {"id":"777","name":"positionrow","value":[{"name":"positionType","value":"PRODUCT"},{"name":"size","value":1},{"name":"value","value":1}]},
        {"id":"1523337","name":"positionrow","value":[{"name":"positionType","value":"PRODUCT"}]}
    ]}}"#;
    let u = update(text);
    let instruments = instruments();
    let s = snapshot(&u, &ctx(&instruments), false, Utc::now());
    let ids: Vec<&str> = s
        .positions
        .iter()
        .map(|p| p.instrument.broker_id.as_str())
        .collect();
    assert_eq!(ids, vec!["331868", "4586985", "15694498"]);
    let aapl = &s.positions[0];
    // 2 x 335.95 = 671.90 USD; DEGIRO's 579.51 is the EUR value.
    assert_eq!(
        aapl.market_value,
        Some(Money::new(d("579.51"), Currency::EUR))
    );
    assert_eq!(aapl.price, Some(Money::new(d("335.95"), Currency::USD)));
    assert_eq!(aapl.cost_basis, Some(Money::new(d("500.0"), Currency::USD)));
    assert_eq!(
        aapl.unrealized_pnl, None,
        "value and cost in different currencies"
    );
    let vwce = &s.positions[1];
    assert_eq!(
        vwce.market_value,
        Some(Money::new(d("5250.8"), Currency::EUR))
    );
    assert_eq!(vwce.unrealized_pnl.unwrap().amount, d("1250.8"));
    assert_eq!(
        s.positions[2].instrument.asset_class,
        AssetClass::Fund,
        "a numeric cash row is a fund"
    );
    let cash: Vec<String> = s.cash.iter().map(|c| c.amount.to_string()).collect();
    assert_eq!(cash, vec!["100.75 EUR", "0.01 USD"]);
    assert_eq!(s.problems.len(), 1);
    assert!(
        s.problems[0].to_string().contains("item 777"),
        "{:?}",
        s.problems
    );
}

mod never_panics {
    use super::super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Portfolio rows with arbitrary values: a snapshot with problems,
        /// never a panic.
        #[test]
        fn portfolio_rows(id in "[A-Z0-9_]{0,12}", kind in prop_oneof![Just("CASH"), Just("PRODUCT")],
                          size in prop_oneof![Just("10".to_owned()), Just("1e400".to_owned()), Just("\"x\"".to_owned()), "-?[0-9]{1,40}(\\.[0-9]{1,40})?"],
                          price in prop_oneof![Just("null".to_owned()), Just("{}".to_owned()), "-?[0-9]{1,30}(\\.[0-9]{1,30})?"]) {
            let text = format!(
                r#"{{"portfolio": {{"value": [{{"id": "{id}", "value": [
                    {{"name": "positionType", "value": "{kind}"}}, {{"name": "size", "value": {size}}},
                    {{"name": "price", "value": {price}}}, {{"name": "value", "value": {price}}}]}}]}}}}"#
            );
            if let Ok(update) = serde_json::from_str::<wire::UpdateAnswer<'_>>(&text) {
                let instruments = HashMap::new();
                let ctx = Context { instruments: &instruments, base_currency: Currency::EUR, account: "1" };
                let _ = snapshot(&update, &ctx, true, Utc::now());
            }
        }

        #[test]
        fn trade_bodies(body in proptest::collection::vec(any::<u8>(), 0..300), text in any::<String>()) {
            let _ = parse_trades(&body, &HashMap::new(), Currency::EUR, "1");
            let _ = parse_trades(text.as_bytes(), &HashMap::new(), Currency::EUR, "1");
        }
    }
}

#[test]
fn a_product_carries_the_mic_of_its_exchange_when_known() {
    let read = |exchange: &str| {
        let p: wire::Product = serde_json::from_str(&format!(
            r#"{{"id":"331824","name":"Apple Inc","currency":"USD","productType":"STOCK","isin":"US0378331005","symbol":"AAPL","exchangeId":"{exchange}"}}"#
        ))
        .unwrap();
        instrument(&p)
    };
    let nasdaq = read("663");
    assert_eq!(
        nasdaq.exchange.as_deref(),
        Some("663"),
        "DEGIRO's id is kept"
    );
    assert_eq!(nasdaq.ids.mic.as_deref(), Some("XNAS"));
    assert_eq!(
        stonks_core::identity::listing_mic(&nasdaq),
        Some("XNAS"),
        "so a resolver can ask for its ticker on its exchange"
    );
    let unknown = read("4711");
    assert_eq!(unknown.exchange.as_deref(), Some("4711"));
    assert_eq!(unknown.ids.mic, None, "an unknown id is not guessed");
    assert_eq!(stonks_core::identity::listing_mic(&unknown), None);
    let p: wire::Product = serde_json::from_str(
        r#"{"id":"1","name":"No exchange","currency":"EUR","productType":"FUND"}"#,
    )
    .unwrap();
    assert_eq!(instrument(&p).ids.mic, None);
}
