//! Each broker's health: state, last success, request and error counts,
//! latency, and its last error with when it happened.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::app::App;

/// One broker's figures.
#[derive(Debug, Clone, Serialize)]
pub struct HealthRow {
    /// The broker.
    pub id: String,
    /// Its lifecycle state (`active`, `error`, ...).
    pub state: String,
    /// When a call last succeeded.
    pub last_success: Option<String>,
    /// HTTP requests made.
    pub requests: u64,
    /// Of those, failed.
    pub errors: u64,
    /// Median latency, ms.
    pub latency_p50_ms: Option<u64>,
    /// 95th percentile latency, ms.
    pub latency_p95_ms: Option<u64>,
    /// The last error, as one line.
    pub error: Option<String>,
    /// When it happened.
    pub error_at: Option<String>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The health of every enabled broker (after whatever calls were made),
/// those that could not start included.
pub fn rows(app: &App) -> Vec<HealthRow> {
    let mut out: Vec<HealthRow> = app
        .failed
        .iter()
        .map(|(id, why)| HealthRow {
            id: id.clone(),
            state: "error".into(),
            last_success: None,
            requests: 0,
            errors: 0,
            latency_p50_ms: None,
            latency_p95_ms: None,
            error: Some(why.clone()),
            error_at: None,
        })
        .collect();
    for (id, _) in app.active_brokers() {
        let Ok(h) = app.registry.health(&id) else {
            continue;
        };
        let ms = |d: std::time::Duration| {
            (h.http.latency.count > 0).then(|| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        };
        // A broker whose last call failed is not simply "active": say so.
        let failing = match (&h.last_error, h.last_success) {
            (Some((at, _)), Some(ok)) => *at > ok,
            (Some(_), None) => true,
            _ => false,
        };
        out.push(HealthRow {
            id: id.clone(),
            state: if failing {
                format!("{} (failing)", h.state.as_str())
            } else {
                h.state.as_str().to_owned()
            },
            last_success: h.last_success.map(time),
            requests: h.http.requests,
            errors: h.http.errors,
            latency_p50_ms: ms(h.http.latency.p50),
            latency_p95_ms: ms(h.http.latency.p95),
            error: h
                .last_error
                .as_ref()
                .map(|(_, e)| e.clone())
                .or(h.error.clone()),
            error_at: h.last_error.as_ref().map(|(t, _)| time(*t)),
        });
    }
    out
}
