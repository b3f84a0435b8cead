//! Flex rows to stonks-core models: pure functions.
//!
//! Flex rows ([`wire`]'s elements) become ledger entries, positions, cash
//! balances and rates. A row that cannot be read is a [`ConvertError`]
//! naming the attribute; the parser reports it and goes on.
//!
//! Units: a position's and an entry's `price` is per unit held: per
//! contract for options, futures and warrants (IBKR's price times the
//! multiplier), in percent of the face value for bonds (as IBKR quotes
//! them), so that quantity times price is the value. The instrument's name
//! carries the multiplier (`AAPL 17JAN25 150 C (x100)`).
use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use stonks_core::v2::{CashBalance, CorporateAction, LedgerEntry, LedgerKind, Position, Ratio};
use stonks_core::wire::{ConvertError, parse_decimal};
use stonks_core::{AssetClass, Currency, Decimal, Instrument, Isin, Money};

use super::dates;
use super::ledger::{DividendKey, Link};
use super::wire;

/// What a row needs from its statement.
#[derive(Debug, Clone, Copy)]
pub struct Context<'s> {
    /// The statement's account (a row's own `accountId` wins, unless masked).
    pub account: &'s str,
}

type Text<'a> = Option<Cow<'a, str>>;

fn missing(field: &str) -> ConvertError {
    ConvertError::at(field, "missing")
}

/// An exact decimal; IBKR's thousands separators (`-6,400.00`) are dropped.
pub fn decimal(value: &Text<'_>, field: &str) -> Result<Option<Decimal>, ConvertError> {
    let Some(t) = value.as_deref() else {
        return Ok(None);
    };
    let parsed = if t.contains(',') {
        parse_decimal(&t.replace(',', ""))
    } else {
        parse_decimal(t)
    };
    parsed.map(Some).map_err(|e| ConvertError::at(field, e))
}

fn required_decimal(value: &Text<'_>, field: &str) -> Result<Decimal, ConvertError> {
    decimal(value, field)?.ok_or_else(|| missing(field))
}

fn currency(value: &Text<'_>, field: &str) -> Result<Option<Currency>, ConvertError> {
    value
        .as_deref()
        .map(|c| stonks_core::wire::currency(c.trim(), field))
        .transpose()
}

fn required_currency(value: &Text<'_>, field: &str) -> Result<Currency, ConvertError> {
    currency(value, field)?.ok_or_else(|| missing(field))
}

fn date_time(value: &Text<'_>, field: &str) -> Result<Option<DateTime<Utc>>, ConvertError> {
    match value.as_deref() {
        None | Some("MULTI") => Ok(None),
        Some(t) => dates::date_time(t)
            .map(Some)
            .map_err(|e| ConvertError::at(field, e)),
    }
}

fn date(value: &Text<'_>, field: &str) -> Result<Option<NaiveDate>, ConvertError> {
    match value.as_deref() {
        None | Some("MULTI") => Ok(None),
        Some(t) => dates::date(t)
            .map(Some)
            .map_err(|e| ConvertError::at(field, e)),
    }
}

/// The first of `dateTime` and a date-only fallback, as a time.
fn when(
    date_time_value: &Text<'_>,
    fallback: &Text<'_>,
    fallback_field: &str,
) -> Result<DateTime<Utc>, ConvertError> {
    if let Some(t) = date_time(date_time_value, "dateTime")? {
        return Ok(t);
    }
    let day = date(fallback, fallback_field)?.ok_or_else(|| missing("dateTime"))?;
    Ok(dates::new_york_to_utc(day.and_time(chrono::NaiveTime::MIN)))
}

fn owned(value: &Text<'_>) -> Option<String> {
    value.as_deref().map(|t| t.trim().to_owned())
}

/// The row's account: its own `accountId`, unless absent or masked
/// (`U***4321`), else the statement's.
fn account(value: &Text<'_>, ctx: &Context<'_>) -> String {
    match value.as_deref() {
        Some(a) if !a.contains('*') => a.trim().to_owned(),
        _ => ctx.account.to_owned(),
    }
}

