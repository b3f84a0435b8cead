//! `stonks.toml`: where it is, what it holds, and secrets from the
//! environment (`"env:VAR_NAME"`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use stonks::{Currency, Manifest, PluginType, Registry};

/// The app's settings.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Currency every value is also shown in.
    pub base_currency: Currency,
    /// The SQLite file.
    pub store: PathBuf,
    /// Per broker: settings for its plugin, timeout, enabled.
    pub brokers: BTreeMap<String, BrokerConfig>,
    /// Settings of the fx plugin, and fallback rates.
    pub fx: FxConfig,
}

/// One `[brokers.<id>]` table.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// Whether to use it.
    pub enabled: bool,
    /// How long one call may take.
    pub timeout_secs: u64,
    /// The plugin's configuration fields, secrets resolved.
    pub settings: serde_json::Value,
}

/// The `[fx]` table.
#[derive(Debug, Clone, Default)]
pub struct FxConfig {
    /// Settings for the `fx-ecb` plugin (e.g. `base_url`).
    pub settings: serde_json::Value,
    /// Fallback rates, units per one base-currency unit (`USD = "1.05"`).
    pub rates: BTreeMap<Currency, rust_decimal::Decimal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    base_currency: Option<String>,
    store: Option<PathBuf>,
    #[serde(default)]
    brokers: BTreeMap<String, BTreeMap<String, toml::Spanned<toml::Value>>>,
    #[serde(default)]
    fx: Option<toml::Table>,
}

/// Where the config file is: `--config`, else `STONKS_CONFIG`, else the
/// platform's config directory.
pub fn config_path(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_owned();
    }
    if let Some(p) = std::env::var_os("STONKS_CONFIG") {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("", "", "stonks")
        .map(|d| d.config_dir().join("stonks.toml"))
        .unwrap_or_else(|| PathBuf::from("stonks.toml"))
}

fn default_store() -> PathBuf {
    directories::ProjectDirs::from("", "", "stonks")
        .map(|d| d.data_dir().join("stonks.sqlite"))
        .unwrap_or_else(|| PathBuf::from("stonks.sqlite"))
}

