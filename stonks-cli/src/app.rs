//! The running app: the configuration, the registry with every enabled
//! broker activated, the fx source, and in `--sandbox` mode the mock brokers.

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use stonks::fx::RateTable;
use stonks::{Currency, PluginType, Registry};
use stonks_testkit::{MockBitvavo, MockDegiro, MockEcb};

use crate::config::{AppConfig, BrokerConfig, FxConfig};
use crate::store::Store;

/// The id of the fx plugin the app uses.
const FX_PLUGIN: &str = "fx-ecb";

/// The mock brokers of `--sandbox`, alive as long as the app.
pub struct Sandbox {
    _bitvavo: MockBitvavo,
    _degiro: MockDegiro,
    _ecb: MockEcb,
}

/// Configuration, registry and activation outcome of each broker.
pub struct App {
    pub config: AppConfig,
    pub registry: Registry,
    /// Brokers whose activation failed, with why.
    pub failed: Vec<(String, String)>,
    _sandbox: Option<Sandbox>,
}

impl App {
    /// Loads the configuration (or starts the sandbox) and activates every
    /// enabled broker. A broker that cannot be activated is recorded in
    /// `failed`; the others go on.
    pub async fn start(config_flag: Option<&Path>, sandbox: bool) -> Result<App, String> {
        let (config, sandbox) = if sandbox {
            let (config, sb) = sandbox_config().await;
            (config, Some(sb))
        } else {
            (
                AppConfig::load(&crate::config::config_path(config_flag))?,
                None,
            )
        };
        let registry = Registry::discover();
        let mut failed = Vec::new();
        for (id, broker) in config.enabled() {
            let kind = registry
                .entry(id)
                .and_then(|e| e.manifest.map(|m| m.plugin.kind));
            let outcome = match kind {
                None => Err(format!(
                    "no broker plugin {id:?} is installed (see `stonks plugins`)"
                )),
                Some(PluginType::Broker) => registry
                    .activate(id, &broker.settings)
                    .map_err(|e| e.to_string()),
                Some(_) => Err(format!("{id} is not a broker plugin")),
            };
            if let Err(why) = outcome {
                failed.push((id.clone(), why));
            }
        }
        if registry.entry(FX_PLUGIN).is_some()
            && let Err(e) = registry.activate(FX_PLUGIN, &config.fx.settings)
        {
            // Without rates, values in other currencies are null and flagged.
            eprintln!("stonks: no exchange rates from {FX_PLUGIN}: {e}");
        }
        Ok(App {
            config,
            registry,
            failed,
            _sandbox: sandbox,
        })
    }

    /// The enabled brokers that activated, with their timeouts.
    pub fn active_brokers(&self) -> Vec<(String, Duration)> {
        self.config
            .enabled()
            .filter(|(id, _)| !self.failed.iter().any(|(f, _)| f == *id))
            .map(|(id, b)| (id.clone(), Duration::from_secs(b.timeout_secs)))
            .collect()
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
        if !offline
            && let Ok(service) = self.registry.fx_rates(FX_PLUGIN)
            && let Ok(Ok(table)) =
                tokio::time::timeout(Duration::from_secs(15), service.rates()).await
        {
            if let Some(s) = store {
                let _ = s.save_rates(&table);
            }
            return Some(table);
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

/// Starts the mock brokers and a configuration pointing at them. The store
/// lives in the temp directory unless `STONKS_SANDBOX_STORE` names a file.
async fn sandbox_config() -> (AppConfig, Sandbox) {
    let bitvavo = MockBitvavo::start().await;
    let degiro = MockDegiro::start().await;
    let ecb = MockEcb::start().await;
    let broker = |settings: serde_json::Value| BrokerConfig {
        enabled: true,
        timeout_secs: 60,
        settings,
    };
    let mut degiro_settings = degiro.config();
    // The sandbox account's ledger starts in 2023.
    degiro_settings["history_since"] = json!("2023-01-01");
    let store = std::env::var_os("STONKS_SANDBOX_STORE")
        .map(Into::into)
        .unwrap_or_else(|| {
            std::env::temp_dir()
                .join("stonks-sandbox")
                .join("stonks.sqlite")
        });
    let config = AppConfig {
        base_currency: Currency::new("EUR").expect("EUR is a currency code"),
        store,
        brokers: [
            ("bitvavo".to_owned(), broker(bitvavo.config())),
            ("degiro".to_owned(), broker(degiro_settings)),
        ]
        .into_iter()
        .collect(),
        fx: FxConfig {
            settings: ecb.config(),
            rates: Default::default(),
        },
    };
    (
        config,
        Sandbox {
            _bitvavo: bitvavo,
            _degiro: degiro,
            _ecb: ecb,
        },
    )
}
