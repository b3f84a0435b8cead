//! The v2 portfolio and transaction services over DEGIRO.
//!
//! The ledger pages by reporting window: page `n` is the `n`-th window of at
//! most a year from the query's start, with the end of the range pinned by
//! the first page ([`RangeCursor`]). One page costs two DEGIRO requests
//! (trades and cash movements of that window) plus `products/info` for the
//! products not seen before; windows come oldest first.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Days, NaiveDate, Utc};
use stonks_core::v2::{
    LedgerEntry, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot, RangeCursor,
    TransactionQuery, TransactionService,
};
use stonks_core::{Instrument, PluginContext, ReadProblem, Result, Services};
use tokio::sync::Mutex;

use crate::client::Client;
use crate::convert::{self, Context};
use crate::wire;

/// Product ids per `products/info` request.
const PRODUCT_BATCH: usize = 50;

/// Longest date window one page asks the reporting endpoints for. DEGIRO
/// publishes no limit (clients ask for years at once); a year keeps each
/// answer, and so each page, bounded.
const WINDOW_DAYS: u64 = 365;

/// The plugin factory.
pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    let degiro = Degiro {
        client: Arc::new(Client::new(ctx)?),
        instruments: Arc::new(Mutex::new(HashMap::new())),
    };
    Ok(Services::new()
        .portfolio_v2(degiro.clone())
        .transactions_v2(degiro))
}

#[derive(Clone)]
struct Degiro {
    client: Arc<Client>,
    /// Instruments of every product seen, built once.
    instruments: Arc<Mutex<HashMap<i64, Instrument>>>,
}

impl Degiro {
    /// The instruments of `ids`, asking `products/info` only for the ones
    /// not seen before, in batches. A product DEGIRO does not describe is
    /// reported, not fatal.
    async fn instruments(
        &self,
        ids: &[i64],
    ) -> Result<(HashMap<i64, Instrument>, Vec<ReadProblem>)> {
        let mut known = self.instruments.lock().await;
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !known.contains_key(id))
            .collect();
        let answers = futures::future::try_join_all(
            missing
                .chunks(PRODUCT_BATCH)
                .map(|batch| self.client.products(batch)),
        )
        .await?;
        let mut problems = Vec::new();
        for answer in &answers {
            let parsed: wire::ProductsAnswer<'_> = answer.json()?;
            let (found, bad) = convert::products(&parsed, answer.redactor());
            known.extend(found);
            problems.extend(bad);
        }
        Ok((known.clone(), problems))
    }
}

#[async_trait]
impl PortfolioService for Degiro {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        let answer = self.client.portfolio().await?;
        let update: wire::UpdateAnswer<'_> = answer.json()?;
        let (instruments, problems) = self.instruments(&convert::product_ids(&update)).await?;
        let account = self.client.int_account().await?.to_string();
        let ctx = Context {
            instruments: &instruments,
            base_currency: self.client.base_currency(),
            account: &account,
        };
        let mut snap = convert::snapshot(&update, &ctx, query.include_closed, Utc::now());
        snap.problems.extend(problems);
        Ok(snap)
    }
}

/// The `position`-th window of at most a year from `from` to `last`
/// (inclusive days), if there is one.
fn window(from: NaiveDate, last: NaiveDate, position: u64) -> Option<(NaiveDate, NaiveDate)> {
    let start = from.checked_add_days(Days::new(position.checked_mul(WINDOW_DAYS)?))?;
    if start > last {
        return None;
    }
    let end = start
        .checked_add_days(Days::new(WINDOW_DAYS - 1))
        .unwrap_or(last)
        .min(last);
    Some((start, end))
}

#[async_trait]
impl TransactionService for Degiro {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let cursor = RangeCursor::start(query)?;
        let from = query
            .from
            .map_or_else(|| self.client.history_since(), |f| f.date_naive());
        let last_day = (cursor.until - chrono::Duration::nanoseconds(1)).date_naive();
        let Some((a, b)) = window(from, last_day, cursor.position) else {
            return Ok(Page::last(Vec::new()));
        };
        let (trades, movements) =
            futures::try_join!(self.client.trades(a, b), self.client.account_overview(a, b))?;
        let trade_rows: wire::TradesAnswer<'_> = trades.json()?;
        let overview: wire::AccountOverviewAnswer<'_> = movements.json()?;
        let cash_rows = overview.data.cash_movements.as_ref();
        let mut ids: Vec<i64> = trade_rows.data.ok.iter().map(|t| t.product_id.0).collect();
        ids.extend(
            cash_rows
                .into_iter()
                .flat_map(|r| &r.ok)
                .filter_map(|m| m.product_id.map(|p| p.0)),
        );
        ids.sort_unstable();
        ids.dedup();
        let (instruments, mut problems) = self.instruments(&ids).await?;
        let account = self.client.int_account().await?.to_string();
        let ctx = Context {
            instruments: &instruments,
            base_currency: self.client.base_currency(),
            account: &account,
        };
        let (mut entries, read_problems) =
            convert::window_entries(&trade_rows.data, cash_rows, &ctx, trades.redactor());
        problems.extend(read_problems);
        entries.retain(|e| query.matches(e) && e.timestamp < cursor.until);
        let next = window(from, last_day, cursor.position + 1)
            .is_some()
            .then(|| cursor.at(cursor.position + 1));
        Ok(Page::new(entries, next).with_problems(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_range_without_overlap() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let (from, last) = (d(2022, 1, 1), d(2024, 6, 30));
        let w: Vec<_> = (0..).map_while(|i| window(from, last, i)).collect();
        assert_eq!(w.first().unwrap().0, from);
        assert_eq!(w.last().unwrap().1, last);
        assert!(w.windows(2).all(|p| p[0].1.succ_opt() == Some(p[1].0)));
        assert!(w.iter().all(|(a, b)| (*b - *a).num_days() < 365));
        assert_eq!(window(d(2024, 1, 2), d(2024, 1, 1), 0), None);
        assert_eq!(window(from, last, u64::MAX), None, "no overflow");
    }
}
