//! Value types shared by every service version: money, codes, instruments.
//!
//! Amounts are [`Decimal`], never floating point, and serialise as strings so
//! that no JSON reader can round them.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, ErrorKind};

/// A currency or asset code: `EUR`, `USD`, `BTC`, `1INCH`.
///
/// Fiat currencies and crypto assets share one type because brokers mix
/// them freely (a fee in BNB, a price in EUR). A code is 1 to 16 ASCII
/// uppercase letters or digits, held inline: a `Currency` is `Copy`, never
/// allocates, and is checked once when it is made.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    len: u8,
    bytes: [u8; Currency::MAX_LEN],
}

impl Currency {
    /// The longest code accepted.
    pub const MAX_LEN: usize = 16;

    /// Parses a code; lowercase input is upper-cased.
    pub fn new(code: &str) -> Result<Self, Error> {
        if code.is_empty()
            || code.len() > Self::MAX_LEN
            || !code.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::new(
                ErrorKind::Protocol,
                format!(
                    "invalid currency or asset code {:?}: expected 1 to 16 letters or digits",
                    crate::error::excerpt_of(code, 20)
                ),
            ));
        }
        let mut bytes = [0u8; Self::MAX_LEN];
        for (slot, b) in bytes.iter_mut().zip(code.bytes()) {
            *slot = b.to_ascii_uppercase();
        }
        Ok(Currency {
            // At most 16, checked above.
            len: code.len() as u8,
            bytes,
        })
    }

    /// A code written in the source (`Currency::from_literal("EUR")`), checked
    /// at compile time when used in a `const`.
    ///
    /// # Panics
    ///
    /// On a code that is not 1 to 16 ASCII uppercase letters or digits: use
    /// it for literals only, [`Currency::new`] for text from outside.
    pub const fn from_literal(code: &'static str) -> Self {
        let b = code.as_bytes();
        assert!(
            !b.is_empty() && b.len() <= Self::MAX_LEN,
            "currency code length"
        );
        let mut bytes = [0u8; Self::MAX_LEN];
        let mut i = 0;
        while i < b.len() {
            assert!(
                b[i].is_ascii_uppercase() || b[i].is_ascii_digit(),
                "currency code character"
            );
            bytes[i] = b[i];
            i += 1;
        }
        Currency {
            len: b.len() as u8,
            bytes,
        }
    }

    /// The euro.
    pub const EUR: Currency = Currency::from_literal("EUR");
    /// The US dollar.
    pub const USD: Currency = Currency::from_literal("USD");

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits are ever stored.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// Whether this is an ISO 4217 fiat currency (a fixed list of the ones
    /// brokers use; unknown codes count as assets).
    pub fn is_fiat(&self) -> bool {
        FIAT.binary_search(&self.as_str()).is_ok()
    }
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Currency {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// ISO 4217 codes brokers quote in, sorted for binary search.
const FIAT: &[&str] = &[
    "AED", "ARS", "AUD", "BGN", "BRL", "CAD", "CHF", "CLP", "CNH", "CNY", "COP", "CZK", "DKK",
    "EUR", "GBP", "GBX", "HKD", "HUF", "IDR", "ILS", "INR", "ISK", "JPY", "KRW", "MXN", "MYR",
    "NOK", "NZD", "PHP", "PLN", "RON", "RUB", "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "USD",
    "ZAR",
];

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Currency::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "currency", "description": "An ISO 4217 code or a crypto asset code, upper case (`EUR`, `BTC`)." })
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d, "a currency or asset code", |s| {
            Currency::new(s).map_err(|e| e.message().to_owned())
        })
    }
}

/// Deserialises a string through `parse` without allocating for it (serde's
/// `Cow<str>` always copies).
pub(crate) fn from_text<'de, D, T>(
    d: D,
    expecting: &'static str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct Text<F>(&'static str, F);
    impl<T, F: FnOnce(&str) -> Result<T, String>> serde::de::Visitor<'_> for Text<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            (self.1)(v).map_err(E::custom)
        }
    }
    d.deserialize_str(Text(expecting, parse))
}

