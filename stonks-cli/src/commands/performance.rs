//! `stonks performance`: per account, broker and in total: money in and
//! out, value, gains, income, costs and the money-weighted return.

use std::io::Write;

use stonks_app::analytics::PerformanceReport;

use super::{Flags, Outcome, analysis, exit};
use crate::render::{Format, csv, dec, json, table};

/// Computes and shows performance.
pub async fn run(out: &mut impl Write, flags: &Flags<'_>, offline: bool) -> Outcome {
    let (a, failed) = analysis::load(flags, offline).await?;
    let report = PerformanceReport::build(&a);
    // The replay and the ledger are not needed to render: freed first.
    drop(a);
    render(out, &report, flags.format, flags.verbose)?;
    Ok(exit(failed))
}

fn percent(r: Option<rust_decimal::Decimal>) -> String {
    r.map(|v| format!("{:.2} %", v * rust_decimal::Decimal::ONE_HUNDRED))
        .unwrap_or_else(|| "-".to_owned())
}

fn render(
    out: &mut impl Write,
    r: &PerformanceReport,
    format: Format,
    verbose: u8,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(out, r),
        Format::Csv => csv::write(
            out,
            &[
                "scope",
                "broker",
                "account",
                "invested_base",
                "withdrawn_base",
                "value_base",
                "realized_base",
                "unrealized_base",
                "dividends_base",
                "interest_base",
                "fees_base",
                "taxes_base",
                "money_weighted_return",
                "time_weighted_return",
                "time_weighted_return_ytd",
            ],
            r.rows.iter().map(|p| {
                vec![
                    p.scope.to_owned(),
                    p.broker.clone().unwrap_or_default(),
                    p.account.clone().unwrap_or_default(),
                    p.invested_base.to_string(),
                    p.withdrawn_base.to_string(),
                    dec(p.value_base),
                    p.realized_base.to_string(),
                    p.unrealized_base.to_string(),
                    p.dividends_base.to_string(),
                    p.interest_base.to_string(),
                    p.fees_base.to_string(),
                    p.taxes_base.to_string(),
                    dec(p.money_weighted_return),
                    dec(p.time_weighted_return),
                    dec(p.time_weighted_return_ytd),
                ]
            }),
        ),
        Format::Table => {
            let base = r.base_currency;
            let rows = r
                .rows
                .iter()
                .map(|p| {
                    let who = match (&p.broker, &p.account) {
                        (Some(b), Some(a)) => format!("{b} {a}"),
                        (Some(b), None) => b.clone(),
                        _ => "TOTAL".to_owned(),
                    };
                    vec![
                        table::text(&who, 28),
                        p.invested_base.to_string(),
                        p.withdrawn_base.to_string(),
                        p.value_base
                            .map_or_else(|| "unknown".to_owned(), |v| v.to_string()),
                        p.realized_base.to_string(),
                        p.unrealized_base.to_string(),
                        p.dividends_base.to_string(),
                        p.fees_base.to_string(),
                        p.taxes_base.to_string(),
                        percent(p.money_weighted_return),
                        percent(p.time_weighted_return),
                        percent(p.time_weighted_return_ytd),
                    ]
                })
                .collect();
            table::write(
                out,
                &[
                    "ACCOUNT",
                    "INVESTED",
                    "WITHDRAWN",
                    "VALUE",
                    "REALIZED",
                    "UNREALIZED",
                    "DIVIDENDS",
                    "FEES",
                    "TAXES",
                    "MWR/YEAR",
                    "TWR",
                    "TWR YTD",
                ],
                &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
                rows,
            )?;
            writeln!(
                out,
                "(amounts in {base}; time-weighted returns from the stored daily closes: `stonks returns` has them per period)"
            )?;
            let mut notes: Vec<String> = r
                .rows
                .iter()
                .flat_map(|p| {
                    let who = p.broker.clone().unwrap_or_else(|| "total".to_owned());
                    p.notes.iter().map(move |n| format!("{who}: {n}"))
                })
                .collect();
            notes.extend(r.problems.iter().cloned());
            analysis::problems(out, &notes, verbose)
        }
    }
}
