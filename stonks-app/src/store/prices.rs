//! Daily closes per instrument key, and which days of each were asked.
//!
//! Ten years of closes for a few hundred instruments is half a million
//! days: read a row per day, SQLite's stepping alone would take longer than
//! a valuation may. So a row holds one instrument's year (`closes` is
//! `MMDD close` lines, oldest first) and reading everything is a few
//! thousand rows. A sync writes only the years it touched.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;
use stonks::Currency;
use stonks::prices::{Close, PriceSeries, SplitEvent};

use super::{Store, busy, err};
use crate::error::Result;

/// The migration: closes by instrument and year, what was asked of which
/// source, and the splits sources reported.
pub(super) const MIGRATION: &str = "CREATE TABLE price_years (
        key TEXT NOT NULL,
        year INTEGER NOT NULL,
        currency TEXT NOT NULL,
        closes TEXT NOT NULL,
        PRIMARY KEY (key, year)
    );
    CREATE TABLE price_coverage (
        key TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        symbol TEXT NOT NULL,
        currency TEXT NOT NULL,
        first_day TEXT NOT NULL,
        last_day TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE price_splits (
        key TEXT NOT NULL,
        day TEXT NOT NULL,
        new TEXT NOT NULL,
        old TEXT NOT NULL,
        PRIMARY KEY (key, day)
    );";

/// What was asked about one instrument key, and of which source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The instrument key.
    pub key: String,
    /// The source that answers for it.
    pub source: String,
    /// The source's name for it.
    pub symbol: String,
    /// The currency of its closes.
    pub currency: Currency,
    /// The first and last day asked (closes may be fewer: weekends).
    pub first_day: NaiveDate,
    /// The last day asked.
    pub last_day: NaiveDate,
}

/// One instrument's closes, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredSeries {
    /// Their currency (`None` only when empty).
    pub currency: Option<Currency>,
    /// Days, oldest first.
    pub dates: Vec<NaiveDate>,
    /// The close of each day.
    pub closes: Vec<Decimal>,
}

/// One year of closes as text: `MMDD close` lines.
fn encode(closes: &BTreeMap<NaiveDate, Decimal>) -> String {
    let mut out = String::with_capacity(closes.len() * 16);
    for (d, c) in closes {
        use std::fmt::Write;
        let _ = writeln!(out, "{:02}{:02} {c}", d.month(), d.day());
    }
    out
}

/// The closes of `year` from [`encode`]'s text; a line that does not read
/// is skipped (the store wrote it: it cannot happen short of tampering).
fn decode(year: i32, text: &str, mut each: impl FnMut(NaiveDate, Decimal)) {
    for line in text.lines() {
        let Some((md, close)) = line.split_once(' ') else {
            continue;
        };
        let (Ok(m), Ok(d)) = (
            md.get(..2).unwrap_or_default().parse::<u32>(),
            md.get(2..).unwrap_or_default().parse::<u32>(),
        ) else {
            continue;
        };
        if let (Some(date), Ok(close)) = (NaiveDate::from_ymd_opt(year, m, d), close.parse()) {
            each(date, close);
        }
    }
}

fn day(text: &str) -> Result<NaiveDate> {
    text.parse().map_err(err)
}

