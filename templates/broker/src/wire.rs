//! The broker's JSON exactly as it arrives. Lists are read row by row
//! (`Rows`), so one bad row is reported rather than fatal; decimals are read
//! exactly from the text (`ExactDecimal`), times in any ISO 8601 or Unix
//! form (`Timestamp`).

use serde::Deserialize;
use stonks_core::wire::{ExactDecimal, Rows, Timestamp};

/// `GET /v1/positions`.
#[derive(Deserialize)]
pub struct Positions<'a> {
    /// The account these belong to.
    pub account: String,
    #[serde(borrow)]
    pub positions: Rows<'a, Position>,
    #[serde(borrow)]
    pub cash: Rows<'a, Cash>,
}

#[derive(Deserialize)]
pub struct Position {
    pub symbol: String,
    pub isin: Option<String>,
    /// Not every instrument has one.
    pub name: Option<String>,
    /// `stock`, `etf`, `fund`, `bond`, `crypto`, ...; absent when the broker
    /// does not say.
    pub asset_class: Option<String>,
    pub qty: ExactDecimal,
    /// `null` when the broker has no price (a delisted share).
    pub price: Option<ExactDecimal>,
    pub currency: String,
}

#[derive(Deserialize)]
pub struct Cash {
    pub currency: String,
    pub amount: ExactDecimal,
}

/// `GET /v1/activities`.
#[derive(Deserialize)]
pub struct Activities<'a> {
    pub account: String,
    #[serde(borrow)]
    pub items: Rows<'a, Activity>,
    /// The broker's cursor of the next page; absent on the last.
    pub next: Option<String>,
}

#[derive(Deserialize)]
pub struct Activity {
    pub id: String,
    pub time: Timestamp,
    #[serde(rename = "type")]
    pub kind: String,
    pub symbol: Option<String>,
    pub isin: Option<String>,
    pub qty: Option<ExactDecimal>,
    pub price: Option<ExactDecimal>,
    /// Signed: what the activity did to the cash, before fees.
    pub amount: ExactDecimal,
    pub fee: Option<ExactDecimal>,
    pub currency: String,
    /// The activity this one belongs to (a withholding tax to its dividend).
    pub parent_id: Option<String>,
    pub description: Option<String>,
}
