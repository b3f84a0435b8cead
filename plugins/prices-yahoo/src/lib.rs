#![doc = include_str!("../README.md")]

mod client;
mod convert;
mod services;
mod wire;

pub use client::{CHART, SEARCH, USER_AGENT};
pub use convert::yahoo_symbol;

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

/// Yahoo Finance's API host (the chart and the search endpoints).
pub const DEFAULT_BASE_URL: &str = "https://query1.finance.yahoo.com";
