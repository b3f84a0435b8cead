//! Strings with a shape: plugin ids, MIC codes, host names and the like.
//!
//! Each is a newtype whose `Deserialize` checks its shape, and whose JSON
//! Schema carries a `format` naming the same check. The diagnostic validator
//! (`validate.rs`) runs [`check_format`] for that `format`, so the typed parse
//! and the all-problems report can never disagree about what is valid.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest accepted one-line text (names, authors, licences).
pub const SHORT_TEXT_MAX: usize = 200;
/// Longest accepted description.
pub const LONG_TEXT_MAX: usize = 4000;

/// Checks `value` against the named `format`; `None` when it is valid, else
/// what is wrong. Unknown formats accept anything (JSON Schema's rule).
pub fn check_format(format: &str, value: &str) -> Option<String> {
    let shown = crate::error::excerpt_of(value, 60);
    match format {
        "plugin-id" => check_plugin_id(value).map(|why| format!("invalid plugin id {shown:?}: {why}")),
        "field-name" => check_field_name(value).map(|why| format!("invalid field name {shown:?}: {why}")),
        "short-text" => check_text(value, SHORT_TEXT_MAX),
        "long-text" => check_text(value, LONG_TEXT_MAX),
        "semver" => semver::Version::parse(value)
            .err()
            .map(|e| format!("invalid semver version {shown:?}: {e}")),
        "semver-req" => semver::VersionReq::parse(value)
            .err()
            .map(|e| format!("invalid semver requirement {shown:?}: {e}")),
        "mic" => (!is_mic(value)).then(|| {
            format!("invalid market {shown:?}: expected a 4-character ISO 10383 MIC such as XAMS")
        }),
        "currency" => (!is_currency(value)).then(|| {
            format!("invalid currency {shown:?}: expected an uppercase code of 1 to 16 letters or digits such as EUR or BTC")
        }),
        "hostname" => check_host(value).map(|why| format!("invalid host {shown:?}: {why}")),
        "http-url" => check_http_url(value).map(|why| format!("invalid URL {shown:?}: {why}")),
        _ => None,
    }
}

pub(crate) fn check_plugin_id(s: &str) -> Option<&'static str> {
    if s.is_empty() || s.len() > 64 {
        return Some("expected 1 to 64 characters");
    }
    let kebab = s.split('-').all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !kebab || !s.as_bytes()[0].is_ascii_lowercase() {
        return Some(
            "expected kebab-case: lowercase letters and digits in words joined by '-', starting with a letter",
        );
    }
    None
}

fn check_field_name(s: &str) -> Option<&'static str> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    (!ok).then_some(
        "expected snake_case: 1 to 64 lowercase letters, digits or '_', starting with a letter",
    )
}

fn check_text(s: &str, max: usize) -> Option<String> {
    if s.trim().is_empty() {
        return Some("must not be empty".into());
    }
    let n = s.chars().count();
    if n > max {
        return Some(format!("too long: {n} characters, at most {max} allowed"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Some("must not contain control characters".into());
    }
    None
}

fn is_mic(s: &str) -> bool {
    s.len() == 4
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn is_currency(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 16
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Checks a bare DNS host name (no scheme, port or path).
pub(crate) fn check_host(s: &str) -> Option<&'static str> {
    if s.is_empty() || s.len() > 253 {
        return Some("expected 1 to 253 characters");
    }
    if s.contains("://") || s.contains('/') || s.contains(':') {
        return Some("expected a bare host name, without scheme, port or path");
    }
    let labels_ok = s.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    (!labels_ok).then_some("expected lowercase DNS labels of letters, digits and '-' joined by '.'")
}

fn check_http_url(s: &str) -> Option<&'static str> {
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => None,
        Ok(_) => Some("expected an http or https URL with a host"),
        Err(_) => Some("not a URL"),
    }
}

macro_rules! shaped_string {
    ($(#[$doc:meta])* $name:ident, $format:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks the shape and wraps `value`.
            pub fn new(value: impl Into<String>) -> Result<Self, String> {
                let value = value.into();
                match check_format($format, &value) {
                    None => Ok($name(value)),
                    Some(problem) => Err(problem),
                }
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $name::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "format": $format })
            }
        }
    };
}

shaped_string!(
    /// A plugin id: kebab-case, 1 to 64 characters (`bitvavo`, `fx-ecb`).
    PluginId,
    "plugin-id"
);
shaped_string!(
    /// A configuration field name: snake_case.
    FieldName,
    "field-name"
);
shaped_string!(
    /// One line of text for people: not blank, at most 200 characters.
    ShortText,
    "short-text"
);
shaped_string!(
    /// A description: not blank, at most 4000 characters.
    LongText,
    "long-text"
);
shaped_string!(
    /// An ISO 10383 market identifier code (`XAMS`, `XNAS`).
    Mic,
    "mic"
);
shaped_string!(
    /// A currency or asset code in uppercase (`EUR`, `BTC`).
    CurrencyCode,
    "currency"
);
shaped_string!(
    /// A bare DNS host name (`api.bitvavo.com`).
    HostName,
    "hostname"
);
shaped_string!(
    /// An absolute http(s) URL.
    HttpUrl,
    "http-url"
);

/// Schema stand-in for `semver::Version` fields.
pub(crate) struct SemverSchema;

impl JsonSchema for SemverSchema {
    fn schema_name() -> Cow<'static, str> {
        "Semver".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "semver" })
    }
}

/// Schema stand-in for `dependencies.plugins`: plugin ids to requirements.
pub(crate) struct DependencyMapSchema;

impl JsonSchema for DependencyMapSchema {
    fn schema_name() -> Cow<'static, str> {
        "DependencyMap".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "propertyNames": { "type": "string", "format": "plugin-id" },
            "additionalProperties": { "type": "string", "format": "semver-req" }
        })
    }
}

/// Schema stand-in for `semver::VersionReq` fields.
pub(crate) struct SemverReqSchema;

impl JsonSchema for SemverReqSchema {
    fn schema_name() -> Cow<'static, str> {
        "SemverReq".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "semver-req" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(PluginId::new("fx-ecb").is_ok());
        assert!(PluginId::new("a1-b2").is_ok());
        for bad in [
            "",
            "Bitvavo",
            "-x",
            "x-",
            "a--b",
            "1abc",
            "a_b",
            &"a".repeat(65),
        ] {
            assert!(PluginId::new(bad).is_err(), "{bad:?}");
        }
        assert!(Mic::new("XAMS").is_ok());
        assert!(Mic::new("xams").is_err());
        assert!(HostName::new("api.bitvavo.com").is_ok());
        for bad in [
            "https://api.bitvavo.com",
            "api.bitvavo.com:443",
            "a..b",
            "-a.com",
            "A.com",
            "",
        ] {
            assert!(HostName::new(bad).is_err(), "{bad:?}");
        }
        assert!(ShortText::new("  ").is_err());
        assert!(ShortText::new("x".repeat(201)).is_err());
        assert!(HttpUrl::new("ftp://x").is_err());
        assert!(HttpUrl::new("https://trader.degiro.nl").is_ok());
        assert!(FieldName::new("api_key").is_ok());
        assert!(FieldName::new("apiKey").is_err());
    }
}
