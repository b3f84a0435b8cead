//! DEGIRO's wire shapes to stonks-core models: pure functions, and the
//! tables that tell what a cash movement is from its localised description.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use stonks_core::v2::{CashBalance, LedgerEntry, LedgerKind, PortfolioSnapshot, Position};
use stonks_core::{AssetClass, Currency, Instrument, Isin, Money};

use crate::wire::{self, exact_decimal};

/// What was wrong with a value DEGIRO sent (the caller adds the endpoint).
pub type Problem = String;

fn currency(code: &str, field: &str) -> Result<Currency, Problem> {
    Currency::new(code).map_err(|e| format!("{field}: {}", e.message()))
}

/// Parses DEGIRO's dates: ISO 8601 with offset (`2024-03-05T15:31:02+01:00`),
/// or without one (read as UTC).
pub fn timestamp(text: &str) -> Result<DateTime<Utc>, Problem> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|n| n.and_utc())
        .or_else(|_| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        })
        .map_err(|_| format!("date {t:?} is not ISO 8601"))
}

/// The asset class of a DEGIRO `productType`.
pub fn asset_class(product_type: Option<&str>) -> AssetClass {
    match product_type
        .unwrap_or_default()
        .to_ascii_uppercase()
        .as_str()
    {
        "STOCK" => AssetClass::Stock,
        "ETF" => AssetClass::Etf,
        "FUND" | "CASH_FUND" => AssetClass::Fund,
        "BOND" => AssetClass::Bond,
        "OPTION" => AssetClass::Option,
        "FUTURE" => AssetClass::Future,
        "WARRANT" | "LEVERAGED" | "TURBO" => AssetClass::Warrant,
        "" => AssetClass::Other("unknown".into()),
        other => AssetClass::Other(other.to_ascii_lowercase()),
    }
}

/// The instrument of a product.
pub fn instrument(p: &wire::Product) -> Result<Instrument, Problem> {
    let mut i = Instrument::new(
        p.id.clone(),
        p.name.clone(),
        asset_class(p.product_type.as_deref()),
    );
    i.symbol = p.symbol.clone().filter(|s| !s.is_empty());
    // A malformed ISIN is dropped rather than failing the whole portfolio.
    i.isin = p.isin.as_deref().and_then(|s| Isin::new(s).ok());
    i.currency = Some(currency(&p.currency, "currency")?);
    i.exchange = p.exchange_id.as_ref().map(|e| match e {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    Ok(i)
}

/// The fields of a row by name, values as exact decimals where numeric.
struct Fields<'a>(&'a [wire::Field]);

impl Fields<'_> {
    fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|f| f.name == name)?
            .value
            .as_deref()
            .map(|v| v.get())
    }

    fn number(&self, name: &str) -> Result<Option<Decimal>, Problem> {
        match self.raw(name) {
            None | Some("null") => Ok(None),
            Some(text) => exact_decimal(text)
                .map(Some)
                .map_err(|e| format!("{name}: {e}")),
        }
    }

    fn text(&self, name: &str) -> Option<String> {
        serde_json::from_str::<String>(self.raw(name)?).ok()
    }
}

/// The product ids of the rows of a portfolio answer (positions only).
pub fn product_ids(update: &wire::UpdateAnswer) -> Vec<String> {
    let Some(p) = &update.portfolio else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    p.value
        .iter()
        .filter(|r| Fields(&r.value).text("positionType").as_deref() != Some("CASH"))
        .filter(|r| seen.insert(r.id.clone()))
        .map(|r| r.id.clone())
        .collect()
}