/// The asset class of IBKR's `assetCategory` (and `subCategory`).
pub fn asset_class(category: Option<&str>, sub_category: Option<&str>) -> AssetClass {
    match category.map(str::trim) {
        Some("STK") if sub_category.is_some_and(|s| s.eq_ignore_ascii_case("ETF")) => {
            AssetClass::Etf
        }
        Some("STK") | None => AssetClass::Stock,
        Some("OPT" | "FOP" | "FSOPT" | "FSFOP") => AssetClass::Option,
        Some("FUT") => AssetClass::Future,
        Some("BOND" | "BILL") => AssetClass::Bond,
        Some("FUND") => AssetClass::Fund,
        Some("WAR" | "IOPT") => AssetClass::Warrant,
        Some("CRYPTO") => AssetClass::Crypto,
        Some("CASH") => AssetClass::Cash,
        Some(other) => AssetClass::Other(other.to_owned()),
    }
}

/// The attributes that name a security, common to every row.
#[derive(Debug, Clone, Copy)]
pub struct Security<'r, 'a> {
    /// `conid`.
    pub conid: &'r Text<'a>,
    /// `symbol`.
    pub symbol: &'r Text<'a>,
    /// `description`.
    pub description: &'r Text<'a>,
    /// `isin`.
    pub isin: &'r Text<'a>,
    /// `cusip`.
    pub cusip: &'r Text<'a>,
    /// `figi`.
    pub figi: &'r Text<'a>,
    /// `currency`.
    pub currency: &'r Text<'a>,
    /// `assetCategory`.
    pub category: &'r Text<'a>,
    /// `subCategory`.
    pub sub_category: &'r Text<'a>,
    /// `listingExchange`.
    pub exchange: &'r Text<'a>,
    /// `multiplier`.
    pub multiplier: &'r Text<'a>,
}

macro_rules! security_of {
    ($row:expr) => {
        Security {
            conid: &$row.conid,
            symbol: &$row.symbol,
            description: &$row.description,
            isin: &$row.isin,
            cusip: &$row.cusip,
            figi: &$row.figi,
            currency: &$row.currency,
            category: &$row.asset_category,
            sub_category: &$row.sub_category,
            exchange: &$row.listing_exchange,
            multiplier: &$row.multiplier,
        }
    };
}

impl Security<'_, '_> {
    fn class(&self) -> AssetClass {
        asset_class(self.category.as_deref(), self.sub_category.as_deref())
    }

    /// The multiplier of a contract (1 when absent, 0 or a bond's).
    fn multiplier(&self, class: &AssetClass) -> Result<Decimal, ConvertError> {
        let m = decimal(self.multiplier, "multiplier")?.unwrap_or(Decimal::ONE);
        Ok(if m.is_zero() || *class == AssetClass::Bond {
            Decimal::ONE
        } else {
            m
        })
    }

    /// Whether the row names a security at all (cash rows do not).
    fn is_some(&self) -> bool {
        self.conid.is_some() || self.symbol.is_some()
    }

    /// The instrument: `conid` is its id; the name is IBKR's description
    /// with the multiplier when it is not 1.
    fn instrument(&self) -> Result<Instrument, ConvertError> {
        let class = self.class();
        let symbol = owned(self.symbol);
        let id = owned(self.conid)
            .or_else(|| symbol.clone())
            .ok_or_else(|| missing("conid"))?;
        let multiplier = self.multiplier(&class)?;
        let mut name = owned(self.description)
            .or_else(|| symbol.clone())
            .unwrap_or_else(|| id.clone());
        if multiplier != Decimal::ONE {
            name = format!("{name} (x{})", multiplier.normalize());
        }
        let mut i = Instrument::new(id, name, class);
        i.multiplier = (multiplier != Decimal::ONE).then_some(multiplier);
        i.symbol = symbol;
        // A malformed ISIN is left out, not fatal: the conid names the security.
        i.isin = self.isin.as_deref().and_then(|s| Isin::new(s.trim()).ok());
        i.currency = currency(self.currency, "currency")?;
        i.exchange = owned(self.exchange);
        // Every identifier the statement gives, for telling instruments apart
        // across brokers (stonks_core::identity).
        i.ids.cusip = owned(self.cusip);
        i.ids.figi = owned(self.figi);
        i.ids.mic = self
            .exchange
            .as_deref()
            .and_then(crate::exchanges::mic)
            .map(str::to_owned);
        Ok(i)
    }

