//! Alpaca's wire shapes to stonks-core models: pure functions.

use chrono::{DateTime, Utc};
use stonks_core::http::Redactor;
use stonks_core::v2::{
    CashBalance, CorporateAction, LedgerEntry, LedgerKind, PortfolioSnapshot, Position, Ratio,
};
use stonks_core::wire::{ConvertError, ExactDecimal, clean_text};
use stonks_core::{AssetClass, Currency, Decimal, Instrument, Money, ReadProblem};

use crate::wire;

/// The endpoint named in the ledger's problems.
pub const ACTIVITIES: &str = "GET /v2/account/activities";

/// The endpoint named in the portfolio's problems.
pub const POSITIONS: &str = "GET /v2/positions";

/// Quote currencies of Alpaca's crypto pairs, longest first: `BTCUSD` is
/// `BTC` in `USD`, `ETHUSDT` `ETH` in `USDT`.
const CRYPTO_QUOTES: [&str; 4] = ["USDT", "USDC", "USD", "BTC"];

/// A crypto symbol (`BTC/USD` or `BTCUSD`) as base and quote currency.
fn crypto_pair(symbol: &str) -> Option<(Currency, Currency)> {
    let (base, quote) = symbol.split_once('/').or_else(|| {
        CRYPTO_QUOTES.iter().find_map(|q| {
            let base = symbol.strip_suffix(q)?;
            (!base.is_empty()).then_some((base, *q))
        })
    })?;
    Some((Currency::new(base).ok()?, Currency::new(quote).ok()?))
}

/// Whether `symbol` is an OCC option symbol: root, `YYMMDD`, `C` or `P`,
/// eight digits of strike (`AAPL250117C00150000`).
fn is_option_symbol(symbol: &str) -> bool {
    let b = symbol.as_bytes();
    let n = b.len();
    n >= 16
        && b[n - 8..].iter().all(u8::is_ascii_digit)
        && matches!(b[n - 9], b'C' | b'P')
        && b[n - 15..n - 9].iter().all(u8::is_ascii_digit)
}

/// The instrument of an Alpaca symbol, its class from `asset_class` when
/// Alpaca sends one. Crypto is named without the slash (`BTCUSD`), as
/// positions name it, so a fill of `BTC/USD` and the position it builds
/// share one id. ETFs are `us_equity` to Alpaca: they are stocks here.
pub fn instrument(symbol: &str, asset_class: Option<&str>) -> Instrument {
    let id = symbol.replace('/', "");
    let class = match asset_class {
        Some("crypto" | "crypto_perp") => AssetClass::Crypto,
        Some("us_option") => AssetClass::Option,
        Some("us_equity") => AssetClass::Stock,
        Some(other) => AssetClass::Other(other.to_owned()),
        None if symbol.contains('/') => AssetClass::Crypto,
        None if is_option_symbol(symbol) => AssetClass::Option,
        None => AssetClass::Stock,
    };
    let currency = match class {
        AssetClass::Crypto => crypto_pair(symbol).map(|(_, quote)| quote),
        _ => Some(Currency::USD),
    };
    let mut i = Instrument::new(id.clone(), id.clone(), class);
    i.symbol = Some(id);
    i.currency = currency;
    i
}

/// The ISO 10383 MIC of one of Alpaca's exchange names (the asset
/// `exchange` values Alpaca documents: `AMEX`, `ARCA`, `BATS`, `NYSE`,
/// `NASDAQ`, `NYSEARCA`, `OTC`, and `CRYPTO` for crypto). `OTC` is several
/// venues, not one, and `CRYPTO` is none: neither has one.
fn mic(exchange: &str) -> Option<&'static str> {
    Some(match exchange {
        "NYSE" => "XNYS",
        "NASDAQ" => "XNAS",
        "ARCA" | "NYSEARCA" => "ARCX",
        "AMEX" => "XASE",
        // Cboe BZX, still `BATS` to Alpaca; its MIC is `BATS` too.
        "BATS" => "BATS",
        _ => return None,
    })
}

