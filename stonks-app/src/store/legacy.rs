//! Rows written by older versions of a plugin, and how they are brought in
//! line without losing anything.
//!
//! Every row stored before this migration is marked `legacy`: it may have a
//! shape the current reader no longer produces (DEGIRO's fee and cash-leg
//! rows, `cash-N`, stored beside the trades they were since folded into,
//! count the fees twice), or sit under the `default` account because its
//! plugin did not name accounts yet. A row the current reader writes again
//! is no longer legacy. Then:
//!
//! - **Retired once re-read.** After a complete read of a window (no row
//!   left out), a legacy row in that window that the read did not produce is
//!   one the current reader would not produce, and is removed. The window is
//!   what the read surely covered: from the query's start, or, for a read of
//!   the whole history, from the oldest entry it returned (a plugin may read
//!   less than everything: DEGIRO from `history_since`).
//! - **Adopted without a re-read.** Legacy rows under `default` move to the
//!   broker's account when exactly one is known for that broker (in its
//!   stored rows, or named by this read's portfolio); they stay legacy until
//!   read again, so a stale one is still retired then.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};
use stonks::v2::LedgerEntry;

use super::{DEFAULT_ACCOUNT, err};
use crate::error::Result;

/// The migration: a `legacy` flag on each ledger row, set on every row
/// already stored.
pub(super) const MIGRATION: &str =
    "ALTER TABLE ledger ADD COLUMN legacy INTEGER NOT NULL DEFAULT 0;
    UPDATE ledger SET legacy = 1;";

/// What a complete read covered: every entry of the broker from `from`
/// (`None`: as far back as the plugin reads) until `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reread {
    /// Where the read started; `None` for the whole history.
    pub from: Option<DateTime<Utc>>,
    /// Where it ended (exclusive).
    pub until: DateTime<Utc>,
}

/// How a commit may tidy the rows of older versions.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tidy<'a> {
    /// The window a complete read covered, if it was complete.
    pub reread: Option<Reread>,
    /// The accounts the broker named besides its entries.
    pub named: &'a [String],
}

/// What one commit did with the rows of older versions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LegacyOutcome {
    /// Legacy rows removed: in the window re-read, and not produced.
    pub retired: usize,
    /// Legacy rows moved from `default` to the broker's one account.
    pub adopted: usize,
    /// Legacy rows still stored, not read again yet.
    pub left: usize,
}

/// Retires, then adopts, `broker`'s legacy rows (see the module docs).
pub(super) fn tidy(
    tx: &Transaction<'_>,
    broker: &str,
    read: &[LedgerEntry],
    reread: Option<Reread>,
    named: &[String],
) -> Result<LegacyOutcome> {
    let mut out = LegacyOutcome::default();
    if let Some(window) = reread {
        out.retired = retire(tx, broker, read, window)?;
    }
    out.adopted = adopt(tx, broker, named)?;
    out.left = count(tx, broker)?.left;
    Ok(out)
}

/// Nothing tidied: how many legacy rows `broker` has.
pub(super) fn count(tx: &Transaction<'_>, broker: &str) -> Result<LegacyOutcome> {
    let left = tx
        .query_row(
            "SELECT count(*) FROM ledger WHERE broker = ?1 AND legacy = 1",
            params![broker],
            |r| r.get(0),
        )
        .map_err(err)?;
    Ok(LegacyOutcome {
        left,
        ..LegacyOutcome::default()
    })
}

