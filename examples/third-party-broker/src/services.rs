//! The v2 services over Acme, paging by Acme's own cursor: one page of
//! ours is one Acme request.

use std::sync::Arc;

use stonks_core::v2::{
    Cursor, LedgerEntry, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot,
    TransactionQuery, TransactionService,
};
use stonks_core::{PluginContext, Result, Services};

use crate::client::Client;
use crate::{convert, wire};

pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    let acme = Acme {
        client: Arc::new(Client::new(ctx)?),
    };
    Ok(Services::new()
        .portfolio_v2(acme.clone())
        .transactions_v2(acme))
}

#[derive(Clone)]
struct Acme {
    client: Arc<Client>,
}

#[stonks_core::async_trait]
impl PortfolioService for Acme {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        let answer = self.client.positions().await?;
        let wire: wire::Positions<'_> = answer.json()?;
        let mut snap = PortfolioSnapshot::new(chrono::Utc::now());
        snap.problems = wire
            .positions
            .problems("GET /v1/positions", "symbol", answer.redactor());
        for p in &wire.positions.ok {
            match convert::position(p) {
                Ok(p) if query.include_closed || !p.quantity.is_zero() => snap.positions.push(p),
                Ok(_) => {}
                Err(e) => snap
                    .problems
                    .push(e.problem("GET /v1/positions", Some(&p.symbol))),
            }
        }
        // Cash cannot be left out without making the portfolio wrong.
        if let Some(bad) = wire.cash.bad.first() {
            return Err(answer.protocol_error(format!("cash row {}: {}", bad.index, bad.message)));
        }
        for c in &wire.cash.ok {
            snap.cash
                .push(convert::cash(c).map_err(|e| e.error("GET /v1/positions"))?);
        }
        Ok(snap)
    }
}

#[stonks_core::async_trait]
impl TransactionService for Acme {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let answer = self
            .client
            .activities(query.cursor.as_ref().map(|c| c.0.as_str()))
            .await?;
        let wire: wire::Activities<'_> = answer.json()?;
        let mut problems = wire
            .items
            .problems("GET /v1/activities", "id", answer.redactor());
        let mut items = Vec::new();
        for a in &wire.items.ok {
            match convert::entry(a) {
                Ok(e) if query.matches(&e) => items.push(e),
                Ok(_) => {}
                Err(e) => problems.push(e.problem("GET /v1/activities", Some(&a.id))),
            }
        }
        Ok(Page::new(items, wire.next.map(Cursor)).with_problems(problems))
    }
}
