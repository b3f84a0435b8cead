#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod client;
mod config;
mod convert;
mod prices;
mod services;
mod wire;

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

pub use client::{CANDLE_LIMIT, DEFAULT_BASE_URL, classify, signature, unknown_market};
pub use config::Config;
pub use convert::{ACCOUNT, STAKED_SUFFIX, eur_market, parse_history_page};
