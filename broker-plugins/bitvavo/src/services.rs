//! The v2 portfolio and transaction services over Bitvavo.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use stonks_core::v2::LedgerKind;
use stonks_core::v2::{
    LedgerEntry, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot, RangeCursor,
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
        // Deposit and withdrawal details only enrich: when they cannot be
        // read (the endpoint is missing, the key may not read it), the
        // ledger stands as it is.
        let start = from.map(|f| f.timestamp_millis());
        let end = until_ms - 1;
        let (deposits, withdrawals) = futures::join!(
            self.client.transfers(true, start, end),
            self.client.transfers(false, start, end)
        );
        if let Ok(d) = deposits {
            convert::enrich(&mut entries, &LedgerKind::Deposit, &d);
        }
        if let Ok(w) = withdrawals {
            convert::enrich(&mut entries, &LedgerKind::Withdrawal, &w);
        }
        Ok(entries)
    }
}

#[async_trait]
impl TransactionService for Bitvavo {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let start = RangeCursor::start(query)?;
        // Bitvavo counts in whole milliseconds: round a sub-millisecond
        // `until` up, read, then cut exactly.
        let sub_ms = start.until.timestamp_subsec_nanos() % 1_000_000 != 0;
        let until_ms = start.until.timestamp_millis() + i64::from(sub_ms);
        let all: Vec<LedgerEntry> = self
            .ledger(query.from, until_ms)
            .await?
            .into_iter()
            .filter(|e| query.matches(e) && e.timestamp < start.until)
            .collect();
        Ok(start.page(&all, query))
    }
}
