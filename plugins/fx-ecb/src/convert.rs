//! The ECB's day of rates to a `RateTable` (base EUR), decimals exact.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use stonks_core::Currency;
use stonks_core::fx::RateTable;

use crate::wire::Day;

/// The rate table of `day`; what is wrong otherwise.
pub fn rate_table(day: &Day) -> Result<RateTable, String> {
    let date = NaiveDate::parse_from_str(&day.time, "%Y-%m-%d")
        .map_err(|_| format!("time {:?} is not a date", day.time))?;
    let mut rates = std::collections::BTreeMap::new();
    for (code, rate) in &day.rates {
        let currency =
            Currency::new(code).map_err(|e| format!("currency {code:?}: {}", e.message()))?;
        let rate: Decimal = rate
            .parse()
            .map_err(|_| format!("rate {rate:?} of {code} is not a number"))?;
        if rate <= Decimal::ZERO {
            return Err(format!("rate of {code} is not positive"));
        }
        rates.insert(currency, rate);
    }
    if rates.is_empty() {
        return Err("no rates in the file".into());
    }
    let base = Currency::new("EUR").map_err(|e| e.message().to_owned())?;
    Ok(RateTable { base, date, rates })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::latest_day;

    const DAILY: &str = stonks_testkit::ecb::DAILY_XML;

    #[test]
    fn reads_the_daily_file_exactly() {
        let day = latest_day(DAILY).unwrap();
        let t = rate_table(&day).unwrap();
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
        assert!(rate_table(&bad).is_err());
    }
}
