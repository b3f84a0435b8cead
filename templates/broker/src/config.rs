//! The settings, as the manifest declares them (defaults live there only).

use serde::Deserialize;
use stonks_core::secrecy::SecretString;

/// {{display_name}}'s settings, read with `ctx.config()` from the
/// configuration the registry checked against the manifest. `base_url` is
/// read by core's HTTP client builder, not here.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_leaves_the_token_out() {
        let config: Config = serde_json::from_str(r#"{"token": "tok-123-secret"}"#).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("tok-123-secret"), "{shown}");
        assert!(shown.contains("[REDACTED]"), "{shown}");
    }
}
