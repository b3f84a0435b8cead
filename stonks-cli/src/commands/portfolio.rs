//! `stonks portfolio`: every broker at once, merged, in the base currency.

use std::collections::BTreeMap;
use std::io::Write;

use rust_decimal::Decimal;
use stonks_app::portfolio::{self, PortfolioReport, PositionRow, Status};

use super::{Flags, Outcome, exit};
use crate::render::{Format, csv, dec, json, table};

/// Live (saving each broker's answer in the store) or `offline` from it.
pub async fn run(out: &mut impl Write, flags: &Flags<'_>, offline: bool) -> Outcome {
    let app = super::start(flags).await?;
    let loaded = portfolio::load(&app, offline).await?;
    for line in &loaded.not_stored {
        eprintln!("{line}");
    }
    for line in &loaded.priced_from_history {
        eprintln!("{}", crate::render::table::text(line, 400));
    }
    let problems = &loaded.identity.problems;
    for p in problems
        .iter()
        .take(if flags.verbose > 0 { usize::MAX } else { 1 })
    {
        eprintln!("{}", crate::render::table::text(p, 400));
    }
    render(out, &loaded.report, flags.format, flags.verbose)?;
    Ok(exit(
        loaded.report.any_failed() || !loaded.not_stored.is_empty(),
    ))
}

const CSV_COLUMNS: &[&str] = &[
    "broker",
    "account",
    "symbol",
    "isin",
    "instrument_key",
    "name",
    "asset_class",
    "quantity",
    "currency",
    "price",
    "market_value",
    "market_value_base",
];

/// Writes the report: a table (problems counted under it, each with `-v`),
/// the JSON contract (problems in its `problems` array), or CSV (problems
/// counted on stderr).
pub fn render(
    out: &mut impl Write,
    r: &PortfolioReport,
    format: Format,
    verbose: u8,
) -> std::io::Result<()> {
    let problems: Vec<(String, String)> = r
        .problems
        .iter()
        .map(|p| {
            let mut at = p.endpoint.clone();
            if let Some(item) = &p.item {
                at.push_str(&format!(", item {item}"));
            }
            if let Some(field) = &p.field {
                at.push_str(&format!(", field {field}"));
            }
            (p.broker.clone(), format!("{at}: {}", p.message))
        })
        .collect();
    match format {
        Format::Json => json::write(out, r),
        Format::Csv => {
            let opt = |s: &Option<String>| s.clone().unwrap_or_default();
            let positions = r.positions.iter().map(|p| {
                vec![
                    p.broker.clone(),
                    opt(&p.account),
                    p.symbol.clone(),
                    p.isin.map(|i| i.to_string()).unwrap_or_default(),
                    p.instrument_key.clone(),
                    p.name.clone(),
                    p.asset_class.as_str().to_owned(),
                    p.quantity.to_string(),
                    p.currency.map(|c| c.to_string()).unwrap_or_default(),
                    dec(p.price),
                    dec(p.market_value),
                    dec(p.market_value_base),
                ]
            });
            let cash = r.cash.iter().map(|c| {
                vec![
                    c.broker.clone(),
                    opt(&c.account),
                    c.currency.to_string(),
                    String::new(),
                    // Cash is no instrument: no key.
                    String::new(),
                    c.currency.to_string(),
                    "cash".to_owned(),
                    c.amount.to_string(),
                    c.currency.to_string(),
                    String::new(),
                    c.amount.to_string(),
                    dec(c.amount_base),
                ]
            });
            csv::write(out, CSV_COLUMNS, positions.chain(cash))?;
            super::report_problems(&problems, verbose);
            Ok(())
        }
        Format::Table => {
            table_view(out, r)?;
            if !problems.is_empty() {
                let n = problems.len();
                if verbose == 0 {
                    writeln!(
                        out,
                        "{n} row{} left out: a broker sent something that could not be read (-v shows each)",
                        if n == 1 { " was" } else { "s were" }
                    )?;
                } else {
                    for (broker, p) in &problems {
                        writeln!(out, "left out: {broker}: {}", table::text(p, 300))?;
                    }
                }
            }
            Ok(())
        }
    }
}

/// One line of the merged table: the positions of one instrument key,
/// whichever broker holds them and whatever each calls it.
struct Merged<'a> {
    /// The shortest symbol any broker gives (`BTC` over `BTCUSD`).
    symbol: &'a str,
    isin: Option<stonks::Isin>,
    /// The first name any broker gives that is not its ticker (`Apple Inc`
    /// over `AAPL`).
    name: &'a str,
    quantity: Decimal,
    value: Option<Decimal>,
    parts: Vec<&'a PositionRow>,
}

