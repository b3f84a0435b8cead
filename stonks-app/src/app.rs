//! The running app: the configuration, the registry with every enabled
//! broker activated, and the exchange rates.

use std::path::Path;

use chrono::NaiveDate;
use std::time::Duration;

use stonks::fx::RateTable;
use stonks::{Currency, ErrorKind, PluginType, Registry};

use crate::config::{self, AppConfig, FxConfig};
use crate::error::{Error, Result};
use crate::identity::IDENTITY_PLUGIN;
use crate::store::Store;
use crate::sync::Budget;

/// The id of the fx plugin the app uses.
pub const FX_PLUGIN: &str = "fx-ecb";

/// How long the exchange rates may take: the fx plugin's [`Budget`], which
/// its every request sees, as a broker's does.
const FX_BUDGET: Duration = Duration::from_secs(15);

/// How long the rate history may take (the whole history is a few MB).
const FX_HISTORY_BUDGET: Duration = Duration::from_secs(60);

/// Configuration, registry and the activation outcome of each broker.
pub struct App {
    /// The settings.
    pub config: AppConfig,
    /// Every linked plugin; the enabled brokers activated.
    pub registry: Registry,
    /// Brokers that could not be activated, with one sentence saying why.
    pub failed: Vec<(String, String)>,
    /// What must live as long as the app (the sandbox keeps its mock
    /// brokers here).
    pub(crate) _held: Vec<Box<dyn std::any::Any + Send + Sync>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("brokers", &self.config.brokers.keys().collect::<Vec<_>>())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

/// Why a broker could not start, as one sentence naming broker, key and
/// problem (not "plugin error: factory failed: config error: ...").
fn activation_failure(id: &str, e: &stonks::Error) -> String {
    match e.kind() {
        ErrorKind::Config | ErrorKind::Manifest | ErrorKind::Incompatible => {
            format!("{id}: {}", e.message())
        }
        _ => format!("{id}: {e}"),
    }
}

/// Every linked plugin, and the runtime plugins in the folders the config
/// file at `path` names (`[plugins] dirs`, see [`config::plugin_dirs`]).
pub fn registry_for(path: &Path) -> Registry {
    let mut builder = Registry::builder().discover();
    for dir in config::plugin_dirs(path) {
        builder = builder.plugin_dir(dir);
    }
    builder.build()
}

impl App {
    /// Loads the configuration at `path` (see [`config::config_path`]) and
    /// activates every enabled broker. A broker that cannot be activated is
    /// recorded in [`App::failed`]; the others go on. A configuration that
    /// names no broker is [`Error::NothingConfigured`].
    pub async fn start(path: &Path) -> Result<App> {
        let registry = registry_for(path);
        let config = AppConfig::load(path, &config::secret_keys(&registry))?;
        if config.enabled().next().is_none() {
            return Err(Error::NothingConfigured(format!(
                "no broker is configured in {}: run `stonks init` to write a template",
                path.display()
            )));
        }
        Ok(Self::with(config, registry))
    }

    /// The app over an already checked configuration.
    pub(crate) fn with(config: AppConfig, registry: Registry) -> App {
        let mut failed = Vec::new();
        for (id, broker) in config.enabled() {
            let plugin = broker.plugin.as_str();
            let kind = registry
                .entry(plugin)
                .and_then(|e| e.manifest.map(|m| m.plugin.kind));
            let outcome = match kind {
                None => Err(format!(
                    "{id}: no broker plugin {plugin:?} is installed (see `stonks plugins`)"
                )),
                Some(PluginType::Broker) => (if plugin == id {
                    Ok(())
                } else {
                    registry.instantiate(id, plugin)
                })
                .and_then(|()| registry.activate(id, &broker.settings))
                .map_err(|e| activation_failure(id, &e)),
                Some(_) => Err(format!("{id}: {plugin:?} is not a broker plugin")),
            };
            if let Err(why) = outcome {
                failed.push((id.clone(), why));
            }
        }
        // The ECB only when it is the source: a broker as the source is
        // active as a broker already.
        if config.fx.source == FX_PLUGIN
            && registry.entry(FX_PLUGIN).is_some()
            && let Err(e) = registry.activate(FX_PLUGIN, &config.fx.settings)
        {
            // Without rates, values in other currencies are null and counted.
            tracing::warn!("no exchange rates from {FX_PLUGIN}: {e}");
        }
        if config.identity.enabled
            && registry.entry(IDENTITY_PLUGIN).is_some()
            && let Err(e) = registry.activate(IDENTITY_PLUGIN, &config.identity.settings)
        {
            // Without a resolver, instruments are keyed by what brokers say.
            tracing::warn!("no instrument resolver {IDENTITY_PLUGIN}: {e}");
        }
        crate::prices::activate(&config, &registry);
        // Middleware rewrites every broker's answers from now on; one that
        // cannot start leaves them as they are, and is said.
        for (id, settings) in &config.middleware {
            let kind = registry
                .entry(id)
                .and_then(|e| e.manifest.map(|m| m.plugin.kind));
            let outcome = match kind {
                Some(PluginType::Middleware) => registry
                    .activate(id, settings)
                    .map_err(|e| activation_failure(id, &e)),
                Some(_) => Err(format!("{id}: not a middleware plugin")),
                None => Err(format!(
                    "{id}: no middleware plugin {id:?} is installed (see `stonks plugins`)"
                )),
            };
            if let Err(why) = outcome {
                tracing::warn!("middleware not applied: {why}");
                failed.push((id.clone(), why));
            }
        }
        App {
            config,
            registry,
            failed,
            _held: Vec::new(),
        }
    }

