//! A plugin's configuration, checked against its manifest before the
//! plugin's factory ever runs.
//!
//! The user's settings arrive as a JSON object (from TOML, env or code: any
//! serde source converts). [`PluginConfig::from_json`] reports every problem at
//! once (missing, wrong type, out of bounds, unknown keys), applies the
//! manifest's defaults (the only place defaults live), and keeps secret
//! fields as [`SecretString`], which never prints.
//!
//! A plugin reads its settings into its own typed struct in one call,
//! [`PluginConfig::deserialize_into`] (or `PluginContext::config`):
//!
//! ```
//! # use stonks_core::secrecy::SecretString;
//! #[derive(serde::Deserialize)]
//! struct Config {
//!     api_key: String,
//!     api_secret: SecretString,
//!     access_window_ms: u32, // defaulted by the manifest: always present
//! }
//! ```

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, DeserializeOwned, IntoDeserializer, value::MapDeserializer};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::manifest::{FieldType, Manifest};

/// One checked configuration value.
#[derive(Clone)]
#[non_exhaustive]
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
    /// A calendar date.
    Date(NaiveDate),
    /// A list of texts.
    List(Vec<String>),
}

impl fmt::Debug for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::String(s) => fmt::Debug::fmt(s, f),
            ConfigValue::Secret(_) => f.write_str("[REDACTED]"),
            ConfigValue::Integer(i) => fmt::Debug::fmt(i, f),
            ConfigValue::Boolean(b) => fmt::Debug::fmt(b, f),
            ConfigValue::Url(u) => fmt::Debug::fmt(u.as_str(), f),
            ConfigValue::Date(d) => fmt::Debug::fmt(d, f),
            ConfigValue::List(l) => fmt::Debug::fmt(l, f),
        }
    }
}

/// The checked settings of one plugin instance.
#[derive(Clone, Debug, Default)]
pub struct PluginConfig {
    values: BTreeMap<String, ConfigValue>,
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
            if let Err(why) = f.accepts(value) {
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
                (FieldType::Date, Value::String(s)) => {
                    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                        Ok(d) => ConfigValue::Date(d),
                        Err(_) => continue,
                    }
                }
                (FieldType::List, Value::Array(items)) => ConfigValue::List(
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_owned))
                        .collect(),
                ),
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

    /// A date setting.
    pub fn date(&self, name: &str) -> Option<NaiveDate> {
        match self.values.get(name)? {
            ConfigValue::Date(d) => Some(*d),
            _ => None,
        }
    }

    /// A list setting.
    pub fn list(&self, name: &str) -> Option<&[String]> {
        match self.values.get(name)? {
            ConfigValue::List(l) => Some(l),
            _ => None,
        }
    }

    /// The settings read into the plugin's own typed struct: texts as
    /// `String`, secrets as `SecretString` (or `Option<SecretString>`),
    /// integers, booleans, URLs (as `url::Url` or text), dates (as
    /// `chrono::NaiveDate` or text) and lists (`Vec<String>`). Settings the
    /// user left out and the manifest gives no default for are absent, so
    /// their fields are `Option`s. A mismatch between the struct and the
    /// manifest is a [`crate::ErrorKind::Config`] error naming the field.
    pub fn deserialize_into<T: DeserializeOwned>(&self) -> Result<T> {
        let entries = self.values.iter().map(|(k, v)| (k.as_str(), ValueDe(v)));
        let de = MapDeserializer::<_, de::value::Error>::new(entries);
        T::deserialize(de).map_err(|e| Error::config(format!("configuration: {e}")))
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

/// Hands one checked value to a plugin's `Deserialize` impl.
struct ValueDe<'a>(&'a ConfigValue);

impl<'de> IntoDeserializer<'de, de::value::Error> for ValueDe<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = de::value::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            ConfigValue::String(s) => visitor.visit_borrowed_str(s),
            ConfigValue::Secret(s) => visitor.visit_borrowed_str(s.expose_secret()),
            ConfigValue::Integer(i) => visitor.visit_i64(*i),
            ConfigValue::Boolean(b) => visitor.visit_bool(*b),
            ConfigValue::Url(u) => visitor.visit_borrowed_str(u.as_str()),
            ConfigValue::Date(d) => visitor.visit_string(d.format("%Y-%m-%d").to_string()),
            ConfigValue::List(items) => visitor.visit_seq(de::value::SeqDeserializer::new(
                items.iter().map(|s| s.as_str()),
            )),
        }
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
