//! Which instruments the store has met, and what a resolver answered about
//! them. Every instrument a sync stores (in a ledger entry or a position)
//! is kept once per broker and broker id, with the query a resolver would
//! be asked about it ([`IdentityQuery`]); answers are kept per query, so
//! one ISIN held at three brokers is asked about once, and never again
//! once the answer is final.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use stonks::Instrument;
use stonks::identity::{IdentityQuery, Resolution};

use super::{Store, err};
use crate::error::Result;

/// The migration: the two tables, and every instrument already in the
/// ledger (its query is worked out on the next sync: `NULL` until then).
pub(super) const MIGRATION: &str = "CREATE TABLE instruments (
        broker TEXT NOT NULL,
        broker_id TEXT NOT NULL,
        instrument TEXT NOT NULL,
        query TEXT,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (broker, broker_id)
    );
    CREATE INDEX instruments_query ON instruments (query);
    CREATE TABLE identity_answers (
        query TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        answer TEXT NOT NULL,
        final INTEGER NOT NULL,
        answered_at TEXT NOT NULL
    );
    INSERT OR IGNORE INTO instruments (broker, broker_id, instrument, query, seen_at)
        SELECT broker, json_extract(entry, '$.instrument.broker_id'),
               json_extract(entry, '$.instrument'), NULL, MAX(timestamp)
        FROM ledger
        WHERE json_extract(entry, '$.instrument.broker_id') IS NOT NULL
        GROUP BY broker, json_extract(entry, '$.instrument.broker_id');";

/// The query text of `i`; empty when there is nothing to ask.
fn query_text(i: &Instrument) -> String {
    IdentityQuery::of(i)
        .map(|q| q.to_string())
        .unwrap_or_default()
}

/// Keeps `broker`'s `instruments` (each once), in the caller's
/// transaction. One that can be asked about replaces what is kept; one
/// that cannot (a ledger row without the listing a position names) keeps
/// the query learned before.
pub(super) fn record<'a>(
    conn: &Connection,
    broker: &str,
    instruments: impl IntoIterator<Item = &'a Instrument>,
    seen_at: DateTime<Utc>,
) -> Result<()> {
    let mut distinct: HashMap<&str, &Instrument> = HashMap::new();
    for i in instruments {
        let better = distinct
            .get(i.broker_id.as_str())
            .is_none_or(|old| IdentityQuery::of(old).is_none());
        if better {
            distinct.insert(&i.broker_id, i);
        }
    }
    if distinct.is_empty() {
        return Ok(());
    }
    let mut upsert = conn
        .prepare_cached(
            "INSERT INTO instruments (broker, broker_id, instrument, query, seen_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (broker, broker_id) DO UPDATE SET
               instrument = CASE WHEN excluded.query != '' OR COALESCE(instruments.query, '') = ''
                            THEN excluded.instrument ELSE instruments.instrument END,
               query = CASE WHEN excluded.query != '' OR instruments.query IS NULL
                       THEN excluded.query ELSE instruments.query END,
               seen_at = excluded.seen_at",
        )
        .map_err(err)?;
    let seen = seen_at.to_rfc3339();
    for (id, i) in distinct {
        let json = serde_json::to_string(i).map_err(err)?;
        upsert
            .execute(params![broker, id, json, query_text(i), seen])
            .map_err(err)?;
    }
    Ok(())
}

/// One instrument the store knows.
#[derive(Debug, Clone)]
pub struct KnownInstrument {
    /// The broker (its config name).
    pub broker: String,
    /// The instrument as the broker last described it.
    pub instrument: Instrument,
    /// What a resolver is asked about it (`isin:...`); `None` when nothing.
    pub query: Option<String>,
    /// When a sync last saw it.
    pub seen_at: String,
}

/// A resolver's answer as kept.
#[derive(Debug, Clone)]
pub struct StoredAnswer {
    /// The resolver plugin that gave it.
    pub source: String,
    /// What it answered.
    pub answer: Resolution,
    /// When.
    pub answered_at: String,
}

