//! `stonks transactions`: the merged ledger, newest first.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};
use stonks::v2::LedgerEntry;
use stonks_app::ledger::{self, Filter, LedgerRow};

use super::{Flags, Outcome, exit};
use crate::render::{Format, csv, dec, table};

/// A `--since`/`--until` value: a date (midnight UTC) or an RFC 3339 time.
pub fn parse_time(text: &str, what: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| format!("--{what} {text:?}: expected YYYY-MM-DD or an RFC 3339 time"))
}

/// Lists the ledger, live or `offline` from the store.
pub async fn run(
    out: &mut impl Write,
    flags: &Flags<'_>,
    filter: Filter,
    offline: bool,
) -> Outcome {
    // A filter that can match nothing is refused before the app starts.
    filter.check()?;
    let app = super::start(flags).await?;
    let loaded = ledger::load(&app, &filter, offline).await?;
    render(out, &loaded.entries, flags.format)?;
    // The JSON of `transactions` is a list (its stable contract): the rows
    // left out are said on stderr, as for tables.
    super::report_problems(&loaded.problems, flags.verbose);
    for (id, why) in &loaded.failed {
        eprintln!("{id}: FAILED: {}", table::text(why, 400));
    }
    Ok(exit(!loaded.failed.is_empty()))
}

const CSV_COLUMNS: &[&str] = &[
    "broker",
    "account",
    "id",
    "timestamp",
    "kind",
    "symbol",
    "isin",
    "instrument_key",
    "quantity",
    "price",
    "amount",
    "currency",
    "fees",
    "description",
    "belongs_to",
    "cost_basis",
    "ratio",
    "new_symbol",
    "new_isin",
    "new_quantity",
    "cost_fraction",
];

/// Writes `entries` (already merged and sorted).
pub fn render(
    out: &mut impl Write,
    entries: &[(String, LedgerEntry)],
    format: Format,
) -> std::io::Result<()> {
    let rows = entries.iter().map(|(b, e)| LedgerRow::new(b, e));
    match format {
        Format::Json => {
            // Streamed: one typed row at a time, borrowing from the entries.
            write!(out, "[")?;
            for (i, row) in rows.enumerate() {
                out.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::other)?;
            }
            writeln!(out, "{}]", if entries.is_empty() { "" } else { "\n" })
        }
        Format::Csv => csv::write(
            out,
            CSV_COLUMNS,
            rows.map(|r| {
                let fees: Vec<String> = r
                    .fees
                    .iter()
                    .map(|f| format!("{} {}", f.amount, f.currency))
                    .collect();
                vec![
                    r.broker.to_owned(),
                    r.account.unwrap_or_default().to_owned(),
                    r.id.to_owned(),
                    r.timestamp
                        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                    r.kind.to_owned(),
                    r.symbol.unwrap_or_default().to_owned(),
                    r.isin.map(|i| i.to_string()).unwrap_or_default(),
                    r.instrument_key.clone().unwrap_or_default(),
                    dec(r.quantity),
                    dec(r.price),
                    r.amount.to_string(),
                    r.currency.to_string(),
                    fees.join(" + "),
                    r.description.unwrap_or_default().to_owned(),
                    r.belongs_to.unwrap_or_default().to_owned(),
                    r.cost_basis
                        .as_ref()
                        .map(|c| format!("{} {}", c.amount, c.currency))
                        .unwrap_or_default(),
                    r.ratio.clone().unwrap_or_default(),
                    r.new_symbol.unwrap_or_default().to_owned(),
                    r.new_isin.map(|i| i.to_string()).unwrap_or_default(),
                    dec(r.new_quantity),
                    dec(r.cost_fraction),
                ]
            }),
        ),
        Format::Table => {
            let rows: Vec<LedgerRow<'_>> = rows.collect();
            let quantities =
                table::decimals(&rows.iter().map(|r| r.quantity).collect::<Vec<_>>(), 8);
            let amounts =
                table::decimals(&rows.iter().map(|r| Some(r.amount)).collect::<Vec<_>>(), 8);
            let cells: Vec<Vec<String>> = rows
                .iter()
                .zip(quantities)
                .zip(amounts)
                .map(|((r, q), a)| {
                    vec![
                        r.timestamp.format("%Y-%m-%d %H:%M").to_string(),
                        table::text(r.broker, 16),
                        r.kind.to_owned(),
                        table::text(r.symbol.unwrap_or("-"), 16),
                        q,
                        a,
                        r.currency.to_string(),
                        table::text(r.description.unwrap_or_default(), 40),
                    ]
                })
                .collect();
            let n = cells.len();
            table::write(
                out,
                &[
                    "TIME (UTC)",
                    "BROKER",
                    "KIND",
                    "SYMBOL",
                    "QUANTITY",
                    "AMOUNT",
                    "",
                    "DESCRIPTION",
                ],
                &[4, 5],
                cells,
            )?;
            writeln!(out, "{n} entries")
        }
    }
}
