#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod client;
mod config;
mod convert;
mod services;
mod wire;

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

pub use client::{PAGE_SIZE, budget, classify};
pub use config::{Config, LIVE_URL, PAPER_URL};
pub use convert::{ACTIVITIES, ledger_kind};
