//! DEGIRO's JSON exactly as its web trader receives it. Numbers arrive as
//! JSON floats: they are read from their text into `Decimal` ([`Exact`]),
//! never through `f64`.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// A number read exactly from the JSON text (`73.0`, `-6716.9`, `1.5E-4`,
/// or the same inside a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exact(pub Decimal);

/// Parses a JSON number's text (or a quoted one) exactly.
pub fn exact_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim().trim_matches('"');
    if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).map_err(|e| format!("{t:?} is not a number: {e}"))
    } else {
        t.parse::<Decimal>()
            .map_err(|e| format!("{t:?} is not a number: {e}"))
    }
}

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        exact_decimal(raw.get())
            .map(Exact)
            .map_err(D::Error::custom)
    }
}

/// Answer of the login endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginAnswer {
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub status: Option<i64>,
    #[serde(default)]
    pub status_text: Option<String>,
    #[serde(default)]
    pub in_app_token: Option<String>,
}

/// `GET login/secure/config`.
#[derive(Debug, Clone, Deserialize)]
pub struct ConfigAnswer {
    pub data: ServiceUrls,
}

/// The base URLs of DEGIRO's services, from the config answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceUrls {
    pub pa_url: String,
    pub trading_url: String,
    pub product_search_url: String,
    pub reporting_url: String,
}

/// `GET {paUrl}client`.
#[derive(Debug, Clone, Deserialize)]
pub struct ClientAnswer {
    pub data: ClientInfo,
}

/// The account the session belongs to.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientInfo {
    pub int_account: i64,
}

/// `GET {tradingUrl}v5/update/{intAccount};jsessionid=...`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAnswer {
    #[serde(default)]
    pub portfolio: Option<Section<Row>>,
    #[serde(default)]
    pub total_portfolio: Option<Section<Field>>,
}

/// `{name, value, lastUpdated, isAdded}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Section<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
}

/// A portfolio row: `{"id":"8614787","name":"positionrow","value":[fields]}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    pub id: String,
    #[serde(default)]
    pub value: Vec<Field>,
}

/// `{"name":"size","value":100}`; some fields come without a value.
#[derive(Debug, Clone, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(default)]
    pub value: Option<Box<RawValue>>,
}

/// `POST {productSearchUrl}v5/products/info`.
#[derive(Debug, Clone, Deserialize)]
pub struct ProductsAnswer {
    pub data: HashMap<String, Product>,
}

/// Product details.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub isin: Option<String>,
    #[serde(default)]
    pub symbol: Option<String>,
    pub currency: String,
    #[serde(default)]
    pub product_type: Option<String>,
    #[serde(default)]
    pub exchange_id: Option<serde_json::Value>,
}

/// `GET {reportingUrl}v4/transactions`.
#[derive(Debug, Clone, Deserialize)]
pub struct TradesAnswer {
    pub data: Vec<Trade>,
}

/// One executed trade.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trade {
    pub id: i64,
    pub product_id: i64,
    /// ISO 8601 with offset, e.g. `2024-03-05T15:31:02+01:00`.
    pub date: String,
    /// `B` or `S`.
    pub buysell: String,
    pub price: Exact,
    /// Negative for sells.
    pub quantity: Exact,
    /// In the product's currency; negative for buys.
    pub total: Exact,
    /// Negative: what the trade cost in fees.
    #[serde(default)]
    pub fee_in_base_currency: Option<Exact>,
    #[serde(default)]
    pub order_id: Option<String>,
}

/// `GET {reportingUrl}v6/accountoverview`.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountOverviewAnswer {
    pub data: AccountOverview,
}

/// The account overview.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountOverview {
    #[serde(default)]
    pub cash_movements: Vec<CashMovement>,
}

/// One cash movement; what it is lives in `description` (localised) and `type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CashMovement {
    #[serde(default)]
    pub id: Option<i64>,
    pub date: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub product_id: Option<i64>,
    pub currency: String,
    /// Absent for a payment that failed.
    #[serde(default)]
    pub change: Option<Exact>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub order_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_read_exactly() {
        #[derive(Deserialize)]
        struct T {
            a: Exact,
            b: Exact,
            c: Exact,
            d: Exact,
        }
        let t: T =
            serde_json::from_str(r#"{"a": 0.1, "b": -6716.9, "c": 1.5E-4, "d": "73.0"}"#).unwrap();
        assert_eq!(t.a.0.to_string(), "0.1");
        assert_eq!(t.b.0.to_string(), "-6716.9");
        assert_eq!(t.c.0.to_string(), "0.00015");
        assert_eq!(t.d.0.to_string(), "73.0");
        // 0.1 + 0.2 is exactly 0.3 here, unlike in f64.
        assert_eq!((t.a.0 + Decimal::new(2, 1)).to_string(), "0.3");
    }
}
