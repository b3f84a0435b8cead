//! Tax reports people file: the capital gains of one tax year under one
//! country's rules, across every broker and account of the person, in that
//! country's currency. One module per jurisdiction:
//!
//! * [`uk`]: United Kingdom capital gains on shares and cryptoassets
//!   (TCGA 1992 s.104-106A): same-day, then 30-day ("bed and breakfast"),
//!   then the Section 104 pool; amounts in GBP; the annual exempt amount.
//! * [`us`]: United States Form 8949: FIFO lots, short and long term, wash
//!   sales (IRC s.1091) with the disallowed loss carried into the
//!   replacement shares; amounts in USD.
//! * [`nl`]: the Netherlands' box 3: the value of bank balances and other
//!   assets on 1 January from the daily valuation, and the year's actual
//!   return for the rebuttal scheme; amounts in EUR.
//!
//! Both read the ledger the same way (`book`): one timeline of
//! acquisitions, disposals, splits, reorganisations and units moved in or
//! out, per instrument key, so that one instrument is one holding across
//! brokers and accounts (a transfer between two accounts of the person
//! moves nothing). A jurisdiction whose report is built from something
//! else (a valuation on a day, as the Dutch box 3) adds its own module and
//! a [`Rules`] variant; the report's shape stays [`TaxReport`].
//!
//! # Amounts and rates
//! Every amount is converted into the report's currency at the rate of its
//! own trade day: the ECB reference rates the app stores, crossed through
//! the euro (GBP per USD = GBP per EUR / USD per EUR), else those of the
//! nearest earlier business day within a week
//! ([`RateHistory`](crate::analytics::RateHistory)). An amount without a
//! rate is unknown, never zero, and the report names the day. Both HMRC
//! and the IRS take a foreign-currency amount at the rate of its own day;
//! a user whose adviser prefers other published rates (HMRC's monthly
//! rates, a bank's) should compare.
//!
//! Figures are exact in the computation and rounded to the penny (cent) in
//! the report: a disposal's proceeds and cost are each rounded and its
//! gain is their difference, so rows add up to the totals.
//!
//! # Bad input
//! A disposal of more units than were held has an unknown cost (`null`)
//! and a problem on that disposal; an acquisition or disposal without a
//! rate on its day makes its amount unknown, and says which day.

mod book;
pub mod nl;
pub mod uk;
pub mod us;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use stonks::{Currency, Isin};

use crate::analytics::Analysis;

/// Pounds sterling.
const GBP: Currency = Currency::from_literal("GBP");

/// Whose rules a report follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Rules {
    /// United Kingdom: share identification rules and the Section 104 pool.
    Uk,
    /// United States: Form 8949 with wash sales.
    Us,
    /// The Netherlands: box 3, the value on 1 January and the year's
    /// actual return.
    Nl,
}

impl Rules {
    /// The currency every amount of the report is in.
    pub fn currency(self) -> Currency {
        match self {
            Rules::Uk => GBP,
            Rules::Us => Currency::USD,
            Rules::Nl => Currency::EUR,
        }
    }

    /// The tax year called `year`: 6 April `year` to 5 April `year + 1` in
    /// the UK (`2023` is 2023-24), the calendar year in the US. `None` for
    /// a year the calendar cannot hold.
    pub fn tax_year(self, year: i32) -> Option<TaxYear> {
        let (from, to) = match self {
            Rules::Uk => (
                NaiveDate::from_ymd_opt(year, 4, 6)?,
                NaiveDate::from_ymd_opt(year.checked_add(1)?, 4, 5)?,
            ),
            Rules::Us | Rules::Nl => (
                NaiveDate::from_ymd_opt(year, 1, 1)?,
                NaiveDate::from_ymd_opt(year, 12, 31)?,
            ),
        };
        Some(TaxYear { from, to })
    }
}

impl FromStr for Rules {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "uk" | "gb" => Ok(Rules::Uk),
            "us" => Ok(Rules::Us),
            "nl" => Ok(Rules::Nl),
            other => Err(format!("{other:?} is not a set of tax rules: uk, us or nl")),
        }
    }
}

impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rules::Uk => "uk",
            Rules::Us => "us",
            Rules::Nl => "nl",
        })
    }
}

/// The first and last day of a tax year, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TaxYear {
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
}

impl TaxYear {
    /// Whether `day` is in it.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// What a tax report is asked for: whose rules and which year. Made by
/// [`TaxOptions::new`], so its year always exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxOptions {
    rules: Rules,
    year: i32,
    tax_year: TaxYear,
}

