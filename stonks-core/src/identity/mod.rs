//! Which instrument is which, across brokers: the identifiers a broker
//! knows besides its own id, ticker and ISIN ([`Identifiers`]), and the one
//! key every answer groups instruments by ([`instrument_key`]).
//!
//! The key follows the holding, not the listing. One company share listed
//! on several exchanges (Apple on Nasdaq, Xetra and the LSE) is one holding:
//! its ISIN and its share-class FIGI are the same everywhere, so those are
//! the keys. A share and its depositary receipt (SAP on Xetra, the SAP ADR
//! on NYSE) are different securities with different ISINs and share-class
//! FIGIs, so they never merge. A bare ticker is not a key: `SAP` is the
//! share on Xetra and the ADR on NYSE. The rules, first that applies:
//!
//! 1. the share-class FIGI, when known (`figi:BBG001S5N8V8`);
//! 2. else the ISIN (`isin:US0378331005`);
//! 3. else, for a crypto asset, its asset code: `BTC/USD`, `BTC-EUR`,
//!    `BTCUSD` and `BTC` at any broker are the asset `BTC` (`crypto:BTC`);
//! 4. else the broker's own id, scoped to the broker
//!    (`broker:alpaca:AAPL`): never merged on a guess.
//!
//! Before every rule, a key the user assigned ([`Identifiers::assigned_key`],
//! the app's `[instruments]` table) wins: the user decides last.
//!
//! A resolver (an `identity@1` plugin such as OpenFIGI, see [`IdentityService`])
//! adds what brokers do not say, so that more instruments reach rule 1 or
//! 2; without one the rules use what brokers gave.

mod resolve;

pub use resolve::{IdentityQuery, IdentityService, Resolution, Resolved};

use serde::{Deserialize, Serialize};

use crate::model::{AssetClass, Instrument};

/// Identifiers of an instrument beyond the broker's id, the ticker and the
/// ISIN (which [`Instrument`] holds itself). Every field is optional:
/// brokers fill what their API gives.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Identifiers {
    /// The CUSIP (US and Canadian securities).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cusip: Option<String>,
    /// The FIGI of this listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figi: Option<String>,
    /// The share-class FIGI: the same for every listing of one security.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_class_figi: Option<String>,
    /// The MIC of the listing exchange (`XNAS`, `XETR`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mic: Option<String>,
    /// A key the user assigned (the app's `[instruments]` table): it beats
    /// every rule. Brokers and resolvers leave it empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_key: Option<String>,
}

impl Identifiers {
    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self == &Identifiers::default()
    }
}

/// Quote currencies a crypto pair written without a separator may end in
/// (`BTCUSD`), longest first. Coins are not among them: `RENBTC` is a coin
/// of its own, not REN quoted in BTC.
const QUOTES: [&str; 7] = ["USDT", "USDC", "EUR", "USD", "GBP", "CHF", "JPY"];

/// The MIC of `i`'s listing: its own, else the exchange when that is
/// written as a MIC (four capitals or digits, `XNAS`); a broker's exchange
/// number (DEGIRO's `663`) is not one.
pub fn listing_mic(i: &Instrument) -> Option<&str> {
    let is_mic = |s: &&str| {
        s.len() == 4
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && s.bytes().any(|b| b.is_ascii_uppercase())
    };
    i.ids
        .mic
        .as_deref()
        .filter(is_mic)
        .or_else(|| i.exchange.as_deref().filter(is_mic))
}

