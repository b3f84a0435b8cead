//! `stonks health`: one portfolio call per broker, then each broker's
//! state, figures and last error.

use std::io::Write;

use stonks_app::{health, sync};

use super::{Flags, Outcome, exit};
use crate::render::{Format, csv, json, table};

/// Calls each broker once and shows its health.
pub async fn run(out: &mut impl Write, flags: &Flags<'_>) -> Outcome {
    let app = super::start(flags).await?;
    let results = sync::portfolios(&app).await;
    let rows = health::rows(&app);
    let opt_u = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    match flags.format {
        Format::Json => json::write(&mut *out, &rows)?,
        Format::Csv => csv::write(
            &mut *out,
            &[
                "id",
                "state",
                "last_success",
                "requests",
                "errors",
                "latency_p50_ms",
                "latency_p95_ms",
                "error",
                "error_at",
            ],
            rows.iter().map(|r| {
                vec![
                    r.id.clone(),
                    r.state.clone(),
                    opt(&r.last_success),
                    r.requests.to_string(),
                    r.errors.to_string(),
                    opt_u(r.latency_p50_ms),
                    opt_u(r.latency_p95_ms),
                    opt(&r.error),
                    opt(&r.error_at),
                ]
            }),
        )?,
        Format::Table => table::write(
            &mut *out,
            &[
                "BROKER",
                "STATE",
                "LAST SUCCESS",
                "REQUESTS",
                "ERRORS",
                "P50 MS",
                "P95 MS",
                "LAST ERROR",
                "AT",
            ],
            &[3, 4, 5, 6],
            rows.iter()
                .map(|r| {
                    vec![
                        r.id.clone(),
                        r.state.clone(),
                        r.last_success.clone().unwrap_or("-".into()),
                        r.requests.to_string(),
                        r.errors.to_string(),
                        r.latency_p50_ms.map_or("-".into(), |v| v.to_string()),
                        r.latency_p95_ms.map_or("-".into(), |v| v.to_string()),
                        table::text(r.error.as_deref().unwrap_or("-"), 80),
                        r.error_at.clone().unwrap_or("-".into()),
                    ]
                })
                .collect(),
        )?,
    }
    Ok(exit(
        !app.failed.is_empty() || results.iter().any(|(_, r)| r.is_err()),
    ))
}
