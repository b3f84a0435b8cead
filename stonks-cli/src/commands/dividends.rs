//! `stonks dividends`: dividends gross, withheld and net, grouped by year,
//! month, instrument or broker; other income and costs; yield on cost.

use std::io::Write;

use stonks_app::analytics::{DividendOptions, DividendReport, GroupBy};

use super::{Flags, Outcome, analysis, exit};
use crate::render::{Format, csv, dec, json, table};

/// Computes and shows dividends `by` group, of `year` only when given.
pub async fn run(
    out: &mut impl Write,
    flags: &Flags<'_>,
    by: GroupBy,
    year: Option<i32>,
    offline: bool,
) -> Outcome {
    let (a, failed) = analysis::load(flags, offline).await?;
    let report = DividendReport::build(&a, &DividendOptions { by, year });
    // The replay and the ledger are not needed to render: freed first.
    drop(a);
    render(out, &report, flags.format, flags.verbose)?;
    Ok(exit(failed))
}

fn render(
    out: &mut impl Write,
    r: &DividendReport,
    format: Format,
    verbose: u8,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(out, r),
        Format::Csv => csv::write(
            out,
            &[
                "broker",
                "account",
                "id",
                "symbol",
                "isin",
                "instrument_key",
                "paid_at",
                "currency",
                "gross",
                "tax",
                "net",
                "gross_base",
                "tax_base",
                "net_base",
            ],
            r.dividends.iter().map(|d| {
                vec![
                    d.broker.clone(),
                    d.account.clone(),
                    d.id.clone(),
                    d.symbol.clone().unwrap_or_default(),
                    d.isin.map(|i| i.to_string()).unwrap_or_default(),
                    d.instrument_key.clone().unwrap_or_default(),
                    d.paid_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    d.currency.to_string(),
                    d.gross.to_string(),
                    d.tax.to_string(),
                    d.net.to_string(),
                    dec(d.gross_base),
                    dec(d.tax_base),
                    dec(d.net_base),
                ]
            }),
        ),
        Format::Table => {
            let base = r.base_currency;
            let column =
                |f: &dyn Fn(&stonks_app::analytics::income::GroupRow) -> rust_decimal::Decimal| {
                    table::decimals(&r.groups.iter().map(|g| Some(f(g))).collect::<Vec<_>>(), 2)
                };
            let (gross, tax, net) = (
                column(&|g| g.gross_base),
                column(&|g| g.tax_base),
                column(&|g| g.net_base),
            );
            let rows = r
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    vec![
                        table::text(&g.key, 40),
                        g.payments.to_string(),
                        gross[i].clone(),
                        tax[i].clone(),
                        net[i].clone(),
                    ]
                })
                .collect();
            table::write(
                out,
                &[
                    &format!("{:?}", r.by).to_uppercase(),
                    "PAYMENTS",
                    &format!("GROSS ({base})"),
                    &format!("WITHHELD ({base})"),
                    &format!("NET ({base})"),
                ],
                &[1, 2, 3, 4],
                rows,
            )?;
            writeln!(
                out,
                "\nTotal {base}: gross {} withheld {} net {}",
                r.totals.gross_base, r.totals.tax_base, r.totals.net_base
            )?;
            if !r.income.is_empty() {
                writeln!(out, "\nOther income and costs:")?;
                table::write(
                    out,
                    &["GROUP", "KIND", "ENTRIES", &format!("AMOUNT ({base})")],
                    &[2, 3],
                    r.income
                        .iter()
                        .map(|l| {
                            vec![
                                table::text(&l.key, 40),
                                l.kind.clone(),
                                l.entries.to_string(),
                                if l.unknown > 0 {
                                    format!("{} (+{} unvalued)", l.amount_base, l.unknown)
                                } else {
                                    l.amount_base.to_string()
                                },
                            ]
                        })
                        .collect(),
                )?;
            }
            if !r.yield_on_cost.is_empty() {
                writeln!(out, "\nYield on cost (last 12 months):")?;
                table::write(
                    out,
                    &[
                        "BROKER",
                        "SYMBOL",
                        &format!("NET ({base})"),
                        &format!("COST ({base})"),
                        "YIELD",
                    ],
                    &[2, 3, 4],
                    r.yield_on_cost
                        .iter()
                        .map(|y| {
                            vec![
                                table::text(y.broker.as_deref().unwrap_or("(pooled)"), 16),
                                table::text(&y.symbol, 14),
                                y.net_12m_base.to_string(),
                                dec(y.cost_base),
                                y.yield_on_cost
                                    .map(|v| {
                                        format!("{:.2} %", v * rust_decimal::Decimal::ONE_HUNDRED)
                                    })
                                    .unwrap_or_else(|| "-".to_owned()),
                            ]
                        })
                        .collect(),
                )?;
            }
            analysis::problems(out, &r.problems, verbose)
        }
    }
}
