//! Acme Broker: an example of a broker plugin written outside the stonks
//! repository. It depends on `stonks-core` only, registers itself at link
//! time, and runs the shared conformance suite in its tests. It has the
//! files every stonks broker has: `config.rs` (settings), `client.rs`
//! (auth, one function per endpoint, the error classifier), `wire.rs`
//! (JSON as sent), `convert.rs` (wire to models, pure), `services.rs`
//! (the service traits, paging by the broker's own cursor).
//!
//! The API it speaks (made up for the example, shaped like many real ones):
//! `GET /v1/positions` and `GET /v1/activities?cursor=` with
//! `Authorization: Bearer <token>`.

mod client;
mod config;
mod convert;
mod services;
mod wire;

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

pub use config::Config;
