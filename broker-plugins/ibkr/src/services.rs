//! The v2 portfolio and transaction services and the fx rates over IBKR.
//!
//! **Ledger.** Every Flex source (each query id through the web service,
//! then each file) is read in full on the first page of a read, merged
//! (each transaction once), linked and put in time order; one page of ours
//! is therefore every statement's requests on the first page, and none on
//! the next: later pages of the same read (its `until` pinned by the first,
//! [`RangeCursor`]) are cut from that list, kept in memory until the next
//! read. A cursor from another read (or another instance) reads the sources
//! again.
//!
//! **Portfolio.** From the Client Portal Web API when `portal_url` is set
//! (live, `as_of` the time IBKR computed the cash), else from each account's
//! latest statement (`as_of` its end, see
//! [`StatementInfo::as_of`](crate::flex::StatementInfo::as_of)).
//!
//! **Rates.** The newest `ConversionRates` of the statements.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::value::RawValue;
use stonks_core::fx::{RateService, RateTable};
use stonks_core::http::Redactor;
use stonks_core::v2::{
    LedgerEntry, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot, RangeCursor,
    TransactionQuery, TransactionService,
};
use stonks_core::wire::Rows;
use stonks_core::{Error, ErrorKind, PluginContext, ReadProblem, Result, Services, async_trait};
use tokio::sync::Mutex;

use crate::client::FlexClient;
use crate::config::Config;
use crate::flex::statements::Collected;
use crate::flex::{self, Wanted};
use crate::portal::{self, PortalClient};
use crate::{convert, wire};

/// How long the Client Portal's account list is reused (IBKR allows one
/// `/portfolio/accounts` call every 5 seconds).
const ACCOUNTS_FOR: Duration = Duration::from_secs(60);

/// The plugin factory.
pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    let config: Config = ctx.config()?;
    config
        .check()
        .map_err(|e| e.with_plugin(ctx.manifest().id()))?;
    let ibkr = Ibkr(Arc::new(Inner {
        flex: FlexClient::new(ctx, &config)?,
        portal: PortalClient::new(ctx, &config)?,
        query_ids: config.query_ids.clone(),
        files: config.flex_files.clone(),
        last_read: Mutex::new(None),
        accounts: Mutex::new(None),
    }));
    Ok(Services::new()
        .portfolio_v2(ibkr.clone())
        .transactions_v2(ibkr.clone())
        .fx_v1(ibkr))
}

#[derive(Clone)]
struct Ibkr(Arc<Inner>);

/// The merged ledger of the last read, for its later pages.
struct LastRead {
    until: DateTime<Utc>,
    entries: Arc<Vec<LedgerEntry>>,
}

struct Inner {
    flex: Option<FlexClient>,
    portal: Option<PortalClient>,
    query_ids: Vec<String>,
    files: Vec<PathBuf>,
    last_read: Mutex<Option<LastRead>>,
    /// The Client Portal's accounts and when they were read.
    accounts: Mutex<Option<(Instant, Vec<String>)>>,
}

/// Runs `work` on the blocking pool (reading a statement is CPU work).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::plugin_fault(format!("reading a statement stopped: {e}")))?
}

