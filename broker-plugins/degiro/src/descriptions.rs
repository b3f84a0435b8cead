//! What a DEGIRO cash movement is, from its `type` and its localised
//! description: tables per language, most specific first.

use rust_decimal::Decimal;

/// What a cash movement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CashKind {
    /// Money paid in.
    Deposit,
    /// Money paid out.
    Withdrawal,
    /// A dividend.
    Dividend,
    /// Tax withheld on a dividend.
    DividendTax,
    /// A trade's commission (DEGIRO transaction and/or third-party fees).
    TransactionFee,
    /// The yearly exchange connection fee.
    ConnectionFee,
    /// ADR/GDR pass-through fee.
    AdrFee,
    /// Financial transaction tax (French, Italian, Spanish...).
    TransactionTax,
    /// Interest.
    Interest,
    /// A move between the cash account and the money-market fund.
    CashSweep,
    /// Cash converted into or out of the money-market fund (DEGIRO books
    /// it with no `change`).
    FundConversion,
    /// The money-market fund's price change or compensation: income on cash.
    FundIncome,
    /// One leg of a currency conversion.
    Fx,
    /// The cash leg of a trade ("Koop 20 @ 52,39 USD").
    TradeLeg,
}

/// Description fragments per kind, in English, Dutch, German, French,
/// Spanish, Italian and Portuguese, most specific first (dividend tax before
/// dividend). Matched case-insensitively as substrings.
const DESCRIPTIONS: &[(CashKind, &[&str])] = &[
    (
        CashKind::DividendTax,
        &[
            "dividend tax",
            "dividendbelasting",
            "dividendensteuer",
            "kapitalertragsteuer",
            "impôts sur dividende",
            "impots sur dividende",
            "retención del dividendo",
            "retencion del dividendo",
            "ritenuta sul dividendo",
            "imposto sobre dividendo",
            "withholding tax",
        ],
    ),
    (CashKind::AdrFee, &["adr/gdr"]),
    (
        CashKind::ConnectionFee,
        &[
            "connection fee",
            "aansluitingskosten",
            "börsenanbindungsgebühr",
            "borsenanbindungsgebuhr",
            "frais de connexion",
            "comisión de conectividad",
            "comision de conectividad",
            "commissione di connessione",
            "custo de conectividade",
        ],
    ),
    (
        CashKind::TransactionTax,
        &[
            "transaction tax",
            "transactiebelasting",
            "finanztransaktionssteuer",
            "taxe sur les transactions",
            "impuesto sobre transacciones",
            "tassa sulle transazioni",
            "imposto sobre transações",
            "stamp duty",
        ],
    ),
    (
        CashKind::TransactionFee,
        &[
            "autofx",
            "transactiekosten",
            "transaction and/or third party fees",
            "transaction fee",
            "transaktionsgebühr",
            "transaktionsgebuhr",
            "frais de transaction",
            "costes de transacción",
            "costes de transaccion",
            "commissioni di transazione",
            "custos de transação",
            "custos de transacao",
        ],
    ),
    (
        CashKind::Fx,
        &[
            "valuta creditering",
            "valuta debitering",
            "fx credit",
            "fx debit",
            "fx withdrawal",
            "currency credit",
            "currency debit",
            "währungsgutschrift",
            "währungslastschrift",
            "crédit de change",
            "débit de change",
            "ingreso cambio de divisa",
            "retirada cambio de divisa",
            "accredito valuta",
            "addebito valuta",
            "crédito de câmbio",
            "débito de câmbio",
        ],
    ),
    (
        CashKind::FundConversion,
        &[
            "conversie geldmarktfonds",
            "geldmarktfonds conversie",
            "geldmarktfonds umwandlung",
            "money market fund conversion",
            "conversion fonds monétaire",
        ],
    ),
    (
        CashKind::FundIncome,
        &[
            "koersverandering geldmarktfonds",
            "geldmarktfondsen compensatie",
            "geldmarktfonds preisänderung",
            "money market fund price change",
            "money market fund compensation",
        ],
    ),
    (
        CashKind::CashSweep,
        &[
            "cash sweep",
            "overboeking van uw geldrekening",
            "overboeking naar uw geldrekening",
            "geldmarktfonds",
            "money market fund",
            "fonds monétaire",
            "fondo del mercado monetario",
            "fondo monetario",
            "fundo do mercado monetário",
        ],
    ),
    (
        CashKind::Dividend,
        &["dividend", "dividende", "dividendo", "payment in lieu"],
    ),
    (
        CashKind::Interest,
        &[
            "interest",
            "rente",
            "zinsen",
            "intérêts",
            "interets",
            "interés",
            "interes",
            "interessi",
            "juros",
        ],
    ),
    (
        CashKind::Withdrawal,
        &[
            "withdrawal",
            "terugstorting",
            "opname",
            "auszahlung",
            "retrait",
            "retirada",
            "prelievo",
            "levantamento",
        ],
    ),
    (
        CashKind::Deposit,
        &[
            "deposit",
            "storting",
            "einzahlung",
            "dépôt",
            "depot",
            "ingreso",
            "deposito",
            "depósito",
            "ideal",
            "sofort",
        ],
    ),
];

