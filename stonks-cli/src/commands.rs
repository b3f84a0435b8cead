//! The commands, each writing to the given output and returning the exit
//! code: 0 when everything worked, 2 when any broker failed, 1 (through
//! `Err`) when the command itself could not run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use stonks::{Manifest, Registry};

use crate::app::App;
use crate::ledger::{self, Filter};
use crate::output::{self, Format};
use crate::portfolio;
use crate::store::Store;
use crate::table;

/// The global flags.
pub struct Flags<'a> {
    pub config: Option<&'a Path>,
    pub sandbox: bool,
    pub format: Format,
    /// `-v` count: 1 shows each problem.
    pub verbose: u8,
}

type Outcome = Result<ExitCode, Box<dyn std::error::Error>>;

fn exit(any_failed: bool) -> ExitCode {
    if any_failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// `stonks plugins`.
pub fn plugins(out: &mut impl Write, format: Format) -> Outcome {
    let catalog = Registry::discover().catalog();
    let rows: Vec<serde_json::Value> = catalog
        .iter()
        .map(|e| {
            let m = e.manifest.as_deref();
            json!({
                "id": e.id,
                "type": m.map(|m| format!("{:?}", m.plugin.kind).to_lowercase()),
                "version": m.map(|m| m.plugin.version.to_string()),
                "api_min": m.map(|m| m.api.min_version.to_string()),
                "api_max": m.map(|m| m.api.max_version.to_string()),
                "state": e.state.as_str(),
                "services": m.map(|m| m.capabilities.services.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
                "error": e.error,
            })
        })
        .collect();
    match format {
        Format::Json => output::json(out, &serde_json::Value::Array(rows))?,
        Format::Csv => {
            let flat: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|mut r| {
                    r["services"] = json!(
                        r["services"].as_array().map(|s| s
                            .iter()
                            .map(output::cell)
                            .collect::<Vec<_>>()
                            .join(" "))
                    );
                    r
                })
                .collect();
            output::csv(
                out,
                &[
                    "id", "type", "version", "api_min", "api_max", "state", "services", "error",
                ],
                &flat,
            )?
        }
        Format::Table if rows.is_empty() => writeln!(
            out,
            "no plugins are linked into this binary (enable plugin features of the `stonks` crate)"
        )?,
        Format::Table => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        output::cell(&r["id"]),
                        output::cell(&r["type"]),
                        output::cell(&r["version"]),
                        format!(
                            "{} - {}",
                            output::cell(&r["api_min"]),
                            output::cell(&r["api_max"])
                        ),
                        output::cell(&r["state"]),
                        r["services"].as_array().map_or("-".into(), |s| {
                            s.iter().map(output::cell).collect::<Vec<_>>().join(",")
                        }),
                        r["error"]
                            .as_str()
                            .map_or(String::new(), |s| table::clip(s, 100)),
                    ]
                })
                .collect();
            table::write(
                out,
                &["ID", "TYPE", "VERSION", "API", "STATE", "SERVICES", "ERROR"],
                &cells,
            )?
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `stonks manifest check FILE...`.
pub fn manifest_check(out: &mut impl Write, files: &[PathBuf]) -> Outcome {
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

/// `stonks init`.
pub fn init(out: &mut impl Write, flags: &Flags<'_>, force: bool) -> Outcome {
    let path = crate::config::config_path(flags.config);
    if path.exists() && !force {
        return Err(format!("{} exists; use --force to overwrite it", path.display()).into());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, crate::config::template(&Registry::discover()))?;
    writeln!(out, "wrote {}", path.display())?;
    Ok(ExitCode::SUCCESS)
}

fn open_store(app: &App) -> Result<Store, String> {
    Store::open(&app.config.store)
}

/// `stonks portfolio`.
pub async fn portfolio(out: &mut impl Write, flags: &Flags<'_>, offline: bool) -> Outcome {
    let app = App::start(flags.config, flags.sandbox).await?;
    let store = open_store(&app).ok();
    let mut results: Vec<portfolio::BrokerResult> = app
        .failed
        .iter()
        .map(|(id, why)| (id.clone(), Err(why.clone())))
        .collect();
    if offline {
        let store = store
            .as_ref()
            .ok_or("the store cannot be opened, and --offline needs it")?;
        for (id, _) in app.config.enabled() {
            let r = match store.portfolio(id) {
                Ok(Some(s)) => Ok(s),
                Ok(None) => Err("nothing stored yet: run `stonks sync`".to_owned()),
                Err(e) => Err(e),
            };
            results.push((id.clone(), r));
        }
    } else {
        let live = portfolio::fetch_all(&app.registry, &app.active_brokers()).await;
        if let Some(s) = &store {
            for (id, r) in &live {
                if let Ok(snap) = r {
                    let _ = s.save_portfolio(id, snap);
                }
            }
        }
        results.extend(live);
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    results.dedup_by(|a, b| a.0 == b.0);
    let rates = app.rates(store.as_ref(), offline).await;
    let report = portfolio::report(&app.config.base_currency, &results, rates.as_ref());
    portfolio::render(out, &report, flags.format, flags.verbose)?;
    Ok(exit(results.iter().any(|(_, r)| r.is_err())))
}

fn parse_time(text: &str, what: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| format!("--{what} {text:?}: expected YYYY-MM-DD or an RFC 3339 time"))
}

/// `stonks transactions`.
pub async fn transactions(
    out: &mut impl Write,
    flags: &Flags<'_>,
    since: Option<String>,
    until: Option<String>,
    kinds: Vec<String>,
    broker: Option<String>,
    offline: bool,
) -> Outcome {
    const KINDS: &[&str] = &[
        "buy",
        "sell",
        "deposit",
        "withdrawal",
        "dividend",
        "tax",
        "interest",
        "fee",
        "staking_reward",
        "transfer",
        "fx_conversion",
        "other",
    ];
    if let Some(bad) = kinds.iter().find(|k| !KINDS.contains(&k.as_str())) {
        return Err(format!("--kind {bad:?}: expected one of {}", KINDS.join(", ")).into());
    }
    let filter = Filter {
        since: since
            .as_deref()
            .map(|s| parse_time(s, "since"))
            .transpose()?,
        until: until
            .as_deref()
            .map(|s| parse_time(s, "until"))
            .transpose()?,
        kinds,
        broker,
    };
    let app = App::start(flags.config, flags.sandbox).await?;
    let mut failed: Vec<(String, String)> = app.failed.clone();
    let mut problems: Vec<(String, stonks::ReadProblem)> = Vec::new();
    let entries = if offline {
        open_store(&app)?.ledger(filter.broker.as_deref())?
    } else {
        let mut all = Vec::new();
        for (id, r) in ledger::fetch_all(&app.registry, &app.active_brokers(), &filter).await {
            match r {
                Ok((entries, found)) => {
                    all.extend(entries.into_iter().map(|e| (id.clone(), e)));
                    problems.extend(found.into_iter().map(|p| (id.clone(), p)));
                }
                Err(why) => failed.push((id, why)),
            }
        }
        all
    };
    ledger::render(out, entries, &filter, flags.format)?;
    // The JSON of `transactions` is a list (its stable contract), so the
    // problems met go to stderr, as for tables.
    report_problems(&problems, flags.verbose);
    for (id, why) in &failed {
        eprintln!("{id}: FAILED: {why}");
    }
    Ok(exit(!failed.is_empty()))
}

/// Says on stderr how many rows were left out, and with `-v` each one.
fn report_problems(problems: &[(String, stonks::ReadProblem)], verbose: u8) {
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
        for (id, p) in problems {
            eprintln!("{id}: left out: {p}");
        }
    }
}

