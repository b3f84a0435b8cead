//! `stonks instruments`: every instrument the store knows, its key, its
//! identifiers and where each came from, and the brokers that have it.

use std::io::Write;

use stonks_app::instruments::InstrumentsReport;

use super::{Flags, Outcome, exit};
use crate::render::{Format, csv, json, table};

/// Syncs (unless `offline`, which asks nothing), resolves what is new, and
/// lists every instrument.
pub async fn run(out: &mut impl Write, flags: &Flags<'_>, offline: bool) -> Outcome {
    let app = super::start(flags).await?;
    super::analysis::say_unstarted(&app);
    let mut store = app.open_store()?;
    let mut failed = !app.failed.is_empty();
    if !offline {
        let outcomes = stonks_app::sync::run(&app, &mut store, &|_, _| {}).await;
        failed |= super::analysis::say_failures(&app, &outcomes);
        let resolved = stonks_app::identity::resolve(&app, &store, offline).await;
        for p in &resolved.problems {
            eprintln!("{}", table::text(p, 400));
        }
    }
    let report = InstrumentsReport::build(&app, &store)?;
    render(out, &report, flags.format)?;
    Ok(exit(failed))
}

fn render(out: &mut impl Write, r: &InstrumentsReport, format: Format) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(out, r),
        // One line per broker's instrument, its key's columns repeated.
        Format::Csv => csv::write(
            out,
            &[
                "instrument_key",
                "symbol",
                "isin",
                "name",
                "asset_class",
                "share_class_figi",
                "figi",
                "cusip",
                "mic",
                "broker",
                "broker_id",
                "broker_symbol",
                "key_source",
                "query",
                "held",
            ],
            r.instruments.iter().flat_map(|i| {
                i.brokers.iter().map(move |b| {
                    let ids = &i.identifiers;
                    vec![
                        i.instrument_key.clone(),
                        i.symbol.clone().unwrap_or_default(),
                        i.isin.map(|x| x.to_string()).unwrap_or_default(),
                        i.name.clone(),
                        i.asset_class.as_str().to_owned(),
                        ids.share_class_figi.clone().unwrap_or_default(),
                        ids.figi.clone().unwrap_or_default(),
                        ids.cusip.clone().unwrap_or_default(),
                        ids.mic.clone().unwrap_or_default(),
                        b.broker.clone(),
                        b.broker_id.clone(),
                        b.symbol.clone().unwrap_or_default(),
                        b.key_source.to_owned(),
                        b.query.clone().unwrap_or_default(),
                        b.held.to_string(),
                    ]
                })
            }),
        ),
        Format::Table => {
            let rows: Vec<Vec<String>> = r
                .instruments
                .iter()
                .map(|i| {
                    let brokers = i
                        .brokers
                        .iter()
                        .map(|b| format!("{} {} ({})", b.broker, b.broker_id, b.key_source))
                        .collect::<Vec<_>>()
                        .join("; ");
                    vec![
                        table::text(&i.instrument_key, 28),
                        table::text(i.symbol.as_deref().unwrap_or_default(), 12),
                        table::text(&i.name, 32),
                        table::text(&brokers, 80),
                    ]
                })
                .collect();
            table::write(
                out,
                &["KEY", "SYMBOL", "NAME", "BROKERS (KEY FROM)"],
                &[],
                rows,
            )?;
            writeln!(out, "\n{} instruments", r.instruments.len())
        }
    }
}
