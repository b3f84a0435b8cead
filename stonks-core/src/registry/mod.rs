//! The registry: the catalog of plugins, their lifecycle, and the services
//! they provide, in whichever version a caller asks for.
//!
//! ```
//! use stonks_core::Registry;
//! let registry = Registry::discover(); // every plugin linked into this binary
//! for entry in registry.catalog() {
//!     println!("{} {}", entry.id, entry.state);
//! }
//! ```
//!
//! Nothing a plugin brings can take the host down: an invalid, incompatible
//! or duplicate plugin stays in the catalog in state `Error` with the reason;
//! a factory or service call that panics turns its plugin to `Error` and
//! the caller gets an [`ErrorKind::Plugin`](crate::ErrorKind::Plugin) error.
//!
//! The code is split by job: [`Registry`] itself and the lock around its
//! entries live here; `compat` says which plugins this core can run,
//! `loading` builds the catalog, `catalog` answers lookups, `lifecycle`
//! moves plugins between states, `services` hands out their services,
//! `guard` wraps every call and `bookkeeping` counts them.

mod bookkeeping;
mod catalog;
mod compat;
mod deps;
mod entry;
mod folders;
mod guard;
mod lifecycle;
mod loading;
mod services;

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokio::sync::broadcast;

use crate::error::{Error, Result};
use crate::lifecycle::{LifecycleEvent, PluginNotice};
use entry::Entry;

pub use bookkeeping::Health;
pub use catalog::CatalogEntry;
pub use compat::{PLUGIN_API_VERSION, core_version, is_compatible};
pub use folders::PluginOrigin;
pub(crate) use folders::read_manifest;
pub use loading::RegistryBuilder;

/// The catalog, behind the registry's lock.
struct Inner {
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
    load_order: Vec<String>,
}

struct Shared {
    inner: RwLock<Inner>,
    events: broadcast::Sender<LifecycleEvent>,
    notices: broadcast::Sender<PluginNotice>,
    /// Origins every plugin's HTTP client sends to a local address instead
    /// (tests only, see `RegistryBuilder::route_origin`).
    routes: Vec<(String, std::net::SocketAddr)>,
}

/// The catalog of plugins and the door to their services. Cheap to clone;
/// clones share one catalog.
#[derive(Clone)]
pub struct Registry {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<String> = self.read().entries.iter().map(|e| e.id.clone()).collect();
        f.debug_struct("Registry").field("plugins", &ids).finish()
    }
}

impl Registry {
    /// Listens to every plugin notice from now on (e.g. "approve the login
    /// in your broker's app").
    pub fn notices(&self) -> broadcast::Receiver<PluginNotice> {
        self.shared.notices.subscribe()
    }

    /// Listens to every state transition from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LifecycleEvent> {
        self.shared.events.subscribe()
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.shared.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.shared.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    fn index(inner: &Inner, id: &str) -> Result<usize> {
        inner.by_id.get(id).copied().ok_or_else(|| {
            let mut known: Vec<&str> = inner.by_id.keys().map(String::as_str).collect();
            known.sort_unstable();
            Error::config(format!(
                "no plugin {:?} in the catalog (installed: {})",
                crate::error::excerpt_of(id, 64),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        })
    }
}

/// The message of a panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_owned()
    }
}

#[cfg(test)]
mod tests;
