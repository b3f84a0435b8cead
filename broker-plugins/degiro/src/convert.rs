//! DEGIRO's wire shapes to stonks-core models: pure functions.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use stonks_core::v2::{
    CashBalance, CorporateAction, LedgerEntry, LedgerKind, Page, PortfolioSnapshot, Position, Ratio,
};
use stonks_core::wire::{ConvertError, Rows, parse_decimal};
use stonks_core::{AssetClass, Currency, Instrument, Isin, Money, ReadProblem, Result};

use crate::descriptions::{CashKind, classify_cash_movement, stated_units};
use crate::{exchanges, wire};

/// The asset class of a DEGIRO `productType`.
pub fn asset_class(product_type: Option<&str>) -> AssetClass {
    match product_type
        .unwrap_or_default()
        .to_ascii_uppercase()
        .as_str()
    {
        "STOCK" => AssetClass::Stock,
        "ETF" => AssetClass::Etf,
        "FUND" | "CASH_FUND" => AssetClass::Fund,
        "BOND" => AssetClass::Bond,
        "OPTION" => AssetClass::Option,
        "FUTURE" => AssetClass::Future,
        "WARRANT" | "LEVERAGED" | "TURBO" => AssetClass::Warrant,
        "" => AssetClass::Other("unknown".into()),
        other => AssetClass::Other(other.to_ascii_lowercase()),
    }
}

/// The instrument of a product. A malformed ISIN is dropped, not fatal;
/// `exchange` keeps DEGIRO's exchange id, `ids.mic` its MIC when known.
pub fn instrument(p: &wire::Product) -> Instrument {
    let mut i = Instrument::new(
        p.id.0.clone(),
        p.name.clone(),
        asset_class(p.product_type.as_deref()),
    );
    i.symbol = p.symbol.clone().filter(|s| !s.is_empty());
    i.isin = p.isin.as_deref().and_then(|s| Isin::new(s).ok());
    i.currency = Some(p.currency);
    i.exchange = p.exchange_id.as_ref().map(|e| e.0.clone());
    i.ids.mic = p
        .exchange_id
        .as_ref()
        .and_then(|e| exchanges::mic(&e.0))
        .map(str::to_owned);
    i
}

/// Reads each product of a `products/info` answer on its own: the ones that
/// read become instruments, the others problems.
pub fn products(
    answer: &wire::ProductsAnswer<'_>,
    redactor: &stonks_core::http::Redactor,
) -> (HashMap<i64, Instrument>, Vec<ReadProblem>) {
    let mut out = HashMap::with_capacity(answer.data.len());
    let mut problems = Vec::new();
    for (key, raw) in &answer.data {
        match serde_json::from_str::<wire::Product>(raw.get()) {
            Ok(p) => match p.id.0.parse::<i64>() {
                Ok(id) => {
                    out.insert(id, instrument(&p));
                }
                Err(_) => problems.push(
                    ReadProblem::new("POST v5/products/info", "a product id that is not a number")
                        .item(key.as_ref()),
                ),
            },
            Err(e) => problems.push(
                ReadProblem::new("POST v5/products/info", e.to_string())
                    .item(key.as_ref())
                    .excerpt(&redactor.redact(raw.get())),
            ),
        }
    }
    (out, problems)
}

/// The fields of a row by name.
struct Fields<'a>(&'a [wire::Field<'a>]);

impl Fields<'_> {
    fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|f| f.name == name)?
            .value
            .map(|v| v.get())
    }

    fn number(&self, name: &str) -> Result<Option<Decimal>, ConvertError> {
        match self.raw(name) {
            None | Some("null") => Ok(None),
            Some(text) => {
                let t = text.trim().trim_matches('"');
                parse_decimal(t)
                    .map(Some)
                    .map_err(|e| ConvertError::at(name, e))
            }
        }
    }

    fn text(&self, name: &str) -> Option<String> {
        serde_json::from_str::<String>(self.raw(name)?).ok()
    }
}

