#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod client;
mod config;
mod convert;
mod exchanges;
pub mod flex;
mod portal;
mod services;
mod wire;

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

// Public: the plugin's record, the Flex reader (`flex`) and what the
// crate's tests, benches and examples name.

// `tests/wiremock.rs` counts the polls; `tests/mock_account.rs` checks a
// 1018's `retry_after`.
pub use client::{MAX_POLLS, THROTTLED_FOR};
// The reader's types, for readers of statements without the services
// (`benches/flex_parse.rs`, `examples/flex_memory.rs`); `DividendKey` is
// what `Link`'s variants carry and `Rate` what `flex::Visitor::rate` takes.
pub use flex::convert::Rate;
pub use flex::ledger::{DividendKey, Link};
pub use flex::statements::Collected;
