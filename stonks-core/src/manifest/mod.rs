//! The plugin manifest: what a plugin is, what it can do, what it needs.
//!
//! A manifest is JSON (see `manifests/plugin-manifest.schema.json`, generated
//! from these types). [`Manifest::from_json`] parses it and reports **every**
//! problem, each with its JSON path:
//!
//! 1. The fast path deserialises straight into the typed [`Manifest`] (unknown
//!    keys rejected) and then runs the cross-field checks of `checks.rs`.
//! 2. Only when that fails does the diagnostic path run: it reads the text into
//!    a tree that keeps duplicate keys, and walks it against the JSON Schema
//!    generated from the same types, collecting every structural and
//!    per-field problem. Cross-field checks need a well-typed manifest, so
//!    they are reported once the per-field problems are fixed.
//!
//! ```
//! let text = r#"{
//!   "plugin": {"name": "demo", "version": "1.0.0", "type": "broker",
//!              "display_name": "Demo", "description": "A demo broker",
//!              "author": "Me", "license": "MIT"},
//!   "api": {"min_version": "1.0.0", "max_version": "1.9.0", "interfaces": ["portfolio@2"]},
//!   "dependencies": {"core": "^0.1"},
//!   "capabilities": {"services": ["portfolio"]}
//! }"#;
//! let manifest = stonks_core::Manifest::from_json(text)?;
//! assert_eq!(manifest.plugin.name.as_str(), "demo");
//!
//! let typo = text.replace("\"portfolio\"]", "\"portfolo\"]");
//! let problems = match stonks_core::Manifest::from_json(&typo) {
//!     Ok(_) => Vec::new(),
//!     Err(e) => e.problems().to_vec(),
//! };
//! assert_eq!(problems[0].path, "capabilities.services[0]");
//! # Ok::<(), stonks_core::ManifestError>(())
//! ```

mod checks;
mod node;
pub(crate) mod text;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use text::{CurrencyCode, FieldName, HostName, HttpUrl, LongText, Mic, PluginId, ShortText};

use crate::error::{Error, ErrorKind};

/// A parsed and checked plugin manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "stonks plugin manifest")]
pub struct Manifest {
    /// Who the plugin is.
    pub plugin: PluginInfo,
    /// Which plugin API versions and service interfaces it implements.
    pub api: ApiInfo,
    /// What it needs from the core and from other plugins.
    pub dependencies: Dependencies,
    /// What it can deliver.
    pub capabilities: Capabilities,
    /// The settings a user gives it.
    #[serde(default)]
    pub configuration: Configuration,
    /// The hosts it talks to and how fast it may.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// For a runtime plugin (a folder with this manifest): the program the
    /// host starts and the protocol it speaks (see `docs/plugin-protocol.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<Process>,
}

/// The `process` section of a runtime plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Process {
    /// The program and its arguments (`["python3", "plugin.py"]`). A
    /// program or argument that names a file in the plugin's folder
    /// (`plugin.py`, `./bin/broker`) is taken from there; the program runs
    /// in that folder.
    pub command: Vec<String>,
    /// The protocol it speaks: `stonks-jsonrpc/1`
    /// ([`crate::process::PROTOCOL`]).
    pub protocol: String,
    /// Whether it does its own networking rather than send its requests
    /// through the host (`host.http`), which holds them to `network.hosts`,
    /// the rate limit, retries and redaction.
    #[serde(default)]
    pub own_network: bool,
    /// The most memory the process may map, in MiB (default 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u32>,
    /// The longest one call may take, in seconds (default 120, at most 3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_timeout_secs: Option<u32>,
    /// The folder it was found in (set by the registry, not the manifest).
    #[serde(skip)]
    #[schemars(skip)]
    pub dir: Option<std::path::PathBuf>,
}

/// The `plugin` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginInfo {
    /// The plugin id, kebab-case, unique in a registry.
    pub name: PluginId,
    /// The plugin's own version (semver).
    #[schemars(with = "text::SemverSchema")]
    pub version: semver::Version,
    /// What kind of plugin it is.
    #[serde(rename = "type")]
    pub kind: PluginType,
    /// Name for people.
    pub display_name: ShortText,
    /// One paragraph about it.
    pub description: LongText,
    /// Who wrote it.
    pub author: ShortText,
    /// SPDX licence expression.
    pub license: ShortText,
    /// Where to read more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<HttpUrl>,
}

