//! The broker's wire shapes to stonks-core models: pure functions, tested
//! below. See the broker author's guide for what each field means to the
//! app (identity, signs, kinds).

use stonks_core::v2::{CashBalance, LedgerEntry, LedgerKind, Position};
use stonks_core::wire::{ConvertError, currency};
use stonks_core::{AssetClass, Currency, Decimal, Instrument, Isin, Money};

use crate::wire;

/// The asset class the broker names; `Other("unknown")` when it names none.
/// Never a guess: a class drives which price source is asked and how a
/// bond is valued. (A broker that trades one class only may say so here.)
fn asset_class(name: Option<&str>) -> AssetClass {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => AssetClass::from_name(&n.to_ascii_lowercase()),
        None => AssetClass::Other("unknown".into()),
    }
}

/// An instrument from what a row says of it. The symbol is the broker's id
/// and the ticker; an ISIN only when it checks (a malformed one is left
/// out, not fatal); with no name, the symbol stands for it.
fn instrument(
    symbol: &str,
    isin: Option<&str>,
    name: Option<&str>,
    class: AssetClass,
    cur: Currency,
) -> Instrument {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(symbol);
    let mut i = Instrument::new(symbol, name, class);
    i.symbol = Some(symbol.to_owned());
    i.isin = isin.and_then(|s| Isin::new(s).ok());
    i.currency = Some(cur);
    i
}

pub fn position(p: &wire::Position, account: &str) -> Result<Position, ConvertError> {
    let cur = currency(&p.currency, "currency")?;
    let class = asset_class(p.asset_class.as_deref());
    let mut out = Position::new(
        instrument(&p.symbol, p.isin.as_deref(), p.name.as_deref(), class, cur),
        p.qty.0,
    );
    out.account = Some(account.to_owned());
    // An unknown price is no value, never a value of 0.
    out.price = p.price.map(|x| Money::new(x.0, cur));
    out.market_value = p
        .price
        .and_then(|x| x.0.checked_mul(p.qty.0))
        .map(|v| Money::new(v, cur));
    Ok(out)
}

pub fn cash(c: &wire::Cash, account: &str) -> Result<CashBalance, ConvertError> {
    let mut out = CashBalance::new(Money::new(c.amount.0, currency(&c.currency, "currency")?));
    out.account = Some(account.to_owned());
    Ok(out)
}

/// The ledger kind of the broker's activity type; a type it adds later is
/// kept by its name (`Other`), never dropped.
fn kind(name: &str) -> LedgerKind {
    match name {
        "buy" => LedgerKind::Buy,
        "sell" => LedgerKind::Sell,
        "deposit" => LedgerKind::Deposit,
        "withdrawal" => LedgerKind::Withdrawal,
        "dividend" => LedgerKind::Dividend,
        "withholding" => LedgerKind::Tax,
        "fee" => LedgerKind::Fee,
        other => LedgerKind::Other(other.to_owned()),
    }
}

