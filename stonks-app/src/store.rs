//! The local store: SQLite, with versioned migrations. Ledger entries are
//! keyed by (broker, account, entry id) and written with upserts, so a
//! repeated sync never duplicates; each broker's sync writes in one
//! transaction and moves its cursor in the same one, so a sync that stops
//! half-way leaves nothing behind and the next one completes it.
//!
//! Financial data: a store the app creates is readable by its owner only
//! (0600, in a 0700 directory when the app creates that too). Migrations and
//! every write take SQLite's write lock up front (`BEGIN IMMEDIATE`), so
//! concurrent runs wait for each other instead of failing half-way.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use stonks::fx::RateTable;
use stonks::v2::{LedgerEntry, LedgerKind, PortfolioSnapshot};

use crate::error::{Error, Result};

mod identities;
mod legacy;
mod prices;

pub use identities::{KnownInstrument, StoredAnswer};
pub use legacy::{LegacyOutcome, Reread, Tidy};
pub use prices::{Coverage, StoredSeries};

/// The account of entries that name none (v1 plugins, and every entry
/// stored before plugins reported accounts).
pub const DEFAULT_ACCOUNT: &str = "default";

/// Each migration, in order; the store's `user_version` says how many ran.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE ledger (
        broker TEXT NOT NULL,
        account TEXT NOT NULL,
        id TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        kind TEXT NOT NULL,
        entry TEXT NOT NULL,
        PRIMARY KEY (broker, account, id)
    );
    CREATE INDEX ledger_time ON ledger (timestamp);
    CREATE TABLE sync_cursor (
        broker TEXT NOT NULL,
        account TEXT NOT NULL,
        synced_until TEXT NOT NULL,
        PRIMARY KEY (broker, account)
    );",
    "CREATE TABLE portfolio (
        broker TEXT PRIMARY KEY,
        fetched_at TEXT NOT NULL,
        snapshot TEXT NOT NULL
    );
    CREATE TABLE fx_rates (
        date TEXT NOT NULL,
        base TEXT NOT NULL,
        rates TEXT NOT NULL,
        PRIMARY KEY (date, base)
    );",
    // One snapshot per broker per sync, for value over time; `portfolio`
    // stays the latest one. Snapshots stored before this start it.
    "CREATE TABLE portfolio_history (
        broker TEXT NOT NULL,
        taken_at TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        PRIMARY KEY (broker, taken_at)
    );
    CREATE INDEX portfolio_history_time ON portfolio_history (taken_at);
    INSERT INTO portfolio_history (broker, taken_at, snapshot)
        SELECT broker, fetched_at, snapshot FROM portfolio;",
    // A broker's latest snapshot is the newest of its history: no copy.
    "DROP TABLE portfolio;",
    // Instruments met and what a resolver answered about them.
    identities::MIGRATION,
    // Daily closes by instrument key.
    prices::MIGRATION,
    // Rows of older versions, until read again.
    legacy::MIGRATION,
];

/// Which stored entries [`Store::ledger_where`] reads; empty fields
/// choose everything.
#[derive(Debug, Clone, Default)]
pub struct Select<'a> {
    /// One broker.
    pub broker: Option<&'a str>,
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
    /// Contract kinds (`buy`, ..., `other`); empty chooses every kind.
    pub kinds: &'a [String],
}

/// An open store.
pub struct Store {
    conn: Connection,
    /// As given to [`Store::open`], for messages.
    path: PathBuf,
}

/// How long a run waits for another one's write to finish.
const BUSY_WAIT: Duration = Duration::from_secs(60);

fn err(e: impl std::fmt::Display) -> Error {
    Error::Store(format!("store: {e}"))
}

/// A write that could not take the lock in time: another run holds it.
fn busy(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            Error::Store(format!(
                "store: another stonks run has been writing it for over {} s; nothing was written, try again when it is done",
                BUSY_WAIT.as_secs()
            ))
        }
        _ => err(e),
    }
}

