//! The rows of the files, as written: the `transactions` JSON contract
//! (decimals as strings or numbers, `null` or absent for unknown) and the
//! same columns as CSV.

use std::borrow::Cow;

use serde::Deserialize;
use stonks_core::wire::{ExactDecimal, parse_decimal};

/// An amount with its currency: `{"amount": "2.5", "currency": "EUR"}`,
/// or `2.5 EUR` in CSV.
#[derive(Debug, Clone, Deserialize)]
pub struct Amount<'a> {
    /// The amount.
    pub amount: ExactDecimal,
    /// Its currency code.
    #[serde(borrow)]
    pub currency: Cow<'a, str>,
}

/// One ledger row. Keys of the JSON contract that the entry takes from
/// the configuration (`broker`, `account`) are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct Row<'a> {
    /// The entry's id; a row without one is keyed by its content.
    #[serde(default, borrow)]
    pub id: Option<Cow<'a, str>>,
    /// RFC 3339 time, or a date (midnight UTC).
    #[serde(borrow)]
    pub timestamp: Cow<'a, str>,
    /// A contract kind (`buy`, `dividend`, ...); any other name is kept as
    /// `other` with that name.
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
    /// Ticker or asset code.
    #[serde(default, borrow)]
    pub symbol: Option<Cow<'a, str>>,
    /// ISIN.
    #[serde(default, borrow)]
    pub isin: Option<Cow<'a, str>>,
    /// A name for people.
    #[serde(default, borrow)]
    pub name: Option<Cow<'a, str>>,
    /// `stock`, `etf`, `fund`, `bond`, `crypto`, ... (default `stock`).
    #[serde(default, borrow)]
    pub asset_class: Option<Cow<'a, str>>,
    /// Units.
    #[serde(default)]
    pub quantity: Option<ExactDecimal>,
    /// Price per unit, in `currency`.
    #[serde(default)]
    pub price: Option<ExactDecimal>,
    /// Signed cash effect before fees.
    pub amount: ExactDecimal,
    /// The currency of `amount` and `price`.
    #[serde(borrow)]
    pub currency: Cow<'a, str>,
    /// Fees paid.
    #[serde(default, borrow)]
    pub fees: Vec<Amount<'a>>,
    /// Free text.
    #[serde(default, borrow)]
    pub description: Option<Cow<'a, str>>,
    /// The id of the entry this one belongs to (a withholding's dividend).
    #[serde(default, borrow)]
    pub belongs_to: Option<Cow<'a, str>>,
    /// The cost basis units transferred in carry.
    #[serde(default, borrow)]
    pub cost_basis: Option<Amount<'a>>,
    /// A split's ratio, `new:old` (`4:1`).
    #[serde(default, borrow)]
    pub ratio: Option<Cow<'a, str>>,
    /// The instrument a spin-off or merger gives.
    #[serde(default, borrow)]
    pub new_symbol: Option<Cow<'a, str>>,
    /// Its ISIN.
    #[serde(default, borrow)]
    pub new_isin: Option<Cow<'a, str>>,
    /// Units of it received.
    #[serde(default)]
    pub new_quantity: Option<ExactDecimal>,
    /// The share of the parent's cost a spin-off takes (`0.1`).
    #[serde(default)]
    pub cost_fraction: Option<ExactDecimal>,
}

/// One position row.
#[derive(Debug, Clone, Deserialize)]
pub struct PositionRow<'a> {
    /// Ticker or asset code.
    #[serde(default, borrow)]
    pub symbol: Option<Cow<'a, str>>,
    /// ISIN.
    #[serde(default, borrow)]
    pub isin: Option<Cow<'a, str>>,
    /// A name for people.
    #[serde(default, borrow)]
    pub name: Option<Cow<'a, str>>,
    /// `stock`, `crypto`, ...
    #[serde(default, borrow)]
    pub asset_class: Option<Cow<'a, str>>,
    /// Units held.
    pub quantity: ExactDecimal,
    /// The last price.
    #[serde(default)]
    pub price: Option<ExactDecimal>,
    /// Its currency.
    #[serde(default, borrow)]
    pub currency: Option<Cow<'a, str>>,
}

/// `text` as an optional cell: empty is missing.
fn cell(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A decimal cell, exact.
fn decimal(text: Option<&str>, column: &str) -> Result<Option<ExactDecimal>, String> {
    cell(text)
        .map(|t| {
            parse_decimal(t)
                .map(ExactDecimal)
                .map_err(|e| format!("{column}: {e}"))
        })
        .transpose()
}

/// `2.5 EUR`.
fn amount<'a>(text: &'a str, column: &str) -> Result<Amount<'a>, String> {
    let (a, c) = text.trim().rsplit_once(' ').ok_or_else(|| {
        format!("{column}: {text:?} is not an amount and a currency (\"2.5 EUR\")")
    })?;
    Ok(Amount {
        amount: ExactDecimal(parse_decimal(a.trim()).map_err(|e| format!("{column}: {e}"))?),
        currency: Cow::Borrowed(c.trim()),
    })
}

/// A CSV record read by its header: the same columns as the JSON keys;
/// `fees` as `2 EUR + 0.5 USD`, `cost_basis` as `600 EUR`.
pub fn csv_row<'a>(
    header: &csv::StringRecord,
    record: &'a csv::StringRecord,
) -> Result<Row<'a>, String> {
    let get = |name: &str| -> Option<&'a str> {
        let i = header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))?;
        cell(record.get(i))
    };
    let text = |name: &str| get(name).map(Cow::Borrowed);
    let required = |name: &str| {
        get(name)
            .map(Cow::Borrowed)
            .ok_or_else(|| format!("{name}: missing"))
    };
    let fees = match get("fees") {
        None => Vec::new(),
        Some(f) => f
            .split('+')
            .map(|part| amount(part, "fees"))
            .collect::<Result<_, _>>()?,
    };
    Ok(Row {
        id: text("id"),
        timestamp: required("timestamp")?,
        kind: required("kind")?,
        symbol: text("symbol"),
        isin: text("isin"),
        name: text("name"),
        asset_class: text("asset_class"),
        quantity: decimal(get("quantity"), "quantity")?,
        price: decimal(get("price"), "price")?,
        amount: decimal(get("amount"), "amount")?.ok_or("amount: missing")?,
        currency: required("currency")?,
        fees,
        description: text("description"),
        belongs_to: text("belongs_to"),
        cost_basis: get("cost_basis")
            .map(|c| amount(c, "cost_basis"))
            .transpose()?,
        ratio: text("ratio"),
        new_symbol: text("new_symbol"),
        new_isin: text("new_isin"),
        new_quantity: decimal(get("new_quantity"), "new_quantity")?,
        cost_fraction: decimal(get("cost_fraction"), "cost_fraction")?,
    })
}

/// A CSV position record read by its header.
pub fn csv_position<'a>(
    header: &csv::StringRecord,
    record: &'a csv::StringRecord,
) -> Result<PositionRow<'a>, String> {
    let get = |name: &str| -> Option<&'a str> {
        let i = header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))?;
        cell(record.get(i))
    };
    Ok(PositionRow {
        symbol: get("symbol").map(Cow::Borrowed),
        isin: get("isin").map(Cow::Borrowed),
        name: get("name").map(Cow::Borrowed),
        asset_class: get("asset_class").map(Cow::Borrowed),
        quantity: decimal(get("quantity"), "quantity")?.ok_or("quantity: missing")?,
        price: decimal(get("price"), "price")?,
        currency: get("currency").map(Cow::Borrowed),
    })
}
