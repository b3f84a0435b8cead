//! `stonks.toml`: where it is, what it holds, and secrets from the
//! environment (`"env:VAR_NAME"`).
//!
//! Every problem names the file, the key and the line, and none shows a
//! secret: a syntax error's line is shown with every string and comment
//! masked, and the value of a secret key (any field a plugin's manifest
//! marks secret) too, whatever TOML shape it is written in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Deserialize;
use stonks::{Currency, Isin, Manifest, PluginType, Registry};

use crate::error::{Error, Result};

/// The longest budget a broker may be given, in seconds (a day).
pub const MAX_TIMEOUT_SECS: u64 = 86_400;

/// The budget of a broker that names none, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// The app's settings.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Currency every value is also shown in (an ISO 4217 code).
    pub base_currency: Currency,
    /// The SQLite file.
    pub store: PathBuf,
    /// Per broker: settings for its plugin, budget, enabled.
    pub brokers: BTreeMap<String, BrokerConfig>,
    /// Settings of the fx plugin, and fallback rates.
    pub fx: FxConfig,
    /// Settings of the identity resolver.
    pub identity: IdentityConfig,
    /// The user's word on which instrument is which (`[instruments]`), by
    /// (broker, broker id or symbol).
    pub instruments: BTreeMap<(String, String), InstrumentOverride>,
    /// Where daily prices come from (`[prices]`).
    pub prices: PricesConfig,
    /// What returns are compared with (`[returns]`).
    pub returns: ReturnsConfig,
    /// Middleware plugins to run, by id, with their settings
    /// (`[middleware.<id>]`): each rewrites every broker's answers.
    pub middleware: BTreeMap<String, serde_json::Value>,
}

/// The `[returns]` table.
#[derive(Debug, Clone, Default)]
pub struct ReturnsConfig {
    /// The benchmark beside the returns (`benchmark = "^GSPC"`): its closes
    /// are fetched with the others' and its return shown on the same days.
    pub benchmark: Option<crate::benchmark::Benchmark>,
}

/// The `[prices]` table: which sources give daily closes, in order of
/// preference, and their settings.
#[derive(Clone)]
pub struct PricesConfig {
    /// Whether a sync fetches price history at all.
    pub enabled: bool,
    /// Source names in order of preference: a broker's name (its own
    /// prices, with its keys), `yahoo`, `file`. `None`: every active
    /// source, brokers first, then `yahoo`, then `file`.
    pub sources: Option<Vec<String>>,
    /// Settings of the stand-alone sources by name (`[prices.yahoo]`,
    /// `[prices.file]`).
    pub settings: BTreeMap<String, serde_json::Value>,
    /// One source for one instrument key (`[prices.instruments]`,
    /// `"isin:US0378331005" = "yahoo"`).
    pub per_instrument: BTreeMap<String, String>,
}

impl Default for PricesConfig {
    fn default() -> Self {
        PricesConfig {
            enabled: true,
            sources: None,
            settings: BTreeMap::new(),
            per_instrument: BTreeMap::new(),
        }
    }
}

impl std::fmt::Debug for PricesConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: BTreeMap<&String, SettingNames<'_>> = self
            .settings
            .iter()
            .map(|(k, v)| (k, SettingNames(v)))
            .collect();
        f.debug_struct("PricesConfig")
            .field("enabled", &self.enabled)
            .field("sources", &self.sources)
            .field("settings", &names)
            .field("per_instrument", &self.per_instrument)
            .finish()
    }
}

/// The plugin of a stand-alone price source's short name (`yahoo` runs
/// `prices-yahoo`); a broker's name is itself.
pub fn price_plugin(source: &str) -> String {
    match source {
        "yahoo" | "file" => format!("prices-{source}"),
        other => other.to_owned(),
    }
}

/// The `[identity]` table: the resolver that finds share-class FIGIs for
/// what brokers do not say (OpenFIGI).
#[derive(Clone)]
pub struct IdentityConfig {
    /// Whether to ask it (`enabled = false`: the key rules use what brokers
    /// gave, and what earlier runs learned).
    pub enabled: bool,
    /// Settings for the plugin (`api_key`, `base_url`).
    pub settings: serde_json::Value,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            enabled: true,
            settings: serde_json::Value::Object(Default::default()),
        }
    }
}

/// What `[instruments]` says one broker's instrument is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstrumentOverride {
    /// Its ISIN (`"alpaca:AAPL" = "US0378331005"`): keyed as every other
    /// instrument of that ISIN is, resolved or not.
    Isin(Isin),
    /// Its share-class FIGI (`"figi:BBG001S5N8V8"`).
    ShareClassFigi(String),
    /// A key of its own (`"broker:degiro:1234"` keeps apart what a resolver
    /// merged, `"crypto:BTC"`): it beats every rule.
    Key(String),
}