/// The portfolio: position rows with their product details, cash rows as
/// cash per currency (`FLATEX_EUR` is EUR). Size 0 only when asked.
/// Break-even price times size gives the cost basis.
/// When the portfolio has no cash rows at all, `totalPortfolio.totalCash`
/// (in the base currency) stands in.
pub fn snapshot(
    update: &wire::UpdateAnswer,
    products: &HashMap<String, wire::Product>,
    base_currency: &Currency,
    include_closed: bool,
    as_of: DateTime<Utc>,
) -> Result<PortfolioSnapshot, Problem> {
    let mut positions = Vec::new();
    let mut cash: Vec<CashBalance> = Vec::new();
    let rows = update
        .portfolio
        .as_ref()
        .map(|p| p.value.as_slice())
        .unwrap_or_default();
    for row in rows {
        let f = Fields(&row.value);
        let at = |e: Problem| format!("portfolio row {}: {e}", row.id);
        if f.text("positionType").as_deref() == Some("CASH") {
            let code = row.id.trim_start_matches("FLATEX_");
            let Ok(code) = Currency::new(code) else {
                // Cash-fund rows carry product ids; they are positions of their own.
                continue;
            };
            let amount = f.number("value").map_err(at)?.unwrap_or_default();
            match cash.iter_mut().find(|c| c.amount.currency == code) {
                Some(c) => {
                    c.amount.amount = c
                        .amount
                        .amount
                        .checked_add(amount)
                        .ok_or_else(|| at("cash total out of range".into()))?
                }
                None => cash.push(CashBalance {
                    amount: Money::new(amount, code),
                }),
            }
            continue;
        }
        let size = f.number("size").map_err(at)?.unwrap_or_default();
        if size.is_zero() && !include_closed {
            continue;
        }
        let product = products
            .get(&row.id)
            .ok_or_else(|| format!("product {} has no details in products/info", row.id))?;
        let instrument = instrument(product).map_err(at)?;
        let cur = instrument
            .currency
            .clone()
            .ok_or_else(|| at("no currency".into()))?;
        let money = |d: Decimal| Money::new(d, cur.clone());
        let price = f.number("price").map_err(at)?;
        let value = f.number("value").map_err(at)?;
        // Bond prices are percentages of the nominal held.
        let per_unit = if instrument.asset_class == AssetClass::Bond {
            Decimal::new(1, 2)
        } else {
            Decimal::ONE
        };
        let cost_basis = f
            .number("breakEvenPrice")
            .map_err(at)?
            .and_then(|b| b.checked_mul(size)?.checked_mul(per_unit));
        positions.push(Position {
            instrument,
            quantity: size,
            price: price.map(money),
            market_value: value.map(money),
            unrealized_pnl: match (value, cost_basis) {
                (Some(v), Some(c)) => v.checked_sub(c).map(money),
                _ => None,
            },
            cost_basis: cost_basis.map(money),
        });
    }
    if cash.is_empty()
        && let Some(total) = &update.total_portfolio
        && let Some(amount) = Fields(&total.value)
            .number("totalCash")
            .map_err(|e| format!("totalPortfolio: {e}"))?
    {
        cash.push(CashBalance {
            amount: Money::new(amount, base_currency.clone()),
        });
    }
    Ok(PortfolioSnapshot {
        as_of,
        positions,
        cash,
    })
}

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
    if matches!(
        kind,
        Some("FLATEX_CASH_SWEEP") | Some("CASH_FUND_TRANSACTION")
    ) {
        return Some(CashKind::CashSweep);
    }
    DESCRIPTIONS
        .iter()
        .find(|(_, words)| words.iter().any(|w| d.contains(w)))
        .map(|(k, _)| *k)
}

/// Everything a ledger conversion needs besides the rows.
pub struct LedgerContext<'a> {
    /// Product details by id.
    pub products: &'a HashMap<String, wire::Product>,
    /// Currency fees are charged in.
    pub base_currency: &'a Currency,
}

fn product_instrument(ctx: &LedgerContext<'_>, id: Option<i64>) -> Option<Instrument> {
    ctx.products
        .get(&id?.to_string())
        .and_then(|p| instrument(p).ok())
}

/// A trade as a buy or sell: quantity positive, `amount` the cash effect in
/// the product's currency, the fee (charged in the base currency) in `fees`.
pub fn trade_entry(t: &wire::Trade, ctx: &LedgerContext<'_>) -> Result<LedgerEntry, Problem> {
    let kind = match t.buysell.as_str() {
        "B" => LedgerKind::Buy,
        "S" => LedgerKind::Sell,
        other => {
            return Err(format!(
                "trade {}: buysell {other:?} is neither B nor S",
                t.id
            ));
        }
    };
    let product = ctx
        .products
        .get(&t.product_id.to_string())
        .ok_or_else(|| format!("trade {}: product {} has no details", t.id, t.product_id))?;
    let instrument = instrument(product)?;
    let cur = instrument.currency.clone().ok_or("no currency")?;
    let fee = t
        .fee_in_base_currency
        .map(|f| f.0.abs())
        .filter(|f| !f.is_zero());
    Ok(LedgerEntry {
        id: format!("trade-{}", t.id),
        timestamp: timestamp(&t.date)?,
        kind,
        instrument: Some(instrument),
        quantity: Some(t.quantity.0.abs()),
        price: Some(Money::new(t.price.0, cur.clone())),
        amount: Money::new(t.total.0, cur),
        fees: fee
            .map(|f| Money::new(f, ctx.base_currency.clone()))
            .into_iter()
            .collect(),
        description: None,
    })
}

