//! # stonks-broker-bitvavo
//!
//! [Bitvavo](https://bitvavo.com) for stonks, over its REST API v2: the
//! portfolio (balances, staked amounts, EUR prices) and the full ledger
//! (`/account/history`: trades, deposits, withdrawals, staking rewards).
//!
//! Link the crate and the registry finds it as `bitvavo`:
//!
//! ```no_run
//! # async fn demo() -> stonks_core::Result<()> {
//! use stonks_broker_bitvavo as _; // keeps the registration in the binary
//! let registry = stonks_core::Registry::discover();
//! registry.activate("bitvavo", &serde_json::json!({
//!     "api_key": std::env::var("BITVAVO_KEY").unwrap_or_default(),
//!     "api_secret": std::env::var("BITVAVO_SECRET").unwrap_or_default(),
//! }))?;
//! let snapshot = registry
//!     .portfolio_v2("bitvavo")?
//!     .snapshot(&stonks_core::v2::PortfolioQuery::new())
//!     .await?;
//! # let _ = snapshot; Ok(()) }
//! ```
//!
//! Capabilities: portfolio; ledger of buys, sells, deposits, withdrawals and
//! staking rewards, with fees on the entries they belong to. Types Bitvavo
//! adds later arrive as `other` with Bitvavo's name.

mod client;
mod convert;
mod services;
mod wire;

use std::fmt;

use stonks_core::secrecy::SecretString;
use stonks_core::{Error, PluginConfig, Result};

stonks_core::register_broker! {
    pub const RECORD = manifest: include_str!("../../../manifests/bitvavo.json"), factory: services::build,
}

pub use client::signature;

/// Bitvavo's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.bitvavo.com/v2";

/// The plugin's settings, as checked against its manifest.
#[derive(Clone)]
pub struct BitvavoConfig {
    /// API key.
    pub api_key: String,
    /// API secret: signs every private request, never sent or shown.
    pub api_secret: SecretString,
    /// How long a signed request stays valid, 100 to 60000 ms.
    pub access_window_ms: u32,
    /// Base URL (default [`DEFAULT_BASE_URL`]).
    pub base_url: Option<String>,
}

impl fmt::Debug for BitvavoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BitvavoConfig")
            .field("api_key", &self.api_key)
            .field("api_secret", &"[REDACTED]")
            .field("access_window_ms", &self.access_window_ms)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl BitvavoConfig {
    /// Reads the checked plugin configuration.
    pub fn from_plugin_config(config: &PluginConfig) -> Result<Self> {
        let api_key = config
            .string("api_key")
            .ok_or_else(|| Error::config("api_key is missing"))?
            .to_owned();
        let api_secret = config
            .secret("api_secret")
            .ok_or_else(|| Error::config("api_secret is missing"))?
            .clone();
        let window = config.integer("access_window_ms").unwrap_or(10_000);
        let access_window_ms = u32::try_from(window)
            .ok()
            .filter(|w| (100..=60_000).contains(w))
            .ok_or_else(|| {
                Error::config(format!(
                    "access_window_ms must be 100 to 60000, not {window}"
                ))
            })?;
        Ok(BitvavoConfig {
            api_key,
            api_secret,
            access_window_ms,
            base_url: config.base_url().map(|u| u.to_string()),
        })
    }
}
