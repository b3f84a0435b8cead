//! What a DEGIRO cash movement is, from its `type` and its localised
//! description: tables per language, most specific first.

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

    mod never_panics {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            #[test]
            fn any_description(kind in proptest::option::of(any::<String>()), desc in any::<String>()) {
                let _ = classify_cash_movement(kind.as_deref(), &desc);
            }
        }
    }
}
