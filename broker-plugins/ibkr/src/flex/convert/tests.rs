//! The reader and converters on statements shaped like IBKR's (the
//! fixture has the awkward parts: see its header).

use std::collections::BTreeMap;

use stonks_core::http::Redactor;

use super::*;
use crate::flex::statements::Collected;
use crate::flex::{self, Wanted};
use stonks_testkit::support::d;

const FIXTURE: &str = include_str!("../../../tests/fixtures/statement.xml");

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn read(xml: &str) -> Collected {
    let mut c = Collected::new(Wanted::ALL);
    flex::read(xml.as_bytes(), "file fixture.xml", &Redactor::new(), &mut c).unwrap();
    c
}

fn ledger(xml: &str) -> BTreeMap<String, LedgerEntry> {
    let (entries, _) = read(xml).into_ledger();
    entries.into_iter().map(|e| (e.id.clone(), e)).collect()
}

fn money(e: &LedgerEntry) -> (Decimal, &str) {
    (e.amount.amount, e.amount.currency.as_str())
}

#[test]
fn trades_are_executions_only_with_their_cancellations() {
    let l = ledger(FIXTURE);
    let buy = &l["6001"];
    assert_eq!(buy.kind, LedgerKind::Buy);
    assert_eq!(
        (buy.quantity, money(buy)),
        (Some(d("10")), (d("-200"), "USD"))
    );
    assert_eq!(buy.fees, vec![Money::new(d("1"), Currency::USD)]);
    assert_eq!(
        buy.timestamp,
        utc("2024-01-10T15:15:00Z"),
        "New York winter time"
    );
    assert_eq!(buy.account.as_deref(), Some("U0000001"));
    let i = buy.instrument.as_ref().unwrap();
    assert_eq!(
        (
            i.broker_id.as_str(),
            i.symbol.as_deref(),
            i.name.as_str(),
            i.exchange.as_deref()
        ),
        ("222", Some("XYZ"), "XYZ CORP", Some("NASDAQ"))
    );
    assert_eq!(
        i.isin.map(|x| x.as_str().to_owned()).as_deref(),
        Some("US0378331005")
    );

    // The cancellation sells back what the buy bought, and names it.
    let cancel = &l["6002"];
    assert_eq!(cancel.kind, LedgerKind::Sell);
    assert_eq!(
        (cancel.quantity, money(cancel)),
        (Some(d("10")), (d("200"), "USD"))
    );
    assert_eq!(cancel.belongs_to.as_deref(), Some("6001"));
    assert!(cancel.fees.is_empty());
    assert_eq!(
        cancel.description.as_deref(),
        Some("TradeCancel BUY (Ca.): cancels trade 5001")
    );

    let sell = &l["6003"];
    assert_eq!(
        (sell.kind.clone(), money(sell)),
        (LedgerKind::Sell, (d("61.5"), "USD"))
    );
    assert_eq!(sell.timestamp, utc("2024-01-11T15:20:00Z"));

    // Options: per contract; bonds: in percent of the face value.
    let option = &l["6004"];
    assert_eq!(option.price, Some(Money::new(d("450"), Currency::USD)));
    assert_eq!(
        (option.quantity, money(option)),
        (Some(d("2")), (d("-900"), "USD"))
    );
    let oi = option.instrument.as_ref().unwrap();
    assert_eq!(
        (oi.asset_class.clone(), oi.name.as_str()),
        (AssetClass::Option, "AAPL 15MAR24 190 C (x100)")
    );
    assert_eq!(option.timestamp, utc("2024-01-15T14:35:00Z"));
    let bond = &l["6005"];
    assert_eq!(bond.price, Some(Money::new(d("99"), Currency::USD)));
    assert_eq!(
        money(bond),
        (d("-9900"), "USD"),
        "thousands separator dropped"
    );
    assert_eq!(
        bond.instrument.as_ref().unwrap().asset_class,
        AssetClass::Bond
    );

    // Orders, closed lots and CLOSED_LOT trades are not in the ledger.
    let trades = l.values().filter(|e| e.kind.is_trade()).count();
    assert_eq!(trades, 5);
    assert!(!l.contains_key("6007"), "the unreadable trade is left out");
}

