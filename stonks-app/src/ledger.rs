//! The merged ledger, live or from the store, and pulling each broker's
//! ledger into the store incrementally. [`LedgerRow`] serialises as the
//! `transactions` JSON contract of the README, borrowing from the entries
//! (no copy per row).

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use stonks::v2::{
    LedgerEntry, LedgerKind, PortfolioQuery, PortfolioSnapshot, TransactionQuery,
    TransactionServiceExt,
};
use stonks::{Currency, Isin, ReadProblem, Registry, Service};

use crate::app::App;
use crate::budget;
use crate::error::Result;
use crate::store::Store;

/// How far back each incremental sync reads again, for late-booked entries.
pub const OVERLAP: chrono::Duration = chrono::Duration::days(7);

/// The kinds the JSON contract names; everything else is `other`.
pub fn contract_kind(kind: &LedgerKind) -> &'static str {
    match kind {
        LedgerKind::Buy => "buy",
        LedgerKind::Sell => "sell",
        LedgerKind::Deposit => "deposit",
        LedgerKind::Withdrawal => "withdrawal",
        LedgerKind::Dividend => "dividend",
        LedgerKind::Tax => "tax",
        LedgerKind::Interest => "interest",
        LedgerKind::Fee => "fee",
        LedgerKind::StakingReward => "staking_reward",
        LedgerKind::Transfer => "transfer",
        LedgerKind::FxConversion => "fx_conversion",
        LedgerKind::Split => "split",
        LedgerKind::ReverseSplit => "reverse_split",
        LedgerKind::SpinOff => "spin_off",
        LedgerKind::Merger => "merger",
        _ => "other",
    }
}

/// The kinds `stonks transactions --kind` takes.
pub const CONTRACT_KINDS: &[&str] = &[
    "buy",
    "sell",
    "deposit",
    "withdrawal",
    "dividend",
    "tax",
    "interest",
    "fee",
    "staking_reward",
    "transfer",
    "fx_conversion",
    "split",
    "reverse_split",
    "spin_off",
    "merger",
    "other",
];

/// One fee of a row.
#[derive(Debug, Serialize)]
pub struct FeeRow {
    /// Positive.
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// One ledger entry as the `transactions` contract shows it, borrowing
/// from the entry.
#[derive(Debug, Serialize)]
pub struct LedgerRow<'a> {
    /// The broker.
    pub broker: &'a str,
    /// The broker's account, when it names one.
    pub account: Option<&'a str>,
    /// The broker's id of the entry.
    pub id: &'a str,
    /// When (RFC 3339, UTC).
    #[serde(serialize_with = "rfc3339")]
    pub timestamp: DateTime<Utc>,
    /// What it is (one of [`CONTRACT_KINDS`]).
    pub kind: &'static str,
    /// Ticker or asset code of the instrument, when there is one.
    pub symbol: Option<&'a str>,
    /// Its ISIN.
    pub isin: Option<&'a Isin>,
    /// Units.
    pub quantity: Option<Decimal>,
    /// Price per unit.
    pub price: Option<Decimal>,
    /// Signed cash effect.
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
    /// Fees of this entry.
    pub fees: Vec<FeeRow>,
    /// The broker's words, or the broker's name for a kind the contract
    /// does not have.
    pub description: Option<&'a str>,
}

impl<'a> LedgerRow<'a> {
    /// The row of `entry` from `broker`.
    pub fn new(broker: &'a str, e: &'a LedgerEntry) -> Self {
        let description = match (&e.kind, &e.description) {
            (_, Some(d)) => Some(d.as_str()),
            (LedgerKind::Other(name), None) => Some(name.as_str()),
            _ => None,
        };
        LedgerRow {
            broker,
            account: e.account.as_deref(),
            id: &e.id,
            timestamp: e.timestamp,
            kind: contract_kind(&e.kind),
            symbol: e
                .instrument
                .as_ref()
                .map(|i| i.symbol.as_deref().unwrap_or(&i.broker_id)),
            isin: e.instrument.as_ref().and_then(|i| i.isin.as_ref()),
            quantity: e.quantity,
            price: e.price.map(|p| p.amount),
            amount: e.amount.amount,
            currency: e.amount.currency,
            fees: e
                .fees
                .iter()
                .map(|f| FeeRow {
                    amount: f.amount,
                    currency: f.currency,
                })
                .collect(),
            description,
        }
    }
}

/// What `stonks transactions` keeps.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
    /// Contract kinds; empty keeps all.
    pub kinds: Vec<String>,
    /// One broker only.
    pub broker: Option<String>,
}

impl Filter {
    /// Whether the filter keeps `e` of `broker`.
    pub fn keeps(&self, broker: &str, e: &LedgerEntry) -> bool {
        self.since.is_none_or(|s| e.timestamp >= s)
            && self.until.is_none_or(|u| e.timestamp < u)
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == contract_kind(&e.kind)))
            && self.broker.as_deref().is_none_or(|b| b == broker)
    }
}

