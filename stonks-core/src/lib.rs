//! # stonks-core
//!
//! The plugin API of [stonks](https://github.com/stonks-rs/stonks): read
//! positions and money movements from many brokers through one set of
//! versioned traits. Core never names a broker: each broker is its own crate
//! that registers itself at link time with a manifest saying what it can do.
//!
//! * [`manifest`]: the typed [`Manifest`], parsed with every problem reported.
//! * [`Registry`]: discovery, validation, compatibility, dependency order,
//!   configuration, lifecycle, health, and services in the version asked for.
//! * [`v1`], [`v2`]: the versioned service traits; [`adapt`] serves each
//!   version on top of the other.
//! * [`model`]: [`Money`], [`Currency`], [`Isin`], [`Instrument`].
//! * [`problem`]: [`ReadProblem`], what was left out of a partial answer.
//! * [`wire`]: helpers every broker's wire parsing uses (exact decimals,
//!   Unix times, dates, conversion errors).
//! * [`http`]: the HTTP client every broker uses (retry, rate limit, host
//!   allowlist, redaction, metrics).
//! * [`Error`] with an [`ErrorKind`].
//!
//! ```
//! use stonks_core::{Registry, Service};
//! let registry = Registry::discover();
//! let brokers_with_dividends = registry.with_service(Service::Dividends);
//! # let _ = brokers_with_dividends;
//! ```

#![warn(missing_docs)]

pub mod adapt;
pub mod config;
pub mod error;
pub mod fx;
pub mod http;
pub mod identity;
pub mod lifecycle;
pub mod local;
pub mod manifest;
pub mod middleware;
pub mod model;
mod plugin;
pub mod prices;
pub mod problem;
pub mod process;
pub mod registry;
pub mod totp;
pub mod v1;
pub mod v2;
pub mod wire;

/// Re-exported so plugin crates need not depend on `inventory` themselves.
pub use inventory;

/// Re-exported: the service traits are written with it, so plugin crates
/// implement them with `#[stonks_core::async_trait]`.
pub use async_trait::async_trait;

pub use config::{ConfigValue, PluginConfig};
pub use error::{Error, ErrorKind, ProtocolDetails, Result};
pub use lifecycle::{LifecycleEvent, NoticeKind, Notifier, PluginNotice, PluginState, Transition};
pub use manifest::{Interface, Manifest, ManifestError, PluginType, Problem, Service};
pub use model::{AssetClass, Currency, Instrument, Isin, Money};
pub use plugin::{Factory, PluginContext, PluginRecord, Services};
pub use problem::ReadProblem;
pub use registry::{
    CatalogEntry, Health, PLUGIN_API_VERSION, PluginOrigin, Registry, RegistryBuilder,
};
pub use rust_decimal::Decimal;
pub use secrecy;
