//! Flex queries with few fields: users choose the attributes of their
//! query, so a full row with each attribute removed in turn must still be
//! read (or give a problem naming the attribute when it is essential), and a
//! statement with the fewest fields seen in real ones must still give its
//! trades.

use stonks_core::ReadProblem;
use stonks_core::http::Redactor;

use super::*;
use crate::flex::statements::Collected;
use crate::flex::{self, Wanted};
use stonks_testkit::support::d;

/// `row` in a statement of account U0000001, in `section`.
fn statement(section: &str, row: &str) -> String {
    format!(
        r#"<FlexQueryResponse queryName="few" type="AF"><FlexStatements count="1">
<FlexStatement accountId="U0000001" fromDate="20210201" toDate="20210226" period="LastMonth">
<{section}>{row}</{section}>
</FlexStatement></FlexStatements></FlexQueryResponse>"#
    )
}

fn read(xml: &str) -> Collected {
    let mut c = Collected::new(Wanted::ALL);
    flex::read(xml.as_bytes(), "file few.xml", &Redactor::new(), &mut c).unwrap();
    c
}

fn entries(xml: &str) -> (Vec<LedgerEntry>, Vec<ReadProblem>) {
    read(xml).into_ledger()
}

/// The attribute names of `row`, in order.
fn attributes(row: &str) -> Vec<&str> {
    row.split('"')
        .step_by(2)
        .filter_map(|part| part.trim_end().strip_suffix('='))
        .map(|part| part.rsplit([' ', '\n']).next().unwrap_or(part))
        .filter(|name| !name.is_empty())
        .collect()
}

/// `row` without its attribute `name`.
fn without(row: &str, name: &str) -> String {
    let at = row
        .find(&format!(" {name}=\""))
        .unwrap_or_else(|| panic!("{name} not in the row"));
    let value = at + name.len() + 3;
    let end = value + row[value..].find('"').unwrap() + 1;
    format!("{}{}", &row[..at], &row[end..])
}

/// The problem of a row missing an essential attribute names it.
fn assert_names(problems: &[ReadProblem], field: &str, removed: &str) {
    assert_eq!(problems.len(), 1, "without {removed}: {problems:?}");
    let p = problems[0].to_string();
    assert!(
        p.contains(&format!("field {field}:")),
        "without {removed}: {p}"
    );
}

/// A full real-shaped execution (a buy of 10 at 89.50 EUR, commission 4).
const FULL_TRADE: &str = r#"<Trade accountId="U0000001" currency="EUR" fxRateToBase="1" assetCategory="STK" subCategory="ETF" symbol="IWDA" description="ISHARES CORE MSCI WORLD" conid="100" isin="IE00B4L5Y983" cusip="G4953Y100" figi="BBG005MH1M52" listingExchange="AEB" multiplier="1" tradeID="29464420" dateTime="20210226;100135" tradeDate="20210226" tradeTime="100135" transactionType="ExchTrade" quantity="10" tradePrice="89.5" tradeMoney="895" proceeds="-895" taxes="0" ibCommission="-4" ibCommissionCurrency="EUR" netCash="-899" openCloseIndicator="O" notes="" cost="899" buySell="BUY" transactionID="85594826" levelOfDetail="EXECUTION"/>"#;

#[test]
fn a_full_trade_with_any_one_attribute_removed() {
    let names = attributes(FULL_TRADE);
    assert!(names.len() > 25, "{names:?}");
    for name in names {
        let (read, problems) = entries(&statement("Trades", &without(FULL_TRADE, name)));
        match name {
            // No amount can be right without them.
            "quantity" | "currency" => {
                assert!(read.is_empty(), "without {name}");
                assert_names(&problems, name, name);
                continue;
            }
            _ => assert!(problems.is_empty(), "without {name}: {problems:?}"),
        }
        assert_eq!(read.len(), 1, "without {name}");
        let e = &read[0];
        assert_eq!(e.kind, LedgerKind::Buy, "without {name}");
        assert_eq!(e.quantity, Some(d("10")), "without {name}");
        // proceeds, else -tradeMoney, else price x quantity: all -895.
        assert_eq!(
            e.amount,
            Money::new(d("-895"), Currency::EUR),
            "without {name}"
        );
        let fees = if name == "ibCommission" {
            vec![]
        } else {
            vec![Money::new(d("4"), Currency::EUR)]
        };
        assert_eq!(e.fees, fees, "without {name}");
        let price = (name != "tradePrice").then(|| Money::new(d("89.5"), Currency::EUR));
        assert_eq!(
            e.price, price,
            "without {name}: a missing price stays unknown"
        );
        assert!(e.instrument.is_some(), "without {name}");
        if name == "transactionID" {
            assert!(
                e.id.starts_with('h'),
                "an id from the row's content: {}",
                e.id
            );
        } else {
            assert_eq!(e.id, "85594826");
        }
    }
}

