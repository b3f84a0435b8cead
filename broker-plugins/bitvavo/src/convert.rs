//! Bitvavo's wire shapes to stonks-core models: pure functions.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use stonks_core::v2::{CashBalance, LedgerEntry, LedgerKind, Page, PortfolioSnapshot, Position};
use stonks_core::wire::{ConvertError, clean_text, currency};
use stonks_core::{AssetClass, Currency, Instrument, Money, ReadProblem, Result};

use crate::wire;

/// The quote currency of the markets used for prices (`<ASSET>-EUR`).
const QUOTE: &str = "EUR";

/// A Bitvavo key reads one account; this is its name in ledger entries,
/// positions and cash.
pub const ACCOUNT: &str = "main";

/// Suffix of the broker id of a staked amount, kept apart from the free balance.
pub const STAKED_SUFFIX: &str = ":staked";

/// The `<ASSET>-EUR` market of a crypto instrument (its asset code from
/// the symbol, else the broker id), or `None` for anything else (euros
/// themselves included).
pub fn eur_market(instrument: &Instrument) -> Option<String> {
    if !crate::prices::is_crypto(instrument) {
        return None;
    }
    let asset = instrument
        .symbol
        .as_deref()
        .and_then(stonks_core::identity::crypto_asset)
        .or_else(|| stonks_core::identity::crypto_asset(&instrument.broker_id))?;
    (asset != QUOTE).then(|| format!("{asset}-{QUOTE}"))
}

/// The closes of one page of daily candles of `market` whose start lies in
/// `range` (Unix ms, end exclusive), each on the UTC date its candle
/// begins; a row that cannot be read is a problem naming the market.
pub fn candle_closes(
    rows: &stonks_core::wire::Rows<'_, wire::Candle>,
    market: &str,
    range: (i64, i64),
    redactor: &stonks_core::http::Redactor,
) -> (Vec<stonks_core::prices::Close>, Vec<ReadProblem>) {
    let closes = rows
        .ok
        .iter()
        .filter(|c| (range.0..range.1).contains(&c.0.0.timestamp_millis()))
        .map(|c| stonks_core::prices::Close {
            date: c.0.0.date_naive(),
            close: c.4.0,
        })
        .collect();
    let problems = rows
        .problems("GET /{market}/candles", "", redactor)
        .into_iter()
        .map(|p| p.item(market))
        .collect();
    (closes, problems)
}

fn eur() -> Currency {
    Currency::EUR
}