/// The asset code of a crypto instrument's symbol or id: `BTC/USD`,
/// `BTC-EUR`, `btc_usd` and `BTCUSD` give `BTC`; `BTC` stays. A quote is
/// cut from a code without a separator only when at least three letters
/// are left (`FDUSD` and `PYUSD` are coins, not pairs). A coin whose code
/// ends in a quote currency and three letters before it (`CRVUSD`) is read
/// as a pair: such a coin needs a resolver or an `[instruments]` mapping.
/// `None` when nothing is left that looks like an asset code.
pub fn crypto_asset(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    let base = match code.split_once(['/', '-', '_']) {
        Some((base, _)) => base.to_owned(),
        None => QUOTES
            .iter()
            .find_map(|q| {
                code.strip_suffix(q)
                    .filter(|b| b.len() >= 3)
                    .map(str::to_owned)
            })
            .unwrap_or(code),
    };
    (!base.is_empty() && base.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(base)
}

/// The key `broker`'s instrument `i` is grouped by (see the module docs
/// for the rules and why).
pub fn instrument_key(broker: &str, i: &Instrument) -> String {
    if let Some(key) = i.ids.assigned_key.as_deref().filter(|k| !k.is_empty()) {
        return key.to_owned();
    }
    if let Some(figi) = i.ids.share_class_figi.as_deref().filter(|f| !f.is_empty()) {
        return format!("figi:{figi}");
    }
    if let Some(isin) = &i.isin {
        return format!("isin:{isin}");
    }
    if i.asset_class == AssetClass::Crypto
        && let Some(asset) = i
            .symbol
            .as_deref()
            .and_then(crypto_asset)
            .or_else(|| crypto_asset(&i.broker_id))
    {
        return format!("crypto:{asset}");
    }
    format!("broker:{broker}:{}", i.broker_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instrument(
        broker_id: &str,
        symbol: Option<&str>,
        isin: Option<&str>,
        class: AssetClass,
        share_class_figi: Option<&str>,
    ) -> Instrument {
        let mut i = Instrument::new(broker_id, broker_id, class);
        i.symbol = symbol.map(str::to_owned);
        i.isin = isin.map(|s| s.parse().unwrap());
        i.ids.share_class_figi = share_class_figi.map(str::to_owned);
        i
    }

    #[test]
    fn the_key_rules_in_order() {
        use AssetClass::{Crypto, Stock};
        let apple_isin = Some("US0378331005");
        let apple_figi = Some("BBG001S5N8V8");
        // (broker, broker id, symbol, isin, class, share-class FIGI, key, why)
        let cases = [
            (
                "alpaca",
                "AAPL",
                Some("AAPL"),
                None,
                Stock,
                apple_figi,
                "figi:BBG001S5N8V8",
                "FIGI first",
            ),
            (
                "degiro",
                "331868",
                Some("AAPL"),
                apple_isin,
                Stock,
                apple_figi,
                "figi:BBG001S5N8V8",
                "FIGI beats ISIN",
            ),
            (
                "degiro",
                "331868",
                Some("AAPL"),
                apple_isin,
                Stock,
                None,
                "isin:US0378331005",
                "else the ISIN",
            ),
            (
                "ibkr",
                "265598",
                Some("AAPL"),
                apple_isin,
                Stock,
                None,
                "isin:US0378331005",
                "the ISIN at any broker",
            ),
            (
                "alpaca",
                "BTC/USD",
                Some("BTC/USD"),
                None,
                Crypto,
                None,
                "crypto:BTC",
                "a pair is its base asset",
            ),
            (
                "alpaca",
                "BTCUSD",
                Some("BTCUSD"),
                None,
                Crypto,
                None,
                "crypto:BTC",
                "a pair without a separator",
            ),
            (
                "bitvavo",
                "BTC",
                Some("BTC"),
                None,
                Crypto,
                None,
                "crypto:BTC",
                "a bare asset code",
            ),
            (
                "bitvavo",
                "btc-eur",
                None,
                None,
                Crypto,
                None,
                "crypto:BTC",
                "the broker id when no symbol",
            ),
            (
                "bitvavo",
                "USDC",
                Some("USDC"),
                None,
                Crypto,
                None,
                "crypto:USDC",
                "a stablecoin is not cut to nothing",
            ),
            (
                "alpaca",
                "AAPL",
                Some("AAPL"),
                None,
                Stock,
                None,
                "broker:alpaca:AAPL",
                "a bare ticker is never merged",
            ),
            (
                "degiro",
                "1234",
                Some("SAP"),
                Some("DE0007164600"),
                Stock,
                None,
                "isin:DE0007164600",
                "SAP the share",
            ),
            (
                "ibkr",
                "5678",
                Some("SAP"),
                Some("US8030542042"),
                Stock,
                None,
                "isin:US8030542042",
                "SAP the ADR: another key",
            ),
        ];
        for (broker, id, symbol, isin, class, figi, want, why) in cases {
            let i = instrument(id, symbol, isin, class, figi);
            assert_eq!(instrument_key(broker, &i), want, "{why}");
        }
    }

    #[test]
    fn crypto_assets_from_pairs() {
        for (code, want) in [
            ("BTC/USD", Some("BTC")),
            ("eth-eur", Some("ETH")),
            ("SOLUSDT", Some("SOL")),
            ("ETH-BTC", Some("ETH")),
            ("FDUSD", Some("FDUSD")),
            ("PYUSD", Some("PYUSD")),
            ("RENBTC", Some("RENBTC")),
            ("BTC", Some("BTC")),
            ("USD", Some("USD")),
            ("", None),
            ("B T C", None),
        ] {
            assert_eq!(crypto_asset(code).as_deref(), want, "{code}");
        }
    }

    #[test]
    fn identifiers_are_left_out_of_json_when_empty() {
        let i = Instrument::new("1", "x", AssetClass::Stock);
        let json = serde_json::to_string(&i).unwrap();
        assert!(!json.contains("ids"), "{json}");
        // What was stored before identifiers existed still reads.
        let back: Instrument = serde_json::from_str(&json).unwrap();
        assert!(back.ids.is_empty());
        let mut j = i.clone();
        j.ids.cusip = Some("037833100".to_owned());
        let json = serde_json::to_string(&j).unwrap();
        assert!(json.contains(r#""ids":{"cusip":"037833100"}"#), "{json}");
    }
}
