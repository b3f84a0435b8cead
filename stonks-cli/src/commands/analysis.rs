//! What the analysis commands share: the app, a sync unless `--offline`
//! (its failures said on stderr), and the stored answers.

use stonks_app::App;
use stonks_app::analytics::Analysis;
use stonks_app::sync::SyncOutcome;

use super::Flags;

/// The analysis of the configured brokers; `failed` tells whether a broker
/// could not be started or synced (the answer covers what the store holds).
pub async fn load(
    flags: &Flags<'_>,
    offline: bool,
) -> Result<(Analysis, bool), Box<dyn std::error::Error>> {
    let app = super::start(flags).await?;
    load_app(&app, offline).await
}

/// [`load`] for an app already started (a command that set some of its
/// configuration from its flags).
pub async fn load_app(
    app: &App,
    offline: bool,
) -> Result<(Analysis, bool), Box<dyn std::error::Error>> {
    say_unstarted(app);
    let (analysis, outcomes) = Analysis::load(app, offline).await?;
    Ok((analysis, say_failures(app, &outcomes)))
}

/// Says on stderr which brokers could not be started.
pub fn say_unstarted(app: &App) {
    for (_, why) in &app.failed {
        eprintln!("{}", crate::render::table::text(why, 400));
    }
}

/// Says on stderr which brokers' syncs failed; whether any broker could not
/// be started or synced.
pub fn say_failures(app: &App, outcomes: &[SyncOutcome]) -> bool {
    let mut failed = !app.failed.is_empty();
    for o in outcomes.iter().filter(|o| o.failed()) {
        eprintln!("{}", crate::render::table::text(&o.summary(), 400));
        failed = true;
    }
    failed
}

/// Writes `problems` under a table: a count, or each with `-v`.
pub fn problems(
    out: &mut impl std::io::Write,
    problems: &[String],
    verbose: u8,
) -> std::io::Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    if verbose == 0 {
        let n = problems.len();
        writeln!(
            out,
            "\n{n} note{} on these figures (-v shows {}): {}",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "each" },
            crate::render::table::text(&problems[0], 160)
        )
    } else {
        writeln!(out)?;
        for p in problems {
            writeln!(out, "note: {}", crate::render::table::text(p, 400))?;
        }
        Ok(())
    }
}