/// Whether a portfolio row id is a product id (digits) rather than a cash
/// currency (`EUR`, `FLATEX_EUR`).
fn is_product_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// The product ids of the rows of a portfolio answer: positions, and cash
/// rows with a numeric id (money-market fund positions).
pub fn product_ids(update: &wire::UpdateAnswer<'_>) -> Vec<i64> {
    let Some(p) = &update.portfolio else {
        return Vec::new();
    };
    let mut ids: Vec<i64> = p
        .value
        .iter()
        .filter_map(|r| {
            r.id.0
                .parse::<i64>()
                .ok()
                .filter(|_| is_product_id(&r.id.0))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The currency of a row's `value`. DEGIRO's web trader shows a non-EUR
/// position's value in the account's base currency (public captures: a USD
/// position's `value` is size x price x the day's EUR rate); this settles
/// it per row from the data: a value that equals size x price is in the
/// product's currency, any other in the base currency.
fn value_currency(
    value: Decimal,
    size: Decimal,
    price: Option<Decimal>,
    per_unit: Decimal,
    product: Currency,
    base: Currency,
) -> Currency {
    if product == base {
        return base;
    }
    let Some(expected) = price
        .and_then(|p| p.checked_mul(size))
        .and_then(|x| x.checked_mul(per_unit))
    else {
        return base;
    };
    let tolerance = Decimal::new(1, 2).max(expected.abs() * Decimal::new(5, 3));
    match expected.checked_sub(value) {
        Some(diff) if diff.abs() <= tolerance => product,
        _ => base,
    }
}

/// Everything a conversion needs besides the rows.
pub struct Context<'a> {
    /// Instruments by product id.
    pub instruments: &'a HashMap<i64, Instrument>,
    /// The account's base currency (fees are charged in it).
    pub base_currency: Currency,
    /// The account (intAccount) every record belongs to.
    pub account: &'a str,
}

/// The portfolio: position rows with their product details, cash rows per
/// currency (`FLATEX_EUR` is EUR; a cash row with a numeric id is a
/// money-market fund position), break-even price x size as the cost basis;
/// size 0 only when asked. When the portfolio has no cash rows at all,
/// `totalPortfolio.totalCash` (in the base currency) stands in. A row that
/// cannot be read is left out and reported.
pub fn snapshot(
    update: &wire::UpdateAnswer<'_>,
    ctx: &Context<'_>,
    include_closed: bool,
    as_of: DateTime<Utc>,
) -> PortfolioSnapshot {
    const ENDPOINT: &str = "GET v5/update";
    let mut snap = PortfolioSnapshot::new(as_of);
    let rows = update
        .portfolio
        .as_ref()
        .map(|p| p.value.as_slice())
        .unwrap_or_default();
    for row in rows {
        let id = row.id.0.as_str();
        match position_or_cash(row, ctx, include_closed) {
            Ok(Some(Holding::Position(p))) => snap.positions.push(*p),
            Ok(Some(Holding::Cash(amount))) => {
                match snap
                    .cash
                    .iter_mut()
                    .find(|c| c.amount.currency == amount.currency)
                {
                    Some(c) => match c.amount.amount.checked_add(amount.amount) {
                        Some(sum) => c.amount.amount = sum,
                        None => snap
                            .problems
                            .push(ReadProblem::new(ENDPOINT, "cash total out of range").item(id)),
                    },
                    None => {
                        let mut cash = CashBalance::new(amount);
                        cash.account = Some(ctx.account.to_owned());
                        snap.cash.push(cash);
                    }
                }
            }
            Ok(None) => {}
            Err(e) => snap.problems.push(e.problem(ENDPOINT, Some(id))),
        }
    }
    if snap.cash.is_empty()
        && let Some(total) = &update.total_portfolio
    {
        match Fields(&total.value).number("totalCash") {
            Ok(Some(amount)) => {
                let mut cash = CashBalance::new(Money::new(amount, ctx.base_currency));
                cash.account = Some(ctx.account.to_owned());
                snap.cash.push(cash);
            }
            Ok(None) => {}
            Err(e) => snap
                .problems
                .push(e.within("totalPortfolio").problem(ENDPOINT, None)),
        }
    }
    snap
}

enum Holding {
    Position(Box<Position>),
    Cash(Money),
}

fn position_or_cash(
    row: &wire::Row<'_>,
    ctx: &Context<'_>,
    include_closed: bool,
) -> Result<Option<Holding>, ConvertError> {
    let f = Fields(&row.value);
    let id = row.id.0.as_str();
    if !is_product_id(id) {
        if f.text("positionType").as_deref() != Some("CASH") {
            return Err(ConvertError::at(
                "id",
                "a position row without a product id",
            ));
        }
        let code = stonks_core::wire::currency(id.trim_start_matches("FLATEX_"), "id")?;
        let amount = match f.number("value")? {
            Some(v) => v,
            None => f.number("size")?.unwrap_or_default(),
        };
        return Ok(Some(Holding::Cash(Money::new(amount, code))));
    }
    let Some(size) = f.number("size")? else {
        // A closed position may come without a size.
        return Ok(None);
    };
    if size.is_zero() && !include_closed {
        return Ok(None);
    }
    let product_id: i64 = id
        .parse()
        .map_err(|_| ConvertError::at("id", "not a number"))?;
    let instrument = match ctx.instruments.get(&product_id) {
        Some(i) => i.clone(),
        None => {
            return Err(ConvertError::new(format!(
                "product {id} has no details in products/info: left out"
            )));
        }
    };
    let mut instrument = instrument;
    if f.text("positionType").as_deref() == Some("CASH") {
        // A money-market fund DEGIRO counts as cash.
        instrument.asset_class = AssetClass::Fund;
    }
    let product_currency = instrument.currency.unwrap_or(ctx.base_currency);
    // Bond prices are percentages of the nominal held.
    let per_unit = if instrument.asset_class == AssetClass::Bond {
        Decimal::new(1, 2)
    } else {
        Decimal::ONE
    };
    let price = f.number("price")?;
    let value = f.number("value")?;
    let cost_basis = f
        .number("breakEvenPrice")?
        .and_then(|b| b.checked_mul(size)?.checked_mul(per_unit));
    let mut p = Position::new(instrument, size);
    p.account = Some(ctx.account.to_owned());
    p.price = price.map(|x| Money::new(x, product_currency));
    p.cost_basis = cost_basis.map(|c| Money::new(c, product_currency));
    if let Some(v) = value {
        let currency = value_currency(
            v,
            size,
            price,
            per_unit,
            product_currency,
            ctx.base_currency,
        );
        p.market_value = Some(Money::new(v, currency));
        if currency == product_currency {
            p.unrealized_pnl = cost_basis
                .and_then(|c| v.checked_sub(c))
                .map(|x| Money::new(x, currency));
        }
    }
    Ok(Some(Holding::Position(Box::new(p))))
}

/// What a trade row is: an ordinary trade, a transfer of the position, or
/// a corporate action, by `transfered` and `transactionTypeId` (see the
/// crate README for the sources of the type ids).
fn trade_kind(t: &wire::Trade<'_>) -> Result<(LedgerKind, bool), ConvertError> {
    let buy = match t.buysell.as_ref() {
        "B" => true,
        "S" => false,
        other => {
            return Err(ConvertError::at(
                "buysell",
                format!("{other:?} is neither B nor S"),
            ));
        }
    };
    if t.transfered == Some(true) {
        return Ok((LedgerKind::Transfer, buy));
    }
    let kind = match t.transaction_type_id.map_or(0, |x| x.0) {
        0 if buy => LedgerKind::Buy,
        0 => LedgerKind::Sell,
        101 => LedgerKind::Split,
        108 | 204 => LedgerKind::Merger,
        // A delisting takes the position away for what it paid (often 0).
        112 => LedgerKind::Sell,
        other => LedgerKind::Other(format!("corporate action {other}")),
    };
    Ok((kind, buy))
}

/// A trade row as a ledger entry: for trades, quantity positive and
/// `amount` the cash effect in the product's currency, the fees (charged in
/// the base currency, the AutoFX fee included) in `fees`; for transfers and
/// corporate actions, quantity signed (in positive, out negative) and no
/// cash moved.
pub fn trade_entry(t: &wire::Trade<'_>, ctx: &Context<'_>) -> Result<LedgerEntry, ConvertError> {
    let (kind, buy) = trade_kind(t)?;
    let product = t.product_id.0;
    let instrument = ctx.instruments.get(&product).ok_or_else(|| {
        ConvertError::at("productId", format!("product {product} has no details"))
    })?;
    let cur = instrument.currency.unwrap_or(ctx.base_currency);
    let quantity = t.quantity.0.abs();
    let moves_cash = kind.is_trade();
    let amount = if moves_cash { t.total.0 } else { Decimal::ZERO };
    let mut e = LedgerEntry::new(
        format!("trade-{}", t.id.0),
        t.date.0,
        kind,
        Money::new(amount, cur),
    );
    e.account = Some(ctx.account.to_owned());
    e.instrument = Some(instrument.clone());
    e.quantity = Some(if moves_cash || buy {
        quantity
    } else {
        -quantity
    });
    e.price = Some(Money::new(t.price.0, cur));
    let fee = t
        .total_fees_in_base_currency
        .or(t.fee_in_base_currency)
        .map(|f| f.0.abs())
        .filter(|f| !f.is_zero());
    e.fees = fee
        .map(|f| Money::new(f, ctx.base_currency))
        .into_iter()
        .collect();
    if !moves_cash {
        e.description = Some(match &e.kind {
            LedgerKind::Transfer if buy => "position transferred in".to_owned(),
            LedgerKind::Transfer => "position transferred out".to_owned(),
            other => format!("{other} ({} {quantity})", if buy { "in" } else { "out" }),
        });
    }
    Ok(e)
}

/// Joins the two rows of each split (DEGIRO books the old line sold and
/// the new line bought, same product, same day) into one split entry with
/// its ratio; a lone row stays a split entry with its signed quantity.
fn join_splits(entries: &mut Vec<LedgerEntry>) {
    let split_rows: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].kind == LedgerKind::Split)
        .collect();
    let mut remove = Vec::new();
    for &i in &split_rows {
        if remove.contains(&i) || entries[i].quantity.is_none_or(|q| q >= Decimal::ZERO) {
            continue;
        }
        let key = |e: &LedgerEntry| {
            (
                e.instrument.as_ref().map(|i| i.broker_id.clone()),
                e.timestamp.date_naive(),
            )
        };
        let partner = split_rows.iter().copied().find(|&j| {
            j != i
                && !remove.contains(&j)
                && entries[j].quantity.is_some_and(|q| q > Decimal::ZERO)
                && key(&entries[j]) == key(&entries[i])
        });
        let Some(j) = partner else { continue };
        let old = entries[i].quantity.unwrap_or_default().abs();
        let new = entries[j].quantity.unwrap_or_default();
        let e = &mut entries[j];
        e.kind = if new < old {
            LedgerKind::ReverseSplit
        } else {
            LedgerKind::Split
        };
        e.quantity = Some(new - old);
        e.action = Some(Box::new(CorporateAction::split(Ratio::new(new, old))));
        e.description = Some(format!("split {new} for {old}"));
        remove.push(i);
    }
    remove.sort_unstable();
    for i in remove.into_iter().rev() {
        entries.remove(i);
    }
}

