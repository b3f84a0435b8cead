//! The converters on wire text shaped like Alpaca's answers (the docs'
//! examples, alpaca-py's recorded bodies, the activity shapes of the SSE
//! samples), including the awkward parts.

use super::*;
use stonks_core::Decimal;
use stonks_testkit::support::d;

const ACCOUNT: &str = "PA3MOCK7Q2XZ";

fn page(json: &str, page_size: usize) -> ActivityPage {
    page_after(json, page_size, &[])
}

/// A page read after earlier pages whose dividends and interest were
/// `earlier`.
fn page_after(json: &str, page_size: usize, earlier: &[Payment]) -> ActivityPage {
    let rows: wire::Activities<'_> =
        stonks_core::wire::from_json(ACTIVITIES, json.as_bytes()).unwrap();
    activity_page(&rows, page_size, ACCOUNT, &Redactor::new(), earlier).unwrap()
}

fn one(json: &str) -> LedgerEntry {
    let p = page(&format!("[{json}]"), 100);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    p.entries.into_iter().next().unwrap()
}

fn account() -> wire::Account<'static> {
    serde_json::from_str(
        r#"{"id":"904837e3-3b76-47ec-b432-046db621571b","account_number":"010203ABCD","status":"ACTIVE",
            "currency":"USD","cash":"-23140.2","equity":"103820.56","multiplier":"4","daytrade_count":0}"#,
    )
    .unwrap()
}

#[test]
fn account_and_positions_make_the_portfolio() {
    let positions: Vec<wire::Position<'_>> = serde_json::from_str(
        r#"[{"asset_id":"904837e3-3b76-47ec-b432-046db621571b","symbol":"AAPL","exchange":"NASDAQ","asset_class":"us_equity",
             "avg_entry_price":"100.0","qty":"5","side":"long","market_value":"600.0","cost_basis":"500.0",
             "unrealized_pl":"100.0","unrealized_plpc":"0.20","current_price":"120.0","lastday_price":"119.0","change_today":"0.0084"},
            {"asset_id":"64bbff51-59d6-4b3c-9351-13ad85e3c752","symbol":"BTCUSD","exchange":"CRYPTO","asset_class":"crypto",
             "avg_entry_price":"41000","qty":"0.0123456789","side":"long","market_value":"518.5185138","cost_basis":"506.1728349",
             "current_price":"42000","unrealized_pl":"12.3456789"},
            {"asset_id":"b0b6dd9d-8b9b-48a9-ba46-b9d54906e415","symbol":"AAPL250117C00150000","exchange":"","asset_class":"us_option",
             "avg_entry_price":"4.25","qty":"2","side":"long","market_value":"900","current_price":"4.5"},
            {"asset_id":"8ccae427-5dd0-45b3-b5fe-7ba5e422c766","symbol":"TSLA","exchange":"NASDAQ","asset_class":"us_equity",
             "avg_entry_price":"8.36","qty":"-2478","side":"short","market_value":"-22078.98","cost_basis":"-20716.08","current_price":"8.91"},
            {"asset_id":"a4778ba2-0a1e-4d1f-a5d8-a0b5f1e2c3d4","symbol":"VOO","exchange":"ARCA","asset_class":"us_equity",
             "avg_entry_price":"400","qty":"0","side":"long","cost_basis":"0"}]"#,
    )
    .unwrap();
    let s = snapshot(&account(), &positions, false, Utc::now());
    assert_eq!(s.cash.len(), 1);
    assert_eq!(
        s.cash[0].amount.amount,
        d("-23140.2"),
        "negative cash is kept"
    );
    assert_eq!(s.cash[0].account.as_deref(), Some("010203ABCD"));
    let rows: Vec<(&str, AssetClass, Decimal, Option<&str>)> = s
        .positions
        .iter()
        .map(|p| {
            let i = &p.instrument;
            (
                i.broker_id.as_str(),
                i.asset_class.clone(),
                p.quantity,
                i.exchange.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("AAPL", AssetClass::Stock, d("5"), Some("XNAS")),
            (
                "BTCUSD",
                AssetClass::Crypto,
                d("0.0123456789"),
                Some("CRYPTO")
            ),
            ("AAPL250117C00150000", AssetClass::Option, d("2"), None),
            ("TSLA", AssetClass::Stock, d("-2478"), Some("XNAS")),
        ],
        "the zero VOO position is closed"
    );
    let aapl = &s.positions[0];
    assert_eq!(aapl.account.as_deref(), Some("010203ABCD"));
    assert_eq!(aapl.price.as_ref().unwrap().amount, d("120.0"));
    assert_eq!(aapl.market_value.as_ref().unwrap().amount, d("600.0"));
    assert_eq!(aapl.cost_basis.as_ref().unwrap().amount, d("500.0"));
    assert_eq!(aapl.unrealized_pnl.as_ref().unwrap().amount, d("100.0"));
    assert_eq!(s.positions[1].instrument.currency, Some(Currency::USD));
    assert_eq!(
        s.positions[2].cost_basis.as_ref().unwrap().amount,
        d("8.50"),
        "no cost_basis: average entry price x quantity"
    );
    assert_eq!(
        s.positions[3].market_value.as_ref().unwrap().amount,
        d("-22078.98")
    );
    assert_eq!(
        snapshot(&account(), &positions, true, Utc::now())
            .positions
            .len(),
        5
    );
}