/// `stonks sync`.
pub async fn sync(out: &mut impl Write, flags: &Flags<'_>) -> Outcome {
    let app = App::start(flags.config, flags.sandbox).await?;
    let mut store = open_store(&app)?;
    let mut failed = app.failed.clone();
    let mut err = std::io::stderr();
    failed.extend(ledger::sync(&app.registry, &app.active_brokers(), &mut store, &mut err).await);
    // Rates of the day, for --offline later.
    let _ = app.rates(Some(&store), false).await;
    let synced = app.active_brokers().len()
        - failed
            .iter()
            .filter(|(id, _)| !app.failed.iter().any(|(f, _)| f == id))
            .count();
    writeln!(
        out,
        "synced {synced} broker{} into {}",
        if synced == 1 { "" } else { "s" },
        app.config.store.display()
    )?;
    for (id, why) in &failed {
        writeln!(out, "{id}: FAILED: {why}")?;
    }
    Ok(exit(!failed.is_empty()))
}

/// `stonks health`: one portfolio call per broker, then its figures.
pub async fn health(out: &mut impl Write, flags: &Flags<'_>) -> Outcome {
    let app = App::start(flags.config, flags.sandbox).await?;
    let results = portfolio::fetch_all(&app.registry, &app.active_brokers()).await;
    let mut rows = Vec::new();
    for (id, why) in &app.failed {
        rows.push(
            json!({"id": id, "state": "error", "last_success": null, "requests": 0, "errors": 0,
            "latency_p50_ms": null, "latency_p95_ms": null, "error": why}),
        );
    }
    for (id, result) in &results {
        let h = app.registry.health(id)?;
        let ms = |d: std::time::Duration| {
            (h.http.latency.count > 0).then_some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        };
        rows.push(json!({
            "id": id,
            "state": h.state.as_str(),
            "last_success": h.last_success.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "requests": h.http.requests,
            "errors": h.http.errors,
            "latency_p50_ms": ms(h.http.latency.p50),
            "latency_p95_ms": ms(h.http.latency.p95),
            "error": result.as_ref().err(),
        }));
    }
    let cols = [
        "id",
        "state",
        "last_success",
        "requests",
        "errors",
        "latency_p50_ms",
        "latency_p95_ms",
        "error",
    ];
    match flags.format {
        Format::Json => output::json(out, &serde_json::Value::Array(rows))?,
        Format::Csv => output::csv(out, &cols, &rows)?,
        Format::Table => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    cols.iter()
                        .map(|c| table::clip(&output::cell(&r[*c]), 80))
                        .collect()
                })
                .collect();
            table::write(
                out,
                &[
                    "BROKER",
                    "STATE",
                    "LAST SUCCESS",
                    "REQUESTS",
                    "ERRORS",
                    "P50 MS",
                    "P95 MS",
                    "ERROR",
                ],
                &cells,
            )?
        }
    }
    Ok(exit(
        !app.failed.is_empty() || results.iter().any(|(_, r)| r.is_err()),
    ))
}
