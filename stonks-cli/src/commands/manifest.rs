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
        let text = match std::fs::read(file) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                invalid += 1;
                writeln!(out, "{shown}: cannot read: {e}")?;
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
