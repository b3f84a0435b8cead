//! # stonks-fx-ecb
//!
//! The European Central Bank's euro reference rates as a stonks `fx`
//! plugin: `registry.fx_rates("fx-ecb")?.rates()` gives today's
//! [`stonks_core::fx::RateTable`] (base EUR, from
//! `/stats/eurofxref/eurofxref-daily.xml`), and `.history(from, to)` every
//! published day of a range (from `eurofxref-hist-90d.xml` when the range
//! is within the last 85 days, else the whole history since 1999,
//! `eurofxref-hist.xml`). The files are read as a stream with quick-xml.

mod client;
mod convert;
mod services;
mod wire;

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

/// The ECB's host.
pub const DEFAULT_BASE_URL: &str = "https://www.ecb.europa.eu";
