//! The v2 portfolio and transaction services over Bitvavo.
//!
//! The ledger pages through `/account/history` newest first by its own
//! time bound ([`HistoryCursor`]): one page of ours is one Bitvavo request
//! (plus, once per read, the deposit and withdrawal histories that enrich
//! it). Entries within a page are in time order.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use stonks_core::v2::{
    Cursor, LedgerEntry, LedgerKind, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot,
    TransactionQuery, TransactionService,
};
use stonks_core::wire::Rows;
use stonks_core::{Error, PluginContext, Result, Services};
use tokio::sync::Mutex;

use crate::client::Client;
use crate::convert::{self, TransferIndex};
use crate::wire;

/// The plugin factory: a client from the checked config, every service on it.
pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    let client = Arc::new(Client::new(ctx)?);
    let bitvavo = Bitvavo {
        client: client.clone(),
        transfers: Arc::new(Mutex::new(None)),
    };
    Ok(Services::new()
        .portfolio_v2(bitvavo.clone())
        .transactions_v2(bitvavo)
        .prices_v1(crate::prices::Prices::new(client)))
}

/// Deposit and withdrawal details of one pinned range, read once per read
/// of the ledger rather than once per page.
struct TransferCache {
    range: (Option<i64>, i64),
    deposits: TransferIndex,
    withdrawals: TransferIndex,
}

#[derive(Clone)]
struct Bitvavo {
    client: Arc<Client>,
    transfers: Arc<Mutex<Option<TransferCache>>>,
}

#[async_trait]
impl PortfolioService for Bitvavo {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        let c = &self.client;
        let (balances, staking, assets, prices) =
            futures::try_join!(c.balance(), c.staking_balance(), c.assets(), c.prices())?;
        let balance_rows: Rows<'_, wire::Balance<'_>> = balances.json()?;
        // A balance that cannot be read would make the portfolio wrong.
        if let Some(bad) = balance_rows
            .problems("GET /balance", "symbol", balances.redactor())
            .into_iter()
            .next()
        {
            return Err(balances.protocol_error(format!("a balance cannot be read: {bad}")));
        }
        let staking_rows: Option<Rows<'_, wire::StakingBalance<'_>>> =
            staking.as_ref().map(|s| s.json()).transpose()?;
        let asset_rows: Rows<'_, wire::Asset<'_>> = assets.json()?;
        let price_rows: Rows<'_, wire::TickerPrice<'_>> = prices.json()?;
        let mut snap = convert::snapshot(
            &balance_rows.ok,
            staking_rows.as_ref().map_or(&[][..], |s| &s.ok),
            &asset_rows.ok,
            &price_rows.ok,
            query.include_closed,
            Utc::now(),
        );
        if let (Some(rows), Some(answer)) = (&staking_rows, &staking) {
            snap.problems
                .extend(rows.problems("GET /stakingBalance", "symbol", answer.redactor()));
        }
        snap.problems
            .extend(asset_rows.problems("GET /assets", "symbol", assets.redactor()));
        snap.problems
            .extend(price_rows.problems("GET /ticker/price", "market", prices.redactor()));
        Ok(snap)
    }
}

impl Bitvavo {
    /// Adds deposit and withdrawal details to `entries`, reading the two
    /// histories once per pinned range. They only enrich: when they cannot
    /// be read, the entries stand as they are.
    async fn enrich(&self, entries: &mut [LedgerEntry], range: (Option<i64>, i64)) {
        let wanted = entries
            .iter()
            .any(|e| matches!(e.kind, LedgerKind::Deposit | LedgerKind::Withdrawal));
        if !wanted {
            return;
        }
        let mut cache = self.transfers.lock().await;
        if cache.as_ref().is_none_or(|c| c.range != range) {
            let (deposits, withdrawals) = futures::join!(
                self.client.transfers(true, range.0, range.1),
                self.client.transfers(false, range.0, range.1)
            );
            let index = |answer: Result<stonks_core::http::Response>| {
                answer
                    .ok()
                    .and_then(|a| {
                        a.json::<Rows<'_, wire::Transfer<'_>>>()
                            .ok()
                            .map(|rows| TransferIndex::new(&rows.ok))
                    })
                    .unwrap_or_default()
            };
            *cache = Some(TransferCache {
                range,
                deposits: index(deposits),
                withdrawals: index(withdrawals),
            });
        }
        if let Some(c) = cache.as_mut() {
            convert::enrich(entries, &LedgerKind::Deposit, &mut c.deposits);
            convert::enrich(entries, &LedgerKind::Withdrawal, &mut c.withdrawals);
        }
    }
}

/// Where the next history page starts.
///
/// Bitvavo's pages are numbered from the newest entry, so an entry booked
/// while a caller pages would shift every later page. The cursor therefore
/// moves the upper time bound (`toDate`, inclusive) to the oldest entry
/// read so far and asks for page 1 again, skipping the ids already read at
/// that very millisecond. Only when a whole page shares one millisecond
/// does it step Bitvavo's page number within that bound.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HistoryCursor {
    /// The end of the whole read (exclusive), pinned by its first page.
    until_ms: i64,
    /// The inclusive upper bound of the next request.
    to_ms: i64,
    /// Bitvavo's page number under that bound.
    page: u64,
    /// Ids already read at `to_ms`.
    seen_at_bound: Vec<String>,
}