#[test]
fn a_listing_exchange_is_a_mic_only_when_it_is_one() {
    let read = |symbol: &str, exchange: &str, class: &str| {
        let json = format!(
            r#"{{"symbol":"{symbol}","asset_class":"{class}","exchange":"{exchange}","qty":"1","side":"long","avg_entry_price":"1"}}"#
        );
        let p: wire::Position<'_> = serde_json::from_str(&json).unwrap();
        position(&p, &account()).instrument
    };
    // (symbol, Alpaca's exchange, class, exchange kept, listing MIC)
    let cases = [
        ("VOO", "ARCA", "us_equity", Some("ARCX"), Some("ARCX")),
        ("SPY", "NYSEARCA", "us_equity", Some("ARCX"), Some("ARCX")),
        ("AAPL", "NASDAQ", "us_equity", Some("XNAS"), Some("XNAS")),
        ("KO", "NYSE", "us_equity", Some("XNYS"), Some("XNYS")),
        ("IMO", "AMEX", "us_equity", Some("XASE"), Some("XASE")),
        ("CBOE", "BATS", "us_equity", Some("BATS"), Some("BATS")),
        ("TCEHY", "OTC", "us_equity", Some("OTC"), None),
        ("BTCUSD", "CRYPTO", "crypto", Some("CRYPTO"), None),
        ("AAPL250117C00150000", "", "us_option", None, None),
    ];
    for (symbol, exchange, class, kept, mic) in cases {
        let i = read(symbol, exchange, class);
        assert_eq!(i.exchange.as_deref(), kept, "{symbol} on {exchange}");
        assert_eq!(i.ids.mic.as_deref(), mic, "{symbol} on {exchange}");
        assert_eq!(
            stonks_core::identity::listing_mic(&i),
            mic,
            "{symbol} on {exchange}"
        );
    }
}

#[test]
fn a_short_position_sent_with_a_positive_qty_is_negative() {
    let p: wire::Position<'_> = serde_json::from_str(
        r#"{"symbol":"GME","asset_class":"us_equity","exchange":"NYSE","qty":"3","side":"short","avg_entry_price":"20"}"#,
    )
    .unwrap();
    let p = position(&p, &account());
    assert_eq!(p.quantity, d("-3"));
    assert_eq!(p.cost_basis.unwrap().amount, d("-60"));
    assert_eq!(p.instrument.exchange.as_deref(), Some("XNYS"));
}

