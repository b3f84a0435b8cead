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
//! the caller gets an [`ErrorKind::Plugin`] error.

mod deps;
mod guard;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::adapt::{V1AsV2, V2AsV1};
use crate::config::PluginConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Metrics, MetricsSnapshot, Redactor};
use crate::lifecycle::{LifecycleEvent, Notifier, PluginNotice, PluginState, Transition};
use crate::manifest::{Manifest, Service};
use crate::plugin::{PluginContext, PluginRecord, Services};
use crate::{v1, v2};

/// The plugin API version this core implements.
///
/// A plugin is compatible when its `api.min_version <= PLUGIN_API_VERSION`
/// and `PLUGIN_API_VERSION.major <= api.max_version.major`.
pub const PLUGIN_API_VERSION: semver::Version = semver::Version::new(1, 0, 0);

/// The compatibility rule, for any API version (see [`PLUGIN_API_VERSION`]).
pub fn is_compatible(min: &semver::Version, max: &semver::Version, api: &semver::Version) -> bool {
    min <= api && api.major <= max.major
}

/// Version of this `stonks-core`, matched against `dependencies.core`.
pub fn core_version() -> &'static semver::Version {
    static VERSION: std::sync::OnceLock<semver::Version> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        semver::Version::parse(env!("CARGO_PKG_VERSION"))
            .unwrap_or_else(|_| semver::Version::new(0, 0, 0))
    })
}

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
}

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

struct Instance {
    services: Services,
}

struct Entry {
    id: String,
    /// The plugin this entry runs (its own id unless it is an instance).
    plugin: String,
    record: PluginRecord,
    manifest: Option<Arc<Manifest>>,
    state: PluginState,
    history: Vec<Transition>,
    loaded_at: Option<DateTime<Utc>>,
    load_time: Option<Duration>,
    /// Why the plugin can never load (manifest, compatibility, dependencies),
    /// and the kind of error callers get for it.
    load_error: Option<String>,
    load_error_kind: ErrorKind,
    /// Why it is in `Error` now.
    error: Option<String>,
    instance: Option<Instance>,
    metrics: Arc<Metrics>,
    redactor: Redactor,
    calls: u64,
    call_errors: u64,
    last_success: Option<DateTime<Utc>>,
    last_error: Option<(DateTime<Utc>, String)>,
    /// Bumped at every start, so handles to an older instance stop working.
    generation: u64,
}

/// A service picked from an instance, with what its guard needs.
pub(crate) struct Handle<S> {
    service: S,
    redactor: Redactor,
    generation: u64,
}

struct Inner {
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
    load_order: Vec<String>,
}

