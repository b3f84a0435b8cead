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

#[async_trait]
impl<T: Middleware + ?Sized> Middleware for Arc<T> {
    async fn snapshot(
        &self,
        broker: &str,
        snapshot: PortfolioSnapshot,
    ) -> Result<PortfolioSnapshot> {
        (**self).snapshot(broker, snapshot).await
    }

    async fn page(&self, broker: &str, page: Page<LedgerEntry>) -> Result<Page<LedgerEntry>> {
        (**self).page(broker, page).await
    }
}

/// `before`'s problems, then any the middleware added: a middleware never
/// hides what the broker left out (a sync would move past it).
fn kept(before: &[ReadProblem], after: Vec<ReadProblem>) -> Vec<ReadProblem> {
    let mut out = before.to_vec();
    for p in after {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// A middleware's call, a panic in it made an error.
async fn guarded<T>(id: &str, fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(fut).catch_unwind().await {
        Ok(r) => r,
        Err(_) => Err(crate::Error::plugin_fault(format!(
            "middleware {id} panicked"
        ))),
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
            let done = guarded(id, m.snapshot(&self.broker, snap)).await;
            snap = match done {
                Ok(mut s) => {
                    s.problems = kept(&before.problems, s.problems);
                    s
                }
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
            let done = guarded(id, m.page(&self.broker, page)).await;
            page = match done {
                Ok(p) => Page {
                    // The cursor is the broker's, whatever a middleware says,
                    // and what the broker left out stays said.
                    next_cursor: before.next_cursor.clone(),
                    problems: kept(&before.problems, p.problems.clone()),
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
