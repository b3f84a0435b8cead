//! Lookups: what the catalog shows of each plugin, and which usable plugins
//! offer a service, a market or a currency. Read-only.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Registry;
use super::entry::Entry;
use crate::lifecycle::{PluginState, Transition};
use crate::manifest::{Manifest, Service};

/// One plugin as the catalog shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogEntry {
    /// The plugin id (for a manifest too broken to name itself, a
    /// placeholder), or the instance's name.
    pub id: String,
    /// The plugin it runs: `id` itself, or the plugin an instance was made
    /// of (see [`Registry::instantiate`]).
    pub plugin: String,
    /// The manifest, when it parsed.
    #[serde(skip)]
    pub manifest: Option<Arc<Manifest>>,
    /// The current state.
    pub state: PluginState,
    /// Every transition so far.
    pub history: Vec<Transition>,
    /// When the registry finished loading it.
    pub loaded_at: Option<DateTime<Utc>>,
    /// How long checking and loading took.
    pub load_time: Option<Duration>,
    /// Why it is in `Error`, when it is.
    pub error: Option<String>,
    /// Linked into the binary, or a runtime plugin's folder.
    pub origin: super::PluginOrigin,
}

fn catalog_entry(e: &Entry) -> CatalogEntry {
    CatalogEntry {
        id: e.id.clone(),
        plugin: e.plugin.clone(),
        manifest: e.manifest.clone(),
        state: e.state,
        history: e.history.clone(),
        loaded_at: e.loaded_at,
        load_time: e.load_time,
        error: e.error.clone(),
        origin: e.origin.clone(),
    }
}

impl Registry {
    /// Every plugin in the catalog, in registration order.
    pub fn catalog(&self) -> Vec<CatalogEntry> {
        self.read().entries.iter().map(catalog_entry).collect()
    }

    /// One plugin's catalog entry.
    pub fn entry(&self, id: &str) -> Option<CatalogEntry> {
        let inner = self.read();
        inner
            .by_id
            .get(id)
            .map(|&i| catalog_entry(&inner.entries[i]))
    }

    /// The ids of plugins that can load, dependencies first.
    pub fn load_order(&self) -> Vec<String> {
        self.read().load_order.clone()
    }

    /// Usable plugins (loaded or active) that declare `service`.
    pub fn with_service(&self, service: Service) -> Vec<String> {
        self.ids_where(|m| m.declares(service))
    }

    /// Usable plugins that trade on market `mic`.
    pub fn with_market(&self, mic: &str) -> Vec<String> {
        self.ids_where(|m| m.capabilities.markets.iter().any(|x| x.as_str() == mic))
    }

    /// Usable plugins that hold currency or asset `code`.
    pub fn with_currency(&self, code: &str) -> Vec<String> {
        self.ids_where(|m| m.capabilities.currencies.iter().any(|x| x.as_str() == code))
    }

    fn ids_where(&self, pred: impl Fn(&Manifest) -> bool) -> Vec<String> {
        self.read()
            .entries
            .iter()
            .filter(|e| matches!(e.state, PluginState::Loaded | PluginState::Active))
            .filter(|e| e.manifest.as_deref().is_some_and(&pred))
            .map(|e| e.id.clone())
            .collect()
    }
}