#[test]
fn fills_are_buys_and_sells_with_exact_cash_legs() {
    let buy = one(
        r#"{"id":"20220304095318500::092cd749-a3f5-4d1d-9a67-0b1a5b2d0a43","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4",
            "activity_type":"FILL","transaction_time":"2022-03-04T14:53:18.500245Z","type":"fill","price":"2630.95","qty":"9",
            "side":"buy","symbol":"GOOGL","leaves_qty":"0","order_id":"2e7e6c5a-2b1d-4c4e-8d7f-0b8d5c6f0e11","cum_qty":"9","order_status":"filled"}"#,
    );
    assert_eq!(
        buy.id,
        "20220304095318500::092cd749-a3f5-4d1d-9a67-0b1a5b2d0a43"
    );
    assert_eq!(buy.account.as_deref(), Some(ACCOUNT));
    assert_eq!(
        buy.timestamp.to_rfc3339(),
        "2022-03-04T14:53:18.500245+00:00"
    );
    assert_eq!(buy.kind, LedgerKind::Buy);
    assert_eq!(buy.quantity, Some(d("9")));
    assert_eq!(buy.price.as_ref().unwrap().amount, d("2630.95"));
    assert_eq!(buy.amount.amount, d("-23678.55"));
    assert_eq!(buy.amount.currency, Currency::USD);
    assert!(buy.fees.is_empty(), "Alpaca books fees apart");
    let i = buy.instrument.unwrap();
    assert_eq!(
        (i.broker_id.as_str(), i.asset_class),
        ("GOOGL", AssetClass::Stock)
    );
    assert_eq!(
        buy.description.as_deref(),
        Some("order 2e7e6c5a-2b1d-4c4e-8d7f-0b8d5c6f0e11")
    );

    let sell = one(
        r#"{"id":"20211105100000123::6f0a2f36-1b39-4b8d-a3e8-6c2b7a8e9d10","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4",
            "activity_type":"FILL","transaction_time":"2021-11-05T14:00:00.123Z","type":"fill","price":"0.5","qty":"1.792161878",
            "side":"sell","symbol":"BTC/USD","leaves_qty":"0","order_id":"5b4f7c1e-0d2a-4c8e-9f3b-1a2b3c4d5e6f","cum_qty":"1.792161878","order_status":"filled"}"#,
    );
    assert_eq!(sell.kind, LedgerKind::Sell);
    assert_eq!(sell.amount.amount, d("0.896080939"), "positive for a sell");
    let i = sell.instrument.unwrap();
    assert_eq!(
        (i.broker_id.as_str(), i.asset_class, i.currency),
        ("BTCUSD", AssetClass::Crypto, Some(Currency::USD)),
        "named as the position names it"
    );
}

#[test]
fn partial_fills_stay_one_entry_each() {
    let p = page(
        r#"[{"id":"20210315101500000::a1","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"FILL",
             "transaction_time":"2021-03-15T14:15:00Z","type":"partial_fill","price":"350.10","qty":"4","side":"buy","symbol":"VOO",
             "leaves_qty":"6","cum_qty":"4","order_id":"7d1c2b3a-0000-4000-8000-000000000001","order_status":"partially_filled"},
            {"id":"20210315101502000::a2","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"FILL",
             "transaction_time":"2021-03-15T14:15:02Z","type":"fill","price":"350.20","qty":"6","side":"buy","symbol":"VOO",
             "leaves_qty":"0","cum_qty":"10","order_id":"7d1c2b3a-0000-4000-8000-000000000001","order_status":"filled"}]"#,
        100,
    );
    let legs: Vec<(Decimal, Decimal, Decimal)> = p
        .entries
        .iter()
        .map(|e| {
            (
                e.quantity.unwrap(),
                e.price.as_ref().unwrap().amount,
                e.amount.amount,
            )
        })
        .collect();
    assert_eq!(
        legs,
        vec![
            (d("4"), d("350.10"), d("-1400.40")),
            (d("6"), d("350.20"), d("-2101.20"))
        ]
    );
    assert_eq!(
        p.entries[0].description.as_deref(),
        Some("order 7d1c2b3a-0000-4000-8000-000000000001: partial fill, 4 done, 6 left")
    );
    assert_eq!(p.next, None, "a short page is the last");
}

