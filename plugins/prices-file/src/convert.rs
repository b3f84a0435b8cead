//! The rows of the price files to one instrument's series: pure functions.

use std::collections::HashMap;

use chrono::NaiveDate;
use stonks_core::prices::{Close, PriceSeries};
use stonks_core::{Currency, Instrument, ReadProblem};

use crate::wire::{BadRow, PriceRow};

/// The rows of one file as read: the closes, and the rows left out.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    /// The rows read, in file order.
    pub rows: Vec<PriceRow>,
    /// The rows left out, with the identifiers they named.
    pub bad: Vec<BadRow>,
    /// Where the rows came from (`file prices.csv`), for problems.
    pub source: String,
}

/// The closes of `instrument` from `from` to `to` in `tables` (read in
/// order: a later close of the same day wins), or `None` when no row is
/// about it.
///
/// Matching: by ISIN when the instrument has one and some row has it;
/// else by symbol, case-insensitive, leaving out rows whose ISIN names
/// another security (a share and its ADR may share a ticker). Rows in
/// another currency than most of the instrument's rows are left out as
/// problems (a tie goes to the instrument's own currency, else to the
/// first row's). Problems of rows left out while reading are reported when
/// they named this instrument, or named nothing at all.
pub fn series_of(
    tables: &[&PriceTable],
    instrument: &Instrument,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<PriceSeries> {
    let isin = instrument.isin.as_ref();
    let symbol = instrument
        .symbol
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let all = || {
        tables
            .iter()
            .flat_map(|t| t.rows.iter().map(move |r| (*t, r)))
    };
    let by_isin = isin.is_some_and(|i| all().any(|(_, r)| r.isin.as_ref() == Some(i)));
    let matches = |r: &PriceRow| {
        if by_isin {
            r.isin.as_ref() == isin
        } else {
            let same_symbol = r
                .symbol
                .as_deref()
                .zip(symbol)
                .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b));
            let other_security = r.isin.is_some() && isin.is_some() && r.isin.as_ref() != isin;
            same_symbol && !other_security
        }
    };
    let mine: Vec<(&PriceTable, &PriceRow)> = all().filter(|(_, r)| matches(r)).collect();
    let (_, first) = mine.first()?;
    let name = match (by_isin, isin) {
        (true, Some(i)) => i.as_str().to_owned(),
        _ => first.symbol.clone().unwrap_or_default(),
    };
    let currency = main_currency(&mine, instrument.currency);
    let mut series = PriceSeries::new(name, currency);
    for (table, row) in &mine {
        if row.currency != currency {
            series.problems.push(
                ReadProblem::new(
                    table.source.clone(),
                    format!(
                        "close in {} where the instrument's other closes are in {currency}: left out",
                        row.currency
                    ),
                )
                .item(format!("line {}", row.line))
                .field("currency"),
            );
        } else if (from..=to).contains(&row.date) {
            series.closes.push(Close {
                date: row.date,
                close: row.close,
            });
        }
    }
    for table in tables {
        for bad in &table.bad {
            let named_isin = bad
                .isin
                .as_deref()
                .zip(isin)
                .is_some_and(|(a, b)| a == b.as_str());
            let named_symbol = bad
                .symbol
                .as_deref()
                .zip(symbol)
                .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b));
            let unnamed = bad.isin.is_none() && bad.symbol.is_none();
            if named_isin || named_symbol || unnamed {
                series.problems.push(bad.problem.clone());
            }
        }
    }
    series.normalize();
    Some(series)
}

/// The currency most of `rows` are in; a tie goes to `preferred` when it
/// is among the most common, else to the first row's.
fn main_currency(rows: &[(&PriceTable, &PriceRow)], preferred: Option<Currency>) -> Currency {
    let mut counts: HashMap<Currency, usize> = HashMap::new();
    for (_, r) in rows {
        *counts.entry(r.currency).or_default() += 1;
    }
    let most = counts.values().copied().max().unwrap_or(0);
    let first_most = rows
        .iter()
        .map(|(_, r)| r.currency)
        .find(|c| counts.get(c) == Some(&most));
    preferred
        .filter(|p| counts.get(p) == Some(&most))
        .or(first_most)
        .unwrap_or(Currency::EUR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::read_table;
    use stonks_core::AssetClass;

    fn table(csv: &str) -> PriceTable {
        let (rows, bad) = read_table(csv.as_bytes(), "file p.csv").unwrap();
        PriceTable {
            rows,
            bad,
            source: "file p.csv".into(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn stock(symbol: &str, isin: Option<&str>) -> Instrument {
        let mut i = Instrument::new(symbol, symbol, AssetClass::Stock);
        i.symbol = Some(symbol.into());
        i.isin = isin.map(|s| s.parse().unwrap());
        i
    }

    #[test]
    fn columns_in_any_order_and_extra_ones_ignored() {
        let t = table("Currency, Close ,note,symbol,DATE\nUSD,177.570,x,AAPL,2024-01-02\n");
        assert!(t.bad.is_empty(), "{:?}", t.bad);
        let s = series_of(
            &[&t],
            &stock("aapl", None),
            day("2024-01-01"),
            day("2024-12-31"),
        )
        .unwrap();
        assert_eq!(s.closes[0].close.to_string(), "177.570");
        assert_eq!((s.symbol.as_str(), s.currency), ("AAPL", Currency::USD));
    }

    #[test]
    fn a_header_without_the_needed_columns_fails_naming_the_file() {
        let e = read_table(b"day,price\n2024-01-02,1\n", "file p.csv").unwrap_err();
        assert!(
            e.to_string().contains("file p.csv") && e.to_string().contains("`date`"),
            "{e}"
        );
        let e = read_table(b"date,close,currency\n2024-01-02,1,EUR\n", "file p.csv").unwrap_err();
        assert!(e.to_string().contains("isin` or `symbol"), "{e}");
    }

    #[test]
    fn a_tie_of_currencies_goes_to_the_instruments_own() {
        let t = table("date,symbol,close,currency\n2024-01-02,X,1,EUR\n2024-01-03,X,2,USD\n");
        let mut x = stock("X", None);
        x.currency = Some(Currency::USD);
        let s = series_of(&[&t], &x, day("2024-01-01"), day("2024-12-31")).unwrap();
        assert_eq!(
            (s.currency, s.closes.len(), s.problems.len()),
            (Currency::USD, 1, 1)
        );
    }
}
