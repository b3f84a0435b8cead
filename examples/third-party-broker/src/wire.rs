//! Acme's JSON as it arrives. Lists are read row by row (`Rows`), so one
//! bad row is reported rather than fatal; decimals are read exactly.

use serde::Deserialize;
use stonks_core::wire::{ExactDecimal, Rows, Timestamp};

#[derive(Deserialize)]
pub struct Positions<'a> {
    #[serde(borrow)]
    pub positions: Rows<'a, Position>,
    #[serde(borrow)]
    pub cash: Rows<'a, Cash>,
}

#[derive(Deserialize)]
pub struct Position {
    pub symbol: String,
    pub isin: Option<String>,
    pub name: String,
    pub qty: ExactDecimal,
    pub price: Option<ExactDecimal>,
    pub currency: String,
}

#[derive(Deserialize)]
pub struct Cash {
    pub currency: String,
    pub amount: ExactDecimal,
}

#[derive(Deserialize)]
pub struct Activities<'a> {
    #[serde(borrow)]
    pub items: Rows<'a, Activity>,
    pub next: Option<String>,
}

#[derive(Deserialize)]
pub struct Activity {
    pub id: String,
    pub time: Timestamp,
    #[serde(rename = "type")]
    pub kind: String,
    pub symbol: Option<String>,
    pub qty: Option<ExactDecimal>,
    pub price: Option<ExactDecimal>,
    pub amount: ExactDecimal,
    pub fee: Option<ExactDecimal>,
    pub currency: String,
}
