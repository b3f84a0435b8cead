//! What v2 callers ask for: options structs (`#[non_exhaustive]` with
//! `Default` and builder methods), so adding an option later breaks no
//! caller and no implementor.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::model::{LedgerEntry, LedgerKind};
use super::paging::Cursor;

/// Options for [`super::PortfolioService::snapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
#[non_exhaustive]
pub struct PortfolioQuery {
    /// Also return positions whose quantity is zero (closed positions).
    pub include_closed: bool,
}

impl PortfolioQuery {
    /// The default query: open positions and all cash.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`PortfolioQuery::include_closed`].
    pub fn include_closed(mut self, yes: bool) -> Self {
        self.include_closed = yes;
        self
    }
}

/// Options for [`super::TransactionService::transactions`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
#[non_exhaustive]
pub struct TransactionQuery {
    /// Entries at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Entries strictly before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only these kinds; empty means every kind.
    pub kinds: Vec<LedgerKind>,
    /// Continue after this page; `None` for the first page.
    pub cursor: Option<Cursor>,
    /// Page size wanted: a hint. Plugins whose broker pages by itself
    /// return pages of the broker's size (one broker request per page);
    /// every page may hold fewer.
    pub limit: Option<u32>,
}

impl TransactionQuery {
    /// Every entry, first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries in `[from, until)`.
    pub fn range(mut self, from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        self.from = Some(from);
        self.until = Some(until);
        self
    }

    /// Entries at or after `from`.
    pub fn since(mut self, from: DateTime<Utc>) -> Self {
        self.from = Some(from);
        self
    }

    /// Entries strictly before `until`.
    pub fn until(mut self, until: DateTime<Utc>) -> Self {
        self.until = Some(until);
        self
    }

    /// Only these kinds.
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = LedgerKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }

    /// Page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continue after `cursor`.
    pub fn cursor(mut self, cursor: Option<Cursor>) -> Self {
        self.cursor = cursor;
        self
    }

    /// Whether `entry` falls in this query's range and kinds. Plugins use this
    /// to filter what the broker cannot filter itself.
    pub fn matches(&self, entry: &LedgerEntry) -> bool {
        self.from.is_none_or(|f| entry.timestamp >= f)
            && self.until.is_none_or(|u| entry.timestamp < u)
            && (self.kinds.is_empty() || self.kinds.contains(&entry.kind))
    }
}