impl InstrumentOverride {
    /// Reads a value of `[instruments]`.
    fn parse(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        let isin = |s: &str| Isin::new(s).map(InstrumentOverride::Isin);
        if let Ok(o) = isin(text) {
            return Ok(o);
        }
        match text.split_once(':') {
            Some(("isin", rest)) => isin(rest).map_err(|e| e.message().to_owned()),
            Some(("figi", rest)) if is_figi(rest) => {
                Ok(InstrumentOverride::ShareClassFigi(rest.to_owned()))
            }
            Some(("figi", _)) => Err("a FIGI is 12 capitals and digits with G third (BBG001S5N8V8)".into()),
            // The asset, as the key rules write it (`btc-eur` is `BTC`).
            Some(("crypto", code)) => stonks::identity::crypto_asset(code)
                .map(|asset| InstrumentOverride::Key(format!("crypto:{asset}")))
                .ok_or_else(|| format!("{code:?} is not a crypto asset code (BTC, ETH)")),
            Some(("broker", rest)) if rest.split_once(':').is_some_and(|(b, id)| !b.is_empty() && !id.is_empty()) => {
                Ok(InstrumentOverride::Key(text.to_owned()))
            }
            _ => Err("expected an ISIN (\"US0378331005\") or an instrument key (\"figi:BBG001S5N8V8\", \"isin:US0378331005\", \"crypto:BTC\", \"broker:<broker>:<id>\")".into()),
        }
    }
}

/// Whether `s` is written as a FIGI: twelve capitals and digits, `G` third.
fn is_figi(s: &str) -> bool {
    s.len() == 12
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && s.as_bytes()[2] == b'G'
}

/// One `[brokers.<name>]` table.
#[derive(Clone)]
pub struct BrokerConfig {
    /// The plugin it runs: its `plugin` key, else the section's own name
    /// (`[brokers.degiro]` runs `degiro`). Two sections naming one plugin
    /// are two instances of it, each with its own store rows.
    pub plugin: String,
    /// Whether to use it.
    pub enabled: bool,
    /// Everything one command asks of this broker (a portfolio; a sync's
    /// ledger read and portfolio together) must be done within this.
    pub timeout: Duration,
    /// The plugin's configuration fields, secrets resolved.
    pub settings: serde_json::Value,
}

/// The `[fx]` table.
#[derive(Clone)]
pub struct FxConfig {
    /// Where rates come from: `fx-ecb` (the default), or a configured
    /// broker whose plugin offers `fx_rates` (`ibkr`: its statements'
    /// conversion rates, so an IBKR-only user needs no ECB).
    pub source: String,
    /// Settings for the `fx-ecb` plugin (e.g. `base_url`).
    pub settings: serde_json::Value,
    /// Fallback rates, units per one base-currency unit (`USD = "1.05"`),
    /// each positive.
    pub rates: BTreeMap<Currency, Decimal>,
}

/// The names of a plugin's settings, never their values: resolved
/// secrets live there, and `Debug` output ends up in logs and panics.
struct SettingNames<'a>(&'a serde_json::Value);

impl std::fmt::Debug for SettingNames<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_object() {
            Some(map) => f.debug_set().entries(map.keys()).finish(),
            None => f.write_str("{}"),
        }
    }
}

impl std::fmt::Debug for BrokerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerConfig")
            .field("plugin", &self.plugin)
            .field("enabled", &self.enabled)
            .field("timeout", &self.timeout)
            .field("settings", &SettingNames(&self.settings))
            .finish()
    }
}

impl Default for FxConfig {
    fn default() -> Self {
        FxConfig {
            source: crate::app::FX_PLUGIN.to_owned(),
            settings: serde_json::Value::Null,
            rates: BTreeMap::new(),
        }
    }
}

impl std::fmt::Debug for FxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FxConfig")
            .field("source", &self.source)
            .field("settings", &SettingNames(&self.settings))
            .field("rates", &self.rates)
            .finish()
    }
}

impl std::fmt::Debug for IdentityConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityConfig")
            .field("enabled", &self.enabled)
            .field("settings", &SettingNames(&self.settings))
            .finish()
    }
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
    #[serde(default)]
    identity: Option<toml::Table>,
    #[serde(default)]
    instruments: BTreeMap<String, toml::Spanned<toml::Value>>,
    #[serde(default)]
    prices: Option<toml::Table>,
    #[serde(default)]
    returns: Option<toml::Table>,
    #[serde(default)]
    middleware: BTreeMap<String, toml::Table>,
    /// Read on its own, first, by [`plugin_dirs`]: checked here too.
    #[serde(default, rename = "plugins")]
    _plugins: Option<RawPlugins>,
}

/// The `[plugins]` table.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPlugins {
    /// Folders of runtime plugins (each plugin a folder in one of them).
    #[serde(default)]
    dirs: Option<Vec<PathBuf>>,
}

