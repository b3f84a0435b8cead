//! IBKR's exchange names (`listingExchange` of Flex rows and Client Portal
//! positions) and the ISO 10383 MIC of each, where the name is one exchange.
//!
//! IBKR's own codes, as its exchange listings and public guides name them
//! (matchmybroker's list of IBKR exchange codes: `IBIS2` is Xetra, `AEB`
//! Euronext Amsterdam, `SBF` Euronext Paris, `LSEETF` the London Stock
//! Exchange's ETF segment; IBKR's TWS location codes `STK.EU.AEB`, `.BM`,
//! `.BVME`, `.EBS`, `.IBIS`, `.LSE`, `.SBF`, `.SFB`), each with the
//! operating MIC of that exchange. A name not listed (`PINK`, `VALUE`, a
//! routing destination such as `SMART`) leaves the MIC empty: never a guess.

/// IBKR exchange name, MIC.
const MICS: &[(&str, &str)] = &[
    // United States.
    ("NASDAQ", "XNAS"),
    ("NYSE", "XNYS"),
    ("ARCA", "ARCX"),
    ("AMEX", "XASE"),
    ("BATS", "BATS"),
    // Germany: Xetra (German shares on IBIS, international ones on IBIS2)
    // and the Frankfurt floor.
    ("IBIS", "XETR"),
    ("IBIS2", "XETR"),
    ("FWB", "XFRA"),
    // Euronext.
    ("AEB", "XAMS"),
    ("SBF", "XPAR"),
    ("ENEXT.BE", "XBRU"),
    // London, shares and ETFs.
    ("LSE", "XLON"),
    ("LSEETF", "XLON"),
    // SIX Swiss Exchange, Borsa Italiana, Bolsa de Madrid, Nasdaq Stockholm.
    ("EBS", "XSWX"),
    ("BVME", "XMIL"),
    ("BM", "XMAD"),
    ("SFB", "XSTO"),
    // Toronto, Australia, Hong Kong.
    ("TSE", "XTSE"),
    ("ASX", "XASX"),
    ("SEHK", "XHKG"),
];

/// The MIC of IBKR exchange `name` (`IBIS` is `XETR`), when known.
pub fn mic(name: &str) -> Option<&'static str> {
    let name = name.trim();
    MICS.iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, m)| *m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_give_their_mic_and_others_none() {
        assert_eq!(mic("IBIS"), Some("XETR"));
        assert_eq!(mic("IBIS2"), Some("XETR"));
        assert_eq!(mic("AEB"), Some("XAMS"));
        assert_eq!(mic("SBF"), Some("XPAR"));
        assert_eq!(mic("NASDAQ"), Some("XNAS"));
        assert_eq!(mic("ARCA"), Some("ARCX"));
        assert_eq!(mic(" lse "), Some("XLON"));
        assert_eq!(mic("SMART"), None, "a router, not an exchange");
        assert_eq!(mic("PINK"), None);
        assert_eq!(mic(""), None);
    }

    #[test]
    fn every_mic_is_four_capitals_or_digits() {
        for (_, m) in MICS {
            assert!(
                m.len() == 4
                    && m.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
                "{m}"
            );
        }
    }
}
