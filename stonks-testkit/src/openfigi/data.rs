//! What `MockOpenFigi` knows: real FIGIs of the instruments the other mocks
//! hold, each value seen in recorded OpenFIGI answers or registry data
//! (sources in the module docs), and one synthetic security.
//!
//! An instrument whose FIGIs could not be verified is left out: OpenFIGI's
//! answer for it is then `{"warning":"No identifier found."}`.

/// One listing record, as OpenFIGI writes it (`None` is `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    /// `figi`.
    pub figi: &'static str,
    /// `compositeFIGI`.
    pub composite: Option<&'static str>,
    /// `shareClassFIGI`.
    pub share_class: Option<&'static str>,
    /// `ticker`.
    pub ticker: &'static str,
    /// `exchCode` (`US` is the US composite, `UW` Nasdaq, `GY` Xetra).
    pub exch_code: &'static str,
    /// The segment MIC OpenFIGI matches `micCode` against, when known.
    pub mic: Option<&'static str>,
    /// `name`.
    pub name: &'static str,
    /// `securityType`.
    pub security_type: &'static str,
    /// `securityType2`.
    pub security_type2: &'static str,
}

/// A security: its identifiers and its listings, in OpenFIGI's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Security {
    /// The ISIN.
    pub isin: &'static str,
    /// The CUSIP, for US securities.
    pub cusip: Option<&'static str>,
    /// The listings OpenFIGI answers.
    pub listings: &'static [Listing],
}

const fn us(
    figi: &'static str,
    share_class: &'static str,
    ticker: &'static str,
    name: &'static str,
) -> Listing {
    Listing {
        figi,
        composite: Some(figi),
        share_class: Some(share_class),
        ticker,
        exch_code: "US",
        mic: None,
        name,
        security_type: "Common Stock",
        security_type2: "Common Stock",
    }
}

/// Apple's share class.
pub const APPLE_SHARE_CLASS: &str = "BBG001S5N8V8";
/// SAP SE's ordinary share (Xetra), its share class.
pub const SAP_SHARE_CLASS: &str = "BBG001S6RK27";
/// The SAP ADR (NYSE), its share class: another security.
pub const SAP_ADR_SHARE_CLASS: &str = "BBG001S6RD41";

/// The synthetic ISIN answering two share classes (not a real security:
/// `ZZ` is no country).
pub const AMBIGUOUS_ISIN: &str = "ZZ0000000016";
/// The two share classes it answers (synthetic, sorted).
pub const AMBIGUOUS_SHARE_CLASSES: [&str; 2] = ["BBGZZ0000001", "BBGZZ0000002"];