/// Where runtime plugins are installed: `[plugins] dirs` of the config
/// file at `path` (relative ones from the file's folder), else the
/// platform's data folder's `stonks/plugins`. Read before the rest of the
/// config, which needs the plugins' manifests; a file that cannot be read
/// gives the default (the full load says what is wrong with it).
pub fn plugin_dirs(path: &Path) -> Vec<PathBuf> {
    #[derive(Deserialize)]
    struct Only {
        #[serde(default)]
        plugins: Option<RawPlugins>,
    }
    // Read as the config itself is: a FIFO or a device is refused, never
    // waited on, and a runaway file is not read.
    let shown = path.display().to_string();
    let dirs = stonks::local::read(path, &shown, MAX_CONFIG_BYTES)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| toml::from_str::<Only>(&text).ok())
        .and_then(|o| o.plugins?.dirs);
    match dirs {
        Some(dirs) => {
            let base = path.parent().unwrap_or(Path::new("."));
            dirs.into_iter().map(|d| base.join(d)).collect()
        }
        None => default_plugin_dir().into_iter().collect(),
    }
}

fn default_plugin_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "stonks").map(|d| d.data_dir().join("plugins"))
}

/// Where the config file is: `flag`, else `STONKS_CONFIG`, else the
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

/// The names of every configuration field some installed plugin marks
/// secret: their values are never shown, not even in a syntax error.
pub fn secret_keys(registry: &Registry) -> BTreeSet<String> {
    registry
        .catalog()
        .iter()
        .filter_map(|e| e.manifest.clone())
        .flat_map(|m| {
            m.configuration
                .fields
                .iter()
                .filter(|f| f.secret)
                .map(|f| f.name.as_str().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Converts a TOML value to JSON, resolving `"env:VAR"` strings. `path` names
/// the key in errors; a secret's value never appears in one.
fn to_json(v: &toml::Value, path: &str) -> std::result::Result<serde_json::Value, String> {
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
                .collect::<std::result::Result<_, _>>()?,
        ),
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, x)| Ok((k.clone(), to_json(x, &format!("{path}.{k}"))?)))
                .collect::<std::result::Result<_, String>>()?,
        ),
    })
}

/// A TOML syntax error as a message that names line and column and shows
/// the offending line with every value that may be a secret masked.
fn syntax_error(text: &str, e: &toml::de::Error, secrets: &BTreeSet<String>) -> String {
    let message = e.message().trim_end();
    let Some(span) = e.span() else {
        return message.to_owned();
    };
    let start = floor_char_boundary(text, span.start);
    let line_no = text[..start].matches('\n').count() + 1;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..start].chars().count() + 1;
    format!(
        "line {line_no}, column {column}: {message}\n  {line_no} | {}",
        masked_line(text, line_start, secrets)
    )
}