#[test]
fn currency_trades_are_fx_conversions_in_two_legs() {
    let l = ledger(FIXTURE);
    let usd = &l["6006"];
    assert_eq!(usd.kind, LedgerKind::FxConversion);
    assert_eq!(money(usd), (d("10950"), "USD"));
    assert_eq!(usd.fees, vec![Money::new(d("2"), Currency::USD)]);
    assert_eq!(
        (usd.quantity, usd.price.map(|p| p.amount)),
        (Some(d("10000")), Some(d("1.0950")))
    );
    let eur = &l["6006-EUR"];
    assert_eq!(eur.kind, LedgerKind::FxConversion);
    assert_eq!(money(eur), (d("-10000"), "EUR"));
    assert_eq!(eur.belongs_to.as_deref(), Some("6006"));
    assert!(eur.fees.is_empty());
    assert_eq!(
        eur.instrument.as_ref().unwrap().asset_class,
        AssetClass::Cash
    );
}

#[test]
fn cash_transactions_keep_their_sign_and_taxes_find_their_dividend() {
    let l = ledger(FIXTURE);
    let kind = |id: &str| l[id].kind.clone();
    let owner = |id: &str| l[id].belongs_to.clone();
    let div = &l["9001"];
    assert_eq!(
        (kind("9001"), money(div)),
        (LedgerKind::Dividend, (d("50"), "USD"))
    );
    assert_eq!(
        div.price,
        Some(Money::new(d("0.50"), Currency::USD)),
        "per share, from the text"
    );
    assert_eq!(div.timestamp, utc("2024-01-16T01:20:00Z"));
    // The tax listed before its dividend, its reversal and the new tax.
    for (id, amount) in [("9002", "-15"), ("9010", "15"), ("9011", "-7.5")] {
        assert_eq!(
            (kind(id), l[id].amount.amount),
            (LedgerKind::Tax, d(amount)),
            "{id}"
        );
        assert_eq!(owner(id).as_deref(), Some("9001"), "{id}");
    }
    // The dividend's reversal belongs to it; the re-booking stands alone.
    assert_eq!(
        (kind("9012"), l["9012"].amount.amount),
        (LedgerKind::Dividend, d("-50"))
    );
    assert_eq!(owner("9012").as_deref(), Some("9001"));
    assert_eq!((l["9013"].amount.amount, owner("9013")), (d("50.01"), None));
    // A payment in lieu, from a masked account id, and its tax.
    assert_eq!(kind("9020"), LedgerKind::Dividend);
    assert_eq!(l["9020"].account.as_deref(), Some("U0000001"));
    assert_eq!(owner("9021").as_deref(), Some("9020"));
    // Cash rows.
    assert_eq!(
        (kind("9030"), money(&l["9030"])),
        (LedgerKind::Deposit, (d("1000"), "EUR"))
    );
    assert_eq!(
        l["9030"].timestamp,
        utc("2024-01-02T05:00:00Z"),
        "a bare date is midnight in New York"
    );
    assert_eq!(
        (kind("9031"), money(&l["9031"])),
        (LedgerKind::Withdrawal, (d("-200"), "EUR"))
    );
    assert_eq!(
        (kind("9032"), l["9032"].amount.amount),
        (LedgerKind::Interest, d("-0.75"))
    );
    assert_eq!(
        (kind("9033"), l["9033"].amount.amount),
        (LedgerKind::Interest, d("1.10"))
    );
    assert_eq!(
        (kind("9034"), l["9034"].amount.amount),
        (LedgerKind::Fee, d("-1.5"))
    );
    assert_eq!(
        (kind("9035"), l["9035"].amount.amount),
        (LedgerKind::Fee, d("0.25"))
    );
    assert_eq!(
        (kind("9036"), owner("9036")),
        (LedgerKind::Tax, None),
        "no security: nothing to link"
    );
    assert!(l["9036"].instrument.is_none());
    // A type this plugin does not know, without a transactionID.
    let new: Vec<&LedgerEntry> = l.values().filter(|e| e.id.starts_with('h')).collect();
    assert_eq!(new.len(), 1);
    assert_eq!(
        new[0].kind,
        LedgerKind::Other("Yield Enhancement Income".into())
    );
    assert_eq!(
        new[0].description.as_deref(),
        Some("Yield Enhancement Income: SOMETHING NEW")
    );
    // The SUMMARY rows (account "-") are not read.
    assert!(l.values().all(|e| e.account.as_deref() != Some("-")));
}

