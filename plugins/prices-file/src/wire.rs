//! The rows of a price file as written: CSV with a header naming `date`,
//! `isin`, `symbol`, `close` and `currency` in any order (case and spaces
//! around names ignored, other columns ignored). Dates are `YYYY-MM-DD`,
//! closes exact decimals, never rounded.

use chrono::NaiveDate;
use stonks_core::wire::parse_decimal;
use stonks_core::{Currency, Decimal, Error, Isin, ReadProblem, Result};

/// One close of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRow {
    /// The line it was on (the header is line 1).
    pub line: u64,
    /// The trading day.
    pub date: NaiveDate,
    /// The ISIN, when the row has one.
    pub isin: Option<Isin>,
    /// The symbol as written, when the row has one.
    pub symbol: Option<String>,
    /// The close.
    pub close: Decimal,
    /// Its currency.
    pub currency: Currency,
}

/// A row left out, with the identifiers it named (to tell whose problem
/// it is).
#[derive(Debug, Clone)]
pub struct BadRow {
    /// The ISIN cell as written, upper-cased.
    pub isin: Option<String>,
    /// The symbol cell as written.
    pub symbol: Option<String>,
    /// Why it was left out.
    pub problem: ReadProblem,
}

/// Every row of a price file: the ones read and the ones left out. A file
/// that is not CSV, or whose header lacks `date`, `close`, `currency` or
/// both `isin` and `symbol`, is an error naming `source` (and no content).
pub fn read_table(bytes: &[u8], source: &str) -> Result<(Vec<PriceRow>, Vec<BadRow>)> {
    let not_csv = |e: csv::Error| Error::protocol(source, None, format!("not CSV: {e}"), "");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header = reader.headers().map_err(not_csv)?.clone();
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let missing = |name: &str| {
        Error::protocol(
            source,
            None,
            format!(
                "the header has no `{name}` column (it needs date, close, currency and isin or symbol)"
            ),
            "",
        )
    };
    let date_at = column("date").ok_or_else(|| missing("date"))?;
    let close_at = column("close").ok_or_else(|| missing("close"))?;
    let currency_at = column("currency").ok_or_else(|| missing("currency"))?;
    let (isin_at, symbol_at) = (column("isin"), column("symbol"));
    if isin_at.is_none() && symbol_at.is_none() {
        return Err(missing("isin` or `symbol"));
    }
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                let problem =
                    ReadProblem::new(source, format!("not read: {e}")).item(format!("line {line}"));
                bad.push(BadRow {
                    isin: None,
                    symbol: None,
                    problem,
                });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |at: Option<usize>| at.and_then(|i| record.get(i)).filter(|c| !c.is_empty());
        let isin_text = cell(isin_at).map(str::to_ascii_uppercase);
        let symbol = cell(symbol_at).map(str::to_owned);
        // Why a row is left out: the field and what is wrong with it.
        let fail = |field: &'static str, message: String| (field, message);
        let parsed = (|| {
            if isin_text.is_none() && symbol.is_none() {
                return Err(fail(
                    "isin",
                    "neither an isin nor a symbol: whose close it is is unknown".into(),
                ));
            }
            let isin = isin_text
                .as_deref()
                .map(|t| {
                    t.parse::<Isin>()
                        .map_err(|e| fail("isin", e.message().to_owned()))
                })
                .transpose()?;
            let date_text = cell(Some(date_at)).ok_or_else(|| fail("date", "missing".into()))?;
            let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
                .map_err(|_| fail("date", format!("{date_text:?} is not a YYYY-MM-DD date")))?;
            let close_text = cell(Some(close_at)).ok_or_else(|| fail("close", "missing".into()))?;
            let close = parse_decimal(close_text).map_err(|e| fail("close", e))?;
            if close <= Decimal::ZERO {
                return Err(fail("close", format!("{close} is not a price")));
            }
            let code = cell(Some(currency_at)).ok_or_else(|| fail("currency", "missing".into()))?;
            // Exchanges quote some markets in minor units (London in pence,
            // `GBp`); `Currency::new` would read `GBp` as pounds, 100 times
            // the price.
            let (major, per_major) = match code {
                "GBp" | "GBX" => ("GBP", 100),
                "ZAc" | "ZAC" => ("ZAR", 100),
                "ILA" => ("ILS", 100),
                other => (other, 1),
            };
            let currency =
                Currency::new(major).map_err(|e| fail("currency", e.message().to_owned()))?;
            let close = close / Decimal::from(per_major);
            Ok(PriceRow {
                line,
                date,
                isin,
                symbol: symbol.clone(),
                close,
                currency,
            })
        })();
        let parsed = parsed.map_err(|(field, message)| BadRow {
            isin: isin_text.clone(),
            symbol: symbol.clone(),
            problem: ReadProblem::new(source, message)
                .item(format!("line {line}"))
                .field(field),
        });
        match parsed {
            Ok(row) => rows.push(row),
            Err(b) => bad.push(b),
        }
    }
    Ok((rows, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_unit_quotes_are_read_in_the_major_currency() {
        let csv = b"date,isin,symbol,close,currency\n2024-01-02,GB00BH4HKS39,VOD,70.12,GBp\n2024-01-02,,NPN,31250,ZAc\n2024-01-02,,TEVA,4123,ILA\n2024-01-02,,SAP,180.5,EUR\n";
        let (rows, bad) = read_table(csv, "prices.csv").unwrap();
        assert!(bad.is_empty());
        let got: Vec<String> = rows
            .iter()
            .map(|r| format!("{} {}", r.close, r.currency))
            .collect();
        // London quotes in pence: 70.12 GBp is 0.7012 GBP, not 70.12.
        assert_eq!(got, ["0.7012 GBP", "312.50 ZAR", "41.23 ILS", "180.5 EUR"]);
    }
}
