//! The settings, as the manifest declares them (defaults live there only).

use serde::Deserialize;
use stonks_core::secrecy::SecretString;

/// Acme's settings.
#[derive(Deserialize)]
pub struct Config {
    /// The API token: sent as a bearer token, never shown.
    pub token: SecretString,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("token", &"[REDACTED]")
            .finish()
    }
}
