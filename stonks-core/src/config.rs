//! A plugin's configuration, checked against its manifest before the
//! plugin's factory ever runs.
//!
//! The user's settings arrive as a JSON object (from TOML, env or code: any
//! serde source converts). [`PluginConfig::from_json`] reports every problem at
//! once (missing, wrong type, unknown keys), applies defaults, and keeps
//! secret fields as [`SecretString`], which never prints.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::manifest::{FieldType, Manifest};

/// One checked configuration value.
#[derive(Clone)]
pub enum ConfigValue {
    /// Plain text.
    String(String),
    /// A secret; shown as `[REDACTED]` everywhere.
    Secret(SecretString),
    /// A whole number.
    Integer(i64),
    /// A flag.
    Boolean(bool),
    /// An absolute http(s) URL.
    Url(url::Url),
}

impl fmt::Debug for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::String(s) => fmt::Debug::fmt(s, f),
            ConfigValue::Secret(_) => f.write_str("[REDACTED]"),
            ConfigValue::Integer(i) => fmt::Debug::fmt(i, f),
            ConfigValue::Boolean(b) => fmt::Debug::fmt(b, f),
            ConfigValue::Url(u) => fmt::Debug::fmt(u.as_str(), f),
        }
    }
}

/// The checked settings of one plugin instance.
#[derive(Clone, Debug, Default)]
pub struct PluginConfig {
    values: BTreeMap<String, ConfigValue>,
}

/// Whether `value` is of `kind`; on failure, what was expected and found
/// (never the value itself: it may be a secret).
pub(crate) fn check_value(kind: FieldType, value: &Value) -> Result<(), String> {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let ok = match (kind, value) {
        (FieldType::String, Value::String(_)) => true,
        (FieldType::Integer, Value::Number(n)) => n.as_i64().is_some(),
        (FieldType::Boolean, Value::Bool(_)) => true,
        (FieldType::Url, Value::String(s)) => {
            return crate::manifest::HttpUrl::new(s.as_str())
                .map(|_| ())
                .map_err(|_| "expected an absolute http or https URL".to_owned());
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        let expected = match kind {
            FieldType::String => "a string",
            FieldType::Integer => "an integer",
            FieldType::Boolean => "a boolean",
            FieldType::Url => "a URL string",
        };
        Err(format!("expected {expected}, found {found}"))
    }
}

impl PluginConfig {
    /// Checks `user` against `manifest.configuration` and builds the config.
    /// Every problem is reported in one [`crate::ErrorKind::Config`] error.
    pub fn from_json(manifest: &Manifest, user: &Value) -> Result<Self> {
        let empty = serde_json::Map::new();
        let given = match user {
            Value::Object(map) => map,
            Value::Null => &empty,
            _ => {
                return Err(Error::config("configuration must be an object of settings")
                    .with_plugin(manifest.id()));
            }
        };
        let fields = &manifest.configuration.fields;
        let mut problems = Vec::new();
        for key in given.keys() {
            if !fields.iter().any(|f| f.name.as_str() == key) {
                let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                problems.push(format!(
                    "{}: unknown setting; expected one of {}",
                    crate::error::excerpt_of(key, 40),
                    if known.is_empty() {
                        "(none)".to_owned()
                    } else {
                        known.join(", ")
                    }
                ));
            }
        }
        let mut values = BTreeMap::new();
        for f in fields {
            let name = f.name.as_str();
            let value = match given
                .get(name)
                .filter(|v| !v.is_null())
                .or(f.default.as_ref())
            {
                Some(v) => v,
                None if f.required => {
                    problems.push(format!(
                        "{name}: missing required setting ({})",
                        f.kind.as_str()
                    ));
                    continue;
                }
                None => continue,
            };
            if let Err(why) = check_value(f.kind, value) {
                problems.push(format!("{name}: {why}"));
                continue;
            }
            let v = match (f.kind, value) {
                (FieldType::String, Value::String(s)) if f.secret => {
                    ConfigValue::Secret(SecretString::from(s.clone()))
                }
                (FieldType::String, Value::String(s)) => ConfigValue::String(s.clone()),
                (FieldType::Integer, Value::Number(n)) => {
                    ConfigValue::Integer(n.as_i64().unwrap_or_default())
                }
                (FieldType::Boolean, Value::Bool(b)) => ConfigValue::Boolean(*b),
                (FieldType::Url, Value::String(s)) => match url::Url::parse(s) {
                    Ok(u) => ConfigValue::Url(u),
                    Err(_) => continue,
                },
                _ => continue,
            };
            values.insert(name.to_owned(), v);
        }
        if problems.is_empty() {
            Ok(PluginConfig { values })
        } else {
            let n = problems.len();
            Err(Error::config(format!(
                "{n} problem{} in configuration: {}",
                if n == 1 { "" } else { "s" },
                problems.join("; ")
            ))
            .with_plugin(manifest.id()))
        }
    }

    /// The value of a setting.
    pub fn get(&self, name: &str) -> Option<&ConfigValue> {
        self.values.get(name)
    }

    /// A plain text setting.
    pub fn string(&self, name: &str) -> Option<&str> {
        match self.values.get(name)? {
            ConfigValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// A secret setting.
    pub fn secret(&self, name: &str) -> Option<&SecretString> {
        match self.values.get(name)? {
            ConfigValue::Secret(s) => Some(s),
            _ => None,
        }
    }

    /// An integer setting.
    pub fn integer(&self, name: &str) -> Option<i64> {
        match self.values.get(name)? {
            ConfigValue::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// A boolean setting.
    pub fn boolean(&self, name: &str) -> Option<bool> {
        match self.values.get(name)? {
            ConfigValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// A URL setting.
    pub fn url(&self, name: &str) -> Option<&url::Url> {
        match self.values.get(name)? {
            ConfigValue::Url(u) => Some(u),
            _ => None,
        }
    }

    /// The `base_url` override every HTTP plugin accepts.
    pub fn base_url(&self) -> Option<&url::Url> {
        self.url("base_url")
    }

    /// The secret values, for redaction.
    pub(crate) fn secret_texts(&self) -> impl Iterator<Item = &str> {
        self.values.values().filter_map(|v| match v {
            ConfigValue::Secret(s) => Some(s.expose_secret()),
            _ => None,
        })
    }
}
