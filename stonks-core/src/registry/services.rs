//! Handing out services: one generic accessor checks that the plugin
//! declares the service and is active, picks its interface in the version
//! the caller asks for (adapting the other version when that is all the
//! plugin has) and wraps it in a [`Guarded`] that counts every call. Each
//! public accessor names its [`Kind`] and nothing else.

use std::sync::Arc;

use super::Registry;
use super::guard::Guarded;
use crate::adapt::{V1AsV2, V2AsV1};
use crate::error::{Error, Result};
use crate::fx::RateService;
use crate::identity::IdentityService;
use crate::lifecycle::PluginState;
use crate::manifest::{Manifest, Service};
use crate::middleware::{Chain, Wrapped};
use crate::plugin::Services;
use crate::prices::PriceService;
use crate::{v1, v2};

/// A service in the version a caller gets it, implemented by the trait
/// object callers hold (`dyn v2::PortfolioService`, ...).
trait Kind {
    /// The service the manifest must declare, unless [`Kind::required`]
    /// says otherwise.
    const SERVICE: Service;
    /// The operation errors name.
    const OPERATION: &'static str;

    /// The service `manifest` must declare for this kind.
    fn required(_manifest: &Manifest) -> Service {
        Self::SERVICE
    }

    /// The plugin's interface for this kind, if it provides one.
    fn pick(services: &Services) -> Option<Arc<Self>>;

    /// The guarded service, as callers hold it.
    fn guard(guarded: Guarded<Arc<Self>>) -> Arc<Self>;
}

/// Implements [`Kind`] for each row: `trait object: operation, service,
/// own interface [else Adapter(other version's interface)] [, required fn]`.
/// The plugin's own interface wins; the other version, adapted, stands in
/// for it. The guard is the same coercion for every kind.
macro_rules! kinds {
    ($($api:ty: $operation:literal, $service:ident, $own:ident
        $(else $adapter:ident($other:ident))? $(, required $required:ident)?;)*) => {$(
        impl Kind for $api {
            const SERVICE: Service = Service::$service;
            const OPERATION: &'static str = $operation;
            $(fn required(manifest: &Manifest) -> Service {
                $required(manifest)
            })?
            fn pick(services: &Services) -> Option<Arc<Self>> {
                let own = services.$own.clone();
                $(let own = own.or_else(|| {
                    services.$other.clone().map(|p| Arc::new($adapter(p)) as Arc<Self>)
                });)?
                own
            }
            fn guard(guarded: Guarded<Arc<Self>>) -> Arc<Self> {
                Arc::new(guarded)
            }
        }
    )*};
}

kinds! {
    dyn v1::PortfolioService: "portfolio_v1", Portfolio, portfolio_v1 else V2AsV1(portfolio_v2);
    dyn v2::PortfolioService: "portfolio_v2", Portfolio, portfolio_v2 else V1AsV2(portfolio_v1);
    dyn v1::TransactionService: "transactions_v1", Transactions,
        transactions_v1 else V2AsV1(transactions_v2);
    dyn v2::TransactionService: "transactions_v2", Transactions,
        transactions_v2 else V1AsV2(transactions_v1), required first_ledger_service;
    dyn RateService: "fx_rates", FxRates, fx_v1;
    dyn IdentityService: "identity", Identity, identity_v1;
    dyn PriceService: "prices", Prices, prices_v1;
}

/// The ledger (v2 transactions) needs some ledger service, not
/// `transactions` itself: a plugin may offer only dividends.
fn first_ledger_service(m: &Manifest) -> Service {
    let mut declared = m.capabilities.services.iter().copied();
    declared
        .find(|s| s.is_ledger())
        .unwrap_or(Service::Transactions)
}

impl Registry {
    /// The portfolio service of `id` as v1, adapted if the plugin is v2.
    pub fn portfolio_v1(&self, id: &str) -> Result<Arc<dyn v1::PortfolioService>> {
        self.service(id)
    }

    /// The portfolio service of `id` as v2, adapted if the plugin is v1,
    /// through every active middleware that wraps `portfolio`.
    pub fn portfolio_v2(&self, id: &str) -> Result<Arc<dyn v2::PortfolioService>> {
        let inner = self.service(id)?;
        let chain = self.middlewares(id, Service::Portfolio);
        Ok(if chain.is_empty() {
            inner
        } else {
            Arc::new(Wrapped {
                broker: id.to_owned(),
                chain,
                inner,
            })
        })
    }

