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

pub use client::{DEFAULT_BASE_URL, classify, signature};
pub use config::Config;
pub use convert::{ACCOUNT, STAKED_SUFFIX, parse_history_page};
