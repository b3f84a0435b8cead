//! Adapters that serve one service version on top of the other.
//!
//! * [`V1AsV2`] wraps a legacy (v1) plugin so v2 callers can use it.
//! * [`V2AsV1`] wraps a v2 plugin so legacy (v1) callers can use it.
//!
//! They carry over everything the target shape can hold. What they cannot
//! carry is listed on each type and pinned by tests.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::Utc;
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{AssetClass, Instrument, Money};
use crate::v1;
use crate::v2::{self, LedgerEntry, LedgerKind, Page, PortfolioQuery, TransactionQuery};

/// Serves a v1 service as v2.
///
/// Portfolio: each v1 entry becomes a [`v2::Position`], except entries with
/// `product_type == "cash"`, which become [`v2::CashBalance`]s (their `value`,
/// else their `shares`). Cost basis is `break_even_price * shares`.
/// Cannot provide: the snapshot time (v1 has none: the time of the call is
/// used), the broker's own instrument id (the ISIN, else the symbol, stands
/// in), and the exchange.
///
/// Transactions: v1 lists trades only, so queries for other kinds return
/// nothing. v1 trades have no id; each gets a stable id made of its date,
/// side, symbol, quantity and price (plus `#n` for identical trades). v1 has
/// no asset class for trades: it is `other("unknown")`. Fees are one amount in
/// the trade's currency. v1 names no account, no linked entry and no
/// corporate action: those fields are empty.
///
#[derive(Debug, Clone)]
pub struct V1AsV2<S>(pub S);

/// Serves a v2 service as v1.
///
/// Portfolio: positions become entries; cash balances become entries with
/// `product_type "cash"`, `price 1` and `value = shares = amount`.
/// `break_even_price` is `cost_basis / quantity` when both are in the price's
/// currency. Cannot carry: the snapshot time, the broker's instrument id and
/// exchange, cost basis or P&L in a currency other than the price's (dropped),
/// and closed positions (never asked for).
///
/// Transactions: only buys and sells (v1 has no other kinds). `fees` is the
/// sum of the fees in the trade's currency; fees in other currencies cannot be
/// carried and are dropped. A trade without a quantity breaks the v2 contract
/// and is reported as a [`crate::ErrorKind::Plugin`] error.
///
/// Cannot carry (v1 has no place for them): accounts, links between
/// entries, corporate actions, transferred cost basis, positions that name
/// no currency at all, and the `problems` of snapshots and pages (each
/// logged at `warn` level instead).
#[derive(Debug, Clone)]
pub struct V2AsV1<S>(pub S);

/// Takes the entry by value so its strings move instead of being copied;
/// its codes were checked when the v1 plugin made them.
fn v1_entry_to_position(e: v1::PortfolioEntry) -> v2::Position {
    let currency = e.currency;
    let money = |d: Decimal| Money::new(d, currency);
    let broker_id = match &e.isin {
        Some(isin) => isin.as_str().to_owned(),
        None => e.symbol.clone(),
    };
    let mut p = v2::Position::new(
        Instrument {
            broker_id,
            symbol: Some(e.symbol),
            isin: e.isin,
            name: e.name,
            asset_class: e.product_type,
            currency: Some(currency),
            exchange: None,
            ids: Default::default(),
            multiplier: None,
        },
        e.shares,
    );
    p.price = e.price.map(money);
    p.market_value = e.value.map(money);
    p.cost_basis = e
        .break_even_price
        .and_then(|b| b.checked_mul(e.shares))
        .map(money);
    p.unrealized_pnl = e.unrealized_gain.map(money);
    p
}

#[async_trait]
impl<S: v1::PortfolioService> v2::PortfolioService for V1AsV2<S> {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<v2::PortfolioSnapshot> {
        let entries = self.0.portfolio().await?;
        let mut snap = v2::PortfolioSnapshot::new(Utc::now());
        snap.positions.reserve(entries.len());
        for e in entries {
            if e.product_type == AssetClass::Cash {
                let amount = Money::new(e.value.unwrap_or(e.shares), e.currency);
                snap.cash.push(v2::CashBalance::new(amount));
            } else if query.include_closed || !e.shares.is_zero() {
                snap.positions.push(v1_entry_to_position(e));
            }
        }
        Ok(snap)
    }
}

fn v1_trade_to_entry(t: &v1::Transaction, id: String) -> LedgerEntry {
    let currency = t.currency;
    let mut instrument = Instrument::new(
        t.symbol.clone(),
        t.symbol.clone(),
        AssetClass::Other("unknown".into()),
    );
    instrument.symbol = Some(t.symbol.clone());
    instrument.currency = Some(currency);
    let kind = match t.side {
        v1::Side::Buy => LedgerKind::Buy,
        v1::Side::Sell => LedgerKind::Sell,
    };
    let mut e = LedgerEntry::new(id, t.date, kind, Money::new(t.total, currency));
    e.instrument = Some(instrument);
    e.quantity = Some(t.quantity);
    e.price = Some(Money::new(t.price, currency));
    if !t.fees.is_zero() {
        e.fees.push(Money::new(t.fees, currency));
    }
    e
}

