//! Middleware plugins: a plugin of type `middleware` (interface
//! `middleware@1`) declares which services it wraps (`portfolio`,
//! `transactions`) and transforms every broker's snapshots and ledger pages
//! before the caller sees them: recategorising entries, marking transfers
//! between the user's own accounts, hiding an account.
//!
//! The registry applies every active middleware, in dependency order (a
//! middleware that depends on another runs after it), to what
//! [`crate::Registry::portfolio_v2`] and [`crate::Registry::transactions_v2`]
//! hand out. A middleware never fails a call: when it cannot transform an
//! answer, the answer goes on as it was, with a problem saying so.
//!
//! A runtime plugin can be a middleware too (`middleware.snapshot` and
//! `middleware.page` in `docs/plugin-protocol.md`).

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::problem::ReadProblem;
use crate::v2::{LedgerEntry, Page, PortfolioQuery, PortfolioSnapshot, TransactionQuery};

/// A transformation of brokers' answers.
#[async_trait]
pub trait Middleware: Send + Sync {
    /// `broker`'s snapshot, transformed.
    async fn snapshot(
        &self,
        broker: &str,
        snapshot: PortfolioSnapshot,
    ) -> Result<PortfolioSnapshot> {
        let _ = broker;
        Ok(snapshot)
    }

    /// One page of `broker`'s ledger, transformed. Entries may be changed
    /// or left out; the cursor is kept.
    async fn page(&self, broker: &str, page: Page<LedgerEntry>) -> Result<Page<LedgerEntry>> {
        let _ = broker;
        Ok(page)
    }
}

/// The problem of a middleware that could not transform an answer.
fn untransformed(id: &str, what: &str, e: &crate::Error) -> ReadProblem {
    ReadProblem::new(
        format!("middleware {id}"),
        format!("{what} left as the broker answered it: {}", e.message()),
    )
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
        for (id, m) in &self.chain {
            let before = snap.clone();
            snap = match m.snapshot(&self.broker, snap).await {
                Ok(s) => s,
                Err(e) => {
                    let mut s = before;
                    s.problems.push(untransformed(id, "the snapshot", &e));
                    s
                }
            };
        }
        Ok(snap)
    }
}

#[async_trait]
impl crate::v2::TransactionService for Wrapped<dyn crate::v2::TransactionService> {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let mut page = self.inner.transactions(query).await?;
        for (id, m) in &self.chain {
            let before = page.clone();
            page = match m.page(&self.broker, page).await {
                Ok(p) => Page {
                    // The cursor is the broker's, whatever a middleware says.
                    next_cursor: before.next_cursor.clone(),
                    ..p
                },
                Err(e) => {
                    let mut p = before;
                    p.problems.push(untransformed(id, "a ledger page", &e));
                    p
                }
            };
        }
        Ok(page)
    }
}