/// What kind of plugin a manifest describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PluginType {
    /// Reads positions and money movements from a broker.
    Broker,
    /// Provides foreign exchange rates.
    Fx,
    /// Resolves instrument identifiers (share-class FIGIs).
    Identity,
    /// Provides daily price history.
    Prices,
    /// Wraps other plugins.
    Middleware,
}

/// The `api` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiInfo {
    /// Oldest plugin API version the plugin works with.
    #[schemars(with = "text::SemverSchema")]
    pub min_version: semver::Version,
    /// Newest plugin API version the plugin was tested with; any version of
    /// the same major is accepted.
    #[schemars(with = "text::SemverSchema")]
    pub max_version: semver::Version,
    /// The service interfaces the plugin's factory provides, exactly.
    pub interfaces: Vec<Interface>,
}

/// A versioned service interface.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Interface {
    /// [`crate::v1::PortfolioService`].
    #[serde(rename = "portfolio@1")]
    PortfolioV1,
    /// [`crate::v2::PortfolioService`].
    #[serde(rename = "portfolio@2")]
    PortfolioV2,
    /// [`crate::v1::TransactionService`].
    #[serde(rename = "transactions@1")]
    TransactionsV1,
    /// [`crate::v2::TransactionService`].
    #[serde(rename = "transactions@2")]
    TransactionsV2,
    /// [`crate::fx::RateService`].
    #[serde(rename = "fx@1")]
    FxV1,
    /// [`crate::identity::IdentityService`].
    #[serde(rename = "identity@1")]
    IdentityV1,
    /// [`crate::prices::PriceService`].
    #[serde(rename = "prices@1")]
    PricesV1,
    /// [`crate::middleware::Middleware`]: transforms the snapshots and
    /// ledger pages of the services it declares.
    #[serde(rename = "middleware@1")]
    MiddlewareV1,
}

impl Interface {
    /// The manifest spelling (`portfolio@2`).
    pub fn as_str(self) -> &'static str {
        match self {
            Interface::PortfolioV1 => "portfolio@1",
            Interface::PortfolioV2 => "portfolio@2",
            Interface::TransactionsV1 => "transactions@1",
            Interface::TransactionsV2 => "transactions@2",
            Interface::FxV1 => "fx@1",
            Interface::IdentityV1 => "identity@1",
            Interface::PricesV1 => "prices@1",
            Interface::MiddlewareV1 => "middleware@1",
        }
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `dependencies` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dependencies {
    /// Which `stonks-core` versions the plugin works with.
    #[schemars(with = "text::SemverReqSchema")]
    pub core: semver::VersionReq,
    /// Other plugins this one needs, by id, with a version requirement.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "text::DependencyMapSchema")]
    pub plugins: BTreeMap<PluginId, semver::VersionReq>,
}

/// A service a plugin can deliver. Several are kinds of ledger entry served
/// through the transactions interface.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Positions and cash.
    Portfolio,
    /// Trades.
    Transactions,
    /// Deposits in the ledger.
    Deposits,
    /// Withdrawals in the ledger.
    Withdrawals,
    /// Dividends in the ledger.
    Dividends,
    /// Taxes in the ledger.
    Taxes,
    /// Fees in the ledger: as `fee` entries, or in the `fees` of the entries
    /// they belong to.
    Fees,
    /// Interest in the ledger.
    Interest,
    /// Staking rewards in the ledger.
    Staking,
    /// Account details.
    Account,
    /// Foreign-exchange reference rates.
    FxRates,
    /// Instrument identifiers (share-class FIGIs) for what brokers do not say.
    Identity,
    /// Daily price history (`capabilities.prices` says of what).
    Prices,
}

impl Service {
    /// Every service, in manifest order.
    pub const ALL: [Service; 13] = [
        Service::Portfolio,
        Service::Transactions,
        Service::Deposits,
        Service::Withdrawals,
        Service::Dividends,
        Service::Taxes,
        Service::Fees,
        Service::Interest,
        Service::Staking,
        Service::Account,
        Service::FxRates,
        Service::Identity,
        Service::Prices,
    ];

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Portfolio => "portfolio",
            Service::Transactions => "transactions",
            Service::Deposits => "deposits",
            Service::Withdrawals => "withdrawals",
            Service::Dividends => "dividends",
            Service::Taxes => "taxes",
            Service::Fees => "fees",
            Service::Interest => "interest",
            Service::Staking => "staking",
            Service::Account => "account",
            Service::FxRates => "fx_rates",
            Service::Identity => "identity",
            Service::Prices => "prices",
        }
    }

    /// The ledger kinds this service stands for in the transactions interface.
    pub fn ledger_kinds(self) -> &'static [crate::v2::LedgerKind] {
        use crate::v2::LedgerKind as K;
        match self {
            Service::Transactions => &[K::Buy, K::Sell],
            Service::Deposits => &[K::Deposit],
            Service::Withdrawals => &[K::Withdrawal],
            Service::Dividends => &[K::Dividend],
            Service::Taxes => &[K::Tax],
            Service::Fees => &[K::Fee],
            Service::Interest => &[K::Interest],
            Service::Staking => &[K::StakingReward],
            Service::Portfolio
            | Service::Account
            | Service::FxRates
            | Service::Identity
            | Service::Prices => &[],
        }
    }

    /// Whether this service is delivered through the transactions interface.
    pub fn is_ledger(self) -> bool {
        !self.ledger_kinds().is_empty()
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An optional feature a plugin may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Prices are live rather than delayed or end-of-day.
    RealTime,
    /// The ledger reaches back to the account's opening.
    History,
    /// One login can hold several accounts.
    MultiAccount,
    /// A paper or sandbox account is available.
    PaperTrading,
    /// Login may need a second factor.
    SecondFactor,
}