impl TaxOptions {
    /// The report of `year` under `rules`; an error for a year the
    /// calendar cannot hold.
    pub fn new(rules: Rules, year: i32) -> Result<Self, String> {
        let tax_year = rules
            .tax_year(year)
            .ok_or_else(|| format!("{year} is not a year a tax year can be: try 2024"))?;
        Ok(TaxOptions {
            rules,
            year,
            tax_year,
        })
    }

    /// Whose rules.
    pub fn rules(&self) -> Rules {
        self.rules
    }

    /// The year as people name it (`2023` for the UK's 2023-24).
    pub fn year(&self) -> i32 {
        self.year
    }

    /// Its first and last day.
    pub fn tax_year(&self) -> TaxYear {
        self.tax_year
    }
}

/// Which rule identified the units a disposal is matched with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    /// UK: acquired on the day of the disposal (TCGA 1992 s.105(1)).
    SameDay,
    /// UK: acquired in the 30 days after it, earliest first (s.106A(5)).
    BedAndBreakfast,
    /// UK: out of the Section 104 pool, at its average cost (s.104).
    #[serde(rename = "section_104")]
    Section104,
    /// US: the oldest lot still held.
    Fifo,
}

/// What part of a disposal was matched with what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// The rule.
    pub rule: MatchRule,
    /// Units of the disposal matched (in the disposal's units, also when a
    /// split came between it and the acquisition).
    pub quantity: Decimal,
    /// Their allowable cost (cost basis); `null` when unknown.
    pub cost: Option<Decimal>,
    /// The day they were acquired; `null` for the Section 104 pool (no one
    /// day) and for units never acquired.
    pub acquired: Option<NaiveDate>,
}

/// Short or long term (US).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Term {
    /// Held one year or less: Form 8949 Part I.
    Short,
    /// Held more than one year: Part II.
    Long,
}

/// A Form 8949 column (f) code this report gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Code {
    /// A wash sale: the loss is not allowed (column g holds it).
    W,
}

impl Code {
    /// As the form writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::W => "W",
        }
    }
}

/// The Form 8949 columns a disposal has besides proceeds, cost and gain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Form8949 {
    /// (a) Description of property: `100 sh. AAPL`.
    pub description: String,
    /// (b) Date acquired: the day the holding period counts from (the
    /// replacement's own day moved back by the sold shares' holding period
    /// after a wash sale); `null` for units never acquired.
    pub date_acquired: Option<NaiveDate>,
    /// Short or long term; `null` when the acquisition is unknown (the row
    /// is then in neither part's totals).
    pub term: Option<Term>,
    /// (f) Code: `W` for a wash sale, else `null`.
    pub code: Option<Code>,
    /// (g) Adjustment: the loss disallowed (positive), else 0.
    pub adjustment: Decimal,
}

/// One disposal: under UK rules all of a day's disposals of an instrument
/// (one disposal, s.105(1)); under US rules one row of Form 8949 (one lot
/// of one sale).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disposal {
    /// The key instruments are told apart by across brokers.
    pub instrument_key: String,
    /// Ticker or asset code.
    pub symbol: String,
    /// ISIN, when known.
    pub isin: Option<Isin>,
    /// The day it was disposed of.
    pub date: NaiveDate,
    /// Units disposed of.
    pub quantity: Decimal,
    /// What it brought: gross under UK rules (the fees are an allowable
    /// cost), net of fees under US rules (Form 8949 column d).
    pub proceeds: Option<Decimal>,
    /// The allowable cost (UK: the matches' costs plus the fees) or cost
    /// basis (US column e).
    pub cost: Option<Decimal>,
    /// `proceeds - cost` (US: `+ adjustment`, column h).
    pub gain: Option<Decimal>,
    /// The disposal's own fees (in `cost` under UK rules, out of
    /// `proceeds` under US rules).
    pub fees: Option<Decimal>,
    /// The Form 8949 columns (US only).
    #[serde(flatten)]
    pub form_8949: Option<Form8949>,
    /// What it was matched with.
    pub matches: Vec<Match>,
    /// What is wrong with it (its unknown figures say why here).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Sums of one term (US): what Form 8949 totals in Part I or Part II.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TermTotals {
    /// Rows.
    pub disposals: usize,
    /// Column (d).
    pub proceeds: Decimal,
    /// Column (e).
    pub cost: Decimal,
    /// Column (g).
    pub adjustment: Decimal,
    /// Column (h).
    pub gain: Decimal,
    /// Rows whose gain is unknown, left out of the sums.
    pub unknown: usize,
}

