//! Bitvavo's wire shapes to stonks-core models: pure functions.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use stonks_core::v2::{CashBalance, LedgerEntry, LedgerKind, PortfolioSnapshot, Position};
use stonks_core::{AssetClass, Currency, Instrument, Money};

use crate::wire;

/// The quote currency of the markets used for prices.
const QUOTE: &str = "EUR";

/// Suffix of the broker id of a staked amount, kept apart from the free balance.
pub const STAKED_SUFFIX: &str = ":staked";

/// What was wrong with a value Bitvavo sent (the caller adds the endpoint).
pub type Problem = String;

fn currency(code: &str, field: &str) -> Result<Currency, Problem> {
    Currency::new(code).map_err(|e| format!("{field}: {}", e.message()))
}

/// Parses `executedAt`: ISO 8601 (`2024-01-10T10:58:53.000Z`), or Unix
/// milliseconds sent as text.
pub fn timestamp(text: &str) -> Result<DateTime<Utc>, Problem> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis)
            .ok_or_else(|| format!("timestamp {t:?} is out of range"));
    }
    DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("timestamp {t:?} is not ISO 8601: {e}"))
}

/// The portfolio from `/balance`, `/stakingBalance`, `/assets` and
/// `/ticker/price`. Fiat balances are cash. Each crypto balance (available +
/// in order) is a position priced on its `<ASSET>-EUR` market; a staked
/// amount is a position of its own (`<ASSET>:staked`), since `/balance`
/// does not include it. No market or no price: value unknown, never zero.
pub fn snapshot(
    balances: &[wire::Balance],
    staking: &[wire::StakingBalance],
    assets: &[wire::Asset],
    prices: &[wire::TickerPrice],
    include_closed: bool,
    as_of: DateTime<Utc>,
) -> Result<PortfolioSnapshot, Problem> {
    let info: HashMap<&str, &wire::Asset> = assets.iter().map(|a| (a.symbol.as_str(), a)).collect();
    let price_of: HashMap<&str, Option<Decimal>> = prices
        .iter()
        .map(|p| (p.market.as_str(), p.price))
        .collect();
    let eur = currency(QUOTE, "quote")?;

    let position = |symbol: &str, quantity: Decimal, staked: bool| -> Result<Position, Problem> {
        currency(symbol, "symbol")?;
        let asset = info.get(symbol);
        let name = asset.map_or(symbol, |a| a.name.as_str());
        // Show the quantity at the asset's precision (only ever adding zeros);
        // the value is computed from the quantity as sent.
        let mut shown = quantity;
        if let Some(decimals) = asset.and_then(|a| a.decimals)
            && shown.scale() < decimals
            && decimals <= 28
        {
            shown.rescale(decimals);
        }
        let market = format!("{symbol}-{QUOTE}");
        let price = price_of.get(market.as_str()).copied().flatten();
        let mut instrument = Instrument::new(
            if staked {
                format!("{symbol}{STAKED_SUFFIX}")
            } else {
                symbol.to_owned()
            },
            if staked {
                format!("{name} (staked)")
            } else {
                name.to_owned()
            },
            AssetClass::Crypto,
        );
        instrument.symbol = Some(symbol.to_owned());
        instrument.currency = price_of.contains_key(market.as_str()).then(|| eur.clone());
        Ok(Position {
            instrument,
            quantity: shown,
            price: price.map(|p| Money::new(p, eur.clone())),
            // A product beyond Decimal's range is an unknown value, not a panic.
            market_value: price
                .and_then(|p| p.checked_mul(quantity))
                .map(|v| Money::new(v, eur.clone())),
            cost_basis: None,
            unrealized_pnl: None,
        })
    };

    let mut positions = Vec::with_capacity(balances.len() + staking.len());
    let mut cash = Vec::new();
    for (i, b) in balances.iter().enumerate() {
        let quantity = b
            .available
            .checked_add(b.in_order)
            .ok_or_else(|| format!("[{i}]: available + inOrder is out of range"))?;
        let code = currency(&b.symbol, &format!("[{i}].symbol"))?;
        if code.is_fiat() {
            cash.push(CashBalance {
                amount: Money::new(quantity, code),
            });
        } else if include_closed || !quantity.is_zero() {
            positions.push(position(&b.symbol, quantity, false)?);
        }
    }
    for s in staking {
        if include_closed || !s.amount.is_zero() {
            positions.push(position(&s.symbol, s.amount, true)?);
        }
    }
    Ok(PortfolioSnapshot {
        as_of,
        positions,
        cash,
    })
}