    /// `price` per unit held (see the module docs).
    fn unit_price(&self, price: Decimal) -> Result<Decimal, ConvertError> {
        let m = self.multiplier(&self.class())?;
        price
            .checked_mul(m)
            .ok_or_else(|| ConvertError::at("multiplier", "price x multiplier is out of range"))
    }
}

/// A number written before `" FOR "` and after it in `text` (`SPLIT 4 FOR
/// 1`, `SPINOFF 1 FOR 3`): new units for old ones.
pub fn terms(text: &str) -> Option<Ratio> {
    let upper = text.to_ascii_uppercase();
    let at = upper.find(" FOR ")?;
    let before = upper[..at].split_whitespace().next_back()?;
    let after = upper[at + 5..].split_whitespace().next()?;
    let new = parse_decimal(before).ok()?;
    let old = parse_decimal(after.trim_end_matches([',', ')'])).ok()?;
    (new > Decimal::ZERO && old > Decimal::ZERO).then(|| Ratio::new(new, old))
}

/// The amount per share a dividend's description states (`CASH DIVIDEND
/// USD 0.24 PER SHARE`).
fn per_share(text: &str) -> Option<Decimal> {
    let at = text.find(" PER SHARE")?;
    parse_decimal(text[..at].split_whitespace().next_back()?).ok()
}

fn has_code(notes: &Text<'_>, code: &str) -> bool {
    notes
        .as_deref()
        .is_some_and(|n| n.split([';', ',']).any(|c| c.trim() == code))
}

/// A trade's proceeds from `cost`, for Flex queries that leave out
/// `proceeds`, `tradeMoney` and `tradePrice`. For an opening trade IBKR's
/// `cost` is what it cost, commission and taxes included (`cost` 899 for
/// `proceeds` -895 and `ibCommission` -4), so the proceeds are
/// `-(cost + ibCommission + taxes)` with IBKR's signs. Only a buy that does
/// not say it closes (`openCloseIndicator` `C`) is read this way: for a
/// closing trade, a sell of what was bought or a buy to cover a short,
/// `cost` is the basis of the lots closed, not the money that moved. A
/// commission in another currency cannot be taken out of `cost` either.
fn proceeds_from_cost(
    t: &wire::Trade<'_>,
    bought: bool,
    cur: Currency,
) -> Result<Decimal, ConvertError> {
    let closes = t
        .open_close_indicator
        .as_deref()
        .is_some_and(|o| o.split(';').any(|c| c.trim() == "C"));
    let Some(cost) = decimal(&t.cost, "cost")? else {
        return Err(ConvertError::at(
            "proceeds",
            "missing, and so are tradeMoney, tradePrice and cost: add Proceeds to the Flex query",
        ));
    };
    if !bought || closes {
        return Err(ConvertError::at(
            "proceeds",
            "missing, and so are tradeMoney and tradePrice; cost is the basis of the lots this \
             trade closes, not the money it moved: add Proceeds or TradePrice to the Flex query",
        ));
    }
    let commission = decimal(&t.ib_commission, "ibCommission")?.unwrap_or_default();
    let commission_currency = currency(&t.ib_commission_currency, "ibCommissionCurrency")?;
    if !commission.is_zero() && commission_currency.is_some_and(|c| c != cur) {
        return Err(ConvertError::at(
            "proceeds",
            "missing, and cost holds a commission in another currency: add Proceeds to the Flex query",
        ));
    }
    let taxes = decimal(&t.taxes, "taxes")?.unwrap_or_default();
    cost.checked_add(commission)
        .and_then(|c| c.checked_add(taxes))
        .map(|c| -c)
        .ok_or_else(|| ConvertError::at("cost", "cost + ibCommission + taxes is out of range"))
}

/// One `<Trade>` (an execution): a buy or sell of the security, or, for a
/// currency pair (`assetCategory` `CASH`), an fx conversion in two legs.
#[derive(Debug)]
pub struct TradeEntries {
    /// The trade, or the leg in the pair's quote currency (with the
    /// commission).
    pub entry: LedgerEntry,
    /// How it relates to other trades.
    pub link: Option<Link>,
    /// An fx conversion's leg in the pair's base currency.
    pub base_leg: Option<LedgerEntry>,
}