#[test]
fn cash_activities_keep_their_sign_and_code() {
    let nta = |t: &str, amount: &str, extra: &str| {
        one(&format!(
            r#"{{"id":"20220419000000000::fd84741b-{t}","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"{t}",
                "date":"2022-04-19","net_amount":"{amount}","status":"executed"{extra}}}"#
        ))
    };
    let cases = [
        ("CSD", "33324.35", LedgerKind::Deposit),
        ("CSW", "-1500", LedgerKind::Withdrawal),
        ("INT", "0.42", LedgerKind::Interest),
        ("FEE", "-0.02", LedgerKind::Fee),
        ("PTC", "-1.25", LedgerKind::Fee),
        ("JNLC", "1000", LedgerKind::Transfer),
        ("ACATC", "-250", LedgerKind::Transfer),
        ("NC", "0", LedgerKind::Other("NC".into())),
        ("OPEXP", "0", LedgerKind::Other("OPEXP".into())),
    ];
    for (t, amount, kind) in cases {
        let e = nta(t, amount, r#","description":"""#);
        assert_eq!((e.kind, e.amount.amount), (kind, d(amount)), "{t}");
        assert_eq!(e.timestamp.to_rfc3339(), "2022-04-19T00:00:00+00:00");
        assert_eq!(
            e.description.as_deref(),
            Some(t),
            "the code, for an empty description"
        );
        assert_eq!(e.instrument, None);
    }
    let other = nta(
        "VOF",
        "-5",
        r#","description":"Voluntary offer VTND","symbol":"XYZ","qty":"-10""#,
    );
    assert_eq!(other.kind, LedgerKind::Other("VOF".into()));
    assert_eq!(
        other.description.as_deref(),
        Some("VOF: Voluntary offer VTND")
    );
    assert_eq!(other.quantity, Some(d("-10")));
}

#[test]
fn dividends_and_withholding_on_one_page_are_linked() {
    let p = page(
        r#"[{"id":"20210812000000000::c9","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"DIVNRA",
             "date":"2021-08-12","net_amount":"-0.66","symbol":"AAPL","qty":"20","per_share_amount":"0.22","description":"NRA Withheld"},
            {"id":"20210812000000000::a4","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"DIV",
             "date":"2021-08-12","net_amount":"4.40","symbol":"AAPL","qty":"20","per_share_amount":"0.22","description":"Cash DIV @ 0.22"},
            {"id":"20210812000000000::f0","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"DIVROC",
             "date":"2021-08-12","net_amount":"1.10","symbol":"VOO","qty":"2","per_share_amount":"0.55","description":""},
            {"id":"20210813000000000::b1","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"DIVNRA",
             "date":"2021-08-13","net_amount":"-0.17","symbol":"VOO","qty":"2","description":"NRA Withheld"}]"#,
        100,
    );
    let got: Vec<(&str, &str, Decimal, Option<&str>)> = p
        .entries
        .iter()
        .map(|e| {
            (
                e.id.as_str(),
                e.kind.as_str(),
                e.amount.amount,
                e.belongs_to.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("20210812000000000::a4", "dividend", d("4.40"), None),
            (
                "20210812000000000::c9",
                "tax",
                d("-0.66"),
                Some("20210812000000000::a4")
            ),
            ("20210812000000000::f0", "dividend", d("1.10"), None),
            ("20210813000000000::b1", "tax", d("-0.17"), None),
        ],
        "time order, then id; a withholding of another day is not linked"
    );
    let div = &p.entries[0];
    assert_eq!(div.quantity, Some(d("20")));
    assert_eq!(div.price.as_ref().unwrap().amount, d("0.22"));
    assert_eq!(div.description.as_deref(), Some("DIV: Cash DIV @ 0.22"));
    assert_eq!(p.entries[2].description.as_deref(), Some("DIVROC"));
}