impl Store {
    /// Works out the query of instruments kept before queries were (the
    /// migration's rows): run before [`Store::unanswered`].
    pub fn fill_queries(&self) -> Result<()> {
        let rows: Vec<(String, String, String)> = {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT broker, broker_id, instrument FROM instruments WHERE query IS NULL",
                )
                .map_err(err)?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(err)?
                .collect::<rusqlite::Result<_>>()
                .map_err(err)?
        };
        if rows.is_empty() {
            return Ok(());
        }
        self.writable()?;
        let mut update = self
            .conn
            .prepare("UPDATE instruments SET query = ?3 WHERE broker = ?1 AND broker_id = ?2")
            .map_err(err)?;
        for (broker, id, json) in rows {
            // An instrument that no longer reads has nothing to ask.
            let query = serde_json::from_str::<Instrument>(&json)
                .map(|i| query_text(&i))
                .unwrap_or_default();
            update.execute(params![broker, id, query]).map_err(err)?;
        }
        Ok(())
    }

    /// The queries of kept instruments without a final answer, each once,
    /// in a stable order.
    pub fn unanswered(&self) -> Result<Vec<IdentityQuery>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT instrument, query FROM instruments i
                 WHERE query IS NOT NULL AND query != ''
                   AND NOT EXISTS (SELECT 1 FROM identity_answers a WHERE a.query = i.query AND a.final = 1)
                 GROUP BY query ORDER BY query",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (json, text) = row.map_err(err)?;
            if let Some(q) = serde_json::from_str::<Instrument>(&json)
                .ok()
                .and_then(|i| IdentityQuery::of(&i))
                .filter(|q| q.to_string() == text)
            {
                out.push(q);
            }
        }
        Ok(out)
    }

    /// Keeps `source`'s answers. A failure never replaces a final answer:
    /// no key changes because a network call failed.
    pub fn save_answers(
        &self,
        source: &str,
        answers: &[(IdentityQuery, Resolution)],
    ) -> Result<()> {
        self.writable()?;
        let tx = self.conn.unchecked_transaction().map_err(err)?;
        {
            let mut upsert = tx
                .prepare(
                    "INSERT INTO identity_answers (query, source, answer, final, answered_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (query) DO UPDATE SET source = excluded.source, answer = excluded.answer,
                       final = excluded.final, answered_at = excluded.answered_at
                     WHERE excluded.final = 1 OR identity_answers.final = 0",
                )
                .map_err(err)?;
            let now = Utc::now().to_rfc3339();
            for (q, a) in answers {
                let json = serde_json::to_string(a).map_err(err)?;
                upsert
                    .execute(params![q.to_string(), source, json, a.is_final(), now])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(super::busy)
    }

    /// Every kept answer, by query text. One that no longer reads is left
    /// out (its instruments keep the rules' key).
    pub fn answers(&self) -> Result<HashMap<String, StoredAnswer>> {
        let mut stmt = self
            .conn
            .prepare("SELECT query, source, answer, answered_at FROM identity_answers")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(err)?;
        let mut out = HashMap::new();
        for row in rows {
            let (query, source, json, answered_at) = row.map_err(err)?;
            match serde_json::from_str(&json) {
                Ok(answer) => {
                    out.insert(
                        query,
                        StoredAnswer {
                            source,
                            answer,
                            answered_at,
                        },
                    );
                }
                Err(e) => tracing::warn!("store: the answer about {query} cannot be read: {e}"),
            }
        }
        Ok(out)
    }

    /// Every kept instrument, by broker and broker id.
    pub fn instruments(&self) -> Result<Vec<KnownInstrument>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT broker, instrument, query, seen_at FROM instruments ORDER BY broker, broker_id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (broker, json, query, seen_at) = row.map_err(err)?;
            match serde_json::from_str::<Instrument>(&json) {
                Ok(instrument) => out.push(KnownInstrument {
                    broker,
                    instrument,
                    query: query.filter(|q| !q.is_empty()),
                    seen_at,
                }),
                Err(e) => tracing::warn!("store: an instrument of {broker} cannot be read: {e}"),
            }
        }
        Ok(out)
    }
}