/// One position. Values are in the account's currency; a short position
/// has a negative quantity (Alpaca sends it so; `side` makes sure).
pub fn position(p: &wire::Position<'_>, account: &wire::Account<'_>) -> Position {
    let cur = account.currency.unwrap_or(Currency::USD);
    let mut instrument = instrument(&p.symbol, Some(&p.asset_class));
    let exchange = clean_text(p.exchange.as_deref());
    let listing = exchange.and_then(mic);
    // The exchange as a MIC where known, else as Alpaca names it (`OTC`).
    instrument.exchange = listing.or(exchange).map(str::to_owned);
    instrument.ids.mic = listing.map(str::to_owned);
    let qty = if p.side == "short" {
        -p.qty.0.abs()
    } else {
        p.qty.0
    };
    let money = |d: Option<ExactDecimal>| d.map(|d| Money::new(d.0, cur));
    let mut out = Position::new(instrument, qty);
    out.account = Some(account.account_number.to_string());
    out.price = money(p.current_price);
    out.market_value = money(p.market_value);
    out.cost_basis = money(p.cost_basis).or_else(|| {
        let basis = p.avg_entry_price.0.checked_mul(qty)?;
        Some(Money::new(basis, cur))
    });
    out.unrealized_pnl = money(p.unrealized_pl);
    out
}

