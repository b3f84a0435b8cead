//! Bitvavo's JSON exactly as it arrives. Amounts are decimal strings and are
//! read straight into `Decimal`; fields Bitvavo may add later are ignored.

use rust_decimal::Decimal;
use serde::Deserialize;

/// `{"errorCode": 205, "error": "..."}`: the body of every error answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub error_code: u32,
    #[serde(default)]
    pub error: String,
}

/// One row of `GET /balance`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Balance {
    pub symbol: String,
    pub available: Decimal,
    pub in_order: Decimal,
}

/// One row of `GET /stakingBalance`.
#[derive(Debug, Clone, Deserialize)]
pub struct StakingBalance {
    pub symbol: String,
    pub amount: Decimal,
}

/// One row of `GET /assets`.
#[derive(Debug, Clone, Deserialize)]
pub struct Asset {
    pub symbol: String,
    pub name: String,
    #[serde(default)]
    pub decimals: Option<u32>,
}

/// One row of `GET /ticker/price`. Markets without trades have no price.
#[derive(Debug, Clone, Deserialize)]
pub struct TickerPrice {
    pub market: String,
    #[serde(default)]
    pub price: Option<Decimal>,
}

/// `GET /account/history`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    pub items: Vec<HistoryItem>,
    pub current_page: u32,
    pub total_pages: u32,
}

/// One entry of the account history. Which amount fields are present depends
/// on `type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    pub transaction_id: String,
    /// ISO 8601 in UTC, e.g. `2024-01-10T10:58:53.000Z`.
    pub executed_at: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub price_currency: Option<String>,
    #[serde(default)]
    pub price_amount: Option<Decimal>,
    #[serde(default)]
    pub sent_currency: Option<String>,
    #[serde(default)]
    pub sent_amount: Option<Decimal>,
    #[serde(default)]
    pub received_currency: Option<String>,
    #[serde(default)]
    pub received_amount: Option<Decimal>,
    #[serde(default)]
    pub fees_currency: Option<String>,
    #[serde(default)]
    pub fees_amount: Option<Decimal>,
    #[serde(default)]
    pub address: Option<String>,
}

/// Unix milliseconds, sent as a number or as a string depending on the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Millis(pub i64);

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(i64),
            Text(String),
        }
        match Either::deserialize(d)? {
            Either::Number(n) => Ok(Millis(n)),
            Either::Text(t) => t
                .trim()
                .parse()
                .map(Millis)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// One row of `GET /depositHistory` or `GET /withdrawalHistory`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transfer {
    pub timestamp: Millis,
    pub symbol: String,
    pub amount: Decimal,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub tx_id: Option<String>,
}