/// The attributes of a real Activity Flex query configured with few
/// fields (issue 24): no `tradeID`, `transactionID`, `tradePrice`,
/// `proceeds`, `netCash`, `ibOrderID` or `levelOfDetail`.
const FEW_BUY: &str = r#"<Trade assetCategory="STK" buySell="BUY" dateTime="20210226;100135" tradeDate="20210226" currency="EUR" cost="899" quantity="10" multiplier="1" ibCommission="-4" ibCommissionCurrency="EUR" taxes="0" description="ISHARES CORE MSCI WORLD" fxRateToBase="1" exchange="AEB" symbol="IWDA" isin="IE00B4L5Y983" cusip="G4953Y100" conid="100"/>"#;
const FEW_SELL: &str = r#"<Trade assetCategory="STK" buySell="SELL" dateTime="20210301;153000" tradeDate="20210301" currency="EUR" cost="-447.5" quantity="-5" multiplier="1" ibCommission="-4" ibCommissionCurrency="EUR" taxes="0" description="ISHARES CORE MSCI WORLD" fxRateToBase="1" exchange="AEB" symbol="IWDA" isin="IE00B4L5Y983" cusip="G4953Y100" conid="100"/>"#;
/// One option contract (x100) bought at 1.50 with a 0.65 commission and a
/// 0.02 transaction tax: `cost` 150.67.
const FEW_OPTION: &str = r#"<Trade assetCategory="OPT" buySell="BUY" dateTime="20210301;160000" tradeDate="20210301" currency="USD" cost="150.67" quantity="1" multiplier="100" ibCommission="-0.65" ibCommissionCurrency="USD" taxes="-0.02" description="AAPL 19MAR21 120 C" fxRateToBase="0.83" exchange="CBOE" symbol="AAPL  210319C00120000" conid="4711"/>"#;

#[test]
fn a_query_with_few_fields_still_gives_its_buys() {
    let xml = statement("Trades", &format!("{FEW_BUY}\n{FEW_SELL}\n{FEW_OPTION}"));
    let (read, problems) = entries(&xml);
    // The buy: proceeds = -(cost + ibCommission + taxes) = -(899 - 4 + 0) = -895.
    let buy = read
        .iter()
        .find(|e| e.instrument.as_ref().unwrap().broker_id == "100")
        .unwrap();
    assert_eq!(buy.kind, LedgerKind::Buy);
    assert_eq!(buy.amount, Money::new(d("-895"), Currency::EUR));
    assert_eq!(buy.fees, vec![Money::new(d("4"), Currency::EUR)]);
    assert_eq!(buy.quantity, Some(d("10")));
    assert_eq!(buy.price, None, "a missing price stays unknown");
    assert_eq!(buy.account.as_deref(), Some("U0000001"), "the statement's");
    assert_eq!(buy.timestamp.to_rfc3339(), "2021-02-26T15:01:35+00:00");
    // The option: -(150.67 - 0.65 - 0.02) = -150; fees 0.65 and 0.02.
    let option = read
        .iter()
        .find(|e| e.instrument.as_ref().unwrap().broker_id == "4711")
        .unwrap();
    assert_eq!(option.amount, Money::new(d("-150.00"), Currency::USD));
    assert_eq!(
        option.fees,
        vec![
            Money::new(d("0.65"), Currency::USD),
            Money::new(d("0.02"), Currency::USD)
        ]
    );
    assert_eq!(
        option.instrument.as_ref().unwrap().multiplier,
        Some(d("100"))
    );
    // The sell: `cost` is the basis of the lots it closes, not its proceeds.
    assert_eq!(read.len(), 2, "{read:?}");
    assert_eq!(problems.len(), 1);
    let p = problems[0].to_string();
    assert!(p.contains("item 100, field proceeds: missing, and so are tradeMoney and tradePrice; cost is the basis of the lots this trade closes"), "{p}");
    assert!(
        p.contains("add Proceeds or TradePrice to the Flex query"),
        "{p}"
    );

    // Ids come from the row's content: the same in a second read, and
    // different for every row.
    let (again, _) = entries(&xml);
    let ids = |v: &[LedgerEntry]| v.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&read), ids(&again));
    assert!(read.iter().all(|e| e.id.starts_with('h')));
    assert_ne!(read[0].id, read[1].id);
}