#[test]
fn corporate_actions_carry_their_terms() {
    let l = ledger(FIXTURE);
    let split = &l["9040"];
    assert_eq!(
        (split.kind.clone(), split.quantity),
        (LedgerKind::Split, Some(d("21")))
    );
    assert_eq!(
        split.action.as_ref().unwrap().ratio,
        Some(Ratio::new(d("4"), d("1")))
    );
    assert_eq!(split.timestamp, utc("2024-01-27T01:25:00Z"));
    for (id, qty) in [("9041", "-150"), ("9042", "12.5")] {
        let rs = &l[id];
        assert_eq!(
            (rs.kind.clone(), rs.quantity),
            (LedgerKind::ReverseSplit, Some(d(qty)))
        );
        assert_eq!(
            rs.action.as_ref().unwrap().ratio,
            Some(Ratio::new(d("1"), d("12")))
        );
    }
    let spin = &l["9043"];
    assert_eq!(spin.kind, LedgerKind::SpinOff);
    let terms = spin.action.as_ref().unwrap();
    assert_eq!(terms.new_quantity, Some(d("4")));
    assert_eq!(
        terms.new_instrument.as_ref().unwrap().symbol.as_deref(),
        Some("KD")
    );
    assert_eq!(terms.ratio, Some(Ratio::new(d("1"), d("5"))));
    assert_eq!(spin.cost_basis, Some(Money::new(d("60"), Currency::USD)));
    let merger = &l["9044"];
    assert_eq!(
        (merger.kind.clone(), merger.quantity, money(merger)),
        (LedgerKind::Merger, Some(d("-20")), (d("1900"), "USD"))
    );
    assert_eq!(l["9045"].kind, LedgerKind::Other("IC".into()));
    assert_eq!(
        l.values().filter(|e| e.kind.is_corporate_action()).count(),
        5,
        "not the SUMMARY row"
    );
}

#[test]
fn transfers_of_positions_and_cash() {
    let l = ledger(FIXTURE);
    let acats = &l["9050"];
    assert_eq!(
        (acats.kind.clone(), acats.quantity, money(acats)),
        (LedgerKind::Transfer, Some(d("15")), (d("0"), "USD"))
    );
    assert_eq!(acats.price, Some(Money::new(d("370"), Currency::USD)));
    assert_eq!(
        acats.description.as_deref(),
        Some("ACATS IN (OTHERBROKER): MICROSOFT CORP")
    );
    let out = &l["9051"];
    assert_eq!(
        (out.quantity, money(out), out.instrument.is_none()),
        (None, (d("-500"), "EUR"), true)
    );
    let into = &l["9052"];
    assert_eq!(
        (into.account.as_deref(), money(into)),
        (Some("U0000002"), (d("500"), "EUR"))
    );
}

