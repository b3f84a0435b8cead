//! `stonks shadow A B`: two brokers that read the same account, read side
//! by side; every difference in positions, cash and ledger entries is
//! printed. Exit code 0 when they agree, 1 when they differ, 2 when one
//! could not be read: for CI while migrating a broker to a new plugin.

use std::io::Write;
use std::process::ExitCode;

use stonks_app::shadow;

use super::{Flags, Outcome};
use crate::render::{Format, csv, json, table};

/// Compares brokers `a` and `b` (only `account`, when given).
pub async fn run(
    out: &mut impl Write,
    flags: &Flags<'_>,
    a: &str,
    b: &str,
    account: Option<&str>,
) -> Outcome {
    let app = super::start(flags).await?;
    let report = match shadow::run(&app, a, b, account).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let cell = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
    let rows = || {
        report.differences.iter().map(|d| {
            vec![
                d.section.to_owned(),
                d.item.clone(),
                d.field.clone(),
                cell(&d.a),
                cell(&d.b),
            ]
        })
    };
    match flags.format {
        Format::Json => json::write(&mut *out, &report)?,
        Format::Csv => csv::write(&mut *out, &["section", "item", "field", a, b], rows())?,
        Format::Table => {
            let c = report.counts;
            writeln!(
                out,
                "{a}: {} entries, {} positions, {} cash; {b}: {} entries, {} positions, {} cash",
                c.entries.0, c.positions.0, c.cash.0, c.entries.1, c.positions.1, c.cash.1
            )?;
            for (side, problems) in [(a, &report.problems.0), (b, &report.problems.1)] {
                for p in problems {
                    writeln!(out, "{side} left out: {p}")?;
                }
            }
            if report.differences.is_empty() {
                writeln!(out, "no differences")?;
            } else {
                let headers = ["SECTION", "ITEM", "FIELD", a, b];
                table::write(&mut *out, &headers, &[], rows().collect())?;
                writeln!(out, "{} differences", report.differences.len())?;
            }
        }
    }
    Ok(if report.same() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