/// The stable id of a cash movement: DEGIRO's id, else its defining fields.
fn cash_id(m: &wire::CashMovement<'_>) -> String {
    match m.id {
        Some(id) => format!("cash-{}", id.0),
        None => format!(
            "cash-{}|{}|{}|{}",
            m.date.0.to_rfc3339(),
            m.currency,
            m.change
                .map(|c| c.0.normalize().to_string())
                .unwrap_or_default(),
            m.description
        ),
    }
}

/// Whether cash movement `m` is the cash leg or a fee of trade `t`, which
/// already holds both: by `orderId` when both carry one, else by product,
/// time (within a minute) and amount. No public capture of DEGIRO's account
/// overview carries `orderId`.
fn belongs_to_trade(m: &wire::CashMovement<'_>, class: CashKind, t: &wire::Trade<'_>) -> bool {
    if let (Some(a), Some(b)) = (&m.order_id, &t.order_id) {
        return a == b;
    }
    if m.product_id.map(|p| p.0) != Some(t.product_id.0)
        || (m.date.0 - t.date.0).num_seconds().abs() > 60
    {
        return false;
    }
    let Some(change) = m.change.map(|c| c.0) else {
        return false;
    };
    match class {
        CashKind::TradeLeg => change == t.total.0,
        CashKind::TransactionFee => [
            t.fee_in_base_currency,
            t.total_fees_in_base_currency,
            t.total_fees_in_base_currency
                .zip(t.fee_in_base_currency)
                .map(|(all, own)| stonks_core::wire::ExactDecimal(all.0 - own.0)),
        ]
        .into_iter()
        .flatten()
        .any(|f| !f.0.is_zero() && f.0.abs() == change.abs()),
        _ => false,
    }
}