/// What UK totals add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UkTotals {
    /// The annual exempt amount of the year (`null` before 2008-09, whose
    /// rules differ).
    pub exempt_amount: Option<Decimal>,
}

/// What US totals add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsTotals {
    /// Part I.
    pub short_term: TermTotals,
    /// Part II.
    pub long_term: TermTotals,
}

/// The year's sums, of the disposals whose gain is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Disposals in the year (known or not).
    pub disposals: usize,
    /// Their proceeds.
    pub proceeds: Decimal,
    /// Their allowable costs.
    pub costs: Decimal,
    /// The gains added (before losses).
    pub gains: Decimal,
    /// The losses added, as a positive amount.
    pub losses: Decimal,
    /// `gains - losses`.
    pub net: Decimal,
    /// Disposals whose gain is unknown, left out of every sum.
    pub unknown: usize,
    /// UK: the annual exempt amount beside the net.
    #[serde(flatten)]
    pub uk: Option<UkTotals>,
    /// US: short and long term.
    #[serde(flatten)]
    pub us: Option<UsTotals>,
}

/// The `tax` JSON contract: one tax year's disposals under one country's
/// rules, in its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxReport {
    /// Whose rules.
    pub rules: Rules,
    /// The year as asked.
    pub year: i32,
    /// Its first and last day.
    pub tax_year: TaxYear,
    /// The currency of every amount.
    pub currency: Currency,
    /// The year's disposals, oldest first.
    pub disposals: Vec<Disposal>,
    /// Their sums.
    pub totals: Totals,
    /// NL: box 3 (the other rules have none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub box3: Option<nl::Box3>,
    /// What the figures could not take into account, and the rates they
    /// approximated: the disposals' own problems (with their date and
    /// symbol) and what the ledger up to the year's end (and the 30 days
    /// after it, which its matching looks into) could not say.
    pub problems: Vec<String>,
}

impl TaxReport {
    /// The report `options` ask for, from `analysis`'s ledger and rates.
    pub fn build(analysis: &Analysis, options: &TaxOptions) -> Self {
        match options.rules() {
            // Both identify disposals in the ledger alone; rules that value
            // holdings on a day read more of `analysis` (its prices).
            Rules::Uk | Rules::Us => {
                Self::from_ledger(&analysis.ledger, &analysis.history, options)
            }
            Rules::Nl => {
                let (box3, problems) = nl::box3(analysis, options.year());
                TaxReport {
                    rules: Rules::Nl,
                    year: options.year(),
                    tax_year: options.tax_year(),
                    currency: Rules::Nl.currency(),
                    disposals: Vec::new(),
                    totals: totals(Rules::Nl, options.year(), &[]),
                    box3,
                    problems,
                }
            }
        }
    }

    /// The report of `ledger` (broker, entry; any order) with `rates`,
    /// under rules that identify disposals in the ledger alone.
    pub fn from_ledger(
        ledger: &[(String, stonks::v2::LedgerEntry)],
        rates: &crate::analytics::RateHistory,
        options: &TaxOptions,
    ) -> Self {
        let rules = options.rules();
        let book = book::Book::read(ledger, rules.currency(), rates);
        let year = options.tax_year();
        let outcome = match rules {
            Rules::Uk => uk::disposals(&book, &year),
            Rules::Us => us::disposals(&book, &year),
            // Box 3 is no disposal report (see `build`).
            Rules::Nl => Outcome::default(),
        };
        let disposals = outcome.disposals;
        // What the matching of the year's disposals may have read.
        let horizon = year
            .to
            .checked_add_days(chrono::Days::new(30))
            .unwrap_or(year.to);
        let mut dated: Vec<&(NaiveDate, String)> = book
            .problems
            .iter()
            .chain(&outcome.problems)
            .filter(|(day, _)| *day <= horizon)
            .collect();
        dated.sort_by_key(|(day, _)| *day);
        let mut problems: Vec<String> = dated.into_iter().map(|(_, p)| p.clone()).collect();
        for d in &disposals {
            for p in &d.problems {
                problems.push(format!("{} {}: {p}", d.date, d.symbol));
            }
        }
        problems.extend(book.rate_notes.lines());
        let totals = totals(rules, options.year(), &disposals);
        if rules == Rules::Uk
            && totals
                .uk
                .as_ref()
                .is_some_and(|u| u.exempt_amount.is_none())
        {
            problems.push(format!(
                "the {}-{:02} tax year is before 6 April 2008: its share identification rules and annual exempt amount are not these",
                options.year(),
                (options.year() + 1).rem_euclid(100)
            ));
        }
        TaxReport {
            rules,
            year: options.year(),
            tax_year: year,
            currency: rules.currency(),
            disposals,
            totals,
            box3: None,
            problems,
        }
    }
}

