//! Asking a resolver what brokers do not say: the `identity@1` interface.
//!
//! The app asks once per instrument it has not asked about before, with
//! the strongest identifier the instrument has ([`IdentityQuery::of`]),
//! and keeps the answers: a second run asks nothing.

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::listing_mic;
use crate::error::Result;
use crate::model::{AssetClass, Instrument, Isin};

/// What a resolver is asked about one instrument: one identifier, the
/// strongest the instrument has.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentityQuery {
    /// By ISIN.
    Isin(Isin),
    /// By CUSIP.
    Cusip(String),
    /// By ticker on one exchange, named by its MIC: a bare ticker is never
    /// asked about (`SAP` is the share on Xetra and the ADR on NYSE).
    Ticker {
        /// The ticker as the exchange writes it.
        ticker: String,
        /// The MIC of the exchange (`XNAS`).
        mic: String,
    },
}

impl IdentityQuery {
    /// The query for `i`: its ISIN, else its CUSIP, else its ticker on
    /// its listing's MIC. `None` when there is nothing to ask: the user
    /// assigned a key, the share-class FIGI is known, it is cash or crypto
    /// (whose asset code is its key), or all it has is a bare ticker.
    pub fn of(i: &Instrument) -> Option<IdentityQuery> {
        if i.ids.assigned_key.is_some()
            || i.ids.share_class_figi.is_some()
            || matches!(i.asset_class, AssetClass::Crypto | AssetClass::Cash)
        {
            return None;
        }
        if let Some(isin) = i.isin {
            return Some(IdentityQuery::Isin(isin));
        }
        if let Some(cusip) = i.ids.cusip.as_deref().filter(|c| is_code(c, 9)) {
            return Some(IdentityQuery::Cusip(cusip.to_ascii_uppercase()));
        }
        let ticker =
            i.symbol.as_deref().map(str::trim).filter(|t| {
                !t.is_empty() && t.len() <= 32 && !t.chars().any(char::is_whitespace)
            })?;
        let mic = listing_mic(i)?;
        Some(IdentityQuery::Ticker {
            ticker: ticker.to_ascii_uppercase(),
            mic: mic.to_owned(),
        })
    }
}

/// `len` ASCII letters and digits.
fn is_code(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The query as one line of text (`isin:US0378331005`, `cusip:037833100`,
/// `ticker:AAPL@XNAS`): how answers are kept and looked up.
impl fmt::Display for IdentityQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityQuery::Isin(isin) => write!(f, "isin:{isin}"),
            IdentityQuery::Cusip(cusip) => write!(f, "cusip:{cusip}"),
            IdentityQuery::Ticker { ticker, mic } => write!(f, "ticker:{ticker}@{mic}"),
        }
    }
}

/// What a resolver found for one query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// The share-class FIGI: what the instrument key is made of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_class_figi: Option<String>,
    /// The FIGI of the listing found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figi: Option<String>,
    /// The composite FIGI (all listings of one country).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composite_figi: Option<String>,
    /// The security's name, as the source writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The ticker of the listing found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticker: Option<String>,
    /// The source's exchange code of the listing found (`US`, `GY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exch_code: Option<String>,
    /// The security type (`Common Stock`, `ETP`, `ADR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_type: Option<String>,
}

/// The answer to one query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Resolution {
    /// One share class.
    Found(Resolved),
    /// The source knows no such identifier (its words).
    NotFound {
        /// What the source said.
        message: String,
    },
    /// The source answered listings of more than one share class: a
    /// problem for the user to settle, never a silent pick.
    Ambiguous {
        /// Every share-class FIGI answered.
        share_class_figis: Vec<String>,
    },
    /// The query could not be answered this time (a rejected job, a batch
    /// that failed): asked again next time.
    Failed {
        /// Why.
        message: String,
    },
}

impl Resolution {
    /// Whether the answer is final: found, not found and ambiguous are
    /// kept and never asked again; a failure is asked again.
    pub fn is_final(&self) -> bool {
        !matches!(self, Resolution::Failed { .. })
    }
}

/// A source of identifiers (OpenFIGI): share-class FIGIs for ISINs,
/// CUSIPs and tickers on an exchange.
#[async_trait]
pub trait IdentityService: Send + Sync {
    /// One resolution per query, in the queries' order. The service
    /// batches the queries as its source allows and keeps within its rate
    /// limit. A batch that fails after others succeeded makes its queries
    /// [`Resolution::Failed`], so what was answered is kept; the call
    /// fails only when nothing could be asked (a rejected key).
    async fn resolve(&self, queries: &[IdentityQuery]) -> Result<Vec<Resolution>>;
}

#[async_trait]
impl<T: IdentityService + ?Sized> IdentityService for std::sync::Arc<T> {
    async fn resolve(&self, queries: &[IdentityQuery]) -> Result<Vec<Resolution>> {
        (**self).resolve(queries).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stock(symbol: &str) -> Instrument {
        let mut i = Instrument::new(symbol, symbol, AssetClass::Stock);
        i.symbol = Some(symbol.to_owned());
        i
    }

    #[test]
    fn the_strongest_identifier_is_asked() {
        let mut apple = stock("AAPL");
        assert_eq!(
            IdentityQuery::of(&apple),
            None,
            "a bare ticker: nothing to ask"
        );
        apple.exchange = Some("NASDAQ".into());
        assert_eq!(IdentityQuery::of(&apple), None, "not a MIC");
        apple.exchange = Some("XNAS".into());
        assert_eq!(
            IdentityQuery::of(&apple).unwrap().to_string(),
            "ticker:AAPL@XNAS"
        );
        apple.ids.cusip = Some("037833100".into());
        assert_eq!(
            IdentityQuery::of(&apple).unwrap().to_string(),
            "cusip:037833100"
        );
        apple.isin = Some("US0378331005".parse().unwrap());
        assert_eq!(
            IdentityQuery::of(&apple).unwrap().to_string(),
            "isin:US0378331005"
        );
        apple.ids.share_class_figi = Some("BBG001S5N8V8".into());
        assert_eq!(IdentityQuery::of(&apple), None, "already known");

        let mut btc = Instrument::new("BTC", "Bitcoin", AssetClass::Crypto);
        btc.isin = Some("US0378331005".parse().unwrap());
        assert_eq!(IdentityQuery::of(&btc), None, "crypto is keyed by its code");

        let mut assigned = stock("SAP");
        assigned.exchange = Some("XETR".into());
        assigned.ids.assigned_key = Some("isin:DE0007164600".into());
        assert_eq!(IdentityQuery::of(&assigned), None, "the user decided");
    }

    #[test]
    fn resolutions_read_back_from_json() {
        let all = [
            Resolution::Found(Resolved {
                share_class_figi: Some("BBG001S5N8V8".into()),
                name: Some("APPLE INC".into()),
                ..Resolved::default()
            }),
            Resolution::NotFound {
                message: "No identifier found.".into(),
            },
            Resolution::Ambiguous {
                share_class_figis: vec!["BBG1".into(), "BBG2".into()],
            },
            Resolution::Failed {
                message: "HTTP 500".into(),
            },
        ];
        for r in all {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<Resolution>(&json).unwrap(), r);
        }
        let found = serde_json::to_string(&Resolution::Found(Resolved {
            share_class_figi: Some("BBG001S5N8V8".into()),
            ..Resolved::default()
        }))
        .unwrap();
        assert_eq!(
            found,
            r#"{"status":"found","share_class_figi":"BBG001S5N8V8"}"#
        );
    }
}
