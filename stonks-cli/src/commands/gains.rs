//! `stonks gains`: realized gains per sale (and per year) and unrealized
//! gains per holding, by FIFO, LIFO or moving average, per account or
//! pooled.

use std::io::Write;

use stonks_app::analytics::{GainsOptions, GainsReport, Method, Scope};

use super::{Flags, Outcome, analysis, exit};
use crate::render::{Format, csv, dec, json, table};

/// What `stonks gains` was asked.
pub struct Ask {
    /// The cost-basis method.
    pub method: Method,
    /// Lots pooled across accounts.
    pub pooled: bool,
    /// Realized gains of this year only.
    pub year: Option<i32>,
    /// From the store only.
    pub offline: bool,
}

/// Computes and shows the gains.
pub async fn run(out: &mut impl Write, flags: &Flags<'_>, ask: Ask) -> Outcome {
    let (a, failed) = analysis::load(flags, ask.offline).await?;
    let scope = if ask.pooled {
        Scope::Pooled
    } else {
        Scope::Account
    };
    let options = GainsOptions {
        method: ask.method,
        scope,
        year: ask.year,
    };
    let report = GainsReport::build(&a, &options);
    // The replay and the ledger are not needed to render: freed first.
    drop(a);
    render(out, &report, flags.format, flags.verbose)?;
    Ok(exit(failed))
}

fn render(
    out: &mut impl Write,
    r: &GainsReport,
    format: Format,
    verbose: u8,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(out, r),
        Format::Csv => csv::write(
            out,
            &[
                "kind",
                "broker",
                "account",
                "symbol",
                "isin",
                "instrument_key",
                "date",
                "quantity",
                "proceeds_or_value",
                "cost",
                "gain",
                "currency",
                "proceeds_or_value_base",
                "cost_base",
                "gain_base",
            ],
            r.realized
                .iter()
                .map(|s| {
                    vec![
                        "realized".to_owned(),
                        s.broker.clone(),
                        s.account.clone(),
                        s.symbol.clone(),
                        s.isin.map(|i| i.to_string()).unwrap_or_default(),
                        s.instrument_key.clone(),
                        s.sold_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        s.quantity.to_string(),
                        dec(s.proceeds),
                        dec(s.cost),
                        dec(s.gain),
                        s.currency.to_string(),
                        dec(s.proceeds_base),
                        dec(s.cost_base),
                        dec(s.gain_base),
                    ]
                })
                .chain(r.unrealized.iter().map(|u| {
                    vec![
                        "unrealized".to_owned(),
                        u.broker.clone().unwrap_or_default(),
                        u.account.clone().unwrap_or_default(),
                        u.symbol.clone(),
                        u.isin.map(|i| i.to_string()).unwrap_or_default(),
                        u.instrument_key.clone(),
                        String::new(),
                        u.quantity.to_string(),
                        dec(u.value),
                        dec(u.cost),
                        dec(u.gain),
                        u.currency.to_string(),
                        dec(u.value_base),
                        dec(u.cost_base),
                        dec(u.gain_base),
                    ]
                })),
        ),
        Format::Table => {
            let base = r.base_currency;
            writeln!(
                out,
                "Realized ({}{}):",
                r.method,
                if r.pooled { ", pooled" } else { "" }
            )?;
            let proceeds = table::decimals(
                &r.realized
                    .iter()
                    .map(|s| s.proceeds_base)
                    .collect::<Vec<_>>(),
                2,
            );
            let cost = table::decimals(
                &r.realized.iter().map(|s| s.cost_base).collect::<Vec<_>>(),
                2,
            );
            let gain = table::decimals(
                &r.realized.iter().map(|s| s.gain_base).collect::<Vec<_>>(),
                2,
            );
            let rows = r
                .realized
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    vec![
                        s.sold_at.format("%Y-%m-%d").to_string(),
                        table::text(&s.broker, 16),
                        table::text(&s.symbol, 14),
                        s.quantity.normalize().to_string(),
                        proceeds[i].clone(),
                        cost[i].clone(),
                        gain[i].clone(),
                        s.lots.len().to_string(),
                    ]
                })
                .collect();
            table::write(
                out,
                &[
                    "SOLD",
                    "BROKER",
                    "SYMBOL",
                    "QUANTITY",
                    &format!("PROCEEDS ({base})"),
                    &format!("COST ({base})"),
                    &format!("GAIN ({base})"),
                    "LOTS",
                ],
                &[3, 4, 5, 6, 7],
                rows,
            )?;
            writeln!(out, "\nPer year:")?;
            table::write(
                out,
                &["YEAR", "SALES", &format!("REALIZED ({base})")],
                &[1, 2],
                r.by_year
                    .iter()
                    .map(|y| {
                        vec![
                            y.year.to_string(),
                            y.sales.to_string(),
                            y.realized_base.to_string(),
                        ]
                    })
                    .collect(),
            )?;
            writeln!(out, "\nUnrealized:")?;
            let cost = table::decimals(
                &r.unrealized.iter().map(|u| u.cost_base).collect::<Vec<_>>(),
                2,
            );
            let value = table::decimals(
                &r.unrealized
                    .iter()
                    .map(|u| u.value_base)
                    .collect::<Vec<_>>(),
                2,
            );
            let gain = table::decimals(
                &r.unrealized.iter().map(|u| u.gain_base).collect::<Vec<_>>(),
                2,
            );
            let rows = r
                .unrealized
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    vec![
                        table::text(u.broker.as_deref().unwrap_or("(pooled)"), 16),
                        table::text(&u.symbol, 14),
                        u.quantity.normalize().to_string(),
                        cost[i].clone(),
                        value[i].clone(),
                        gain[i].clone(),
                    ]
                })
                .collect();
            table::write(
                out,
                &[
                    "BROKER",
                    "SYMBOL",
                    "QUANTITY",
                    &format!("COST ({base})"),
                    &format!("VALUE ({base})"),
                    &format!("GAIN ({base})"),
                ],
                &[2, 3, 4, 5],
                rows,
            )?;
            writeln!(
                out,
                "\nTotal {base}: realized {} unrealized {}{}",
                r.totals.realized_base,
                r.totals.unrealized_base,
                if r.totals.unknown > 0 {
                    format!(
                        " ({} rows with an unknown gain are not in it)",
                        r.totals.unknown
                    )
                } else {
                    String::new()
                }
            )?;
            analysis::problems(out, &r.problems, verbose)
        }
    }
}