/// Keeps what `filter` keeps, newest first.
pub fn merged(
    mut entries: Vec<(String, LedgerEntry)>,
    filter: &Filter,
) -> Vec<(String, LedgerEntry)> {
    entries.retain(|(b, e)| filter.keeps(b, e));
    entries.sort_by(|a, b| {
        b.1.timestamp
            .cmp(&a.1.timestamp)
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    entries
}

/// What one broker's ledger read gave: its entries and the problems met.
pub type LedgerRead = (Vec<LedgerEntry>, Vec<ReadProblem>);

/// Every entry of `query` from one broker, page by page through core's
/// stream of pages; `on_page` hears the size of each page (for progress).
pub async fn read_broker(
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

fn has_ledger(registry: &Registry, id: &str) -> bool {
    registry
        .entry(id)
        .and_then(|e| e.manifest)
        .is_some_and(|m| m.capabilities.services.iter().any(|s| s.is_ledger()))
}

/// Live: every active broker's ledger for the filter's range, at once, each
/// within its budget.
pub async fn fetch_all(app: &App, filter: &Filter) -> Vec<(String, Result<LedgerRead, String>)> {
    let calls = app
        .active_brokers()
        .into_iter()
        .filter(|(id, _)| filter.broker.as_deref().is_none_or(|b| b == id))
        .filter(|(id, _)| has_ledger(&app.registry, id))
        .map(|(id, budget)| async move {
            let mut q = TransactionQuery::new();
            q.from = filter.since;
            q.until = filter.until;
            let read = read_broker(&app.registry, &id, q, &|_| {});
            let r = budget::within(&app.registry, &id, budget, "reading the ledger", read).await;
            (id, r)
        });
    futures::future::join_all(calls).await
}

/// What a sync did with one broker: exactly what was stored.
#[derive(Debug, Clone, Serialize)]
pub struct SyncOutcome {
    /// The broker.
    pub broker: String,
    /// Ledger entries read (`None`: the ledger was not read).
    pub read: Option<usize>,
    /// Of those, new to the store (`None`: none were stored).
    pub new: Option<usize>,
    /// Rows the broker sent that could not be read, and were left out.
    pub problems: Vec<String>,
    /// Whether the cursor stayed where it was because rows were left out:
    /// the next sync reads the same range again, so a row the broker
    /// corrects is picked up then.
    pub cursor_held: bool,
    /// Whether its portfolio snapshot was stored.
    pub portfolio_stored: bool,
    /// What failed, if anything.
    pub error: Option<String>,
}

impl SyncOutcome {
    /// Whether anything of it failed.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// One line saying exactly what was read and stored.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        match (self.read, self.new) {
            (Some(read), Some(new)) => parts.push(format!("{read} entries read, {new} new")),
            (Some(read), None) => parts.push(format!("{read} entries read, none stored")),
            _ => {}
        }
        if !self.problems.is_empty() {
            let n = self.problems.len();
            let rows = if n == 1 { "row" } else { "rows" };
            let again = if self.cursor_held {
                ", read again next sync"
            } else {
                ""
            };
            parts.push(format!(
                "{n} unreadable {rows} left out{again} (-v lists them)"
            ));
        }
        parts.push(if self.portfolio_stored {
            "portfolio stored".to_owned()
        } else {
            "portfolio not stored".to_owned()
        });
        let mut line = format!("{}: {}", self.broker, parts.join(", "));
        if let Some(e) = &self.error {
            line.push_str(&format!("; FAILED: {e}"));
        }
        line
    }
}

/// What one broker's read for a sync came to, before anything is stored.
struct SyncRead {
    started: DateTime<Utc>,
    ledger: Option<Result<LedgerRead, String>>,
    portfolio: Option<Result<PortfolioSnapshot, String>>,
}

/// `stonks sync`: every active broker at once, each within its budget (its
/// ledger since the cursor minus [`OVERLAP`], and its portfolio); then each
/// broker's entries and cursor are stored in one transaction, and its
/// portfolio snapshot. `on_page(broker, n)` hears each ledger page.
pub async fn sync(
    app: &App,
    store: &mut Store,
    on_page: &(dyn Fn(&str, usize) + Send + Sync),
) -> Vec<SyncOutcome> {
    let brokers = app.active_brokers();
    let mut cursors = Vec::with_capacity(brokers.len());
    for (id, _) in &brokers {
        cursors.push(store.cursor(id).map_err(|e| e.to_string()));
    }
    let reads = brokers
        .iter()
        .zip(cursors)
        .map(|((id, budget), cursor)| sync_read(app, id, *budget, cursor, on_page));
    let reads = futures::future::join_all(reads).await;
    // Every broker's snapshot of this sync is one point in time.
    let run = Utc::now();
    let mut outcomes = Vec::with_capacity(reads.len());
    for ((id, _), read) in brokers.iter().zip(reads) {
        outcomes.push(store_read(store, id, read, run));
    }
    outcomes
}

async fn sync_read(
    app: &App,
    id: &str,
    budget: Duration,
    cursor: std::result::Result<Option<DateTime<Utc>>, String>,
    on_page: &(dyn Fn(&str, usize) + Send + Sync),
) -> SyncRead {
    let started = Utc::now();
    let manifest = app.registry.entry(id).and_then(|e| e.manifest);
    let wants_ledger = has_ledger(&app.registry, id);
    let wants_portfolio = manifest
        .as_ref()
        .is_some_and(|m| m.declares(Service::Portfolio));
    // A plugin that talks to no network reads local data (a file): cheap
    // to read whole, and edited anywhere, so every sync reads all of it.
    let local = manifest.as_ref().is_some_and(|m| m.network.is_none());
    // One deadline for both steps; each is cut on its own, so a ledger
    // read in time is stored even when the portfolio then runs out.
    let deadline = (tokio::time::Instant::now() + budget, budget);
    let ledger = match (wants_ledger, cursor) {
        (false, _) => None,
        (true, Err(e)) => Some(Err(e)),
        (true, Ok(cursor)) => {
            let mut query = TransactionQuery::new().until(started);
            query.from = cursor
                .filter(|_| !local)
                .and_then(|c| c.checked_sub_signed(OVERLAP));
            let progress = |n| on_page(id, n);
            let read = read_broker(&app.registry, id, query, &progress);
            Some(budget::until(&app.registry, id, deadline, "syncing the ledger", read).await)
        }
    };
    let portfolio = if wants_portfolio {
        let snap = async {
            app.registry
                .portfolio_v2(id)?
                .snapshot(&PortfolioQuery::new())
                .await
        };
        Some(budget::until(&app.registry, id, deadline, "reading the portfolio", snap).await)
    } else {
        None
    };
    SyncRead {
        started,
        ledger,
        portfolio,
    }
}

fn store_read(store: &mut Store, id: &str, read: SyncRead, run: DateTime<Utc>) -> SyncOutcome {
    let mut out = SyncOutcome {
        broker: id.to_owned(),
        read: None,
        new: None,
        problems: Vec::new(),
        cursor_held: false,
        portfolio_stored: false,
        error: None,
    };
    let mut errors = Vec::new();
    match read.ledger {
        None => {}
        Some(Err(e)) => errors.push(format!("ledger not read: {e}")),
        Some(Ok((entries, problems))) => {
            out.read = Some(entries.len());
            out.problems = problems.iter().map(ToString::to_string).collect();
            // The cursor only moves over what was stored: with rows left
            // out, what was read is stored and the cursor stays, so the
            // next sync reads the range again (and the corrected row).
            out.cursor_held = !problems.is_empty();
            let until = (!out.cursor_held).then_some(read.started);
            match store.commit_sync(id, &entries, until) {
                Ok(new) => out.new = Some(new),
                Err(e) => errors.push(format!("ledger not stored: {e}")),
            }
        }
    }
    match read.portfolio {
        None => {}
        Some(Err(e)) => errors.push(format!("portfolio not read: {e}")),
        Some(Ok(snap)) => match store.record_portfolio(id, &snap, run) {
            Ok(()) => out.portfolio_stored = true,
            Err(e) => errors.push(format!("portfolio not stored: {e}")),
        },
    }
    if !errors.is_empty() {
        out.error = Some(errors.join("; "));
    }
    out
}

/// The stored ledger of `filter.broker` (or every broker), merged.
pub fn stored(store: &Store, filter: &Filter) -> Result<Vec<(String, LedgerEntry)>> {
    Ok(merged(store.ledger(filter.broker.as_deref())?, filter))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(
        read: Option<usize>,
        new: Option<usize>,
        portfolio: bool,
        error: Option<&str>,
    ) -> SyncOutcome {
        SyncOutcome {
            broker: "bitvavo".to_owned(),
            read,
            new,
            problems: Vec::new(),
            cursor_held: false,
            portfolio_stored: portfolio,
            error: error.map(str::to_owned),
        }
    }

    #[test]
    fn a_summary_says_exactly_what_was_stored() {
        // The ledger committed, then the portfolio failed: the 260 rows are
        // said stored, the failure is said too.
        assert_eq!(
            outcome(
                Some(260),
                Some(260),
                false,
                Some("portfolio: timed out after 5 s")
            )
            .summary(),
            "bitvavo: 260 entries read, 260 new, portfolio not stored; FAILED: portfolio: timed out after 5 s"
        );
        assert_eq!(
            outcome(Some(260), None, false, Some("store: database is busy")).summary(),
            "bitvavo: 260 entries read, none stored, portfolio not stored; FAILED: store: database is busy"
        );
        assert_eq!(
            outcome(None, None, false, Some("ledger not read: bad key")).summary(),
            "bitvavo: portfolio not stored; FAILED: ledger not read: bad key"
        );
        let mut partial = outcome(Some(300), Some(2), true, None);
        partial
            .problems
            .push("row 7: amount is not a number".to_owned());
        assert_eq!(
            partial.summary(),
            "bitvavo: 300 entries read, 2 new, 1 unreadable row left out (-v lists them), portfolio stored"
        );
        assert!(!partial.failed());
        partial.cursor_held = true;
        assert_eq!(
            partial.summary(),
            "bitvavo: 300 entries read, 2 new, 1 unreadable row left out, read again next sync (-v lists them), portfolio stored"
        );
    }
}
