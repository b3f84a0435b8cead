//! Building the catalog: every registered record is checked (manifest,
//! compatibility, duplicate ids, dependencies) and enters as `Loaded`, or as
//! `Error` with the reason; instances of a loaded plugin are added later.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use chrono::Utc;
use tokio::sync::broadcast;

use super::compat::compatibility_problem;
use super::entry::Entry;
use super::{Inner, Registry, Shared, deps};
use crate::error::{Error, ErrorKind, Result};
use crate::lifecycle::PluginState;
use crate::manifest::Manifest;
use crate::plugin::PluginRecord;

use super::folders::{self, PluginOrigin, Source};

/// Collects plugin records, then builds a [`Registry`].
#[derive(Default)]
pub struct RegistryBuilder {
    records: Vec<PluginRecord>,
    routes: Vec<(String, SocketAddr)>,
    dirs: Vec<PathBuf>,
}

impl RegistryBuilder {
    /// Adds one record explicitly.
    pub fn register(mut self, record: PluginRecord) -> Self {
        self.records.push(record);
        self
    }

    /// Adds several records.
    pub fn register_all(mut self, records: impl IntoIterator<Item = PluginRecord>) -> Self {
        self.records.extend(records);
        self
    }

    /// Adds every record linked into the binary through `inventory`.
    pub fn discover(mut self) -> Self {
        self.records
            .extend(inventory::iter::<PluginRecord>.into_iter().copied());
        self
    }

    /// Adds every runtime plugin in `dir`: each folder in it with a
    /// `manifest.json` whose `process` section names the program (see
    /// [`crate::process`]). A folder whose manifest cannot be read or does
    /// not check enters the catalog in `Error` with the reason, named by
    /// its folder; the others load. A `dir` that does not exist adds none.
    pub fn plugin_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dirs.push(dir.into());
        self
    }

    /// Sends every request a plugin's HTTP client makes to the origin of
    /// `from` (scheme, host and port) to `to`, a loopback address, over
    /// plain HTTP, keeping the URL, the allowlist check and the `Host`
    /// header (see [`HttpClientBuilder::route_origin`]): for tests that
    /// build a plugin exactly as users do, production hosts included,
    /// against a local mock. Only with the `test-util` feature; a `to` that
    /// is not a loopback address fails the plugin's activation.
    ///
    /// [`HttpClientBuilder::route_origin`]: crate::http::HttpClientBuilder::route_origin
    #[cfg(any(test, feature = "test-util"))]
    pub fn route_origin(mut self, from: &str, to: SocketAddr) -> Self {
        self.routes.push((from.to_owned(), to));
        self
    }

    /// Checks every record and builds the catalog.
    pub fn build(self) -> Registry {
        let (events, _) = broadcast::channel(256);
        let (notices, _) = broadcast::channel(64);
        let registry = Registry {
            shared: Arc::new(Shared {
                inner: RwLock::new(Inner {
                    entries: Vec::with_capacity(self.records.len()),
                    by_id: HashMap::with_capacity(self.records.len()),
                    load_order: Vec::new(),
                }),
                events,
                notices,
                routes: self.routes,
            }),
        };
        let mut sources: Vec<Source> = self.records.into_iter().map(Source::Linked).collect();
        sources.extend(folders::find(&self.dirs));
        registry.load(sources);
        registry
    }
}

impl Registry {
    /// A builder, for registering records explicitly.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// A registry of every plugin linked into the binary.
    pub fn discover() -> Registry {
        Self::builder().discover().build()
    }

    fn load(&self, sources: Vec<Source>) {
        let mut guard = self.write();
        let inner = &mut *guard;
        let mut started = Vec::with_capacity(sources.len());
        let mut unnamed = 0;
        for source in sources {
            let t0 = Instant::now();
            let mut entry = match source {
                Source::Linked(record) => {
                    self.check(record.manifest, record, PluginOrigin::Linked, &mut unnamed)
                }
                Source::Folder(found) => self.check_folder(found, &mut unnamed),
            };
            let idx = inner.entries.len();
            claim_id(inner, &mut entry, idx);
            started.push((idx, t0));
            inner.entries.push(entry);
        }
        resolve_dependencies(inner);
        for (idx, t0) in started {
            let entry = &mut inner.entries[idx];
            entry.load_time = Some(t0.elapsed());
            self.finish_loading(entry, "manifest valid and compatible");
        }
    }