/// A trade: quantity positive, `buy` when IBKR's quantity is positive,
/// `sell` when negative (a cancelled buy is a sell of what it bought);
/// amount `proceeds` (negative for a buy; else `-tradeMoney`, else price
/// times quantity, else from `cost`: [`proceeds_from_cost`]), before fees;
/// fees the commission (in its own currency) and transaction taxes. A
/// missing price stays unknown.
pub fn trade(
    t: &wire::Trade<'_>,
    id: String,
    ctx: &Context<'_>,
) -> Result<TradeEntries, ConvertError> {
    let sec = security_of!(t);
    let class = sec.class();
    let qty = required_decimal(&t.quantity, "quantity")?;
    let cur = required_currency(&t.currency, "currency")?;
    let bought = match qty.cmp(&Decimal::ZERO) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => t.buy_sell.as_deref().is_some_and(|b| b.starts_with("BUY")),
    };
    let price = decimal(&t.trade_price, "tradePrice")?;
    let proceeds = match decimal(&t.proceeds, "proceeds")? {
        Some(p) => p,
        None => match decimal(&t.trade_money, "tradeMoney")? {
            Some(m) => -m,
            None => match price {
                Some(p) => -sec.unit_price(p)?.checked_mul(qty).ok_or_else(|| {
                    ConvertError::at("quantity", "quantity x price is out of range")
                })?,
                None => proceeds_from_cost(t, bought, cur)?,
            },
        },
    };
    let at = match date_time(&t.date_time, "dateTime")? {
        Some(at) => at,
        None => {
            let day = date(&t.trade_date, "tradeDate")?.ok_or_else(|| missing("dateTime"))?;
            match t.trade_time.as_deref() {
                Some(c) => dates::date_time(&format!("{day};{c}"))
                    .map_err(|e| ConvertError::at("tradeTime", e))?,
                None => dates::new_york_to_utc(day.and_time(chrono::NaiveTime::MIN)),
            }
        }
    };
    let mut fees = Vec::new();
    if let Some(c) = decimal(&t.ib_commission, "ibCommission")?.filter(|c| !c.is_zero()) {
        let c_cur = currency(&t.ib_commission_currency, "ibCommissionCurrency")?.unwrap_or(cur);
        fees.push(Money::new(-c, c_cur));
    }
    if let Some(tax) = decimal(&t.taxes, "taxes")?.filter(|c| !c.is_zero()) {
        fees.push(Money::new(-tax, cur));
    }
    let cancel = t.transaction_type.as_deref() == Some("TradeCancel")
        || t.buy_sell.as_deref().is_some_and(|b| b.ends_with("(Ca.)"))
        || has_code(&t.notes, "Ca");
    let link = if cancel {
        Some(Link::Cancel {
            trade_id: owned(&t.orig_trade_id),
            transaction_id: owned(&t.orig_transaction_id),
        })
    } else {
        owned(&t.trade_id).map(|trade_id| Link::Trade { trade_id })
    };
    let mut description = match (t.transaction_type.as_deref(), t.buy_sell.as_deref()) {
        (Some(kind), Some(side)) => format!("{kind} {side}"),
        (Some(x), None) | (None, Some(x)) => x.to_owned(),
        (None, None) => String::from(if bought { "BUY" } else { "SELL" }),
    };
    if cancel && let Some(orig) = t.orig_trade_id.as_deref() {
        description.push_str(&format!(": cancels trade {orig}"));
    }
    let instrument = sec.instrument()?;

    if class == AssetClass::Cash {
        // `EUR.USD`: `quantity` euros bought (or sold) for `proceeds` dollars.
        let pair = t.symbol.as_deref().unwrap_or_default();
        let base = pair
            .split_once('.')
            .and_then(|(b, _)| Currency::new(b).ok())
            .ok_or_else(|| {
                ConvertError::at("symbol", format!("{pair:?} is not a currency pair"))
            })?;
        let mut entry =
            LedgerEntry::new(id, at, LedgerKind::FxConversion, Money::new(proceeds, cur));
        entry.account = Some(account(&t.account_id, ctx));
        entry.instrument = Some(instrument);
        entry.quantity = Some(qty.abs());
        entry.price = price.map(|p| Money::new(p, cur));
        entry.description = Some(format!("{description} {pair}"));
        let mut leg = entry.clone();
        leg.id = format!("{}-{base}", entry.id);
        leg.amount = Money::new(qty, base);
        leg.belongs_to = Some(entry.id.clone());
        entry.fees = fees;
        return Ok(TradeEntries {
            entry,
            link,
            base_leg: Some(leg),
        });
    }

    let kind = if bought {
        LedgerKind::Buy
    } else {
        LedgerKind::Sell
    };
    let mut entry = LedgerEntry::new(id, at, kind, Money::new(proceeds, cur));
    entry.account = Some(account(&t.account_id, ctx));
    entry.quantity = Some(qty.abs());
    entry.price = price
        .map(|p| sec.unit_price(p))
        .transpose()?
        .map(|p| Money::new(p, cur));
    entry.instrument = Some(instrument);
    entry.fees = fees;
    entry.description = Some(description);
    Ok(TradeEntries {
        entry,
        link,
        base_leg: None,
    })
}

