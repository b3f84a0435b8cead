//! The plugin's settings, read from the configuration the registry checked
//! against the manifest. Defaults live in `manifest.json` only.

use std::fmt;

use serde::Deserialize;
use stonks_core::secrecy::SecretString;

/// Bitvavo's settings.
#[derive(Clone, Deserialize)]
pub struct Config {
    /// API key (sent in a header; treated as a secret all the same).
    pub api_key: SecretString,
    /// API secret: signs every private request, never sent or shown.
    pub api_secret: SecretString,
    /// How long a signed request stays valid, in ms (the manifest bounds it
    /// to 100..=60000).
    pub access_window_ms: u32,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &"[REDACTED]")
            .field("api_secret", &"[REDACTED]")
            .field("access_window_ms", &self.access_window_ms)
            .finish()
    }
}