/// One reporting window's trades and cash movements, merged into ledger
/// entries in time order: each trade once with its fees, its cash leg and
/// fee rows not again; dividend tax linked to its dividend; every row that
/// cannot be read left out and reported.
pub fn window_entries(
    trades: &Rows<'_, wire::Trade<'_>>,
    movements: Option<&Rows<'_, wire::CashMovement<'_>>>,
    ctx: &Context<'_>,
    redactor: &stonks_core::http::Redactor,
) -> (Vec<LedgerEntry>, Vec<ReadProblem>) {
    const TRADES: &str = "GET v4/transactions";
    const CASH: &str = "GET v6/accountoverview";
    let mut problems = trades.problems(TRADES, "id", redactor);
    let mut entries = Vec::with_capacity(trades.ok.len() + movements.map_or(0, |m| m.ok.len()));
    for t in &trades.ok {
        match trade_entry(t, ctx) {
            Ok(e) => entries.push(e),
            Err(why) => problems.push(why.problem(TRADES, Some(&t.id.0.to_string()))),
        }
    }
    join_splits(&mut entries);
    let Some(movements) = movements else {
        stonks_core::v2::sort_by_time(&mut entries);
        return (entries, problems);
    };
    problems.extend(movements.problems(CASH, "id", redactor));
    let mut used = vec![false; trades.ok.len()];
    let mut dividends: Vec<(Option<i64>, chrono::NaiveDate, String)> = Vec::new();
    let mut taxes: Vec<usize> = Vec::new();
    for m in &movements.ok {
        let class = classify_cash_movement(m.kind.as_deref(), &m.description);
        if let Some(c @ (CashKind::TradeLeg | CashKind::TransactionFee)) = class {
            let owner = trades.ok.iter().enumerate().find(|(i, t)| {
                (c == CashKind::TransactionFee || !used[*i]) && belongs_to_trade(m, c, t)
            });
            if let Some((i, _)) = owner {
                if c == CashKind::TradeLeg {
                    used[i] = true;
                }
                continue;
            }
        }
        let (kind, amount) = match (class, m.change) {
            (Some(CashKind::FundConversion), change) => {
                (LedgerKind::Transfer, change.map_or(Decimal::ZERO, |c| c.0))
            }
            (_, None) => (LedgerKind::Other("failed payment".into()), Decimal::ZERO),
            (Some(c), Some(change)) => (
                match c {
                    CashKind::Deposit => LedgerKind::Deposit,
                    CashKind::Withdrawal => LedgerKind::Withdrawal,
                    CashKind::Dividend => LedgerKind::Dividend,
                    CashKind::DividendTax | CashKind::TransactionTax => LedgerKind::Tax,
                    CashKind::TransactionFee | CashKind::ConnectionFee | CashKind::AdrFee => {
                        LedgerKind::Fee
                    }
                    CashKind::Interest | CashKind::FundIncome => LedgerKind::Interest,
                    CashKind::CashSweep | CashKind::FundConversion => LedgerKind::Transfer,
                    CashKind::Fx => LedgerKind::FxConversion,
                    CashKind::TradeLeg => LedgerKind::Other("trade cash leg".into()),
                },
                change.0,
            ),
            (None, Some(change)) => (LedgerKind::Other(m.description.to_string()), change.0),
        };
        let mut e = LedgerEntry::new(cash_id(m), m.date.0, kind, Money::new(amount, m.currency));
        e.account = Some(ctx.account.to_owned());
        e.instrument = m
            .product_id
            .and_then(|p| ctx.instruments.get(&p.0))
            .cloned();
        e.description = Some(m.description.to_string());
        // A fund conversion moves the fund's units, which DEGIRO states in
        // its description only: in at the stated price (their basis), or out.
        if class == Some(CashKind::FundConversion)
            && let Some((units, price)) = stated_units(&m.description)
        {
            e.quantity = Some(units);
            e.price = Some(Money::new(price, m.currency));
            e.cost_basis = units
                .is_sign_positive()
                .then(|| units.checked_mul(price))
                .flatten()
                .map(|c| Money::new(c, m.currency));
        }
        match class {
            Some(CashKind::Dividend) => dividends.push((
                m.product_id.map(|p| p.0),
                m.date.0.date_naive(),
                e.id.clone(),
            )),
            Some(CashKind::DividendTax) => taxes.push(entries.len()),
            _ => {}
        }
        entries.push(e);
    }
    // Withholding tax belongs to the dividend of the same product and day.
    for i in taxes {
        let product = entries[i]
            .instrument
            .as_ref()
            .and_then(|x| x.broker_id.parse::<i64>().ok());
        let day = entries[i].timestamp.date_naive();
        if let Some((_, _, id)) = dividends
            .iter()
            .find(|(p, d, _)| *p == product && *d == day)
        {
            entries[i].belongs_to = Some(id.clone());
        }
    }
    stonks_core::v2::sort_by_time(&mut entries);
    (entries, problems)
}

/// A `v4/transactions` answer as wire bytes, read into one page of ledger
/// entries with its problems, given the instruments of its products: the
/// whole trade-parsing path, for tests and benchmarks.
pub fn parse_trades(
    body: &[u8],
    instruments: &HashMap<i64, Instrument>,
    base_currency: Currency,
    account: &str,
) -> Result<Page<LedgerEntry>> {
    let trades: wire::TradesAnswer<'_> = stonks_core::wire::from_json("GET v4/transactions", body)?;
    let ctx = Context {
        instruments,
        base_currency,
        account,
    };
    let (entries, problems) = window_entries(
        &trades.data,
        None,
        &ctx,
        &stonks_core::http::Redactor::new(),
    );
    Ok(Page::last(entries).with_problems(problems))
}

#[cfg(test)]
mod tests;
