//! Large ledgers for benches and load tests: deterministic, shaped like a
//! DEGIRO account's (trades with fees in EUR and USD, dividends with their
//! withholding, deposits), any length.

use chrono::{DateTime, TimeDelta, Utc};
use stonks_core::v2::{LedgerEntry, LedgerKind};
use stonks_core::{AssetClass, Currency, Decimal, Instrument, Isin, Money};

/// Real ISINs (valid check digits) the generated entries cycle through.
const ISINS: [&str; 8] = [
    "NL0010273215",
    "US0378331005",
    "IE00B4L5Y983",
    "DE0007164600",
    "FR0000120271",
    "NL0011821269",
    "US5949181045",
    "IE00BK5BQT80",
];

/// `n` ledger entries of account `1234567`, one every 7 minutes from
/// 2020-01-02 09:00 UTC, oldest first: of every ten, six buys and two sells
/// (each with a fee, USD ones also an AutoFX fee), one dividend with a
/// description, one tax belonging to it; every 50th is a deposit instead
/// (of the tax).
pub fn ledger(n: usize) -> Vec<LedgerEntry> {
    let start = DateTime::<Utc>::from_timestamp(1_577_955_600, 0).unwrap_or_default();
    let instruments: Vec<Instrument> = ISINS
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let mut inst = Instrument::new(
                (331_868 + i).to_string(),
                format!("Company {i} N.V."),
                AssetClass::Stock,
            );
            inst.isin = Isin::new(code).ok();
            inst.symbol = Some(format!("SYM{i}"));
            inst.currency = Some(if code.starts_with("US") {
                Currency::USD
            } else {
                Currency::EUR
            });
            inst.exchange = Some("XAMS".to_owned());
            inst
        })
        .collect();
    (0..n)
        .map(|i| {
            let at = start + TimeDelta::minutes(7 * i as i64);
            let inst = &instruments[i % instruments.len()];
            let cur = inst.currency.unwrap_or(Currency::EUR);
            let cents = |v: i64| Decimal::new(v, 2);
            let price = cents(2_000 + (i as i64 * 37) % 30_000);
            let qty = Decimal::from(1 + i as i64 % 40);
            let id = (188_000_000 + i).to_string();
            let mut e = match i % 10 {
                _ if i % 50 == 49 => {
                    let mut e = LedgerEntry::new(
                        id,
                        at,
                        LedgerKind::Deposit,
                        Money::new(cents(100_000), Currency::EUR),
                    );
                    e.description = Some("iDEAL Deposit".to_owned());
                    return with_account(e);
                }
                0..=7 => {
                    let sell = i % 10 >= 6;
                    let total = price * qty;
                    let kind = if sell {
                        LedgerKind::Sell
                    } else {
                        LedgerKind::Buy
                    };
                    let amount = if sell { total } else { -total };
                    let mut e = LedgerEntry::new(id, at, kind, Money::new(amount, cur));
                    e.quantity = Some(qty);
                    e.price = Some(Money::new(price, cur));
                    e.fees.push(Money::new(cents(200), Currency::EUR));
                    if cur == Currency::USD {
                        e.fees.push(Money::new(cents(25) * qty, Currency::EUR));
                    }
                    e
                }
                8 => {
                    let mut e =
                        LedgerEntry::new(id, at, LedgerKind::Dividend, Money::new(qty, cur));
                    e.description = Some("Dividend".to_owned());
                    e
                }
                _ => {
                    let mut e = LedgerEntry::new(
                        id,
                        at,
                        LedgerKind::Tax,
                        Money::new(-qty * cents(15), cur),
                    );
                    e.belongs_to = Some((188_000_000 + i - 1).to_string());
                    e.description = Some("Dividendbelasting".to_owned());
                    e
                }
            };
            e.instrument = Some(inst.clone());
            with_account(e)
        })
        .collect()
}

fn with_account(mut e: LedgerEntry) -> LedgerEntry {
    e.account = Some("1234567".to_owned());
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_and_the_money_are_as_documented() {
        let l = ledger(100);
        assert_eq!(l.len(), 100);
        let count = |k: LedgerKind| l.iter().filter(|e| e.kind == k).count();
        assert_eq!(
            (
                count(LedgerKind::Buy),
                count(LedgerKind::Sell),
                count(LedgerKind::Dividend),
                count(LedgerKind::Tax),
                count(LedgerKind::Deposit)
            ),
            (60, 20, 10, 8, 2)
        );
        // Entry 1: 2 x 20.37 USD of Apple, a 2.00 EUR fee and 0.50 EUR AutoFX.
        let apple = &l[1];
        assert_eq!(
            apple.amount,
            Money::new(Decimal::new(-4074, 2), Currency::USD)
        );
        assert_eq!(apple.fees.len(), 2);
        assert_eq!(l[9].belongs_to.as_deref(), Some("188000008"));
        assert!(l.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
    }
}
