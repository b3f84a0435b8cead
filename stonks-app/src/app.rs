//! The running app: the configuration, the registry with every enabled
//! broker activated, and the exchange rates.

use std::path::Path;
use std::time::Duration;

use stonks::fx::RateTable;
use stonks::{Currency, ErrorKind, PluginType, Registry};

use crate::config::{self, AppConfig, FxConfig};
use crate::error::{Error, Result};
use crate::store::Store;

/// The id of the fx plugin the app uses.
pub const FX_PLUGIN: &str = "fx-ecb";

/// How long the exchange rates may take.
const FX_BUDGET: Duration = Duration::from_secs(15);

/// Configuration, registry and the activation outcome of each broker.
pub struct App {
    /// The settings.
    pub config: AppConfig,
    /// Every linked plugin; the enabled brokers activated.
    pub registry: Registry,
    /// Brokers that could not be activated, with one sentence saying why.
    pub failed: Vec<(String, String)>,
    /// Keeps the sandbox's mock brokers alive as long as the app.
    #[cfg(feature = "sandbox")]
    pub(crate) _sandbox: Option<crate::sandbox::Sandbox>,
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

impl App {
    /// Loads the configuration at `path` (see [`config::config_path`]) and
    /// activates every enabled broker. A broker that cannot be activated is
    /// recorded in [`App::failed`]; the others go on. A configuration that
    /// names no broker is [`Error::NothingConfigured`].
    pub async fn start(path: &Path) -> Result<App> {
        let registry = Registry::discover();
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
            let kind = registry
                .entry(id)
                .and_then(|e| e.manifest.map(|m| m.plugin.kind));
            let outcome = match kind {
                None => Err(format!(
                    "{id}: no broker plugin {id:?} is installed (see `stonks plugins`)"
                )),
                Some(PluginType::Broker) => registry
                    .activate(id, &broker.settings)
                    .map_err(|e| activation_failure(id, &e)),
                Some(_) => Err(format!("{id}: not a broker plugin")),
            };
            if let Err(why) = outcome {
                failed.push((id.clone(), why));
            }
        }
        if registry.entry(FX_PLUGIN).is_some()
            && let Err(e) = registry.activate(FX_PLUGIN, &config.fx.settings)
        {
            // Without rates, values in other currencies are null and counted.
            tracing::warn!("no exchange rates from {FX_PLUGIN}: {e}");
        }
        App {
            config,
            registry,
            failed,
            #[cfg(feature = "sandbox")]
            _sandbox: None,
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
        if !offline && let Ok(service) = self.registry.fx_rates(FX_PLUGIN) {
            match tokio::time::timeout(FX_BUDGET, service.rates()).await {
                Ok(Ok(table)) => {
                    if let Some(s) = store
                        && let Err(e) = s.save_rates(&table)
                    {
                        tracing::warn!("rates not cached: {e}");
                    }
                    return Some(table);
                }
                Ok(Err(e)) => tracing::warn!("no exchange rates from {FX_PLUGIN}: {e}"),
                Err(_) => tracing::warn!(
                    "no exchange rates from {FX_PLUGIN} within {} s",
                    FX_BUDGET.as_secs()
                ),
            }
        }
        cached.or_else(|| fallback(&self.config.base_currency, &self.config.fx))
    }
}

fn fallback(base: &Currency, fx: &FxConfig) -> Option<RateTable> {
    (!fx.rates.is_empty()).then(|| RateTable {
        base: *base,
        date: chrono::Utc::now().date_naive(),
        rates: fx.rates.clone(),
    })
}