pub(crate) struct Shared {
    inner: RwLock<Inner>,
    events: broadcast::Sender<LifecycleEvent>,
    notices: broadcast::Sender<PluginNotice>,
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

/// Collects plugin records, then builds a [`Registry`].
#[derive(Default)]
pub struct RegistryBuilder {
    records: Vec<PluginRecord>,
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
            }),
        };
        registry.load(self.records);
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

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.shared.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.shared.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Listens to every plugin notice from now on (e.g. "approve the login
    /// in your broker's app").
    pub fn notices(&self) -> broadcast::Receiver<PluginNotice> {
        self.shared.notices.subscribe()
    }

    /// Listens to every state transition from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LifecycleEvent> {
        self.shared.events.subscribe()
    }

    fn transition(
        &self,
        entry: &mut Entry,
        to: PluginState,
        reason: impl Into<std::borrow::Cow<'static, str>>,
    ) {
        let t = Transition {
            from: entry.history.last().map(|t| t.to),
            to,
            at: Utc::now(),
            reason: reason.into(),
        };
        entry.state = to;
        if to != PluginState::Error {
            entry.error = None;
        }
        tracing::debug!(plugin = %entry.id, from = ?t.from, to = %to, reason = %t.reason, "lifecycle");
        if self.shared.events.receiver_count() > 0 {
            // A subscriber that went away in the meantime is fine.
            let _ = self.shared.events.send(LifecycleEvent {
                plugin: entry.id.clone(),
                transition: t.clone(),
            });
        }
        entry.history.push(t);
    }

    fn fail(&self, entry: &mut Entry, why: String) {
        entry.error = Some(why.clone());
        entry.instance = None;
        self.transition(entry, PluginState::Error, why);
    }

    fn load(&self, records: Vec<PluginRecord>) {
        let mut guard = self.write();
        let inner = &mut *guard;
        let mut started = Vec::with_capacity(records.len());
        let mut unnamed = 0;
        for record in records {
            let t0 = Instant::now();
            let parsed = Manifest::from_json(record.manifest);
            let id = match &parsed {
                Ok(m) => m.id().to_owned(),
                Err(_) => Manifest::sniff_id(record.manifest).unwrap_or_else(|| {
                    unnamed += 1;
                    format!("unnamed-plugin-{unnamed}")
                }),
            };
            let mut entry = Entry {
                plugin: id.clone(),
                id,
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
            };
            self.transition(&mut entry, PluginState::Discovered, "registration found");
            self.transition(&mut entry, PluginState::Loading, "checking manifest");
            match parsed {
                Ok(m) => entry.manifest = Some(Arc::new(m)),
                Err(e) => entry.load_error = Some(format!("invalid manifest: {e}")),
            }
            if let Some(m) = &entry.manifest
                && let Some(why) = compatibility_problem(m)
            {
                entry.load_error = Some(why);
                entry.load_error_kind = ErrorKind::Incompatible;
            }
            let idx = inner.entries.len();
            match inner.by_id.get(&entry.id).copied() {
                None => {
                    inner.by_id.insert(entry.id.clone(), idx);
                }
                Some(first) => {
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
            }
            started.push((idx, t0));
            inner.entries.push(entry);
        }

        // Dependencies, among the plugins that are otherwise fine.
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

        for (idx, t0) in started {
            let entry = &mut inner.entries[idx];
            entry.load_time = Some(t0.elapsed());
            match entry.load_error.clone() {
                Some(why) => self.fail(entry, why),
                None => {
                    entry.loaded_at = Some(Utc::now());
                    self.transition(entry, PluginState::Loaded, "manifest valid and compatible");
                }
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
            id: instance.to_owned(),
            plugin: plugin.to_owned(),
            record: source.record,
            manifest: source.manifest.clone(),
            state: PluginState::Discovered,
            history: Vec::new(),
            loaded_at: None,
            load_time: None,
            load_error: source.load_error.clone(),
            load_error_kind: source.load_error_kind.clone(),
            error: None,
            instance: None,
            metrics: Arc::default(),
            redactor: Redactor::new(),
            calls: 0,
            call_errors: 0,
            last_success: None,
            last_error: None,
            generation: 0,
        };
        self.transition(
            &mut entry,
            PluginState::Discovered,
            format!("instance of {plugin}"),
        );
        match entry.load_error.clone() {
            Some(why) => self.fail(&mut entry, why),
            None => {
                entry.loaded_at = Some(Utc::now());
                self.transition(&mut entry, PluginState::Loaded, "instance ready");
            }
        }
        let idx = inner.entries.len();
        inner.entries.push(entry);
        inner.by_id.insert(instance.to_owned(), idx);
        inner.load_order.push(instance.to_owned());
        Ok(())
    }

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

    fn ids_where(&self, pred: impl Fn(&Manifest) -> bool) -> Vec<String> {
        self.read()
            .entries
            .iter()
            .filter(|e| matches!(e.state, PluginState::Loaded | PluginState::Active))
            .filter(|e| e.manifest.as_deref().is_some_and(&pred))
            .map(|e| e.id.clone())
            .collect()
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

    /// Configures and starts a loaded plugin. The configuration is checked
    /// against the manifest first (every problem at once); then the factory
    /// runs, and what it provides must be exactly what the manifest lists.
    pub fn activate(&self, id: &str, config: &serde_json::Value) -> Result<()> {
        let (manifest, record, metrics) = {
            let mut inner = self.write();
            let i = Self::index(&inner, id)?;
            let entry = &mut inner.entries[i];
            match entry.state {
                PluginState::Loaded => {}
                PluginState::Active => {
                    return Err(
                        Error::config("already active; use reload to change its settings")
                            .with_plugin(id),
                    );
                }
                other => return Err(not_usable(entry, other).with_operation("activate")),
            }
            let manifest = entry
                .manifest
                .clone()
                .ok_or_else(|| Error::plugin_fault("no manifest"))?;
            self.transition(entry, PluginState::Loading, "activating");
            (manifest, entry.record, entry.metrics.clone())
        };
        let result = PluginConfig::from_json(&manifest, config);
        match result {
            Ok(cfg) => self.start(id, manifest, record, metrics, cfg, "activated"),
            Err(e) => {
                let mut inner = self.write();
                if let Ok(i) = Self::index(&inner, id) {
                    self.transition(
                        &mut inner.entries[i],
                        PluginState::Loaded,
                        "configuration rejected",
                    );
                }
                Err(e.with_operation("activate"))
            }
        }
    }

    /// Runs the factory (caught if it panics) and stores the instance.
    fn start(
        &self,
        id: &str,
        manifest: Arc<Manifest>,
        record: PluginRecord,
        metrics: Arc<Metrics>,
        config: PluginConfig,
        reason: &'static str,
    ) -> Result<()> {
        let mut redactor = Redactor::new();
        for s in config.secret_texts() {
            redactor.add(s);
        }
        let ctx = PluginContext {
            manifest: manifest.clone(),
            config,
            metrics,
            notifier: Notifier::new(id, Some(self.shared.notices.clone())),
        };
        let built =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (record.factory)(&ctx)));
        drop(ctx);
        let outcome = match built {
            Ok(Ok(services)) => interface_mismatch(&manifest, &services).map_or(Ok(services), Err),
            // The plugin refused its settings: the user's to fix, like a
            // configuration the manifest check refused. Its words, redacted.
            Ok(Err(e)) if e.kind() == &ErrorKind::Config => {
                let message = redactor.redact(e.message()).into_owned();
                let mut inner = self.write();
                let i = Self::index(&inner, id)?;
                self.transition(
                    &mut inner.entries[i],
                    PluginState::Loaded,
                    "configuration rejected by the plugin",
                );
                return Err(Error::config(message)
                    .with_plugin(id)
                    .with_operation("activate"));
            }
            Ok(Err(e)) => Err(format!(
                "factory failed: {}",
                redactor.redact(&e.to_string())
            )),
            Err(payload) => Err(format!(
                "factory panicked: {}",
                redactor.redact(&panic_text(&*payload))
            )),
        };
        let mut inner = self.write();
        let i = Self::index(&inner, id)?;
        let entry = &mut inner.entries[i];
        entry.redactor = redactor;
        match outcome {
            Ok(services) => {
                entry.generation += 1;
                entry.instance = Some(Instance { services });
                self.transition(entry, PluginState::Active, reason);
                Ok(())
            }
            Err(why) => {
                self.fail(entry, why.clone());
                Err(Error::plugin_fault(why)
                    .with_plugin(id)
                    .with_operation("activate"))
            }
        }
    }

    /// Stops an active plugin; it can be activated again.
    pub fn deactivate(&self, id: &str) -> Result<()> {
        let mut inner = self.write();
        let i = Self::index(&inner, id)?;
        let entry = &mut inner.entries[i];
        if entry.state != PluginState::Active {
            return Err(not_usable(entry, entry.state).with_operation("deactivate"));
        }
        self.transition(entry, PluginState::Unloading, "deactivating");
        entry.instance = None;
        self.transition(entry, PluginState::Loaded, "deactivated");
        Ok(())
    }

    /// Replaces an active plugin's settings or credentials without a
    /// restart. A configuration that does not check leaves the running
    /// instance as it was. On a plugin that is not active, this activates it.
    pub fn reload(&self, id: &str, config: &serde_json::Value) -> Result<()> {
        let (manifest, record, metrics) = {
            let inner = self.read();
            let i = Self::index(&inner, id)?;
            let entry = &inner.entries[i];
            if entry.state != PluginState::Active {
                drop(inner);
                return self.activate(id, config);
            }
            let manifest = entry
                .manifest
                .clone()
                .ok_or_else(|| Error::plugin_fault("no manifest"))?;
            (manifest, entry.record, entry.metrics.clone())
        };
        let cfg =
            PluginConfig::from_json(&manifest, config).map_err(|e| e.with_operation("reload"))?;
        {
            let mut inner = self.write();
            let i = Self::index(&inner, id)?;
            let entry = &mut inner.entries[i];
            self.transition(entry, PluginState::Unloading, "reloading with new settings");
            entry.instance = None;
            self.transition(entry, PluginState::Loading, "reloading with new settings");
        }
        self.start(id, manifest, record, metrics, cfg, "reloaded")
    }

    /// Switches a plugin off, whatever its state.
    pub fn disable(&self, id: &str) -> Result<()> {
        let mut inner = self.write();
        let i = Self::index(&inner, id)?;
        let entry = &mut inner.entries[i];
        if entry.state != PluginState::Disabled {
            entry.instance = None;
            self.transition(entry, PluginState::Disabled, "disabled by the host");
        }
        Ok(())
    }

    /// Switches a disabled plugin back on: `Loaded` if it can load, else
    /// `Error` with the reason it could not.
    pub fn enable(&self, id: &str) -> Result<()> {
        let mut inner = self.write();
        let i = Self::index(&inner, id)?;
        let entry = &mut inner.entries[i];
        if entry.state != PluginState::Disabled {
            return Ok(());
        }
        match entry.load_error.clone() {
            Some(why) => self.fail(entry, why),
            None => self.transition(entry, PluginState::Loaded, "enabled by the host"),
        }
        Ok(())
    }

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

    /// Checks that `id` is active and declares `service`, then hands its
    /// instance's services to `pick`.
    fn service<T>(
        &self,
        id: &str,
        service: Service,
        operation: &'static str,
        pick: impl FnOnce(&Services) -> Option<T>,
    ) -> Result<Handle<T>> {
        let inner = self.read();
        let entry = &inner.entries[Self::index(&inner, id)?];
        let op = |e: Error| e.with_plugin(id).with_operation(operation);
        let manifest = entry.manifest.as_deref();
        if manifest.is_some_and(|m| !m.declares(service)) {
            return Err(op(Error::unsupported(format!(
                "the manifest does not declare service {service}"
            ))));
        }
        let instance = match (&entry.instance, entry.state) {
            (Some(i), PluginState::Active) => i,
            (_, state) => return Err(op(not_usable(entry, state))),
        };
        let picked = pick(&instance.services).ok_or_else(|| {
            op(Error::plugin_fault(format!(
                "provides no interface for service {service}"
            )))
        })?;
        Ok(Handle {
            service: picked,
            redactor: entry.redactor.clone(),
            generation: entry.generation,
        })
    }

    /// The portfolio service of `id` as v1, adapted if the plugin is v2.
    pub fn portfolio_v1(&self, id: &str) -> Result<Arc<dyn v1::PortfolioService>> {
        let handle = self.service(id, Service::Portfolio, "portfolio_v1", |s| {
            s.portfolio_v1.clone().or_else(|| {
                s.portfolio_v2
                    .clone()
                    .map(|p| Arc::new(V2AsV1(p)) as Arc<dyn v1::PortfolioService>)
            })
        })?;
        Ok(Arc::new(guard::Guarded::new(self, id, handle)))
    }

    /// The portfolio service of `id` as v2, adapted if the plugin is v1.
    pub fn portfolio_v2(&self, id: &str) -> Result<Arc<dyn v2::PortfolioService>> {
        let handle = self.service(id, Service::Portfolio, "portfolio_v2", |s| {
            s.portfolio_v2.clone().or_else(|| {
                s.portfolio_v1
                    .clone()
                    .map(|p| Arc::new(V1AsV2(p)) as Arc<dyn v2::PortfolioService>)
            })
        })?;
        Ok(Arc::new(guard::Guarded::new(self, id, handle)))
    }

    /// The transaction service of `id` as v1 (trades), adapted if the plugin is v2.
    pub fn transactions_v1(&self, id: &str) -> Result<Arc<dyn v1::TransactionService>> {
        let handle = self.service(id, Service::Transactions, "transactions_v1", |s| {
            s.transactions_v1.clone().or_else(|| {
                s.transactions_v2
                    .clone()
                    .map(|p| Arc::new(V2AsV1(p)) as Arc<dyn v1::TransactionService>)
            })
        })?;
        Ok(Arc::new(guard::Guarded::new(self, id, handle)))
    }

    /// The ledger of `id` as v2, adapted if the plugin is v1. Queries for
    /// kinds whose service the manifest does not declare get `Unsupported`.
    pub fn transactions_v2(&self, id: &str) -> Result<Arc<dyn v2::TransactionService>> {
        let (declared, history_days) = {
            let inner = self.read();
            let entry = &inner.entries[Self::index(&inner, id)?];
            entry
                .manifest
                .as_ref()
                .map(|m| {
                    (
                        m.capabilities.services.clone(),
                        m.capabilities
                            .transaction_history
                            .as_ref()
                            .and_then(|h| h.max_days),
                    )
                })
                .unwrap_or_default()
        };
        let ledger_service = declared
            .iter()
            .copied()
            .find(|s| s.is_ledger())
            .unwrap_or(Service::Transactions);
        let handle = self.service(id, ledger_service, "transactions_v2", |s| {
            s.transactions_v2.clone().or_else(|| {
                s.transactions_v1
                    .clone()
                    .map(|p| Arc::new(V1AsV2(p)) as Arc<dyn v2::TransactionService>)
            })
        })?;
        Ok(Arc::new(
            guard::Guarded::new(self, id, handle).with_declared(declared, history_days),
        ))
    }

    /// Fails unless `id` is active with instance `generation`.
    pub(crate) fn ensure_current(&self, id: &str, generation: u64) -> Result<()> {
        let inner = self.read();
        let entry = &inner.entries[Self::index(&inner, id)?];
        if entry.state != PluginState::Active {
            return Err(not_usable(entry, entry.state));
        }
        if entry.generation != generation {
            return Err(Error::config(
                "this service handle belongs to an instance that was reloaded; ask the registry again",
            )
            .with_plugin(id));
        }
        Ok(())
    }

    /// The foreign-exchange rate service of `id`.
    pub fn fx_rates(&self, id: &str) -> Result<Arc<dyn crate::fx::RateService>> {
        let handle = self.service(id, Service::FxRates, "fx_rates", |s| s.fx_v1.clone())?;
        Ok(Arc::new(guard::Guarded::new(self, id, handle)))
    }

    /// Records the outcome of a service call made through a guard: `None`
    /// for a success, the (redacted) error text for a failure.
    pub(crate) fn record_call(&self, id: &str, failure: Option<String>) {
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
    pub(crate) fn plugin_panicked(&self, id: &str, why: String) {
        let mut inner = self.write();
        if let Ok(i) = Self::index(&inner, id) {
            let entry = &mut inner.entries[i];
            entry.calls += 1;
            entry.call_errors += 1;
            self.fail(entry, why);
        }
    }
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
    }
}

