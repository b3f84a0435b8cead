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
use crate::store::{LegacyOutcome, Reread, Store, Tidy};

/// How far back each incremental sync reads again, for late-booked entries.
pub const OVERLAP: chrono::Duration = chrono::Duration::days(7);

/// How far a cursor held for unreadable rows may trail the sync: a row the
/// broker corrects within this is read; one that stays unreadable longer
/// is given up on, so the range read again never grows without bound.
pub const MAX_HOLD: chrono::Duration = chrono::Duration::days(30);

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
    /// When the cursor was held longer than [`MAX_HOLD`]: it moved to this
    /// moment, and rows before it that are still unreadable are no longer
    /// read again.
    pub given_up_before: Option<DateTime<Utc>>,
    /// What was done with rows stored by older versions (see
    /// [`crate::store::LegacyOutcome`]).
    pub legacy: LegacyOutcome,
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
            let again = match (self.cursor_held, self.given_up_before) {
                (_, Some(t)) => format!(
                    ", read again next sync (those before {} no longer: unreadable for {} days)",
                    t.date_naive(),
                    MAX_HOLD.num_days()
                ),
                (true, None) => ", read again next sync".to_owned(),
                (false, None) => String::new(),
            };
            parts.push(format!(
                "{n} unreadable {rows} left out{again} (-v lists them)"
            ));
        }
        let l = self.legacy;
        if l.retired > 0 {
            parts.push(format!(
                "{} {} of an older version no longer given by the broker removed",
                l.retired,
                if l.retired == 1 { "row" } else { "rows" }
            ));
        }
        if l.adopted > 0 {
            parts.push(format!(
                "{} {} of an older version moved to the broker's account",
                l.adopted,
                if l.adopted == 1 { "row" } else { "rows" }
            ));
        }
        if l.left > 0 {
            parts.push(format!(
                "{} {} of an older version kept until read again (stonks sync --full)",
                l.left,
                if l.left == 1 { "row" } else { "rows" }
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
    /// The cursor the ledger was read from.
    cursor: Option<DateTime<Utc>>,
    /// Where the ledger query started (`None`: the whole history).
    read_from: Option<DateTime<Utc>>,
    /// Whether a middleware rewrote what was read: then it is not the
    /// broker's own answer, and stored rows are neither retired nor moved
    /// on it (a hidden account would look gone).
    rewritten: bool,
    ledger: Option<Result<LedgerRead, String>>,
    portfolio: Option<Result<PortfolioSnapshot, String>>,
}

/// How a sync reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncOptions {
    /// Read every broker's whole history again, whatever its cursor (rows
    /// stored by older versions are then checked against it).
    pub full: bool,
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
    run_with(app, store, SyncOptions::default(), on_page).await
}

/// [`run`], as `options` say.
pub async fn run_with(
    app: &App,
    store: &mut Store,
    options: SyncOptions,
    on_page: &(dyn Fn(&str, usize) + Send + Sync),
) -> Vec<SyncOutcome> {
    let brokers = app.active_brokers();
    let mut cursors = Vec::with_capacity(brokers.len());
    for (id, _) in &brokers {
        let cursor = store.cursor(id).map_err(|e| e.to_string());
        cursors.push(cursor.map(|c| c.filter(|_| !options.full)));
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
    let from = cursor.as_ref().ok().copied().flatten();
    let mut read_from = None;
    let ledger = match (wants_ledger, cursor) {
        (false, _) => None,
        (true, Err(e)) => Some(Err(e)),
        (true, Ok(cursor)) => {
            let mut query = TransactionQuery::new().until(started);
            query.from = cursor
                .filter(|_| !local)
                .and_then(|c| c.checked_sub_signed(OVERLAP));
            read_from = query.from;
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
    let rewritten = !app
        .registry
        .active_middlewares(stonks::Service::Transactions)
        .is_empty()
        || !app
            .registry
            .active_middlewares(stonks::Service::Portfolio)
            .is_empty();
    SyncRead {
        started,
        cursor: from,
        read_from,
        rewritten,
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
        given_up_before: None,
        legacy: LegacyOutcome::default(),
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
            // next sync reads the range again (and the corrected row), for
            // at most MAX_HOLD. A first sync's cursor (none) stays none: the
            // next one reads the whole history again, as the first did.
            out.cursor_held = !problems.is_empty();
            let oldest = read.started - MAX_HOLD;
            let until = match read.cursor {
                _ if !out.cursor_held => Some(read.started),
                Some(c) if c < oldest => {
                    out.given_up_before = Some(oldest);
                    Some(oldest)
                }
                _ => None,
            };
            // A read with nothing left out shows which stored rows of
            // older versions the broker no longer gives.
            let reread = (!out.cursor_held).then_some(Reread {
                from: read.read_from,
                until: read.started,
            });
            // The accounts its portfolio names, for rows stored before the
            // plugin named any.
            let mut named: Vec<String> = Vec::new();
            if let Some(Ok(snap)) = &read.portfolio {
                let positions = snap.positions.iter().filter_map(|p| p.account.clone());
                named.extend(positions.chain(snap.cash.iter().filter_map(|c| c.account.clone())));
            }
            let tidy = (!read.rewritten).then_some(Tidy {
                reread,
                named: &named,
            });
            match store.commit_read(id, &entries, until, tidy) {
                Ok((new, legacy)) => {
                    out.new = Some(new);
                    out.legacy = legacy;
                }
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
            given_up_before: None,
            legacy: LegacyOutcome::default(),
            portfolio_stored: portfolio,
            error: error.map(str::to_owned),
        }
    }

    #[test]
    fn a_cursor_held_for_unreadable_rows_trails_at_most_max_hold() {
        use stonks::v2::{LedgerEntry, LedgerKind};
        use stonks::{Currency, Money, ReadProblem};
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.sqlite")).unwrap();
        let started: DateTime<Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        let read = |cursor: Option<DateTime<Utc>>| SyncRead {
            started,
            cursor,
            read_from: cursor,
            rewritten: false,
            ledger: Some(Ok((
                vec![LedgerEntry::new(
                    "1",
                    started - chrono::Duration::days(1),
                    LedgerKind::Deposit,
                    Money::new(rust_decimal::Decimal::ONE, Currency::EUR),
                )],
                vec![ReadProblem::new("GET /history", "amount: not a number")],
            ))),
            portfolio: None,
        };
        // Held ten days: it stays, the next sync reads those days again.
        let ten = started - chrono::Duration::days(10);
        store.commit_sync("b", &[], ten).unwrap();
        let out = store_read(&mut store, "b", read(Some(ten)), started);
        assert_eq!(store.cursor("b").unwrap(), Some(ten));
        assert!(out.cursor_held && out.given_up_before.is_none());
        assert_eq!(out.new, Some(1), "what was read is stored");
        // Held forty days: it moves to thirty days back, and says so.
        let forty = started - chrono::Duration::days(40);
        store.commit_sync("b", &[], forty).unwrap();
        let out = store_read(&mut store, "b", read(Some(forty)), started);
        let thirty = started - MAX_HOLD;
        assert_eq!(store.cursor("b").unwrap(), Some(thirty));
        assert_eq!(out.given_up_before, Some(thirty));
        assert!(
            out.summary().contains(
                "1 unreadable row left out, read again next sync (those before 2026-11-01 no longer: unreadable for 30 days)"
            ),
            "{}",
            out.summary()
        );
        // A first sync's cursor stays none: the whole history is read again.
        let out = store_read(&mut store, "c", read(None), started);
        assert_eq!(store.cursor("c").unwrap(), None);
        assert!(out.cursor_held && out.given_up_before.is_none());
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
