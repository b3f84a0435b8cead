//! Client Portal rows to stonks-core models: pure functions (Flex rows:
//! [`crate::flex`]'s own `convert`).
//!
//! Units as for statements: a position's `price` is per unit held (per
//! contract for options, futures and warrants, in percent of the face value
//! for bonds), and the instrument's name carries the multiplier.

use stonks_core::v2::{CashBalance, Position};
use stonks_core::wire::ConvertError;
use stonks_core::{AssetClass, Decimal, Instrument, Isin, Money};

use crate::flex::convert::asset_class;
use crate::wire;

/// The local symbol in a contract's description: `AAPL  250117C00200000`
/// of `AAPL JAN2025 200 C [AAPL  250117C00200000 100]`.
fn local_symbol(description: &str) -> Option<&str> {
    let inner = description.split_once('[')?.1.split_once(']')?.0;
    let symbol = inner.rsplit_once(' ').map_or(inner, |(s, _)| s).trim();
    (!symbol.is_empty()).then_some(symbol)
}

/// A Client Portal position: price per unit held (IBKR's price times the
/// multiplier, bonds in percent), value and P/L as the gateway states them.
pub fn portal_position(p: &wire::PortalPosition<'_>, account_id: &str) -> Position {
    let class = asset_class(p.asset_class.as_deref(), None);
    let multiplier = p
        .multiplier
        .map(|m| m.0)
        .filter(|m| !m.is_zero() && class != AssetClass::Bond)
        .unwrap_or(Decimal::ONE);
    // A derivative's `ticker` is its underlying's: its own symbol is the
    // local symbol in its description (`AAPL JAN2025 200 C [AAPL
    // 250117C00200000 100]`), as Flex statements name it.
    let stock_like = matches!(
        class,
        AssetClass::Stock | AssetClass::Etf | AssetClass::Fund
    );
    let symbol = if stock_like {
        p.ticker.as_deref().or(p.contract_desc.as_deref())
    } else {
        p.contract_desc
            .as_deref()
            .map(|d| local_symbol(d).unwrap_or(d))
            .or(p.ticker.as_deref())
    }
    .map(str::to_owned);
    let mut name = p
        .full_name
        .as_deref()
        .or(p.contract_desc.as_deref())
        .or(p.name.as_deref())
        .map(str::to_owned)
        .unwrap_or_else(|| p.conid.0.to_string());
    if multiplier != Decimal::ONE {
        name = format!("{name} (x{})", multiplier.normalize());
    }
    let mut i = Instrument::new(p.conid.0.to_string(), name, class);
    i.symbol = symbol;
    i.isin = p.isin.as_deref().and_then(|s| Isin::new(s).ok());
    i.currency = p.currency;
    i.exchange = p.listing_exchange.as_deref().map(str::to_owned);
    i.ids.mic = p
        .listing_exchange
        .as_deref()
        .and_then(crate::exchanges::mic)
        .map(str::to_owned);
    let cur = p.currency;
    let money = |d: Option<Decimal>| Some(Money::new(d?, cur?));
    let mut out = Position::new(i, p.position.0);
    out.account = Some(p.acct_id.as_deref().unwrap_or(account_id).to_owned());
    out.price = money(p.mkt_price.and_then(|m| m.0.checked_mul(multiplier)));
    out.market_value = money(p.mkt_value.map(|v| v.0));
    out.cost_basis = money(p.avg_cost.and_then(|c| c.0.checked_mul(p.position.0)));
    out.unrealized_pnl = money(p.unrealized_pnl.map(|v| v.0));
    out
}

/// A Client Portal ledger row's cash; `None` for the `BASE` row.
pub fn portal_cash(
    key: &str,
    row: &wire::PortalLedger<'_>,
    account_id: &str,
) -> Result<Option<CashBalance>, ConvertError> {
    if key.eq_ignore_ascii_case("BASE") {
        return Ok(None);
    }
    let code = row.currency.as_deref().unwrap_or(key);
    let cur = stonks_core::wire::currency(code, "currency")?;
    let mut c = CashBalance::new(Money::new(row.cashbalance.0, cur));
    c.account = Some(row.acctcode.as_deref().unwrap_or(account_id).to_owned());
    Ok(Some(c))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Utc};

    use super::*;
    use stonks_testkit::support::d;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn client_portal_rows_with_mixed_number_types() {
        let rows: Vec<wire::PortalPosition<'_>> = serde_json::from_str(
            r#"[{"acctId":"U0000001","conid":222,"contractDesc":"XYZ","position":-3.0,"mktPrice":21.05,"mktValue":-63.15,"currency":"USD","avgCost":20.0,"avgPrice":20.0,"realizedPnl":0.0,"unrealizedPnl":-3.15,"assetClass":"STK","expiry":null,"putOrCall":null,"multiplier":null,"strike":0.0,"undConid":0,"model":"","ticker":"XYZ","fullName":"XYZ CORP","listingExchange":"NASDAQ"},
            {"acctId":"U0000001","conid":"677201921","contractDesc":"AAPL MAR2024 190 C [AAPL  240315C00190000 100]","position":2,"mktPrice":"5.3","mktValue":1060,"currency":"USD","avgCost":450.65,"unrealizedPnl":158.7,"assetClass":"OPT","multiplier":100,"strike":"190"}]"#,
        )
        .unwrap();
        let xyz = portal_position(&rows[0], "U0000001");
        assert_eq!(
            (xyz.quantity, xyz.price.map(|p| p.amount)),
            (d("-3.0"), Some(d("21.05")))
        );
        assert_eq!(xyz.cost_basis.map(|c| c.amount), Some(d("-60.00")));
        assert_eq!(xyz.instrument.name, "XYZ CORP");
        assert_eq!(xyz.instrument.exchange.as_deref(), Some("NASDAQ"));
        assert_eq!(xyz.instrument.ids.mic.as_deref(), Some("XNAS"));
        let option = portal_position(&rows[1], "U0000001");
        assert_eq!(
            option.price.map(|p| p.amount),
            Some(d("530.0")),
            "per contract"
        );
        assert_eq!(option.instrument.asset_class, AssetClass::Option);
        assert!(option.instrument.name.ends_with("(x100)"));
        assert_eq!(
            option.instrument.symbol.as_deref(),
            Some("AAPL  240315C00190000"),
            "the local symbol, as in statements; not the underlying's ticker"
        );
        let ledger: BTreeMap<String, wire::PortalLedger<'_>> = serde_json::from_str(
            r#"{"USD":{"currency":"USD","acctcode":"U0000001","cashbalance":-120.5,"timestamp":1706745600,"key":"LedgerList"},
            "BASE":{"currency":"BASE","acctcode":"U0000001","cashbalance":"689.63","timestamp":1706745600}}"#,
        )
        .unwrap();
        let usd = portal_cash("USD", &ledger["USD"], "U0000001")
            .unwrap()
            .unwrap();
        assert_eq!(
            (usd.amount.amount, usd.account.as_deref()),
            (d("-120.5"), Some("U0000001"))
        );
        assert_eq!(
            portal_cash("BASE", &ledger["BASE"], "U0000001").unwrap(),
            None
        );
        assert_eq!(
            ledger["USD"].timestamp.unwrap().0,
            utc("2024-02-01T00:00:00Z")
        );
    }
}
