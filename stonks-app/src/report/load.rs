//! The report for a running app: a sync first (unless offline), then the
//! analyses, the store's portfolio history and each broker's last read.

use super::{BrokerLine, Locale, Report, ReportOptions};
use crate::analytics::Analysis;
use crate::app::App;
use crate::error::Result;
use crate::sync::SyncOutcome;

/// A report and what the sync before it did (empty when offline).
pub type Loaded = (Report, Vec<SyncOutcome>);

impl Report {
    /// Syncs every active broker (unless `offline`), then builds the report
    /// of what the store holds. A broker that failed is in the report's
    /// broker lines with its error; the rest of the report stands.
    pub async fn load(app: &App, offline: bool, locale: Locale) -> Result<Loaded> {
        let (analysis, outcomes, store) = Analysis::load_with_store(app, offline).await?;
        let ids: Vec<String> = app.config.enabled().map(|(id, _)| id.clone()).collect();
        let (history, unreadable) = store.portfolio_history(&ids)?;
        let mut brokers = Vec::with_capacity(ids.len());
        for id in &ids {
            let error = app
                .failed
                .iter()
                .find(|(b, _)| b == id)
                .map(|(_, why)| why.clone())
                .or_else(|| {
                    outcomes
                        .iter()
                        .find(|o| &o.broker == id)
                        .and_then(|o| o.error.clone())
                });
            brokers.push(BrokerLine {
                id: id.clone(),
                portfolio_read_at: store.portfolio_read_at(id)?,
                ledger_synced_until: store.cursor(id)?,
                error,
            });
        }
        let options = ReportOptions {
            history: &history,
            brokers,
            locale,
            benchmark: app.config.returns.benchmark.clone(),
        };
        let mut report = Report::build(&analysis, options);
        report.problems.extend(unreadable);
        Ok((report, outcomes))
    }
}