/// The portfolio: the account's cash and its positions.
pub fn snapshot(
    account: &wire::Account<'_>,
    positions: &[wire::Position<'_>],
    include_closed: bool,
    as_of: DateTime<Utc>,
) -> PortfolioSnapshot {
    let mut snap = PortfolioSnapshot::new(as_of);
    let cur = account.currency.unwrap_or(Currency::USD);
    let mut cash = CashBalance::new(Money::new(account.cash.0, cur));
    cash.account = Some(account.account_number.to_string());
    snap.cash.push(cash);
    snap.positions = positions
        .iter()
        .map(|p| position(p, account))
        .filter(|p| include_closed || !p.quantity.is_zero())
        .collect();
    snap
}

fn missing(field: &str) -> ConvertError {
    ConvertError::at(field, "missing")
}

/// A fill: a buy or sell of `qty` at `price`, its cash leg `qty x price`
/// (negative for buys). Alpaca books fees as activities of their own.
fn fill(a: &wire::Activity<'_>) -> Result<LedgerEntry, ConvertError> {
    let time = a
        .transaction_time
        .ok_or_else(|| missing("transaction_time"))?;
    let symbol = clean_text(a.symbol.as_deref()).ok_or_else(|| missing("symbol"))?;
    let qty = a.qty.ok_or_else(|| missing("qty"))?.0.abs();
    let price = a.price.ok_or_else(|| missing("price"))?.0;
    let kind = match a.side.as_deref() {
        Some("buy") => LedgerKind::Buy,
        Some("sell" | "sell_short") => LedgerKind::Sell,
        other => return Err(ConvertError::at("side", format!("unknown side {other:?}"))),
    };
    let value = qty
        .checked_mul(price)
        .ok_or_else(|| ConvertError::at("qty", "qty x price is out of range"))?;
    let instrument = instrument(symbol, None);
    let cur = instrument.currency.unwrap_or(Currency::USD);
    let amount = if kind == LedgerKind::Buy {
        -value
    } else {
        value
    };
    let mut e = LedgerEntry::new(a.id.as_ref(), time.0, kind, Money::new(amount, cur));
    e.instrument = Some(instrument);
    e.quantity = Some(qty);
    e.price = Some(Money::new(price, cur));
    e.description = a.order_id.as_deref().map(|order| {
        match (a.fill_type.as_deref(), a.cum_qty, a.leaves_qty) {
            (Some("partial_fill"), Some(done), Some(left)) => {
                format!(
                    "order {order}: partial fill, {} done, {} left",
                    done.0, left.0
                )
            }
            _ => format!("order {order}"),
        }
    });
    Ok(e)
}

/// The ledger kind of a non-trade activity type.
pub fn ledger_kind(activity_type: &str) -> LedgerKind {
    match activity_type {
        "DIV" | "DIVCGL" | "DIVCGS" | "DIVROC" | "DIVTXEX" => LedgerKind::Dividend,
        // Withholdings: on a dividend (non-resident, foreign, TEFRA), on
        // interest, or unattributed (`WH`).
        "DIVNRA" | "DIVFT" | "DIVTW" | "DIVWH" | "INTNRA" | "INTTW" | "WH" => LedgerKind::Tax,
        "CSD" => LedgerKind::Deposit,
        "CSW" => LedgerKind::Withdrawal,
        "INT" => LedgerKind::Interest,
        "FEE" | "CFEE" | "PTC" | "DIVFEE" => LedgerKind::Fee,
        "JNLC" | "JNLS" | "ACATC" | "ACATS" => LedgerKind::Transfer,
        "SPLIT" => LedgerKind::Split,
        "SPIN" => LedgerKind::SpinOff,
        "MA" | "REORG" => LedgerKind::Merger,
        other => LedgerKind::Other(other.to_owned()),
    }
}

/// Any activity but a fill: `net_amount` is its cash effect, on `date`.
/// A crypto fee (`CFEE`) is taken in the coin itself: `net_amount` 0 and a
/// negative `qty`, which is then the amount, in that coin.
fn non_trade(a: &wire::Activity<'_>) -> Result<LedgerEntry, ConvertError> {
    let code = a.activity_type.as_ref();
    let date = a.date.ok_or_else(|| missing("date"))?.0;
    let net = a.net_amount.ok_or_else(|| missing("net_amount"))?.0;
    let cur = a.currency.unwrap_or(Currency::USD);
    let qty = a.qty.map(|q| q.0);
    let symbol = clean_text(a.symbol.as_deref());
    let kind = ledger_kind(code);
    let mut amount = Money::new(net, cur);
    if code == "CFEE"
        && net.is_zero()
        && let (Some(q), Some((coin, _))) = (qty, symbol.and_then(crypto_pair))
    {
        amount = Money::new(q, coin);
    }
    let instrument = symbol.map(|s| instrument(s, (code == "CFEE").then_some("crypto")));
    let mut e = LedgerEntry::new(a.id.as_ref(), date, kind.clone(), amount);
    // Units in or out are signed; a dividend's shares or a fee's coins are not.
    e.quantity = match kind {
        LedgerKind::Transfer | LedgerKind::Split | LedgerKind::Merger | LedgerKind::Other(_) => qty,
        _ => qty.map(|q| q.abs()),
    };
    if let (LedgerKind::SpinOff, Some(i), Some(q)) = (&kind, &instrument, qty) {
        e.action = Some(Box::new(CorporateAction::receive(i.clone(), q)));
    }
    e.price = a.per_share_amount.or(a.price).map(|p| Money::new(p.0, cur));
    e.instrument = instrument;
    e.description = Some(match clean_text(a.description.as_deref()) {
        Some(text) => format!("{code}: {text}"),
        None => code.to_owned(),
    });
    Ok(e)
}

/// One activity as a ledger entry of `account`.
pub fn entry(a: &wire::Activity<'_>, account: &str) -> Result<LedgerEntry, ConvertError> {
    let mut e = if a.activity_type == "FILL" {
        fill(a)?
    } else {
        non_trade(a)?
    };
    e.account = Some(account.to_owned());
    Ok(e)
}

/// What pairs two activities of one event: the symbol and the day.
fn symbol_and_day(e: &LedgerEntry) -> (Option<String>, DateTime<Utc>) {
    let symbol = e.instrument.as_ref().map(|i| i.broker_id.clone());
    (symbol, e.timestamp)
}

/// Joins the two legs of each split (the old shares removed, the new ones
/// added: same symbol, same day) into one split or reverse split with its
/// ratio, under the id of the added leg. A lone leg stays a split with its
/// signed quantity.
fn join_splits(entries: &mut Vec<LedgerEntry>) {
    let mut i = 0;
    while i < entries.len() {
        let leg = &entries[i];
        let removed = leg
            .quantity
            .filter(|q| leg.kind == LedgerKind::Split && *q < Decimal::ZERO);
        let partner = removed.and_then(|_| {
            entries.iter().position(|e| {
                e.kind == LedgerKind::Split
                    && e.action.is_none()
                    && e.quantity.is_some_and(|q| q > Decimal::ZERO)
                    && symbol_and_day(e) == symbol_and_day(leg)
            })
        });
        let joined = match (removed, partner) {
            (Some(old), Some(j)) => (entries[j].amount.amount)
                .checked_add(leg.amount.amount)
                .map(|cash| (old.abs(), j, cash)),
            _ => None,
        };
        let Some((old, j, cash)) = joined else {
            i += 1;
            continue;
        };
        let e = &mut entries[j];
        let new = e.quantity.unwrap_or_default();
        e.kind = if new < old {
            LedgerKind::ReverseSplit
        } else {
            LedgerKind::Split
        };
        e.quantity = Some(new - old);
        e.amount.amount = cash;
        e.action = Some(Box::new(CorporateAction::split(Ratio::new(new, old))));
        entries.remove(i);
    }
}

/// A payment a withholding can belong to: a dividend (its symbol and day)
/// or interest (no symbol, its day), with its entry id.
pub type Payment = ((Option<String>, DateTime<Utc>), String);

/// The dividends and interest of `entries`.
fn payments(entries: &[LedgerEntry]) -> Vec<Payment> {
    entries
        .iter()
        .filter(|e| matches!(e.kind, LedgerKind::Dividend | LedgerKind::Interest))
        .map(|e| (symbol_and_day(e), e.id.clone()))
        .collect()
}

/// Links each withholding to what it was withheld from: one on a dividend
/// (`DIVNRA`, `DIVFT`, ...) to the dividend of the same symbol and day, one
/// on interest (`INTNRA`, `INTTW`: no symbol) to the interest of the same
/// day; on this page, else among `earlier` pages' payments (a full page of
/// one day's activities cannot be held back, so a pair may be cut).
fn link_withholding(entries: &mut [LedgerEntry], earlier: &[Payment]) {
    let here = payments(entries);
    for e in entries.iter_mut().filter(|e| e.kind == LedgerKind::Tax) {
        let k = symbol_and_day(e);
        e.belongs_to = here
            .iter()
            .chain(earlier)
            .find(|(d, _)| *d == k)
            .map(|(_, id)| id.clone());
    }
}

/// Whether an activity may have a partner on the same day that must be on
/// the same page: a dividend or interest and its withholding, the legs of
/// a split.
fn pairs_up(activity_type: &str) -> bool {
    activity_type.starts_with("DIV") || activity_type.starts_with("INT") || activity_type == "SPLIT"
}

/// Where a full page ends: before the trailing run of non-fill activities
/// of the last row's day when that run holds one that pairs up, so the
/// next page reads the pair whole; unless the run is the whole page.
/// `rows` is the page in Alpaca's order, `None` for a row not read.
fn page_end(rows: &[Option<&wire::Activity<'_>>]) -> usize {
    let day = |r: &Option<&wire::Activity<'_>>| {
        r.filter(|a| a.activity_type != "FILL").and_then(|a| a.date)
    };
    let Some(last) = rows.last().and_then(day) else {
        return rows.len();
    };
    let start = rows
        .iter()
        .rposition(|r| day(r) != Some(last))
        .map_or(0, |i| i + 1);
    let pairs = rows[start..]
        .iter()
        .flatten()
        .any(|a| pairs_up(&a.activity_type));
    if pairs && start > 0 {
        start
    } else {
        rows.len()
    }
}

/// One `/v2/account/activities` answer, read.
#[derive(Debug)]
pub struct ActivityPage {
    /// The entries of the page, in time order.
    pub entries: Vec<LedgerEntry>,
    /// The activities that could not be read.
    pub problems: Vec<ReadProblem>,
    /// The `page_token` of the next page: the id of the last activity of
    /// this one; `None` when this page was the last.
    pub next: Option<String>,
    /// Its dividends and interest, for the next page's withholdings.
    pub payments: Vec<Payment>,
}

/// The entries of one answer asked with `page_size` (fewer rows: the last
/// page), with a problem for each activity that could not be read. Pairs
/// are joined within the page, and a page never ends between a dividend
/// and its withholding or two split legs ([`page_end`]). Fails only when
/// the next page has no id to start after.
pub fn activity_page(
    rows: &wire::Activities<'_>,
    page_size: usize,
    account: &str,
    redactor: &Redactor,
    earlier: &[Payment],
) -> Result<ActivityPage, ConvertError> {
    let total = rows.ok.len() + rows.bad.len();
    let mut good = rows.ok.iter();
    let in_order: Vec<Option<&wire::Activity<'_>>> = (0..total)
        .map(|i| {
            if rows.bad.iter().any(|b| b.index == i) {
                None
            } else {
                good.next()
            }
        })
        .collect();
    let end = if total >= page_size {
        page_end(&in_order)
    } else {
        total
    };
    let next = if total < page_size || end == 0 {
        None
    } else {
        let id = match in_order[end - 1] {
            Some(a) => Some(a.id.to_string()),
            None => rows.bad.iter().find(|b| b.index == end - 1).and_then(|b| {
                let v: serde_json::Value = serde_json::from_str(b.raw).ok()?;
                Some(v.get("id")?.as_str()?.to_owned())
            }),
        };
        Some(id.ok_or_else(|| ConvertError::at(format!("[{}]", end - 1), "no id to go on after"))?)
    };
    let mut problems: Vec<ReadProblem> = rows
        .problems(ACTIVITIES, "id", redactor)
        .into_iter()
        .zip(&rows.bad)
        .filter(|(_, b)| b.index < end)
        .map(|(p, _)| p)
        .collect();
    let mut entries = Vec::with_capacity(end);
    for a in in_order[..end].iter().flatten() {
        match entry(a, account) {
            Ok(e) => entries.push(e),
            Err(why) => problems.push(why.problem(ACTIVITIES, Some(&a.id))),
        }
    }
    join_splits(&mut entries);
    link_withholding(&mut entries, earlier);
    stonks_core::v2::sort_by_time(&mut entries);
    Ok(ActivityPage {
        payments: payments(&entries),
        entries,
        problems,
        next,
    })
}

#[cfg(test)]
mod tests;

/// The calendar day in New York at `t`: Eastern time, daylight saving from
/// 02:00 local on the second Sunday of March to 02:00 local on the first
/// Sunday of November (the US rule since 2007).
pub fn new_york_date(t: DateTime<Utc>) -> chrono::NaiveDate {
    use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
    let year = t.year();
    let nth_sunday = |month: u32, n: u32| {
        NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, n as u8).unwrap_or_default()
    };
    // 02:00 EST is 07:00 UTC; 02:00 EDT is 06:00 UTC.
    let dst_from = nth_sunday(3, 2)
        .and_hms_opt(7, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let dst_until = nth_sunday(11, 1)
        .and_hms_opt(6, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let behind = if (dst_from..dst_until).contains(&t) {
        4
    } else {
        5
    };
    (t - TimeDelta::hours(behind)).date_naive()
}

/// The closes of one page of daily bars of `symbol` within `range` (both
/// days included), each on its exchange day (a stock's New York date, a
/// crypto pair's UTC date); a bar that cannot be read is a problem naming
/// the symbol.
pub fn bar_closes(
    rows: &stonks_core::wire::Rows<'_, wire::Bar>,
    symbol: &str,
    crypto: bool,
    range: (chrono::NaiveDate, chrono::NaiveDate),
    redactor: &Redactor,
) -> (Vec<stonks_core::prices::Close>, Vec<ReadProblem>) {
    let closes = rows
        .ok
        .iter()
        .map(|b| stonks_core::prices::Close {
            date: if crypto {
                b.t.0.date_naive()
            } else {
                new_york_date(b.t.0)
            },
            close: b.c.0,
        })
        .filter(|c| (range.0..=range.1).contains(&c.date))
        .collect();
    let endpoint = if crypto {
        "GET /v1beta3/crypto/us/bars"
    } else {
        "GET /v2/stocks/{symbol}/bars"
    };
    let problems = rows
        .problems(endpoint, "t", redactor)
        .into_iter()
        .map(|p| p.item(symbol))
        .collect();
    (closes, problems)
}
