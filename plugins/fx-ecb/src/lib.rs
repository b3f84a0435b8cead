//! # stonks-fx-ecb
//!
//! The European Central Bank's daily euro reference rates
//! (`/stats/eurofxref/eurofxref-daily.xml`) as a stonks `fx` plugin:
//! `registry.fx_rates("fx-ecb")?.rates()` gives a [`stonks_core::fx::RateTable`]
//! with base EUR.

mod client;
mod convert;
mod services;
mod wire;

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

/// The ECB's host.
pub const DEFAULT_BASE_URL: &str = "https://www.ecb.europa.eu";