pub fn entry(a: &wire::Activity, account: &str) -> Result<LedgerEntry, ConvertError> {
    let cur = currency(&a.currency, "currency")?;
    let kind = kind(&a.kind);
    if kind.is_trade() && a.qty.is_none_or(|q| q.0 <= Decimal::ZERO) {
        return Err(ConvertError::at("qty", "a trade needs a positive quantity"));
    }
    let mut e = LedgerEntry::new(a.id.clone(), a.time.0, kind, Money::new(a.amount.0, cur));
    e.account = Some(account.to_owned());
    // Activities do not say the asset class: the positions do.
    e.instrument = a.symbol.as_deref().map(|s| {
        instrument(
            s,
            a.isin.as_deref(),
            None,
            AssetClass::Other("unknown".into()),
            cur,
        )
    });
    e.quantity = a.qty.map(|q| q.0);
    e.price = a.price.map(|p| Money::new(p.0, cur));
    e.fees = a
        .fee
        .filter(|f| !f.0.is_zero())
        .map(|f| Money::new(f.0.abs(), cur))
        .into_iter()
        .collect();
    e.belongs_to = a.parent_id.clone();
    e.description = a.description.clone();
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Rows as the broker sends them: text, read the way `wire.rs` reads
    // answers.
    fn activity(text: &str) -> wire::Activity {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_buy_keeps_its_exact_amounts_its_fee_and_its_account() {
        let e = entry(
            &activity(
                r#"{"id": "a1", "time": "2025-01-02T15:00:00Z", "type": "buy", "symbol": "MSFT",
                    "isin": "US5949181045", "qty": "2", "price": "410.25", "amount": "-820.50",
                    "fee": "1.00", "currency": "USD"}"#,
            ),
            "ACC-1",
        )
        .unwrap();
        assert_eq!(e.kind, LedgerKind::Buy);
        assert_eq!(e.timestamp.to_rfc3339(), "2025-01-02T15:00:00+00:00");
        assert_eq!(e.account.as_deref(), Some("ACC-1"));
        assert_eq!(e.amount.amount.to_string(), "-820.50");
        assert_eq!(e.quantity.map(|q| q.to_string()).as_deref(), Some("2"));
        assert_eq!(
            e.price.map(|p| p.amount.to_string()).as_deref(),
            Some("410.25")
        );
        assert_eq!(e.fees.len(), 1);
        assert_eq!(e.fees[0].amount.to_string(), "1.00");
        let i = e.instrument.unwrap();
        assert_eq!(
            i.isin.map(|i| i.to_string()).as_deref(),
            Some("US5949181045")
        );
        assert_eq!(i.name, "MSFT");
    }

    #[test]
    fn a_withholding_belongs_to_its_dividend() {
        let e = entry(
            &activity(
                r#"{"id": "w1", "time": "2025-03-14T00:00:00Z", "type": "withholding",
                    "symbol": "MSFT", "amount": "-0.50", "currency": "USD", "parent_id": "d1"}"#,
            ),
            "ACC-1",
        )
        .unwrap();
        assert_eq!(e.kind, LedgerKind::Tax);
        assert_eq!(e.belongs_to.as_deref(), Some("d1"));
    }

    #[test]
    fn a_kind_the_broker_adds_later_is_kept_by_its_name() {
        let e = entry(
            &activity(
                r#"{"id": "a2", "time": "2025-01-02T15:00:00Z", "type": "journal",
                    "amount": "5", "fee": "0", "currency": "USD"}"#,
            ),
            "ACC-1",
        )
        .unwrap();
        assert_eq!(e.kind, LedgerKind::Other("journal".into()));
        // A zero fee is no fee.
        assert!(e.fees.is_empty() && e.instrument.is_none());
    }

    #[test]
    fn a_trade_without_a_quantity_is_refused_naming_the_field() {
        let err = entry(
            &activity(
                r#"{"id": "a3", "time": "2025-01-02T15:00:00Z", "type": "sell", "symbol": "MSFT",
                    "amount": "415.00", "currency": "USD"}"#,
            ),
            "ACC-1",
        )
        .unwrap_err();
        assert!(err.to_string().contains("qty"), "{err}");
    }

    #[test]
    fn without_a_name_or_a_class_nothing_is_guessed() {
        let p: wire::Position = serde_json::from_str(
            r#"{"symbol": "DELISTED", "isin": "not-an-isin", "qty": "5", "price": null,
                "currency": "USD"}"#,
        )
        .unwrap();
        let p = position(&p, "ACC-1").unwrap();
        assert_eq!(p.instrument.name, "DELISTED");
        assert_eq!(
            p.instrument.asset_class,
            AssetClass::Other("unknown".into())
        );
        assert!(p.instrument.isin.is_none());
        // An unknown price is no value, not 0.
        assert!(p.price.is_none() && p.market_value.is_none());
        assert_eq!(p.quantity.to_string(), "5");
    }

    #[test]
    fn a_named_class_is_read() {
        let p: wire::Position = serde_json::from_str(
            r#"{"symbol": "VWRL", "name": "Vanguard FTSE All-World", "asset_class": "ETF",
                "qty": "3", "price": "110.00", "currency": "USD"}"#,
        )
        .unwrap();
        let p = position(&p, "ACC-1").unwrap();
        assert_eq!(p.instrument.asset_class, AssetClass::Etf);
        assert_eq!(
            p.market_value.map(|v| v.amount.to_string()).as_deref(),
            Some("330.00")
        );
    }

    #[test]
    fn a_currency_that_is_not_one_names_its_field() {
        let c: wire::Cash = serde_json::from_str(r#"{"currency": "US $", "amount": "1"}"#).unwrap();
        let err = cash(&c, "ACC-1").unwrap_err();
        assert!(err.to_string().contains("currency"), "{err}");
    }
}
