//! `stonks prices`: the stored daily closes per instrument (source, days,
//! gaps), brought up to date first unless `--offline`; with
//! `--instrument KEY`, that instrument's series.

use std::io::Write;

use stonks_app::prices::PricesReport;

use super::{Flags, Outcome, exit};
use crate::render::{Format, csv, dec, json, table};

/// Shows the price history.
pub async fn run(
    out: &mut impl Write,
    flags: &Flags<'_>,
    instrument: Option<&str>,
    offline: bool,
) -> Outcome {
    let app = super::start(flags).await?;
    super::analysis::say_unstarted(&app);
    let store = app.open_store()?;
    let mut failed = false;
    if !offline {
        let resolved = stonks_app::identity::resolve(&app, &store, offline).await;
        let priced = stonks_app::prices::sync(&app, &store, offline).await;
        if let Some(line) = priced.summary() {
            eprintln!("{line}");
        }
        for p in resolved
            .problems
            .iter()
            .chain(&priced.problems)
            .chain(&priced.notes)
        {
            eprintln!("{}", table::text(p, 400));
        }
        failed = !priced.problems.is_empty();
    }
    let report = PricesReport::build(&store, instrument)?;
    render(out, &report, flags.format)?;
    Ok(exit(failed))
}

fn render(out: &mut impl Write, r: &PricesReport, format: Format) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(out, r),
        Format::Csv => match r.instruments.as_slice() {
            // One instrument: its series, a close a line.
            [one] if one.series.is_some() => csv::write(
                out,
                &["instrument_key", "date", "close", "currency"],
                one.series.iter().flatten().map(|c| {
                    vec![
                        one.instrument_key.clone(),
                        c.date.to_string(),
                        c.close.to_string(),
                        one.currency.to_string(),
                    ]
                }),
            ),
            all => csv::write(
                out,
                &[
                    "instrument_key",
                    "source",
                    "symbol",
                    "currency",
                    "first_close",
                    "last_close",
                    "days",
                    "gaps",
                    "latest",
                ],
                all.iter().map(|c| {
                    vec![
                        c.instrument_key.clone(),
                        c.source.clone(),
                        c.symbol.clone(),
                        c.currency.to_string(),
                        c.first_close.map(|d| d.to_string()).unwrap_or_default(),
                        c.last_close.map(|d| d.to_string()).unwrap_or_default(),
                        c.days.to_string(),
                        c.gaps.len().to_string(),
                        dec(c.latest),
                    ]
                }),
            ),
        },
        Format::Table => {
            let rows: Vec<Vec<String>> = r
                .instruments
                .iter()
                .map(|c| {
                    let span = match (c.first_close, c.last_close) {
                        (Some(a), Some(b)) => format!("{a} … {b}"),
                        _ => "no close".to_owned(),
                    };
                    vec![
                        table::text(&c.instrument_key, 28),
                        table::text(&c.symbol, 12),
                        c.source.clone(),
                        span,
                        c.days.to_string(),
                        c.gaps.len().to_string(),
                        format!("{} {}", dec(c.latest), c.currency),
                    ]
                })
                .collect();
            table::write(
                out,
                &[
                    "KEY", "SYMBOL", "SOURCE", "CLOSES", "DAYS", "GAPS", "LATEST",
                ],
                &[4, 5],
                rows,
            )?;
            if let [one] = r.instruments.as_slice()
                && let Some(series) = &one.series
            {
                writeln!(out)?;
                for c in series {
                    writeln!(out, "{}  {}", c.date, c.close)?;
                }
            }
            Ok(())
        }
    }
}
