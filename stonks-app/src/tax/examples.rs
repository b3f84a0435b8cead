//! The tax authorities' own worked examples, each with its source and the
//! arithmetic written out. HMRC rounds to whole pounds in its examples;
//! the report keeps pennies, so where a figure differs the comment says
//! what HMRC shows.

use rust_decimal::Decimal;
use stonks::v2::{LedgerEntry, LedgerKind};
use stonks::{AssetClass, Currency, Instrument, Money};

use super::*;
use crate::analytics::RateHistory;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn some(s: &str) -> Option<Decimal> {
    Some(d(s))
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A ledger written trade by trade, at one broker, in one currency.
struct Ledger {
    entries: Vec<(String, LedgerEntry)>,
    currency: Currency,
    class: AssetClass,
}

impl Ledger {
    fn new(currency: Currency, class: AssetClass) -> Self {
        Ledger {
            entries: Vec::new(),
            currency,
            class,
        }
    }

    fn gbp_tokens() -> Self {
        Self::new(GBP, AssetClass::Crypto)
    }

    fn gbp_shares() -> Self {
        Self::new(GBP, AssetClass::Stock)
    }

    fn usd_shares() -> Self {
        Self::new(Currency::USD, AssetClass::Stock)
    }

    /// A trade at `at` (a day, taken at noon, or an RFC 3339 time).
    fn trade(
        &mut self,
        kind: LedgerKind,
        at: &str,
        symbol: &str,
        qty: &str,
        amount: &str,
    ) -> &mut Self {
        let at = if at.len() == 10 {
            format!("{at}T12:00:00Z")
        } else {
            at.to_owned()
        };
        let id = format!("e{}", self.entries.len());
        let signed = if kind == LedgerKind::Buy {
            -d(amount)
        } else {
            d(amount)
        };
        let mut e = LedgerEntry::new(
            id,
            at.parse().unwrap(),
            kind,
            Money::new(signed, self.currency),
        );
        let mut i = Instrument::new(symbol, symbol, self.class.clone());
        i.symbol = Some(symbol.to_owned());
        e.instrument = Some(i);
        e.quantity = Some(d(qty));
        e.account = Some("main".to_owned());
        self.entries.push(("demo".to_owned(), e));
        self
    }

    fn buy(&mut self, at: &str, symbol: &str, qty: &str, amount: &str) -> &mut Self {
        self.trade(LedgerKind::Buy, at, symbol, qty, amount)
    }

    fn sell(&mut self, at: &str, symbol: &str, qty: &str, amount: &str) -> &mut Self {
        self.trade(LedgerKind::Sell, at, symbol, qty, amount)
    }

    fn report(&self, rules: Rules, year: i32) -> TaxReport {
        let options = TaxOptions::new(rules, year).unwrap();
        TaxReport::from_ledger(&self.entries, &RateHistory::default(), &options)
    }
}

fn rules_of(d: &Disposal) -> Vec<(MatchRule, Decimal, Option<Decimal>)> {
    d.matches
        .iter()
        .map(|m| (m.rule, m.quantity, m.cost))
        .collect()
}

/// HMRC Cryptoassets Manual CRYPTO22251, example 1: a basic Section 104
/// pool disposal. Victoria buys 100 token A for £1,000, then 50 for
/// £125,000 (pool: 150 for £126,000); sells 50 for £300,000:
/// cost £126,000 x 50 / 150 = £42,000, gain £300,000 - £42,000 =
/// £258,000; the pool keeps 100 for £84,000, all of it the cost of
/// selling the rest.
#[test]
fn crypto22251_basic_section_104_pool_disposal() {
    let mut l = Ledger::gbp_tokens();
    l.buy("2020-01-06", "TOKENA", "100", "1000")
        .buy("2020-09-18", "TOKENA", "50", "125000")
        .sell("2020-12-01", "TOKENA", "50", "300000")
        .sell("2021-01-04", "TOKENA", "100", "90000");
    let r = l.report(Rules::Uk, 2020);
    assert_eq!(r.currency, GBP);
    assert_eq!(r.disposals.len(), 2, "{:#?}", r.disposals);
    let first = &r.disposals[0];
    assert_eq!(
        (first.proceeds, first.cost, first.gain),
        (some("300000"), some("42000"), some("258000"))
    );
    assert_eq!(
        rules_of(first),
        vec![(MatchRule::Section104, d("50"), some("42000"))]
    );
    assert_eq!(first.matches[0].acquired, None, "the pool has no one day");
    let rest = &r.disposals[1];
    assert_eq!(rest.cost, some("84000"));
    assert_eq!(r.totals.gains, d("264000"));
    assert_eq!(r.totals.net, d("264000"));
    assert_eq!(r.totals.uk.as_ref().unwrap().exempt_amount, some("12300"));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}

/// CRYPTO22252, example 2: the same day rule. Martyn's pool holds 5,000
/// token B for £500. On 23 June he disposes of 1,000 for £800 (morning),
/// acquires 1,600 for £1,000 (afternoon), disposes of 500 for £600
/// (evening): one disposal of 1,500 for £1,400, matched with 1,500 of
/// the 1,600 bought that day: £1,000 x 1,500 / 1,600 = £937.50 (HMRC
/// shows £938), gain £462.50 (£462). The other 100 join the pool for
/// £62.50 (£62): 5,100 for £562.50.
#[test]
fn crypto22252_same_day_rule() {
    let mut l = Ledger::gbp_tokens();
    l.buy("2020-05-01", "TOKENB", "5000", "500")
        .sell("2021-06-23T08:00:00Z", "TOKENB", "1000", "800")
        .buy("2021-06-23T14:00:00Z", "TOKENB", "1600", "1000")
        .sell("2021-06-23T20:00:00Z", "TOKENB", "500", "600")
        .sell("2021-09-01", "TOKENB", "5100", "600");
    let r = l.report(Rules::Uk, 2021);
    assert_eq!(r.disposals.len(), 2);
    let day = &r.disposals[0];
    assert_eq!(day.quantity, d("1500"), "one disposal a day");
    assert_eq!(
        (day.proceeds, day.cost, day.gain),
        (some("1400"), some("937.50"), some("462.50"))
    );
    assert_eq!(
        rules_of(day),
        vec![(MatchRule::SameDay, d("1500"), some("937.50"))]
    );
    assert_eq!(day.matches[0].acquired, Some(date("2021-06-23")));
    // The whole pool later: 5,000 + 100 units for £500 + £62.50.
    assert_eq!(r.disposals[1].cost, some("562.50"));
}

/// CRYPTO22254, example 4: the same day rule and the pool. Daniel's pool
/// holds 8,000 token D for £1,000. On 31 January he disposes of 5,000 for
/// £500, acquires 4,000 for £320, 1,000 for £75, 1,000 for £70, disposes
/// of 2,000 for £142 and acquires 500 for £35: one disposal of 7,000 for
/// £642, one acquisition of 6,500 for £500. Same day: 6,500 for £500;
/// the other 500 from the pool: £1,000 x 500 / 8,000 = £62.50 (HMRC:
/// £63). Gain £642 - £562.50 = £79.50 (£79); the pool keeps 7,500 for
/// £937.50 (£937).
#[test]
fn crypto22254_same_day_rule_and_the_pool() {
    let mut l = Ledger::gbp_tokens();
    l.buy("2020-11-02", "TOKEND", "8000", "1000");
    for (kind, at, q, a) in [
        (LedgerKind::Sell, "2021-01-31T09:00:00Z", "5000", "500"),
        (LedgerKind::Buy, "2021-01-31T10:00:00Z", "4000", "320"),
        (LedgerKind::Buy, "2021-01-31T11:00:00Z", "1000", "75"),
        (LedgerKind::Buy, "2021-01-31T12:00:00Z", "1000", "70"),
        (LedgerKind::Sell, "2021-01-31T13:00:00Z", "2000", "142"),
        (LedgerKind::Buy, "2021-01-31T14:00:00Z", "500", "35"),
    ] {
        l.trade(kind, at, "TOKEND", q, a);
    }
    l.sell("2021-03-01", "TOKEND", "7500", "1000");
    let r = l.report(Rules::Uk, 2020);
    assert_eq!(r.disposals.len(), 2);
    let day = &r.disposals[0];
    assert_eq!((day.quantity, day.proceeds), (d("7000"), some("642")));
    assert_eq!(
        rules_of(day),
        vec![
            (MatchRule::SameDay, d("6500"), some("500")),
            (MatchRule::Section104, d("500"), some("62.50")),
        ]
    );
    assert_eq!((day.cost, day.gain), (some("562.50"), some("79.50")));
    assert_eq!(r.disposals[1].cost, some("937.50"));
}

/// CRYPTO22255, example 5: the 30 day rule and the pool. Melanie's pool
/// holds 14,000 token E for £200,000. On 30 August she sells 4,000 for
/// £160,000; on 11 September she buys 500 for £17,500. The 500 are
/// matched with the disposal (30 days) and never join the pool; the other
/// 3,500 come from it: £200,000 x 3,500 / 14,000 = £50,000. Gain
/// £160,000 - £17,500 - £50,000 = £92,500; the pool keeps 10,500 for
/// £150,000.
#[test]
fn crypto22255_thirty_day_rule_and_the_pool() {
    let mut l = Ledger::gbp_tokens();
    l.buy("2020-03-02", "TOKENE", "14000", "200000")
        .sell("2021-08-30", "TOKENE", "4000", "160000")
        .buy("2021-09-11", "TOKENE", "500", "17500")
        .sell("2021-12-01", "TOKENE", "10500", "100000");
    let r = l.report(Rules::Uk, 2021);
    let first = &r.disposals[0];
    assert_eq!(
        rules_of(first),
        vec![
            (MatchRule::BedAndBreakfast, d("500"), some("17500")),
            (MatchRule::Section104, d("3500"), some("50000")),
        ]
    );
    assert_eq!(first.matches[0].acquired, Some(date("2021-09-11")));
    assert_eq!(first.gain, some("92500"));
    assert_eq!(r.disposals[1].cost, some("150000"));
}

/// CRYPTO22256, example 6: same day, 30 days and the pool together.
/// Gulferaz's pool holds 100,000 token F for £300,000.
/// * 31 July: acquires 10,000 for £45,000 and disposes of 30,000 for
///   £150,000: same day 10,000 (£45,000); 30 days: 20,000 of the 50,000
///   bought on 6 August (£225,000 x 20,000 / 50,000 = £90,000). Gain
///   £15,000.
/// * 5 August: disposes of 20,000 for £100,000: the next 20,000 of 6
///   August (£90,000). Gain £10,000.
/// * 6 August: acquires 50,000 for £225,000; the 10,000 left join the
///   pool for £45,000: 110,000 for £345,000.
/// * 7 August: disposes of 100,000 for £150,000 from the pool:
///   £345,000 x 100,000 / 110,000 = £313,636.36; loss £163,636.36.
#[test]
fn crypto22256_same_day_thirty_days_and_the_pool() {
    let mut l = Ledger::gbp_tokens();
    l.buy("2020-01-06", "TOKENF", "100000", "300000")
        .buy("2021-07-31T09:00:00Z", "TOKENF", "10000", "45000")
        .sell("2021-07-31T10:00:00Z", "TOKENF", "30000", "150000")
        .sell("2021-08-05", "TOKENF", "20000", "100000")
        .buy("2021-08-06", "TOKENF", "50000", "225000")
        .sell("2021-08-07", "TOKENF", "100000", "150000");
    let r = l.report(Rules::Uk, 2021);
    let [jul31, aug5, aug7] = &r.disposals[..] else {
        panic!("{:#?}", r.disposals)
    };
    assert_eq!(
        rules_of(jul31),
        vec![
            (MatchRule::SameDay, d("10000"), some("45000")),
            (MatchRule::BedAndBreakfast, d("20000"), some("90000")),
        ]
    );
    assert_eq!(jul31.gain, some("15000"));
    assert_eq!(
        rules_of(aug5),
        vec![(MatchRule::BedAndBreakfast, d("20000"), some("90000"))]
    );
    assert_eq!(aug5.gain, some("10000"));
    assert_eq!(
        rules_of(aug7),
        vec![(MatchRule::Section104, d("100000"), some("313636.36"))]
    );
    assert_eq!(aug7.gain, some("-163636.36"));
    assert_eq!(r.totals.gains, d("25000"));
    assert_eq!(r.totals.losses, d("163636.36"));
    assert_eq!(r.totals.net, d("-138636.36"));
}

/// HMRC Capital Gains Manual CG51590, example 1 (shares; proceeds net of
/// the costs of disposal). Ms Davy buys 1,000 shares for £1,300 (15 April
/// 2006), 1,000 for £1,450 (4 August 2006), 500 for £950 (19 January
/// 2007); sells 2,000 for £6,850 (16 March 2010); buys 2,000 for £6,790
/// (7 April 2010); sells 2,200 for £7,700 (10 December 2010).
/// * 16 March 2010 (2009-10): matched with the 2,000 bought on 7 April
///   2010 (2010-11: bed and breakfast across the tax year's end): gain
///   £6,850 - £6,790 = £60. Those 2,000 never join the pool.
/// * 10 December 2010 (2010-11): from the pool of 2,500 for £3,700:
///   £3,700 x 2,200 / 2,500 = £3,256; gain £7,700 - £3,256 = £4,444.
#[test]
fn cg51590_example_1_bed_and_breakfast_across_the_year_end() {
    let mut l = Ledger::gbp_shares();
    l.buy("2006-04-15", "DAVY", "1000", "1300")
        .buy("2006-08-04", "DAVY", "1000", "1450")
        .buy("2007-01-19", "DAVY", "500", "950")
        .sell("2010-03-16", "DAVY", "2000", "6850")
        .buy("2010-04-07", "DAVY", "2000", "6790")
        .sell("2010-12-10", "DAVY", "2200", "7700");
    let y2009 = l.report(Rules::Uk, 2009);
    assert_eq!(y2009.tax_year.to, date("2010-04-05"));
    let [march] = &y2009.disposals[..] else {
        panic!("{:#?}", y2009.disposals)
    };
    assert_eq!(
        rules_of(march),
        vec![(MatchRule::BedAndBreakfast, d("2000"), some("6790"))]
    );
    assert_eq!(march.matches[0].acquired, Some(date("2010-04-07")));
    assert_eq!(march.gain, some("60"));
    assert_eq!(
        y2009.totals.uk.as_ref().unwrap().exempt_amount,
        some("10100")
    );
    let y2010 = l.report(Rules::Uk, 2010);
    let [december] = &y2010.disposals[..] else {
        panic!("{:#?}", y2010.disposals)
    };
    assert_eq!(
        rules_of(december),
        vec![(MatchRule::Section104, d("2200"), some("3256"))]
    );
    assert_eq!(december.gain, some("4444"));
}

/// IRS Publication 550, "Wash Sales", example 1: you buy 100 shares of X
/// for $1,000, sell them for $750, and within 30 days buy 100 shares of
/// the same stock for $800. The $250 loss is disallowed and added to the
/// new shares' basis: $800 + $250 = $1,050. (Sold later for $1,100, they
/// gain $50.)
#[test]
fn publication_550_wash_sale_example_1() {
    let mut l = Ledger::usd_shares();
    l.buy("2024-01-02", "X", "100", "1000")
        .sell("2024-03-01", "X", "100", "750")
        .buy("2024-03-15", "X", "100", "800")
        .sell("2024-06-03", "X", "100", "1100");
    let r = l.report(Rules::Us, 2024);
    let [loss, later] = &r.disposals[..] else {
        panic!("{:#?}", r.disposals)
    };
    let f = loss.form_8949.as_ref().unwrap();
    assert_eq!((loss.proceeds, loss.cost), (some("750"), some("1000")));
    assert_eq!((f.code, f.adjustment), (Some(Code::W), d("250")));
    assert_eq!(loss.gain, some("0"), "column h: 750 - 1,000 + 250");
    assert_eq!(later.cost, some("1050"));
    assert_eq!(later.gain, some("50"));
    // The replacement's holding period includes the 59 days of the sold
    // shares: 2024-03-15 back to 2024-01-16.
    let g = later.form_8949.as_ref().unwrap();
    assert_eq!(g.date_acquired, Some(date("2024-01-16")));
    assert_eq!(later.matches[0].acquired, Some(date("2024-03-15")));
    let us = r.totals.us.as_ref().unwrap();
    assert_eq!(
        (us.short_term.disposals, us.short_term.adjustment),
        (2, d("250"))
    );
    assert_eq!(r.totals.net, d("50"));
}

/// Publication 550, "More or less stock bought than sold": 100 shares of
/// M bought on September 24, 2021 and sold on February 3, 2022 at a $1,000
/// loss; 50 shares bought on each of February 10, 11, 12 and 13. The loss
/// is disallowed; half ($500) goes into the basis of the 50 bought on
/// February 10, half into those of February 11, the earliest first.
/// Their holding periods include the 132 days the sold shares were held:
/// February 10 counts from 2021-10-01, February 11 from 2021-10-02; the
/// shares of February 12 and 13 are unchanged. Sold together on
/// 2022-10-03 (at $25), the first two lots are long term, the others
/// short.
#[test]
fn publication_550_more_stock_bought_than_sold() {
    let mut l = Ledger::usd_shares();
    l.buy("2021-09-24", "M", "100", "3000")
        .sell("2022-02-03", "M", "100", "2000");
    for day in ["2022-02-10", "2022-02-11", "2022-02-12", "2022-02-13"] {
        l.buy(day, "M", "50", "1000");
    }
    l.sell("2022-10-03", "M", "200", "5000");
    let r = l.report(Rules::Us, 2022);
    assert_eq!(r.disposals.len(), 5, "{:#?}", r.disposals);
    let washed = &r.disposals[0];
    assert_eq!(washed.form_8949.as_ref().unwrap().adjustment, d("1000"));
    assert_eq!(washed.gain, some("0"));
    let lots: Vec<(Option<Decimal>, Option<NaiveDate>, Option<Term>)> = r.disposals[1..]
        .iter()
        .map(|x| {
            let f = x.form_8949.as_ref().unwrap();
            (x.cost, f.date_acquired, f.term)
        })
        .collect();
    assert_eq!(
        lots,
        vec![
            (some("1500"), Some(date("2021-10-01")), Some(Term::Long)),
            (some("1500"), Some(date("2021-10-02")), Some(Term::Long)),
            (some("1000"), Some(date("2022-02-12")), Some(Term::Short)),
            (some("1000"), Some(date("2022-02-13")), Some(Term::Short)),
        ]
    );
    let us = r.totals.us.as_ref().unwrap();
    assert_eq!((us.long_term.disposals, us.long_term.gain), (2, d("-500")));
    assert_eq!((us.short_term.disposals, us.short_term.gain), (3, d("500")));
}

/// No ledger makes a report panic: amounts and quantities at the edge of
/// Decimal's range, sells before any buy, splits with no ratio or a zero
/// one, units moved out of nothing, a merger with nothing exchanged.
#[test]
fn nothing_a_ledger_says_makes_either_report_panic() {
    use stonks::v2::{CorporateAction, Ratio};
    let max = Decimal::MAX.to_string();
    let mut l = Ledger::usd_shares();
    l.sell("2024-01-02", "Z", "5", "100")
        .buy("2024-01-03", "Z", &max, &max)
        .buy("2024-01-03", "Z", &max, &max)
        .sell("2024-01-04", "Z", &max, "1")
        .sell("2024-01-05", "Z", "0.0000000000000000000000000001", &max)
        .buy(
            "2024-01-20",
            "Z",
            "0.0000000000000000000000000001",
            "0.0000000000000000000000000003",
        )
        .sell("2024-02-01", "Z", "3", "0");
    let mut weird = |kind: LedgerKind, qty: Option<&str>, ratio: Option<(&str, &str)>| {
        let mut e = LedgerEntry::new(
            format!("w{}", l.entries.len()),
            "2024-01-10T00:00:00Z".parse().unwrap(),
            kind,
            Money::new(Decimal::ZERO, Currency::USD),
        );
        let mut i = Instrument::new("Z", "Z", AssetClass::Stock);
        i.symbol = Some("Z".to_owned());
        e.instrument = Some(i);
        e.quantity = qty.map(d);
        e.action = ratio.map(|(n, o)| Box::new(CorporateAction::split(Ratio::new(d(n), d(o)))));
        l.entries.push(("demo".to_owned(), e));
    };
    weird(LedgerKind::Split, None, None);
    weird(LedgerKind::Split, Some(&max), Some(("0", "1")));
    weird(LedgerKind::ReverseSplit, Some("-1"), Some(("1", "0")));
    weird(LedgerKind::Merger, Some("7"), None);
    weird(LedgerKind::Transfer, Some(&format!("-{max}")), None);
    weird(LedgerKind::SpinOff, Some(&max), None);
    for rules in [Rules::Uk, Rules::Us] {
        for year in [2023, 2024] {
            let r = l.report(rules, year);
            assert!(!r.problems.is_empty());
            let _ = serde_json::to_string(&r).unwrap();
        }
    }
}