/// What one holding in a merged line is: the broker, and the instrument's
/// name when that broker has several holdings of it (available and staked).
fn breakdown(parts: &[&PositionRow]) -> String {
    parts
        .iter()
        .map(|p| {
            let several = parts.iter().filter(|q| q.broker == p.broker).count() > 1;
            let quantity = p.quantity.normalize();
            if several {
                format!("{} {quantity} ({})", p.broker, table::text(&p.name, 24))
            } else {
                format!("{} {quantity}", p.broker)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn table_view(out: &mut impl Write, r: &PortfolioReport) -> std::io::Result<()> {
    let base = r.base_currency;
    let mut by_key: BTreeMap<&str, Merged<'_>> = BTreeMap::new();
    for p in &r.positions {
        let m = by_key
            .entry(p.instrument_key.as_str())
            .or_insert_with(|| Merged {
                symbol: &p.symbol,
                isin: p.isin,
                name: &p.name,
                quantity: Decimal::ZERO,
                value: Some(Decimal::ZERO),
                parts: Vec::new(),
            });
        if !p.symbol.is_empty() && (m.symbol.is_empty() || p.symbol.len() < m.symbol.len()) {
            m.symbol = &p.symbol;
        }
        // A broker that names the instrument by its ticker gives way to
        // one that names it.
        if m.parts.iter().all(|q| q.name == q.symbol) && p.name != p.symbol {
            m.name = &p.name;
        }
        m.isin = m.isin.or(p.isin);
        m.quantity = m.quantity.saturating_add(p.quantity);
        m.value = match (m.value, p.market_value_base) {
            (Some(a), Some(b)) => a.checked_add(b),
            _ => None,
        };
        m.parts.push(p);
    }
    let mut merged: Vec<(&str, Merged<'_>)> = by_key.into_iter().collect();
    merged.sort_by(|a, b| (a.1.symbol, a.0).cmp(&(b.1.symbol, b.0)));
    let quantities: Vec<Option<Decimal>> = merged
        .iter()
        .map(|(_, m)| Some(m.quantity.normalize()))
        .collect();
    let values: Vec<Option<Decimal>> = merged.iter().map(|(_, m)| m.value).collect();
    let (quantities, values) = (table::decimals(&quantities, 8), table::decimals(&values, 2));
    let rows: Vec<Vec<String>> = merged
        .iter()
        .zip(quantities)
        .zip(values)
        .map(|(((_, m), q), v)| {
            vec![
                table::text(m.symbol, 12),
                m.isin.map(|i| i.to_string()).unwrap_or_default(),
                table::text(m.name, 32),
                q,
                if v == "-" { "unknown".into() } else { v },
                table::text(&breakdown(&m.parts), 80),
            ]
        })
        .collect();
    let value_header = format!("VALUE ({base})");
    table::write(
        out,
        &[
            "SYMBOL",
            "ISIN",
            "NAME",
            "QUANTITY",
            &value_header,
            "BY BROKER",
        ],
        &[3, 4],
        rows,
    )?;
    writeln!(out)?;
    let amounts = table::decimals(
        &r.cash.iter().map(|c| Some(c.amount)).collect::<Vec<_>>(),
        8,
    );
    let in_base = table::decimals(&r.cash.iter().map(|c| c.amount_base).collect::<Vec<_>>(), 2);
    let cash: Vec<Vec<String>> = r
        .cash
        .iter()
        .zip(amounts)
        .zip(in_base)
        .map(|((c, a), b)| vec![c.broker.clone(), c.currency.to_string(), a, b])
        .collect();
    let base_header = format!("IN {base}");
    table::write(
        out,
        &["BROKER", "CASH", "AMOUNT", &base_header],
        &[2, 3],
        cash,
    )?;
    let t = &r.totals;
    writeln!(
        out,
        "\nTotal {base}: positions {} + cash {} = {}",
        t.market_value_base.round_dp(2),
        t.cash_base.round_dp(2),
        t.total_base.round_dp(2)
    )?;
    if t.unvalued > 0 {
        writeln!(
            out,
            "({} holdings have no known value in {base} and are not in the total)",
            t.unvalued
        )?;
    }
    for b in r.brokers.iter().filter(|b| b.status == Status::Error) {
        writeln!(
            out,
            "{}: FAILED: {}",
            b.id,
            table::text(b.error.as_deref().unwrap_or_default(), 300)
        )?;
    }
    Ok(())
}