#[test]
fn positions_cash_and_rates_of_each_account() {
    let c = read(FIXTURE);
    let snap = c.snapshot(false);
    assert_eq!(
        snap.as_of,
        utc("2024-02-01T05:00:00Z"),
        "the end of toDate in New York"
    );
    let rows: Vec<(&str, Decimal, Option<Decimal>, Option<Decimal>)> = snap
        .positions
        .iter()
        .map(|p| {
            (
                p.instrument.broker_id.as_str(),
                p.quantity,
                p.price.map(|m| m.amount),
                p.market_value.map(|m| m.amount),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("222", d("-3"), Some(d("21")), Some(d("-63"))),
            ("677201921", d("2"), Some(d("520")), Some(d("1040"))),
            ("612345678", d("10000"), Some(d("99.5")), Some(d("9950"))),
            ("318333004", d("10"), Some(d("105.1")), Some(d("1051"))),
        ],
        "SUMMARY rows only; options per contract, bonds in percent"
    );
    assert_eq!(snap.positions[3].instrument.asset_class, AssetClass::Etf);
    let cash: Vec<(Option<&str>, Decimal, &str)> = snap
        .cash
        .iter()
        .map(|c| {
            (
                c.account.as_deref(),
                c.amount.amount,
                c.amount.currency.as_str(),
            )
        })
        .collect();
    assert_eq!(
        cash,
        vec![
            (Some("U0000001"), d("800.25"), "EUR"),
            (Some("U0000001"), d("-120.5"), "USD"),
            (Some("U0000002"), d("543.21"), "USD"),
        ],
        "currency rows, else BASE_SUMMARY in the base currency"
    );
    assert_eq!(snap.problems.len(), 2, "{:?}", snap.problems);
    let bad_trade = snap
        .problems
        .iter()
        .find(|p| p.item.as_deref() == Some("6007"))
        .unwrap();
    assert_eq!(bad_trade.field.as_deref(), Some("quantity"));
    assert_eq!(bad_trade.endpoint, "file fixture.xml");
    assert!(
        bad_trade
            .excerpt
            .as_deref()
            .unwrap()
            .starts_with("<Trade accountId=\"U0000001\"")
    );
    let bad_position = snap
        .problems
        .iter()
        .find(|p| p.item.as_deref() == Some("999"))
        .unwrap();
    assert_eq!(bad_position.field.as_deref(), Some("position"));

    let table = c.rate_table().unwrap();
    assert_eq!(
        (table.base.as_str(), table.date.to_string()),
        ("EUR", "2024-01-31".to_owned())
    );
    let usd = table.rates[&Currency::USD];
    assert_eq!(
        usd,
        d("1.0869565217"),
        "1 / 0.92, the newest USD rate, to 10 decimals"
    );
    let back = table
        .convert(&Money::new(d("100"), Currency::USD), &Currency::EUR)
        .unwrap();
    assert_eq!(back.amount.round_dp(6), d("92"), "100 USD at 0.92");

    // Every day's rates, as a rate history: 1 / 0.9201 on the 30th; on the
    // 31st 1 / 0.92 and 1 / 1.1625 = 0.8602150538 GBP per EUR.
    let history = c.rate_history(d_("2024-01-01"), d_("2024-01-31"));
    let days: Vec<(String, Vec<(&str, Decimal)>)> = history
        .iter()
        .map(|t| {
            assert_eq!(t.base, Currency::EUR);
            let rates = t.rates.iter().map(|(c, r)| (c.as_str(), *r)).collect();
            (t.date.to_string(), rates)
        })
        .collect();
    assert_eq!(
        days,
        vec![
            ("2024-01-30".to_owned(), vec![("USD", d("1.0868383871"))]),
            (
                "2024-01-31".to_owned(),
                vec![("GBP", d("0.8602150538")), ("USD", d("1.0869565217"))]
            ),
        ]
    );
    assert_eq!(c.rate_history(d_("2024-01-31"), d_("2024-02-29")).len(), 1);
    assert!(
        c.rate_history(d_("2023-01-01"), d_("2023-12-31"))
            .is_empty()
    );
}

fn d_(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn the_same_from_a_slow_reader_and_from_sections_skipped() {
    // One byte at a time: the reader's buffer never holds the document.
    let mut c = Collected::new(Wanted::ALL);
    let slow = std::io::BufReader::with_capacity(1, FIXTURE.as_bytes());
    flex::read(slow, "file fixture.xml", &Redactor::new(), &mut c).unwrap();
    let (slow_ledger, _) = c.into_ledger();
    let (ledger, _) = read(FIXTURE).into_ledger();
    assert_eq!(slow_ledger, ledger);
    assert_eq!(ledger.len(), 32);

    let mut only_positions = Collected::new(Wanted {
        ledger: false,
        portfolio: true,
        rates: false,
    });
    flex::read(
        FIXTURE.as_bytes(),
        "f",
        &Redactor::new(),
        &mut only_positions,
    )
    .unwrap();
    assert_eq!(only_positions.snapshot(false).positions.len(), 4);
    assert!(only_positions.rate_table().is_none());
    let (entries, problems) = only_positions.into_ledger();
    assert!(entries.is_empty());
    assert_eq!(
        problems.len(),
        1,
        "only the position's problem: trades were not read"
    );
}

#[test]
fn overlapping_statements_give_each_entry_once() {
    let mut c = Collected::new(Wanted::ALL);
    for source in ["a", "b"] {
        flex::read(FIXTURE.as_bytes(), source, &Redactor::new(), &mut c).unwrap();
    }
    let (entries, _) = c.into_ledger();
    assert_eq!(entries.len(), 32);
    let ids: std::collections::HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 32);
    assert!(entries.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
}

#[test]
fn documents_that_are_not_statements_are_refused() {
    let refuse = |xml: &str| {
        let mut c = Collected::new(Wanted::ALL);
        flex::read(xml.as_bytes(), "f", &Redactor::new(), &mut c).unwrap_err()
    };
    let cut = &FIXTURE[..FIXTURE.len() / 2];
    assert!(
        refuse(cut).contains("cut short") || refuse(cut).contains("XML"),
        "{}",
        refuse(cut)
    );
    assert!(
        refuse("ClientAccountID,Symbol,Quantity\nU1,XYZ,10\n").contains("not a Flex statement")
    );
    assert!(
        refuse("<FlexStatementResponse><Status>Fail</Status></FlexStatementResponse>")
            .contains("FlexStatementResponse")
    );
    assert!(refuse("<html>maintenance</html>").contains("<html>"));
    assert!(refuse("").contains("cut short"));
    assert!(refuse("<FlexQueryResponse><FlexStatements count=\"1\"><FlexStatement accountId=\"U1\" toDate=\"2024-13-01\"/></FlexStatements></FlexQueryResponse>").contains("toDate"));
    // An empty statement is fine.
    let c = read(
        "<FlexQueryResponse queryName=\"q\" type=\"AF\"><FlexStatements count=\"0\"></FlexStatements></FlexQueryResponse>",
    );
    assert!(c.into_ledger().0.is_empty());
}

#[test]
fn terms_kinds_and_classes() {
    assert_eq!(
        terms("AAPL(US0378331005) SPLIT 4 FOR 1 (AAPL, APPLE INC, US0378331005)"),
        Some(Ratio::new(d("4"), d("1")))
    );
    assert_eq!(
        terms("GE(US3696043013) SPINOFF  1 FOR 3 (GEHC, GE HEALTHCARE, US36266G1076)"),
        Some(Ratio::new(d("1"), d("3")))
    );
    assert_eq!(
        terms("X SPLIT 3 FOR 2, Y"),
        Some(Ratio::new(d("3"), d("2")))
    );
    assert_eq!(
        terms("ATVI MERGED(Acquisition) WITH USD 95 PER SHARE"),
        None
    );
    assert_eq!(terms("FOR 1"), None);
    assert_eq!(
        cash_kind("Deposits & Withdrawals", d("-1")),
        LedgerKind::Withdrawal
    );
    assert_eq!(
        cash_kind("Deposits/Withdrawals", d("1")),
        LedgerKind::Deposit
    );
    assert_eq!(
        cash_kind("Bond Interest Received", d("1")),
        LedgerKind::Interest
    );
    assert_eq!(cash_kind("Advisor Fees", d("-1")), LedgerKind::Fee);
    assert_eq!(cash_kind("871(m) Withholding", d("-1")), LedgerKind::Tax);
    assert_eq!(
        cash_kind("Price Adjustments", d("1")),
        LedgerKind::Other("Price Adjustments".into())
    );
    assert_eq!(corporate_action_kind("RS"), LedgerKind::ReverseSplit);
    assert_eq!(corporate_action_kind("BM"), LedgerKind::Other("BM".into()));
    assert_eq!(asset_class(Some("FUT"), None), AssetClass::Future);
    assert_eq!(asset_class(Some("FOP"), None), AssetClass::Option);
    assert_eq!(asset_class(Some("BILL"), None), AssetClass::Bond);
    assert_eq!(asset_class(Some("WAR"), None), AssetClass::Warrant);
    assert_eq!(
        asset_class(Some("CFD"), None),
        AssetClass::Other("CFD".into())
    );
}

#[test]
fn every_attribute_read_is_in_the_readme() {
    let readme = include_str!("../../../README.md");
    for (element, attributes) in flex::ATTRIBUTES_READ {
        assert!(
            readme.contains(&format!("`{element}`")),
            "{element} is not in the README"
        );
        for a in *attributes {
            assert!(
                readme.contains(&format!("`{a}`")),
                "{element}'s `{a}` is not in the README"
            );
        }
    }
}

#[test]
fn the_listing_exchange_gives_the_mic_when_it_is_one_exchange() {
    let snap = read(FIXTURE).snapshot(false);
    let of = |symbol: &str| {
        &snap
            .positions
            .iter()
            .find(|p| p.instrument.symbol.as_deref() == Some(symbol))
            .unwrap_or_else(|| panic!("{symbol}"))
            .instrument
    };
    let xetra = of("VWCE");
    assert_eq!(
        xetra.exchange.as_deref(),
        Some("IBIS2"),
        "IBKR's name is kept"
    );
    assert_eq!(xetra.ids.mic.as_deref(), Some("XETR"));
    assert_eq!(of("XYZ").ids.mic.as_deref(), Some("XNAS"));
    let option = of("AAPL  240315C00190000");
    assert_eq!(
        (option.exchange.as_deref(), option.ids.mic.as_deref()),
        (None, None)
    );
}
