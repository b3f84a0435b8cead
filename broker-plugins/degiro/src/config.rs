//! The plugin's settings, read from the configuration the registry checked
//! against the manifest. Defaults live in `manifest.json` only.

use std::fmt;

use chrono::NaiveDate;
use serde::Deserialize;
use stonks_core::secrecy::SecretString;

/// DEGIRO's settings.
#[derive(Clone, Deserialize)]
pub struct Config {
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
    pub base_currency: String,
    /// Where the ledger starts when a query gives no start.
    pub history_since: NaiveDate,
    /// How long to wait for an in-app login approval, in seconds.
    pub in_app_timeout_secs: u64,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |s: &Option<SecretString>| s.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("Config")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("totp_secret", &shown(&self.totp_secret))
            .field("one_time_password", &shown(&self.one_time_password))
            .field("int_account", &self.int_account)
            .field("base_currency", &self.base_currency)
            .field("history_since", &self.history_since)
            .field("in_app_timeout_secs", &self.in_app_timeout_secs)
            .finish()
    }
}