/// The `capabilities` section.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// What the plugin delivers.
    pub services: Vec<Service>,
    /// Optional features.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<Feature>,
    /// Limits of the transaction history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_history: Option<TransactionHistory>,
    /// Markets (MIC codes) the broker trades on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markets: Vec<Mic>,
    /// Currencies and assets the broker holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub currencies: Vec<CurrencyCode>,
    /// What the `prices` service can price; required with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<PriceCapabilities>,
}

/// What a price source can price: the app asks a source only about
/// instruments it can find (by an identifier it takes) of a class it
/// prices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceCapabilities {
    /// The identifiers it finds an instrument by.
    pub identifiers: Vec<PriceIdentifier>,
    /// The asset classes it prices (`stock`, `etf`, `crypto`, ...); empty
    /// for any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asset_classes: Vec<String>,
}

/// An identifier a price source finds instruments by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PriceIdentifier {
    /// The ISIN.
    Isin,
    /// The ticker (with the listing's MIC when known).
    Ticker,
    /// The share-class FIGI.
    ShareClassFigi,
    /// A crypto asset's code (`BTC`).
    Crypto,
}

impl PriceCapabilities {
    /// Whether a source with these capabilities can be asked about `i`:
    /// its class is priced, and it has an identifier the source takes.
    pub fn can_price(&self, i: &crate::model::Instrument) -> bool {
        use crate::model::AssetClass;
        let class_ok = self.asset_classes.is_empty()
            || self
                .asset_classes
                .iter()
                .any(|c| c == i.asset_class.as_str());
        let crypto = i.asset_class == AssetClass::Crypto;
        class_ok
            && self.identifiers.iter().any(|id| match id {
                PriceIdentifier::Isin => i.isin.is_some(),
                PriceIdentifier::Ticker => !crypto && i.symbol.is_some(),
                PriceIdentifier::ShareClassFigi => i.ids.share_class_figi.is_some(),
                PriceIdentifier::Crypto => crypto,
            })
    }
}

/// Limits of the transaction history.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionHistory {
    /// How many days back the broker answers. The registry enforces it: a
    /// ledger query reaching further back is cut to the window, and its
    /// first page reports what was cut as a problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days: Option<u32>,
}

/// The `configuration` section.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    /// The settings, in the order a user should see them.
    pub fields: Vec<ConfigField>,
}

/// One setting of a plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigField {
    /// Its key in the user's configuration.
    pub name: FieldName,
    /// What kind of value it takes.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Whether the user must give it.
    pub required: bool,
    /// Whether it is a secret (held as `secrecy::SecretString`, never shown).
    #[serde(default)]
    pub secret: bool,
    /// Value used when the user gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// Smallest value accepted (integer fields only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
    /// Largest value accepted (integer fields only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
    /// What it is, for people.
    pub description: LongText,
}

impl ConfigField {
    /// Whether `value` is a valid value of this field: of its type and, for
    /// integers, within its bounds. On failure, what was expected and found
    /// (never the value itself: it may be a secret).
    pub fn accepts(&self, value: &serde_json::Value) -> Result<(), String> {
        self.kind.accepts(value)?;
        if let Some(n) = value.as_i64() {
            if let Some(min) = self.minimum
                && n < min
            {
                return Err(format!("must be at least {min}, found {n}"));
            }
            if let Some(max) = self.maximum
                && n > max
            {
                return Err(format!("must be at most {max}, found {n}"));
            }
        }
        Ok(())
    }
}