impl Inner {
    /// Every Flex source read into one [`Collected`].
    async fn read(&self, wanted: Wanted) -> Result<Collected> {
        if self.flex.is_none() && self.files.is_empty() {
            return Err(Error::config(
                "no Flex statement is configured: set token and query_ids, or flex_files (the Client Portal API has no history)",
            ));
        }
        let mut collected = Collected::new(wanted);
        if let Some(flex) = &self.flex {
            for query in &self.query_ids {
                let answer = flex.statement(query).await?;
                let source = format!("Flex query {query}");
                collected = blocking(move || {
                    flex::read(answer.body(), &source, answer.redactor(), &mut collected)
                        .map_err(|why| answer.protocol_error(why))?;
                    Ok(collected)
                })
                .await?;
            }
        }
        for path in &self.files {
            let shown = path.display().to_string();
            // Opened here, where the caller's deadline is known: the file
            // carries it to the blocking thread, so the read there ends with
            // the budget. A FIFO or a device is refused unopened, a file over
            // the limit unread.
            let mut file = stonks_core::local::open(
                path,
                &format!("flex_files: {shown}"),
                stonks_core::local::DEFAULT_MAX_FILE_BYTES,
            )?;
            collected = blocking(move || {
                let source = format!("file {shown}");
                let input = BufReader::with_capacity(64 * 1024, &mut file);
                flex::read(input, &source, &Redactor::new(), &mut collected).map_err(|why| {
                    file.stopped()
                        .unwrap_or_else(|| Error::protocol(source, None, why, ""))
                })?;
                Ok(collected)
            })
            .await?;
        }
        Ok(collected)
    }

    /// The Client Portal's account ids, read again after [`ACCOUNTS_FOR`].
    async fn portal_accounts(&self, portal: &PortalClient) -> Result<Vec<String>> {
        let mut cached = self.accounts.lock().await;
        if let Some((at, ids)) = cached.as_ref()
            && at.elapsed() < ACCOUNTS_FOR
        {
            return Ok(ids.clone());
        }
        let answer = portal.accounts().await?;
        let accounts: Vec<wire::PortalAccount<'_>> = answer.json()?;
        let ids: Vec<String> = accounts.iter().map(|a| a.id.to_string()).collect();
        if let Some(bad) = ids
            .iter()
            .find(|id| !id.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(
                answer.protocol_error(format!("account id {bad:?} is not an IBKR account id"))
            );
        }
        *cached = Some((Instant::now(), ids.clone()));
        Ok(ids)
    }

    /// The live portfolio from the Client Portal.
    async fn portal_snapshot(
        &self,
        portal: &PortalClient,
        include_closed: bool,
    ) -> Result<PortfolioSnapshot> {
        let tickle = portal.tickle().await?;
        let session: wire::Tickle<'_> = tickle.json()?;
        if let Some(s) = session.session.as_deref().filter(|s| !s.is_empty()) {
            portal.add_secret(s);
        }
        let status_answer = portal.auth_status().await?;
        let status: wire::AuthStatus = status_answer.json()?;
        if status.authenticated == Some(false) || status.connected == Some(false) {
            let mut detail = String::from(if status.connected == Some(false) {
                "the gateway is not connected to IBKR"
            } else {
                "the brokerage session is not authenticated"
            });
            if status.competing == Some(true) {
                detail.push_str("; another session competes for it");
            }
            if let Some(m) = status.message.as_deref().filter(|m| !m.is_empty()) {
                detail.push_str(&format!(": {m}"));
            }
            return Err(portal.not_logged_in(&detail));
        }
        let mut positions = Vec::new();
        let mut cash = Vec::new();
        let mut problems: Vec<ReadProblem> = Vec::new();
        let mut as_of: Option<DateTime<Utc>> = None;
        for account in self.portal_accounts(portal).await? {
            let mut first = None;
            for page in 0..portal::MAX_PAGES {
                let answer = portal.positions(&account, page).await?;
                let rows: Rows<'_, wire::PortalPosition<'_>> = answer.json()?;
                let n = rows.ok.len() + rows.bad.len();
                problems.extend(rows.problems(answer.endpoint(), "conid", answer.redactor()));
                positions.extend(
                    rows.ok
                        .iter()
                        .map(|p| convert::portal_position(p, &account))
                        .filter(|p| include_closed || !p.quantity.is_zero()),
                );
                let first_len = *first.get_or_insert(n);
                if !portal::has_next_page(n, first_len) {
                    break;
                }
            }
            let answer = portal.ledger(&account).await?;
            let rows: BTreeMap<String, &RawValue> = answer.json()?;
            for (key, raw) in rows {
                let row = serde_json::from_str::<wire::PortalLedger<'_>>(raw.get())
                    .map_err(|e| stonks_core::wire::ConvertError::new(e.to_string()));
                let read = row.and_then(|r| {
                    if let Some(t) = r.timestamp {
                        as_of = Some(as_of.map_or(t.0, |a| a.min(t.0)));
                    }
                    convert::portal_cash(&key, &r, &account)
                });
                match read {
                    Ok(Some(c)) => cash.push(c),
                    Ok(None) => {}
                    Err(e) => problems.push(
                        e.problem(answer.endpoint(), Some(&key))
                            .excerpt(&answer.redactor().redact(raw.get())),
                    ),
                }
            }
        }
        let mut snap = PortfolioSnapshot::new(as_of.unwrap_or_else(Utc::now));
        snap.positions = positions;
        snap.cash = cash;
        snap.problems = problems;
        Ok(snap)
    }
}