/// The stable id of a cash movement: DEGIRO's id, else its defining fields.
fn cash_id(m: &wire::CashMovement) -> String {
    match m.id {
        Some(id) => format!("cash-{id}"),
        None => format!(
            "cash-{}|{}|{}|{}",
            m.date,
            m.currency,
            m.change
                .map(|c| c.0.normalize().to_string())
                .unwrap_or_default(),
            m.description
        ),
    }
}

/// The cash movements as ledger entries, leaving out what the trades already
/// hold: the cash leg of each trade, and fees whose order is a known trade
/// (the trade carries its fee). A sweep between cash and the money-market
/// fund is a transfer, not a deposit; a payment without an amount (failed)
/// is kept as `other` with amount 0, never as a deposit.
pub fn cash_entries(
    movements: &[wire::CashMovement],
    trade_orders: &HashSet<String>,
    ctx: &LedgerContext<'_>,
) -> Result<Vec<LedgerEntry>, Problem> {
    let mut out = Vec::with_capacity(movements.len());
    for m in movements {
        let class = classify_cash_movement(m.kind.as_deref(), &m.description);
        let of_known_trade = m
            .order_id
            .as_ref()
            .is_some_and(|o| trade_orders.contains(o));
        if of_known_trade
            && matches!(
                class,
                Some(CashKind::TradeLeg) | Some(CashKind::TransactionFee)
            )
        {
            continue;
        }
        let cur = currency(&m.currency, "currency")?;
        let (kind, amount) = match (class, m.change) {
            (_, None) => (LedgerKind::Other("failed payment".into()), Decimal::ZERO),
            (Some(c), Some(change)) => (
                match c {
                    CashKind::Deposit => LedgerKind::Deposit,
                    CashKind::Withdrawal => LedgerKind::Withdrawal,
                    CashKind::Dividend => LedgerKind::Dividend,
                    CashKind::DividendTax | CashKind::TransactionTax => LedgerKind::Tax,
                    CashKind::TransactionFee | CashKind::ConnectionFee | CashKind::AdrFee => {
                        LedgerKind::Fee
                    }
                    CashKind::Interest => LedgerKind::Interest,
                    CashKind::CashSweep => LedgerKind::Transfer,
                    CashKind::Fx => LedgerKind::FxConversion,
                    CashKind::TradeLeg => LedgerKind::Other("trade cash leg".into()),
                },
                change.0,
            ),
            (None, Some(change)) => (LedgerKind::Other(m.description.clone()), change.0),
        };
        out.push(LedgerEntry {
            id: cash_id(m),
            timestamp: timestamp(&m.date)?,
            kind,
            instrument: product_instrument(ctx, m.product_id),
            quantity: None,
            price: None,
            amount: Money::new(amount, cur),
            fees: Vec::new(),
            description: Some(m.description.clone()),
        });
    }
    Ok(out)
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
    fn dates_with_and_without_offset() {
        assert_eq!(
            timestamp("2024-03-05T15:31:02+01:00").unwrap().to_rfc3339(),
            "2024-03-05T14:31:02+00:00"
        );
        assert_eq!(
            timestamp("2024-03-05T15:31:02").unwrap().to_rfc3339(),
            "2024-03-05T15:31:02+00:00"
        );
        assert!(timestamp("05-03-2024").is_err());
    }

    mod never_panics {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            #[test]
            fn numbers_and_dates(n in any::<String>(), d in any::<String>(), desc in any::<String>()) {
                let _ = crate::wire::exact_decimal(&n);
                let _ = timestamp(&d);
                let _ = classify_cash_movement(Some("CASH_TRANSACTION"), &desc);
            }

            /// Portfolio rows with arbitrary values: a snapshot or a problem.
            #[test]
            fn portfolio_rows(id in "[A-Z0-9_]{0,12}", kind in prop_oneof![Just("CASH"), Just("PRODUCT")],
                              size in prop_oneof![Just("10".to_owned()), Just("1e400".to_owned()), Just("\"x\"".to_owned()), "-?[0-9]{1,40}(\\.[0-9]{1,40})?"],
                              price in prop_oneof![Just("null".to_owned()), Just("{}".to_owned()), "-?[0-9]{1,30}(\\.[0-9]{1,30})?"]) {
                let text = format!(
                    r#"{{"portfolio": {{"value": [{{"id": "{id}", "value": [
                        {{"name": "positionType", "value": "{kind}"}}, {{"name": "size", "value": {size}}},
                        {{"name": "price", "value": {price}}}, {{"name": "value", "value": {price}}}]}}]}}}}"#
                );
                if let Ok(update) = serde_json::from_str::<crate::wire::UpdateAnswer>(&text) {
                    let _ = snapshot(&update, &HashMap::new(), &Currency::new("EUR").unwrap(), true, Utc::now());
                }
            }
        }
    }
}
