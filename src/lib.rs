//! # stonks
//!
//! Read positions and money movements from many brokers through one set of
//! versioned traits. This facade re-exports [`stonks_core`] and links each
//! broker enabled by a cargo feature, so that `Registry::discover()` finds it.
//!
//! ```
//! let registry = stonks::Registry::discover();
//! for entry in registry.catalog() {
//!     println!("{} is {}", entry.id, entry.state);
//! }
//! ```

pub use stonks_core::*;

// Naming each enabled broker crate links it, so its link-time registration
// is in the binary (a crate nothing names is dropped, and its plugin with it).
/// The Bitvavo broker plugin (feature `bitvavo`).
#[cfg(feature = "bitvavo")]
pub use stonks_broker_bitvavo as bitvavo;

/// The DEGIRO broker plugin (feature `degiro`).
#[cfg(feature = "degiro")]
pub use stonks_broker_degiro as degiro;

/// The Alpaca broker plugin (feature `alpaca`).
#[cfg(feature = "alpaca")]
pub use stonks_broker_alpaca as alpaca;

/// The Interactive Brokers plugin (feature `ibkr`).
#[cfg(feature = "ibkr")]
pub use stonks_broker_ibkr as ibkr;

/// The file broker plugin (feature `file`).
#[cfg(feature = "file")]
pub use stonks_broker_file as file;

/// The ECB reference-rates plugin (feature `fx-ecb`).
#[cfg(feature = "fx-ecb")]
pub use stonks_fx_ecb as fx_ecb;

/// The OpenFIGI identity plugin (feature `identity-openfigi`).
#[cfg(feature = "identity-openfigi")]
pub use stonks_identity_openfigi as identity_openfigi;

/// The price file plugin (feature `prices-file`).
#[cfg(feature = "prices-file")]
pub use stonks_prices_file as prices_file;
/// The Yahoo Finance prices plugin (feature `prices-yahoo`).
#[cfg(feature = "prices-yahoo")]
pub use stonks_prices_yahoo as prices_yahoo;

/// The rules middleware (feature `middleware-rules`).
#[cfg(feature = "middleware-rules")]
pub use stonks_middleware_rules as middleware_rules;

/// The ids of the plugins this build of the facade links, by feature.
pub const LINKED_PLUGINS: &[&str] = &[
    #[cfg(feature = "bitvavo")]
    "bitvavo",
    #[cfg(feature = "degiro")]
    "degiro",
    #[cfg(feature = "alpaca")]
    "alpaca",
    #[cfg(feature = "ibkr")]
    "ibkr",
    #[cfg(feature = "file")]
    "file",
    #[cfg(feature = "fx-ecb")]
    "fx-ecb",
    #[cfg(feature = "identity-openfigi")]
    "identity-openfigi",
    #[cfg(feature = "prices-yahoo")]
    "prices-yahoo",
    #[cfg(feature = "prices-file")]
    "prices-file",
    #[cfg(feature = "middleware-rules")]
    "middleware-rules",
];
