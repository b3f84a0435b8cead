//! One module per command. Each calls the app library, renders its typed
//! result, and returns the exit code: 0 when everything worked, 2 when a
//! broker failed (what the others gave is still shown), 1 (through `Err`)
//! when the command itself could not run.

pub mod analysis;
pub mod dividends;
pub mod gains;
pub mod health;
pub mod holdings;
pub mod init;
pub mod instruments;
pub mod manifest;
pub mod performance;
pub mod plugins;
pub mod portfolio;
pub mod prices;
pub mod report;
pub mod returns;
pub mod shadow;
pub mod sync;
pub mod tax;
pub mod transactions;

use std::path::Path;
use std::process::ExitCode;

use stonks_app::App;

use crate::render::Format;

/// The global flags.
pub struct Flags<'a> {
    /// `--config`.
    pub config: Option<&'a Path>,
    /// `--sandbox`.
    pub sandbox: bool,
    /// `--format`.
    pub format: Format,
    /// `-v` count: 1 shows each problem and info logs, 2 debug, 3 trace.
    pub verbose: u8,
}

/// What a command comes to.
pub type Outcome = Result<ExitCode, Box<dyn std::error::Error>>;

/// 2 when anything failed, else 0.
pub fn exit(any_failed: bool) -> ExitCode {
    if any_failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// The app the flags ask for: the sandbox, or the configuration's brokers.
pub async fn start(flags: &Flags<'_>) -> Result<App, Box<dyn std::error::Error>> {
    if flags.sandbox {
        sandbox().await
    } else {
        Ok(App::start(&stonks_app::config::config_path(flags.config)).await?)
    }
}

/// The app against the testkit's mock brokers.
#[cfg(feature = "sandbox")]
async fn sandbox() -> Result<App, Box<dyn std::error::Error>> {
    Ok(App::sandbox().await?)
}

/// A build without the `sandbox` feature has no mock brokers to start:
/// `--sandbox` is one line saying so (exit code 1, like any command that
/// could not run).
#[cfg(not(feature = "sandbox"))]
async fn sandbox() -> Result<App, Box<dyn std::error::Error>> {
    Err(
        "this build has no sandbox (stonks-cli was built without its `sandbox` feature): \
         run without --sandbox, or build with `--features sandbox`"
            .into(),
    )
}

/// Says on stderr how many rows a broker sent that could not be read, and
/// with `-v` each one.
pub fn report_problems(problems: &[(String, String)], verbose: u8) {
    if problems.is_empty() {
        return;
    }
    let n = problems.len();
    if verbose == 0 {
        eprintln!(
            "{n} row{} left out: a broker sent something that could not be read (-v shows each)",
            if n == 1 { " was" } else { "s were" }
        );
    } else {
        for (broker, p) in problems {
            eprintln!("{broker}: left out: {}", crate::render::table::text(p, 400));
        }
    }
}
