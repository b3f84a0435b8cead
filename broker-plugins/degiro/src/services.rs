//! The v2 portfolio and transaction services over DEGIRO.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, Utc};
use stonks_core::v2::{
    LedgerEntry, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot, RangeCursor,
    TransactionQuery, TransactionService,
};
use stonks_core::{Error, PluginContext, Result, Services};

use crate::client::Client;
use crate::convert::{self, LedgerContext};
use crate::wire;

/// Product ids per `products/info` request.
const PRODUCT_BATCH: usize = 50;

/// Longest date window the reporting endpoints are asked for at once.
const WINDOW_DAYS: u64 = 365;

/// The plugin factory.
pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    let degiro = Degiro {
        client: Arc::new(Client::new(ctx)?),
    };
    Ok(Services::new()
        .portfolio_v2(degiro.clone())
        .transactions_v2(degiro))
}

#[derive(Clone)]
struct Degiro {
    client: Arc<Client>,
}

fn bad_body(endpoint: &str, problem: String) -> Error {
    Error::protocol(endpoint, Some(200), problem, "")
}

impl Degiro {
    /// Details of every product in `ids`, one request per batch.
    async fn products(&self, ids: Vec<String>) -> Result<HashMap<String, wire::Product>> {
        let batches: Vec<Vec<String>> = ids.chunks(PRODUCT_BATCH).map(<[String]>::to_vec).collect();
        let answers =
            futures::future::try_join_all(batches.iter().map(|b| self.client.products(b))).await?;
        Ok(answers.into_iter().flat_map(|a| a.data).collect())
    }
}

#[async_trait]
impl PortfolioService for Degiro {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        let update = self.client.portfolio().await?;
        let products = self.products(convert::product_ids(&update)).await?;
        convert::snapshot(
            &update,
            &products,
            &self.client.base_currency(),
            query.include_closed,
            Utc::now(),
        )
        .map_err(|p| bad_body("GET v5/update", p))
    }
}

/// `[from, until)` as inclusive day windows of at most a year.
fn windows(from: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= last {
        let end = start
            .checked_add_days(Days::new(WINDOW_DAYS - 1))
            .unwrap_or(last)
            .min(last);
        out.push((start, end));
        match end.checked_add_days(Days::new(1)) {
            Some(next) => start = next,
            None => break,
        }
    }
    out
}

impl Degiro {
    /// Every trade and cash movement in `[from, until)`, merged into one
    /// ledger, oldest first.
    async fn ledger(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<LedgerEntry>> {
        let last_day = (until - chrono::Duration::nanoseconds(1)).date_naive();
        let mut trades = Vec::new();
        let mut movements = Vec::new();
        for (a, b) in windows(from.date_naive(), last_day) {
            let (t, m) =
                futures::try_join!(self.client.trades(a, b), self.client.account_overview(a, b))?;
            trades.extend(t.data);
            movements.extend(m.data.cash_movements);
        }
        let mut ids: Vec<String> = trades.iter().map(|t| t.product_id.to_string()).collect();
        ids.extend(
            movements
                .iter()
                .filter_map(|m| m.product_id.map(|p| p.to_string())),
        );
        let mut seen = HashSet::new();
        ids.retain(|id| seen.insert(id.clone()));
        let products = self.products(ids).await?;
        let base = &self.client.base_currency();
        let ctx = LedgerContext {
            products: &products,
            base_currency: base,
        };
        let mut entries = Vec::with_capacity(trades.len() + movements.len());
        let mut trade_ids = HashSet::new();
        for t in &trades {
            // Windows meet at whole days; a trade is read once.
            if trade_ids.insert(t.id) {
                entries.push(
                    convert::trade_entry(t, &ctx)
                        .map_err(|p| bad_body("GET v4/transactions", p))?,
                );
            }
        }
        let orders: HashSet<String> = trades.iter().filter_map(|t| t.order_id.clone()).collect();
        let cash = convert::cash_entries(&movements, &orders, &ctx)
            .map_err(|p| bad_body("GET v6/accountoverview", p))?;
        let mut cash_ids = HashSet::new();
        entries.extend(cash.into_iter().filter(|e| cash_ids.insert(e.id.clone())));
        entries.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then_with(|| a.id.cmp(&b.id)));
        Ok(entries)
    }
}

#[async_trait]
impl TransactionService for Degiro {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let start = RangeCursor::start(query)?;
        let from = query.from.unwrap_or_else(|| self.client.history_since());
        let all: Vec<LedgerEntry> = self
            .ledger(from, start.until)
            .await?
            .into_iter()
            .filter(|e| query.matches(e) && e.timestamp < start.until)
            .collect();
        Ok(start.page(&all, query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_range_without_overlap() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let w = windows(d(2022, 1, 1), d(2024, 6, 30));
        assert_eq!(w.first().unwrap().0, d(2022, 1, 1));
        assert_eq!(w.last().unwrap().1, d(2024, 6, 30));
        assert!(w.windows(2).all(|p| p[0].1.succ_opt() == Some(p[1].0)));
        assert!(w.iter().all(|(a, b)| (*b - *a).num_days() < 365));
        assert_eq!(windows(d(2024, 1, 2), d(2024, 1, 1)), vec![]);
    }
}
