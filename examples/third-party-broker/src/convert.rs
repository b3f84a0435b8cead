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
