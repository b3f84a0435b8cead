//! What a plugin crate gives the registry: a const record (manifest text and
//! factory), submitted at link time with [`register_plugin!`](crate::register_plugin).

use std::sync::Arc;

use crate::config::PluginConfig;
use crate::error::Result;
use crate::http::{HttpClient, HttpClientBuilder, Metrics};
use crate::lifecycle::Notifier;
use crate::manifest::{Interface, Manifest};
use crate::{v1, v2};

/// Builds a plugin instance from its checked configuration.
pub type Factory = fn(&PluginContext) -> Result<Services>;

/// A plugin's link-time registration: `&'static` data and a `fn` only, so it
/// can be a `const`.
#[derive(Clone, Copy)]
pub struct PluginRecord {
    /// The manifest JSON, usually `include_str!`-ed from the crate's own
    /// `manifest.json`.
    pub manifest: &'static str,
    /// The factory.
    pub factory: Factory,
    /// A runtime plugin's folder (see [`crate::process::record`]); `None`
    /// for a linked plugin.
    pub dir: Option<&'static std::path::Path>,
}

impl std::fmt::Debug for PluginRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginRecord")
            .field("manifest_len", &self.manifest.len())
            .finish_non_exhaustive()
    }
}

impl PluginRecord {
    /// A record.
    pub const fn new(manifest: &'static str, factory: Factory) -> Self {
        PluginRecord {
            manifest,
            factory,
            dir: None,
        }
    }
}

inventory::collect!(PluginRecord);

/// Registers a plugin at link time.
///
/// ```
/// use stonks_core::{PluginContext, Result, Services};
///
/// fn build(_: &PluginContext) -> Result<Services> {
///     Ok(Services::new()) // a real broker adds its service impls here
/// }
///
/// stonks_core::register_plugin! {
///     // A plugin crate writes `include_str!("../manifest.json")`.
///     manifest: r#"{"plugin": {"name": "doc-demo"}}"#,
///     factory: build,
/// }
///
/// let registry = stonks_core::Registry::discover();
/// assert!(registry.catalog().iter().any(|p| p.id == "doc-demo"));
/// ```
///
/// A crate that nothing names is never linked, and its registration vanishes
/// silently: the binary must name the crate (`use my_broker as _;`).
///
/// The record can also be named, for explicit registration
/// (`Registry::builder().register(RECORD)`) and for the conformance suite:
///
/// ```
/// # use stonks_core::{PluginContext, Result, Services};
/// # fn build(_: &PluginContext) -> Result<Services> { Ok(Services::new()) }
/// stonks_core::register_plugin! {
///     pub const RECORD = manifest: r#"{"plugin": {"name": "named-demo"}}"#, factory: build,
/// }
/// assert!(RECORD.manifest.contains("named-demo"));
/// ```
#[macro_export]
macro_rules! register_plugin {
    (manifest: $manifest:expr, factory: $factory:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::PluginRecord::new($manifest, $factory)
        }
    };
    ($vis:vis const $name:ident = manifest: $manifest:expr, factory: $factory:expr $(,)?) => {
        /// This plugin's registration record.
        $vis const $name: $crate::PluginRecord = $crate::PluginRecord::new($manifest, $factory);
        $crate::inventory::submit! { $name }
    };
}

/// What a factory gets: the manifest, the checked configuration, and a way
/// to build the HTTP client the core manages for the plugin.
pub struct PluginContext {
    pub(crate) manifest: Arc<Manifest>,
    pub(crate) config: PluginConfig,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) notifier: Notifier,
    /// Origins sent to a local address instead (tests only).
    pub(crate) routes: Vec<(String, std::net::SocketAddr)>,
}