/// Creates `dir` (and its parents) readable by its owner only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the store file readable and writable by its owner only, if it
/// does not exist yet.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl Store {
    /// Opens (creating if needed, owner-only) and migrates the store at
    /// `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let cannot = |what: &str, e: &dyn std::fmt::Display| {
            Error::Store(format!("store: cannot {what} {}: {e}", path.display()))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            create_private_dir(dir).map_err(|e| {
                Error::Store(format!("store: cannot create {}: {e}", dir.display()))
            })?;
        }
        if path.is_dir() {
            return Err(cannot("use", &"it is a directory"));
        }
        create_private_file(path).map_err(|e| cannot("create", &e))?;
        let mut conn = Connection::open(path).map_err(|e| cannot("open", &e))?;
        conn.busy_timeout(BUSY_WAIT).map_err(err)?;
        // Two runs on a fresh store must not both migrate it: take the
        // write lock first, then look at the version.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => {
                    cannot("use", &"it is not a stonks store (not an SQLite file)")
                }
                _ => busy(e),
            })?;
        let version: usize = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => {
                    cannot("use", &"it is not a stonks store (not an SQLite file)")
                }
                _ => err(e),
            })?;
        if version > MIGRATIONS.len() {
            return Err(Error::Store(format!(
                "store: {} was written by a newer stonks (schema {version}, this one knows {})",
                path.display(),
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(sql).map_err(err)?;
            tx.pragma_update(None, "user_version", i + 1).map_err(err)?;
        }
        tx.commit().map_err(busy)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
    }

    /// Refuses a write up front when SQLite could open the file for reading
    /// only (its mode, a read-only mount): this names the file, SQLite's
    /// own "attempt to write a readonly database" does not.
    fn writable(&self) -> Result<()> {
        if self.conn.is_readonly(rusqlite::MAIN_DB).map_err(err)? {
            return Err(Error::Store(format!(
                "store: cannot write {}: it is read-only",
                self.path.display()
            )));
        }
        Ok(())
    }

    /// Where `broker`'s last complete sync reached.
    pub fn cursor(&self, broker: &str) -> Result<Option<DateTime<Utc>>> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT synced_until FROM sync_cursor WHERE broker = ?1 AND account = ?2",
                params![broker, DEFAULT_ACCOUNT],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        text.map(|t| {
            DateTime::parse_from_rfc3339(&t)
                .map(|d| d.with_timezone(&Utc))
                .map_err(err)
        })
        .transpose()
    }

    /// Stores `entries` and moves the cursor to `until`, all or nothing;
    /// with `until` `None` the entries are stored and the cursor stays where
    /// it was (a read that left rows out: the next sync reads them again).
    /// Returns how many entries were new. Waits for another run's write.
    pub fn commit_sync(
        &mut self,
        broker: &str,
        entries: &[LedgerEntry],
        until: impl Into<Option<DateTime<Utc>>>,
    ) -> Result<usize> {
        self.commit_read(broker, entries, until.into(), Some(Tidy::default()))
            .map(|(new, _)| new)
    }

    /// [`Store::commit_sync`], and in the same transaction the rows of
    /// older versions tidied (see [`LegacyOutcome`]): with `reread`, the
    /// read was complete over that window, so a legacy row in it that the
    /// read did not give is removed; `named` are the accounts the broker
    /// named besides its entries (its portfolio's), for moving legacy rows
    /// out of `default`. With `tidy` `None` (what was read is not the
    /// broker's own answer: a middleware rewrote it) legacy rows are left
    /// as they are.
    pub fn commit_read(
        &mut self,
        broker: &str,
        entries: &[LedgerEntry],
        until: Option<DateTime<Utc>>,
        tidy: Option<Tidy<'_>>,
    ) -> Result<(usize, LegacyOutcome)> {
        self.writable()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(busy)?;
        let mut added = 0;
        {
            let mut exists = tx
                .prepare("SELECT 1 FROM ledger WHERE broker = ?1 AND account = ?2 AND id = ?3")
                .map_err(err)?;
            // An entry stored before its plugin named accounts was filed
            // under `default`: read again with its account, it moves.
            let mut legacy = tx
                .prepare("DELETE FROM ledger WHERE broker = ?1 AND account = ?2 AND id = ?3")
                .map_err(err)?;
            let mut upsert = tx
                .prepare(
                    "INSERT INTO ledger (broker, account, id, timestamp, kind, entry, legacy) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)
                     ON CONFLICT (broker, account, id) DO UPDATE SET timestamp = excluded.timestamp,
                       kind = excluded.kind, entry = excluded.entry, legacy = 0",
                )
                .map_err(err)?;
            for e in entries {
                let json = serde_json::to_string(e).map_err(err)?;
                let account = e.account.as_deref().unwrap_or(DEFAULT_ACCOUNT);
                let moved = account != DEFAULT_ACCOUNT
                    && legacy
                        .execute(params![broker, DEFAULT_ACCOUNT, e.id])
                        .map_err(err)?
                        > 0;
                if !moved && !exists.exists(params![broker, account, e.id]).map_err(err)? {
                    added += 1;
                }
                upsert
                    .execute(params![
                        broker,
                        account,
                        e.id,
                        e.timestamp.to_rfc3339(),
                        e.kind.as_str(),
                        json
                    ])
                    .map_err(err)?;
            }
            let instruments = entries.iter().filter_map(|e| e.instrument.as_ref());
            identities::record(&tx, broker, instruments, Utc::now())?;
        }
        let legacy = match tidy {
            Some(t) => legacy::tidy(&tx, broker, entries, t.reread, t.named)?,
            None => legacy::count(&tx, broker)?,
        };
        if let Some(until) = until {
            tx.execute(
                "INSERT INTO sync_cursor (broker, account, synced_until) VALUES (?1, ?2, ?3)
                 ON CONFLICT (broker, account) DO UPDATE SET synced_until = excluded.synced_until",
                params![broker, DEFAULT_ACCOUNT, until.to_rfc3339()],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(busy)?;
        tracing::debug!(broker, entries = entries.len(), new = added, until = ?until, ?legacy, "store: ledger committed");
        Ok((added, legacy))
    }

    /// The day of the oldest stored entry, of any broker.
    pub fn first_day(&self) -> Result<Option<NaiveDate>> {
        let oldest: Option<String> = self
            .conn
            .query_row("SELECT min(timestamp) FROM ledger", [], |r| r.get(0))
            .map_err(err)?;
        Ok(oldest.and_then(|t| t.get(..10)?.parse().ok()))
    }

    /// Every stored entry of `broker` (or all brokers), with its broker.
    pub fn ledger(&self, broker: Option<&str>) -> Result<Vec<(String, LedgerEntry)>> {
        self.ledger_where(&Select {
            broker,
            ..Select::default()
        })
    }

    /// The stored entries `select` asks for, with their broker, oldest
    /// first. Broker, kind and time are chosen in SQL, so the rows left out
    /// are never read; the time bounds are a second wider than asked (the
    /// stored text's precision varies), the caller's filter is exact.
    pub fn ledger_where(&self, select: &Select<'_>) -> Result<Vec<(String, LedgerEntry)>> {
        let mut sql =
            String::from("SELECT broker, entry FROM ledger WHERE (?1 IS NULL OR broker = ?1)");
        let mut args: Vec<Box<dyn rusqlite::ToSql>> =
            vec![Box::new(select.broker.map(str::to_owned))];
        let wide = chrono::Duration::seconds(1);
        if let Some(since) = select.since.and_then(|t| t.checked_sub_signed(wide)) {
            args.push(Box::new(since.to_rfc3339()));
            sql.push_str(&format!(" AND timestamp >= ?{}", args.len()));
        }
        if let Some(until) = select.until.and_then(|t| t.checked_add_signed(wide)) {
            args.push(Box::new(until.to_rfc3339()));
            sql.push_str(&format!(" AND timestamp < ?{}", args.len()));
        }
        if !select.kinds.is_empty() {
            // The `kind` column holds LedgerKind's name: a named kind is
            // itself, `other` is every name the model does not have.
            let named: Vec<String> = LedgerKind::NAMED
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect();
            let mut any = Vec::new();
            for k in select.kinds {
                if k == crate::ledger::OTHER {
                    let list: Vec<String> = named
                        .iter()
                        .map(|n| {
                            args.push(Box::new(n.clone()));
                            format!("?{}", args.len())
                        })
                        .collect();
                    any.push(format!("kind NOT IN ({})", list.join(", ")));
                } else {
                    args.push(Box::new(k.clone()));
                    any.push(format!("kind = ?{}", args.len()));
                }
            }
            sql.push_str(&format!(" AND ({})", any.join(" OR ")));
        }
        sql.push_str(" ORDER BY timestamp, broker, id");
        let mut stmt = self.conn.prepare(&sql).map_err(err)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (b, json) = row.map_err(err)?;
            let entry: LedgerEntry = serde_json::from_str(&json)
                .map_err(|e| Error::Store(format!("store: an entry of {b} cannot be read: {e}")))?;
            out.push((b, entry));
        }
        Ok(out)
    }

    /// Keeps `broker`'s portfolio as read by the run of `taken_at` (every
    /// broker of one run shares it, so a run is one point of the value
    /// over time); the newest is what `--offline` answers.
    pub fn record_portfolio(
        &self,
        broker: &str,
        snapshot: &PortfolioSnapshot,
        taken_at: DateTime<Utc>,
    ) -> Result<()> {
        self.writable()?;
        let json = serde_json::to_string(snapshot).map_err(err)?;
        let at = taken_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let tx = self.conn.unchecked_transaction().map_err(busy)?;
        tx.execute(
            "INSERT OR REPLACE INTO portfolio_history (broker, taken_at, snapshot) VALUES (?1, ?2, ?3)",
            params![broker, at, json],
        )
        .map_err(err)?;
        let instruments = snapshot.positions.iter().map(|p| &p.instrument);
        identities::record(&tx, broker, instruments, taken_at)?;
        tx.commit().map_err(busy)
    }

    /// When `broker`'s stored portfolio was read.
    pub fn portfolio_read_at(&self, broker: &str) -> Result<Option<DateTime<Utc>>> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT taken_at FROM portfolio_history WHERE broker = ?1 ORDER BY taken_at DESC LIMIT 1",
                params![broker],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        Ok(text.and_then(|t| {
            DateTime::parse_from_rfc3339(&t)
                .ok()
                .map(|d| d.with_timezone(&Utc))
        }))
    }

    /// Every stored snapshot of `brokers`, oldest first, with when it was
    /// taken. One that cannot be read is left out and said in the second
    /// list: the rest of the history stands.
    #[allow(clippy::type_complexity)]
    pub fn portfolio_history(
        &self,
        brokers: &[String],
    ) -> Result<(Vec<(DateTime<Utc>, String, PortfolioSnapshot)>, Vec<String>)> {
        let mut stmt = self
            .conn
            .prepare("SELECT taken_at, broker, snapshot FROM portfolio_history ORDER BY taken_at, broker")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(err)?;
        let (mut out, mut problems) = (Vec::new(), Vec::new());
        for row in rows {
            let (at, broker, json) = row.map_err(err)?;
            if !brokers.contains(&broker) {
                continue;
            }
            let taken = DateTime::parse_from_rfc3339(&at).map(|d| d.with_timezone(&Utc));
            match (taken, serde_json::from_str::<PortfolioSnapshot>(&json)) {
                (Ok(t), Ok(s)) => out.push((t, broker, s)),
                (Err(e), _) => problems.push(format!(
                    "store: a portfolio of {broker} has an unreadable time {at:?}: {e}"
                )),
                (_, Err(e)) => problems.push(format!(
                    "store: the portfolio of {broker} taken at {at} cannot be read: {e}"
                )),
            }
        }
        Ok((out, problems))
    }

    /// `broker`'s stored portfolio.
    pub fn portfolio(&self, broker: &str) -> Result<Option<PortfolioSnapshot>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT snapshot FROM portfolio_history WHERE broker = ?1 ORDER BY taken_at DESC LIMIT 1",
                params![broker],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        json.map(|j| {
            serde_json::from_str(&j).map_err(|e| {
                Error::Store(format!(
                    "store: the portfolio of {broker} cannot be read: {e}"
                ))
            })
        })
        .transpose()
    }

    /// Caches a day's rates.
    pub fn save_rates(&self, table: &RateTable) -> Result<()> {
        self.writable()?;
        let json = serde_json::to_string(&rates_only(table)).map_err(err)?;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO fx_rates (date, base, rates) VALUES (?1, ?2, ?3)",
                params![table.date.to_string(), table.base.as_str(), json],
            )
            .map_err(err)?;
        Ok(())
    }

    /// Caches many days' rates in one transaction (what a read could not
    /// read is about that read, and not kept).
    pub fn save_rate_tables(&self, tables: &[RateTable]) -> Result<()> {
        self.writable()?;
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(busy)?;
        {
            let mut put = tx
                .prepare("INSERT OR REPLACE INTO fx_rates (date, base, rates) VALUES (?1, ?2, ?3)")
                .map_err(err)?;
            for t in tables {
                let json = serde_json::to_string(&rates_only(t)).map_err(err)?;
                put.execute(params![t.date.to_string(), t.base.as_str(), json])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(busy)
    }

    /// Every cached day's rates from `from` to `to`, oldest first. A row
    /// that cannot be read is skipped (the nearest earlier day serves).
    pub fn rate_tables(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<RateTable>> {
        let mut stmt = self
            .conn
            .prepare("SELECT rates FROM fx_rates WHERE date >= ?1 AND date <= ?2 ORDER BY date")
            .map_err(err)?;
        let rows = stmt
            .query_map(params![from.to_string(), to.to_string()], |r| {
                r.get::<_, String>(0)
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            match serde_json::from_str(&row.map_err(err)?) {
                Ok(t) => out.push(t),
                Err(e) => tracing::warn!("store: a cached rate table cannot be read: {e}"),
            }
        }
        Ok(out)
    }

    /// The newest cached rates on or before `day`.
    pub fn rates(&self, day: NaiveDate) -> Result<Option<RateTable>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT rates FROM fx_rates WHERE date <= ?1 ORDER BY date DESC LIMIT 1",
                params![day.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        json.map(|j| serde_json::from_str(&j).map_err(err))
            .transpose()
    }
}

/// `t` without the problems of the read that brought it.
fn rates_only(t: &RateTable) -> RateTable {
    RateTable::new(t.base, t.date, t.rates.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use stonks::v2::LedgerKind;
    use stonks::{Currency, Money};

    fn entry(id: &str, secs: i64) -> LedgerEntry {
        LedgerEntry::new(
            id,
            Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap(),
            LedgerKind::Deposit,
            Money::new("10.10".parse().unwrap(), Currency::new("EUR").unwrap()),
        )
    }

    #[test]
    fn broker_kind_and_time_are_chosen_in_sql() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("s.sqlite")).unwrap();
        let mut airdrop = entry("3", 30);
        airdrop.kind = LedgerKind::Other("airdrop".to_owned());
        let mut fee = entry("4", 40);
        fee.kind = LedgerKind::Fee;
        let until = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        s.commit_sync("a", &[entry("1", 10), entry("2", 20), airdrop, fee], until)
            .unwrap();
        s.commit_sync("b", &[entry("9", 10)], until).unwrap();
        let ids = |select: Select<'_>| -> Vec<String> {
            let rows = s.ledger_where(&select).unwrap();
            rows.iter().map(|(b, e)| format!("{b}/{}", e.id)).collect()
        };
        let at = |secs: i64| Some(Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap());
        assert_eq!(ids(Select::default()), ["a/1", "b/9", "a/2", "a/3", "a/4"]);
        let broker = Select {
            broker: Some("b"),
            ..Select::default()
        };
        assert_eq!(ids(broker), ["b/9"]);
        let other = ["other".to_owned()];
        let select = Select {
            kinds: &other,
            ..Select::default()
        };
        assert_eq!(ids(select), ["a/3"], "`other` is every unnamed kind");
        let two = ["fee".to_owned(), "other".to_owned()];
        let select = Select {
            kinds: &two,
            ..Select::default()
        };
        assert_eq!(ids(select), ["a/3", "a/4"]);
        // A second wider than asked: the caller's filter is the exact one.
        let window = Select {
            since: at(20),
            until: at(30),
            ..Select::default()
        };
        assert_eq!(ids(window), ["a/2", "a/3"]);
        let narrow = Select {
            since: at(25),
            until: at(28),
            ..Select::default()
        };
        assert!(ids(narrow).is_empty());
    }

    #[test]
    fn upserts_never_duplicate_and_cursor_moves_with_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let mut s = Store::open(&path).unwrap();
        let until = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        assert_eq!(
            s.commit_sync("b", &[entry("1", 1), entry("2", 2)], until)
                .unwrap(),
            2
        );
        assert_eq!(
            s.commit_sync("b", &[entry("2", 2), entry("3", 3)], until)
                .unwrap(),
            1
        );
        assert_eq!(s.ledger(None).unwrap().len(), 3);
        assert_eq!(s.cursor("b").unwrap(), Some(until));
        drop(s);
        // Reopening runs no migration twice and keeps everything.
        let s = Store::open(&path).unwrap();
        assert_eq!(s.ledger(Some("b")).unwrap().len(), 3);
        assert_eq!(s.ledger(Some("other")).unwrap().len(), 0);
        assert_eq!(
            s.ledger(None).unwrap()[0].1.amount.amount.to_string(),
            "10.10"
        );
    }

    #[test]
    fn each_run_is_one_point_of_history_and_older_stores_keep_theirs() {
        use stonks::v2::CashBalance;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        // A store of schema 2 with one latest snapshot, as earlier
        // versions wrote it.
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
            let mut old = PortfolioSnapshot::new(Utc.timestamp_opt(1_700_000_000, 0).unwrap());
            old.cash.push(CashBalance::new(Money::new(
                "1.5".parse().unwrap(),
                Currency::EUR,
            )));
            conn.execute(
                "INSERT INTO portfolio (broker, fetched_at, snapshot) VALUES ('a', '2023-11-14T22:13:20Z', ?1)",
                params![serde_json::to_string(&old).unwrap()],
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        let run = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        let snap = PortfolioSnapshot::new(run);
        s.record_portfolio("a", &snap, run).unwrap();
        s.record_portfolio("b", &snap, run).unwrap();
        let brokers = ["a".to_owned(), "b".to_owned()];
        let (history, problems) = s.portfolio_history(&brokers).unwrap();
        assert!(problems.is_empty());
        let rows: Vec<(i64, &str, usize)> = history
            .iter()
            .map(|(t, b, s)| (t.timestamp(), b.as_str(), s.cash.len()))
            .collect();
        assert_eq!(
            rows,
            [
                (1_700_000_000, "a", 1),
                (1_800_000_000, "a", 0),
                (1_800_000_000, "b", 0)
            ]
        );
        assert_eq!(s.portfolio_read_at("b").unwrap(), Some(run));
        assert_eq!(
            s.portfolio("a").unwrap().unwrap().cash.len(),
            0,
            "the latest"
        );
        // Another broker's history is not asked for.
        assert_eq!(s.portfolio_history(&brokers[1..]).unwrap().0.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_store_is_for_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fresh").join("s.sqlite");
        Store::open(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }

    #[test]
    fn an_unusable_store_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let err = Store::open(dir.path()).err().unwrap().to_string();
        assert!(err.contains("it is a directory"), "{err}");
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(&junk, vec![0x5a_u8; 4096]).unwrap();
        let err = Store::open(&junk).err().unwrap().to_string();
        assert!(err.contains("not a stonks store"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_store_refuses_a_write_and_names_its_path() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let until = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        Store::open(&path)
            .unwrap()
            .commit_sync("b", &[entry("1", 1)], until)
            .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        // Root (as CI may run) writes through any mode: nothing to test then.
        if std::fs::OpenOptions::new().write(true).open(&path).is_ok() {
            return;
        }
        let mut s = Store::open(&path).unwrap();
        let err = s.commit_sync("b", &[entry("2", 2)], until).err().unwrap();
        let Error::Store(message) = &err else {
            panic!("not a store error: {err:?}");
        };
        assert_eq!(
            message,
            &format!("store: cannot write {}: it is read-only", path.display())
        );
        // Nothing was written, and what was stored can still be read.
        assert_eq!(s.ledger(None).unwrap().len(), 1);
    }

    #[test]
    fn concurrent_opens_of_a_fresh_store_all_migrate_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    Store::open(&path).map(|_| ()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert!(s.ledger(None).unwrap().is_empty());
    }

    #[test]
    fn entries_read_again_with_their_account_move_out_of_default() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("s.sqlite")).unwrap();
        let until = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        // Stored before the plugin named accounts.
        s.commit_sync("degiro", &[entry("1", 1), entry("2", 2)], until)
            .unwrap();
        let with_account = |id: &str, secs| {
            let mut e = entry(id, secs);
            e.account = Some("1234567".into());
            e
        };
        let added = s
            .commit_sync(
                "degiro",
                &[with_account("2", 2), with_account("3", 3)],
                until,
            )
            .unwrap();
        assert_eq!(added, 1, "entry 2 moved, entry 3 is new");
        let rows: Vec<(String, Option<String>)> = s
            .ledger(None)
            .unwrap()
            .into_iter()
            .map(|(_, e)| (e.id, e.account))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("1".into(), None),
                ("2".into(), Some("1234567".into())),
                ("3".into(), Some("1234567".into())),
            ],
            "kept, never twice"
        );
    }
}
