#![doc = include_str!("../README.md")]

mod client;
mod convert;
mod services;
mod wire;

pub use client::{JOBS_PER_REQUEST, JOBS_PER_REQUEST_WITH_KEY, MAPPING, RATE_LIMIT_WITH_KEY};

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

/// OpenFIGI's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.openfigi.com";
