//! The v2 services over the broker, paging by the broker's own cursor: one
//! page of ours is one request of theirs. Every row that cannot be read is
//! left out and reported as a `ReadProblem` beside what was read; only an
//! answer that cannot be read at all, or a row the result cannot be right
//! without (cash), fails the call.

use std::sync::Arc;

use stonks_core::v2::{
    Cursor, LedgerEntry, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot,
    TransactionQuery, TransactionService,
};
use stonks_core::{PluginContext, Result, Services};

use crate::client::{Client, MAX_PAGE_SIZE};
use crate::{convert, wire};

const POSITIONS: &str = "GET /v1/positions";
const ACTIVITIES: &str = "GET /v1/activities";

/// The factory the registration names: the services, exactly as the
/// manifest's `api.interfaces` lists them.
pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    let broker = Broker {
        client: Arc::new(Client::new(ctx)?),
    };
    Ok(Services::new()
        .portfolio_v2(broker.clone())
        .transactions_v2(broker))
}

#[derive(Clone)]
struct Broker {
    client: Arc<Client>,
}

#[stonks_core::async_trait]
impl PortfolioService for Broker {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        let answer = self.client.positions().await?;
        let wire: wire::Positions<'_> = answer.json()?;
        let mut snap = PortfolioSnapshot::new(chrono::Utc::now());
        snap.problems = wire
            .positions
            .problems(POSITIONS, "symbol", answer.redactor());
        for p in &wire.positions.ok {
            match convert::position(p, &wire.account) {
                Ok(p) if query.include_closed || !p.quantity.is_zero() => snap.positions.push(p),
                Ok(_) => {}
                Err(e) => snap.problems.push(e.problem(POSITIONS, Some(&p.symbol))),
            }
        }
        // Cash cannot be left out without making the portfolio wrong.
        if let Some(bad) = wire.cash.bad.first() {
            return Err(answer.protocol_error(format!("cash row {}: {}", bad.index, bad.message)));
        }
        for c in &wire.cash.ok {
            snap.cash
                .push(convert::cash(c, &wire.account).map_err(|e| e.error(POSITIONS))?);
        }
        Ok(snap)
    }
}

#[stonks_core::async_trait]
impl TransactionService for Broker {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let size = query.limit.unwrap_or(MAX_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
        let answer = self
            .client
            .activities(query.cursor.as_ref().map(|c| c.0.as_str()), size)
            .await?;
        // A broker that sends far more rows than asked is refused at the
        // row past twice the page, not read whole.
        let wire: wire::Activities<'_> = answer.json_at_most(2 * size as usize)?;
        let mut problems = wire.items.problems(ACTIVITIES, "id", answer.redactor());
        let mut items = Vec::new();
        for a in &wire.items.ok {
            match convert::entry(a, &wire.account) {
                // The broker filters neither time nor kind: the query does.
                Ok(e) if query.matches(&e) => items.push(e),
                Ok(_) => {}
                Err(e) => problems.push(e.problem(ACTIVITIES, Some(&a.id))),
            }
        }
        Ok(Page::new(items, wire.next.map(Cursor)).with_problems(problems))
    }
}
