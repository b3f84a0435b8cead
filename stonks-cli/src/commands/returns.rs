//! `stonks returns`: time- and money-weighted returns per period, the
//! worst drawdown and the volatility, in total or per broker or account,
//! from the stored ledger and daily closes.

use std::io::Write;

use chrono::NaiveDate;
use stonks_app::analytics::returns::{By, ReturnsOptions, ReturnsReport};

use super::{Flags, Outcome, analysis, exit};
use crate::render::{Format, csv, dec, json, table};

/// What `stonks returns` was asked.
pub struct Ask {
    /// One period by name.
    pub period: Option<String>,
    /// A period of its own: its first day.
    pub from: Option<String>,
    /// Its last day.
    pub to: Option<String>,
    /// `total`, `broker` or `account`.
    pub by: String,
    /// From the store only.
    pub offline: bool,
}

fn date(text: &str, what: &str) -> Result<NaiveDate, String> {
    text.parse()
        .map_err(|_| format!("--{what} {text:?}: expected a date, YYYY-MM-DD"))
}

/// Computes and shows the returns.
pub async fn run(out: &mut impl Write, flags: &Flags<'_>, ask: Ask) -> Outcome {
    let by = match ask.by.as_str() {
        "total" => By::Total,
        "broker" => By::Broker,
        "account" => By::Account,
        other => return Err(format!("--by {other:?}: expected total, broker or account").into()),
    };
    let options = ReturnsOptions {
        period: ask.period,
        from: ask.from.as_deref().map(|t| date(t, "from")).transpose()?,
        to: ask.to.as_deref().map(|t| date(t, "to")).transpose()?,
        by,
    };
    if let (Some(from), Some(to)) = (options.from, options.to)
        && from > to
    {
        return Err(format!("--from {from} is after --to {to}").into());
    }
    let (a, failed) = analysis::load(flags, ask.offline).await?;
    let report = ReturnsReport::build(&a, &options);
    drop(a);
    render(out, &report, flags.format)?;
    Ok(exit(failed))
}

fn percent(r: Option<rust_decimal::Decimal>) -> String {
    r.map(|v| format!("{:.2} %", v * rust_decimal::Decimal::ONE_HUNDRED))
        .unwrap_or_else(|| "-".to_owned())
}

fn render(out: &mut impl Write, r: &ReturnsReport, format: Format) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(out, r),
        Format::Csv => csv::write(
            out,
            &[
                "scope",
                "id",
                "period",
                "start",
                "end",
                "start_value",
                "end_value",
                "net_flows",
                "twr",
                "twr_annualized",
                "mwr",
                "max_drawdown",
                "volatility",
                "complete",
            ],
            r.rows.iter().map(|row| {
                vec![
                    row.scope.to_owned(),
                    row.id.clone().unwrap_or_default(),
                    row.period.clone(),
                    row.start.to_string(),
                    row.end.to_string(),
                    row.start_value.to_string(),
                    row.end_value.to_string(),
                    row.net_flows.to_string(),
                    row.twr.to_string(),
                    dec(row.twr_annualized),
                    dec(row.mwr),
                    dec(row.max_drawdown.as_ref().map(|d| d.depth)),
                    dec(row.volatility),
                    row.complete.to_string(),
                ]
            }),
        ),
        Format::Table => {
            let rows: Vec<Vec<String>> = r
                .rows
                .iter()
                .map(|row| {
                    vec![
                        row.id.clone().unwrap_or_else(|| "total".to_owned()),
                        row.period.clone(),
                        format!("{} … {}", row.start, row.end),
                        row.end_value.round_dp(2).to_string(),
                        percent(Some(row.twr)),
                        percent(row.twr_annualized),
                        percent(row.mwr),
                        percent(row.max_drawdown.as_ref().map(|d| d.depth)),
                        if row.complete {
                            String::new()
                        } else {
                            format!("{} without prices", row.missing_prices.len())
                        },
                    ]
                })
                .collect();
            let value = format!("VALUE ({})", r.currency);
            table::write(
                out,
                &[
                    "WHO", "PERIOD", "DAYS", &value, "TWR", "TWR/YEAR", "MWR/YEAR", "MAX DD", "",
                ],
                &[3, 4, 5, 6, 7],
                rows,
            )?;
            for p in &r.problems {
                writeln!(out, "note: {}", table::text(p, 300))?;
            }
            Ok(())
        }
    }
}