#[test]
fn a_buy_from_cost_with_any_one_attribute_removed() {
    for name in attributes(FEW_BUY) {
        let (read, problems) = entries(&statement("Trades", &without(FEW_BUY, name)));
        match name {
            "quantity" | "currency" => {
                assert_names(&problems, name, name);
                continue;
            }
            "cost" => {
                assert_names(&problems, "proceeds", name);
                let p = problems[0].to_string();
                assert!(
                    p.contains("tradeMoney, tradePrice and cost: add Proceeds"),
                    "{p}"
                );
                continue;
            }
            _ => assert!(problems.is_empty(), "without {name}: {problems:?}"),
        }
        let e = &read[0];
        assert_eq!(e.kind, LedgerKind::Buy, "without {name}");
        // Without the commission, what it cost is all amount: the cash
        // that left (amount plus fees) is 899 either way.
        let amount = if name == "ibCommission" {
            "-899"
        } else {
            "-895"
        };
        assert_eq!(
            e.amount,
            Money::new(d(amount), Currency::EUR),
            "without {name}"
        );
        let out: Decimal = e.amount.amount - e.fees.iter().map(|f| f.amount).sum::<Decimal>();
        assert_eq!(out, d("-899"), "without {name}");
    }
    // A buy that closes a short: `cost` is the short lots' basis.
    let cover = FEW_BUY.replace("<Trade ", r#"<Trade openCloseIndicator="C" "#);
    let (read, problems) = entries(&statement("Trades", &cover));
    assert!(read.is_empty());
    assert_names(&problems, "proceeds", "openCloseIndicator C");
    // A commission in another currency cannot be taken out of cost.
    let usd = FEW_BUY.replace(
        r#"ibCommissionCurrency="EUR""#,
        r#"ibCommissionCurrency="USD""#,
    );
    let (_, problems) = entries(&statement("Trades", &usd));
    assert!(
        problems[0]
            .to_string()
            .contains("a commission in another currency"),
        "{problems:?}"
    );
}

const FULL_CASH: &str = r#"<CashTransaction accountId="U0000001" currency="USD" fxRateToBase="0.92" assetCategory="STK" subCategory="COMMON" symbol="XYZ" description="XYZ(US0378331005) CASH DIVIDEND USD 0.24 PER SHARE (Ordinary Dividend)" conid="222" isin="US0378331005" cusip="037833100" figi="BBG000B9XRY4" listingExchange="NASDAQ" multiplier="1" dateTime="20210215;120000" reportDate="20210216" amount="2.4" type="Dividends" transactionID="7001" actionID="9001" levelOfDetail="DETAIL"/>"#;

#[test]
fn a_full_cash_transaction_with_any_one_attribute_removed() {
    for name in attributes(FULL_CASH) {
        let (read, problems) = entries(&statement("CashTransactions", &without(FULL_CASH, name)));
        if matches!(name, "amount" | "currency" | "type") {
            assert!(read.is_empty(), "without {name}");
            assert_names(&problems, name, name);
            continue;
        }
        assert!(problems.is_empty(), "without {name}: {problems:?}");
        let e = &read[0];
        assert_eq!(e.kind, LedgerKind::Dividend, "without {name}");
        assert_eq!(
            e.amount,
            Money::new(d("2.4"), Currency::USD),
            "without {name}"
        );
        let price = (name != "description").then(|| Money::new(d("0.24"), Currency::USD));
        assert_eq!(e.price, price, "without {name}");
        let day = if name == "dateTime" {
            "2021-02-16"
        } else {
            "2021-02-15"
        };
        assert_eq!(e.timestamp.date_naive().to_string(), day, "without {name}");
    }
}

const FULL_POSITION: &str = r#"<OpenPosition accountId="U0000001" currency="USD" fxRateToBase="0.92" assetCategory="OPT" subCategory="C" symbol="AAPL  240315C00190000" description="AAPL 15MAR24 190 C" conid="677201921" isin="" cusip="" figi="BBG01FT7PXG9" listingExchange="CBOE" multiplier="100" reportDate="20210226" position="2" side="Long" markPrice="5.2" positionValue="1040" costBasisMoney="900" fifoPnlUnrealized="140" levelOfDetail="SUMMARY"/>"#;

#[test]
fn a_full_open_position_with_any_one_attribute_removed() {
    for name in attributes(FULL_POSITION) {
        let c = read(&statement("OpenPositions", &without(FULL_POSITION, name)));
        let snap = c.snapshot(false);
        let (_, problems) = c.into_ledger();
        if matches!(name, "position" | "currency") {
            assert!(snap.positions.is_empty(), "without {name}");
            assert_names(&problems, name, name);
            continue;
        }
        assert!(problems.is_empty(), "without {name}: {problems:?}");
        let p = &snap.positions[0];
        assert_eq!(p.quantity, d("2"), "without {name}");
        // 5.2 a share, 100 shares a contract: 520 a contract held.
        let (price, multiplier) = match name {
            "markPrice" => (None, Some(d("100"))),
            "multiplier" => (Some(d("5.2")), None),
            _ => (Some(d("520")), Some(d("100"))),
        };
        assert_eq!(p.price.map(|m| m.amount), price, "without {name}");
        assert_eq!(p.instrument.multiplier, multiplier, "without {name}");
        let value = (name != "positionValue").then(|| d("1040"));
        assert_eq!(p.market_value.map(|m| m.amount), value, "without {name}");
    }
}

const FULL_ACTION: &str = r#"<CorporateAction accountId="U0000001" currency="USD" fxRateToBase="0.92" assetCategory="STK" subCategory="COMMON" symbol="XYZ" description="XYZ(US0378331005) SPLIT 4 FOR 1 (XYZ, XYZ CORP, US0378331005)" actionDescription="XYZ(US0378331005) SPLIT 4 FOR 1 (XYZ, XYZ CORP, US0378331005)" conid="222" isin="US0378331005" cusip="037833100" figi="BBG000B9XRY4" listingExchange="NASDAQ" multiplier="1" type="FS" dateTime="20210224;202500" reportDate="20210225" quantity="30" amount="0" proceeds="0" value="0" costBasis="0" code="" transactionID="8001" actionID="9101" levelOfDetail="DETAIL"/>"#;

#[test]
fn a_full_corporate_action_with_any_one_attribute_removed() {
    for name in attributes(FULL_ACTION) {
        let (read, problems) = entries(&statement("CorporateActions", &without(FULL_ACTION, name)));
        if matches!(name, "type" | "currency") {
            assert!(read.is_empty(), "without {name}");
            assert_names(&problems, name, name);
            continue;
        }
        assert!(problems.is_empty(), "without {name}: {problems:?}");
        let e = &read[0];
        assert_eq!(e.kind, LedgerKind::Split, "without {name}");
        let quantity = (name != "quantity").then(|| d("30"));
        assert_eq!(e.quantity, quantity, "without {name}");
        // The terms are in both descriptions: either one is enough.
        assert_eq!(
            e.action.as_ref().and_then(|a| a.ratio),
            Some(Ratio::new(d("4"), d("1"))),
            "without {name}"
        );
    }
}