#[test]
fn capital_gain_and_tax_exempt_distributions_are_dividends() {
    let p = page(
        r#"[{"id":"20211220000000000::e1","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"DIVCGL",
             "date":"2021-12-20","net_amount":"12.34","symbol":"VOO","qty":"10","per_share_amount":"1.234","description":"LT Cap Gain Distribution"},
            {"id":"20211220000000000::e2","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"DIVCGS",
             "date":"2021-12-20","net_amount":"0.56","symbol":"SCHD","qty":"8","per_share_amount":"0.07","description":"ST Cap Gain Distribution"},
            {"id":"20211220000000000::e4","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"DIVNRA",
             "date":"2021-12-20","net_amount":"-0.17","symbol":"SCHD","qty":"8","description":"NRA Withheld"},
            {"id":"20211221000000000::e3","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"DIVTXEX",
             "date":"2021-12-21","net_amount":"3.10","symbol":"MUB","qty":"20","per_share_amount":"0.155","description":""}]"#,
        100,
    );
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    let got: Vec<(&str, &str, Decimal, &str, Option<&str>)> = p
        .entries
        .iter()
        .map(|e| {
            (
                e.id.as_str(),
                e.kind.as_str(),
                e.amount.amount,
                e.amount.currency.as_str(),
                e.instrument.as_ref().map(|i| i.broker_id.as_str()),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "20211220000000000::e1",
                "dividend",
                d("12.34"),
                "USD",
                Some("VOO")
            ),
            (
                "20211220000000000::e2",
                "dividend",
                d("0.56"),
                "USD",
                Some("SCHD")
            ),
            (
                "20211220000000000::e4",
                "tax",
                d("-0.17"),
                "USD",
                Some("SCHD")
            ),
            (
                "20211221000000000::e3",
                "dividend",
                d("3.10"),
                "USD",
                Some("MUB")
            ),
        ]
    );
    // Dividends like any other: shares and rate, and the withholding of
    // the short-term gain is linked to it.
    let units: Vec<(Option<Decimal>, Option<Decimal>)> = p
        .entries
        .iter()
        .map(|e| (e.quantity, e.price.as_ref().map(|m| m.amount)))
        .collect();
    assert_eq!(
        units,
        vec![
            (Some(d("10")), Some(d("1.234"))),
            (Some(d("8")), Some(d("0.07"))),
            (Some(d("8")), None),
            (Some(d("20")), Some(d("0.155"))),
        ]
    );
    assert_eq!(
        p.entries[2].belongs_to.as_deref(),
        Some("20211220000000000::e2")
    );
    assert_eq!(
        p.entries[0].description.as_deref(),
        Some("DIVCGL: LT Cap Gain Distribution")
    );
    assert_eq!(p.entries[3].description.as_deref(), Some("DIVTXEX"));
}

#[test]
fn every_withholding_code_is_a_tax_and_a_dividend_fee_a_fee() {
    let kinds: Vec<(&str, String)> = [
        "DIVNRA", "DIVFT", "DIVTW", "DIVWH", "INTNRA", "INTTW", "WH", "DIVFEE", "CGD",
    ]
    .into_iter()
    .map(|code| (code, ledger_kind(code).as_str().to_owned()))
    .collect();
    let want = [
        "tax", "tax", "tax", "tax", "tax", "tax", "tax", "fee", "CGD",
    ];
    let want: Vec<(&str, String)> = kinds
        .iter()
        .zip(want)
        .map(|((code, _), k)| (*code, k.to_owned()))
        .collect();
    assert_eq!(kinds, want);
    let foreign = page(
        r#"[{"id":"20240510000000000::d1","activity_type":"DIV","date":"2024-05-10","net_amount":"12.00","symbol":"ASML","qty":"10","per_share_amount":"1.20"},
            {"id":"20240510000000000::d2","activity_type":"DIVFT","date":"2024-05-10","net_amount":"-1.80","symbol":"ASML","qty":"10","description":"Foreign Tax Withheld"}]"#,
        100,
    );
    let tax = &foreign.entries[1];
    assert_eq!(tax.kind.as_str(), "tax");
    assert_eq!(tax.amount.amount, d("-1.80"));
    assert_eq!(tax.belongs_to.as_deref(), Some("20240510000000000::d1"));
}

#[test]
fn split_legs_join_into_one_split_with_its_ratio() {
    let leg = |id: &str, qty: &str, price: &str| {
        format!(
            r#"{{"id":"20210720000000000::{id}","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"SPLIT",
                "date":"2021-07-20","net_amount":"0","symbol":"NVDA","qty":"{qty}","price":"{price}","description":"FSPLIT"}}"#
        )
    };
    let p = page(
        &format!("[{},{}]", leg("add", "20", "187.5"), leg("rm", "-5", "750")),
        100,
    );
    assert_eq!(p.entries.len(), 1);
    let s = &p.entries[0];
    assert_eq!(
        (s.id.as_str(), s.kind.clone()),
        ("20210720000000000::add", LedgerKind::Split)
    );
    assert_eq!(s.quantity, Some(d("15")), "new minus old");
    assert_eq!(s.amount.amount, Decimal::ZERO);
    assert_eq!(
        s.action.as_ref().unwrap().ratio,
        Some(Ratio::new(d("20"), d("5")))
    );
    assert_eq!(
        s.action.as_ref().unwrap().ratio.unwrap().apply(d("5")),
        Some(d("20"))
    );

    let reverse = page(
        &format!("[{},{}]", leg("rm", "-30", "1"), leg("add", "3", "10")),
        100,
    );
    let r = &reverse.entries[0];
    assert_eq!(
        (r.kind.clone(), r.quantity),
        (LedgerKind::ReverseSplit, Some(d("-27")))
    );
    assert_eq!(
        r.action.as_ref().unwrap().ratio,
        Some(Ratio::new(d("3"), d("30")))
    );

    let lone = page(&format!("[{}]", leg("rm", "-5", "750")), 100);
    let l = &lone.entries[0];
    assert_eq!(
        (l.kind.clone(), l.quantity),
        (LedgerKind::Split, Some(d("-5")))
    );
    assert_eq!(l.action, None);
}

