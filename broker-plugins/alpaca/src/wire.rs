//! Alpaca's JSON exactly as it arrives, borrowed from the body. Decimals
//! are strings (`"qty": "0.0125"`), read exactly ([`ExactDecimal`]); times
//! are RFC 3339 (fills) or plain dates (other activities), read by
//! [`Timestamp`]. Lists are read row by row ([`Rows`]) so one bad row is
//! reported, not fatal. Fields Alpaca may add later are ignored.

use std::borrow::Cow;

use serde::Deserialize;
use stonks_core::Currency;
use stonks_core::wire::{ExactDecimal, Lenient, Rows, Timestamp};

/// `{"code": 40110000, "message": "..."}`: the body of an error answer
/// (some gateway answers have no `code`).
#[derive(Debug, Deserialize)]
pub struct ErrorBody<'a> {
    #[serde(default)]
    pub code: Option<Lenient<u64>>,
    #[serde(default, borrow)]
    pub message: Cow<'a, str>,
}

/// `GET /v2/account`, the fields the portfolio and ledger need.
#[derive(Debug, Deserialize)]
pub struct Account<'a> {
    #[serde(borrow)]
    pub account_number: Cow<'a, str>,
    #[serde(default)]
    pub currency: Option<Currency>,
    pub cash: ExactDecimal,
}

/// One row of `GET /v2/positions`.
#[derive(Debug, Deserialize)]
pub struct Position<'a> {
    #[serde(borrow)]
    pub symbol: Cow<'a, str>,
    #[serde(borrow)]
    pub asset_class: Cow<'a, str>,
    #[serde(default, borrow)]
    pub exchange: Option<Cow<'a, str>>,
    /// Negative for a short position.
    pub qty: ExactDecimal,
    #[serde(borrow)]
    pub side: Cow<'a, str>,
    pub avg_entry_price: ExactDecimal,
    #[serde(default)]
    pub cost_basis: Option<ExactDecimal>,
    #[serde(default)]
    pub market_value: Option<ExactDecimal>,
    #[serde(default)]
    pub current_price: Option<ExactDecimal>,
    #[serde(default)]
    pub unrealized_pl: Option<ExactDecimal>,
}

/// `GET /v2/account/activities`: a plain list, oldest first when asked.
pub type Activities<'a> = Rows<'a, Activity<'a>>;

/// One account activity: a fill (`activity_type` `FILL`) or a non-trade
/// activity (every other type). Which fields are present depends on it.
#[derive(Debug, Deserialize)]
pub struct Activity<'a> {
    /// `<yyyyMMddHHmmssSSS>::<uuid>`; also the `page_token` after it.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow)]
    pub activity_type: Cow<'a, str>,
    #[serde(default, borrow)]
    pub symbol: Option<Cow<'a, str>>,
    /// Signed for journals, transfers and corporate actions.
    #[serde(default)]
    pub qty: Option<ExactDecimal>,
    #[serde(default)]
    pub price: Option<ExactDecimal>,
    /// Fills: when the order filled.
    #[serde(default)]
    pub transaction_time: Option<Timestamp>,
    /// Fills: `buy` or `sell` (`sell_short` occurs).
    #[serde(default, borrow)]
    pub side: Option<Cow<'a, str>>,
    /// Fills: `fill` or `partial_fill`.
    #[serde(default, rename = "type", borrow)]
    pub fill_type: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub order_id: Option<Cow<'a, str>>,
    /// Fills: read so that a broken value is reported, not missed.
    #[serde(default)]
    pub cum_qty: Option<ExactDecimal>,
    #[serde(default)]
    pub leaves_qty: Option<ExactDecimal>,
    /// Other activities: the day it is booked on (`YYYY-MM-DD`).
    #[serde(default)]
    pub date: Option<Timestamp>,
    #[serde(default)]
    pub net_amount: Option<ExactDecimal>,
    #[serde(default)]
    pub per_share_amount: Option<ExactDecimal>,
    #[serde(default)]
    pub currency: Option<Currency>,
    #[serde(default, borrow)]
    pub description: Option<Cow<'a, str>>,
}

/// `GET /v2/stocks/{symbol}/bars`: one page of one symbol's bars. `bars`
/// is `null` when there are none.
#[derive(Debug, Deserialize)]
pub struct StockBars<'a> {
    #[serde(default, borrow)]
    pub bars: Option<Rows<'a, Bar>>,
    #[serde(default, borrow)]
    pub next_page_token: Option<Cow<'a, str>>,
}

/// `GET /v1beta3/crypto/us/bars`: one page, the bars keyed by pair.
#[derive(Debug, Deserialize)]
pub struct CryptoBars<'a> {
    #[serde(default, borrow)]
    pub bars: Option<std::collections::BTreeMap<Cow<'a, str>, Rows<'a, Bar>>>,
    #[serde(default, borrow)]
    pub next_page_token: Option<Cow<'a, str>>,
}

/// One bar: `{t, o, h, l, c, v, n, vw}`, prices as JSON numbers. Only the
/// time and the close are read, the close exactly from the number's text.
#[derive(Debug, Deserialize)]
pub struct Bar {
    /// RFC 3339: midnight New York for a stock's day, midnight UTC for a
    /// crypto pair's.
    pub t: Timestamp,
    pub c: ExactDecimal,
}
