//! Foreign-exchange rates: the service `fx` plugins provide, and the
//! conversion every consumer needs.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::{Currency, Money};

/// Rates of one day against one base currency: `rates[c]` units of `c` buy
/// one unit of `base` (the ECB's convention: USD 1.0542 per EUR).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateTable {
    /// The currency every rate is quoted against.
    pub base: Currency,
    /// The day the rates are for.
    pub date: NaiveDate,
    /// Units of each currency per one unit of `base`.
    pub rates: BTreeMap<Currency, Decimal>,
    /// What the source could not read of this day (a row left out: values
    /// in that currency stay unknown), or of days around it it left out.
    /// Not stored: it is about this read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<crate::problem::ReadProblem>,
}

impl RateTable {
    /// The rates of `date` against `base`, every row read.
    pub fn new(base: Currency, date: NaiveDate, rates: BTreeMap<Currency, Decimal>) -> Self {
        RateTable {
            base,
            date,
            rates,
            problems: Vec::new(),
        }
    }

    /// Units of `c` per one unit of `base`; 1 for the base itself.
    fn per_base(&self, c: &Currency) -> Option<Decimal> {
        if c == &self.base {
            Some(Decimal::ONE)
        } else {
            self.rates.get(c).copied().filter(|r| !r.is_zero())
        }
    }

    /// `money` in currency `to`, through the base when neither is the base.
    /// `None` when a rate is missing: never a guess, never zero.
    pub fn convert(&self, money: &Money, to: &Currency) -> Option<Money> {
        if &money.currency == to {
            return Some(*money);
        }
        let from = self.per_base(&money.currency)?;
        let to_rate = self.per_base(to)?;
        let amount = money.amount.checked_div(from)?.checked_mul(to_rate)?;
        Some(Money::new(amount, *to))
    }
}

/// Daily reference rates.
#[async_trait]
pub trait RateService: Send + Sync {
    /// The latest rates.
    async fn rates(&self) -> Result<RateTable>;

    /// Every published day's rates from `from` to `to` (both included),
    /// oldest first; days without rates (weekends, holidays) are absent.
    /// A plugin without a history answers `Unsupported` (the default).
    async fn history(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<RateTable>> {
        let _ = (from, to);
        Err(crate::error::Error::unsupported(
            "this fx plugin has no rate history",
        ))
    }
}

#[async_trait]
impl<T: RateService + ?Sized> RateService for std::sync::Arc<T> {
    async fn rates(&self) -> Result<RateTable> {
        (**self).rates().await
    }

    async fn history(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<RateTable>> {
        (**self).history(from, to).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Currency {
        Currency::new(s).unwrap()
    }

    #[test]
    fn converts_directly_and_across() {
        let t = RateTable {
            base: c("EUR"),
            date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            rates: [
                (c("USD"), "1.0542".parse().unwrap()),
                (c("GBP"), "0.8431".parse().unwrap()),
            ]
            .into(),
            problems: Vec::new(),
        };
        let usd = Money::new("105.42".parse().unwrap(), c("USD"));
        assert_eq!(
            t.convert(&usd, &c("EUR")).unwrap().amount,
            "100".parse::<Decimal>().unwrap()
        );
        let eur = Money::new("100".parse().unwrap(), c("EUR"));
        assert_eq!(
            t.convert(&eur, &c("USD")).unwrap().amount,
            "105.42".parse::<Decimal>().unwrap()
        );
        let gbp = t.convert(&usd, &c("GBP")).unwrap();
        assert_eq!(gbp.amount.round_dp(6), "84.31".parse::<Decimal>().unwrap());
        assert_eq!(
            t.convert(&usd, &c("JPY")),
            None,
            "a missing rate is unknown, not zero"
        );
        assert_eq!(t.convert(&eur, &c("EUR")).unwrap(), eur);
    }
}
