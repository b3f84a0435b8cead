//! The plugin's settings, read from the configuration the registry checked
//! against the manifest. Defaults live in `manifest.json` only.

use std::fmt;

use serde::Deserialize;
use stonks_core::secrecy::SecretString;

/// Alpaca's production API.
pub const LIVE_URL: &str = "https://api.alpaca.markets";

/// Alpaca's paper-trading API.
pub const PAPER_URL: &str = "https://paper-api.alpaca.markets";

/// Alpaca's Market Data API (the manifest's default `data_url`).
pub const DATA_URL: &str = "https://data.alpaca.markets";

/// Alpaca's settings. `base_url` is applied by core's HTTP client builder.
#[derive(Clone, Deserialize)]
pub struct Config {
    /// API key id (sent in a header; treated as a secret all the same).
    pub key_id: SecretString,
    /// API secret key, sent in a header, never shown.
    pub secret_key: SecretString,
    /// Whether the keys belong to a paper-trading account.
    pub paper: bool,
    /// The Market Data API (daily bars), without `/v2`.
    pub data_url: String,
}

impl Config {
    /// The API the keys belong to, unless `base_url` says otherwise.
    pub fn default_base_url(&self) -> &'static str {
        if self.paper { PAPER_URL } else { LIVE_URL }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("key_id", &"[REDACTED]")
            .field("secret_key", &"[REDACTED]")
            .field("paper", &self.paper)
            .field("data_url", &self.data_url)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_keys_pick_the_paper_api_and_nothing_secret_is_shown() {
        let read = |paper: bool| -> Config {
            let v = serde_json::json!({"key_id": "PKID", "secret_key": "s3cr3t", "paper": paper, "data_url": DATA_URL});
            serde_json::from_value(v).unwrap()
        };
        assert_eq!(
            read(true).default_base_url(),
            "https://paper-api.alpaca.markets"
        );
        assert_eq!(read(false).default_base_url(), "https://api.alpaca.markets");
        let shown = format!("{:?}", read(true));
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("PKID"),
            "{shown}"
        );
    }
}