/// The ledger kind of a Bitvavo history `type`.
pub fn ledger_kind(kind: &str) -> LedgerKind {
    match kind {
        "buy" => LedgerKind::Buy,
        "sell" => LedgerKind::Sell,
        "deposit" => LedgerKind::Deposit,
        "withdrawal" => LedgerKind::Withdrawal,
        "staking" | "fixed_staking" => LedgerKind::StakingReward,
        "internal_transfer" => LedgerKind::Transfer,
        other => LedgerKind::Other(other.to_owned()),
    }
}

fn money(
    amount: Option<Decimal>,
    code: Option<&str>,
    field: &str,
) -> Result<Option<Money>, Problem> {
    match (amount, code) {
        (Some(a), Some(c)) => Ok(Some(Money::new(a, currency(c, field)?))),
        (Some(_), None) => Err(format!("{field}Amount without {field}Currency")),
        _ => Ok(None),
    }
}

/// One history item as a ledger entry. Buys and sells carry the crypto
/// asset, its quantity and price, and the cash leg as `amount`; deposits,
/// rewards and other incoming types are positive, outgoing ones negative.
pub fn ledger_entry(item: &wire::HistoryItem) -> Result<LedgerEntry, Problem> {
    let kind = ledger_kind(&item.kind);
    let timestamp = timestamp(&item.executed_at)?;
    let sent = money(item.sent_amount, item.sent_currency.as_deref(), "sent")?;
    let received = money(
        item.received_amount,
        item.received_currency.as_deref(),
        "received",
    )?;
    let price = money(item.price_amount, item.price_currency.as_deref(), "price")?;
    let fee = money(
        item.fees_amount.map(|f| f.abs()),
        item.fees_currency.as_deref(),
        "fees",
    )?;
    let negate = |m: Money| Money::new(-m.amount.abs(), m.currency);

    // For trades, the asset leg is the instrument and the other leg is cash.
    let (instrument, quantity, amount) = if kind.is_trade() {
        let (asset_leg, cash_leg) = if kind == LedgerKind::Buy {
            (received, sent.map(negate))
        } else {
            (sent, received)
        };
        let asset = asset_leg
            .ok_or_else(|| format!("{} {} has no asset amount", item.kind, item.transaction_id))?;
        let cash = cash_leg
            .ok_or_else(|| format!("{} {} has no cash amount", item.kind, item.transaction_id))?;
        let mut instrument = Instrument::new(
            asset.currency.as_str(),
            asset.currency.as_str(),
            AssetClass::Crypto,
        );
        instrument.symbol = Some(asset.currency.as_str().to_owned());
        instrument.currency = Some(cash.currency.clone());
        (Some(instrument), Some(asset.amount.abs()), cash)
    } else {
        let amount = match (received, sent) {
            (Some(r), _) => r,
            (None, Some(s)) => negate(s),
            // A type with no amount at all (an administrative record).
            (None, None) => match &fee {
                Some(f) => Money::new(Decimal::ZERO, f.currency.clone()),
                None => Money::new(Decimal::ZERO, currency(QUOTE, "quote")?),
            },
        };
        (None, None, amount)
    };
    let description = match (&kind, &item.address) {
        (LedgerKind::Other(_), _) => Some(item.kind.clone()),
        (_, Some(address)) if !address.is_empty() => Some(format!("address {address}")),
        _ => None,
    };
    Ok(LedgerEntry {
        id: item.transaction_id.clone(),
        timestamp,
        kind,
        instrument,
        quantity,
        price,
        amount,
        fees: fee.into_iter().filter(|f| !f.amount.is_zero()).collect(),
        description,
    })
}

