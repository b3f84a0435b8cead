//! `App::sandbox()`: the whole app against the testkit's mock brokers,
//! in-process, with no account and no network.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;
use stonks::{Currency, Registry};
use stonks_testkit::{MockAlpaca, MockBitvavo, MockDegiro, MockEcb, MockIbkr};

use crate::app::App;
use crate::config::{AppConfig, BrokerConfig, FxConfig};

/// The default sandbox store's file: named after the mocks' accounts, so a
/// store synced from an earlier version of them (other ids, other
/// holdings) is not mixed with today's. Bump it when their data changes.
const SANDBOX_STORE: &str = "stonks-2.sqlite";

/// The mock brokers of the sandbox, alive as long as the app.
pub(crate) struct Sandbox {
    _alpaca: MockAlpaca,
    _bitvavo: MockBitvavo,
    _degiro: MockDegiro,
    _ibkr: MockIbkr,
    _ecb: MockEcb,
}

impl App {
    /// The app against mock Alpaca (paper), Bitvavo, DEGIRO, Interactive
    /// Brokers (Flex Web Service and Client Portal) and ECB servers started
    /// now.
    /// The store lives in the temp directory unless `STONKS_SANDBOX_STORE`
    /// names a file.
    pub async fn sandbox() -> App {
        let alpaca = MockAlpaca::start().await;
        let bitvavo = MockBitvavo::start().await;
        let degiro = MockDegiro::start().await;
        let ibkr = MockIbkr::start().await;
        let ecb = MockEcb::start().await;
        let broker = |plugin: &str, settings: serde_json::Value| {
            (
                plugin.to_owned(),
                BrokerConfig {
                    plugin: plugin.to_owned(),
                    enabled: true,
                    timeout: Duration::from_secs(60),
                    settings,
                },
            )
        };
        let mut degiro_settings = degiro.config();
        // The sandbox account's ledger starts in 2023.
        degiro_settings["history_since"] = json!("2023-01-01");
        let store = std::env::var_os("STONKS_SANDBOX_STORE")
            .map(Into::into)
            .unwrap_or_else(|| {
                std::env::temp_dir()
                    .join("stonks-sandbox")
                    .join(SANDBOX_STORE)
            });
        let config = AppConfig {
            base_currency: Currency::EUR,
            store,
            brokers: BTreeMap::from([
                broker("alpaca", alpaca.config()),
                broker("bitvavo", bitvavo.config()),
                broker("degiro", degiro_settings),
                broker("ibkr", ibkr.config()),
            ]),
            fx: FxConfig {
                settings: ecb.config(),
                rates: BTreeMap::new(),
            },
        };
        let mut app = App::with(config, Registry::discover());
        app._sandbox = Some(Sandbox {
            _alpaca: alpaca,
            _bitvavo: bitvavo,
            _degiro: degiro,
            _ibkr: ibkr,
            _ecb: ecb,
        });
        app
    }
}
