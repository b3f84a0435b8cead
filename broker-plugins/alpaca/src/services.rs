//! The v2 portfolio and transaction services over Alpaca.
//!
//! The ledger pages by Alpaca's own cursor: one page of ours is one
//! `/v2/account/activities` request, oldest first, continued after the id
//! of the last activity read (`page_token`, carried in our [`Cursor`]).
//! Entries within a page are in time order.

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use stonks_core::v2::{
    Cursor, LedgerEntry, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot,
    TransactionQuery, TransactionService,
};
use stonks_core::wire::Rows;
use stonks_core::{Error, PluginContext, Result, Services, async_trait};
use tokio::sync::OnceCell;

use crate::client::{Client, PAGE_SIZE};
use crate::{convert, wire};

/// The plugin factory: a client from the checked config, every service on it.
pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    let client = Arc::new(Client::new(ctx)?);
    let alpaca = Alpaca {
        client: client.clone(),
        account: Arc::new(OnceCell::new()),
        payments: Arc::default(),
    };
    Ok(Services::new()
        .portfolio_v2(alpaca.clone())
        .transactions_v2(alpaca)
        .prices_v1(crate::prices::Prices::new(client)))
}

#[derive(Clone)]
struct Alpaca {
    client: Arc<Client>,
    /// The account number, read once: it names the account of every entry.
    account: Arc<OnceCell<String>>,
    /// The last page's dividends and interest, which a withholding on the
    /// next page may belong to (a read starts afresh).
    payments: Arc<std::sync::Mutex<Vec<convert::Payment>>>,
}

impl Alpaca {
    async fn account_number(&self) -> Result<&str> {
        let read = || async {
            let answer = self.client.account().await?;
            let account: wire::Account<'_> = answer.json()?;
            Ok::<_, Error>(account.account_number.into_owned())
        };
        self.account.get_or_try_init(read).await.map(String::as_str)
    }
}

#[async_trait]
impl PortfolioService for Alpaca {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        let (account, positions) =
            futures::try_join!(self.client.account(), self.client.positions())?;
        let acct: wire::Account<'_> = account.json()?;
        let rows: Rows<'_, wire::Position<'_>> = positions.json()?;
        let _ = self.account.set(acct.account_number.to_string());
        let mut snap = convert::snapshot(&acct, &rows.ok, query.include_closed, Utc::now());
        snap.problems = rows.problems(convert::POSITIONS, "symbol", positions.redactor());
        Ok(snap)
    }
}

#[async_trait]
impl TransactionService for Alpaca {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let account = self.account_number().await?;
        let size = query.limit.map_or(PAGE_SIZE, |l| l.clamp(1, PAGE_SIZE));
        // Whether Alpaca's `after` includes its bound is not documented: ask
        // from a second earlier and filter exactly below.
        let after = query
            .from
            .and_then(|f| f.checked_sub_signed(TimeDelta::seconds(1)));
        let token = query.cursor.as_ref().map(|c| c.0.as_str());
        let answer = self
            .client
            .activities(after, query.until, size, token)
            .await?;
        // Twice the page size: lenient, yet a page of a million rows where
        // a hundred were asked is refused at row 201, never read whole.
        let rows: wire::Activities<'_> = answer.json_at_most(2 * size as usize)?;
        let earlier = if token.is_some() {
            self.payments.lock().map(|p| p.clone()).unwrap_or_default()
        } else {
            Vec::new()
        };
        let page =
            convert::activity_page(&rows, size as usize, account, answer.redactor(), &earlier)
                .map_err(|e| answer.protocol_error(e.to_string()))?;
        if let Ok(mut p) = self.payments.lock() {
            p.clone_from(&page.payments);
        }
        let items = page
            .entries
            .into_iter()
            .filter(|e| query.matches(e))
            .collect();
        Ok(Page::new(items, page.next.map(Cursor)).with_problems(page.problems))
    }
}
