//! The ECB's day of rates to a `RateTable` (base EUR), decimals exact.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use stonks_core::Currency;
use stonks_core::fx::RateTable;
use stonks_core::wire::{self, ConvertError};

use crate::wire::Day;

/// The rate table of `day`, read from `file`. A row that is not a currency
/// with a positive rate is left out (values in that currency stay
/// unknown) and is a problem on the table, naming the day and the row; a
/// day without a date or without any rate is an error.
pub fn rate_table(day: &Day, file: &str) -> Result<RateTable, ConvertError> {
    let date = NaiveDate::parse_from_str(&day.time, "%Y-%m-%d")
        .map_err(|_| ConvertError::at("time", format!("{:?} is not a date", day.time)))?;
    let mut rates = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    for (code, rate) in &day.rates {
        let row = wire::currency(code, "currency").and_then(|currency| {
            let rate = wire::parse_decimal(rate).map_err(|e| ConvertError::at("rate", e))?;
            if rate <= Decimal::ZERO {
                return Err(ConvertError::at("rate", "not positive"));
            }
            Ok((currency, rate))
        });
        match row {
            Ok((currency, rate)) => {
                rates.insert(currency, rate);
            }
            Err(why) => {
                tracing::warn!("ECB rate of {code:?} on {date} left out: {why}");
                problems.push(why.problem(file, Some(&format!("{date} {code}"))));
            }
        }
    }
    if rates.is_empty() {
        return Err(ConvertError::new("no rates in the file"));
    }
    let mut table = RateTable::new(Currency::EUR, date, rates);
    table.problems = problems;
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::latest_day;

    const DAILY: &str = stonks_testkit::ecb::DAILY_XML;

    #[test]
    fn reads_the_daily_file_exactly() {
        let day = latest_day(DAILY).unwrap();
        let t = rate_table(&day, "daily").unwrap();
        assert_eq!(t.date.to_string(), "2026-11-20");
        assert_eq!(t.rates.len(), 30);
        assert_eq!(
            t.rates[&Currency::new("USD").unwrap()].to_string(),
            "1.0542"
        );
        assert_eq!(
            t.rates[&Currency::new("JPY").unwrap()].to_string(),
            "162.41"
        );
        assert_eq!(
            t.rates[&Currency::new("IDR").unwrap()].to_string(),
            "16774.64"
        );
    }

    #[test]
    fn broken_files_are_problems() {
        assert!(latest_day("<html>maintenance</html>").is_none());
        let bad = Day {
            time: "2026-11-20".into(),
            rates: vec![("USD".into(), "one".into())],
        };
        assert!(rate_table(&bad, "daily").is_err());
        let partly = Day {
            time: "2026-11-20".into(),
            rates: vec![
                ("USD".into(), "1.0542".into()),
                ("JPY".into(), "-1".into()),
                ("X-Y".into(), "1".into()),
            ],
        };
        let t = rate_table(&partly, "GET /stats/eurofxref/eurofxref-daily.xml").unwrap();
        assert_eq!(t.rates.len(), 1, "bad rows are left out, the good one kept");
        // Each is a problem on the table, naming the file, the day and the row.
        let said: Vec<(String, Option<String>)> = t
            .problems
            .iter()
            .map(|p| (p.endpoint.clone(), p.item.clone()))
            .collect();
        let file = "GET /stats/eurofxref/eurofxref-daily.xml".to_owned();
        assert_eq!(
            said,
            [
                (file.clone(), Some("2026-11-20 JPY".to_owned())),
                (file, Some("2026-11-20 X-Y".to_owned()))
            ]
        );
        assert!(
            t.problems[0].message.contains("not positive"),
            "{:?}",
            t.problems[0]
        );
    }
}