    /// The transaction service of `id` as v1 (trades), adapted if the plugin is v2.
    pub fn transactions_v1(&self, id: &str) -> Result<Arc<dyn v1::TransactionService>> {
        self.service(id)
    }

    /// The ledger of `id` as v2, adapted if the plugin is v1, through
    /// every active middleware that wraps `transactions`. Queries for kinds
    /// whose service the manifest does not declare get `Unsupported`.
    pub fn transactions_v2(&self, id: &str) -> Result<Arc<dyn v2::TransactionService>> {
        let inner = self.service(id)?;
        let chain = self.middlewares(id, Service::Transactions);
        Ok(if chain.is_empty() {
            inner
        } else {
            Arc::new(Wrapped {
                broker: id.to_owned(),
                chain,
                inner,
            })
        })
    }

    /// The ids of the active middlewares that wrap `service`, in the order
    /// they run: what a caller must know before trusting that an answer is
    /// the broker's own (a sync does not retire stored rows on it).
    pub fn active_middlewares(&self, service: Service) -> Vec<String> {
        self.middlewares("", service)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    /// The active middlewares that wrap `service` (none for a middleware
    /// itself), in dependency order.
    fn middlewares(&self, id: &str, service: Service) -> Chain {
        let inner = self.read();
        let wraps = |e: &super::entry::Entry| {
            e.state == PluginState::Active
                && e.id != id
                && e.manifest.as_deref().is_some_and(|m| {
                    m.plugin.kind == crate::manifest::PluginType::Middleware && m.declares(service)
                })
        };
        let by_order = inner
            .load_order
            .iter()
            .filter_map(|lid| inner.entries.iter().find(|e| e.plugin == *lid && wraps(e)));
        // Instances of a middleware plugin come after the load order's own.
        let mut out: Chain = Vec::new();
        for e in by_order.chain(
            inner
                .entries
                .iter()
                .filter(|e| e.id != e.plugin && wraps(e)),
        ) {
            if let Some(m) = e
                .instance
                .as_ref()
                .and_then(|i| i.services.middleware_v1.clone())
                && !out.iter().any(|(i, _)| *i == e.id)
            {
                out.push((e.id.clone(), m));
            }
        }
        out
    }

    /// The foreign-exchange rate service of `id`.
    pub fn fx_rates(&self, id: &str) -> Result<Arc<dyn RateService>> {
        self.service(id)
    }

    /// The identity resolver of `id`.
    pub fn identity(&self, id: &str) -> Result<Arc<dyn IdentityService>> {
        self.service(id)
    }

    /// The price history service of `id`.
    pub fn prices(&self, id: &str) -> Result<Arc<dyn PriceService>> {
        self.service(id)
    }

    /// Checks that `id` is active and its manifest declares the service of
    /// kind `K`, then hands out its interface for `K`, guarded.
    fn service<K: Kind + ?Sized>(&self, id: &str) -> Result<Arc<K>> {
        let inner = self.read();
        let entry = &inner.entries[Self::index(&inner, id)?];
        let op = |e: Error| e.with_plugin(id).with_operation(K::OPERATION);
        let manifest = entry.manifest.as_deref();
        let service = manifest.map_or(K::SERVICE, K::required);
        if manifest.is_some_and(|m| !m.declares(service)) {
            return Err(op(Error::unsupported(format!(
                "the manifest does not declare service {service}"
            ))));
        }
        let instance = match (&entry.instance, entry.state) {
            (Some(i), PluginState::Active) => i,
            _ => return Err(op(entry.not_usable())),
        };
        let picked = K::pick(&instance.services).ok_or_else(|| {
            op(Error::plugin_fault(format!(
                "provides no interface for service {service}"
            )))
        })?;
        Ok(K::guard(Guarded::new(self, entry, picked)))
    }

    /// Fails unless `id` is active with instance `generation`: a guarded
    /// service asks before every call.
    pub(super) fn ensure_current(&self, id: &str, generation: u64) -> Result<()> {
        let inner = self.read();
        let entry = &inner.entries[Self::index(&inner, id)?];
        if entry.state != PluginState::Active {
            return Err(entry.not_usable());
        }
        if entry.generation != generation {
            return Err(Error::config(
                "this service handle belongs to an instance that was reloaded; ask the registry again",
            )
            .with_plugin(id));
        }
        Ok(())
    }
}