/// Words that open a trade's cash leg ("Koop 20 @ 52,39 USD", "Buy 20 @ 52.39 USD").
const TRADE_WORDS: &[&str] = &[
    "koop", "verkoop", "buy", "sell", "kauf", "verkauf", "achat", "vente", "compra", "venta",
    "acquisto", "vendita", "venda",
];

/// The words of a buy among [`TRADE_WORDS`]; the others are a sale's.
const BUY_WORDS: &[&str] = &["koop", "buy", "kauf", "achat", "compra", "acquisto"];

/// A number as DEGIRO writes it in a description: `9.940,12` in the
/// languages that write a decimal comma, `9,940.12` in English.
fn described_number(text: &str, decimal_comma: bool) -> Option<Decimal> {
    let (group, point) = if decimal_comma {
        ('.', ',')
    } else {
        (',', '.')
    };
    let plain: String = text
        .chars()
        .filter(|c| *c != group)
        .map(|c| if c == point { '.' } else { c })
        .collect();
    stonks_core::wire::parse_decimal(&plain).ok()
}

/// The units and price a description states (`Conversie geldmarktfonds:
/// Koop 0,0251 @ 9.940,12 EUR`, `Buy 20 @ 52.39 USD`): units signed, in
/// positive, out negative; `None` when it states none.
pub fn stated_units(description: &str) -> Option<(Decimal, Decimal)> {
    let words: Vec<&str> = description.split_whitespace().collect();
    words.windows(4).find_map(|w| {
        let verb = w[0].to_lowercase();
        if !TRADE_WORDS.contains(&verb.as_str()) || w[2] != "@" {
            return None;
        }
        let decimal_comma = !matches!(verb.as_str(), "buy" | "sell");
        let units = described_number(w[1], decimal_comma)?;
        let price = described_number(w[3], decimal_comma)?;
        let sign = if BUY_WORDS.contains(&verb.as_str()) {
            Decimal::ONE
        } else {
            Decimal::NEGATIVE_ONE
        };
        Some((sign * units, price))
    })
}

