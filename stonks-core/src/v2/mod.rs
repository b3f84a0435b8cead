//! Version 2 of the service traits: the full shape.
//!
//! A portfolio is a [`PortfolioSnapshot`] of [`Position`]s and [`CashBalance`]s,
//! every amount a [`Money`](crate::Money). Transactions are one ledger of every money
//! movement ([`LedgerEntry`]), read page by page with a [`TransactionQuery`];
//! [`TransactionServiceExt::pages`] turns the pages into a `Stream`.
//! Snapshots and pages carry the [`ReadProblem`]s met beside what was read.
//!
//! * [`model`](self#structs): what services return;
//! * query: [`PortfolioQuery`], [`TransactionQuery`] (options structs);
//! * paging: [`Page`], [`Cursor`], [`RangeCursor`], [`pages`], [`paginate`].

mod model;
mod paging;
mod query;

use async_trait::async_trait;
use futures::stream::BoxStream;

pub use model::{
    CashBalance, CorporateAction, LedgerEntry, LedgerKind, PortfolioSnapshot, Position, Ratio,
    sort_by_time,
};
pub use paging::{Cursor, Page, RangeCursor, collect_ledger, page_from_vec, pages, paginate};
pub use query::{PortfolioQuery, TransactionQuery};

pub use crate::problem::ReadProblem;

use crate::error::Result;

/// Full portfolio service.
#[async_trait]
pub trait PortfolioService: Send + Sync {
    /// The portfolio now, with what could not be read in `problems`.
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot>;
}

/// Full ledger service.
///
/// Each call answers one page and costs one page of broker requests. Within
/// a page, entries are in time order; pages follow the broker's own paging
/// order, which each plugin documents (some brokers page newest first).
/// Across the pages of one read, every entry of the range comes exactly once.
#[async_trait]
pub trait TransactionService: Send + Sync {
    /// One page of ledger entries matching `query`.
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>>;
}

#[async_trait]
impl<T: PortfolioService + ?Sized> PortfolioService for std::sync::Arc<T> {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        (**self).snapshot(query).await
    }
}

#[async_trait]
impl<T: TransactionService + ?Sized> TransactionService for std::sync::Arc<T> {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        (**self).transactions(query).await
    }
}

/// Conveniences on every [`TransactionService`].
pub trait TransactionServiceExt: TransactionService {
    /// Every page matching `query` (its cursor is the starting point), as a
    /// stream that fetches the next page when the current one is used up:
    /// for progress reporting, and to see each page's problems.
    fn pages(&self, query: TransactionQuery) -> BoxStream<'_, Result<Page<LedgerEntry>>>
    where
        Self: Sized,
    {
        pages(query, move |q| async move { self.transactions(&q).await })
    }

    /// Every entry matching `query`, as a stream (see
    /// [`TransactionServiceExt::pages`] for the problems).
    fn ledger(&self, query: TransactionQuery) -> BoxStream<'_, Result<LedgerEntry>>
    where
        Self: Sized,
    {
        paginate(query, move |q| async move { self.transactions(&q).await })
    }
}

impl<S: TransactionService + ?Sized> TransactionServiceExt for S {}

#[cfg(test)]
mod tests;