impl HistoryCursor {
    fn start(query: &TransactionQuery) -> Result<Self> {
        let Some(Cursor(text)) = &query.cursor else {
            let until = query.until.unwrap_or_else(Utc::now);
            // Bitvavo counts whole milliseconds: round a sub-millisecond end up.
            let sub_ms = !until.timestamp_subsec_nanos().is_multiple_of(1_000_000);
            let until_ms = until.timestamp_millis() + i64::from(sub_ms);
            return Ok(HistoryCursor {
                until_ms,
                to_ms: until_ms - 1,
                page: 1,
                seen_at_bound: Vec::new(),
            });
        };
        let bad = || Error::config(format!("invalid cursor {text:?}"));
        let mut parts = text.splitn(4, ':');
        let mut num = || {
            parts
                .next()
                .and_then(|p| p.parse::<i64>().ok())
                .ok_or_else(bad)
        };
        let (until_ms, to_ms, page) = (num()?, num()?, num()?);
        let ids = text.splitn(4, ':').nth(3).ok_or_else(bad)?;
        Ok(HistoryCursor {
            until_ms,
            to_ms,
            page: u64::try_from(page).map_err(|_| bad())?.max(1),
            seen_at_bound: ids
                .split(',')
                .filter(|i| !i.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }

    fn encode(&self) -> Cursor {
        Cursor(format!(
            "{}:{}:{}:{}",
            self.until_ms,
            self.to_ms,
            self.page,
            self.seen_at_bound.join(",")
        ))
    }

    /// The cursor after a page of `rows` rows, of which `read` (id, time in
    /// ms) could be read, or `None` when that page was the last.
    fn next(&self, rows: usize, read: &[(String, i64)]) -> Option<Self> {
        if rows < crate::client::HISTORY_PAGE_SIZE as usize {
            return None;
        }
        let oldest = read.iter().map(|(_, t)| *t).min()?;
        if oldest == self.to_ms {
            // The whole page sits on the bound: step the page number.
            return Some(HistoryCursor {
                page: self.page + 1,
                ..self.clone()
            });
        }
        Some(HistoryCursor {
            until_ms: self.until_ms,
            to_ms: oldest,
            page: 1,
            seen_at_bound: read
                .iter()
                .filter(|(_, t)| *t == oldest)
                .map(|(id, _)| id.clone())
                .collect(),
        })
    }
}

#[async_trait]
impl TransactionService for Bitvavo {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let cursor = HistoryCursor::start(query)?;
        let from_ms = query.from.map(|f| f.timestamp_millis());
        let answer = self
            .client
            .history_page(from_ms, cursor.to_ms, cursor.page)
            .await?;
        // Twice the page size asked: a page far longer is refused unread.
        let page: wire::HistoryPage<'_> =
            answer.json_at_most(2 * crate::client::HISTORY_PAGE_SIZE as usize)?;
        let read: Vec<(String, i64)> = page
            .items
            .ok
            .iter()
            .map(|i| {
                (
                    i.transaction_id.to_string(),
                    i.executed_at.0.timestamp_millis(),
                )
            })
            .collect();
        let rows = page.items.ok.len() + page.items.bad.len();
        let (mut entries, problems) = convert::history_entries(&page, answer.redactor());
        let until =
            chrono::DateTime::from_timestamp_millis(cursor.until_ms).unwrap_or_else(Utc::now);
        entries.retain(|e| {
            !(e.timestamp.timestamp_millis() == cursor.to_ms
                && cursor.seen_at_bound.contains(&e.id))
                && query.matches(e)
                && e.timestamp < until
        });
        self.enrich(&mut entries, (from_ms, cursor.until_ms - 1))
            .await;
        let next = cursor.next(rows, &read).map(|c| c.encode());
        Ok(Page::new(entries, next).with_problems(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_moves_the_bound_and_skips_what_was_read_there() {
        let q =
            TransactionQuery::new().until(chrono::DateTime::from_timestamp_millis(10_000).unwrap());
        let c = HistoryCursor::start(&q).unwrap();
        assert_eq!((c.until_ms, c.to_ms, c.page), (10_000, 9_999, 1));
        let short: Vec<(String, i64)> = (0..5).map(|i| (format!("{i}"), 9_000 - i)).collect();
        assert_eq!(c.next(5, &short), None, "a short page is the last");
        let mut full: Vec<(String, i64)> = (0..100).map(|i| (format!("{i}"), 9_500 - i)).collect();
        full.push(("tie".into(), 9_401));
        full.truncate(100);
        let n = c.next(100, &full).unwrap();
        assert_eq!(
            (n.to_ms, n.page, n.seen_at_bound.clone()),
            (9_401, 1, vec!["99".to_owned()])
        );
        let back = HistoryCursor::start(&q.clone().cursor(Some(n.encode()))).unwrap();
        assert_eq!(back, n);
        let flat: Vec<(String, i64)> = (0..100).map(|i| (format!("{i}"), 9_999)).collect();
        assert_eq!(
            c.next(100, &flat).unwrap().page,
            2,
            "a page on one millisecond steps the page"
        );
        assert!(HistoryCursor::start(&q.cursor(Some(Cursor("x".into())))).is_err());
    }
}
