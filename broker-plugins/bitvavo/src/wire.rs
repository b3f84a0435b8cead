//! Bitvavo's JSON exactly as it arrives, borrowed from the body. Amounts
//! are decimal strings in the docs and JSON numbers in some answers: both
//! are read exactly ([`ExactDecimal`]). Times are ISO text or Unix
//! milliseconds (or seconds) as numbers or strings ([`Timestamp`]). Lists
//! are read row by row ([`Rows`]) so one bad row is reported, not fatal.
//! Fields Bitvavo may add later are ignored.

use std::borrow::Cow;

use serde::Deserialize;
use stonks_core::Currency;
use stonks_core::wire::{ExactDecimal, Lenient, Rows, Timestamp};

/// `{"errorCode": 205, "error": "..."}`: the body of every error answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody<'a> {
    pub error_code: Lenient<u32>,
    #[serde(default, borrow)]
    pub error: Cow<'a, str>,
}

/// One row of `GET /balance`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Balance<'a> {
    #[serde(borrow)]
    pub symbol: Cow<'a, str>,
    pub available: ExactDecimal,
    /// Absent in some answers: nothing in orders.
    #[serde(default)]
    pub in_order: Option<ExactDecimal>,
}

/// One row of `GET /stakingBalance`.
#[derive(Debug, Clone, Deserialize)]
pub struct StakingBalance<'a> {
    #[serde(borrow)]
    pub symbol: Cow<'a, str>,
    pub amount: ExactDecimal,
}

/// One row of `GET /assets`; `decimals` is a number or a string.
#[derive(Debug, Clone, Deserialize)]
pub struct Asset<'a> {
    #[serde(borrow)]
    pub symbol: Cow<'a, str>,
    #[serde(default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(default)]
    pub decimals: Option<Lenient<u32>>,
}

/// One row of `GET /ticker/price`. Markets without trades have no price.
#[derive(Debug, Clone, Deserialize)]
pub struct TickerPrice<'a> {
    #[serde(borrow)]
    pub market: Cow<'a, str>,
    #[serde(default)]
    pub price: Option<ExactDecimal>,
}

/// `GET /account/history`. Its page counters (`currentPage`,
/// `totalPages`, absent on a single page in some answers) are not needed:
/// the ledger pages by time (see `services.rs`).
#[derive(Debug, Deserialize)]
pub struct HistoryPage<'a> {
    #[serde(borrow)]
    pub items: Rows<'a, HistoryItem<'a>>,
}

/// One entry of the account history. Which amount fields are present depends
/// on `type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem<'a> {
    #[serde(borrow)]
    pub transaction_id: Cow<'a, str>,
    /// ISO 8601 in UTC (`2024-01-10T10:58:53.000Z`), or Unix ms.
    pub executed_at: Timestamp,
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default)]
    pub price_currency: Option<Currency>,
    #[serde(default)]
    pub price_amount: Option<ExactDecimal>,
    #[serde(default)]
    pub sent_currency: Option<Currency>,
    #[serde(default)]
    pub sent_amount: Option<ExactDecimal>,
    #[serde(default)]
    pub received_currency: Option<Currency>,
    #[serde(default)]
    pub received_amount: Option<ExactDecimal>,
    #[serde(default)]
    pub fees_currency: Option<Currency>,
    #[serde(default)]
    pub fees_amount: Option<ExactDecimal>,
    #[serde(default, borrow)]
    pub address: Option<Cow<'a, str>>,
}

/// One row of `GET /depositHistory` or `GET /withdrawalHistory`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transfer<'a> {
    /// Unix ms in the docs; seconds and strings occur.
    pub timestamp: Timestamp,
    #[serde(borrow)]
    pub symbol: Cow<'a, str>,
    pub amount: ExactDecimal,
    #[serde(default, borrow)]
    pub status: Option<Cow<'a, str>>,
    /// A transaction hash; the docs' own example ends it with a newline.
    #[serde(default, borrow)]
    pub tx_id: Option<Cow<'a, str>>,
}

/// One row of `GET /{market}/candles`: `[timestamp_ms, "open", "high",
/// "low", "close", "volume"]`. Only the time and the close are read: a
/// broken volume does not cost the close.
#[derive(Debug, Clone, Deserialize)]
pub struct Candle(
    /// The start of the candle's interval (midnight UTC for `1d`).
    pub Timestamp,
    pub serde::de::IgnoredAny,
    pub serde::de::IgnoredAny,
    pub serde::de::IgnoredAny,
    /// The close.
    pub ExactDecimal,
    pub serde::de::IgnoredAny,
);