#[test]
fn journals_transfers_and_corporate_actions_carry_signed_units() {
    let nta = |t: &str, symbol: &str, qty: &str| {
        one(&format!(
            r#"{{"id":"20210601000000000::{t}","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"{t}",
                "date":"2021-06-01","net_amount":"0","symbol":"{symbol}","qty":"{qty}","price":"0","description":"{t} test"}}"#
        ))
    };
    for (t, qty, kind) in [
        ("JNLS", "3", LedgerKind::Transfer),
        ("ACATS", "-12.5", LedgerKind::Transfer),
        ("MA", "-10", LedgerKind::Merger),
        ("REORG", "-4", LedgerKind::Merger),
    ] {
        let e = nta(t, "MSFT", qty);
        assert_eq!((e.kind, e.quantity), (kind, Some(d(qty))), "{t}");
        assert_eq!(e.instrument.unwrap().broker_id, "MSFT");
    }
    let spin = nta("SPIN", "KD", "0.2");
    assert_eq!(spin.kind, LedgerKind::SpinOff);
    let action = spin.action.unwrap();
    assert_eq!(action.new_instrument.unwrap().broker_id, "KD");
    assert_eq!(action.new_quantity, Some(d("0.2")));
}

#[test]
fn a_crypto_fee_is_an_amount_of_the_coin() {
    let cfee = one(
        r#"{"id":"20220812000000000::53be51ba-2c3d-4e5f-8a9b-0c1d2e3f4a5b","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4",
            "activity_type":"CFEE","date":"2022-08-12","net_amount":"0","description":"Coin Pair Transaction Fee (Non USD)",
            "symbol":"ETHUSD","qty":"-0.000195","price":"1884.5","status":"executed"}"#,
    );
    assert_eq!(cfee.kind, LedgerKind::Fee);
    assert_eq!(
        (cfee.amount.amount, cfee.amount.currency.as_str()),
        (d("-0.000195"), "ETH")
    );
    assert_eq!(cfee.quantity, Some(d("0.000195")));
    assert_eq!(cfee.price.unwrap().amount, d("1884.5"));
    assert_eq!(cfee.instrument.unwrap().asset_class, AssetClass::Crypto);
    let usd = one(
        r#"{"id":"20220812000000000::x","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"CFEE",
            "date":"2022-08-12","net_amount":"-0.31","description":"","symbol":"BTC/USD","qty":"-0.00001"}"#,
    );
    assert_eq!(
        (usd.amount.amount, usd.amount.currency),
        (d("-0.31"), Currency::USD)
    );
}

#[test]
fn unreadable_activities_are_problems_and_the_rest_is_kept() {
    let p = page(
        r#"[{"id":"20210104000000000::ok","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"CSD","date":"2021-01-04","net_amount":"10000","description":""},
            {"id":"20210105000000000::bad-amount","activity_type":"CSD","date":"2021-01-05","net_amount":"lots","description":""},
            {"id":"20210106000000000::no-date","activity_type":"INT","net_amount":"1","description":""},
            {"id":"20210107101500000::short","activity_type":"FILL","transaction_time":"2021-01-07T15:15:00Z","type":"fill","price":"1","qty":"1","side":"sell_short_exempt","symbol":"X"},
            {"id":"20210108101500000::huge","activity_type":"FILL","transaction_time":"2021-01-08T15:15:00Z","type":"fill","price":"79228162514264337593543950335","qty":"2","side":"buy","symbol":"X"}]"#,
        100,
    );
    let ids: Vec<&str> = p.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, vec!["20210104000000000::ok"]);
    let problems: Vec<(Option<&str>, Option<&str>)> = p
        .problems
        .iter()
        .map(|x| (x.item.as_deref(), x.field.as_deref()))
        .collect();
    assert_eq!(
        problems,
        vec![
            (Some("20210105000000000::bad-amount"), Some("[1]")),
            (Some("20210106000000000::no-date"), Some("date")),
            (Some("20210107101500000::short"), Some("side")),
            (Some("20210108101500000::huge"), Some("qty")),
        ]
    );
    assert!(p.problems[0].excerpt.as_deref().unwrap().contains("lots"));
    assert!(
        p.problems[3].message.contains("out of range"),
        "overflow is a problem, not a panic"
    );
}

