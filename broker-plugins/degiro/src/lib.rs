//! # stonks-broker-degiro
//!
//! [DEGIRO](https://www.degiro.com) for stonks, through the private web API
//! its web trader uses: session login (plain, TOTP, or approval in the
//! DEGIRO app), the portfolio (`v5/update` with product details fetched in
//! batches), and one ledger merged from the trades (`v4/transactions`) and
//! the cash movements (`v6/accountoverview`, classified from their localised
//! descriptions).
//!
//! ```no_run
//! # async fn demo() -> stonks_core::Result<()> {
//! use stonks_broker_degiro as _; // keeps the registration in the binary
//! let registry = stonks_core::Registry::discover();
//! registry.activate("degiro", &serde_json::json!({
//!     "username": "jane",
//!     "password": std::env::var("DEGIRO_PASSWORD").unwrap_or_default(),
//!     "totp_secret": std::env::var("DEGIRO_TOTP").unwrap_or_default(),
//! }))?;
//! let snapshot = registry
//!     .portfolio_v2("degiro")?
//!     .snapshot(&stonks_core::v2::PortfolioQuery::new())
//!     .await?;
//! # let _ = snapshot; Ok(()) }
//! ```

mod client;
mod convert;
mod services;
mod wire;

use std::fmt;
use std::time::Duration;

use chrono::NaiveDate;
use stonks_core::secrecy::SecretString;
use stonks_core::{Currency, Error, PluginConfig, Result};

stonks_core::register_broker! {
    pub const RECORD = manifest: include_str!("../../../manifests/degiro.json"), factory: services::build,
}

pub use convert::{CashKind, classify_cash_movement};

/// DEGIRO's web trader host.
pub const DEFAULT_BASE_URL: &str = "https://trader.degiro.nl";

/// The plugin's settings, as checked against its manifest.
#[derive(Clone)]
pub struct DegiroConfig {
    /// Login name.
    pub username: String,
    /// Password; never shown.
    pub password: SecretString,
    /// Base32 TOTP secret, to compute second-factor codes; never shown.
    pub totp_secret: Option<SecretString>,
    /// A one-time code typed by the user, used instead of `totp_secret`.
    pub one_time_password: Option<SecretString>,
    /// The account number, when known (otherwise read from the client details).
    pub int_account: Option<i64>,
    /// The account's base currency (fees are charged in it).
    pub base_currency: Currency,
    /// Where the ledger starts when a query gives no start.
    pub history_since: NaiveDate,
    /// How long to wait for an in-app login approval.
    pub in_app_timeout: Duration,
}

impl fmt::Debug for DegiroConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DegiroConfig")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field(
                "totp_secret",
                &self.totp_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field(
                "one_time_password",
                &self.one_time_password.as_ref().map(|_| "[REDACTED]"),
            )
            .field("int_account", &self.int_account)
            .field("base_currency", &self.base_currency)
            .field("history_since", &self.history_since)
            .field("in_app_timeout", &self.in_app_timeout)
            .finish()
    }
}

impl DegiroConfig {
    /// Reads the checked plugin configuration.
    pub fn from_plugin_config(config: &PluginConfig) -> Result<Self> {
        let username = config
            .string("username")
            .ok_or_else(|| Error::config("username is missing"))?
            .to_owned();
        let password = config
            .secret("password")
            .ok_or_else(|| Error::config("password is missing"))?
            .clone();
        let since_text = config.string("history_since").unwrap_or("2008-01-01");
        let history_since = NaiveDate::parse_from_str(since_text, "%Y-%m-%d").map_err(|_| {
            Error::config(format!(
                "history_since {since_text:?} is not a date (YYYY-MM-DD)"
            ))
        })?;
        let base_currency = Currency::new(config.string("base_currency").unwrap_or("EUR"))
            .map_err(|e| Error::config(format!("base_currency: {}", e.message())))?;
        let timeout = config
            .integer("in_app_timeout_secs")
            .unwrap_or(120)
            .clamp(5, 900);
        Ok(DegiroConfig {
            username,
            password,
            totp_secret: config.secret("totp_secret").cloned(),
            one_time_password: config.secret("one_time_password").cloned(),
            int_account: config.integer("int_account"),
            base_currency,
            history_since,
            in_app_timeout: Duration::from_secs(u64::try_from(timeout).unwrap_or(120)),
        })
    }
}
