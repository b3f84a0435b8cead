#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod client;
mod config;
mod convert;
pub mod flex;
mod portal;
mod services;
mod wire;

stonks_core::register_plugin! {
    pub const RECORD = manifest: include_str!("../manifest.json"), factory: services::build,
}

pub use client::{
    GET_STATEMENT, MAX_POLLS, POLL_BUDGET, SEND_REQUEST, THROTTLED_FOR, USER_AGENT, classify,
    error_kind,
};
pub use config::{Config, FLEX_URL, GATEWAY_URL};
pub use flex::convert::{Rate, asset_class, cash_kind, corporate_action_kind, terms};
pub use flex::ledger::{DividendKey, Ledger, Link};
pub use flex::statements::{Collected, Holdings, RATE_DECIMALS};
pub use portal::{PAGE_SIZE, SMALLEST_PAGE, has_next_page};
