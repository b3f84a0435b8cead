//! The commands, each writing to the given output and returning the exit code.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use stonks::{Manifest, Registry};

use crate::table;

/// Links the brokers the facade enables, so their registrations are found.
fn registry() -> Registry {
    Registry::discover()
}

/// `stonks plugins`.
pub fn plugins(out: &mut impl Write, json: bool) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let catalog = registry().catalog();
    if json {
        let rows: Vec<serde_json::Value> = catalog
            .iter()
            .map(|e| {
                let m = e.manifest.as_deref();
                serde_json::json!({
                    "id": e.id,
                    "version": m.map(|m| m.plugin.version.to_string()),
                    "api_min": m.map(|m| m.api.min_version.to_string()),
                    "api_max": m.map(|m| m.api.max_version.to_string()),
                    "state": e.state.as_str(),
                    "services": m.map(|m| m.capabilities.services.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
                    "error": e.error,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if catalog.is_empty() {
        writeln!(
            out,
            "no plugins are linked into this binary (enable broker features of the `stonks` crate)"
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = catalog
        .iter()
        .map(|e| {
            let m = e.manifest.as_deref();
            vec![
                e.id.clone(),
                m.map_or("-".into(), |m| m.plugin.version.to_string()),
                m.map_or("-".into(), |m| {
                    format!("{} - {}", m.api.min_version, m.api.max_version)
                }),
                e.state.to_string(),
                m.map_or("-".into(), |m| {
                    m.capabilities
                        .services
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                }),
                e.error
                    .as_deref()
                    .map_or(String::new(), |s| table::clip(s, 100)),
            ]
        })
        .collect();
    table::write(
        out,
        &["ID", "VERSION", "API", "STATE", "SERVICES", "ERROR"],
        &rows,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `stonks manifest check FILE...`.
pub fn manifest_check(
    out: &mut impl Write,
    files: &[PathBuf],
) -> Result<ExitCode, Box<dyn std::error::Error>> {
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
