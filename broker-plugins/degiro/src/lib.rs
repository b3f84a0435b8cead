#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod client;
mod config;
mod convert;
mod descriptions;
mod exchanges;
mod services;
mod wire;

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

pub use client::{DEFAULT_BASE_URL, classify};
pub use config::Config;
pub use convert::parse_trades;
pub use descriptions::{CashKind, classify_cash_movement};
