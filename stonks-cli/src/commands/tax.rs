//! `stonks tax`: the capital gains of one tax year across every broker and
//! account, under UK rules (same day, 30 days, Section 104 pool; in GBP)
//! or US rules (Form 8949 rows with wash sales; in USD).

use std::io::Write;

use rust_decimal::Decimal;
use stonks_app::tax::nl::Box3Broker;
use stonks_app::tax::{Code, Disposal, MatchRule, Rules, TaxOptions, TaxReport, Term, TermTotals};

use super::{Flags, Outcome, analysis, exit};
use crate::render::{Format, csv, dec, json, table};

/// What `stonks tax` was asked.
pub struct Ask {
    /// `uk` or `us`.
    pub rules: String,
    /// The tax year as people name it.
    pub year: i32,
    /// From the store only.
    pub offline: bool,
}

/// Works out and shows the year's capital gains.
pub async fn run(out: &mut impl Write, flags: &Flags<'_>, ask: Ask) -> Outcome {
    let rules: Rules = ask.rules.parse()?;
    let options = TaxOptions::new(rules, ask.year)?;
    let (a, failed) = analysis::load(flags, ask.offline).await?;
    let report = TaxReport::build(&a, &options);
    drop(a);
    render(out, &report, flags.format, flags.verbose)?;
    Ok(exit(failed))
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Units matched by `rule`, added.
fn matched(d: &Disposal, rule: MatchRule) -> Option<Decimal> {
    let units: Decimal = d
        .matches
        .iter()
        .filter(|m| m.rule == rule)
        .map(|m| m.quantity)
        .sum();
    (!units.is_zero()).then_some(units)
}

fn render(out: &mut impl Write, r: &TaxReport, format: Format, verbose: u8) -> std::io::Result<()> {
    match (format, r.rules) {
        (Format::Json, _) => json::write(out, r),
        (Format::Csv, Rules::Nl) => csv::write(
            out,
            &["peildatum", "broker", "bank", "investments", "total"],
            box3_lines(r).into_iter().map(|(day, l)| {
                vec![
                    day.to_string(),
                    l.broker.clone().unwrap_or_else(|| "total".to_owned()),
                    l.bank.to_string(),
                    l.investments.to_string(),
                    l.total.to_string(),
                ]
            }),
        ),
        (Format::Table, Rules::Nl) => nl_table(out, r, verbose),
        (Format::Csv, Rules::Us) => csv::write(
            out,
            // Form 8949's columns (a) to (h), in its order; then the part.
            &[
                "description",
                "date_acquired",
                "date_sold",
                "proceeds",
                "cost",
                "code",
                "adjustment",
                "gain",
                "term",
                "instrument_key",
            ],
            r.disposals.iter().map(|d| {
                let f = d.form_8949.as_ref();
                vec![
                    f.map(|f| f.description.clone()).unwrap_or_default(),
                    date(f.and_then(|f| f.date_acquired)),
                    d.date.to_string(),
                    dec(d.proceeds),
                    dec(d.cost),
                    f.and_then(|f| f.code).map_or("", Code::as_str).to_owned(),
                    dec(f.map(|f| f.adjustment)),
                    dec(d.gain),
                    term(f.and_then(|f| f.term)).to_owned(),
                    d.instrument_key.clone(),
                ]
            }),
        ),
        (Format::Csv, _) => csv::write(
            out,
            &[
                "date",
                "symbol",
                "isin",
                "instrument_key",
                "quantity",
                "proceeds",
                "cost",
                "gain",
                "fees",
                "same_day",
                "bed_and_breakfast",
                "section_104",
            ],
            r.disposals.iter().map(|d| {
                vec![
                    d.date.to_string(),
                    d.symbol.clone(),
                    d.isin.map(|i| i.to_string()).unwrap_or_default(),
                    d.instrument_key.clone(),
                    d.quantity.to_string(),
                    dec(d.proceeds),
                    dec(d.cost),
                    dec(d.gain),
                    dec(d.fees),
                    dec(matched(d, MatchRule::SameDay)),
                    dec(matched(d, MatchRule::BedAndBreakfast)),
                    dec(matched(d, MatchRule::Section104)),
                ]
            }),
        ),
        (Format::Table, Rules::Us) => us_table(out, r, verbose),
        (Format::Table, _) => uk_table(out, r, verbose),
    }
}

/// Every value of box 3 by peildatum: the brokers, the total, then the
/// next year's total.
fn box3_lines(r: &TaxReport) -> Vec<(chrono::NaiveDate, Box3Broker)> {
    let Some(b) = &r.box3 else {
        return Vec::new();
    };
    let mut out: Vec<(chrono::NaiveDate, Box3Broker)> =
        b.brokers.iter().map(|l| (b.peildatum, l.clone())).collect();
    out.push((
        b.peildatum,
        Box3Broker {
            broker: None,
            bank: b.bank,
            investments: b.investments,
            total: b.total,
        },
    ));
    if let (Some(next), Some(day)) = (
        &b.next,
        chrono::Datelike::with_year(&b.peildatum, r.year + 1),
    ) {
        out.push((day, next.clone()));
    }
    out
}

fn nl_table(out: &mut impl Write, r: &TaxReport, verbose: u8) -> std::io::Result<()> {
    writeln!(out, "Box 3 {} ({}):", r.year, r.currency)?;
    let rows = box3_lines(r)
        .into_iter()
        .map(|(day, l)| {
            vec![
                day.to_string(),
                l.broker.unwrap_or_else(|| "TOTAL".to_owned()),
                l.bank.to_string(),
                l.investments.to_string(),
                l.total.to_string(),
            ]
        })
        .collect();
    table::write(
        out,
        &["PEILDATUM", "BROKER", "BANK", "INVESTMENTS", "TOTAL"],
        &[2, 3, 4],
        rows,
    )?;
    if let Some(a) = r.box3.as_ref().and_then(|b| b.actual_return.as_ref()) {
        writeln!(
            out,
            "\nactual return {}: direct {} (dividends gross, interest) + value change {}; deposits less withdrawals {}, tax withheld {}, costs {} (not deducted)",
            a.actual_return, a.direct, a.value_change, a.net_deposits, a.tax_withheld, a.costs
        )?;
    }
    analysis::problems(out, &r.problems, verbose)
}

fn term(t: Option<Term>) -> &'static str {
    match t {
        Some(Term::Short) => "short",
        Some(Term::Long) => "long",
        None => "",
    }
}