/// What a jurisdiction's rules made of the whole ledger: the year's
/// disposals, and what they could not do, by day.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The year's disposals, oldest first.
    pub disposals: Vec<Disposal>,
    /// What the rules could not do, by day (besides each disposal's own).
    pub problems: Vec<(NaiveDate, String)>,
}

/// The sums of `disposals`.
fn totals(rules: Rules, year: i32, disposals: &[Disposal]) -> Totals {
    let zero = money(Decimal::ZERO);
    let mut t = Totals {
        disposals: disposals.len(),
        proceeds: zero,
        costs: zero,
        gains: zero,
        losses: zero,
        net: zero,
        unknown: 0,
        uk: None,
        us: None,
    };
    let part = || TermTotals {
        disposals: 0,
        proceeds: zero,
        cost: zero,
        adjustment: zero,
        gain: zero,
        unknown: 0,
    };
    let (mut short, mut long) = (part(), part());
    for d in disposals {
        let known = d.proceeds.zip(d.cost).zip(d.gain);
        let term = d.form_8949.as_ref().and_then(|f| f.term);
        let by_term = match term {
            Some(Term::Short) => Some(&mut short),
            Some(Term::Long) => Some(&mut long),
            None => None,
        };
        let Some(((proceeds, cost), gain)) = known else {
            t.unknown += 1;
            if let Some(b) = by_term {
                b.disposals += 1;
                b.unknown += 1;
            }
            continue;
        };
        t.proceeds = t.proceeds.saturating_add(proceeds);
        t.costs = t.costs.saturating_add(cost);
        if gain >= Decimal::ZERO {
            t.gains = t.gains.saturating_add(gain);
        } else {
            t.losses = t.losses.saturating_sub(gain);
        }
        if let Some(b) = by_term {
            b.disposals += 1;
            let adjustment = d.form_8949.as_ref().map_or(Decimal::ZERO, |f| f.adjustment);
            b.proceeds = b.proceeds.saturating_add(proceeds);
            b.cost = b.cost.saturating_add(cost);
            b.adjustment = b.adjustment.saturating_add(adjustment);
            b.gain = b.gain.saturating_add(gain);
        }
    }
    t.net = t.gains.saturating_sub(t.losses);
    match rules {
        Rules::Uk => {
            t.uk = Some(UkTotals {
                exempt_amount: uk::annual_exempt_amount(year).map(money),
            })
        }
        Rules::Us => {
            t.us = Some(UsTotals {
                short_term: short,
                long_term: long,
            })
        }
        Rules::Nl => {}
    }
    t
}

/// The decimals a share of an amount is cut to inside the computation
/// (far below a penny, far within Decimal's 28 digits).
const SCALE: u32 = 12;

/// `total * take / of`, cut to [`SCALE`]; all of it when `take` is `of`.
/// `None` when out of range or `of` is zero.
fn part(total: Decimal, take: Decimal, of: Decimal) -> Option<Decimal> {
    if take == of {
        return Some(total);
    }
    total
        .checked_mul(take)?
        .checked_div(of)
        .map(|p| p.round_dp(SCALE))
}

/// An amount as the report shows it: pennies (cents), always two
/// decimals (`17000.00`).
fn money(d: Decimal) -> Decimal {
    match d.scale() {
        2 => d,
        s if s > 2 => d.round_dp(2),
        _ => {
            let mut m = d;
            m.rescale(2);
            m
        }
    }
}

#[cfg(test)]
mod examples;

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn uk_tax_years_run_from_6_april_to_5_april() {
        let y = Rules::Uk.tax_year(2023).unwrap();
        assert_eq!((y.from, y.to), (day("2023-04-06"), day("2024-04-05")));
        assert!(!y.contains(day("2023-04-05")));
        assert!(y.contains(day("2024-04-05")));
        let us = Rules::Us.tax_year(2024).unwrap();
        assert_eq!((us.from, us.to), (day("2024-01-01"), day("2024-12-31")));
        assert!(TaxOptions::new(Rules::Uk, i32::MAX).is_err());
        let nl = Rules::Nl.tax_year(2025).unwrap();
        assert_eq!((nl.from, nl.to), (day("2025-01-01"), day("2025-12-31")));
        assert_eq!("UK".parse::<Rules>(), Ok(Rules::Uk));
        assert_eq!("nl".parse::<Rules>(), Ok(Rules::Nl));
        assert!("fr".parse::<Rules>().unwrap_err().contains("uk, us or nl"));
    }
}
