//! `stonks sync`: each broker's ledger (incrementally) and portfolio into
//! the store, every broker at once within its budget; a live count per
//! broker on a terminal, plain lines in a pipe.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use stonks_app::sync;

use super::{Flags, Outcome, exit};

/// Syncs every active broker.
pub async fn run(out: &mut impl Write, flags: &Flags<'_>, options: sync::SyncOptions) -> Outcome {
    let app = super::start(flags).await?;
    let mut store = app.open_store()?;
    let bars = Arc::new(indicatif::MultiProgress::new());
    let style = indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos} entries")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
    let spinners: Vec<(String, indicatif::ProgressBar)> = app
        .active_brokers()
        .into_iter()
        .map(|(id, _)| {
            let bar = bars.add(indicatif::ProgressBar::new_spinner().with_style(style.clone()));
            bar.set_message(id.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            (id, bar)
        })
        .collect();
    let on_page = |broker: &str, n: usize| {
        if let Some((_, bar)) = spinners.iter().find(|(id, _)| id == broker) {
            bar.inc(n as u64);
        }
    };
    let outcomes = sync::run_with(&app, &mut store, options, &on_page).await;
    for (_, bar) in &spinners {
        bar.finish_and_clear();
    }
    // Rates of the day, and every day since the first entry, for
    // --offline analyses later.
    let _ = app.rates(Some(&store), false).await;
    if let Ok(Some(first)) = store.first_day() {
        app.rate_history(&store, first, false).await;
    }
    let resolved = stonks_app::identity::resolve(&app, &store, false).await;
    let priced = stonks_app::prices::sync(&app, &store, false).await;
    let mut err = std::io::stderr();
    let shown = if flags.verbose > 0 { usize::MAX } else { 1 };
    for (summary, problems) in [
        (resolved.summary(), &resolved.problems),
        (priced.summary(), &priced.problems),
        (None, &priced.notes),
    ] {
        if let Some(line) = summary {
            writeln!(err, "{line}")?;
        }
        for p in problems.iter().take(shown) {
            writeln!(err, "{}", crate::render::table::text(p, 400))?;
        }
    }
    for o in &outcomes {
        writeln!(err, "{}", o.summary())?;
        if flags.verbose > 0 {
            for p in &o.problems {
                writeln!(err, "{}: left out: {p}", o.broker)?;
            }
        }
    }
    let complete = outcomes.iter().filter(|o| !o.failed()).count();
    writeln!(
        out,
        "synced {complete} of {} broker{} into {}",
        outcomes.len() + app.failed.len(),
        if outcomes.len() + app.failed.len() == 1 {
            ""
        } else {
            "s"
        },
        app.config.store.display()
    )?;
    for (id, why) in &app.failed {
        writeln!(out, "{id}: FAILED: {why}")?;
    }
    for o in outcomes.iter().filter(|o| o.failed()) {
        writeln!(out, "{}", o.summary())?;
    }
    Ok(exit(
        !app.failed.is_empty() || outcomes.iter().any(|o| o.failed()),
    ))
}