fn csd(day: u32) -> String {
    format!(
        r#"{{"id":"202102{day:02}000000000::c{day}","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"CSD","date":"2021-02-{day:02}","net_amount":"{day}","description":""}}"#
    )
}

#[test]
fn a_full_page_continues_after_its_last_activity() {
    let rows: Vec<String> = (1..=3).map(csd).collect();
    let p = page(&format!("[{}]", rows.join(",")), 3);
    assert_eq!(p.entries.len(), 3);
    assert_eq!(p.next.as_deref(), Some("20210203000000000::c3"));
    // The last row unreadable: the next page still starts after it, and it
    // is reported here.
    let broken = format!(
        "[{},{},{}]",
        csd(1),
        csd(2),
        r#"{"id":"20210203000000000::c3","activity_type":"CSD","date":"2021-02-03","net_amount":"x","description":""}"#
    );
    let p = page(&broken, 3);
    assert_eq!((p.entries.len(), p.problems.len()), (2, 1));
    assert_eq!(p.next.as_deref(), Some("20210203000000000::c3"));
    assert_eq!(page("[]", 3).next, None);
}

/// An AAPL activity of type `t` on 10 February 2021.
fn apple_on_10_february(t: &str, id: &str, amount: &str) -> String {
    format!(
        r#"{{"id":"20210210000000000::{id}","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"{t}","date":"2021-02-10","net_amount":"{amount}","symbol":"AAPL","qty":"10","description":""}}"#
    )
}

#[test]
fn a_page_never_ends_between_a_dividend_and_its_withholding() {
    let div = apple_on_10_february;
    // Full page ending on a dividend (and a deposit of the same day): both
    // are left for the next page, which starts after the last activity kept.
    let p = page(
        &format!(
            "[{},{},{},{}]",
            csd(1),
            csd(2),
            div("DIV", "d", "2.05"),
            csd(10)
        ),
        4,
    );
    let ids: Vec<&str> = p.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, vec!["20210201000000000::c1", "20210202000000000::c2"]);
    assert_eq!(p.next.as_deref(), Some("20210202000000000::c2"));
    let next = page(
        &format!(
            "[{},{},{}]",
            div("DIV", "d", "2.05"),
            csd(10),
            div("DIVNRA", "w", "-0.31")
        ),
        4,
    );
    assert_eq!(
        next.entries[2].belongs_to.as_deref(),
        Some("20210210000000000::d")
    );
    // A page that is all one day is not held back (it could never move on).
    let whole = page(&format!("[{},{}]", div("DIV", "d", "2.05"), csd(10)), 2);
    assert_eq!(whole.next.as_deref(), Some("20210210000000000::c10"));
    assert_eq!(whole.entries.len(), 2);
}

