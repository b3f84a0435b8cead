//! `stonks returns`: time- and money-weighted returns per period, the
//! worst drawdown and the volatility, in total or per broker or account,
//! from the stored ledger and daily closes.

use std::io::Write;

use chrono::NaiveDate;
use stonks_app::analytics::returns::{By, ReturnsOptions, ReturnsReport};
use stonks_app::benchmark::Benchmark;

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
    /// What to compare with, over `[returns] benchmark`.
    pub benchmark: Option<String>,
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
    let mut options = ReturnsOptions {
        period: ask.period,
        from: ask.from.as_deref().map(|t| date(t, "from")).transpose()?,
        to: ask.to.as_deref().map(|t| date(t, "to")).transpose()?,
        by,
        benchmark: None,
    };
    if let (Some(from), Some(to)) = (options.from, options.to)
        && from > to
    {
        return Err(format!("--from {from} is after --to {to}").into());
    }
    let named = ask
        .benchmark
        .as_deref()
        .map(Benchmark::parse)
        .transpose()
        .map_err(|e| format!("--{e}"))?;
    let mut app = super::start(flags).await?;
    if let Some(b) = named {
        app.config.returns.benchmark = Some(b);
    }
    let (a, failed) = analysis::load_app(&app, ask.offline).await?;
    options.benchmark = app.config.returns.benchmark.clone();
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
                "benchmark_twr",
                "residual",
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
                    dec(row.benchmark_twr),
                    row.change.residual.to_string(),
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
                        percent(row.benchmark_twr),
                        if row.complete {
                            String::new()
                        } else {
                            format!("{} without prices", row.missing_prices.len())
                        },
                    ]
                })
                .collect();
            let value = format!("VALUE ({})", r.currency);
            let bench = r
                .benchmark
                .as_ref()
                .map_or_else(|| "BENCHMARK".to_owned(), |b| b.id.to_uppercase());
            table::write(
                out,
                &[
                    "WHO", "PERIOD", "DAYS", &value, "TWR", "TWR/YEAR", "MWR/YEAR", "MAX DD",
                    &bench, "",
                ],
                &[3, 4, 5, 6, 7, 8],
                rows,
            )?;
            if let Some(b) = &r.benchmark {
                writeln!(
                    out,
                    "\nbenchmark {}: {} from {} to {}; your own flows invested in it would be worth {} {}",
                    table::text(&b.id, 40),
                    percent(b.twr),
                    r.from.map(|d| d.to_string()).unwrap_or_default(),
                    r.to.map(|d| d.to_string()).unwrap_or_default(),
                    b.value_of_flows
                        .map_or_else(|| "-".to_owned(), |v| v.to_string()),
                    r.currency
                )?;
            }
            for p in &r.problems {
                writeln!(out, "note: {}", table::text(p, 300))?;
            }
            Ok(())
        }
    }
}
