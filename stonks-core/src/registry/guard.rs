//! The wrapper around every service the registry hands out: it checks the
//! declared capabilities before the plugin runs, catches a panicking plugin,
//! names the plugin and operation in errors, and counts calls for `health`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::FutureExt;

use super::entry::Entry;
use super::{Registry, panic_text};
use crate::error::{Error, Result};
use crate::http::Redactor;
use crate::manifest::{Manifest, Service};
use crate::problem::ReadProblem;
use crate::v2::{LedgerEntry, Page, PortfolioQuery, PortfolioSnapshot, TransactionQuery};
use crate::{v1, v2};

pub(super) struct Guarded<S> {
    registry: Registry,
    id: String,
    redactor: Redactor,
    inner: S,
    /// The instance generation this handle belongs to.
    generation: u64,
    /// The plugin's manifest: its declared services, for checking ledger
    /// queries, and `capabilities.transaction_history.max_days`, enforced
    /// on them.
    manifest: Option<Arc<Manifest>>,
}

impl<S> Guarded<S> {
    /// `service`, picked from the running instance of `entry`.
    pub(super) fn new(registry: &Registry, entry: &Entry, service: S) -> Self {
        Guarded {
            registry: registry.clone(),
            id: entry.id.clone(),
            redactor: entry.redactor.clone(),
            inner: service,
            generation: entry.generation,
            manifest: entry.manifest.clone(),
        }
    }

    /// `capabilities.transaction_history.max_days`, if the manifest says.
    fn history_days(&self) -> Option<u32> {
        let history = self
            .manifest
            .as_ref()?
            .capabilities
            .transaction_history
            .as_ref()?;
        history.max_days
    }

    /// The first day the broker still answers for, when its manifest says
    /// it keeps only `max_days` (a whole UTC day, so that it stays the same
    /// while a caller pages).
    fn history_start(&self) -> Option<DateTime<Utc>> {
        let days = self.history_days()?;
        let day = Utc::now().date_naive() - chrono::Days::new(u64::from(days));
        Some(day.and_time(chrono::NaiveTime::MIN).and_utc())
    }

    async fn call<T>(
        &self,
        operation: &'static str,
        fut: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        self.registry
            .ensure_current(&self.id, self.generation)
            .map_err(|e| e.with_operation(operation))?;
        match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(Ok(v)) => {
                self.registry.record_call(&self.id, None);
                Ok(v)
            }
            Ok(Err(e)) => {
                let e = e.with_plugin(self.id.clone()).with_operation(operation);
                let shown = self.redactor.redact(&e.to_string()).into_owned();
                self.registry.record_call(&self.id, Some(shown));
                Err(e)
            }
            Err(payload) => {
                let why = format!(
                    "plugin panicked in {operation}: {}",
                    self.redactor.redact(&panic_text(&*payload))
                );
                self.registry.plugin_panicked(&self.id, why.clone());
                Err(Error::plugin_fault(why)
                    .with_plugin(self.id.clone())
                    .with_operation(operation))
            }
        }
    }

    /// `Unsupported` when the query asks for a kind whose service is not declared.
    fn check_kinds(&self, query: &TransactionQuery) -> Result<()> {
        for kind in &query.kinds {
            let owner = Service::ALL
                .iter()
                .find(|s| s.ledger_kinds().contains(kind));
            if let Some(service) = owner
                && !self.manifest.as_ref().is_some_and(|m| m.declares(*service))
            {
                return Err(Error::unsupported(format!(
                        "ledger kind {kind} needs service {service}, which the manifest does not declare"
                    ))
                    .with_plugin(self.id.clone())
                    .with_operation("transactions_v2"));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl v1::PortfolioService for Guarded<Arc<dyn v1::PortfolioService>> {
    async fn portfolio(&self) -> Result<Vec<v1::PortfolioEntry>> {
        self.call("portfolio_v1", self.inner.portfolio()).await
    }
}

#[async_trait]
impl v2::PortfolioService for Guarded<Arc<dyn v2::PortfolioService>> {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        self.call("portfolio_v2", self.inner.snapshot(query)).await
    }
}

#[async_trait]
impl v1::TransactionService for Guarded<Arc<dyn v1::TransactionService>> {
    async fn transactions(&self) -> Result<Vec<v1::Transaction>> {
        self.call("transactions_v1", self.inner.transactions())
            .await
    }
}

#[async_trait]
impl crate::fx::RateService for Guarded<Arc<dyn crate::fx::RateService>> {
    async fn rates(&self) -> Result<crate::fx::RateTable> {
        self.call("fx_rates", self.inner.rates()).await
    }

    async fn history(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<crate::fx::RateTable>> {
        self.call("fx_history", self.inner.history(from, to)).await
    }
}

#[async_trait]
impl crate::identity::IdentityService for Guarded<Arc<dyn crate::identity::IdentityService>> {
    async fn resolve(
        &self,
        queries: &[crate::identity::IdentityQuery],
    ) -> Result<Vec<crate::identity::Resolution>> {
        self.call("identity", self.inner.resolve(queries)).await
    }
}

#[async_trait]
impl crate::prices::PriceService for Guarded<Arc<dyn crate::prices::PriceService>> {
    async fn history(
        &self,
        instrument: &crate::model::Instrument,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Option<crate::prices::PriceSeries>> {
        self.call("prices", self.inner.history(instrument, from, to))
            .await
    }

    fn remember(&self, instrument: &crate::model::Instrument, symbol: &str) {
        self.inner.remember(instrument, symbol)
    }
}

#[async_trait]
impl v2::TransactionService for Guarded<Arc<dyn v2::TransactionService>> {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        self.check_kinds(query)?;
        let Some(start) = self
            .history_start()
            .filter(|s| query.from.is_none_or(|f| f < *s))
        else {
            return self
                .call("transactions_v2", self.inner.transactions(query))
                .await;
        };
        // Beyond the broker's history: ask for what it keeps, and say so
        // once, on the first page.
        let mut cut = query.clone();
        cut.from = Some(start);
        let page = self
            .call("transactions_v2", self.inner.transactions(&cut))
            .await?;
        Ok(if query.cursor.is_none() {
            page.with_problems(vec![ReadProblem::new(
                "transactions",
                format!(
                    "{} keeps {} days of history: entries before {} cannot be read from it",
                    self.id,
                    self.history_days().unwrap_or_default(),
                    start.date_naive()
                ),
            )])
        } else {
            page
        })
    }
}