/// Adds status and transaction hash from `/depositHistory` or
/// `/withdrawalHistory` to the matching ledger entries (same asset, same
/// amount, booked within an hour). Never adds or removes an entry.
pub fn enrich(entries: &mut [LedgerEntry], kind: &LedgerKind, transfers: &[wire::Transfer]) {
    const WINDOW_MS: i64 = 3_600_000;
    let mut used = vec![false; transfers.len()];
    for e in entries.iter_mut().filter(|e| &e.kind == kind) {
        let at = e.timestamp.timestamp_millis();
        let best = transfers
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                !used[*i]
                    && t.symbol == e.amount.currency.as_str()
                    && t.amount.abs() == e.amount.amount.abs()
                    && (t.timestamp.0 - at).abs() <= WINDOW_MS
            })
            .min_by_key(|(_, t)| (t.timestamp.0 - at).abs());
        if let Some((i, t)) = best {
            used[i] = true;
            let mut parts: Vec<String> = e.description.take().into_iter().collect();
            if let Some(status) = &t.status {
                parts.push(format!("status {status}"));
            }
            if let Some(tx) = t.tx_id.as_ref().filter(|x| !x.is_empty()) {
                parts.push(format!("tx {tx}"));
            }
            e.description = (!parts.is_empty()).then(|| parts.join("; "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn item(json: &str) -> wire::HistoryItem {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn buy_maps_every_field() {
        let e = ledger_entry(&item(
            r#"{"transactionId":"a1","executedAt":"2024-01-10T10:58:53.123Z","type":"buy",
                "priceCurrency":"EUR","priceAmount":"38752.12","sentCurrency":"EUR","sentAmount":"100",
                "receivedCurrency":"BTC","receivedAmount":"0.00258050","feesCurrency":"EUR","feesAmount":"0.25"}"#,
        ))
        .unwrap();
        assert_eq!(e.id, "a1");
        assert_eq!(e.timestamp.to_rfc3339(), "2024-01-10T10:58:53.123+00:00");
        assert_eq!(e.kind, LedgerKind::Buy);
        let i = e.instrument.unwrap();
        assert_eq!(
            (i.broker_id.as_str(), i.asset_class),
            ("BTC", AssetClass::Crypto)
        );
        assert_eq!(e.quantity, Some(d("0.00258050")));
        assert_eq!(e.price.unwrap().amount, d("38752.12"));
        assert_eq!(e.amount.amount, d("-100"));
        assert_eq!(e.amount.currency.as_str(), "EUR");
        assert_eq!(e.fees[0].amount, d("0.25"));
    }

    #[test]
    fn sell_withdrawal_staking_and_unknown_types() {
        let sell = ledger_entry(&item(
            r#"{"transactionId":"s","executedAt":"2024-02-01T00:00:00.000Z","type":"sell","priceCurrency":"EUR",
                "priceAmount":"40000","sentCurrency":"BTC","sentAmount":"0.0015","receivedCurrency":"EUR",
                "receivedAmount":"60","feesCurrency":"EUR","feesAmount":"0.15"}"#,
        ))
        .unwrap();
        assert_eq!(
            (sell.kind, sell.quantity, sell.amount.amount),
            (LedgerKind::Sell, Some(d("0.0015")), d("60"))
        );
        let w = ledger_entry(&item(
            r#"{"transactionId":"w","executedAt":"2024-02-01T00:00:00.000Z","type":"withdrawal","sentCurrency":"BTC",
                "sentAmount":"0.0025","feesCurrency":"BTC","feesAmount":"0.00003","address":"bc1qxy"}"#,
        ))
        .unwrap();
        assert_eq!(
            (w.kind.clone(), w.amount.amount, w.amount.currency.as_str()),
            (LedgerKind::Withdrawal, d("-0.0025"), "BTC")
        );
        assert_eq!(w.fees[0].amount, d("0.00003"));
        assert_eq!(w.description.as_deref(), Some("address bc1qxy"));
        let r = ledger_entry(&item(
            r#"{"transactionId":"r","executedAt":"1704880733000","type":"fixed_staking","receivedCurrency":"ETH","receivedAmount":"0.000051"}"#,
        ))
        .unwrap();
        assert_eq!(
            (r.kind, r.amount.amount),
            (LedgerKind::StakingReward, d("0.000051"))
        );
        assert_eq!(r.timestamp.timestamp_millis(), 1_704_880_733_000);
        let new = ledger_entry(&item(
            r#"{"transactionId":"n","executedAt":"2025-02-01T00:00:00Z","type":"launchpool_reward","receivedCurrency":"NEAR","receivedAmount":"0.5"}"#,
        ))
        .unwrap();
        assert_eq!(new.kind, LedgerKind::Other("launchpool_reward".into()));
        assert_eq!(new.description.as_deref(), Some("launchpool_reward"));
    }

    #[test]
    fn broken_items_are_problems_not_panics() {
        assert!(
            ledger_entry(&item(
                r#"{"transactionId":"x","executedAt":"yesterday","type":"deposit"}"#
            ))
            .is_err()
        );
        assert!(
            ledger_entry(&item(r#"{"transactionId":"x","executedAt":"2024-01-01T00:00:00Z","type":"buy","sentCurrency":"EUR","sentAmount":"1"}"#))
                .is_err()
        );
        assert!(
            ledger_entry(&item(r#"{"transactionId":"x","executedAt":"2024-01-01T00:00:00Z","type":"deposit","receivedAmount":"1"}"#))
                .is_err()
        );
    }

    #[test]
    fn snapshot_prices_cash_staking_and_unknowns() {
        let balances: Vec<wire::Balance> = serde_json::from_str(
            r#"[{"symbol":"EUR","available":"10.5","inOrder":"2"},{"symbol":"BTC","available":"0.5","inOrder":"0.25"},
                {"symbol":"XNO","available":"3","inOrder":"0"},{"symbol":"LTC","available":"0","inOrder":"0"},
                {"symbol":"DOGE","available":"0.00000012","inOrder":"0"}]"#,
        )
        .unwrap();
        let staking: Vec<wire::StakingBalance> =
            serde_json::from_str(r#"[{"symbol":"BTC","amount":"0.1"}]"#).unwrap();
        let assets: Vec<wire::Asset> =
            serde_json::from_str(r#"[{"symbol":"BTC","name":"Bitcoin","decimals":8}]"#).unwrap();
        let prices: Vec<wire::TickerPrice> = serde_json::from_str(
            r#"[{"market":"BTC-EUR","price":"40000.5"},{"market":"DOGE-EUR","price":"0.1"},{"market":"ETH-BTC","price":"0.03"}]"#,
        )
        .unwrap();
        let s = snapshot(&balances, &staking, &assets, &prices, false, Utc::now()).unwrap();
        assert_eq!(s.cash.len(), 1);
        assert_eq!(s.cash[0].amount.amount, d("12.5"));
        let ids: Vec<&str> = s
            .positions
            .iter()
            .map(|p| p.instrument.broker_id.as_str())
            .collect();
        assert_eq!(ids, vec!["BTC", "XNO", "DOGE", "BTC:staked"]);
        let btc = &s.positions[0];
        assert_eq!(btc.instrument.name, "Bitcoin");
        assert_eq!(btc.quantity, d("0.75"));
        assert_eq!(btc.market_value.as_ref().unwrap().amount, d("30000.375"));
        let xno = &s.positions[1];
        assert_eq!((xno.price.clone(), xno.market_value.clone()), (None, None));
        assert_eq!(
            s.positions[2].market_value.as_ref().unwrap().amount,
            d("0.000000012")
        );
        assert_eq!(s.positions[3].instrument.name, "Bitcoin (staked)");
        assert_eq!(
            s.positions[3].market_value.as_ref().unwrap().amount,
            d("4000.05")
        );
        let all = snapshot(&balances, &staking, &assets, &prices, true, Utc::now()).unwrap();
        assert_eq!(
            all.positions.len(),
            5,
            "the zero LTC balance shows when closed positions are asked for"
        );
    }

    #[test]
    fn amounts_beyond_decimal_range_are_problems_or_unknown() {
        let max = "79228162514264337593543950335";
        let balances: Vec<wire::Balance> = serde_json::from_str(&format!(
            r#"[{{"symbol":"BTC","available":"{max}","inOrder":"1"}}]"#
        ))
        .unwrap();
        assert!(snapshot(&balances, &[], &[], &[], false, Utc::now()).is_err());
        let balances: Vec<wire::Balance> = serde_json::from_str(&format!(
            r#"[{{"symbol":"BTC","available":"{max}","inOrder":"0"}}]"#
        ))
        .unwrap();
        let prices: Vec<wire::TickerPrice> =
            serde_json::from_str(r#"[{"market":"BTC-EUR","price":"2"}]"#).unwrap();
        let s = snapshot(&balances, &[], &[], &prices, false, Utc::now()).unwrap();
        assert_eq!(
            s.positions[0].market_value, None,
            "an overflowing value is unknown"
        );
    }

    mod never_panics {
        use super::super::*;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = Option<String>> {
            prop::option::of(prop_oneof![
                "[A-Z0-9]{0,6}".prop_map(|s| s),
                "-?[0-9]{0,30}(\\.[0-9]{0,30})?".prop_map(|s| s),
                any::<String>(),
            ])
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Whatever Bitvavo sends in a history item, conversion gives an
            /// entry or a problem: never a panic.
            #[test]
            fn history_items(kind in prop_oneof![Just("buy".to_owned()), Just("sell".to_owned()), Just("deposit".to_owned()), any::<String>()],
                             at in prop_oneof![Just("2024-01-10T10:58:53.000Z".to_owned()), "[0-9]{0,20}", any::<String>()],
                             sent in text(), recv in text(), price in text(), fee in text(), cur in text()) {
                let mut v = serde_json::json!({"transactionId": "x", "executedAt": at, "type": kind});
                for (k, val) in [("sentAmount", &sent), ("receivedAmount", &recv), ("priceAmount", &price), ("feesAmount", &fee)] {
                    if let Some(val) = val { v[k] = serde_json::json!(val); }
                }
                for k in ["sentCurrency", "receivedCurrency", "priceCurrency", "feesCurrency"] {
                    if let Some(c) = &cur { v[k] = serde_json::json!(c); }
                }
                if let Ok(item) = serde_json::from_value::<wire::HistoryItem>(v) {
                    let _ = ledger_entry(&item);
                }
            }

            #[test]
            fn timestamps(t in any::<String>()) {
                let _ = timestamp(&t);
            }
        }
    }
}
