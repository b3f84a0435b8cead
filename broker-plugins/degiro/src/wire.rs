//! DEGIRO's JSON exactly as its web trader receives it, borrowed from the
//! body. Numbers arrive as JSON floats: they are read from their text into
//! `Decimal` ([`ExactDecimal`]), never through `f64`. Lists are read row by
//! row ([`Rows`]) so one bad row is reported, not fatal. Fields DEGIRO adds
//! later are ignored.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;
use stonks_core::Currency;
use stonks_core::wire::{ExactDecimal, Lenient, Rows, Timestamp};

/// Answer of the login endpoints (also on HTTP 400/202: the status says why).
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
    #[serde(default)]
    pub captcha_required: Option<bool>,
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
    pub int_account: Lenient<i64>,
}

/// `GET {tradingUrl}v5/update/{intAccount};jsessionid=...`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAnswer<'a> {
    #[serde(default, borrow)]
    pub portfolio: Option<Section<Row<'a>>>,
    #[serde(default, borrow)]
    pub total_portfolio: Option<Section<Field<'a>>>,
}

/// `{name, value, lastUpdated, isAdded}`.
#[derive(Debug, Deserialize)]
pub struct Section<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
}

/// A portfolio row: `{"id":"8614787","name":"positionrow","value":[fields]}`.
/// The id is a product id (digits), or a cash row's `EUR` / `FLATEX_EUR`.
#[derive(Debug, Deserialize)]
pub struct Row<'a> {
    pub id: Lenient<String>,
    #[serde(default, borrow)]
    pub value: Vec<Field<'a>>,
}

/// `{"name":"size","value":100}`; some fields come without a value.
#[derive(Debug, Deserialize)]
pub struct Field<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    #[serde(default, borrow)]
    pub value: Option<&'a RawValue>,
}

/// `POST {productSearchUrl}v5/products/info`: each product read on its
/// own, so one odd product is a problem, not a failed portfolio.
#[derive(Debug, Deserialize)]
pub struct ProductsAnswer<'a> {
    #[serde(default, borrow)]
    pub data: HashMap<Cow<'a, str>, &'a RawValue>,
}

/// Product details.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: Lenient<String>,
    pub name: String,
    #[serde(default)]
    pub isin: Option<String>,
    #[serde(default)]
    pub symbol: Option<String>,
    pub currency: Currency,
    #[serde(default)]
    pub product_type: Option<String>,
    #[serde(default)]
    pub exchange_id: Option<Lenient<String>>,
}

/// `GET {reportingUrl}v4/transactions`.
#[derive(Debug, Deserialize)]
pub struct TradesAnswer<'a> {
    #[serde(borrow)]
    pub data: Rows<'a, Trade<'a>>,
}

/// One executed trade (or a transfer or corporate action: see
/// `transfered` and `transactionTypeId`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trade<'a> {
    pub id: Lenient<i64>,
    pub product_id: Lenient<i64>,
    /// ISO 8601 with offset, e.g. `2024-03-05T15:31:02+01:00`.
    pub date: Timestamp,
    /// `B` or `S`.
    #[serde(borrow)]
    pub buysell: Cow<'a, str>,
    pub price: ExactDecimal,
    /// Negative for sells.
    pub quantity: ExactDecimal,
    /// In the product's currency; negative for buys.
    pub total: ExactDecimal,
    /// Negative: DEGIRO's commission, in the base currency.
    #[serde(default)]
    pub fee_in_base_currency: Option<ExactDecimal>,
    /// Negative: every fee in the base currency, the AutoFX fee included.
    #[serde(default)]
    pub total_fees_in_base_currency: Option<ExactDecimal>,
    /// A position moved in or out from another broker: no cash moved.
    #[serde(default)]
    pub transfered: Option<bool>,
    /// 0 for an ordinary trade; other values are corporate actions.
    #[serde(default)]
    pub transaction_type_id: Option<Lenient<i64>>,
    #[serde(default, borrow)]
    pub order_id: Option<Cow<'a, str>>,
}

/// `GET {reportingUrl}v6/accountoverview`.
#[derive(Debug, Deserialize)]
pub struct AccountOverviewAnswer<'a> {
    #[serde(borrow)]
    pub data: AccountOverview<'a>,
}

/// The account overview.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountOverview<'a> {
    #[serde(default, borrow)]
    pub cash_movements: Option<Rows<'a, CashMovement<'a>>>,
}

/// One cash movement; what it is lives in `description` (localised) and `type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CashMovement<'a> {
    #[serde(default)]
    pub id: Option<Lenient<i64>>,
    pub date: Timestamp,
    #[serde(default, borrow)]
    pub description: Cow<'a, str>,
    #[serde(default)]
    pub product_id: Option<Lenient<i64>>,
    pub currency: Currency,
    /// Absent for a money-market fund conversion or a failed payment.
    #[serde(default)]
    pub change: Option<ExactDecimal>,
    #[serde(rename = "type", default, borrow)]
    pub kind: Option<Cow<'a, str>>,
    /// Carried by some answers only; no public capture has it.
    #[serde(default, borrow)]
    pub order_id: Option<Cow<'a, str>>,
}