/// Classifies a cash movement by its `type` and localised `description`;
/// `None` when no table knows it (the caller keeps it as `other`).
pub fn classify_cash_movement(kind: Option<&str>, description: &str) -> Option<CashKind> {
    let d = description.trim().to_lowercase();
    if let Some(first) = d.split_whitespace().next()
        && TRADE_WORDS.contains(&first)
        && d.contains(" @ ")
    {
        return Some(CashKind::TradeLeg);
    }
    match kind {
        Some("FLATEX_CASH_SWEEP") => return Some(CashKind::CashSweep),
        Some("CASH_FUND_TRANSACTION") => return Some(CashKind::FundConversion),
        Some("CASH_FUND_NAV_CHANGE") => return Some(CashKind::FundIncome),
        _ => {}
    }
    DESCRIPTIONS
        .iter()
        .find(|(_, words)| words.iter().any(|w| d.contains(w)))
        .map(|(k, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_descriptions_in_seven_languages() {
        let cases = [
            ("iDEAL storting", CashKind::Deposit),
            ("Deposit", CashKind::Deposit),
            ("Einzahlung", CashKind::Deposit),
            ("Dépôt", CashKind::Deposit),
            ("Ingreso", CashKind::Deposit),
            ("Deposito", CashKind::Deposit),
            ("Depósito", CashKind::Deposit),
            ("Terugstorting", CashKind::Withdrawal),
            ("Withdrawal", CashKind::Withdrawal),
            ("Auszahlung", CashKind::Withdrawal),
            ("Retrait", CashKind::Withdrawal),
            ("Dividend", CashKind::Dividend),
            ("Dividende", CashKind::Dividend),
            ("Dividendo", CashKind::Dividend),
            ("Dividendbelasting", CashKind::DividendTax),
            ("Dividend Tax", CashKind::DividendTax),
            ("Dividendensteuer", CashKind::DividendTax),
            ("Impôts sur dividende", CashKind::DividendTax),
            ("Retención del dividendo", CashKind::DividendTax),
            ("Ritenuta sul dividendo", CashKind::DividendTax),
            ("Imposto sobre dividendo", CashKind::DividendTax),
            (
                "DEGIRO Transactiekosten en/of kosten van derden",
                CashKind::TransactionFee,
            ),
            (
                "DEGIRO Transaction and/or third party fees",
                CashKind::TransactionFee,
            ),
            (
                "DEGIRO Aansluitingskosten 2024 (Euronext Amsterdam - EAM)",
                CashKind::ConnectionFee,
            ),
            (
                "DEGIRO Exchange Connection Fee 2024 (Nasdaq - NDQ)",
                CashKind::ConnectionFee,
            ),
            ("ADR/GDR Externe Kosten", CashKind::AdrFee),
            ("Franse transactiebelasting", CashKind::TransactionTax),
            ("French Transaction Tax", CashKind::TransactionTax),
            ("Valuta Creditering", CashKind::Fx),
            ("Valuta Debitering", CashKind::Fx),
            ("FX Credit", CashKind::Fx),
            ("Rente", CashKind::Interest),
            ("Flatex Interest Income", CashKind::Interest),
            ("Koop 20 @ 52,39 USD", CashKind::TradeLeg),
            ("Buy 20 @ 52.39 USD", CashKind::TradeLeg),
            ("Verkoop 5 @ 101,2 EUR", CashKind::TradeLeg),
        ];
        for (text, kind) in cases {
            assert_eq!(
                classify_cash_movement(Some("CASH_TRANSACTION"), text),
                Some(kind),
                "{text}"
            );
        }
        assert_eq!(
            classify_cash_movement(Some("FLATEX_CASH_SWEEP"), "Degiro Cash Sweep Transfer"),
            Some(CashKind::CashSweep)
        );
        assert_eq!(classify_cash_movement(None, "Something brand new"), None);
    }

    #[test]
    fn money_market_fund_rows_are_what_they_are() {
        assert_eq!(
            classify_cash_movement(
                Some("CASH_FUND_TRANSACTION"),
                "Conversie geldmarktfonds: Koop 0,000001 @ 9.951,3411 EUR"
            ),
            Some(CashKind::FundConversion)
        );
        assert_eq!(
            classify_cash_movement(None, "Conversie geldmarktfonds: Verkoop 1,2 @ 9.951,34 EUR"),
            Some(CashKind::FundConversion),
            "by description too, never a trade's cash leg"
        );
        assert_eq!(
            classify_cash_movement(
                Some("CASH_FUND_NAV_CHANGE"),
                "Koersverandering geldmarktfonds (EUR)"
            ),
            Some(CashKind::FundIncome)
        );
        assert_eq!(
            classify_cash_movement(None, "Koersverandering geldmarktfonds (EUR)"),
            Some(CashKind::FundIncome),
            "a price change is not a transfer"
        );
        assert_eq!(
            classify_cash_movement(Some("CASH_TRANSACTION"), "AutoFX Kosten"),
            Some(CashKind::TransactionFee)
        );
    }

    #[test]
    fn a_fund_conversion_states_its_units_and_price() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            stated_units("Conversie geldmarktfonds: Koop 0,0251 @ 9.940,12 EUR"),
            Some((d("0.0251"), d("9940.12")))
        );
        assert_eq!(
            stated_units("Conversie geldmarktfonds: Verkoop 12,49 @ 1,0045 EUR"),
            Some((d("-12.49"), d("1.0045")))
        );
        assert_eq!(
            stated_units("Money Market fund conversion: Buy 1,000.5 @ 9,951.3411 EUR"),
            Some((d("1000.5"), d("9951.3411"))),
            "English writes a decimal point"
        );
        assert_eq!(
            stated_units("Geldmarktfonds Umwandlung: Verkauf 2 @ 1.000,5 EUR"),
            Some((d("-2"), d("1000.5")))
        );
        assert_eq!(stated_units("Koersverandering geldmarktfonds (EUR)"), None);
        assert_eq!(
            stated_units("Conversie geldmarktfonds: Koop veel @ 1 EUR"),
            None
        );
    }

    mod never_panics {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            #[test]
            fn any_description(kind in proptest::option::of(any::<String>()), desc in any::<String>()) {
                let _ = classify_cash_movement(kind.as_deref(), &desc);
                let _ = stated_units(&desc);
            }
        }
    }
}
