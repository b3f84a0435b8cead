//! Acme's wire shapes to stonks-core models: pure functions.

use stonks_core::v2::{CashBalance, LedgerEntry, LedgerKind, Position};
use stonks_core::wire::{ConvertError, currency};
use stonks_core::{AssetClass, Instrument, Isin, Money};

use crate::wire;

pub fn position(p: &wire::Position) -> Result<Position, ConvertError> {
    let cur = currency(&p.currency, "currency")?;
    let mut instrument = Instrument::new(p.symbol.clone(), p.name.clone(), AssetClass::Stock);
    instrument.symbol = Some(p.symbol.clone());
    instrument.isin = p.isin.as_deref().and_then(|i| Isin::new(i).ok());
    instrument.currency = Some(cur);
    let mut out = Position::new(instrument, p.qty.0);
    out.price = p.price.map(|x| Money::new(x.0, cur));
    out.market_value = p
        .price
        .and_then(|x| x.0.checked_mul(p.qty.0))
        .map(|v| Money::new(v, cur));
    Ok(out)
}

pub fn cash(c: &wire::Cash) -> Result<CashBalance, ConvertError> {
    Ok(CashBalance::new(Money::new(
        c.amount.0,
        currency(&c.currency, "currency")?,
    )))
}

pub fn entry(a: &wire::Activity) -> Result<LedgerEntry, ConvertError> {
    let cur = currency(&a.currency, "currency")?;
    let kind = match a.kind.as_str() {
        "buy" => LedgerKind::Buy,
        "sell" => LedgerKind::Sell,
        "deposit" => LedgerKind::Deposit,
        "dividend" => LedgerKind::Dividend,
        other => LedgerKind::Other(other.to_owned()),
    };
    let mut e = LedgerEntry::new(a.id.clone(), a.time.0, kind, Money::new(a.amount.0, cur));
    e.instrument = a.symbol.as_ref().map(|s| {
        let mut i = Instrument::new(s.clone(), s.clone(), AssetClass::Stock);
        i.symbol = Some(s.clone());
        i
    });
    e.quantity = a.qty.map(|q| q.0);
    e.price = a.price.map(|p| Money::new(p.0, cur));
    e.fees = a
        .fee
        .filter(|f| !f.0.is_zero())
        .map(|f| Money::new(f.0, cur))
        .into_iter()
        .collect();
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Rows as Acme sends them: text, read the way `wire.rs` reads answers.
    fn activity(text: &str) -> wire::Activity {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_buy_keeps_its_exact_amounts_and_its_fee() {
        let e = entry(&activity(
            r#"{"id": "a1", "time": "2025-01-02T15:00:00Z", "type": "buy", "symbol": "MSFT",
                "qty": "2", "price": "410.25", "amount": "-820.50", "fee": "1.00", "currency": "USD"}"#,
        ))
        .unwrap();
        assert_eq!(e.kind, LedgerKind::Buy);
        assert_eq!(e.timestamp.to_rfc3339(), "2025-01-02T15:00:00+00:00");
        assert_eq!(e.amount.amount.to_string(), "-820.50");
        assert_eq!(e.quantity.map(|q| q.to_string()).as_deref(), Some("2"));
        assert_eq!(
            e.price.map(|p| p.amount.to_string()).as_deref(),
            Some("410.25")
        );
        assert_eq!(e.fees.len(), 1);
        assert_eq!(e.fees[0].amount.to_string(), "1.00");
        assert_eq!(e.instrument.unwrap().symbol.as_deref(), Some("MSFT"));
    }

    #[test]
    fn a_kind_acme_adds_later_is_kept_by_its_name() {
        let e = entry(&activity(
            r#"{"id": "a2", "time": "2025-01-02T15:00:00Z", "type": "journal",
                "amount": "5", "fee": "0", "currency": "USD"}"#,
        ))
        .unwrap();
        assert_eq!(e.kind, LedgerKind::Other("journal".into()));
        // A zero fee is no fee.
        assert!(e.fees.is_empty() && e.instrument.is_none());
    }

    #[test]
    fn an_unknown_price_is_no_value_not_zero() {
        let p: wire::Position = serde_json::from_str(
            r#"{"symbol": "DELISTED", "isin": null, "name": "Delisted Co", "qty": "5",
                "price": null, "currency": "USD"}"#,
        )
        .unwrap();
        let p = position(&p).unwrap();
        assert!(p.price.is_none() && p.market_value.is_none());
        assert_eq!(p.quantity.to_string(), "5");
    }

    #[test]
    fn a_currency_that_is_not_one_names_its_field() {
        let c: wire::Cash = serde_json::from_str(r#"{"currency": "US $", "amount": "1"}"#).unwrap();
        let err = cash(&c).unwrap_err();
        assert!(err.to_string().contains("currency"), "{err}");
    }
}
