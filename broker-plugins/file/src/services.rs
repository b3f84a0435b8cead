//! The v2 portfolio and transaction services over the configured files.
//!
//! The ledger file is read once per change (its size and modification
//! time are checked on each call) and paged from memory by offset, so a
//! caller paging with a small limit does not read the file once per page.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use stonks_core::v2::{
    LedgerEntry, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot, RangeCursor,
    TransactionQuery, TransactionService,
};
use stonks_core::{PluginContext, ReadProblem, Result, Services, async_trait};

use crate::client;
use crate::config::Config;
use crate::convert;

/// The plugin factory: both services over the configured files. A file
/// that cannot be read yet is not an error here (it is at the first call).
pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    let config: Config = ctx.config()?;
    let file = FileBroker {
        config: Arc::new(config),
        cache: Arc::new(Mutex::new(None)),
    };
    Ok(Services::new()
        .portfolio_v2(file.clone())
        .transactions_v2(file))
}

/// The ledger as last read, and the file's state it was read at.
struct Read {
    stamp: (u64, Option<SystemTime>),
    entries: Arc<Vec<LedgerEntry>>,
    problems: Vec<ReadProblem>,
}

#[derive(Clone)]
struct FileBroker {
    config: Arc<Config>,
    cache: Arc<Mutex<Option<Read>>>,
}

fn stamp(path: &std::path::Path) -> (u64, Option<SystemTime>) {
    std::fs::metadata(path).map_or((0, None), |m| (m.len(), m.modified().ok()))
}

impl FileBroker {
    /// The ledger, read again only when the file changed.
    fn ledger(&self) -> Result<(Arc<Vec<LedgerEntry>>, Vec<ReadProblem>)> {
        let path = &self.config.path;
        let now = stamp(path);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(read) = cache.as_ref().filter(|r| r.stamp == now && now.1.is_some()) {
            return Ok((read.entries.clone(), read.problems.clone()));
        }
        let (bytes, format) = client::read(path)?;
        let (entries, problems) =
            convert::ledger(&bytes, format, &self.config.account, &client::source(path))?;
        let entries = Arc::new(entries);
        *cache = Some(Read {
            stamp: now,
            entries: entries.clone(),
            problems: problems.clone(),
        });
        Ok((entries, problems))
    }
}

#[async_trait]
impl PortfolioService for FileBroker {
    async fn snapshot(&self, _: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        let Some(path) = &self.config.positions else {
            // Nothing reported: holdings come from the ledger alone.
            return Ok(PortfolioSnapshot::new(Utc::now()));
        };
        let (bytes, format) = client::read(path)?;
        let as_of = stamp(path).1.map_or_else(Utc::now, DateTime::<Utc>::from);
        let mut snap = convert::positions(
            &bytes,
            format,
            &self.config.account,
            &client::source(path),
            as_of,
        )?;
        // Cash is what the ledger's money movements add up to.
        let (entries, _) = self.ledger()?;
        snap.cash = convert::cash(&entries, &self.config.account);
        Ok(snap)
    }
}

#[async_trait]
impl TransactionService for FileBroker {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let cursor = RangeCursor::start(query)?;
        let (entries, problems) = self.ledger()?;
        let wanted: Vec<LedgerEntry> = entries
            .iter()
            .filter(|e| query.matches(e) && e.timestamp < cursor.until)
            .cloned()
            .collect();
        let page = cursor.page(wanted, query);
        Ok(if cursor.is_first() {
            page.with_problems(problems)
        } else {
            page
        })
    }
}