/// Converts a TOML value to JSON, resolving `"env:VAR"` strings. `path` names
/// the key in errors; a secret's value never appears in one.
fn to_json(v: &toml::Value, path: &str) -> Result<serde_json::Value, String> {
    Ok(match v {
        toml::Value::String(s) => match s.strip_prefix("env:") {
            Some(var) => match std::env::var(var) {
                Ok(value) => serde_json::Value::String(value),
                Err(_) => return Err(format!("{path}: environment variable {var} is not set")),
            },
            None => serde_json::Value::String(s.clone()),
        },
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Float(_) => {
            return Err(format!(
                "{path}: write decimals as strings (\"1.05\"), not floats"
            ));
        }
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| to_json(x, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, x)| Ok((k.clone(), to_json(x, &format!("{path}.{k}"))?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

impl AppConfig {
    /// Reads and checks the config file; errors name the file, key and line.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read config {}: {e} (create one with `stonks init`)",
                path.display()
            )
        })?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses config text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
        let base_currency = Currency::new(raw.base_currency.as_deref().unwrap_or("EUR"))
            .map_err(|e| format!("base_currency: {}", e.message()))?;
        let mut brokers = BTreeMap::new();
        for (id, table) in raw.brokers {
            let mut settings = serde_json::Map::new();
            let (mut enabled, mut timeout_secs) = (true, 30u64);
            for (key, spanned) in table {
                let line = text[..spanned.span().start.min(text.len())]
                    .matches('\n')
                    .count()
                    + 1;
                let path = format!("brokers.{id}.{key} (line {line})");
                let value = spanned.into_inner();
                match key.as_str() {
                    "enabled" => {
                        enabled = value
                            .as_bool()
                            .ok_or(format!("{path}: expected true or false"))?
                    }
                    "timeout_secs" => {
                        timeout_secs = value
                            .as_integer()
                            .and_then(|i| u64::try_from(i).ok())
                            .filter(|s| *s > 0)
                            .ok_or(format!("{path}: expected a positive number of seconds"))?
                    }
                    _ => {
                        settings.insert(key, to_json(&value, &path)?);
                    }
                }
            }
            brokers.insert(
                id,
                BrokerConfig {
                    enabled,
                    timeout_secs,
                    settings: serde_json::Value::Object(settings),
                },
            );
        }
        let mut fx = FxConfig::default();
        if let Some(table) = raw.fx {
            let mut settings = serde_json::Map::new();
            for (key, value) in table {
                if key == "rates" {
                    let rates = value
                        .as_table()
                        .ok_or("fx.rates: expected a table of CODE = \"rate\"")?;
                    for (code, rate) in rates {
                        let path = format!("fx.rates.{code}");
                        let c =
                            Currency::new(code).map_err(|e| format!("{path}: {}", e.message()))?;
                        let r = rate.as_str().and_then(|s| s.parse().ok()).ok_or(format!(
                            "{path}: expected a decimal as a string, e.g. \"1.0542\""
                        ))?;
                        fx.rates.insert(c, r);
                    }
                } else {
                    settings.insert(key.clone(), to_json(&value, &format!("fx.{key}"))?);
                }
            }
            fx.settings = serde_json::Value::Object(settings);
        }
        Ok(AppConfig {
            base_currency,
            store: raw.store.unwrap_or_else(default_store),
            brokers,
            fx,
        })
    }

    /// The enabled brokers.
    pub fn enabled(&self) -> impl Iterator<Item = (&String, &BrokerConfig)> {
        self.brokers.iter().filter(|(_, b)| b.enabled)
    }
}

/// A commented `stonks.toml` with every installed broker's fields.
pub fn template(registry: &Registry) -> String {
    let mut out = String::from(
        "# stonks configuration.\n\
         # Secrets can come from the environment: password = \"env:DEGIRO_PASSWORD\".\n\n\
         base_currency = \"EUR\"\n\
         # store = \"/path/to/stonks.sqlite\"   # default: the platform's data directory\n",
    );
    for entry in registry.catalog() {
        let Some(m) = entry.manifest.as_deref() else {
            continue;
        };
        out.push_str(&section(m));
    }
    out.push_str("\n# Fallback rates when the ECB cannot be reached (units per 1 base currency).\n# [fx.rates]\n# USD = \"1.0542\"\n");
    out
}

fn section(m: &Manifest) -> String {
    let mut s = String::new();
    match m.plugin.kind {
        PluginType::Broker => {
            s.push_str(&format!(
                "\n# {}: {}\n[brokers.{}]\n",
                m.plugin.display_name,
                m.plugin.description,
                m.id()
            ));
            s.push_str("# enabled = true\n# timeout_secs = 30\n");
        }
        _ => return s,
    }
    for f in &m.configuration.fields {
        let hint = if f.secret {
            format!(
                "\"env:{}_{}\"",
                m.id().to_uppercase().replace('-', "_"),
                f.name.to_uppercase()
            )
        } else {
            match &f.default {
                Some(d) => d.to_string(),
                None => format!("\"<{}>\"", f.kind.as_str()),
            }
        };
        let comment = if f.required { "" } else { "# " };
        s.push_str(&format!(
            "# {}\n{comment}{} = {hint}\n",
            f.description, f.name
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_brokers_and_env_secrets() {
        // SAFETY: tests in this module are the only users of this variable.
        unsafe { std::env::set_var("STONKS_TEST_PW", "s3cret-pw") };
        let c = AppConfig::parse(
            "base_currency = \"USD\"\nstore = \"x.sqlite\"\n[brokers.degiro]\nusername = \"jane\"\npassword = \"env:STONKS_TEST_PW\"\ntimeout_secs = 5\n[fx.rates]\nUSD = \"1.05\"\n",
        )
        .unwrap();
        assert_eq!(c.base_currency.as_str(), "USD");
        let d = &c.brokers["degiro"];
        assert_eq!((d.enabled, d.timeout_secs), (true, 5));
        assert_eq!(d.settings["password"], "s3cret-pw");
        assert_eq!(c.fx.rates.len(), 1);
    }

    #[test]
    fn errors_name_key_and_line() {
        let err = AppConfig::parse("base_currency = \"EUR\"\n[brokers.degiro]\nusername = jane\n")
            .unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        let err =
            AppConfig::parse("[brokers.degiro]\npassword = \"env:STONKS_SURELY_UNSET_VAR\"\n")
                .unwrap_err();
        assert_eq!(
            err,
            "brokers.degiro.password (line 2): environment variable STONKS_SURELY_UNSET_VAR is not set"
        );
        let err = AppConfig::parse("[brokers.degiro]\nusername = \"x\"\n\ntimeout_secs = -1\n")
            .unwrap_err();
        assert!(
            err.starts_with("brokers.degiro.timeout_secs (line 4)"),
            "{err}"
        );
        let err = AppConfig::parse("bas_currency = \"EUR\"\n").unwrap_err();
        assert!(
            err.contains("bas_currency") && err.contains("line 1"),
            "{err}"
        );
    }
}
