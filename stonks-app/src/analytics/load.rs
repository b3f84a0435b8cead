//! The inputs of an analysis for a running app: a sync first (unless
//! offline), then the stored ledger and snapshots of the configured
//! brokers, today's rates and the rates since the first entry.

use chrono::{NaiveDate, Utc};

use super::{Analysis, Inputs, PriceBook, RateHistory};
use crate::app::App;
use crate::error::Result;
use crate::identity::{self, Identities};
use crate::store::Store;
use crate::sync::{self, SyncOutcome};

impl Analysis {
    /// Syncs every active broker into the store (unless `offline`), then
    /// reads what the analyses need from it. The sync's outcomes say what
    /// failed; the analysis still covers what the store holds.
    pub async fn load(app: &App, offline: bool) -> Result<(Analysis, Vec<SyncOutcome>)> {
        let (analysis, outcomes, _) = Self::load_with_store(app, offline).await?;
        Ok((analysis, outcomes))
    }

    /// [`Analysis::load`], keeping the store open for what else the caller
    /// reads from it (the report's portfolio history).
    pub(crate) async fn load_with_store(
        app: &App,
        offline: bool,
    ) -> Result<(Analysis, Vec<SyncOutcome>, Store)> {
        let mut store = app.open_store()?;
        let outcomes = if offline {
            Vec::new()
        } else {
            let outcomes = sync::run(app, &mut store, &|_, _| {}).await;
            // Keys for what is new; prices are `stonks sync`'s (and
            // `stonks prices`'): an analysis reads what is stored, but for
            // the benchmark's.
            let resolved = identity::resolve(app, &store, offline).await;
            for p in &resolved.problems {
                tracing::warn!("{p}");
            }
            // The benchmark's closes, when new days are out (one request).
            let benchmark = crate::prices::sync_benchmark(app, &store, offline).await;
            for p in &benchmark.problems {
                tracing::warn!("benchmark: {p}");
            }
            outcomes
        };
        let analysis = Self::from_store(app, &store, offline).await?;
        Ok((analysis, outcomes, store))
    }

    /// What the store holds for the configured brokers, with rates.
    pub async fn from_store(app: &App, store: &Store, offline: bool) -> Result<Analysis> {
        let brokers: Vec<String> = app.config.enabled().map(|(id, _)| id.clone()).collect();
        let mut ledger = store.ledger(None)?;
        ledger.retain(|(b, _)| brokers.contains(b));
        let mut snapshots = Vec::new();
        for id in &brokers {
            if let Some(s) = store.portfolio(id)? {
                snapshots.push((id.clone(), s));
            }
        }
        // One key per instrument across brokers, as the store has learned.
        let ids = Identities::load(app, Some(store));
        ids.apply_entries(&mut ledger);
        let mut prices = match store.price_book() {
            Ok(book) => PriceBook::new(book),
            Err(e) => {
                tracing::warn!("price history not read: {e}");
                PriceBook::default()
            }
        };
        for (broker, s) in &mut snapshots {
            ids.apply_snapshot(broker, s);
            // Before the missing prices are filled (the analysis learns
            // the ledger's too).
            for p in &s.positions {
                prices.learn(&p.instrument.key(broker), &p.instrument);
            }
            for said in crate::prices::fill_missing(&prices, broker, s) {
                tracing::warn!("{said}");
            }
        }
        let today = app.rates(Some(store), offline).await;
        let first: Option<NaiveDate> = ledger.iter().map(|(_, e)| e.timestamp.date_naive()).min();
        let mut tables = match first {
            Some(from) => app.rate_history(store, from, offline).await,
            None => Vec::new(),
        };
        tables.extend(today.clone());
        Ok(Analysis::new(Inputs {
            base: app.config.base_currency,
            ledger,
            snapshots,
            today,
            history: RateHistory::new(tables),
            now: Utc::now(),
        })
        .with_prices(prices))
    }
}
