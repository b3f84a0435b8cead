//! Version 1 of the service traits: the legacy shape.
//!
//! This is close to what existing portfolio apps (Stonks Overwatch and its
//! kind) consume: a flat list of holdings and a flat list of trades, amounts
//! in the instrument's currency. New plugins should implement [`crate::v2`];
//! the registry serves either version on top of the other (see [`crate::adapt`]).
//!
//! Deliberate differences from the Python originals: values the broker did
//! not give are `None`, never `0`, so a missing price cannot be mistaken for a
//! worthless position; and codes are typed ([`Isin`], [`Currency`],
//! [`AssetClass`]), checked once where they enter, serialised as the same
//! strings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::{AssetClass, Currency, Isin};

/// One holding in the legacy portfolio list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioEntry {
    /// Human name of the instrument.
    pub name: String,
    /// Ticker or asset symbol.
    pub symbol: String,
    /// ISIN, when known.
    pub isin: Option<Isin>,
    /// Number of shares or units held.
    pub shares: Decimal,
    /// Last price per share, in `currency`.
    pub price: Option<Decimal>,
    /// Market value (`shares * price`), in `currency`.
    pub value: Option<Decimal>,
    /// Currency of `price`, `value`, `break_even_price` and `unrealized_gain`.
    pub currency: Currency,
    /// Average price paid per share, in `currency`.
    pub break_even_price: Option<Decimal>,
    /// Value minus cost, in `currency`.
    pub unrealized_gain: Option<Decimal>,
    /// Product type (`stock`, `etf`, `crypto`, `cash`, ...).
    pub product_type: AssetClass,
}

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Bought.
    Buy,
    /// Sold.
    Sell,
}

/// One trade in the legacy transaction list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// When the trade executed (UTC).
    pub date: DateTime<Utc>,
    /// Buy or sell.
    pub side: Side,
    /// Ticker or asset symbol.
    pub symbol: String,
    /// Units traded, always positive.
    pub quantity: Decimal,
    /// Price per unit, in `currency`.
    pub price: Decimal,
    /// Signed cash effect before fees, in `currency` (negative for buys).
    pub total: Decimal,
    /// Fees paid, positive, in `currency`.
    pub fees: Decimal,
    /// Currency of `price`, `total` and `fees`.
    pub currency: Currency,
}

/// Legacy portfolio service.
#[async_trait]
pub trait PortfolioService: Send + Sync {
    /// Every holding.
    async fn portfolio(&self) -> Result<Vec<PortfolioEntry>>;
}

/// Legacy transaction service: trades only.
#[async_trait]
pub trait TransactionService: Send + Sync {
    /// Every trade.
    async fn transactions(&self) -> Result<Vec<Transaction>>;
}

#[async_trait]
impl<T: PortfolioService + ?Sized> PortfolioService for std::sync::Arc<T> {
    async fn portfolio(&self) -> Result<Vec<PortfolioEntry>> {
        (**self).portfolio().await
    }
}

#[async_trait]
impl<T: TransactionService + ?Sized> TransactionService for std::sync::Arc<T> {
    async fn transactions(&self) -> Result<Vec<Transaction>> {
        (**self).transactions().await
    }
}