/// The ledger kind of a `<CashTransaction>`'s `type`, by the sign of its
/// amount where the type covers both ways.
pub fn cash_kind(kind: &str, amount: Decimal) -> LedgerKind {
    match kind {
        "Dividends" | "Payment In Lieu Of Dividends" => LedgerKind::Dividend,
        "Withholding Tax" | "871(m) Withholding" => LedgerKind::Tax,
        "Deposits/Withdrawals"
        | "Deposits & Withdrawals"
        | "Deposits"
        | "Withdrawals"
        | "Cash Receipts" => {
            if amount.is_sign_negative() && !amount.is_zero() {
                LedgerKind::Withdrawal
            } else {
                LedgerKind::Deposit
            }
        }
        "Broker Interest Paid"
        | "Broker Interest Received"
        | "Bond Interest Paid"
        | "Bond Interest Received" => LedgerKind::Interest,
        "Other Fees" | "Commission Adjustments" | "Advisor Fees" | "Fees" => LedgerKind::Fee,
        other => LedgerKind::Other(other.to_owned()),
    }
}

/// A `<CashTransaction>`: amount as signed by IBKR (a reversal stays
/// negative, a refund positive), with the link of a dividend or tax.
pub fn cash_transaction(
    c: &wire::CashTransaction<'_>,
    id: String,
    ctx: &Context<'_>,
) -> Result<(LedgerEntry, Option<Link>), ConvertError> {
    let sec = security_of!(c);
    let amount = required_decimal(&c.amount, "amount")?;
    let cur = required_currency(&c.currency, "currency")?;
    let ibkr_type = c.kind.as_deref().ok_or_else(|| missing("type"))?;
    let kind = cash_kind(ibkr_type, amount);
    let at = when(&c.date_time, &c.report_date, "reportDate")?;
    let description = owned(&c.description);
    let mut e = LedgerEntry::new(id, at, kind.clone(), Money::new(amount, cur));
    e.account = Some(account(&c.account_id, ctx));
    if sec.is_some() {
        e.instrument = Some(sec.instrument()?);
    }
    let key = || DividendKey {
        action_id: owned(&c.action_id),
        conid: owned(&c.conid),
        at,
        currency: cur,
        in_lieu: ibkr_type == "Payment In Lieu Of Dividends"
            || description
                .as_deref()
                .is_some_and(|d| d.to_ascii_uppercase().contains("PAYMENT IN LIEU")),
    };
    let link = match kind {
        LedgerKind::Dividend => {
            e.price = description
                .as_deref()
                .and_then(per_share)
                .map(|p| Money::new(p, cur));
            Some(Link::Dividend(key()))
        }
        LedgerKind::Tax if c.conid.is_some() || c.action_id.is_some() => Some(Link::Tax(key())),
        _ => None,
    };
    e.description = Some(match (&kind, description) {
        (LedgerKind::Other(_), Some(d)) => format!("{ibkr_type}: {d}"),
        (LedgerKind::Other(_), None) => ibkr_type.to_owned(),
        (_, Some(d)) => d,
        (_, None) => ibkr_type.to_owned(),
    });
    Ok((e, link))
}

