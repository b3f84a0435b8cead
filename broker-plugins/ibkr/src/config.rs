//! The plugin's settings, read from the configuration the registry checked
//! against the manifest. Defaults live in `manifest.json` only.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;
use stonks_core::secrecy::SecretString;
use stonks_core::{Error, Result};

/// The Flex Web Service's base: `SendRequest` is appended to it.
pub const FLEX_URL: &str = "https://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService";

/// IBKR's settings. `base_url` (the Flex Web Service) is applied by core's
/// HTTP client builder.
#[derive(Clone, Deserialize)]
pub struct Config {
    /// The Flex Web Service token, sent as `t` on every Flex request.
    #[serde(default)]
    pub token: Option<SecretString>,
    /// Activity Flex query ids downloaded with the token, in this order.
    pub query_ids: Vec<String>,
    /// Statements saved as files, read after the queries, in this order.
    pub flex_files: Vec<PathBuf>,
    /// Milliseconds between two Flex requests, and the first wait while a
    /// statement is generated.
    pub flex_wait_ms: u64,
    /// The Client Portal Web API, when live positions are wanted (an
    /// absolute URL: the registry checked it).
    #[serde(default)]
    pub portal_url: Option<String>,
    /// An OAuth 2.0 access token for the Client Portal Web API.
    #[serde(default)]
    pub portal_token: Option<SecretString>,
    /// Accept an invalid certificate from `portal_url`'s origin.
    pub portal_accept_invalid_certs: bool,
}

impl Config {
    /// Checks that the settings name a source, and that a token and query
    /// ids come together: one sentence naming what is missing.
    pub fn check(&self) -> Result<()> {
        let queries = !self.query_ids.is_empty();
        match (&self.token, queries) {
            (Some(_), false) if self.flex_files.is_empty() && self.portal_url.is_none() => {
                return Err(Error::config(
                    "token is set but query_ids is empty: add the ids of your Activity Flex queries",
                ));
            }
            (None, true) => {
                return Err(Error::config(
                    "query_ids need the Flex Web Service token: set token (Flex Queries > Flex Web Service Configuration)",
                ));
            }
            _ => {}
        }
        if let Some(empty) = self.query_ids.iter().find(|q| q.trim().is_empty()) {
            return Err(Error::config(format!(
                "query_ids: {empty:?} is not a query id"
            )));
        }
        if !queries && self.flex_files.is_empty() && self.portal_url.is_none() {
            return Err(Error::config(
                "nothing to read: set token and query_ids (Flex Web Service), flex_files (statements saved as XML), or portal_url (Client Portal, positions only)",
            ));
        }
        Ok(())
    }

    /// `portal_url`, parsed.
    pub fn portal_url(&self) -> Result<Option<url::Url>> {
        self.portal_url
            .as_deref()
            .map(|u| {
                url::Url::parse(u)
                    .map_err(|e| Error::config(format!("portal_url {u:?} is not a URL: {e}")))
            })
            .transpose()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |s: &Option<SecretString>| s.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("Config")
            .field("token", &hidden(&self.token))
            .field("query_ids", &self.query_ids)
            .field("flex_files", &self.flex_files)
            .field("flex_wait_ms", &self.flex_wait_ms)
            .field("portal_url", &self.portal_url)
            .field("portal_token", &hidden(&self.portal_token))
            .field(
                "portal_accept_invalid_certs",
                &self.portal_accept_invalid_certs,
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(v: serde_json::Value) -> Config {
        let mut base = serde_json::json!({
            "query_ids": [], "flex_files": [], "flex_wait_ms": 6000,
            "portal_accept_invalid_certs": false
        });
        for (k, val) in v.as_object().unwrap() {
            base[k] = val.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn a_source_is_required_and_nothing_secret_is_shown() {
        let both = read(
            serde_json::json!({"token": "tok-123456", "query_ids": ["987654"],
            "portal_url": "https://localhost:5000/v1/api", "portal_token": "bearer-xyz"}),
        );
        assert!(both.check().is_ok());
        let shown = format!("{both:?}");
        assert!(
            !shown.contains("tok-123456") && !shown.contains("bearer-xyz"),
            "{shown}"
        );
        assert!(shown.contains("987654"), "{shown}");

        let files = read(serde_json::json!({"flex_files": ["/tmp/a.xml"]}));
        assert!(files.check().is_ok());
        let portal = read(serde_json::json!({"portal_url": "https://localhost:5000/v1/api"}));
        assert!(portal.check().is_ok());

        for (bad, says) in [
            (serde_json::json!({}), "nothing to read"),
            (
                serde_json::json!({"query_ids": ["1"]}),
                "need the Flex Web Service token",
            ),
            (serde_json::json!({"token": "t"}), "query_ids is empty"),
            (
                serde_json::json!({"token": "t", "query_ids": [" "]}),
                "is not a query id",
            ),
        ] {
            let err = read(bad).check().unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
    }
}
