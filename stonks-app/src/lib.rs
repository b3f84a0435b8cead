//! # stonks-app
//!
//! What a portfolio app needs beyond the brokers, as typed, documented
//! results a command line, a web or a desktop app renders as it likes:
//!
//! * [`App`]: the configuration (`stonks.toml`, secrets from the
//!   environment), the registry with every enabled broker activated, the
//!   exchange rates (the ECB's, cached, or the configuration's fallback);
//! * [`portfolio`]: one portfolio across brokers in a base currency,
//!   [`portfolio::PortfolioReport`];
//! * [`ledger`]: the merged ledger, live or stored;
//! * [`sync`]: live reads of every broker, each within its [`sync::Budget`],
//!   and the incremental sync into the [`store`];
//! * [`health`]: each broker's state, figures and last error;
//! * [`tax`]: the capital gains of a tax year under UK or US rules.
//!
//! Every broker works within its own budget ([`sync::Budget`]): a broker
//! that hangs delays none of the others, and a timeout says where it was
//! stuck.
//!
//! The feature `sandbox` (off by default) adds `App::sandbox()`: the whole
//! app against the testkit's mock brokers, in-process, with no account and
//! no network. Without it the library links nothing from the testkit (no
//! mock servers, no wiremock).
//!
//! ```no_run
//! # async fn demo() -> stonks_app::Result<()> {
//! let app = stonks_app::App::start(&stonks_app::config::config_path(None)).await?;
//! let loaded = stonks_app::portfolio::load(&app, false).await?;
//! println!("{}", loaded.report.totals.total_base);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod analytics;
pub mod app;
pub mod benchmark;
pub mod config;
pub mod error;
pub mod health;
pub mod identity;
pub mod instruments;
pub mod ledger;
pub mod portfolio;
pub mod prices;
pub mod report;
#[cfg(feature = "sandbox")]
mod sandbox;
pub mod shadow;
pub mod store;
pub mod sync;
pub mod tax;

pub use app::App;
pub use config::AppConfig;
pub use error::{Error, Result};
