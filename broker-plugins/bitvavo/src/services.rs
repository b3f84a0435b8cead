//! The v2 portfolio and transaction services over Bitvavo.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use stonks_core::v2::{
    Cursor, LedgerEntry, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot,
    TransactionQuery, TransactionService,
};
use stonks_core::{Error, PluginContext, Result, Services};

use crate::client::Client;
use crate::convert;

/// Safety bound on history pages in one read (100 items each).
const MAX_PAGES: u32 = 10_000;

/// The plugin factory: a client from the checked config, both services on it.
pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    let bitvavo = Bitvavo {
        client: Arc::new(Client::new(ctx)?),
    };
    Ok(Services::new()
        .portfolio_v2(bitvavo.clone())
        .transactions_v2(bitvavo))
}

#[derive(Clone)]
struct Bitvavo {
    client: Arc<Client>,
}

fn bad_body(endpoint: &str, problem: String) -> Error {
    Error::protocol(endpoint, Some(200), problem, "")
}

#[async_trait]
impl PortfolioService for Bitvavo {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        let c = &self.client;
        let (balances, staking, assets, prices) =
            futures::try_join!(c.balance(), c.staking_balance(), c.assets(), c.prices())?;
        convert::snapshot(
            &balances,
            &staking,
            &assets,
            &prices,
            query.include_closed,
            Utc::now(),
        )
        .map_err(|p| bad_body("GET /balance", p))
    }
}

/// Where a listing continues: an offset into the ledger as it stood when the
/// first page was read, pinned by that read's end time so that entries
/// booked meanwhile do not shift the offsets.
struct Position {
    offset: usize,
    until_ms: i64,
}

impl Position {
    fn parse(cursor: &Cursor) -> Result<Self> {
        let bad = || Error::config(format!("invalid cursor {:?}", cursor.0));
        let (offset, until) = cursor.0.split_once('@').ok_or_else(bad)?;
        Ok(Position {
            offset: offset.parse().map_err(|_| bad())?,
            until_ms: until.parse().map_err(|_| bad())?,
        })
    }

    fn cursor(&self) -> Cursor {
        Cursor(format!("{}@{}", self.offset, self.until_ms))
    }
}

impl Bitvavo {
    /// Every history entry with `from <= executedAt < until`, oldest first,
    /// each id once even when pages shift while they are read.
    async fn ledger(&self, from: Option<DateTime<Utc>>, until_ms: i64) -> Result<Vec<LedgerEntry>> {
        let from_ms = from.map(|f| f.timestamp_millis());
        let mut seen = HashSet::new();
        let mut entries = Vec::new();
        let mut page = 1;
        loop {
            // Bitvavo's bounds are inclusive; ours end just before `until`.
            let answer = self
                .client
                .history_page(from_ms, until_ms - 1, page)
                .await?;
            for item in &answer.items {
                if !seen.insert(item.transaction_id.clone()) {
                    continue;
                }
                let entry = convert::ledger_entry(item).map_err(|p| {
                    bad_body(
                        "GET /account/history",
                        format!("item {}: {p}", item.transaction_id),
                    )
                })?;
                entries.push(entry);
            }
            if answer.items.is_empty()
                || answer.current_page >= answer.total_pages
                || page >= MAX_PAGES
            {
                break;
            }
            page += 1;
        }
        entries.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then_with(|| a.id.cmp(&b.id)));
        Ok(entries)
    }
}

#[async_trait]
impl TransactionService for Bitvavo {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let start = match &query.cursor {
            Some(c) => Position::parse(c)?,
            None => Position {
                offset: 0,
                until_ms: query
                    .until
                    .unwrap_or_else(Utc::now)
                    .timestamp_millis()
                    .saturating_add(
                        // An `until` with sub-millisecond precision still covers its millisecond.
                        i64::from(
                            query
                                .until
                                .is_some_and(|u| u.timestamp_subsec_nanos() % 1_000_000 != 0),
                        ),
                    ),
            },
        };
        let all: Vec<LedgerEntry> = self
            .ledger(query.from, start.until_ms)
            .await?
            .into_iter()
            .filter(|e| query.matches(e))
            .collect();
        let limit = query.limit.map_or(all.len(), |l| l.max(1) as usize);
        let end = start.offset.saturating_add(limit).min(all.len());
        let items = all
            .get(start.offset..end)
            .map(<[_]>::to_vec)
            .unwrap_or_default();
        let next_cursor = (end < all.len()).then(|| {
            Position {
                offset: end,
                until_ms: start.until_ms,
            }
            .cursor()
        });
        Ok(Page { items, next_cursor })
    }
}
