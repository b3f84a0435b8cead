//! `stonks manifest check FILE...`: every problem of each manifest with its
//! JSON path; exit code 1 when any file is invalid.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use stonks::Manifest;

use super::Outcome;

/// Checks `files`.
pub fn check(out: &mut impl Write, files: &[PathBuf]) -> Outcome {
    let mut invalid = 0;
    for file in files {
        let shown = file.display();
        // A manifest is small: a FIFO, a device or a huge file is refused.
        let text = match stonks::local::read(file, &shown.to_string(), 1024 * 1024) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                invalid += 1;
                writeln!(out, "{}", e.message())?;
                continue;
            }
        };
        match Manifest::from_json(&text) {
            Ok(m) => {
                let api = &stonks::PLUGIN_API_VERSION;
                if stonks::registry::is_compatible(&m.api.min_version, &m.api.max_version, api) {
                    writeln!(out, "{shown}: ok ({} {})", m.id(), m.plugin.version)?;
                } else {
                    invalid += 1;
                    writeln!(
                        out,
                        "{shown}: 1 problem\n  api: supports plugin API {} to {}.x, this host implements {api}",
                        m.api.min_version, m.api.max_version.major
                    )?;
                }
            }
            Err(e) => {
                invalid += 1;
                let n = e.problems().len();
                writeln!(out, "{shown}: {n} problem{}", if n == 1 { "" } else { "s" })?;
                for p in e.problems() {
                    writeln!(out, "  {p}")?;
                }
            }
        }
    }
    Ok(if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
