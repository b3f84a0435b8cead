//! Middleware plugins: a plugin of type `middleware` (interface
//! `middleware@1`) declares which services it wraps (`portfolio`,
//! `transactions`) and transforms every broker's snapshots and ledger pages
//! before the caller sees them: recategorising entries, marking transfers
//! between the user's own accounts, hiding an account.
//!
//! The registry applies every active middleware, in dependency order (a
//! middleware that depends on another runs after it), to what
//! [`crate::Registry::portfolio_v2`] and [`crate::Registry::transactions_v2`]
//! hand out. A middleware changes data, never reaches a network, and cannot
//! fail a call: what it cannot transform it leaves as it was.

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::v2::{LedgerEntry, Page, PortfolioQuery, PortfolioSnapshot, TransactionQuery};

/// A transformation of brokers' answers.
pub trait Middleware: Send + Sync {
    /// `broker`'s snapshot, transformed.
    fn snapshot(&self, broker: &str, snapshot: PortfolioSnapshot) -> PortfolioSnapshot {
        let _ = broker;
        snapshot
    }

    /// One page of `broker`'s ledger, transformed. Entries may be changed
    /// or left out; the cursor and problems are kept.
    fn page(&self, broker: &str, page: Page<LedgerEntry>) -> Page<LedgerEntry> {
        let _ = broker;
        page
    }
}

/// The middlewares to apply, in order, each with its id.
pub(crate) type Chain = Vec<(String, Arc<dyn Middleware>)>;

/// A broker's service with the chain applied to what it answers.
pub(crate) struct Wrapped<S: ?Sized> {
    pub(crate) broker: String,
    pub(crate) chain: Chain,
    pub(crate) inner: Arc<S>,
}

#[async_trait]
impl crate::v2::PortfolioService for Wrapped<dyn crate::v2::PortfolioService> {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        let mut snap = self.inner.snapshot(query).await?;
        for (_, m) in &self.chain {
            snap = m.snapshot(&self.broker, snap);
        }
        Ok(snap)
    }
}

#[async_trait]
impl crate::v2::TransactionService for Wrapped<dyn crate::v2::TransactionService> {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let mut page = self.inner.transactions(query).await?;
        for (_, m) in &self.chain {
            page = m.page(&self.broker, page);
        }
        Ok(page)
    }
}