fn retire(
    tx: &Transaction<'_>,
    broker: &str,
    read: &[LedgerEntry],
    window: Reread,
) -> Result<usize> {
    let from = match window.from {
        Some(f) => f,
        // A read of the whole history covered surely only from its oldest
        // entry on; with nothing read, nothing is known to be stale.
        None => match read.iter().map(|e| e.timestamp).min() {
            Some(oldest) => oldest,
            None => return Ok(0),
        },
    };
    let mut legacy = tx
        .prepare("SELECT account, id, timestamp FROM ledger WHERE broker = ?1 AND legacy = 1")
        .map_err(err)?;
    let rows = legacy
        .query_map(params![broker], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(err)?;
    let mut stale = Vec::new();
    for row in rows {
        let (account, id, at) = row.map_err(err)?;
        // A timestamp that cannot be read is kept: nothing is removed on a guess.
        let Ok(at) = DateTime::parse_from_rfc3339(&at) else {
            continue;
        };
        let at = at.to_utc();
        if at >= from && at < window.until {
            stale.push((account, id));
        }
    }
    let mut delete = tx
        .prepare("DELETE FROM ledger WHERE broker = ?1 AND account = ?2 AND id = ?3")
        .map_err(err)?;
    for (account, id) in &stale {
        delete.execute(params![broker, account, id]).map_err(err)?;
    }
    if !stale.is_empty() {
        tracing::info!(
            broker,
            retired = stale.len(),
            "store: rows of an older version that a complete read no longer gives were removed"
        );
    }
    Ok(stale.len())
}

fn adopt(tx: &Transaction<'_>, broker: &str, named: &[String]) -> Result<usize> {
    let mut stored = tx
        .prepare("SELECT DISTINCT account FROM ledger WHERE broker = ?1 AND account != ?2 LIMIT 2")
        .map_err(err)?;
    let mut accounts: Vec<String> = stored
        .query_map(params![broker, DEFAULT_ACCOUNT], |r| r.get(0))
        .map_err(err)?
        .collect::<std::result::Result<_, _>>()
        .map_err(err)?;
    accounts.extend(named.iter().filter(|a| *a != DEFAULT_ACCOUNT).cloned());
    accounts.sort();
    accounts.dedup();
    let [account] = accounts.as_slice() else {
        return Ok(0);
    };
    let mut rows = tx
        .prepare("SELECT id, entry FROM ledger WHERE broker = ?1 AND account = ?2 AND legacy = 1")
        .map_err(err)?;
    let rows: Vec<(String, String)> = rows
        .query_map(params![broker, DEFAULT_ACCOUNT], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(err)?
        .collect::<std::result::Result<_, _>>()
        .map_err(err)?;
    let mut taken = tx
        .prepare("SELECT 1 FROM ledger WHERE broker = ?1 AND account = ?2 AND id = ?3")
        .map_err(err)?;
    let mut delete = tx
        .prepare("DELETE FROM ledger WHERE broker = ?1 AND account = ?2 AND id = ?3")
        .map_err(err)?;
    let mut mv = tx
        .prepare("UPDATE ledger SET account = ?3, entry = ?4 WHERE broker = ?1 AND account = ?5 AND id = ?2")
        .map_err(err)?;
    let mut adopted = 0;
    for (id, json) in rows {
        // A row that cannot be read stays where it is, as it is.
        let Ok(mut entry) = serde_json::from_str::<LedgerEntry>(&json) else {
            continue;
        };
        if taken.exists(params![broker, account, id]).map_err(err)? {
            // The account holds the current reader's row: the old copy goes.
            delete
                .execute(params![broker, DEFAULT_ACCOUNT, id])
                .map_err(err)?;
            continue;
        }
        entry.account = Some(account.clone());
        let json = serde_json::to_string(&entry).map_err(err)?;
        mv.execute(params![broker, id, account, json, DEFAULT_ACCOUNT])
            .map_err(err)?;
        adopted += 1;
    }
    Ok(adopted)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use stonks::v2::LedgerKind;
    use stonks::{Currency, Money};

    use super::super::{MIGRATIONS, Store};
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, day, 12, 0, 0).unwrap()
    }

    fn entry(id: &str, day: u32, account: Option<&str>) -> LedgerEntry {
        let mut e = LedgerEntry::new(
            id,
            at(day),
            LedgerKind::Fee,
            Money::new(Decimal::NEGATIVE_ONE, Currency::EUR),
        );
        e.account = account.map(str::to_owned);
        e
    }

    use rust_decimal::Decimal;

    /// A store at the schema before this migration, holding `rows`
    /// under `default`.
    fn old_store(path: &std::path::Path, rows: &[LedgerEntry]) {
        let conn = rusqlite::Connection::open(path).unwrap();
        let before = MIGRATIONS.iter().position(|m| *m == MIGRATION).unwrap();
        for m in &MIGRATIONS[..before] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", before).unwrap();
        for e in rows {
            conn.execute(
                "INSERT INTO ledger (broker, account, id, timestamp, kind, entry) VALUES ('degiro', 'default', ?1, ?2, 'fee', ?3)",
                params![e.id, e.timestamp.to_rfc3339(), serde_json::to_string(e).unwrap()],
            )
            .unwrap();
        }
    }

    fn stored(s: &Store) -> Vec<(String, Option<String>)> {
        let mut v: Vec<_> = s
            .ledger(None)
            .unwrap()
            .into_iter()
            .map(|(_, e)| (e.id, e.account))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn only_what_a_complete_read_surely_covered_is_retired() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        // cash-1 predates everything read again; cash-5 and trade-6 are in
        // the window; cash-9 is after it.
        let old = [
            entry("cash-1", 1, None),
            entry("cash-5", 5, None),
            entry("trade-6", 6, None),
            entry("cash-9", 9, None),
        ];
        old_store(&path, &old);
        let mut s = Store::open(&path).unwrap();
        // A read of the whole history that starts on the 3rd (the plugin's
        // own start) and ends on the 8th, giving trade-6 with its account.
        let read = [
            entry("first-3", 3, Some("A")),
            entry("trade-6", 6, Some("A")),
        ];
        let window = Reread {
            from: None,
            until: at(8),
        };
        let (new, legacy) = s
            .commit_read(
                "degiro",
                &read,
                Some(at(8)),
                Some(Tidy {
                    reread: Some(window),
                    named: &[],
                }),
            )
            .unwrap();
        assert_eq!(new, 1, "trade-6 moved, first-3 is new");
        assert_eq!(
            legacy,
            LegacyOutcome {
                retired: 1,
                adopted: 2,
                left: 2
            }
        );
        assert_eq!(
            stored(&s),
            vec![
                ("cash-1".into(), Some("A".into())),
                ("cash-9".into(), Some("A".into())),
                ("first-3".into(), Some("A".into())),
                ("trade-6".into(), Some("A".into())),
            ],
            "cash-5 retired; what the read did not surely cover is kept, in the account"
        );
        // A read with rows left out (no window) retires nothing; the same
        // window read again later retires what is still legacy in it.
        let (_, legacy) = s
            .commit_read("degiro", &read, None, Some(Tidy::default()))
            .unwrap();
        assert_eq!(legacy.retired, 0);
        let all = Reread {
            from: Some(at(1)),
            until: at(10),
        };
        let (_, legacy) = s
            .commit_read(
                "degiro",
                &read,
                Some(at(10)),
                Some(Tidy {
                    reread: Some(all),
                    named: &[],
                }),
            )
            .unwrap();
        assert_eq!((legacy.retired, legacy.left), (2, 0));
        assert_eq!(stored(&s).len(), 2);
    }

    #[test]
    fn rows_stay_in_default_when_the_account_is_not_known_to_be_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        old_store(&path, &[entry("cash-1", 1, None)]);
        let mut s = Store::open(&path).unwrap();
        let named = ["A".to_owned(), "B".to_owned()];
        let (_, legacy) = s
            .commit_read(
                "degiro",
                &[],
                None,
                Some(Tidy {
                    reread: None,
                    named: &named,
                }),
            )
            .unwrap();
        assert_eq!(
            (legacy.adopted, legacy.left),
            (0, 1),
            "two accounts: which one?"
        );
        let (_, legacy) = s
            .commit_read(
                "degiro",
                &[],
                None,
                Some(Tidy {
                    reread: None,
                    named: &named[..1],
                }),
            )
            .unwrap();
        assert_eq!(legacy.adopted, 1, "the portfolio names one");
        assert_eq!(stored(&s), vec![("cash-1".into(), Some("A".into()))]);
    }
}
