//! One plugin (or instance) as the registry keeps it: what it was built
//! from, where it is in its lifecycle, its running services and its call
//! figures. Every other module of the registry reads and writes these.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::{Error, ErrorKind};
use crate::http::{Metrics, Redactor};
use crate::lifecycle::{PluginState, Transition};
use crate::manifest::Manifest;
use crate::plugin::{PluginRecord, Services};

/// What a started plugin runs.
pub(super) struct Instance {
    pub(super) services: Services,
}

pub(super) struct Entry {
    pub(super) id: String,
    /// The plugin this entry runs (its own id unless it is an instance).
    pub(super) plugin: String,
    pub(super) record: PluginRecord,
    pub(super) manifest: Option<Arc<Manifest>>,
    pub(super) state: PluginState,
    pub(super) history: Vec<Transition>,
    pub(super) loaded_at: Option<DateTime<Utc>>,
    pub(super) load_time: Option<Duration>,
    /// Why the plugin can never load (manifest, compatibility, dependencies),
    /// and the kind of error callers get for it.
    pub(super) load_error: Option<String>,
    pub(super) load_error_kind: ErrorKind,
    /// Why it is in `Error` now.
    pub(super) error: Option<String>,
    pub(super) instance: Option<Instance>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) redactor: Redactor,
    pub(super) calls: u64,
    pub(super) call_errors: u64,
    pub(super) last_success: Option<DateTime<Utc>>,
    pub(super) last_error: Option<(DateTime<Utc>, String)>,
    /// Bumped at every start, so handles to an older instance stop working.
    pub(super) generation: u64,
    /// Linked, or a runtime plugin's folder.
    pub(super) origin: super::folders::PluginOrigin,
    /// A runtime plugin's folder as last read (see `Registry::changed_folders`).
    pub(super) folder_stamp: Option<std::time::SystemTime>,
}

impl Entry {
    /// A newly found entry `id` running `plugin`: no manifest or load error
    /// yet, no history, no figures.
    pub(super) fn new(id: String, plugin: String, record: PluginRecord) -> Entry {
        Entry {
            id,
            plugin,
            record,
            manifest: None,
            state: PluginState::Discovered,
            history: Vec::new(),
            loaded_at: None,
            load_time: None,
            load_error: None,
            load_error_kind: ErrorKind::Manifest,
            error: None,
            instance: None,
            metrics: Arc::default(),
            redactor: Redactor::new(),
            calls: 0,
            call_errors: 0,
            last_success: None,
            last_error: None,
            generation: 0,
            origin: Default::default(),
            folder_stamp: None,
        }
    }

    /// The error for a call that needs this plugin active, in its current
    /// state.
    pub(super) fn not_usable(&self) -> Error {
        match self.state {
            // It never loaded: the kind says why (manifest, incompatible).
            PluginState::Error if self.load_error.is_some() => Error::new(
                self.load_error_kind.clone(),
                self.load_error.clone().unwrap_or_default(),
            ),
            PluginState::Error => Error::plugin_fault(format!(
                "plugin is in error: {}",
                self.error.as_deref().unwrap_or("unknown reason")
            )),
            other => Error::config(format!("plugin is {other}, not active; activate it first")),
        }
        .with_plugin(self.id.clone())
    }
}