/// The largest char boundary of `text` at or before `i`.
fn floor_char_boundary(text: &str, i: usize) -> usize {
    (0..=i.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

const MASK: &str = "[REDACTED]";

/// The line at `line_start` as it may be shown. Rather safe than helpful:
/// every string and comment is masked; so is the whole line when it
/// continues a value begun above (a multi-line string, array or inline
/// table), when it is neither a table header nor `key = value`, and
/// everything after its `=` when it names a secret key (any case, or
/// spelled with escapes). What is left is keys, structure and bare words
/// such as `username = jane` (a forgotten quote).
fn masked_line(text: &str, line_start: usize, secrets: &BTreeSet<String>) -> String {
    let mut lexer = Lexer::default();
    lexer.mask(&text[..line_start]);
    if lexer.quote.is_some() || lexer.depth > 0 {
        return MASK.to_owned();
    }
    let line = text[line_start..].lines().next().unwrap_or_default();
    let masked = lexer.mask(line);
    let lower = line.to_lowercase();
    let names_secret =
        line.contains('\\') || secrets.iter().any(|s| lower.contains(&s.to_lowercase()));
    let code = masked.split('#').next().unwrap_or_default().trim();
    match masked.split_once('=') {
        Some((key, _)) if names_secret => format!("{} = {MASK}", key.trim_end()),
        Some(_) => masked,
        None if code.is_empty() || (code.starts_with('[') && code.ends_with(']')) => masked,
        None => MASK.to_owned(),
    }
}

/// The largest config file read: thousands of brokers' settings fit.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// String delimiters, longest first.
const QUOTES: [&str; 4] = ["\"\"\"", "'''", "\"", "'"];

/// Just enough of TOML's lexical structure to know what is a string or a
/// comment, and whether a line continues a value begun above.
#[derive(Default)]
struct Lexer {
    /// The delimiter of the string the text is in.
    quote: Option<&'static str>,
    /// Open `[` and `{` of values (not of table headers).
    depth: usize,
    /// Whether this line has had its `=` (a `[` after it opens an array).
    after_eq: bool,
}

impl Lexer {
    /// `text` with each string's content and each comment replaced by
    /// [`MASK`]; the lexer ends in the state after it.
    fn mask(&mut self, text: &str) -> String {
        let mut out = String::new();
        let mut i = 0;
        while i < text.len() {
            let rest = &text[i..];
            if let Some(q) = self.quote {
                let (len, closed) = string_body(rest, q);
                if len > 0 {
                    out.push_str(MASK);
                }
                i += len;
                // A one-line string ends at its line even when unterminated.
                if closed || q.len() == 1 {
                    self.quote = None;
                }
                if closed {
                    out.push_str(q);
                    i += q.len();
                }
                continue;
            }
            if let Some(q) = QUOTES.into_iter().find(|q| rest.starts_with(q)) {
                out.push_str(q);
                self.quote = Some(q);
                i += q.len();
                continue;
            }
            let Some(c) = rest.chars().next() else { break };
            match c {
                '#' => {
                    out.push_str("# ");
                    out.push_str(MASK);
                    i += rest.find('\n').unwrap_or(rest.len());
                    continue;
                }
                '\n' if self.depth == 0 => self.after_eq = false,
                '=' => self.after_eq = true,
                '[' | '{' if self.depth > 0 || self.after_eq => self.depth += 1,
                ']' | '}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
            out.push(c);
            i += c.len_utf8();
        }
        out
    }
}

/// The length of a string's content at the start of `rest`, and whether its
/// closing delimiter `q` follows (else it runs to the line's end, or the
/// text's end for a multi-line string).
fn string_body(rest: &str, q: &str) -> (usize, bool) {
    let escapes = q.starts_with('"');
    let multi_line = q.len() == 3;
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        if rest[i..].starts_with(q) {
            // `""""` closes after one quote of content (up to two).
            let extra = rest[i + q.len()..]
                .chars()
                .take(2)
                .take_while(|&x| multi_line && q.starts_with(x))
                .count();
            return (i + extra, true);
        }
        match c {
            '\\' if escapes => {
                chars.next();
            }
            '\n' if !multi_line => return (i, false),
            _ => {}
        }
    }
    (rest.len(), false)
}

fn bad(path: &str, why: impl std::fmt::Display) -> String {
    format!("{path}: {why}")
}

impl AppConfig {
    /// Reads and checks the config file; errors name the file, key and line.
    /// `secrets` are the keys whose values may never be shown
    /// ([`secret_keys`]).
    pub fn load(path: &Path, secrets: &BTreeSet<String>) -> Result<Self> {
        // Through core's local files: a FIFO or a device named as the
        // config is refused rather than waited on, a runaway file unread.
        let shown = format!("config {}", path.display());
        let bytes = stonks::local::read(path, &shown, MAX_CONFIG_BYTES).map_err(|e| {
            Error::Config(format!("{} (create one with `stonks init`)", e.message()))
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::Config(format!(
                "{shown}: not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        Self::parse(&text, secrets).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    /// Parses config text; the error names the key and line.
    pub fn parse(text: &str, secrets: &BTreeSet<String>) -> std::result::Result<Self, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| syntax_error(text, &e, secrets))?;
        let base_currency = base_currency(raw.base_currency.as_deref().unwrap_or("EUR"))?;
        let mut brokers = BTreeMap::new();
        for (id, table) in raw.brokers {
            let mut settings = serde_json::Map::new();
            let (mut enabled, mut timeout_secs) = (true, DEFAULT_TIMEOUT_SECS);
            let mut plugin = id.clone();
            for (key, spanned) in table {
                let line = text[..spanned.span().start.min(text.len())]
                    .matches('\n')
                    .count()
                    + 1;
                let path = format!("brokers.{id}.{key} (line {line})");
                let value = spanned.into_inner();
                match key.as_str() {
                    "plugin" => {
                        plugin = value
                            .as_str()
                            .map(|p| p.trim().to_owned())
                            .filter(|p| !p.is_empty())
                            .ok_or_else(|| bad(&path, "expected the id of an installed broker plugin, e.g. \"degiro\""))?
                    }
                    "enabled" => {
                        enabled = value
                            .as_bool()
                            .ok_or_else(|| bad(&path, "expected true or false"))?
                    }
                    "timeout_secs" => {
                        timeout_secs = value
                            .as_integer()
                            .and_then(|i| u64::try_from(i).ok())
                            .filter(|s| (1..=MAX_TIMEOUT_SECS).contains(s))
                            .ok_or_else(|| {
                                bad(
                                    &path,
                                    format!(
                                        "expected a whole number of seconds from 1 to {MAX_TIMEOUT_SECS} (a day)"
                                    ),
                                )
                            })?
                    }
                    _ => {
                        settings.insert(key, to_json(&value, &path)?);
                    }
                }
            }
            brokers.insert(
                id,
                BrokerConfig {
                    plugin,
                    enabled,
                    timeout: Duration::from_secs(timeout_secs),
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
                        let c = Currency::new(code).map_err(|e| bad(&path, e.message()))?;
                        let r: Decimal = rate
                            .as_str()
                            .and_then(|s| s.trim().parse().ok())
                            .ok_or_else(|| {
                                bad(&path, "expected a decimal as a string, e.g. \"1.0542\"")
                            })?;
                        if r <= Decimal::ZERO {
                            return Err(bad(
                                &path,
                                format!(
                                    "a rate must be positive (units of {c} per 1 {base_currency}), not {r}"
                                ),
                            ));
                        }
                        fx.rates.insert(c, r);
                    }
                } else if key == "source" {
                    let source = value
                        .as_str()
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| bad("fx.source", "expected \"fx-ecb\" or the id of a configured broker, e.g. \"ibkr\""))?;
                    fx.source = source.to_owned();
                } else {
                    settings.insert(key.clone(), to_json(&value, &format!("fx.{key}"))?);
                }
            }
            fx.settings = serde_json::Value::Object(settings);
            if fx.source != crate::app::FX_PLUGIN && !brokers.contains_key(&fx.source) {
                return Err(bad(
                    "fx.source",
                    format!(
                        "{:?} is neither \"fx-ecb\" nor a configured broker (no [brokers.{}])",
                        fx.source, fx.source
                    ),
                ));
            }
        }
        let mut identity = IdentityConfig::default();
        if let Some(table) = raw.identity {
            let mut settings = serde_json::Map::new();
            for (key, value) in table {
                let path = format!("identity.{key}");
                if key == "enabled" {
                    identity.enabled = value
                        .as_bool()
                        .ok_or_else(|| bad(&path, "expected true or false"))?;
                } else {
                    settings.insert(key, to_json(&value, &path)?);
                }
            }
            identity.settings = serde_json::Value::Object(settings);
        }
        let mut instruments = BTreeMap::new();
        for (which, spanned) in raw.instruments {
            let line = text[..spanned.span().start.min(text.len())]
                .matches('\n')
                .count()
                + 1;
            let path = format!("instruments.{which:?} (line {line})");
            let (broker, id) = which
                .split_once(':')
                .map(|(b, id)| (b.trim(), id.trim()))
                .filter(|(b, id)| !b.is_empty() && !id.is_empty())
                .ok_or_else(|| {
                    bad(
                        &path,
                        "name an instrument as \"<broker>:<id or symbol>\", e.g. \"alpaca:AAPL\"",
                    )
                })?;
            if !brokers.contains_key(broker) {
                return Err(bad(&path, format!("no broker {broker:?} is configured")));
            }
            let value = spanned.into_inner();
            let o = value
                .as_str()
                .ok_or_else(|| "expected a string".to_owned())
                .and_then(InstrumentOverride::parse)
                .map_err(|e| bad(&path, e))?;
            instruments.insert((broker.to_owned(), id.to_owned()), o);
        }
        let prices = match raw.prices {
            Some(table) => prices_config(table, &brokers)?,
            None => PricesConfig::default(),
        };
        let mut returns = ReturnsConfig::default();
        for (key, value) in raw.returns.unwrap_or_default() {
            let path = format!("returns.{key}");
            match key.as_str() {
                "benchmark" => {
                    let text = value.as_str().ok_or_else(|| {
                        bad(
                            &path,
                            "expected a string, e.g. \"^GSPC\" or \"IE00B5BMR087\"",
                        )
                    })?;
                    returns.benchmark =
                        Some(crate::benchmark::Benchmark::parse(text).map_err(|e| bad(&path, e))?);
                }
                _ => return Err(bad(&path, "unknown key (expected benchmark)")),
            }
        }
        let mut middleware = BTreeMap::new();
        for (id, table) in raw.middleware {
            let mut settings = serde_json::Map::new();
            for (key, value) in &table {
                settings.insert(
                    key.clone(),
                    to_json(value, &format!("middleware.{id}.{key}"))?,
                );
            }
            middleware.insert(id, serde_json::Value::Object(settings));
        }
        Ok(AppConfig {
            base_currency,
            store: raw.store.unwrap_or_else(default_store),
            brokers,
            fx,
            identity,
            instruments,
            prices,
            returns,
            middleware,
        })
    }

    /// The enabled brokers.
    pub fn enabled(&self) -> impl Iterator<Item = (&String, &BrokerConfig)> {
        self.brokers.iter().filter(|(_, b)| b.enabled)
    }
}

/// Reads `[prices]`: `enabled`, `sources`, `[prices.yahoo]`,
/// `[prices.file]`, `[prices.instruments]`.
fn prices_config(
    table: toml::Table,
    brokers: &BTreeMap<String, BrokerConfig>,
) -> std::result::Result<PricesConfig, String> {
    let known = |name: &str| matches!(name, "yahoo" | "file") || brokers.contains_key(name);
    let mut out = PricesConfig::default();
    for (key, value) in table {
        let path = format!("prices.{key}");
        match key.as_str() {
            "enabled" => {
                out.enabled = value
                    .as_bool()
                    .ok_or_else(|| bad(&path, "expected true or false"))?
            }
            "sources" => {
                let list = value.as_array().ok_or_else(|| {
                    bad(
                        &path,
                        "expected a list of names, e.g. [\"bitvavo\", \"yahoo\", \"file\"]",
                    )
                })?;
                let mut names = Vec::new();
                for (i, v) in list.iter().enumerate() {
                    let name = v
                        .as_str()
                        .ok_or_else(|| bad(&format!("{path}[{i}]"), "expected a name"))?;
                    if !known(name) {
                        return Err(bad(
                            &format!("{path}[{i}]"),
                            format!("{name:?} is neither yahoo, file nor a configured broker"),
                        ));
                    }
                    names.push(name.to_owned());
                }
                out.sources = Some(names);
            }
            "yahoo" | "file" => {
                let json = to_json(&value, &path)?;
                if !json.is_object() {
                    return Err(bad(&path, "expected a table of settings"));
                }
                out.settings.insert(key, json);
            }
            "instruments" => {
                let t = value.as_table().ok_or_else(|| {
                    bad(
                        &path,
                        "expected a table of \"<instrument key>\" = \"<source>\"",
                    )
                })?;
                for (k, v) in t {
                    let p = format!("{path}.{k:?}");
                    let source = v
                        .as_str()
                        .ok_or_else(|| bad(&p, "expected a source name"))?;
                    if !known(source) {
                        return Err(bad(
                            &p,
                            format!("{source:?} is neither yahoo, file nor a configured broker"),
                        ));
                    }
                    out.per_instrument.insert(k.clone(), source.to_owned());
                }
            }
            _ => {
                return Err(bad(
                    &path,
                    "unknown key (expected enabled, sources, yahoo, file or instruments)",
                ));
            }
        }
    }
    Ok(out)
}

/// The base currency: an ISO 4217 code the app can value in. Lowercase is
/// accepted on purpose (`eur` is EUR); `XXX`, `EUT` or `EURO` are not.
fn base_currency(text: &str) -> std::result::Result<Currency, String> {
    let code = Currency::new(text.trim())
        .ok()
        .filter(|c| c.is_fiat() && c.as_str().len() == 3)
        .ok_or_else(|| {
            format!(
                "base_currency {text:?}: not an ISO 4217 currency the app can value in (EUR, USD, GBP, CHF, ...)"
            )
        })?;
    Ok(code)
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
    out.push_str("\n# Instrument identities from OpenFIGI (keyless by default; a key asks 10x more at once).\n# [identity]\n# api_key = \"env:OPENFIGI_API_KEY\"\n# enabled = false\n\n# Which instrument is which, when a broker does not say: \"<broker>:<id or symbol>\" = ISIN or key.\n# [instruments]\n# \"alpaca:AAPL\" = \"US0378331005\"\n\n# What returns are shown beside: an instrument key, an ISIN or a Yahoo symbol.\n# [returns]\n# benchmark = \"^GSPC\"\n");
    out
}

fn section(m: &Manifest) -> String {
    let mut s = String::new();
    if m.plugin.kind != PluginType::Broker {
        return s;
    }
    s.push_str(&format!(
        "\n# {}: {}\n[brokers.{}]\n",
        m.plugin.display_name,
        m.plugin.description,
        m.id()
    ));
    s.push_str(&format!(
        "# enabled = true\n# timeout_secs = {DEFAULT_TIMEOUT_SECS}   # everything one command asks of this broker\n"
    ));
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

    fn secrets() -> BTreeSet<String> {
        ["password", "api_secret", "totp_secret"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn reads_brokers_and_env_secrets() {
        // SAFETY: tests in this module are the only users of this variable.
        unsafe { std::env::set_var("STONKS_TEST_PW", "s3cret-pw") };
        let c = AppConfig::parse(
            "base_currency = \"usd\"\nstore = \"x.sqlite\"\n[brokers.degiro]\nusername = \"jane\"\npassword = \"env:STONKS_TEST_PW\"\ntimeout_secs = 5\n[fx.rates]\nGBP = \"0.79\"\n",
            &secrets(),
        )
        .unwrap();
        assert_eq!(
            c.base_currency.as_str(),
            "USD",
            "lowercase is read on purpose"
        );
        let d = &c.brokers["degiro"];
        assert_eq!((d.enabled, d.timeout), (true, Duration::from_secs(5)));
        assert_eq!(d.settings["password"], "s3cret-pw");
        assert_eq!(c.fx.rates.len(), 1);
    }

    #[test]
    fn debug_shows_setting_names_never_values() {
        // SAFETY: tests in this module are the only users of this variable.
        unsafe { std::env::set_var("STONKS_TEST_PW2", "s3cret-pw2") };
        let c = AppConfig::parse(
            "[brokers.degiro]\nusername = \"jane\"\npassword = \"env:STONKS_TEST_PW2\"\n[fx]\nbase_url = \"http://u:p4ss@x\"\n[identity]\napi_key = \"figi-k3y\"\n",
            &secrets(),
        )
        .unwrap();
        let shown = format!("{c:?} {:?}", c.brokers["degiro"]);
        for secret in ["s3cret-pw2", "p4ss", "figi-k3y", "jane"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("password") && shown.contains("api_key"),
            "{shown}"
        );
    }

    #[test]
    fn errors_name_key_and_line() {
        let err = AppConfig::parse(
            "base_currency = \"EUR\"\n[brokers.degiro]\nusername = jane\n",
            &secrets(),
        )
        .unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        let err = AppConfig::parse(
            "[brokers.degiro]\npassword = \"env:STONKS_SURELY_UNSET_VAR\"\n",
            &secrets(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "brokers.degiro.password (line 2): environment variable STONKS_SURELY_UNSET_VAR is not set"
        );
        let err = AppConfig::parse("bas_currency = \"EUR\"\n", &secrets()).unwrap_err();
        assert!(
            err.contains("bas_currency") && err.contains("line 1"),
            "{err}"
        );
    }

    #[test]
    fn the_rate_source_is_the_ecb_or_a_configured_broker() {
        let c = AppConfig::parse("[brokers.ibkr]\nflex_files = []\n", &secrets()).unwrap();
        assert_eq!(c.fx.source, "fx-ecb");
        let c = AppConfig::parse(
            "[brokers.ibkr]\nflex_files = []\n[fx]\nsource = \"ibkr\"\nbase_url = \"http://x\"\n",
            &secrets(),
        )
        .unwrap();
        assert_eq!(c.fx.source, "ibkr");
        assert!(
            c.fx.settings.get("source").is_none(),
            "not an fx-ecb setting"
        );
        let err = AppConfig::parse("[fx]\nsource = \"ibkr\"\n", &secrets()).unwrap_err();
        assert!(
            err.contains("fx.source") && err.contains("no [brokers.ibkr]"),
            "{err}"
        );
    }

    #[test]
    fn numbers_out_of_bounds_are_errors_stating_the_bounds() {
        for bad in ["-1", "0", "2000000000000000000", "86401"] {
            let err = AppConfig::parse(
                &format!("[brokers.degiro]\nusername = \"x\"\n\ntimeout_secs = {bad}\n"),
                &secrets(),
            )
            .unwrap_err();
            assert_eq!(
                err,
                "brokers.degiro.timeout_secs (line 4): expected a whole number of seconds from 1 to 86400 (a day)",
                "{bad}"
            );
        }
        for bad in ["0", "-1.2"] {
            let err = AppConfig::parse(&format!("[fx.rates]\nUSD = \"{bad}\"\n"), &secrets())
                .unwrap_err();
            assert!(
                err.starts_with("fx.rates.USD: a rate must be positive"),
                "{err}"
            );
        }
    }

    #[test]
    fn instruments_map_a_broker_instrument_to_an_isin_or_a_key() {
        let c = AppConfig::parse(
            "[brokers.alpaca]\n[brokers.degiro]\n[identity]\napi_key = \"k\"\n[instruments]\n\"alpaca:AAPL\" = \"US0378331005\"\n\"degiro:331824\" = \"broker:degiro:331824\"\n\"alpaca:BRK.B\" = \"figi:BBG001S5N8V8\"\n\"alpaca:WBTC\" = \"crypto:btc\"\n",
            &secrets(),
        )
        .unwrap();
        let get = |b: &str, id: &str| c.instruments[&(b.to_owned(), id.to_owned())].clone();
        assert_eq!(
            get("alpaca", "AAPL"),
            InstrumentOverride::Isin("US0378331005".parse().unwrap())
        );
        assert_eq!(
            get("degiro", "331824"),
            InstrumentOverride::Key("broker:degiro:331824".into())
        );
        assert_eq!(
            get("alpaca", "BRK.B"),
            InstrumentOverride::ShareClassFigi("BBG001S5N8V8".into())
        );
        assert_eq!(
            get("alpaca", "WBTC"),
            InstrumentOverride::Key("crypto:BTC".into())
        );
        assert!(c.identity.enabled);
        assert_eq!(c.identity.settings["api_key"], "k");
        let shown = format!("{c:?}");
        assert!(
            shown.contains("api_key") && !shown.contains("\"k\""),
            "{shown}"
        );
        for (bad, why) in [
            ("\"AAPL\" = \"US0378331005\"", "name an instrument as"),
            (
                "\"ibkr:1\" = \"US0378331005\"",
                "no broker \"ibkr\" is configured",
            ),
            ("\"alpaca:AAPL\" = \"US0378331006\"", "expected an ISIN"),
            ("\"alpaca:AAPL\" = \"isin:US0378331006\"", "check digit"),
            ("\"alpaca:AAPL\" = \"figi:apple\"", "a FIGI is"),
            ("\"alpaca:AAPL\" = 1", "expected a string"),
        ] {
            let err = AppConfig::parse(
                &format!("[brokers.alpaca]\n[instruments]\n{bad}\n"),
                &secrets(),
            )
            .unwrap_err();
            assert!(err.contains(why) && err.contains("line 3"), "{bad}: {err}");
        }
    }

    #[test]
    fn base_currency_must_be_one_the_app_values_in() {
        for bad in ["XXX", "EUT", "EURO", "BTC", ""] {
            let err =
                AppConfig::parse(&format!("base_currency = \"{bad}\"\n"), &secrets()).unwrap_err();
            assert!(err.contains("not an ISO 4217 currency"), "{bad}: {err}");
        }
    }

    #[test]
    fn syntax_errors_never_show_a_secret() {
        for (text, secret) in [
            (
                "[brokers.degiro]\nusername = \"jane\"\npassword = \"inline-pass-XYZ\nhistory_since = 1\n",
                "inline-pass-XYZ",
            ),
            (
                "[brokers.bitvavo]\napi_secret = \"k3y-s3cret\" oops\n",
                "k3y-s3cret",
            ),
        ] {
            let err = AppConfig::parse(text, &secrets()).unwrap_err();
            assert!(!err.contains(secret), "{err}");
            assert!(err.contains("[REDACTED]") && err.contains("line "), "{err}");
        }
        // A line with no secret is shown as it is, to help the user.
        let err = AppConfig::parse("[brokers.degiro]\nusername = jane\n", &secrets()).unwrap_err();
        assert!(err.contains("username = jane"), "{err}");
    }

    /// Every shape TOML gives a secret, each with a syntax error on the
    /// secret's line or inside it: the error names the line, and the
    /// secret is never in it.
    #[test]
    fn syntax_errors_never_show_a_secret_in_any_toml_shape() {
        const S: &str = "s3cr3t-XYZ";
        for (shape, text, line) in [
            (
                "inline table",
                "[brokers]\nbitvavo = { api_key = \"k\", api_secret = \"s3cr3t-XYZ\" oops }\n",
                2,
            ),
            (
                "multi-line inline table",
                "[brokers]\nbitvavo = {\n  api_key = \"k\",\n  api_secret = \"s3cr3t-XYZ\" oops\n}\n",
                4,
            ),
            (
                "dotted key",
                "[brokers]\nbitvavo.api_secret = \"s3cr3t-XYZ\" oops\n",
                2,
            ),
            (
                "quoted key",
                "[brokers.bitvavo]\n\"api_secret\" = \"s3cr3t-XYZ\" oops\n",
                2,
            ),
            (
                "spaces around =",
                "[brokers.bitvavo]\napi_secret   =   \"s3cr3t-XYZ\"   oops\n",
                2,
            ),
            (
                "literal string",
                "[brokers.bitvavo]\napi_secret = 's3cr3t-XYZ' oops\n",
                2,
            ),
            (
                "unterminated literal",
                "[brokers.bitvavo]\napi_secret = 's3cr3t-XYZ\n",
                2,
            ),
            (
                "bare value",
                "[brokers.bitvavo]\napi_secret = s3cr3t-XYZ\n",
                2,
            ),
            (
                "two pairs on a line",
                "[brokers.bitvavo]\napi_key = \"k\" api_secret = \"s3cr3t-XYZ\"\n",
                2,
            ),
            (
                "secret under another key",
                "[brokers.bitvavo]\nnote = \"s3cr3t-XYZ\" oops\n",
                2,
            ),
            (
                "array",
                "[brokers.bitvavo]\napi_secret = [\"s3cr3t-XYZ\" oops]\n",
                2,
            ),
            (
                "multi-line array",
                "[brokers.bitvavo]\napi_secret = [\n  \"s3cr3t-XYZ\" oops\n]\n",
                3,
            ),
            (
                "multi-line array, bare",
                "[brokers.bitvavo]\napi_secret = [\n  s3cr3t-XYZ\n]\n",
                3,
            ),
            (
                "multi-line basic string, bad escape",
                "[brokers.bitvavo]\napi_secret = \"\"\"\ns3cr3t-XYZ \\q\n\"\"\"\n",
                3,
            ),
            (
                "multi-line basic string, after it",
                "[brokers.bitvavo]\napi_secret = \"\"\"\ns3cr3t-XYZ\n\"\"\" oops\n",
                4,
            ),
            (
                "multi-line literal string, after it",
                "[brokers.bitvavo]\napi_secret = '''\ns3cr3t-XYZ\n''' oops\n",
                4,
            ),
            (
                "multi-line basic string on one line",
                "[brokers.bitvavo]\napi_secret = \"\"\"s3cr3t-XYZ\"\"\" oops\n",
                2,
            ),
            (
                "commented-out secret",
                "[brokers.bitvavo]\napi_key = oops # api_secret = \"s3cr3t-XYZ\"\n",
                2,
            ),
            (
                "pasted on its own line",
                "[brokers.bitvavo]\ns3cr3t-XYZ\n",
                2,
            ),
            ("after a header", "[brokers.bitvavo] s3cr3t-XYZ\n", 1),
            (
                "uppercase key",
                "[brokers.bitvavo]\nAPI_SECRET = s3cr3t-XYZ\n",
                2,
            ),
        ] {
            let err = AppConfig::parse(text, &secrets()).unwrap_err();
            assert!(!err.contains(S), "{shape}: {err}");
            assert!(
                err.starts_with(&format!("line {line}, column ")),
                "{shape}: {err}"
            );
        }
    }

    #[test]
    fn a_section_names_its_plugin_or_is_named_after_it() {
        let c = AppConfig::parse(
            "[brokers.degiro]\nusername = \"a\"\n[brokers.bob-degiro]\nplugin = \"degiro\"\nusername = \"b\"\n",
            &secrets(),
        )
        .unwrap();
        let plugins: Vec<(&str, &str)> = c
            .brokers
            .iter()
            .map(|(id, b)| (id.as_str(), b.plugin.as_str()))
            .collect();
        assert_eq!(
            plugins,
            vec![("bob-degiro", "degiro"), ("degiro", "degiro")]
        );
        assert_eq!(
            c.brokers["bob-degiro"].settings,
            serde_json::json!({"username": "b"}),
            "`plugin` is the app's key, not the plugin's"
        );
        let err = AppConfig::parse("[brokers.x]\nplugin = \"\"\n", &secrets()).unwrap_err();
        assert!(err.contains("brokers.x.plugin (line 2)"), "{err}");
    }
}