/// The stable id of a v1 trade: its defining fields, numbered when several
/// trades share them.
fn v1_trade_id(t: &v1::Transaction, seen: &mut HashMap<String, u32>) -> String {
    let side = match t.side {
        v1::Side::Buy => "buy",
        v1::Side::Sell => "sell",
    };
    let base = format!(
        "v1:{}:{side}:{}:{}:{}",
        t.date.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        t.symbol,
        t.quantity.normalize(),
        t.price.normalize()
    );
    let n = seen.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 { base } else { format!("{base}#{n}") }
}

#[async_trait]
impl<S: v1::TransactionService> v2::TransactionService for V1AsV2<S> {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let mut trades = self.0.transactions().await?;
        // Ids number identical trades in date order, so sort before naming.
        trades.sort_by_key(|t| t.date);
        let mut seen = HashMap::new();
        let mut entries = Vec::with_capacity(trades.len());
        for t in &trades {
            let entry = v1_trade_to_entry(t, v1_trade_id(t, &mut seen));
            if query.matches(&entry) {
                entries.push(entry);
            }
        }
        v2::page_from_vec(entries, query)
    }
}

/// The position in v1's shape; `None` when it names no currency at all
/// (v1 cannot carry it).
fn position_to_v1(p: &v2::Position) -> Option<v1::PortfolioEntry> {
    let currency = p
        .price
        .as_ref()
        .or(p.market_value.as_ref())
        .map(|m| m.currency)
        .or(p.instrument.currency)
        .or(p.cost_basis.as_ref().map(|m| m.currency));
    let currency = currency?;
    let in_currency = |m: &Option<Money>| {
        m.as_ref()
            .filter(|m| m.currency == currency)
            .map(|m| m.amount)
    };
    let break_even_price = in_currency(&p.cost_basis)
        .filter(|_| !p.quantity.is_zero())
        .and_then(|c| c.checked_div(p.quantity));
    Some(v1::PortfolioEntry {
        name: p.instrument.name.clone(),
        symbol: p.instrument.label().to_owned(),
        isin: p.instrument.isin,
        shares: p.quantity,
        price: in_currency(&p.price),
        value: in_currency(&p.market_value),
        currency,
        break_even_price,
        unrealized_gain: in_currency(&p.unrealized_pnl),
        product_type: p.instrument.asset_class.clone(),
    })
}

fn cash_to_v1(c: &v2::CashBalance) -> v1::PortfolioEntry {
    let code = c.amount.currency.as_str().to_owned();
    v1::PortfolioEntry {
        name: code.clone(),
        symbol: code,
        isin: None,
        shares: c.amount.amount,
        price: Some(Decimal::ONE),
        value: Some(c.amount.amount),
        currency: c.amount.currency,
        break_even_price: None,
        unrealized_gain: None,
        product_type: AssetClass::Cash,
    }
}

#[async_trait]
impl<S: v2::PortfolioService> v1::PortfolioService for V2AsV1<S> {
    async fn portfolio(&self) -> Result<Vec<v1::PortfolioEntry>> {
        let snap = self.0.snapshot(&PortfolioQuery::default()).await?;
        for p in &snap.problems {
            tracing::warn!("left out of the v2 snapshot (v1 cannot carry problems): {p}");
        }
        let mut out = Vec::with_capacity(snap.positions.len() + snap.cash.len());
        for p in &snap.positions {
            match position_to_v1(p) {
                Some(entry) => out.push(entry),
                None => tracing::warn!(
                    "position {} names no currency, which v1 needs: left out",
                    p.instrument.broker_id
                ),
            }
        }
        out.extend(snap.cash.iter().map(cash_to_v1));
        Ok(out)
    }
}

fn entry_to_v1_trade(e: &LedgerEntry) -> Result<v1::Transaction> {
    let side = match e.kind {
        LedgerKind::Buy => v1::Side::Buy,
        _ => v1::Side::Sell,
    };
    let quantity = e
        .quantity
        .ok_or_else(|| Error::plugin_fault(format!("trade {:?} has no quantity", e.id)))?
        .abs();
    let currency = e.amount.currency;
    let price = match &e.price {
        Some(p) if p.currency == currency => p.amount,
        _ => e
            .amount
            .amount
            .abs()
            .checked_div(quantity)
            .ok_or_else(|| Error::plugin_fault(format!("trade {:?} has no price", e.id)))?,
    };
    let fees = e
        .fees
        .iter()
        .filter(|f| f.currency == currency)
        .map(|f| f.amount)
        .sum();
    let symbol = e
        .instrument
        .as_ref()
        .map(|i| i.label().to_owned())
        .unwrap_or_default();
    Ok(v1::Transaction {
        date: e.timestamp,
        side,
        symbol,
        quantity,
        price,
        total: e.amount.amount,
        fees,
        currency,
    })
}

#[async_trait]
impl<S: v2::TransactionService> v1::TransactionService for V2AsV1<S> {
    async fn transactions(&self) -> Result<Vec<v1::Transaction>> {
        let query = TransactionQuery::new().kinds([LedgerKind::Buy, LedgerKind::Sell]);
        let page = v2::collect_ledger(&self.0, query).await?;
        for p in &page.problems {
            tracing::warn!("left out of the v2 ledger (v1 cannot carry problems): {p}");
        }
        page.items
            .iter()
            .filter(|e| e.kind.is_trade())
            .map(entry_to_v1_trade)
            .collect()
    }
}