/// An amount in a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Money {
    /// The exact amount, as the broker sent it.
    pub amount: Decimal,
    /// Its currency or asset.
    pub currency: Currency,
}

impl Money {
    /// An amount in `currency`.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// An International Securities Identification Number, checksum validated.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Isin([u8; 12]);

impl Isin {
    /// Parses and validates an ISIN (ISO 6166): two letters, nine letters or
    /// digits, and a Luhn check digit over the digit expansion.
    pub fn new(text: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::new(
                ErrorKind::Protocol,
                format!(
                    "invalid ISIN {:?}: {why}",
                    crate::error::excerpt_of(text, 20)
                ),
            )
        };
        let bytes: [u8; 12] = text
            .as_bytes()
            .try_into()
            .map_err(|_| bad("expected 12 characters"))?;
        if !bytes[..2].iter().all(u8::is_ascii_uppercase) {
            return Err(bad("expected a two-letter country code"));
        }
        if !bytes[2..11]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(bad("expected uppercase letters or digits"));
        }
        if !bytes[11].is_ascii_digit() {
            return Err(bad("expected a check digit"));
        }
        if !luhn_ok(&bytes) {
            return Err(bad("check digit does not match"));
        }
        Ok(Isin(bytes))
    }

    /// The ISIN as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Luhn over the ISIN with letters expanded to two digits (A=10 .. Z=35).
fn luhn_ok(bytes: &[u8; 12]) -> bool {
    let mut digits = [0u8; 24];
    let mut n = 0;
    for &b in bytes {
        let v = if b.is_ascii_digit() {
            b - b'0'
        } else {
            b - b'A' + 10
        };
        if v >= 10 {
            digits[n] = v / 10;
            digits[n + 1] = v % 10;
            n += 2;
        } else {
            digits[n] = v;
            n += 1;
        }
    }
    let sum: u32 = digits[..n]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl fmt::Display for Isin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Isin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Isin({})", self.as_str())
    }
}

impl FromStr for Isin {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Isin::new(s)
    }
}

impl Serialize for Isin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl schemars::JsonSchema for Isin {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Isin".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "isin", "description": "An ISIN: 12 characters with a valid check digit." })
    }
}

impl<'de> Deserialize<'de> for Isin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d, "an ISIN", |s| {
            Isin::new(s).map_err(|e| e.message().to_owned())
        })
    }
}

/// What kind of thing an instrument is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AssetClass {
    /// A share of a company.
    Stock,
    /// An exchange-traded fund.
    Etf,
    /// A mutual fund (including money-market funds).
    Fund,
    /// A bond.
    Bond,
    /// An option contract.
    Option,
    /// A futures contract.
    Future,
    /// A warrant, turbo or other leveraged product.
    Warrant,
    /// A crypto asset.
    Crypto,
    /// Cash in a currency.
    Cash,
    /// Anything else, with the broker's name for it.
    Other(String),
}

impl AssetClass {
    /// The stable lowercase name (`stock`, `etf`, ...; the broker's text for `Other`).
    pub fn as_str(&self) -> &str {
        match self {
            AssetClass::Stock => "stock",
            AssetClass::Etf => "etf",
            AssetClass::Fund => "fund",
            AssetClass::Bond => "bond",
            AssetClass::Option => "option",
            AssetClass::Future => "future",
            AssetClass::Warrant => "warrant",
            AssetClass::Crypto => "crypto",
            AssetClass::Cash => "cash",
            AssetClass::Other(s) => s,
        }
    }

    /// The inverse of [`AssetClass::as_str`]; unknown names become `Other`.
    pub fn from_name(name: &str) -> Self {
        match name {
            "stock" => AssetClass::Stock,
            "etf" => AssetClass::Etf,
            "fund" => AssetClass::Fund,
            "bond" => AssetClass::Bond,
            "option" => AssetClass::Option,
            "future" => AssetClass::Future,
            "warrant" => AssetClass::Warrant,
            "crypto" => AssetClass::Crypto,
            "cash" => AssetClass::Cash,
            other => AssetClass::Other(other.to_owned()),
        }
    }
}

