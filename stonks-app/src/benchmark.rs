//! The benchmark a user's returns are shown beside: what they name
//! (`[returns] benchmark = "..."`, `stonks returns --benchmark ...`), the
//! instrument key its closes are stored under, and how a price source
//! finds it.
//!
//! A benchmark is named by an instrument key (`isin:IE00B5BMR087`,
//! `crypto:BTC`, `figi:...`, `broker:<broker>:<id>`), by a bare ISIN, or by
//! a Yahoo symbol (`^GSPC`, `VWRL.AS`, `SPY`), which is stored under the
//! key `yahoo:<symbol>` and asked of Yahoo only: a symbol names one
//! listing of one source, so no other source is asked to guess it.

use stonks::{AssetClass, Instrument, Isin};

/// A benchmark as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Benchmark {
    /// What the user wrote.
    pub id: String,
    /// The key its closes are stored under.
    pub key: String,
    /// What a price source is asked about.
    pub instrument: Instrument,
}

/// The key prefix of a benchmark named by a Yahoo symbol.
pub const YAHOO_KEY: &str = "yahoo:";

impl Benchmark {
    /// Reads what the user named; the error says what is accepted.
    pub fn parse(text: &str) -> Result<Self, String> {
        let id = text.trim();
        let bad = || {
            format!(
                "benchmark {id:?}: expected an instrument key (\"isin:IE00B5BMR087\", \"crypto:BTC\"), an ISIN, or a Yahoo symbol (\"^GSPC\", \"VWRL.AS\")"
            )
        };
        let isin = |s: &str| Isin::new(s).ok();
        let (key, instrument) = if let Some(i) = isin(id) {
            (format!("isin:{i}"), with_isin(id, i))
        } else {
            match id.split_once(':') {
                Some(("isin", rest)) => {
                    let i = isin(rest).ok_or_else(bad)?;
                    (format!("isin:{i}"), with_isin(id, i))
                }
                Some(("crypto", code)) => {
                    let asset = stonks::identity::crypto_asset(code).ok_or_else(bad)?;
                    let mut i = Instrument::new(&asset, &asset, AssetClass::Crypto);
                    i.symbol = Some(asset.clone());
                    (format!("crypto:{asset}"), i)
                }
                Some(("yahoo", symbol)) if is_symbol(symbol) => yahoo(symbol),
                Some(("figi" | "broker", rest)) if !rest.is_empty() => {
                    // Priced only if something held has that key.
                    let mut i = Instrument::new(id, id, AssetClass::Etf);
                    i.ids.assigned_key = Some(id.to_owned());
                    (id.to_owned(), i)
                }
                None if is_symbol(id) => yahoo(id),
                _ => return Err(bad()),
            }
        };
        Ok(Benchmark {
            id: id.to_owned(),
            key,
            instrument,
        })
    }
}

fn with_isin(id: &str, isin: Isin) -> Instrument {
    let mut i = Instrument::new(id, id, AssetClass::Etf);
    i.isin = Some(isin);
    i
}

/// A Yahoo symbol's key and instrument: the symbol as its ticker and its
/// key assigned, so Yahoo takes the symbol as it is.
fn yahoo(symbol: &str) -> (String, Instrument) {
    let symbol = symbol.to_ascii_uppercase();
    let key = format!("{YAHOO_KEY}{symbol}");
    let mut i = Instrument::new(&symbol, &symbol, AssetClass::Etf);
    i.symbol = Some(symbol);
    i.ids.assigned_key = Some(key.clone());
    (key, i)
}

/// Whether `s` can be a Yahoo symbol: 1 to 20 of letters, digits and
/// `^ . = -`, starting with a letter, a digit or `^`.
fn is_symbol(s: &str) -> bool {
    (1..=20).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'^' | b'.' | b'=' | b'-'))
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'^')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_isins_and_symbols() {
        let key = |s: &str| Benchmark::parse(s).map(|b| b.key);
        assert_eq!(key("IE00B5BMR087").unwrap(), "isin:IE00B5BMR087");
        assert_eq!(key("isin:IE00B5BMR087").unwrap(), "isin:IE00B5BMR087");
        assert_eq!(key("crypto:btc-eur").unwrap(), "crypto:BTC");
        assert_eq!(key("^GSPC").unwrap(), "yahoo:^GSPC");
        assert_eq!(key("vwrl.as").unwrap(), "yahoo:VWRL.AS");
        assert_eq!(key("yahoo:SPY").unwrap(), "yahoo:SPY");
        assert_eq!(key("figi:BBG001TC6MC1").unwrap(), "figi:BBG001TC6MC1");
        let b = Benchmark::parse("^GSPC").unwrap();
        assert_eq!(b.instrument.symbol.as_deref(), Some("^GSPC"));
        assert_eq!(
            b.instrument.ids.assigned_key.as_deref(),
            Some("yahoo:^GSPC")
        );
        for bad in ["", "isin:XX", "S&P 500", "crypto:", "nope:1", "a/b"] {
            let e = Benchmark::parse(bad).unwrap_err();
            assert!(e.contains("expected an instrument key"), "{bad}: {e}");
        }
    }
}
