#![doc = include_str!("../README.md")]
//!
//! ## The API this example speaks
//!
//! Made up for the example, shaped like many real ones: `GET /v1/positions`
//! and `GET /v1/activities?cursor=`, with `Authorization: Bearer <token>`.

mod client;
mod config;
mod convert;
mod services;
mod wire;

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

pub use config::Config;