impl std::fmt::Debug for PluginContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginContext")
            .field("plugin", &self.manifest.id())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl PluginContext {
    /// A context outside a registry (unit tests of a plugin's factory).
    pub fn new(manifest: Arc<Manifest>, config: PluginConfig) -> Self {
        let notifier = Notifier::new(manifest.id(), None);
        PluginContext {
            manifest,
            config,
            metrics: Arc::default(),
            notifier,
            routes: Vec::new(),
        }
    }

    /// The handle for telling the user something now (see
    /// [`crate::lifecycle::PluginNotice`]).
    pub fn notifier(&self) -> Notifier {
        self.notifier.clone()
    }

    /// The plugin's manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The checked configuration, as given.
    pub fn settings(&self) -> &PluginConfig {
        &self.config
    }

    /// The checked configuration read into the plugin's own `Config`
    /// struct (see [`PluginConfig::deserialize_into`]). Defaults come from
    /// the manifest, so the struct declares none.
    pub fn config<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        self.config
            .deserialize_into()
            .map_err(|e| e.with_plugin(self.manifest.id()))
    }

    /// An HTTP client builder set up from the manifest and configuration:
    /// base URL (`base_url` setting, else `default_base_url`), allowed hosts,
    /// rate limit and largest answer from `network`, every secret setting redacted, and
    /// metrics that feed `Registry::health`.
    pub fn http_client_builder(&self, default_base_url: &str) -> Result<HttpClientBuilder> {
        let mut b = HttpClient::builder(self.manifest.id()).metrics(self.metrics.clone());
        b = match self.config.base_url() {
            Some(url) => b.base_url(url.as_str())?,
            None => b.base_url(default_base_url)?,
        };
        if let Some(net) = &self.manifest.network {
            for host in &net.hosts {
                b = b.allow_host(host);
            }
            if let Some(rl) = net.rate_limit {
                b = b.rate_limit(rl);
            }
            if let Some(max) = net.max_answer_bytes {
                b = b.max_answer_bytes(max);
            }
        }
        for secret in self.config.secret_texts() {
            b = b.secret(secret);
        }
        for (from, to) in &self.routes {
            b = b.with_route(from, *to)?;
        }
        Ok(b)
    }

    /// [`PluginContext::http_client_builder`], built.
    pub fn http_client(&self, default_base_url: &str) -> Result<HttpClient> {
        self.http_client_builder(default_base_url)?.build()
    }
}

/// The services one plugin instance provides. A plugin fills in the versions
/// it implements; the registry serves the others through adapters.
#[derive(Clone, Default)]
pub struct Services {
    pub(crate) portfolio_v1: Option<Arc<dyn v1::PortfolioService>>,
    pub(crate) portfolio_v2: Option<Arc<dyn v2::PortfolioService>>,
    pub(crate) transactions_v1: Option<Arc<dyn v1::TransactionService>>,
    pub(crate) transactions_v2: Option<Arc<dyn v2::TransactionService>>,
    pub(crate) fx_v1: Option<Arc<dyn crate::fx::RateService>>,
    pub(crate) identity_v1: Option<Arc<dyn crate::identity::IdentityService>>,
    pub(crate) prices_v1: Option<Arc<dyn crate::prices::PriceService>>,
    pub(crate) middleware_v1: Option<Arc<dyn crate::middleware::Middleware>>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.interfaces()).finish()
    }
}

impl Services {
    /// No services yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Provides `portfolio@1`.
    pub fn portfolio_v1(mut self, s: impl v1::PortfolioService + 'static) -> Self {
        self.portfolio_v1 = Some(Arc::new(s));
        self
    }

    /// Provides `portfolio@2`.
    pub fn portfolio_v2(mut self, s: impl v2::PortfolioService + 'static) -> Self {
        self.portfolio_v2 = Some(Arc::new(s));
        self
    }

    /// Provides `transactions@1`.
    pub fn transactions_v1(mut self, s: impl v1::TransactionService + 'static) -> Self {
        self.transactions_v1 = Some(Arc::new(s));
        self
    }

    /// Provides `middleware@1`.
    pub fn middleware_v1(mut self, m: impl crate::middleware::Middleware + 'static) -> Self {
        self.middleware_v1 = Some(Arc::new(m));
        self
    }

    /// Provides `transactions@2`.
    pub fn transactions_v2(mut self, s: impl v2::TransactionService + 'static) -> Self {
        self.transactions_v2 = Some(Arc::new(s));
        self
    }

    /// Provides `fx@1`.
    pub fn fx_v1(mut self, s: impl crate::fx::RateService + 'static) -> Self {
        self.fx_v1 = Some(Arc::new(s));
        self
    }

    /// Provides `identity@1`.
    pub fn identity_v1(mut self, s: impl crate::identity::IdentityService + 'static) -> Self {
        self.identity_v1 = Some(Arc::new(s));
        self
    }

    /// Provides `prices@1`.
    pub fn prices_v1(mut self, s: impl crate::prices::PriceService + 'static) -> Self {
        self.prices_v1 = Some(Arc::new(s));
        self
    }

    /// The interfaces provided, in manifest order.
    pub fn interfaces(&self) -> Vec<Interface> {
        let mut out = Vec::new();
        if self.portfolio_v1.is_some() {
            out.push(Interface::PortfolioV1);
        }
        if self.portfolio_v2.is_some() {
            out.push(Interface::PortfolioV2);
        }
        if self.transactions_v1.is_some() {
            out.push(Interface::TransactionsV1);
        }
        if self.transactions_v2.is_some() {
            out.push(Interface::TransactionsV2);
        }
        if self.fx_v1.is_some() {
            out.push(Interface::FxV1);
        }
        if self.identity_v1.is_some() {
            out.push(Interface::IdentityV1);
        }
        if self.prices_v1.is_some() {
            out.push(Interface::PricesV1);
        }
        if self.middleware_v1.is_some() {
            out.push(Interface::MiddlewareV1);
        }
        out
    }
}
