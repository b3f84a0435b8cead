//! `stonks report`: the one-page HTML report, written to a file (owner
//! only: it is financial data) in one step, so a failed run never leaves
//! half a page over the last good one.

use std::io::Write;
use std::path::{Path, PathBuf};

use stonks_app::report::{Locale, Report};

use super::{Flags, Outcome, analysis, exit};

/// Where `stonks report` writes unless told: the current directory.
pub const DEFAULT_OUTPUT: &str = "stonks-report.html";

/// Syncs (unless `offline`), builds the report and writes it to `output`
/// (`-` for standard output).
pub async fn run(
    out: &mut impl Write,
    flags: &Flags<'_>,
    offline: bool,
    output: &Path,
    locale: &str,
) -> Outcome {
    let locale: Locale = locale.parse()?;
    let app = super::start(flags).await?;
    analysis::say_unstarted(&app);
    let (report, outcomes) = Report::load(&app, offline, locale).await?;
    let failed = analysis::say_failures(&app, &outcomes);
    let html = report.html();
    if output == Path::new("-") {
        out.write_all(html.as_bytes())?;
    } else {
        write_private(output, html.as_bytes())
            .map_err(|e| format!("cannot write the report to {}: {e}", output.display()))?;
        writeln!(
            out,
            "report written to {} ({} KB, {} holdings, {} points of value over time)",
            output.display(),
            html.len().div_ceil(1024),
            report.holdings.len(),
            report.value_over_time.len()
        )?;
    }
    Ok(exit(failed))
}

/// Writes `bytes` to a new file beside `path` (0600), then renames it over
/// `path`.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the output names no file"))?;
    let mut partial = name.to_owned();
    partial.push(format!(".{}.partial", std::process::id()));
    let partial: PathBuf = path.with_file_name(partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = (|| {
        let mut file = std::io::BufWriter::new(options.open(&partial)?);
        file.write_all(bytes)?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&partial, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}