impl Serialize for AssetClass {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl schemars::JsonSchema for AssetClass {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AssetClass".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "asset-class", "description": "`stock`, `etf`, `fund`, `bond`, `option`, `future`, `warrant`, `crypto`, `cash`, or another name (kept as given)." })
    }
}

impl<'de> Deserialize<'de> for AssetClass {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_text(d, "an asset class", |s| Ok(AssetClass::from_name(s)))
    }
}

/// A tradable thing, as precisely as the broker identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Instrument {
    /// The broker's own id for it (DEGIRO product id, IBKR conid, Bitvavo symbol).
    pub broker_id: String,
    /// The ticker or asset symbol, when known.
    pub symbol: Option<String>,
    /// The ISIN, when the broker gives one.
    pub isin: Option<Isin>,
    /// A human name (may equal the symbol).
    pub name: String,
    /// What kind of instrument it is.
    pub asset_class: AssetClass,
    /// The currency it is quoted in, when known.
    pub currency: Option<Currency>,
    /// The exchange's MIC or the broker's exchange name, when known.
    pub exchange: Option<String>,
    /// Every other identifier the broker (or a resolver) knows: CUSIP,
    /// FIGI, share-class FIGI, listing MIC. See [`crate::identity`].
    #[serde(
        default,
        skip_serializing_if = "crate::identity::Identifiers::is_empty"
    )]
    pub ids: crate::identity::Identifiers,
    /// How many units of the underlying one unit held stands for, when not
    /// 1: an option's or a future's contract size (100 for most US equity
    /// options). Prices in positions and ledger entries are per unit held
    /// (the quoted price times this); a price history quotes the underlying
    /// unit, so a value from it is multiplied by this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<Decimal>,
}

impl Instrument {
    /// [`Instrument::multiplier`], 1 when none is set.
    pub fn units_per_contract(&self) -> Decimal {
        self.multiplier.unwrap_or(Decimal::ONE)
    }

    /// What people call it in one word: its ticker or asset code, else the
    /// broker's own id (never empty: every instrument has a broker id).
    pub fn label(&self) -> &str {
        self.symbol.as_deref().unwrap_or(&self.broker_id)
    }

    /// An instrument with only the fields every broker has; the rest empty.
    pub fn new(
        broker_id: impl Into<String>,
        name: impl Into<String>,
        asset_class: AssetClass,
    ) -> Self {
        Instrument {
            broker_id: broker_id.into(),
            symbol: None,
            isin: None,
            name: name.into(),
            asset_class,
            currency: None,
            exchange: None,
            ids: Default::default(),
            multiplier: None,
        }
    }

    /// The key it is grouped by, held at `broker` (see
    /// [`crate::identity::instrument_key`]).
    pub fn key(&self, broker: &str) -> String {
        crate::identity::instrument_key(broker, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isin_checksum() {
        for ok in [
            "US0378331005",
            "NL0010273215",
            "IE00B4L5Y983",
            "DE000BASF111",
            "US5949181045",
        ] {
            assert_eq!(Isin::new(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "US0378331006",
            "NL0010273216",
            "us0378331005",
            "US037833100",
            "12345678901X",
            "US03783310Ü5",
        ] {
            assert!(Isin::new(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::new("eur").unwrap().as_str(), "EUR");
        assert!(Currency::new("1INCH").is_ok());
        assert!(Currency::new("EUR").unwrap().is_fiat());
        assert!(!Currency::new("BTC").unwrap().is_fiat());
        assert!(Currency::new("").is_err());
        assert!(Currency::new("E-UR").is_err());
        assert!(Currency::new(&"A".repeat(17)).is_err());
        let mut sorted = FIAT.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, FIAT);
    }

    #[test]
    fn money_serialises_decimals_as_strings() {
        let m = Money::new(
            "0.10000000000000000001".parse().unwrap(),
            Currency::new("EUR").unwrap(),
        );
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            json,
            r#"{"amount":"0.10000000000000000001","currency":"EUR"}"#
        );
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn asset_class_names_round_trip() {
        for c in [
            AssetClass::Stock,
            AssetClass::Etf,
            AssetClass::Crypto,
            AssetClass::Other("cfd".into()),
        ] {
            assert_eq!(AssetClass::from_name(c.as_str()), c);
        }
    }
}
