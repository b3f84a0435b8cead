//! Live reads: every active broker at once, each under its own [`Budget`],
//! a failure staying its own.

use futures::StreamExt;
use stonks::v2::{LedgerEntry, PortfolioQuery, TransactionQuery, TransactionServiceExt};
use stonks::{ReadProblem, Registry};

use super::Budget;
use crate::app::App;
use crate::ledger::Filter;
use crate::portfolio::BrokerResult;

/// What one broker's ledger read gave: its entries and the problems met.
pub type LedgerRead = (Vec<LedgerEntry>, Vec<ReadProblem>);

/// Every entry of `query` from one broker, page by page through core's
/// stream of pages; `on_page` hears the size of each page (for progress).
pub async fn read_ledger(
    registry: &Registry,
    id: &str,
    query: TransactionQuery,
    on_page: &(dyn Fn(usize) + Send + Sync),
) -> stonks::Result<LedgerRead> {
    let service = registry.transactions_v2(id)?;
    let mut pages = service.pages(query);
    let (mut entries, mut problems) = (Vec::new(), Vec::new());
    while let Some(page) = pages.next().await {
        let page = page?;
        on_page(page.items.len());
        entries.extend(page.items);
        problems.extend(page.problems);
    }
    Ok((entries, problems))
}

/// Whether broker `id` declares a ledger service.
pub(crate) fn has_ledger(registry: &Registry, id: &str) -> bool {
    registry
        .entry(id)
        .and_then(|e| e.manifest)
        .is_some_and(|m| m.capabilities.services.iter().any(|s| s.is_ledger()))
}

/// Every active broker's ledger for the filter's range, at once, each
/// within its budget.
pub async fn ledgers(app: &App, filter: &Filter) -> Vec<(String, Result<LedgerRead, String>)> {
    let calls = app
        .active_brokers()
        .into_iter()
        .filter(|(id, _)| filter.broker.as_deref().is_none_or(|b| b == id))
        .filter(|(id, _)| has_ledger(&app.registry, id))
        .map(|(id, total)| async move {
            let budget = Budget::start(&id, total);
            let mut q = TransactionQuery::new();
            q.from = filter.since;
            q.until = filter.until;
            let read = read_ledger(&app.registry, &id, q, &|_| {});
            let r = budget.run(&app.registry, "reading the ledger", read).await;
            (id, r)
        });
    futures::future::join_all(calls).await
}

/// Every active broker's portfolio, at once, each within its budget.
pub async fn portfolios(app: &App) -> Vec<BrokerResult> {
    let calls = app
        .active_brokers()
        .into_iter()
        .map(|(id, total)| async move {
            let budget = Budget::start(&id, total);
            let call = async {
                let service = app.registry.portfolio_v2(&id)?;
                service.snapshot(&PortfolioQuery::new()).await
            };
            let result = budget
                .run(&app.registry, "reading the portfolio", call)
                .await;
            (id, result)
        });
    futures::future::join_all(calls).await
}
