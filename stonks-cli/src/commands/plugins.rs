//! `stonks plugins`: every plugin linked into this binary, and the runtime
//! plugins in the configured folders (`[plugins] dirs`).

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;
use stonks::Registry;

use super::Outcome;
use crate::render::{Format, csv, json, table};

#[derive(Serialize)]
struct Row {
    id: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    version: Option<String>,
    api_min: Option<String>,
    api_max: Option<String>,
    state: String,
    services: Option<Vec<String>>,
    /// `linked`, or `folder <path>`.
    origin: String,
    error: Option<String>,
}

/// Lists the catalog of the plugins `config`'s app would see.
pub fn run(out: &mut impl Write, format: Format, config: &std::path::Path) -> Outcome {
    let registry: Registry = stonks_app::app::registry_for(config);
    let rows: Vec<Row> = registry
        .catalog()
        .into_iter()
        .map(|e| {
            let m = e.manifest.as_deref();
            Row {
                id: e.id,
                kind: m.map(|m| format!("{:?}", m.plugin.kind).to_lowercase()),
                version: m.map(|m| m.plugin.version.to_string()),
                api_min: m.map(|m| m.api.min_version.to_string()),
                api_max: m.map(|m| m.api.max_version.to_string()),
                state: e.state.as_str().to_owned(),
                services: m.map(|m| {
                    m.capabilities
                        .services
                        .iter()
                        .map(|s| s.as_str().to_owned())
                        .collect()
                }),
                origin: e.origin.to_string(),
                error: e.error,
            }
        })
        .collect();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    match format {
        Format::Json => json::write(out, &rows)?,
        Format::Csv => csv::write(
            out,
            &[
                "id", "type", "version", "api_min", "api_max", "state", "services", "origin",
                "error",
            ],
            rows.iter().map(|r| {
                vec![
                    r.id.clone(),
                    opt(&r.kind),
                    opt(&r.version),
                    opt(&r.api_min),
                    opt(&r.api_max),
                    r.state.clone(),
                    r.services.as_ref().map(|s| s.join(" ")).unwrap_or_default(),
                    r.origin.clone(),
                    opt(&r.error),
                ]
            }),
        )?,
        Format::Table if rows.is_empty() => writeln!(
            out,
            "no plugins are linked into this binary (enable plugin features of the `stonks-rs` crate)"
        )?,
        Format::Table => table::write(
            out,
            &[
                "ID", "TYPE", "VERSION", "API", "STATE", "SERVICES", "ORIGIN", "ERROR",
            ],
            &[],
            rows.iter()
                .map(|r| {
                    vec![
                        table::text(&r.id, 40),
                        opt(&r.kind),
                        opt(&r.version),
                        format!("{} - {}", opt(&r.api_min), opt(&r.api_max)),
                        r.state.clone(),
                        r.services.as_ref().map_or("-".into(), |s| s.join(",")),
                        table::text(&r.origin, 60),
                        table::text(&opt(&r.error), 100),
                    ]
                })
                .collect(),
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `stonks plugins reload [ID]`: every configured runtime plugin (or `id`)
/// read from its folder again and restarted with its settings; exit code 2
/// when one was refused (it keeps running as it was).
pub async fn reload(out: &mut impl Write, flags: &super::Flags<'_>, id: Option<&str>) -> Outcome {
    let app = super::start(flags).await?;
    let mut refused = false;
    let mut any = false;
    for (broker, settings) in app.config.enabled() {
        let Some(entry) = app.registry.entry(broker) else {
            continue;
        };
        let stonks::PluginOrigin::Folder { path } = &entry.origin else {
            continue;
        };
        if id.is_some_and(|id| id != broker) {
            continue;
        }
        any = true;
        match app.registry.reload(broker, &settings.settings) {
            Ok(()) => writeln!(out, "{broker}: reloaded from {}", path.display())?,
            Err(e) => {
                refused = true;
                writeln!(out, "{broker}: {}", e.message())?;
            }
        }
    }
    if !any {
        let what = id.map_or("no configured broker".to_owned(), |id| {
            format!("{id:?} is not a configured broker")
        });
        return Err(format!("{what} runs from a plugin folder ([plugins] dirs)").into());
    }
    Ok(super::exit(refused))
}