/// The type of a configuration value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// An absolute http(s) URL.
    Url,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A list of texts (`["a", "b"]`).
    List,
}

impl FieldType {
    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Boolean => "boolean",
            FieldType::Url => "url",
            FieldType::Date => "date",
            FieldType::List => "list",
        }
    }

    /// Whether `value` is of this type. On failure, what was expected and
    /// found (never the value itself: it may be a secret).
    pub fn accepts(self, value: &serde_json::Value) -> Result<(), String> {
        use serde_json::Value;
        let found = match value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(n) if n.is_f64() => "a fractional number",
            Value::Number(_) => "an integer",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        let (ok, expected) = match (self, value) {
            (FieldType::String, v) => (v.is_string(), "a string"),
            (FieldType::Integer, v) => (v.as_i64().is_some(), "an integer"),
            (FieldType::Boolean, v) => (v.is_boolean(), "a boolean"),
            (FieldType::Url, Value::String(s)) => {
                return HttpUrl::new(s.as_str())
                    .map(|_| ())
                    .map_err(|_| "expected an absolute http or https URL".to_owned());
            }
            (FieldType::Url, _) => (false, "a URL string"),
            (FieldType::Date, Value::String(s)) => {
                return chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(|_| ())
                    .map_err(|_| "expected a date written YYYY-MM-DD".to_owned());
            }
            (FieldType::Date, _) => (false, "a date string (YYYY-MM-DD)"),
            (FieldType::List, Value::Array(items)) => {
                return match items.iter().position(|i| !i.is_string()) {
                    None => Ok(()),
                    Some(i) => Err(format!("item {i}: expected a string")),
                };
            }
            (FieldType::List, _) => (false, "a list of strings"),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("expected {expected}, found {found}"))
        }
    }
}

/// The `network` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// The only hosts the plugin's HTTP client may reach (besides an
    /// explicit `base_url` override).
    pub hosts: Vec<HostName>,
    /// The broker's documented request budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// The largest answer body the plugin's client reads, in bytes; longer
    /// answers are refused while they stream in. Absent: the client's
    /// default ([`crate::http::DEFAULT_MAX_ANSWER_BYTES`], 32 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_answer_bytes: Option<u64>,
}

/// A request budget: `requests` per `per_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests allowed in each window.
    pub requests: u32,
    /// Window length in seconds.
    pub per_seconds: u32,
}

/// One problem in a manifest: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The JSON path (`capabilities.services[2]`; `$` for the document).
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem found in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    problems: Vec<Problem>,
}

impl ManifestError {
    pub(crate) fn new(problems: Vec<Problem>) -> Self {
        ManifestError { problems }
    }

    /// The problems, in document order where there is one.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{n} problem{} in manifest",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestError {}

impl From<ManifestError> for Error {
    fn from(e: ManifestError) -> Self {
        Error::new(ErrorKind::Manifest, e.to_string())
    }
}

/// The JSON Schema of [`Manifest`], generated from the types.
pub fn schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| schemars::schema_for!(Manifest).to_value())
}

/// The schema as pretty JSON with a trailing newline, as stored in
/// `manifests/plugin-manifest.schema.json`.
pub fn schema_json() -> String {
    let mut s = serde_json::to_string_pretty(schema()).unwrap_or_default();
    s.push('\n');
    s
}

impl Manifest {
    /// Parses and checks a manifest, reporting every problem with its path.
    pub fn from_json(text: &str) -> Result<Manifest, ManifestError> {
        match serde_json::from_str::<Manifest>(text) {
            Ok(manifest) => {
                let problems = checks::cross_field(&manifest);
                if problems.is_empty() {
                    Ok(manifest)
                } else {
                    Err(ManifestError::new(problems))
                }
            }
            Err(serde_err) => Err(ManifestError::new(validate::diagnose(text, &serde_err))),
        }
    }

    /// The plugin id.
    pub fn id(&self) -> &str {
        self.plugin.name.as_str()
    }

    /// Whether the manifest declares `service`.
    pub fn declares(&self, service: Service) -> bool {
        self.capabilities.services.contains(&service)
    }

    /// Whether the manifest lists `interface`.
    pub fn lists(&self, interface: Interface) -> bool {
        self.api.interfaces.contains(&interface)
    }

    /// Best-effort id of a manifest that failed to parse, for naming it in a
    /// catalog: `plugin.name` if it is a string there.
    pub fn sniff_id(text: &str) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let name = v.get("plugin")?.get("name")?.as_str()?;
        Some(crate::error::excerpt_of(name, 64))
    }
}

#[cfg(test)]
mod tests;
