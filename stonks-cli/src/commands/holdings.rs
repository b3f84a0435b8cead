//! `stonks holdings`: holdings rebuilt from the ledger, valued, and every
//! difference from what the brokers report.

use std::io::Write;

use stonks_app::analytics::HoldingsReport;

use super::{Flags, Outcome, analysis, exit};
use crate::render::{Format, csv, dec, json, table};

/// Rebuilds, values and reconciles the holdings.
pub async fn run(out: &mut impl Write, flags: &Flags<'_>, offline: bool) -> Outcome {
    let (a, failed) = analysis::load(flags, offline).await?;
    let report = HoldingsReport::build(&a);
    // The replay and the ledger are not needed to render: freed first.
    drop(a);
    render(out, &report, flags.format, flags.verbose)?;
    Ok(exit(failed))
}

fn render(
    out: &mut impl Write,
    r: &HoldingsReport,
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
                "symbol",
                "isin",
                "instrument_key",
                "name",
                "quantity",
                "currency",
                "cost",
                "value",
                "gain",
                "cost_base",
                "value_base",
                "gain_base",
            ],
            r.holdings.iter().map(|h| {
                vec![
                    h.broker.clone().unwrap_or_default(),
                    h.account.clone().unwrap_or_default(),
                    h.symbol.clone(),
                    h.isin.map(|i| i.to_string()).unwrap_or_default(),
                    h.instrument_key.clone(),
                    h.name.clone(),
                    h.quantity.to_string(),
                    h.currency.to_string(),
                    dec(h.cost),
                    dec(h.value),
                    dec(h.gain),
                    dec(h.cost_base),
                    dec(h.value_base),
                    dec(h.gain_base),
                ]
            }),
        ),
        Format::Table => {
            let base = r.base_currency;
            let col = |f: &dyn Fn(
                &stonks_app::analytics::holdings::HoldingRow,
            ) -> Option<rust_decimal::Decimal>,
                       scale| {
                table::decimals(&r.holdings.iter().map(f).collect::<Vec<_>>(), scale)
            };
            let quantity = col(&|h| Some(h.quantity.normalize()), 8);
            let cost = col(&|h| h.cost_base, 2);
            let value = col(&|h| h.value_base, 2);
            let gain = col(&|h| h.gain_base, 2);
            let rows = r
                .holdings
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    vec![
                        table::text(h.broker.as_deref().unwrap_or("(pooled)"), 16),
                        table::text(h.account.as_deref().unwrap_or(""), 14),
                        table::text(&h.symbol, 14),
                        table::text(&h.name, 28),
                        quantity[i].clone(),
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
                    "ACCOUNT",
                    "SYMBOL",
                    "NAME",
                    "QUANTITY",
                    &format!("COST ({base})"),
                    &format!("VALUE ({base})"),
                    &format!("GAIN ({base})"),
                ],
                &[4, 5, 6, 7],
                rows,
            )?;
            writeln!(
                out,
                "\nTotal {base}: cost {} value {}{}",
                r.totals.cost_base,
                r.totals.value_base,
                if r.totals.incomplete > 0 {
                    format!(
                        " ({} holdings with an unknown cost or value are not in it)",
                        r.totals.incomplete
                    )
                } else {
                    String::new()
                }
            )?;
            if !r.differences.is_empty() {
                writeln!(out, "\nThe ledger and the broker disagree:")?;
                let rows = r
                    .differences
                    .iter()
                    .map(|d| {
                        vec![
                            table::text(&d.broker, 16),
                            table::text(&d.account, 14),
                            table::text(&d.instrument, 14),
                            d.replayed.normalize().to_string(),
                            d.reported.normalize().to_string(),
                            match (&d.diverged_after, d.diverged_at) {
                                (Some(id), Some(at)) => {
                                    format!("{} ({})", table::text(id, 40), at.format("%Y-%m-%d"))
                                }
                                _ => "not in the ledger".to_owned(),
                            },
                        ]
                    })
                    .collect();
                table::write(
                    out,
                    &[
                        "BROKER",
                        "ACCOUNT",
                        "INSTRUMENT",
                        "LEDGER",
                        "BROKER SAYS",
                        "SINCE ENTRY",
                    ],
                    &[3, 4],
                    rows,
                )?;
            }
            analysis::problems(out, &r.problems, verbose)
        }
    }
}
