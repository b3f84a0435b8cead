//! Call bookkeeping: every call a guarded service makes is counted here
//! (successes, failures, the last error), and [`Health`] reports the figures
//! with the plugin's state and its HTTP client's metrics.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Registry;
use crate::error::Result;
use crate::http::MetricsSnapshot;
use crate::lifecycle::PluginState;

/// A plugin's health, for `stonks health` and monitoring.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// The plugin id.
    pub id: String,
    /// Its state.
    pub state: PluginState,
    /// Why it is in `Error`, when it is.
    pub error: Option<String>,
    /// When a service call last succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// Service calls made through the registry.
    pub calls: u64,
    /// Service calls that failed.
    pub call_errors: u64,
    /// The last failed call: when, and why.
    pub last_error: Option<(DateTime<Utc>, String)>,
    /// What its HTTP client measured.
    pub http: MetricsSnapshot,
}

impl Registry {
    /// The plugin's health: state, call counts and its HTTP figures.
    pub fn health(&self, id: &str) -> Result<Health> {
        let inner = self.read();
        let entry = &inner.entries[Self::index(&inner, id)?];
        let http = entry.metrics.snapshot();
        Ok(Health {
            id: entry.id.clone(),
            state: entry.state,
            error: entry.error.clone(),
            last_success: entry.last_success,
            calls: entry.calls,
            call_errors: entry.call_errors,
            last_error: entry.last_error.clone(),
            http,
        })
    }

    /// Records the outcome of a service call made through a guard: `None`
    /// for a success, the (redacted) error text for a failure.
    pub(super) fn record_call(&self, id: &str, failure: Option<String>) {
        let mut inner = self.write();
        if let Ok(i) = Self::index(&inner, id) {
            let entry = &mut inner.entries[i];
            entry.calls += 1;
            match failure {
                None => entry.last_success = Some(Utc::now()),
                Some(why) => {
                    entry.call_errors += 1;
                    entry.last_error = Some((Utc::now(), why));
                }
            }
        }
    }

    /// Turns a plugin to `Error` after it panicked in a call.
    pub(super) fn plugin_panicked(&self, id: &str, why: String) {
        let mut inner = self.write();
        if let Ok(i) = Self::index(&inner, id) {
            let entry = &mut inner.entries[i];
            entry.calls += 1;
            entry.call_errors += 1;
            self.fail(entry, why);
        }
    }
}