/// Proceeds, cost and gain of every disposal, each column to the penny.
fn money_columns(r: &TaxReport) -> [Vec<String>; 3] {
    let column = |f: fn(&Disposal) -> Option<Decimal>| {
        table::decimals(&r.disposals.iter().map(f).collect::<Vec<_>>(), 2)
    };
    [
        column(|d| d.proceeds),
        column(|d| d.cost),
        column(|d| d.gain),
    ]
}

fn uk_table(out: &mut impl Write, r: &TaxReport, verbose: u8) -> std::io::Result<()> {
    let c = r.currency;
    writeln!(
        out,
        "UK capital gains {}-{:02} ({} to {}), {c}:",
        r.year,
        (r.year + 1).rem_euclid(100),
        r.tax_year.from,
        r.tax_year.to
    )?;
    let [proceeds, cost, gain] = money_columns(r);
    let rows = r
        .disposals
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let matches: Vec<String> = d
                .matches
                .iter()
                .map(|m| match (m.rule, m.acquired) {
                    (MatchRule::SameDay, _) => format!("same day {}", m.quantity.normalize()),
                    (MatchRule::BedAndBreakfast, Some(on)) => {
                        format!("30 days {} ({on})", m.quantity.normalize())
                    }
                    (MatchRule::Section104, _) => format!("pool {}", m.quantity.normalize()),
                    (_, _) => m.quantity.normalize().to_string(),
                })
                .collect();
            vec![
                d.date.to_string(),
                table::text(&d.symbol, 14),
                d.quantity.normalize().to_string(),
                proceeds[i].clone(),
                cost[i].clone(),
                gain[i].clone(),
                matches.join(", "),
            ]
        })
        .collect();
    table::write(
        out,
        &[
            "DATE",
            "SYMBOL",
            "QUANTITY",
            &format!("PROCEEDS ({c})"),
            &format!("COST ({c})"),
            &format!("GAIN ({c})"),
            "MATCHED WITH",
        ],
        &[2, 3, 4, 5],
        rows,
    )?;
    let t = &r.totals;
    writeln!(
        out,
        "\n{} disposal{}: proceeds {} costs {} gains {} losses {} net {}{}",
        t.disposals,
        if t.disposals == 1 { "" } else { "s" },
        t.proceeds,
        t.costs,
        t.gains,
        t.losses,
        t.net,
        unknown(t.unknown)
    )?;
    if let Some(exempt) = t.uk.as_ref().and_then(|u| u.exempt_amount) {
        writeln!(out, "Annual exempt amount: {exempt}")?;
    }
    analysis::problems(out, &r.problems, verbose)
}

fn unknown(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} with an unknown gain not in them)")
    }
}

fn us_table(out: &mut impl Write, r: &TaxReport, verbose: u8) -> std::io::Result<()> {
    let c = r.currency;
    writeln!(out, "US capital gains {} (Form 8949), {c}:", r.year)?;
    let [proceeds, cost, gain] = money_columns(r);
    let adjustment = table::decimals(
        &r.disposals
            .iter()
            .map(|d| d.form_8949.as_ref().map(|f| f.adjustment))
            .collect::<Vec<_>>(),
        2,
    );
    let rows = r
        .disposals
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let f = d.form_8949.as_ref();
            vec![
                table::text(&f.map(|f| f.description.clone()).unwrap_or_default(), 24),
                date(f.and_then(|f| f.date_acquired)),
                d.date.to_string(),
                proceeds[i].clone(),
                cost[i].clone(),
                f.and_then(|f| f.code).map_or("", Code::as_str).to_owned(),
                adjustment[i].clone(),
                gain[i].clone(),
                term(f.and_then(|f| f.term)).to_owned(),
            ]
        })
        .collect();
    table::write(
        out,
        &[
            "DESCRIPTION",
            "ACQUIRED",
            "SOLD",
            &format!("PROCEEDS ({c})"),
            &format!("COST ({c})"),
            "CODE",
            "ADJUSTMENT",
            &format!("GAIN ({c})"),
            "TERM",
        ],
        &[3, 4, 6, 7],
        rows,
    )?;
    if let Some(us) = &r.totals.us {
        writeln!(out)?;
        let part = |name: &str, t: &TermTotals| {
            format!(
                "{name}: {} row{}, proceeds {} cost {} adjustment {} gain {}{}",
                t.disposals,
                if t.disposals == 1 { "" } else { "s" },
                t.proceeds,
                t.cost,
                t.adjustment,
                t.gain,
                unknown(t.unknown)
            )
        };
        writeln!(out, "{}", part("Short term (Part I)", &us.short_term))?;
        writeln!(out, "{}", part("Long term (Part II)", &us.long_term))?;
    }
    let t = &r.totals;
    writeln!(out, "Net {}{}", t.net, unknown(t.unknown))?;
    analysis::problems(out, &r.problems, verbose)
}
