//! `stonks sync`: each broker's ledger since its cursor (less an overlap
//! for late bookings) and its portfolio, read under one budget per broker,
//! then stored: the entries and the cursor in one transaction, the cursor
//! only over what was stored.

use chrono::{DateTime, Utc};
use serde::Serialize;
use stonks::Service;
use stonks::v2::{PortfolioQuery, PortfolioSnapshot, TransactionQuery};

use super::Budget;
use super::live::{LedgerRead, has_ledger, read_ledger};
use crate::app::App;
use crate::store::Store;

/// How far back each incremental sync reads again, for late-booked entries.
pub const OVERLAP: chrono::Duration = chrono::Duration::days(7);

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
pub async fn run(
    app: &App,
    store: &mut Store,
    on_page: &(dyn Fn(&str, usize) + Send + Sync),
) -> Vec<SyncOutcome> {
    let brokers = app.active_brokers();
    let mut cursors = Vec::with_capacity(brokers.len());
    for (id, _) in &brokers {
        cursors.push(store.cursor(id).map_err(|e| e.to_string()));
    }
    let reads = brokers.iter().zip(cursors).map(|((id, total), cursor)| {
        sync_read(app, id, Budget::start(id, *total), cursor, on_page)
    });
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
    budget: Budget,
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
    // One budget for both steps; each is cut on its own, so a ledger read
    // in time is stored even when the portfolio then runs out.
    let ledger = match (wants_ledger, cursor) {
        (false, _) => None,
        (true, Err(e)) => Some(Err(e)),
        (true, Ok(cursor)) => {
            let mut query = TransactionQuery::new().until(started);
            query.from = cursor
                .filter(|_| !local)
                .and_then(|c| c.checked_sub_signed(OVERLAP));
            let progress = |n| on_page(id, n);
            let read = read_ledger(&app.registry, id, query, &progress);
            Some(budget.run(&app.registry, "syncing the ledger", read).await)
        }
    };
    let portfolio = if wants_portfolio {
        let snap = async {
            app.registry
                .portfolio_v2(id)?
                .snapshot(&PortfolioQuery::new())
                .await
        };
        Some(
            budget
                .run(&app.registry, "reading the portfolio", snap)
                .await,
        )
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
