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

pub use client::{BARS_LIMIT, PAGE_SIZE, budget, classify, refused_symbol};
pub use config::{Config, DATA_URL, LIVE_URL, PAPER_URL};
pub use convert::{ACTIVITIES, ledger_kind, new_york_date};
pub use prices::bars_symbol;