fn not_usable(entry: &Entry, state: PluginState) -> Error {
    match state {
        // It never loaded: the kind says why (manifest, incompatible).
        PluginState::Error if entry.load_error.is_some() => Error::new(
            entry.load_error_kind.clone(),
            entry.load_error.clone().unwrap_or_default(),
        ),
        PluginState::Error => Error::plugin_fault(format!(
            "plugin is in error: {}",
            entry.error.as_deref().unwrap_or("unknown reason")
        )),
        other => Error::config(format!("plugin is {other}, not active; activate it first")),
    }
    .with_plugin(entry.id.clone())
}

/// Why a manifest cannot load on this core, if it cannot.
fn compatibility_problem(m: &Manifest) -> Option<String> {
    let api = &PLUGIN_API_VERSION;
    if !is_compatible(&m.api.min_version, &m.api.max_version, api) {
        return Some(format!(
            "incompatible: plugin {} {} supports plugin API {} to {}.x, this host implements {api}",
            m.id(),
            m.plugin.version,
            m.api.min_version,
            m.api.max_version.major
        ));
    }
    let core = core_version();
    if !m.dependencies.core.matches(core) {
        return Some(format!(
            "incompatible: plugin {} {} needs stonks-core {}, this host has {core}",
            m.id(),
            m.plugin.version,
            m.dependencies.core
        ));
    }
    None
}

/// The difference between the interfaces a factory provides and the ones the
/// manifest lists, if any.
fn interface_mismatch(m: &Manifest, s: &Services) -> Option<String> {
    let provided = s.interfaces();
    let extra: Vec<&str> = provided
        .iter()
        .filter(|i| !m.lists(**i))
        .map(|i| i.as_str())
        .collect();
    let missing: Vec<&str> = m
        .api
        .interfaces
        .iter()
        .filter(|i| !provided.contains(i))
        .map(|i| i.as_str())
        .collect();
    if extra.is_empty() && missing.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "manifest lists {} but the factory does not provide it",
            missing.join(", ")
        ));
    }
    if !extra.is_empty() {
        parts.push(format!(
            "factory provides {} which the manifest does not list",
            extra.join(", ")
        ));
    }
    Some(format!(
        "interfaces do not match the manifest: {}",
        parts.join("; ")
    ))
}

/// The message of a panic payload.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
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