/// The ledger kind of a `<CorporateAction>`'s `type` code.
pub fn corporate_action_kind(code: &str) -> LedgerKind {
    match code {
        "FS" | "FI" => LedgerKind::Split,
        "RS" => LedgerKind::ReverseSplit,
        "SO" => LedgerKind::SpinOff,
        "TC" => LedgerKind::Merger,
        other => LedgerKind::Other(other.to_owned()),
    }
}

/// One line of a `<CorporateAction>`: the units of its security that came
/// in (positive) or went (negative), and the cash paid (`proceeds`). The
/// terms (`SPLIT 4 FOR 1`) are read from IBKR's description.
pub fn corporate_action(
    a: &wire::CorporateAction<'_>,
    id: String,
    ctx: &Context<'_>,
) -> Result<LedgerEntry, ConvertError> {
    // A line's `description` is the action's text, not the security's name.
    let sec = Security {
        description: &None,
        ..security_of!(a)
    };
    let code = a.kind.as_deref().ok_or_else(|| missing("type"))?;
    let kind = corporate_action_kind(code);
    let cur = required_currency(&a.currency, "currency")?;
    let quantity = decimal(&a.quantity, "quantity")?;
    let cash = match decimal(&a.proceeds, "proceeds")? {
        Some(p) => p,
        None => decimal(&a.amount, "amount")?.map_or(Decimal::ZERO, |x| -x),
    };
    let at = when(&a.date_time, &a.report_date, "reportDate")?;
    let instrument = sec.instrument()?;
    let text = a.action_description.as_deref().or(a.description.as_deref());
    let ratio = text.and_then(terms);
    let mut e = LedgerEntry::new(id, at, kind.clone(), Money::new(cash, cur));
    e.account = Some(account(&a.account_id, ctx));
    e.quantity = quantity;
    e.action = match (&kind, quantity) {
        (LedgerKind::Split | LedgerKind::ReverseSplit, _) => {
            ratio.map(|r| Box::new(CorporateAction::split(r)))
        }
        (LedgerKind::SpinOff | LedgerKind::Merger, Some(q)) if q > Decimal::ZERO => {
            let mut terms = CorporateAction::receive(instrument.clone(), q);
            terms.ratio = ratio;
            Some(Box::new(terms))
        }
        _ => None,
    };
    e.cost_basis = decimal(&a.cost_basis, "costBasis")?.map(|b| Money::new(b, cur));
    e.instrument = Some(instrument);
    let mut description = format!("{code}: {}", text.unwrap_or_default().trim());
    if has_code(&a.code, "Ca") {
        description.push_str(" (cancelled)");
    }
    e.description = Some(description);
    Ok(e)
}