/// Every security the mock knows.
pub const SECURITIES: &[Security] = &[
    Security {
        isin: "US0378331005",
        cusip: Some("037833100"),
        listings: &[
            us("BBG000B9XRY4", APPLE_SHARE_CLASS, "AAPL", "APPLE INC"),
            Listing {
                exch_code: "UW",
                mic: Some("XNGS"),
                composite: Some("BBG000B9XRY4"),
                ..us("BBG000B9Y5X2", APPLE_SHARE_CLASS, "AAPL", "APPLE INC")
            },
        ],
    },
    Security {
        isin: "US5949181045",
        cusip: Some("594918104"),
        listings: &[us("BBG000BPH459", "BBG001S5TD05", "MSFT", "MICROSOFT CORP")],
    },
    Security {
        isin: "US67066G1040",
        cusip: Some("67066G104"),
        listings: &[
            us("BBG000BBJQV0", "BBG001S5TZJ6", "NVDA", "NVIDIA CORP"),
            Listing {
                exch_code: "UW",
                mic: Some("XNGS"),
                composite: Some("BBG000BBJQV0"),
                ..us("BBG000BBK0R0", "BBG001S5TZJ6", "NVDA", "NVIDIA CORP")
            },
        ],
    },
    // VOO: composite BBG0015VYNT4 in several public projects' OpenFIGI
    // data; share class BBG001TC6MC1 from one recorded Finnhub answer.
    Security {
        isin: "US9229083632",
        cusip: Some("922908363"),
        listings: &[Listing {
            security_type: "ETP",
            security_type2: "Mutual Fund",
            ..us(
                "BBG0015VYNT4",
                "BBG001TC6MC1",
                "VOO",
                "VANGUARD S&P 500 ETF",
            )
        }],
    },
    Security {
        isin: "US02079K3059",
        cusip: Some("02079K305"),
        listings: &[us(
            "BBG009S39JX6",
            "BBG009S39JY5",
            "GOOGL",
            "ALPHABET INC-CL A",
        )],
    },
    Security {
        isin: "US0231351067",
        cusip: Some("023135106"),
        listings: &[us("BBG000BVPV84", "BBG001S5PQL7", "AMZN", "AMAZON.COM INC")],
    },
    Security {
        isin: "DE0007164600",
        cusip: None,
        listings: &[
            Listing {
                figi: "BBG000BG7DY8",
                composite: Some("BBG000BG7DY8"),
                share_class: Some(SAP_SHARE_CLASS),
                ticker: "SAP",
                exch_code: "GR",
                mic: None,
                name: "SAP SE",
                security_type: "Common Stock",
                security_type2: "Common Stock",
            },
            Listing {
                figi: "BBG000BG7GX2",
                composite: Some("BBG000BG7DY8"),
                share_class: Some(SAP_SHARE_CLASS),
                ticker: "SAP",
                exch_code: "GY",
                mic: None,
                name: "SAP SE",
                security_type: "Common Stock",
                security_type2: "Common Stock",
            },
        ],
    },
    Security {
        isin: "US8030542042",
        cusip: Some("803054204"),
        listings: &[Listing {
            security_type: "ADR",
            security_type2: "Depositary Receipt",
            ..us(
                "BBG000BDSLD7",
                SAP_ADR_SHARE_CLASS,
                "SAP",
                "SAP SE-SPONSORED ADR",
            )
        }],
    },
    Security {
        isin: "NL0010273215",
        cusip: None,
        listings: &[Listing {
            figi: "BBG000C1HSN8",
            composite: Some("BBG000C1HSN8"),
            share_class: Some("BBG001S7Q066"),
            ticker: "ASML",
            exch_code: "NA",
            mic: None,
            name: "ASML HOLDING NV",
            security_type: "Common Stock",
            security_type2: "Common Stock",
        }],
    },
    // Synthetic: two share classes under one identifier, and a record with
    // neither composite nor share class, as some real answers carry.
    Security {
        isin: AMBIGUOUS_ISIN,
        cusip: None,
        listings: &[
            Listing {
                figi: "BBGZZ0000011",
                composite: Some("BBGZZ0000011"),
                share_class: Some(AMBIGUOUS_SHARE_CLASSES[1]),
                ticker: "ZZB",
                exch_code: "US",
                mic: None,
                name: "SYNTHETIC TWO CLASSES CORP-B",
                security_type: "Common Stock",
                security_type2: "Common Stock",
            },
            Listing {
                figi: "BBGZZ0000012",
                composite: None,
                share_class: None,
                ticker: "ZZ",
                exch_code: "US",
                mic: None,
                name: "SYNTHETIC TWO CLASSES CORP",
                security_type: "Common Stock",
                security_type2: "Common Stock",
            },
            Listing {
                figi: "BBGZZ0000013",
                composite: Some("BBGZZ0000013"),
                share_class: Some(AMBIGUOUS_SHARE_CLASSES[0]),
                ticker: "ZZA",
                exch_code: "US",
                mic: None,
                name: "SYNTHETIC TWO CLASSES CORP-A",
                security_type: "Common Stock",
                security_type2: "Common Stock",
            },
        ],
    },
];
