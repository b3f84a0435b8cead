//! Pages, cursors, and the one stream helper every caller uses.
//!
//! A plugin pages by its broker's own position (a page number, a window
//! index, the broker's continuation token), so that one page of ours costs
//! one page of broker requests. [`RangeCursor`] carries that position with
//! the end of the range pinned at the first page, so entries booked while a
//! caller pages do not shift what later pages hold. [`pages`] turns the
//! paged call into a stream of pages (for progress and problems);
//! [`paginate`] into a stream of items.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use serde::{Deserialize, Serialize};

use super::TransactionService;
use super::model::LedgerEntry;
use super::query::TransactionQuery;
use crate::error::{Error, Result};
use crate::problem::ReadProblem;

/// An opaque position in a paged listing, issued by the plugin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Cursor(pub String);

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<Cursor>,
    /// What could not be read on this page and was left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ReadProblem>,
}

impl<T> Page<T> {
    /// A page of `items`, continued at `next_cursor`.
    pub fn new(items: Vec<T>, next_cursor: Option<Cursor>) -> Self {
        Page {
            items,
            next_cursor,
            problems: Vec::new(),
        }
    }

    /// The only page: `items`, nothing after it.
    pub fn last(items: Vec<T>) -> Self {
        Self::new(items, None)
    }

    /// The page with `problems` added.
    pub fn with_problems(mut self, problems: Vec<ReadProblem>) -> Self {
        self.problems.extend(problems);
        self
    }
}

fn invalid_cursor(text: &str) -> Error {
    Error::config(format!(
        "invalid cursor {:?}",
        crate::error::excerpt_of(text, 40)
    ))
}

/// Slices an in-memory, ordered list into pages by offset cursors, for
/// plugins whose broker returns everything at once. Takes the list by
/// value: nothing is copied.
pub fn page_from_vec<T>(all: Vec<T>, query: &TransactionQuery) -> Result<Page<T>> {
    let start = match &query.cursor {
        None => 0,
        Some(Cursor(c)) => c.parse::<usize>().map_err(|_| invalid_cursor(c))?,
    };
    Ok(slice(all, start, query, |end| end.to_string()))
}

/// A position within a range whose end was pinned by the first page.
///
/// `position` is the plugin's own: a broker page number, a window index, or
/// an offset into a list read whole (see [`RangeCursor::page`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeCursor {
    /// Where the page starts, in the plugin's own terms.
    pub position: u64,
    /// The exclusive end of the range, fixed at the first page.
    pub until: DateTime<Utc>,
}

impl RangeCursor {
    /// Where `query` starts: its cursor, or position 0 with `until` pinned
    /// to the query's `until` or now.
    pub fn start(query: &TransactionQuery) -> Result<Self> {
        let Some(Cursor(text)) = &query.cursor else {
            return Ok(RangeCursor {
                position: 0,
                until: query.until.unwrap_or_else(Utc::now),
            });
        };
        let (position, nanos) = text.split_once('@').ok_or_else(|| invalid_cursor(text))?;
        let nanos: i64 = nanos.parse().map_err(|_| invalid_cursor(text))?;
        Ok(RangeCursor {
            position: position.parse().map_err(|_| invalid_cursor(text))?,
            until: DateTime::from_timestamp_nanos(nanos),
        })
    }

    /// Whether this is the first page of the range.
    pub fn is_first(&self) -> bool {
        self.position == 0
    }

    /// The cursor of the page at `position` in the same pinned range.
    pub fn at(&self, position: u64) -> Cursor {
        let nanos = self.until.timestamp_nanos_opt().unwrap_or(i64::MAX);
        Cursor(format!("{position}@{nanos}"))
    }

    /// For a list read whole (filtered and ordered): the page at this
    /// cursor's offset, with the query's page size. Takes the list by value.
    pub fn page<T>(&self, all: Vec<T>, query: &TransactionQuery) -> Page<T> {
        let start = usize::try_from(self.position).unwrap_or(usize::MAX);
        slice(all, start, query, |end| self.at(end as u64).0)
    }
}

/// The page of `all` starting at `start` with the query's page size; the
/// next cursor, if any, is `cursor(end)`.
fn slice<T>(
    mut all: Vec<T>,
    start: usize,
    query: &TransactionQuery,
    cursor: impl FnOnce(usize) -> String,
) -> Page<T> {
    let limit = query.limit.map_or(usize::MAX, |l| l.max(1) as usize);
    let total = all.len();
    let start = start.min(total);
    let end = start.saturating_add(limit).min(total);
    all.truncate(end);
    all.drain(..start);
    let next_cursor = (end < total).then(|| Cursor(cursor(end)));
    Page::new(all, next_cursor)
}

/// Turns a paged call into a stream of pages, each fetched when the
/// previous one is used up. A plugin that hands back a cursor it already
/// returned breaks its contract: the stream ends with a
/// [`crate::ErrorKind::Plugin`] error instead of looping forever. The
/// stream ends after the first error.
pub fn pages<'a, T, F, Fut>(query: TransactionQuery, fetch: F) -> BoxStream<'a, Result<Page<T>>>
where
    T: Send + 'a,
    F: Fn(TransactionQuery) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = Result<Page<T>>> + Send + 'a,
{
    struct State<F> {
        query: Option<TransactionQuery>,
        /// An error to end the stream with, after the page already served.
        pending: Option<Error>,
        seen: HashSet<Cursor>,
        fetch: F,
    }
    let state = State {
        query: Some(query),
        pending: None,
        seen: HashSet::new(),
        fetch,
    };
    stream::unfold(state, |mut st| async move {
        if let Some(e) = st.pending.take() {
            return Some((Err(e), st));
        }
        let q = st.query.take()?;
        let mut page = match (st.fetch)(q.clone()).await {
            Err(e) => return Some((Err(e), st)),
            Ok(page) => page,
        };
        if let Some(next) = page.next_cursor.take() {
            if st.seen.insert(next.clone()) {
                page.next_cursor = Some(next.clone());
                st.query = Some(q.cursor(Some(next)));
            } else {
                // This page's items are served; the stream then ends.
                st.pending = Some(Error::plugin_fault(format!(
                    "pagination returned cursor {:?} twice",
                    crate::error::excerpt_of(&next.0, 40)
                )));
            }
        }
        Some((Ok(page), st))
    })
    .boxed()
}

/// Turns a paged call into a stream of items (see [`pages`]). Problems
/// reported by the pages are not in this stream: read [`pages`] to see them.
pub fn paginate<'a, T, F, Fut>(query: TransactionQuery, fetch: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: Fn(TransactionQuery) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = Result<Page<T>>> + Send + 'a,
{
    pages(query, fetch)
        .flat_map(|page| match page {
            Ok(p) => stream::iter(p.items.into_iter().map(Ok).collect::<Vec<_>>()),
            Err(e) => stream::iter(vec![Err(e)]),
        })
        .boxed()
}

/// Reads every page of `query` into one page: every entry and every
/// problem, no next cursor.
pub async fn collect_ledger<S: TransactionService + ?Sized>(
    service: &S,
    query: TransactionQuery,
) -> Result<Page<LedgerEntry>> {
    let mut all = Page::last(Vec::new());
    let mut stream = pages(query, |q| async move { service.transactions(&q).await });
    while let Some(page) = stream.next().await {
        let page = page?;
        all.items.extend(page.items);
        all.problems.extend(page.problems);
    }
    Ok(all)
}