    /// A new entry for `record`, `Loading`, with the reason it cannot load
    /// when its manifest is invalid or incompatible. A manifest too broken
    /// to name its plugin gets the next `unnamed-plugin-N`.
    pub(super) fn check(
        &self,
        text: &str,
        record: PluginRecord,
        origin: PluginOrigin,
        unnamed: &mut usize,
    ) -> Entry {
        let parsed = Manifest::from_json(text);
        let id = match &parsed {
            Ok(m) => m.id().to_owned(),
            Err(_) => Manifest::sniff_id(text).unwrap_or_else(|| {
                *unnamed += 1;
                format!("unnamed-plugin-{unnamed}")
            }),
        };
        let mut entry = Entry::new(id.clone(), id, record);
        entry.origin = origin;
        self.transition(&mut entry, PluginState::Discovered, "registration found");
        self.transition(&mut entry, PluginState::Loading, "checking manifest");
        match parsed {
            Ok(mut m) => {
                // A runtime plugin registered by record runs from its folder.
                if let (Some(dir), Some(p)) = (record.dir, m.process.as_mut()) {
                    p.dir = Some(dir.to_owned());
                }
                entry.manifest = Some(Arc::new(m));
            }
            Err(e) => entry.load_error = Some(format!("invalid manifest: {e}")),
        }
        if let Some(m) = &entry.manifest
            && let Some(why) = compatibility_problem(m)
        {
            entry.load_error = Some(why);
            entry.load_error_kind = ErrorKind::Incompatible;
        }
        entry
    }

    /// Ends loading `entry`: `Error` with the reason it cannot load, else
    /// `Loaded` for `reason`.
    fn finish_loading(&self, entry: &mut Entry, reason: &'static str) {
        match entry.load_error.clone() {
            Some(why) => self.fail(entry, why),
            None => {
                entry.loaded_at = Some(Utc::now());
                self.transition(entry, PluginState::Loaded, reason);
            }
        }
    }

    /// Another instance of `plugin`, named `instance`: the same code with
    /// its own configuration, state, health and figures (a household's two
    /// DEGIRO accounts, several files for the `file` broker). It starts
    /// `Loaded`, or in the plugin's own error when the plugin cannot load,
    /// and is activated and used by its name like any plugin. The name
    /// follows plugin ids (kebab-case) and must be free.
    pub fn instantiate(&self, instance: &str, plugin: &str) -> Result<()> {
        if let Some(why) = crate::manifest::text::check_plugin_id(instance) {
            return Err(Error::config(format!(
                "instance name {:?}: {why}",
                crate::error::excerpt_of(instance, 64)
            )));
        }
        let mut inner = self.write();
        if inner.by_id.contains_key(instance) {
            return Err(Error::config(format!(
                "{instance:?} already names a plugin or an instance"
            )));
        }
        let source = &inner.entries[Self::index(&inner, plugin)?];
        if source.plugin != source.id {
            return Err(Error::config(format!(
                "{plugin:?} is an instance of {:?}: make instances of the plugin itself",
                source.plugin
            )));
        }
        let mut entry = Entry {
            manifest: source.manifest.clone(),
            load_error: source.load_error.clone(),
            load_error_kind: source.load_error_kind.clone(),
            // An instance of a folder plugin runs from that folder too.
            origin: source.origin.clone(),
            folder_stamp: source.folder_stamp,
            ..Entry::new(instance.to_owned(), plugin.to_owned(), source.record)
        };
        self.transition(
            &mut entry,
            PluginState::Discovered,
            format!("instance of {plugin}"),
        );
        self.finish_loading(&mut entry, "instance ready");
        let idx = inner.entries.len();
        inner.entries.push(entry);
        inner.by_id.insert(instance.to_owned(), idx);
        inner.load_order.push(instance.to_owned());
        Ok(())
    }
}

/// Gives `entry` (about to stand at `idx`) its id in the catalog, or the
/// reason it cannot have it: the first valid registration of an id keeps it,
/// and a valid one takes it from an invalid one.
fn claim_id(inner: &mut Inner, entry: &mut Entry, idx: usize) {
    let Some(first) = inner.by_id.get(&entry.id).copied() else {
        inner.by_id.insert(entry.id.clone(), idx);
        return;
    };
    let other = &inner.entries[first];
    let version = |m: &Option<Arc<Manifest>>| {
        m.as_ref()
            .map_or("?".to_owned(), |m| m.plugin.version.to_string())
    };
    if other.load_error.is_none() {
        if entry.load_error.is_none() {
            entry.load_error = Some(format!(
                "duplicate plugin id {:?}: version {} is registered again, version {} was registered first",
                entry.id,
                version(&entry.manifest),
                version(&other.manifest)
            ));
        }
    } else if entry.load_error.is_none() {
        // A valid registration takes the id from an invalid one.
        inner.by_id.insert(entry.id.clone(), idx);
    }
}

/// Checks dependencies among the plugins that are otherwise fine, marks
/// those that cannot load for it, and stores the load order.
fn resolve_dependencies(inner: &mut Inner) {
    let fine: BTreeMap<&str, &Manifest> = inner
        .entries
        .iter()
        .filter(|e| e.load_error.is_none())
        .filter_map(|e| Some((e.id.as_str(), e.manifest.as_deref()?)))
        .collect();
    let failed: HashMap<&str, String> = inner
        .entries
        .iter()
        .filter_map(|e| Some((e.id.as_str(), e.load_error.clone()?)))
        .collect();
    let (order, dep_errors) = deps::resolve(&fine, &failed);
    for e in inner.entries.iter_mut() {
        if e.load_error.is_none()
            && let Some(why) = dep_errors.get(&e.id)
        {
            e.load_error = Some(why.clone());
            e.load_error_kind = ErrorKind::Incompatible;
        }
    }
    inner.load_order = order;
}