#[test]
fn a_bars_close_is_the_numbers_text_on_its_new_york_day() {
    let body = br#"{"bars":[
        {"t":"2024-03-08T05:00:00Z","o":170.1,"h":173.7,"l":168.49,"c":170.73,"v":76114634,"n":1,"vw":171.1},
        {"t":"2024-03-11T04:00:00Z","o":172.94,"h":174.38,"l":172.05,"c":172.750,"v":60139473,"n":2,"vw":173.2},
        {"t":"2024-11-04T05:00:00Z","o":220,"h":222,"l":219,"c":222.01,"v":1,"n":3,"vw":221},
        {"t":"2024-11-05T05:00:00Z","c":"oops"}
    ],"symbol":"AAPL","next_page_token":null}"#;
    let page: crate::wire::StockBars<'_> = stonks_core::wire::from_json("bars", body).unwrap();
    let rows = page.bars.unwrap();
    let range = ("2024-01-01".parse().unwrap(), "2024-12-31".parse().unwrap());
    let (closes, problems) = bar_closes(&rows, "AAPL", false, range, &Default::default());
    let shown: Vec<(String, String)> = closes
        .iter()
        .map(|c| (c.date.to_string(), c.close.to_string()))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("2024-03-08".to_owned(), "170.73".to_owned()),
            ("2024-03-11".to_owned(), "172.750".to_owned()),
            ("2024-11-04".to_owned(), "222.01".to_owned()),
        ],
        "midnight EST and EDT are both that New York day; digits as sent"
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].item.as_deref(), Some("AAPL"));
    // A crypto bar's day is its UTC date.
    let t = chrono::DateTime::parse_from_rfc3339("2024-03-10T00:00:00Z")
        .unwrap()
        .to_utc();
    assert_eq!(t.date_naive().to_string(), "2024-03-10");
    assert_eq!(new_york_date(t).to_string(), "2024-03-09");
}

/// Alpaca's interest withholding (`INTNRA`, `INTTW`) has no symbol: it
/// belongs to the interest of its day, not to a dividend.
#[test]
fn interest_withholding_belongs_to_the_days_interest() {
    let p = page(
        r#"[{"id":"20240131000000000::i1","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"INT",
             "date":"2024-01-31","net_amount":"12.40","description":"Interest"},
            {"id":"20240131000000000::i2","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"INTNRA",
             "date":"2024-01-31","net_amount":"-3.72","description":"NRA Withheld on interest"},
            {"id":"20240131000000000::d1","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"DIV",
             "date":"2024-01-31","net_amount":"4.40","symbol":"AAPL","qty":"20","per_share_amount":"0.22","description":"Cash DIV"},
            {"id":"20240131000000000::d2","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"DIVNRA",
             "date":"2024-01-31","net_amount":"-1.32","symbol":"AAPL","qty":"20","description":"NRA Withheld"},
            {"id":"20240229000000000::i3","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"INTTW",
             "date":"2024-02-29","net_amount":"-0.50","description":"Tax withheld, no interest that day"}]"#,
        100,
    );
    let link = |id: &str| {
        let e = p.entries.iter().find(|e| e.id.ends_with(id)).unwrap();
        (e.kind.as_str().to_owned(), e.belongs_to.clone())
    };
    assert_eq!(
        link("i2"),
        ("tax".into(), Some("20240131000000000::i1".into()))
    );
    assert_eq!(
        link("d2"),
        ("tax".into(), Some("20240131000000000::d1".into()))
    );
    assert_eq!(
        link("i3"),
        ("tax".into(), None),
        "no interest that day: no link"
    );
}

/// A full page of one day's activities cannot be held back, so a dividend
/// and its withholding can land on two pages: the next page's withholding
/// still names the dividend read before.
#[test]
fn a_withholding_on_the_next_page_names_the_dividend_before() {
    let row = apple_on_10_february;
    let first = page(
        &format!("[{},{}]", row("CSD", "c1", "100"), row("DIV", "d", "2.05")),
        2,
    );
    assert_eq!(
        first.next.as_deref(),
        Some("20210210000000000::d"),
        "all one day: not held back"
    );
    let second = page_after(
        &format!("[{}]", row("DIVNRA", "w", "-0.31")),
        2,
        &first.payments,
    );
    assert_eq!(
        second.entries[0].belongs_to.as_deref(),
        Some("20210210000000000::d")
    );
    // Read afresh (no earlier pages), it names nothing.
    let alone = page(&format!("[{}]", row("DIVNRA", "w", "-0.31")), 2);
    assert_eq!(alone.entries[0].belongs_to, None);
}

#[test]
fn a_page_never_ends_between_interest_and_its_withholding() {
    let int = |t: &str, id: &str, amount: &str| {
        format!(
            r#"{{"id":"20240131000000000::{id}","account_id":"c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4","activity_type":"{t}","date":"2024-01-31","net_amount":"{amount}","description":""}}"#
        )
    };
    let p = page(
        &format!("[{},{},{}]", csd(1), csd(2), int("INT", "i", "12.40")),
        3,
    );
    let ids: Vec<&str> = p.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["20210201000000000::c1", "20210202000000000::c2"],
        "the interest waits for the next page"
    );
}