impl Store {
    /// Keeps `series` as `key`'s closes from `source` for the days `from`
    /// to `to` (asked, whether or not each day has a close), merged with
    /// what is stored: a day answered again takes the new close. A series
    /// in another currency than the stored one is refused (never mixed).
    pub fn save_prices(
        &self,
        key: &str,
        source: &str,
        series: &PriceSeries,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<()> {
        self.writable()?;
        let tx = self.conn.unchecked_transaction().map_err(busy)?;
        let stored: Option<(String, String, String)> = tx
            .query_row(
                "SELECT currency, first_day, last_day FROM price_coverage WHERE key = ?1",
                params![key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(err)?;
        let (mut first, mut last) = (from, to);
        if let Some((currency, f, l)) = &stored {
            if currency != series.currency.as_str() {
                return Err(crate::error::Error::Store(format!(
                    "prices of {key}: {source} answers in {}, the stored closes are in {currency}: not mixed",
                    series.currency
                )));
            }
            first = first.min(day(f)?);
            last = last.max(day(l)?);
        }
        let mut by_year: BTreeMap<i32, Vec<&Close>> = BTreeMap::new();
        for c in series
            .closes
            .iter()
            .filter(|c| c.date >= from && c.date <= to)
        {
            by_year.entry(c.date.year()).or_default().push(c);
        }
        {
            let mut read = tx
                .prepare_cached("SELECT closes FROM price_years WHERE key = ?1 AND year = ?2")
                .map_err(err)?;
            let mut write = tx
                .prepare_cached(
                    "INSERT INTO price_years (key, year, currency, closes) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key, year) DO UPDATE SET currency = excluded.currency, closes = excluded.closes",
                )
                .map_err(err)?;
            for (year, closes) in by_year {
                let old: Option<String> = read
                    .query_row(params![key, year], |r| r.get(0))
                    .optional()
                    .map_err(err)?;
                let mut merged = BTreeMap::new();
                if let Some(text) = old {
                    decode(year, &text, |d, c| {
                        merged.insert(d, c);
                    });
                }
                for c in closes {
                    merged.insert(c.date, c.close);
                }
                write
                    .execute(params![
                        key,
                        year,
                        series.currency.as_str(),
                        encode(&merged)
                    ])
                    .map_err(err)?;
            }
        }
        for s in &series.splits {
            tx.execute(
                "INSERT OR REPLACE INTO price_splits (key, day, new, old) VALUES (?1, ?2, ?3, ?4)",
                params![
                    key,
                    s.date.to_string(),
                    s.ratio.new.to_string(),
                    s.ratio.old.to_string()
                ],
            )
            .map_err(err)?;
        }
        tx.execute(
            "INSERT INTO price_coverage (key, source, symbol, currency, first_day, last_day, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (key) DO UPDATE SET source = excluded.source, symbol = excluded.symbol,
               currency = excluded.currency, first_day = excluded.first_day,
               last_day = excluded.last_day, updated_at = excluded.updated_at",
            params![
                key,
                source,
                series.symbol,
                series.currency.as_str(),
                first.to_string(),
                last.to_string(),
                Utc::now().to_rfc3339()
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(busy)
    }

    /// Moves `old`'s closes, coverage and splits to `new` (an instrument
    /// whose key changed), all or nothing; `new` must have none yet.
    pub fn rekey_prices(&self, old: &str, new: &str) -> Result<()> {
        self.writable()?;
        let tx = self.conn.unchecked_transaction().map_err(busy)?;
        for table in ["price_years", "price_coverage", "price_splits"] {
            tx.execute(
                &format!("UPDATE {table} SET key = ?2 WHERE key = ?1"),
                params![old, new],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(busy)
    }

    /// What was asked about each instrument key.
    pub fn price_coverage(&self) -> Result<HashMap<String, Coverage>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT key, source, symbol, currency, first_day, last_day FROM price_coverage",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(err)?;
        let mut out = HashMap::new();
        for row in rows {
            let (key, source, symbol, currency, first, last) = row.map_err(err)?;
            let currency = Currency::new(&currency).map_err(err)?;
            out.insert(
                key.clone(),
                Coverage {
                    key,
                    source,
                    symbol,
                    currency,
                    first_day: day(&first)?,
                    last_day: day(&last)?,
                },
            );
        }
        Ok(out)
    }

    /// Every stored close, by instrument key, oldest first: what a
    /// valuation reads.
    pub fn price_book(&self) -> Result<HashMap<String, StoredSeries>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, year, currency, closes FROM price_years ORDER BY key, year")
            .map_err(err)?;
        let mut rows = stmt.query([]).map_err(err)?;
        let mut out: HashMap<String, StoredSeries> = HashMap::new();
        while let Some(row) = rows.next().map_err(err)? {
            let key = row.get_ref(0).map_err(err)?.as_str().map_err(err)?;
            let year: i32 = row.get(1).map_err(err)?;
            let currency = row.get_ref(2).map_err(err)?.as_str().map_err(err)?;
            let text = row.get_ref(3).map_err(err)?.as_str().map_err(err)?;
            let series = match out.get_mut(key) {
                Some(s) => s,
                None => out.entry(key.to_owned()).or_default(),
            };
            series.currency = Currency::new(currency).ok();
            decode(year, text, |d, c| {
                series.dates.push(d);
                series.closes.push(c);
            });
        }
        Ok(out)
    }

    /// The splits sources reported for `key`, oldest first.
    pub fn price_splits(&self, key: &str) -> Result<Vec<SplitEvent>> {
        let mut stmt = self
            .conn
            .prepare("SELECT day, new, old FROM price_splits WHERE key = ?1 ORDER BY day")
            .map_err(err)?;
        let rows = stmt
            .query_map(params![key], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (d, new, old) = row.map_err(err)?;
            out.push(SplitEvent {
                date: day(&d)?,
                ratio: stonks::v2::Ratio::new(new.parse().map_err(err)?, old.parse().map_err(err)?),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn series(currency: Currency, closes: &[(&str, &str)]) -> PriceSeries {
        let mut s = PriceSeries::new("AAPL", currency);
        s.closes = closes
            .iter()
            .map(|(day, c)| Close {
                date: d(day),
                close: c.parse().unwrap(),
            })
            .collect();
        s
    }

    #[test]
    fn closes_merge_across_years_and_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
        let key = "figi:BBG001S5N8V8";
        let first = series(
            Currency::USD,
            &[
                ("2025-12-30", "250.10"),
                ("2025-12-31", "251.0000"),
                ("2026-01-02", "252.5"),
            ],
        );
        store
            .save_prices(key, "yahoo", &first, d("2025-12-29"), d("2026-01-02"))
            .unwrap();
        // The next sync asks the new days; one day is answered again.
        let next = series(
            Currency::USD,
            &[("2026-01-02", "252.55"), ("2026-01-05", "249")],
        );
        store
            .save_prices(key, "yahoo", &next, d("2026-01-02"), d("2026-01-05"))
            .unwrap();
        let book = store.price_book().unwrap();
        let s = &book[key];
        assert_eq!(s.currency, Some(Currency::USD));
        let got: Vec<String> = s
            .dates
            .iter()
            .zip(&s.closes)
            .map(|(d, c)| format!("{d} {c}"))
            .collect();
        assert_eq!(
            got,
            [
                "2025-12-30 250.10",
                "2025-12-31 251.0000",
                "2026-01-02 252.55",
                "2026-01-05 249"
            ]
        );
        let cov = &store.price_coverage().unwrap()[key];
        assert_eq!(
            (cov.first_day, cov.last_day),
            (d("2025-12-29"), d("2026-01-05"))
        );
        // Another currency is refused, and nothing changes.
        let eur = series(Currency::EUR, &[("2026-01-06", "230")]);
        let e = store
            .save_prices(key, "other", &eur, d("2026-01-06"), d("2026-01-06"))
            .unwrap_err();
        assert!(e.to_string().contains("not mixed"), "{e}");
        assert_eq!(store.price_book().unwrap()[key].closes.len(), 4);
        // The key changes (the user named it otherwise): the history moves.
        let new = "broker:ibkr:265598";
        store.rekey_prices(key, new).unwrap();
        let book = store.price_book().unwrap();
        assert!(!book.contains_key(key));
        assert_eq!(book[new].closes.len(), 4);
        assert!(store.price_coverage().unwrap().contains_key(new));
    }
}