    /// The enabled brokers that activated, with their budgets.
    pub fn active_brokers(&self) -> Vec<(String, Duration)> {
        self.config
            .enabled()
            .filter(|(id, _)| !self.failed.iter().any(|(f, _)| f == *id))
            .map(|(id, b)| (id.clone(), b.timeout))
            .collect()
    }

    /// The plugin rates come from: `[fx] source`, `fx-ecb` by default.
    pub fn fx_source(&self) -> &str {
        &self.config.fx.source
    }

    /// Opens the store the configuration names.
    pub fn open_store(&self) -> Result<Store> {
        Store::open(&self.config.store)
    }

    /// Today's rates: from the fx plugin (cached in the store), else the
    /// newest cached ones, else the fallback rates in the config.
    pub async fn rates(&self, store: Option<&Store>, offline: bool) -> Option<RateTable> {
        let today = chrono::Utc::now().date_naive();
        let cached = store.and_then(|s| s.rates(today).ok().flatten());
        if let Some(c) = &cached
            && (c.date == today || offline)
        {
            return cached;
        }
        let source = self.fx_source();
        if !offline && let Ok(service) = self.registry.fx_rates(source) {
            let budget = Budget::start(source, FX_BUDGET);
            match budget
                .run(&self.registry, "reading today's rates", service.rates())
                .await
            {
                Ok(table) => {
                    if let Some(s) = store
                        && let Err(e) = s.save_rates(&table)
                    {
                        tracing::warn!("rates not cached: {e}");
                    }
                    return Some(table);
                }
                Err(e) => tracing::warn!("no exchange rates from {source}: {e}"),
            }
        }
        cached.or_else(|| fallback(&self.config.base_currency, &self.config.fx))
    }

    /// Every day's rates since `from`: from the store when it covers the
    /// range, else from the fx plugin's history (then cached). Offline, or
    /// without a history, what the store holds.
    pub async fn rate_history(
        &self,
        store: &Store,
        from: NaiveDate,
        offline: bool,
    ) -> Vec<RateTable> {
        let today = chrono::Utc::now().date_naive();
        let cached = store.rate_tables(from, today).unwrap_or_else(|e| {
            tracing::warn!("{e}");
            Vec::new()
        });
        let covers = |tables: &[RateTable]| {
            tables
                .first()
                .is_some_and(|t| (t.date - from).num_days() <= 7)
                && tables
                    .last()
                    .is_some_and(|t| (today - t.date).num_days() <= 4)
        };
        if offline || covers(&cached) {
            return cached;
        }
        let source = self.fx_source();
        let Ok(service) = self.registry.fx_rates(source) else {
            return cached;
        };
        let budget = Budget::start(source, FX_HISTORY_BUDGET);
        let read = service.history(from, today);
        match budget
            .run(&self.registry, "reading the rate history", read)
            .await
        {
            Ok(tables) if !tables.is_empty() => {
                if let Err(e) = store.save_rate_tables(&tables) {
                    tracing::warn!("rates not cached: {e}");
                }
                tables
            }
            Ok(_) => cached,
            Err(e) => {
                tracing::warn!("no rate history from {source}: {e}");
                cached
            }
        }
    }
}

fn fallback(base: &Currency, fx: &FxConfig) -> Option<RateTable> {
    (!fx.rates.is_empty()).then(|| RateTable {
        base: *base,
        date: chrono::Utc::now().date_naive(),
        rates: fx.rates.clone(),
        problems: Vec::new(),
    })
}