/// The portfolio from `/balance`, `/stakingBalance`, `/assets` and
/// `/ticker/price`. Fiat balances are cash. Each crypto balance (available +
/// in order) is a position priced on its `<ASSET>-EUR` market; a staked
/// amount is a position of its own (`<ASSET>:staked`), since `/balance`
/// does not include it. No market or no price: value unknown, never zero.
///
/// What cannot be trusted is left out and reported: a second balance for a
/// symbol already seen, a negative balance, a symbol that is not a code, an
/// amount out of range.
pub fn snapshot(
    balances: &[wire::Balance<'_>],
    staking: &[wire::StakingBalance<'_>],
    assets: &[wire::Asset<'_>],
    prices: &[wire::TickerPrice<'_>],
    include_closed: bool,
    as_of: DateTime<Utc>,
) -> PortfolioSnapshot {
    let info: HashMap<&str, &wire::Asset<'_>> =
        assets.iter().map(|a| (a.symbol.as_ref(), a)).collect();
    let price_of: HashMap<&str, Option<Decimal>> = prices
        .iter()
        .map(|p| (p.market.as_ref(), p.price.map(|d| d.0)))
        .collect();
    let eur = eur();
    let mut snap = PortfolioSnapshot::new(as_of);

    let position = |symbol: &str, code: Currency, quantity: Decimal, staked: bool| {
        let asset = info.get(symbol);
        let name = asset.and_then(|a| a.name.as_deref()).unwrap_or(symbol);
        // Show the quantity at the asset's precision (only ever adding zeros);
        // the value is computed from the quantity as sent.
        let mut shown = quantity;
        if let Some(decimals) = asset.and_then(|a| a.decimals.map(|d| d.0))
            && shown.scale() < decimals
            && decimals <= 28
        {
            shown.rescale(decimals);
        }
        let market = format!("{}-{QUOTE}", code.as_str());
        let price = price_of.get(market.as_str()).copied().flatten();
        let (id, name) = if staked {
            (
                format!("{symbol}{STAKED_SUFFIX}"),
                format!("{name} (staked)"),
            )
        } else {
            (symbol.to_owned(), name.to_owned())
        };
        let mut instrument = Instrument::new(id, name, AssetClass::Crypto);
        instrument.symbol = Some(code.as_str().to_owned());
        instrument.currency = price_of.contains_key(market.as_str()).then_some(eur);
        let mut p = Position::new(instrument, shown);
        p.account = Some(ACCOUNT.to_owned());
        p.price = price.map(|p| Money::new(p, eur));
        // A product beyond Decimal's range is an unknown value, not a panic.
        p.market_value = price
            .and_then(|p| p.checked_mul(quantity))
            .map(|v| Money::new(v, eur));
        p
    };

    let mut seen: Vec<&str> = Vec::with_capacity(balances.len());
    for (i, b) in balances.iter().enumerate() {
        let problem = |message: String| {
            ReadProblem::new("GET /balance", message)
                .item(b.symbol.as_ref())
                .field(format!("[{i}]"))
        };
        if seen.contains(&b.symbol.as_ref()) {
            snap.problems.push(problem(format!(
                "a second balance for {}: left out, the first is kept",
                b.symbol
            )));
            continue;
        }
        seen.push(b.symbol.as_ref());
        let code = match currency(&b.symbol, "symbol") {
            Ok(c) => c,
            Err(e) => {
                snap.problems.push(problem(e.to_string()));
                continue;
            }
        };
        let in_order = b.in_order.map_or(Decimal::ZERO, |d| d.0);
        let Some(quantity) = b.available.0.checked_add(in_order) else {
            snap.problems
                .push(problem("available + inOrder is out of range".into()));
            continue;
        };
        if quantity.is_sign_negative() && !quantity.is_zero() {
            snap.problems
                .push(problem(format!("negative balance {quantity}: left out")));
            continue;
        }
        if code.is_fiat() {
            let mut cash = CashBalance::new(Money::new(quantity, code));
            cash.account = Some(ACCOUNT.to_owned());
            snap.cash.push(cash);
        } else if include_closed || !quantity.is_zero() {
            snap.positions
                .push(position(&b.symbol, code, quantity, false));
        }
    }
    for (i, s) in staking.iter().enumerate() {
        let code = match currency(&s.symbol, "symbol") {
            Ok(c) => c,
            Err(e) => {
                snap.problems.push(
                    ReadProblem::new("GET /stakingBalance", e.to_string())
                        .item(s.symbol.as_ref())
                        .field(format!("[{i}]")),
                );
                continue;
            }
        };
        if include_closed || !s.amount.0.is_zero() {
            snap.positions
                .push(position(&s.symbol, code, s.amount.0, true));
        }
    }
    snap
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
    amount: Option<stonks_core::wire::ExactDecimal>,
    code: Option<Currency>,
    field: &str,
) -> Result<Option<Money>, ConvertError> {
    match (amount, code) {
        (Some(a), Some(c)) => Ok(Some(Money::new(a.0, c))),
        (Some(_), None) => Err(ConvertError::at(
            format!("{field}Currency"),
            format!("{field}Amount without {field}Currency"),
        )),
        _ => Ok(None),
    }
}

/// The asset leg and the cash leg of a trade. The cash leg is the one in
/// the price's currency; Bitvavo's own example of a sell sends the fiat leg
/// as `sent`, so the direction alone cannot tell them apart.
fn trade_legs(
    kind: &LedgerKind,
    sent: Option<Money>,
    received: Option<Money>,
    price: Option<&Money>,
) -> Result<(Money, Money), ConvertError> {
    let (sent, received) = match (sent, received) {
        (Some(s), Some(r)) => (s, r),
        (None, _) => {
            return Err(ConvertError::at(
                "sentAmount",
                "a trade without a sent amount",
            ));
        }
        (_, None) => {
            return Err(ConvertError::at(
                "receivedAmount",
                "a trade without a received amount",
            ));
        }
    };
    let Some(price) = price else {
        // No price to tell by: the direction decides.
        return Ok(if *kind == LedgerKind::Buy {
            (received, sent)
        } else {
            (sent, received)
        });
    };
    let quote = price.currency;
    match (sent.currency == quote, received.currency == quote) {
        (true, false) => Ok((received, sent)),
        (false, true) => Ok((sent, received)),
        _ => Err(ConvertError::at(
            "priceCurrency",
            format!(
                "cannot tell the asset from the cash: sent {}, received {}, priced in {quote}",
                sent.currency, received.currency
            ),
        )),
    }
}

/// One history item as a ledger entry. Buys and sells carry the crypto
/// asset, its quantity and price, and the cash leg as `amount` (negative
/// for buys); deposits, rewards and other incoming types are positive,
/// outgoing ones negative.
pub fn ledger_entry(item: &wire::HistoryItem<'_>) -> Result<LedgerEntry, ConvertError> {
    let kind = ledger_kind(&item.kind);
    let sent = money(item.sent_amount, item.sent_currency, "sent")?;
    let received = money(item.received_amount, item.received_currency, "received")?;
    let price = money(item.price_amount, item.price_currency, "price")?;
    let fee = money(
        item.fees_amount
            .map(|f| stonks_core::wire::ExactDecimal(f.0.abs())),
        item.fees_currency,
        "fees",
    )?;
    let negate = |m: Money| Money::new(-m.amount.abs(), m.currency);

    let (instrument, quantity, amount) = if kind.is_trade() {
        let (asset, cash) = trade_legs(&kind, sent, received, price.as_ref())?;
        let cash = if kind == LedgerKind::Buy {
            negate(cash)
        } else {
            Money::new(cash.amount.abs(), cash.currency)
        };
        let code = asset.currency.as_str();
        let mut instrument = Instrument::new(code, code, AssetClass::Crypto);
        instrument.symbol = Some(code.to_owned());
        instrument.currency = Some(cash.currency);
        (Some(instrument), Some(asset.amount.abs()), cash)
    } else {
        let amount = match (received, sent) {
            (Some(r), _) => r,
            (None, Some(s)) => negate(s),
            // A type with no amount at all (an administrative record).
            (None, None) => Money::new(Decimal::ZERO, fee.map_or_else(eur, |f| f.currency)),
        };
        (None, None, amount)
    };
    let mut e = LedgerEntry::new(
        item.transaction_id.as_ref(),
        item.executed_at.0,
        kind,
        amount,
    );
    e.account = Some(ACCOUNT.to_owned());
    e.description = match (&e.kind, clean_text(item.address.as_deref())) {
        (LedgerKind::Other(_), _) => Some(item.kind.clone().into_owned()),
        (_, Some(address)) => Some(format!("address {address}")),
        _ => None,
    };
    e.instrument = instrument;
    e.quantity = quantity;
    e.price = price;
    e.fees = fee.into_iter().filter(|f| !f.amount.is_zero()).collect();
    Ok(e)
}

/// The entries of one history page, in time order, with a problem for each
/// item that could not be read.
pub fn history_entries(
    page: &wire::HistoryPage<'_>,
    redactor: &stonks_core::http::Redactor,
) -> (Vec<LedgerEntry>, Vec<ReadProblem>) {
    const ENDPOINT: &str = "GET /account/history";
    let mut problems = page.items.problems(ENDPOINT, "transactionId", redactor);
    let mut entries = Vec::with_capacity(page.items.ok.len());
    for item in &page.items.ok {
        match ledger_entry(item) {
            Ok(e) => entries.push(e),
            Err(why) => problems.push(why.problem(ENDPOINT, Some(&item.transaction_id))),
        }
    }
    stonks_core::v2::sort_by_time(&mut entries);
    (entries, problems)
}

/// An `/account/history` answer as wire bytes, read into one page of ledger
/// entries (no cursor) with its problems: the whole parsing path, for tests
/// and benchmarks.
pub fn parse_history_page(body: &[u8]) -> Result<Page<LedgerEntry>> {
    let page: wire::HistoryPage<'_> = stonks_core::wire::from_json("GET /account/history", body)?;
    let (entries, problems) = history_entries(&page, &stonks_core::http::Redactor::new());
    Ok(Page::last(entries).with_problems(problems))
}

/// What `/depositHistory` or `/withdrawalHistory` adds to a ledger entry.
#[derive(Debug, Clone)]
struct TransferInfo {
    at_ms: i64,
    status: Option<String>,
    tx_id: Option<String>,
}

/// Deposit or withdrawal details, indexed by asset and amount so matching
/// an entry is one lookup, not a scan.
#[derive(Debug, Default)]
pub struct TransferIndex {
    by_key: HashMap<(Currency, Decimal), Vec<TransferInfo>>,
}

impl TransferIndex {
    /// The index of the rows of one answer (rows with an invalid code are
    /// skipped: they only ever enrich).
    pub fn new(rows: &[wire::Transfer<'_>]) -> Self {
        let mut by_key: HashMap<(Currency, Decimal), Vec<TransferInfo>> = HashMap::new();
        for t in rows {
            let Ok(code) = Currency::new(&t.symbol) else {
                continue;
            };
            by_key
                .entry((code, t.amount.0.abs().normalize()))
                .or_default()
                .push(TransferInfo {
                    at_ms: t.timestamp.0.timestamp_millis(),
                    status: clean_text(t.status.as_deref()).map(str::to_owned),
                    tx_id: clean_text(t.tx_id.as_deref()).map(str::to_owned),
                });
        }
        TransferIndex { by_key }
    }
}

/// Adds status and transaction hash from `/depositHistory` or
/// `/withdrawalHistory` to the matching ledger entries (same asset, same
/// amount, booked within an hour, each row used once). Never adds or
/// removes an entry.
pub fn enrich(entries: &mut [LedgerEntry], kind: &LedgerKind, index: &mut TransferIndex) {
    const WINDOW_MS: i64 = 3_600_000;
    for e in entries.iter_mut().filter(|e| &e.kind == kind) {
        let key = (e.amount.currency, e.amount.amount.abs().normalize());
        let Some(candidates) = index.by_key.get_mut(&key) else {
            continue;
        };
        let at = e.timestamp.timestamp_millis();
        let best = candidates
            .iter()
            .enumerate()
            .filter(|(_, t)| (t.at_ms - at).abs() <= WINDOW_MS)
            .min_by_key(|(_, t)| (t.at_ms - at).abs())
            .map(|(i, _)| i);
        if let Some(i) = best {
            let t = candidates.swap_remove(i);
            let mut parts: Vec<String> = e.description.take().into_iter().collect();
            if let Some(status) = t.status {
                parts.push(format!("status {status}"));
            }
            if let Some(tx) = t.tx_id {
                parts.push(format!("tx {tx}"));
            }
            e.description = (!parts.is_empty()).then(|| parts.join("; "));
        }
    }
}

#[cfg(test)]
mod tests;