/// A `<Transfer>`: units of a security moved in (positive) or out
/// (negative), or cash (`cashTransfer`, signed) for a cash transfer.
pub fn transfer(
    t: &wire::Transfer<'_>,
    id: String,
    ctx: &Context<'_>,
) -> Result<LedgerEntry, ConvertError> {
    let sec = security_of!(t);
    let cur = required_currency(&t.currency, "currency")?;
    let out = t.direction.as_deref() == Some("OUT");
    let signed = |d: Decimal| if out && d > Decimal::ZERO { -d } else { d };
    let is_cash = t.asset_category.as_deref() == Some("CASH") || !sec.is_some();
    let at = when(&t.date_time, &t.date, "date")?;
    let cash = decimal(&t.cash_transfer, "cashTransfer")?;
    let mut e = if is_cash {
        let amount = match cash {
            Some(c) => c,
            None => signed(required_decimal(&t.quantity, "quantity")?),
        };
        LedgerEntry::new(id, at, LedgerKind::Transfer, Money::new(amount, cur))
    } else {
        let qty = signed(required_decimal(&t.quantity, "quantity")?);
        let amount = cash.unwrap_or(Decimal::ZERO);
        let mut e = LedgerEntry::new(id, at, LedgerKind::Transfer, Money::new(amount, cur));
        e.quantity = Some(qty);
        e.price = decimal(&t.transfer_price, "transferPrice")?
            .map(|p| sec.unit_price(p))
            .transpose()?
            .map(|p| Money::new(p, cur));
        e.instrument = Some(sec.instrument()?);
        e
    };
    e.account = Some(account(&t.account_id, ctx));
    let mut text = [t.kind.as_deref(), t.direction.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(other) = t.account.as_deref().or(t.delivering_broker.as_deref()) {
        text.push_str(&format!(" ({other})"));
    }
    if let Some(d) = t.description.as_deref() {
        text.push_str(&format!(": {}", d.trim()));
    }
    e.description = Some(text);
    Ok(e)
}

/// An `<OpenPosition>` (`SUMMARY`): quantity signed (negative short),
/// price per unit, value, cost basis and unrealized P/L as IBKR states
/// them, in the position's currency.
pub fn open_position(
    p: &wire::OpenPosition<'_>,
    ctx: &Context<'_>,
) -> Result<Position, ConvertError> {
    let sec = security_of!(p);
    let cur = required_currency(&p.currency, "currency")?;
    let mut qty = required_decimal(&p.position, "position")?;
    if p.side.as_deref() == Some("Short") && qty > Decimal::ZERO {
        qty = -qty;
    }
    let money = |v: &Text<'_>, field: &str| -> Result<Option<Money>, ConvertError> {
        Ok(decimal(v, field)?.map(|d| Money::new(d, cur)))
    };
    let mut out = Position::new(sec.instrument()?, qty);
    out.account = Some(account(&p.account_id, ctx));
    out.price = decimal(&p.mark_price, "markPrice")?
        .map(|m| sec.unit_price(m))
        .transpose()?
        .map(|m| Money::new(m, cur));
    out.market_value = money(&p.position_value, "positionValue")?;
    out.cost_basis = money(&p.cost_basis_money, "costBasisMoney")?;
    out.unrealized_pnl = money(&p.fifo_pnl_unrealized, "fifoPnlUnrealized")?;
    Ok(out)
}

/// A `<CashReportCurrency>` row's ending cash; `None` for the
/// `BASE_SUMMARY` row (see [`base_summary`]).
pub fn cash_report(
    r: &wire::CashReportCurrency<'_>,
    ctx: &Context<'_>,
) -> Result<Option<CashBalance>, ConvertError> {
    if r.currency.as_deref() == Some("BASE_SUMMARY") {
        return Ok(None);
    }
    let cur = required_currency(&r.currency, "currency")?;
    let amount = required_decimal(&r.ending_cash, "endingCash")?;
    let mut c = CashBalance::new(Money::new(amount, cur));
    c.account = Some(account(&r.account_id, ctx));
    Ok(Some(c))
}

/// The `BASE_SUMMARY` row's ending cash, in the base currency `base`.
pub fn base_summary(
    r: &wire::CashReportCurrency<'_>,
    base: Currency,
    ctx: &Context<'_>,
) -> Result<CashBalance, ConvertError> {
    let amount = required_decimal(&r.ending_cash, "endingCash")?;
    let mut c = CashBalance::new(Money::new(amount, base));
    c.account = Some(account(&r.account_id, ctx));
    Ok(c)
}

/// One `<ConversionRate>`: one `from` is `rate` `to` on `date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// The day.
    pub date: NaiveDate,
    /// The currency priced.
    pub from: Currency,
    /// The base currency it is priced in.
    pub to: Currency,
    /// Units of `to` for one `from`.
    pub rate: Decimal,
}

/// A `<ConversionRate>`.
pub fn conversion_rate(r: &wire::ConversionRate<'_>) -> Result<Rate, ConvertError> {
    Ok(Rate {
        date: date(&r.report_date, "reportDate")?.ok_or_else(|| missing("reportDate"))?,
        from: required_currency(&r.from_currency, "fromCurrency")?,
        to: required_currency(&r.to_currency, "toCurrency")?,
        rate: required_decimal(&r.rate, "rate")?,
    })
}

/// The item a problem names: IBKR's id, else the security.
pub fn item<'r>(
    transaction_id: &'r Text<'_>,
    conid: &'r Text<'_>,
    symbol: &'r Text<'_>,
) -> Option<&'r str> {
    transaction_id
        .as_deref()
        .or(conid.as_deref())
        .or(symbol.as_deref())
}

#[cfg(test)]
mod few_fields;
#[cfg(test)]
mod tests;