#[async_trait]
impl PortfolioService for Ibkr {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        if let Some(portal) = &self.0.portal {
            return self.0.portal_snapshot(portal, query.include_closed).await;
        }
        let wanted = Wanted {
            ledger: false,
            portfolio: true,
            rates: false,
        };
        let collected = self.0.read(wanted).await?;
        Ok(collected.snapshot(query.include_closed))
    }
}

#[async_trait]
impl TransactionService for Ibkr {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let cursor = RangeCursor::start(query)?;
        let cached = match cursor.is_first() {
            true => None,
            false => self
                .0
                .last_read
                .lock()
                .await
                .as_ref()
                .filter(|r| r.until == cursor.until)
                .map(|r| r.entries.clone()),
        };
        let (entries, problems) = match cached {
            Some(entries) => (entries, Vec::new()),
            None => {
                let wanted = Wanted {
                    ledger: true,
                    portfolio: false,
                    rates: false,
                };
                let (entries, problems) = self.0.read(wanted).await?.into_ledger();
                let entries = Arc::new(entries);
                *self.0.last_read.lock().await = Some(LastRead {
                    until: cursor.until,
                    entries: entries.clone(),
                });
                // Problems belong to the first page of a read only.
                (
                    entries,
                    if cursor.is_first() {
                        problems
                    } else {
                        Vec::new()
                    },
                )
            }
        };
        let selected: Vec<&LedgerEntry> = entries
            .iter()
            .filter(|e| query.matches(e) && e.timestamp < cursor.until)
            .collect();
        let start = usize::try_from(cursor.position)
            .unwrap_or(usize::MAX)
            .min(selected.len());
        let limit = query.limit.map_or(usize::MAX, |l| l.max(1) as usize);
        let end = start.saturating_add(limit).min(selected.len());
        let items = selected[start..end].iter().map(|e| (*e).clone()).collect();
        let next = (end < selected.len()).then(|| cursor.at(end as u64));
        Ok(Page::new(items, next).with_problems(problems))
    }
}

#[async_trait]
impl RateService for Ibkr {
    async fn rates(&self) -> Result<RateTable> {
        let wanted = Wanted {
            ledger: false,
            portfolio: false,
            rates: true,
        };
        self.0.read(wanted).await?.rate_table().ok_or_else(no_rates)
    }

    /// The statements' `ConversionRate` rows, day by day: an IBKR account
    /// needs no other source for its own days (`[fx] source = "ibkr"`).
    async fn history(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<RateTable>> {
        let wanted = Wanted {
            ledger: false,
            portfolio: false,
            rates: true,
        };
        let read = self.0.read(wanted).await?;
        if read.rates.is_empty() {
            return Err(no_rates());
        }
        Ok(read.rate_history(from, to))
    }
}

fn no_rates() -> Error {
    Error::new(
        ErrorKind::Unsupported,
        "the Flex statements have no ConversionRates section: add it to the Flex query",
    )
}
