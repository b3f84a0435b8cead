//! The realistic account `MockDegiro` serves, built in code.
//!
//! * 34 products: Dutch, German, French, US and UK stocks, Irish ETFs, a
//!   bond (quoted in percent of its nominal), a money-market fund (listed
//!   among the cash rows, as DEGIRO does); 32 open positions and 2 closed
//!   ones;
//! * cash in EUR (plain and flatex) and USD (none left: AutoFX converts
//!   every USD amount);
//! * three years (2023-2025) of trades (USD ones through AutoFX: its fee
//!   and its two FX legs), NVIDIA's 10-for-1 split as DEGIRO books it (two
//!   rows, type 101), and the trades' cash legs and fees among the cash
//!   movements (with no order id, as in every public capture), monthly
//!   deposits, dividends on the shares held with withholding tax and FX
//!   legs, connection fees, interest, cash sweeps to flatex, a money-market
//!   fund conversion (its units only in its description), a withdrawal, a
//!   failed payment and a description no table knows; descriptions
//!   alternate between Dutch and English by month.
//!
//! Nothing held is written down: the portfolio's positions and break-even
//! prices are what `v4/transactions` (and the fund's conversions) add up to
//! ([`positions`]), and its cash rows what the cash movements add up to
//! ([`cash`]); each cash leg's `balance` is the cash after it. No cash and
//! no holding goes below zero at any point of the history.

use chrono::{DateTime, Datelike, Duration, FixedOffset, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Number, Value, json};

/// A product: id, name, ISIN prefix (11 chars; the check digit is computed),
/// symbol, currency, type, exchange id, and its price on the day of the
/// portfolio. What is held, and at what break-even price, is what the
/// history adds up to ([`positions`]).
pub(crate) struct ProductRow {
    pub id: &'static str,
    pub name: &'static str,
    pub isin11: &'static str,
    pub symbol: &'static str,
    pub currency: &'static str,
    pub kind: &'static str,
    pub exchange: &'static str,
    pub price: &'static str,
}

// One table row per call; named fields would triple the table's length.
#[allow(clippy::too_many_arguments)]
const fn p(
    id: &'static str,
    name: &'static str,
    isin11: &'static str,
    symbol: &'static str,
    currency: &'static str,
    kind: &'static str,
    exchange: &'static str,
    price: &'static str,
) -> ProductRow {
    ProductRow {
        id,
        name,
        isin11,
        symbol,
        currency,
        kind,
        exchange,
        price,
    }
}

pub(crate) const PRODUCTS: &[ProductRow] = &[
    p(
        "331868",
        "ASML Holding NV",
        "NL001027321",
        "ASML",
        "EUR",
        "STOCK",
        "200",
        "652.3",
    ),
    p(
        "1153605",
        "Koninklijke Ahold Delhaize NV",
        "NL001167257",
        "AD",
        "EUR",
        "STOCK",
        "200",
        "31.42",
    ),
    p(
        "14660",
        "ING Groep NV",
        "NL001182126",
        "INGA",
        "EUR",
        "STOCK",
        "200",
        "14.87",
    ),
    p(
        "4822",
        "Unilever PLC",
        "GB00B10RZP7",
        "UNA",
        "EUR",
        "STOCK",
        "200",
        "54.1",
    ),
    p(
        "13",
        "Koninklijke Philips NV",
        "NL000000903",
        "PHIA",
        "EUR",
        "STOCK",
        "200",
        "23.56",
    ),
    p(
        "1147582",
        "Adyen NV",
        "NL001210901",
        "ADYEN",
        "EUR",
        "STOCK",
        "200",
        "1432.6",
    ),
    p(
        "10996",
        "Heineken NV",
        "NL000000916",
        "HEIA",
        "EUR",
        "STOCK",
        "200",
        "78.9",
    ),
    p(
        "332111",
        "SAP SE",
        "DE000716460",
        "SAP",
        "EUR",
        "STOCK",
        "194",
        "231.45",
    ),
    p(
        "17421",
        "Siemens AG",
        "DE000723610",
        "SIE",
        "EUR",
        "STOCK",
        "194",
        "187.3",
    ),
    p(
        "17452",
        "Allianz SE",
        "DE000840400",
        "ALV",
        "EUR",
        "STOCK",
        "194",
        "295.8",
    ),
    p(
        "1068",
        "LVMH Moet Hennessy Louis Vuitton SE",
        "FR000012101",
        "MC",
        "EUR",
        "STOCK",
        "710",
        "648.2",
    ),
    p(
        "1069",
        "TotalEnergies SE",
        "FR000012027",
        "TTE",
        "EUR",
        "STOCK",
        "710",
        "56.12",
    ),
    p(
        "1070",
        "Air Liquide SA",
        "FR000012007",
        "AI",
        "EUR",
        "STOCK",
        "710",
        "162.9",
    ),
    p(
        "331824",
        "Apple Inc",
        "US037833100",
        "AAPL",
        "USD",
        "STOCK",
        "663",
        "229.87",
    ),
    p(
        "332087",
        "Microsoft Corp",
        "US594918104",
        "MSFT",
        "USD",
        "STOCK",
        "663",
        "415.6",
    ),
    p(
        "331885",
        "Alphabet Inc Class A",
        "US02079K305",
        "GOOGL",
        "USD",
        "STOCK",
        "663",
        "176.4",
    ),
    p(
        "331915",
        "Amazon.com Inc",
        "US023135106",
        "AMZN",
        "USD",
        "STOCK",
        "663",
        "201.2",
    ),
    p(
        "331920",
        "NVIDIA Corp",
        "US67066G104",
        "NVDA",
        "USD",
        "STOCK",
        "663",
        "140.15",
    ),
    p(
        "331941",
        "Johnson & Johnson",
        "US478160104",
        "JNJ",
        "USD",
        "STOCK",
        "676",
        "152.3",
    ),
    p(
        "331942",
        "Coca-Cola Co",
        "US191216100",
        "KO",
        "USD",
        "STOCK",
        "676",
        "63.2",
    ),
    p(
        "331943",
        "Realty Income Corp",
        "US756109104",
        "O",
        "USD",
        "STOCK",
        "676",
        "54.9",
    ),
    p(
        "332600",
        "Taiwan Semiconductor ADR",
        "US874039100",
        "TSM",
        "USD",
        "STOCK",
        "676",
        "198.5",
    ),
    p(
        "4633345",
        "iShares Core MSCI World UCITS ETF",
        "IE00B4L5Y98",
        "IWDA",
        "EUR",
        "ETF",
        "200",
        "101.36",
    ),
    p(
        "4586985",
        "Vanguard FTSE All-World UCITS ETF",
        "IE00BK5BQT8",
        "VWCE",
        "EUR",
        "ETF",
        "194",
        "128.9",
    ),
    p(
        "8070937",
        "iShares Core S&P 500 UCITS ETF",
        "IE00B5BMR08",
        "CSPX",
        "USD",
        "ETF",
        "200",
        "611.4",
    ),
    p(
        "4619360",
        "iShares Core MSCI EM IMI UCITS ETF",
        "IE00BKM4GZ6",
        "EMIM",
        "EUR",
        "ETF",
        "200",
        "33.12",
    ),
    p(
        "9453561",
        "Xtrackers II Eurozone Government Bond UCITS ETF",
        "LU029035596",
        "XGLE",
        "EUR",
        "ETF",
        "194",
        "221.4",
    ),
    p(
        "4592315",
        "Netherlands 2.5% 2033",
        "NL001006064",
        "NL33",
        "EUR",
        "BOND",
        "200",
        "98.75",
    ),
    p(
        "7542153",
        "Shell PLC",
        "GB00BP6MXD8",
        "SHELL",
        "EUR",
        "STOCK",
        "200",
        "30.98",
    ),
    p(
        "1154321",
        "BE Semiconductor Industries NV",
        "NL001222280",
        "BESI",
        "EUR",
        "STOCK",
        "200",
        "131.5",
    ),
    p(
        "1154322",
        "Prosus NV",
        "NL001396983",
        "PRX",
        "EUR",
        "STOCK",
        "200",
        "38.7",
    ),
    // Sold out: closed positions.
    p(
        "350009261",
        "Tesla Inc",
        "US88160R101",
        "TSLA",
        "USD",
        "STOCK",
        "663",
        "345.2",
    ),
    p(
        "5025871",
        "Just Eat Takeaway.com NV",
        "NL001219121",
        "TKWY",
        "EUR",
        "STOCK",
        "200",
        "13.9",
    ),
    p(
        "15694498",
        "Morgan Stanley EUR Liquidity Fund",
        "LU195942927",
        "MSLF",
        "EUR",
        "CASH_FUND",
        "200",
        "9951.3411",
    ),
];

/// EUR per USD on the day of the portfolio: DEGIRO shows a USD position's
/// `value` in the base currency, size x price x this rate.
pub(crate) const EUR_PER_USD: &str = "0.9240";

/// The USD/EUR rate of every AutoFX conversion (USD per EUR).
const FX_RATE: &str = "1.0821";

/// The full ISIN of a product (ISO 6166 check digit computed here).
pub(crate) fn isin(prefix11: &str) -> String {
    let digits: String = prefix11
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                c.to_string()
            } else {
                (c as u32 - 'A' as u32 + 10).to_string()
            }
        })
        .collect();
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap_or(0);
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    format!("{prefix11}{}", (10 - sum % 10) % 10)
}

/// A JSON number from decimal text, as DEGIRO sends floats.
pub(crate) fn num(text: &str) -> Value {
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

pub(crate) fn product_json(p: &ProductRow) -> Value {
    json!({
        "id": p.id, "name": p.name, "isin": isin(p.isin11), "symbol": p.symbol, "currency": p.currency,
        "productType": p.kind, "productTypeId": 1, "exchangeId": p.exchange, "tradable": true,
        "closePrice": num(p.price), "closePriceDate": "2025-11-20", "vwdId": format!("{}.{}", p.symbol, p.exchange)
    })
}

fn field(name: &str, value: Value) -> Value {
    json!({"name": name, "value": value, "isAdded": true})
}

/// Bonds are quoted in percent of their nominal: the value of one unit at
/// price 1.
fn per_unit(p: &ProductRow) -> Decimal {
    if p.kind == "BOND" {
        Decimal::new(1, 2)
    } else {
        Decimal::ONE
    }
}

fn product(id: i64) -> Option<&'static ProductRow> {
    PRODUCTS
        .iter()
        .find(|p| p.id.parse::<i64>().ok() == Some(id))
}

/// A JSON number as exact text (DEGIRO sends floats; the mock writes them
/// from decimals, so their text is exact).
fn exact(v: &Value) -> Decimal {
    match v {
        Value::Number(n) => dec(&n.to_string()),
        Value::String(s) => dec(s),
        _ => Decimal::ZERO,
    }
}

/// A number as DEGIRO writes it in a Dutch description (`9.940,12`) or an
/// English one (`9,940.12`).
fn described_number(text: &str, dutch: bool) -> Option<Decimal> {
    let (group, point) = if dutch { ('.', ',') } else { (',', '.') };
    let plain: String = text
        .chars()
        .filter(|c| *c != group)
        .map(|c| if c == point { '.' } else { c })
        .collect();
    plain.parse().ok()
}

/// The units and price of a money-market fund conversion, from its
/// description (`Conversie geldmarktfonds: Koop 0,0251 @ 9.940,12 EUR`):
/// units signed (positive in, negative out).
pub(crate) fn fund_conversion(description: &str) -> Option<(Decimal, Decimal)> {
    let (_, deal) = description.split_once(": ")?;
    let mut words = deal.split_whitespace();
    let (side, units, at, price) = (words.next()?, words.next()?, words.next()?, words.next()?);
    let dutch = matches!(side, "Koop" | "Verkoop");
    let sign = match side {
        "Koop" | "Buy" => Decimal::ONE,
        "Verkoop" | "Sell" => Decimal::NEGATIVE_ONE,
        _ => return None,
    };
    if at != "@" {
        return None;
    }
    Some((
        sign * described_number(units, dutch)?,
        described_number(price, dutch)?,
    ))
}

/// One holding as the history leaves it: units, and what they cost in the
/// product's currency, fees included.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Held {
    pub size: Decimal,
    pub cost: Decimal,
}

impl Held {
    /// Cost per unit, in the product's quote (percent for a bond), as
    /// DEGIRO's `breakEvenPrice`; 0 when nothing is held.
    fn break_even(&self, p: &ProductRow) -> Decimal {
        if self.size.is_zero() {
            return Decimal::ZERO;
        }
        (self.cost / (self.size * per_unit(p))).round_dp(4)
    }
}

/// Every product's holding, by product id: what `v4/transactions` adds up
/// to, oldest row first (a buy adds its units, a sell takes them, whatever
/// the row is: a trade, a transfer, either leg of a split or another
/// corporate action), and the money-market fund's units, which DEGIRO
/// books only as conversions among the cash movements. Cost: a buy adds
/// its amount and fees (in the product's currency), a transfer in its
/// value, a sale or transfer out takes its share; a split or corporate
/// action keeps it.
pub(crate) fn positions(booked: &Booked) -> std::collections::BTreeMap<i64, Held> {
    let mut out: std::collections::BTreeMap<i64, Held> = Default::default();
    for t in &booked.trades {
        let Some(p) = t["productId"].as_i64().and_then(product) else {
            continue;
        };
        let h = out
            .entry(t["productId"].as_i64().unwrap_or_default())
            .or_default();
        let units = exact(&t["quantity"]).abs();
        let buy = t["buysell"] == "B";
        let moved = t["transfered"].as_bool() == Some(true);
        let trade = !moved && t["transactionTypeId"].as_i64().unwrap_or(0) == 0;
        // Fees are charged in EUR: in a USD product's currency at the trade's rate.
        let rate = match exact(&t["fxRate"]) {
            r if r.is_zero() => Decimal::ONE,
            r => r,
        };
        let fees = -exact(&t["totalFeesInBaseCurrency"]) * rate;
        match (buy, trade || moved) {
            (true, true) => {
                h.cost += if trade {
                    -exact(&t["total"]) + fees
                } else {
                    units * exact(&t["price"]) * per_unit(p)
                };
                h.size += units;
            }
            (false, true) => {
                h.cost -= if units >= h.size {
                    h.cost
                } else {
                    h.cost * units / h.size
                };
                h.size -= units;
            }
            (true, false) => h.size += units,
            (false, false) => h.size -= units,
        }
    }
    for m in &booked.movements {
        if m["type"] != "CASH_FUND_TRANSACTION" {
            continue;
        }
        let conversion = m["description"].as_str().and_then(fund_conversion);
        let (Some(id), Some((units, price))) = (m["productId"].as_i64(), conversion) else {
            continue;
        };
        let h = out.entry(id).or_default();
        if units.is_sign_positive() {
            h.cost += units * price;
        } else {
            h.cost -= if -units >= h.size {
                h.cost
            } else {
                h.cost * -units / h.size
            };
        }
        h.size += units;
    }
    out
}

/// The account's cash as its movements leave it: `(EUR at DEGIRO, EUR at
/// flatexDEGIRO Bank, USD)`. Every change counts in its currency; the
/// flatex cash is what the sweeps moved there (a sweep's positive leg).
pub(crate) fn cash(booked: &Booked) -> (Decimal, Decimal, Decimal) {
    let (mut eur, mut flatex, mut usd) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for m in &booked.movements {
        let change = exact(&m["change"]);
        match m["currency"].as_str() {
            Some("EUR") if m["type"] == "FLATEX_CASH_SWEEP" && change > Decimal::ZERO => {
                flatex += change;
            }
            Some("EUR") => eur += change,
            Some("USD") => usd += change,
            _ => {}
        }
    }
    (eur, flatex, usd)
}

/// The `v5/update` answer: the positions and cash the history leaves,
/// valued at today's prices.
pub(crate) fn update_json(booked: &Booked) -> Value {
    let held = positions(booked);
    let mut rows: Vec<Value> = PRODUCTS
        .iter()
        .map(|p| {
            let h =
                p.id.parse::<i64>()
                    .ok()
                    .and_then(|id| held.get(&id))
                    .copied()
                    .unwrap_or_default();
            let break_even = h.break_even(p);
            // A non-EUR position's value is in the base currency (EUR).
            let rate = if p.currency == "USD" {
                dec(EUR_PER_USD)
            } else {
                Decimal::ONE
            };
            let value = (dec(p.price) * h.size * per_unit(p) * rate).round_dp(2);
            let pl = ((dec(p.price) - break_even) * h.size * per_unit(p) * rate).round_dp(2);
            // A money-market fund is a position DEGIRO lists among the cash.
            let kind = if p.kind == "CASH_FUND" {
                "CASH"
            } else {
                "PRODUCT"
            };
            json!({"id": p.id, "name": "positionrow", "isAdded": true, "value": [
                field("id", json!(p.id)),
                field("positionType", json!(kind)),
                field("size", num(&h.size.normalize().to_string())),
                field("price", num(p.price)),
                field("value", num(&value.to_string())),
                {"name": "accruedInterest", "isAdded": true},
                field("plBase", json!({"EUR": num(&pl.to_string())})),
                field("todayPlBase", json!({"EUR": 0.0})),
                field("portfolioValueCorrection", num("0")),
                field("breakEvenPrice", num(&break_even.to_string())),
                field("averageFxRate", num("1")),
                field("realizedProductPl", num("0")),
                field("realizedFxPl", num("0")),
                field("todayRealizedProductPl", num("0")),
                field("todayRealizedFxPl", num("0"))
            ]})
        })
        .collect();
    let (eur, flatex, usd) = cash(booked);
    for (id, amount) in [("EUR", eur), ("FLATEX_EUR", flatex), ("USD", usd)] {
        let amount = amount.normalize().to_string();
        rows.push(
            json!({"id": id, "name": "positionrow", "isAdded": true, "value": [
                field("id", json!(id)),
                field("positionType", json!("CASH")),
                field("size", num(&amount)),
                field("price", num("1")),
                field("value", num(&amount))
            ]}),
        );
    }
    let total_cash = (eur + flatex + usd * dec(EUR_PER_USD)).round_dp(2);
    let paid_in: Decimal = booked
        .movements
        .iter()
        .filter(|m| {
            m["description"]
                .as_str()
                .is_some_and(|d| PAID_IN.contains(&d))
        })
        .map(|m| exact(&m["change"]))
        .sum();
    json!({
        "portfolio": {"lastUpdated": 4211, "name": "portfolio", "value": rows, "isAdded": true},
        "totalPortfolio": {"lastUpdated": 4211, "name": "totalPortfolio", "isAdded": true, "value": [
            field("degiroCash", num(&eur.to_string())),
            field("flatexCash", num(&flatex.to_string())),
            field("totalCash", num(&total_cash.to_string())),
            field("totalDepositWithdrawal", num(&paid_in.to_string())),
            field("todayDepositWithdrawal", num("0")),
            field("cashFundCompensationCurrency", json!("EUR")),
            field("freeSpaceNew", json!({"EUR": num(&total_cash.to_string())}))
        ]}
    })
}

/// The `v5/account/info` answer.
pub(crate) fn account_info_json() -> Value {
    json!({"data": {
        "clientId": 9_876_543, "baseCurrency": "EUR", "marginType": "CASH",
        "currencyPairs": {"EURUSD": {"id": 705366, "price": "1.0821"}},
        "cashFunds": {"EUR": [{"id": 15694498, "name": "Morgan Stanley EUR Liquidity Fund"}]},
        "compensationCapping": 0.0
    }})
}

/// The account's history: the rows of `v4/transactions` and of the
/// account overview's cash movements, each oldest first.
pub(crate) struct Booked {
    pub trades: Vec<Value>,
    pub movements: Vec<Value>,
}

fn local(at: DateTime<Utc>) -> String {
    // DEGIRO reports in Amsterdam time; CET is close enough for a mock.
    let Some(cet) = FixedOffset::east_opt(3600) else {
        return at.to_rfc3339();
    };
    at.with_timezone(&cet)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The descriptions of money paid in and out (`totalDepositWithdrawal`).
const PAID_IN: &[&str] = &["iDEAL storting", "Deposit", "Terugstorting"];

/// What a planned trade does.
#[derive(Debug, Clone, Copy)]
enum Deal {
    /// Buy with the month's budget (shared by the month's buys).
    Buy,
    /// Sell this share of what is held (`1, 1`: all of it).
    Sell(i64, i64),
}

/// Every trade, `(month, symbol, deal)`, a month's first on its 4th day and
/// its second on its 13th. USD products: each bought once (TSLA also sold
/// out); EUR products: bought, ETFs every few months, TKWY sold out, SAP and
/// ASML sold in part.
const PLAN: &[(i64, &str, Deal)] = &[
    (0, "MSFT", Deal::Buy),
    (1, "ASML", Deal::Buy),
    (2, "IWDA", Deal::Buy),
    (3, "NVDA", Deal::Buy),
    (4, "AD", Deal::Buy),
    (4, "TKWY", Deal::Buy),
    (5, "TSLA", Deal::Buy),
    (6, "INGA", Deal::Buy),
    (6, "UNA", Deal::Buy),
    (7, "AAPL", Deal::Buy),
    (8, "VWCE", Deal::Buy),
    (8, "PHIA", Deal::Buy),
    (9, "GOOGL", Deal::Buy),
    (10, "SAP", Deal::Buy),
    (11, "CSPX", Deal::Buy),
    (12, "HEIA", Deal::Buy),
    (12, "PRX", Deal::Buy),
    (13, "AMZN", Deal::Buy),
    (14, "SIE", Deal::Buy),
    (15, "KO", Deal::Buy),
    (15, "IWDA", Deal::Buy),
    (16, "ALV", Deal::Buy),
    (16, "TKWY", Deal::Sell(1, 1)),
    (17, "VWCE", Deal::Buy),
    (17, "EMIM", Deal::Buy),
    (18, "MC", Deal::Buy),
    (19, "TSLA", Deal::Sell(1, 1)),
    (19, "TTE", Deal::Buy),
    (20, "AI", Deal::Buy),
    (21, "JNJ", Deal::Buy),
    (22, "ADYEN", Deal::Buy),
    (23, "XGLE", Deal::Buy),
    (23, "IWDA", Deal::Buy),
    (24, "NL33", Deal::Buy),
    (25, "O", Deal::Buy),
    (26, "SHELL", Deal::Buy),
    (26, "SAP", Deal::Sell(1, 2)),
    (27, "BESI", Deal::Buy),
    (28, "TSM", Deal::Buy),
    (29, "VWCE", Deal::Buy),
    (29, "EMIM", Deal::Buy),
    (30, "IWDA", Deal::Buy),
    (31, "ASML", Deal::Buy),
    (32, "INGA", Deal::Buy),
    (32, "ASML", Deal::Sell(1, 3)),
    (33, "IWDA", Deal::Buy),
    (34, "VWCE", Deal::Buy),
];

/// What a month's buys spend together, in EUR (of the month's 1500 paid in).
const MONTHLY_BUDGET: i64 = 1450;

/// NVIDIA's 10-for-1 split (DEGIRO books it as two rows, transaction type
/// 101: the old line sold, the new one bought); its prices before are ten
/// times today's.
fn nvda_split_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 10, 6, 30, 0)
        .single()
        .unwrap_or_default()
}

fn symbol(s: &str) -> &'static ProductRow {
    PRODUCTS
        .iter()
        .find(|p| p.symbol == s)
        .unwrap_or(&PRODUCTS[0])
}

fn id_of(p: &ProductRow) -> i64 {
    p.id.parse().unwrap_or(0)
}

/// A product's price on a day of `month`, in its currency: today's price
/// wandering by -20 % to +9 %; NVIDIA's ten times higher before its split.
fn quote(p: &ProductRow, month: i64, at: DateTime<Utc>) -> Decimal {
    let price = (dec(p.price) * Decimal::new(80 + month % 30, 2)).round_dp(2);
    if p.symbol == "NVDA" && at < nvda_split_at() {
        price * Decimal::TEN
    } else {
        price
    }
}

/// MSFT's quarterly dividend per share, in USD, by year.
fn msft_dividend(year: i32) -> Decimal {
    match year {
        ..=2023 => Decimal::new(68, 2),
        2024 => Decimal::new(75, 2),
        _ => Decimal::new(83, 2),
    }
}

/// Rows of the history while it is written: when, which list, the row (its
/// `id` given at the end, in time order).
struct Draft {
    rows: Vec<(DateTime<Utc>, bool, Value)>,
    held: std::collections::HashMap<&'static str, Decimal>,
}

impl Draft {
    fn movement(&mut self, at: DateTime<Utc>, row: Value) {
        self.rows.push((at, false, row));
    }

    /// A trade of `units` (negative: sold) of `p` at `at`, with its cash
    /// leg and fee among the cash movements; a USD trade goes through
    /// AutoFX: its fee (0.25 % of the EUR amount) beside DEGIRO's, and its
    /// two FX legs.
    fn trade(&mut self, at: DateTime<Utc>, month: i64, p: &'static ProductRow, units: Decimal) {
        let dutch = month % 2 == 0;
        let sell = units < Decimal::ZERO;
        let price = quote(p, month, at);
        let total = -(units * price * per_unit(p));
        let usd = p.currency == "USD";
        let fee = if usd {
            Decimal::new(250, 2)
        } else {
            Decimal::new(200, 2)
        };
        let fx_rate = dec(FX_RATE);
        let total_base = if usd {
            (total / fx_rate).round_dp(2)
        } else {
            total
        };
        let auto_fx = if usd {
            (total_base.abs() * Decimal::new(25, 4)).round_dp(2)
        } else {
            Decimal::ZERO
        };
        let n = self.rows.len() as i64;
        let order = format!(
            "{:08x}-a1b2-4c3d-8e4f-{:012x}",
            month * 10 + n % 10,
            month * 1000 + n
        );
        let product = id_of(p);
        self.rows.push((at, true, json!({
            "productId": product, "date": local(at),
            "buysell": if sell { "S" } else { "B" }, "price": num(&price.to_string()),
            "quantity": num(&units.to_string()), "total": num(&total.to_string()),
            "orderTypeId": 0, "counterParty": "MK", "transfered": false,
            "fxRate": num(if usd { FX_RATE } else { "0" }),
            "nettFxRate": num(if usd { "1.0794" } else { "0" }), "grossFxRate": num(if usd { FX_RATE } else { "0" }),
            "autoFxFeeInBaseCurrency": num(&(-auto_fx).to_string()),
            "totalInBaseCurrency": num(&total_base.to_string()), "feeInBaseCurrency": num(&(-fee).to_string()),
            "totalFeesInBaseCurrency": num(&(-(fee + auto_fx)).to_string()),
            "totalPlusFeeInBaseCurrency": num(&(total_base - fee).to_string()),
            "totalPlusAllFeesInBaseCurrency": num(&(total_base - fee - auto_fx).to_string()),
            "transactionTypeId": 0, "tradingVenue": if usd { "XNAS" } else { "XAMS" },
            "executingEntityId": "724500C4YSGVZ3Q5UI70",
            "orderId": order
        })));
        *self.held.entry(p.symbol).or_default() += units;
        let verb = match (dutch, sell) {
            (true, false) => "Koop",
            (true, true) => "Verkoop",
            (false, false) => "Buy",
            (false, true) => "Sell",
        };
        let shown_price = if dutch {
            price.to_string().replace('.', ",")
        } else {
            price.to_string()
        };
        let settles = local(at + Duration::days(2));
        if usd {
            // AutoFX converts first: the USD the trade needs in, the EUR out
            // (or the other way round for a sale).
            let (usd_leg, eur_leg) = match (dutch, sell) {
                (true, false) => ("Valuta Creditering", "Valuta Debitering"),
                (true, true) => ("Valuta Debitering", "Valuta Creditering"),
                (false, false) => ("FX Credit", "FX Debit"),
                (false, true) => ("FX Debit", "FX Credit"),
            };
            self.movement(at, json!({
                "date": local(at), "valueDate": settles, "description": usd_leg,
                "currency": "USD", "change": num(&(-total).to_string()), "type": "CASH_TRANSACTION"
            }));
            self.movement(at, json!({
                "date": local(at), "valueDate": settles, "description": eur_leg,
                "currency": "EUR", "change": num(&total_base.to_string()), "type": "CASH_TRANSACTION"
            }));
        }
        self.movement(
            at,
            json!({
                "date": local(at), "valueDate": settles,
                "description": format!("{verb} {} @ {shown_price} {}", units.abs(), p.currency),
                "productId": product, "currency": p.currency,
                "change": num(&total.to_string()), "type": "TRANSACTION",
                "balance": {}
            }),
        );
        self.movement(at, json!({
            "date": local(at), "valueDate": settles,
            "description": if dutch { "DEGIRO Transactiekosten en/of kosten van derden" } else { "DEGIRO Transaction and/or third party fees" },
            "productId": product, "currency": "EUR",
            "change": num(&(-fee).to_string()), "type": "TRANSACTION"
        }));
        if usd {
            self.movement(
                at,
                json!({
                    "date": local(at), "valueDate": settles,
                    "description": if dutch { "AutoFX Kosten" } else { "AutoFX Fee" },
                    "productId": product, "currency": "EUR",
                    "change": num(&(-auto_fx).to_string()), "type": "TRANSACTION"
                }),
            );
        }
    }

    /// A split of every unit held of `p`, `new` for `old`: the old line
    /// sold and the new one bought, no cash moved.
    fn split(&mut self, at: DateTime<Utc>, month: i64, p: &'static ProductRow, new: i64) {
        let old_units = self.held.get(p.symbol).copied().unwrap_or_default();
        let old_price = quote(p, month, at - Duration::seconds(1));
        let new_units = old_units * Decimal::from(new);
        for (side, units, price) in [
            ("S", -old_units, old_price),
            ("B", new_units, old_price / Decimal::from(new)),
        ] {
            self.rows.push((at, true, json!({
                "productId": id_of(p), "date": local(at), "buysell": side,
                "price": num(&price.to_string()), "quantity": num(&units.to_string()), "total": 0,
                "transfered": false, "fxRate": 0, "totalInBaseCurrency": 0,
                "feeInBaseCurrency": 0, "totalFeesInBaseCurrency": 0, "autoFxFeeInBaseCurrency": 0,
                "totalPlusFeeInBaseCurrency": 0, "totalPlusAllFeesInBaseCurrency": 0,
                "transactionTypeId": 101
            })));
        }
        self.held.insert(p.symbol, new_units);
    }
}

/// Three years of trades and cash movements, oldest first; ids in time
/// order, and each cash leg's `balance` the account's cash after it.
pub(crate) fn history() -> Booked {
    let start = Utc
        .with_ymd_and_hms(2023, 1, 3, 9, 5, 0)
        .single()
        .unwrap_or_default();
    let mut d = Draft {
        rows: Vec::new(),
        held: Default::default(),
    };
    for month in 0..36i64 {
        let dutch = month % 2 == 0;
        let month_start = start + Duration::days(month * 30);
        d.movement(
            month_start,
            json!({
                "date": local(month_start), "valueDate": local(month_start),
                "description": if dutch { "iDEAL storting" } else { "Deposit" },
                "currency": "EUR", "change": num("1500"), "type": "CASH_TRANSACTION",
                "balance": {}
            }),
        );
        let planned: Vec<&(i64, &str, Deal)> = PLAN.iter().filter(|x| x.0 == month).collect();
        let buys = planned.iter().filter(|x| matches!(x.2, Deal::Buy)).count() as i64;
        for (k, (_, name, deal)) in planned.into_iter().enumerate() {
            let p = symbol(name);
            let at = month_start
                + Duration::days(3 + k as i64 * 9)
                + Duration::hours(5)
                + Duration::minutes(month * 7 % 50);
            let units = match *deal {
                Deal::Buy => {
                    // What the month's budget buys, in whole units (bonds in
                    // nominal thousands), at least one.
                    let eur_per_unit = quote(p, month, at) * per_unit(p)
                        / if p.currency == "USD" {
                            dec(FX_RATE)
                        } else {
                            Decimal::ONE
                        };
                    let lot = if p.kind == "BOND" {
                        Decimal::ONE_THOUSAND
                    } else {
                        Decimal::ONE
                    };
                    let budget = Decimal::from(MONTHLY_BUDGET / buys.max(1));
                    ((budget / (eur_per_unit * lot)).floor() * lot).max(lot)
                }
                Deal::Sell(num, den) => {
                    let held = d.held.get(p.symbol).copied().unwrap_or_default();
                    -(held * Decimal::from(num) / Decimal::from(den))
                        .floor()
                        .max(Decimal::ONE)
                }
            };
            d.trade(at, month, p, units);
        }
        if month == 17 {
            d.split(nvda_split_at(), month, symbol("NVDA"), 10);
        }
        if month % 3 == 2 {
            // MSFT's dividend on the shares held, with 15 % withholding,
            // converted to EUR.
            let at = month_start + Duration::days(20);
            let shares = d.held.get("MSFT").copied().unwrap_or_default();
            let gross = (shares * msft_dividend(at.year())).round_dp(2);
            let tax = (gross * Decimal::new(15, 2)).round_dp(2);
            for (desc, change, cur) in [
                ("Dividend", gross, "USD"),
                (
                    if dutch {
                        "Dividendbelasting"
                    } else {
                        "Dividend Tax"
                    },
                    -tax,
                    "USD",
                ),
                (
                    if dutch {
                        "Valuta Debitering"
                    } else {
                        "FX Debit"
                    },
                    tax - gross,
                    "USD",
                ),
                (
                    if dutch {
                        "Valuta Creditering"
                    } else {
                        "FX Credit"
                    },
                    ((gross - tax) * dec(EUR_PER_USD)).round_dp(2),
                    "EUR",
                ),
            ] {
                d.movement(
                    at,
                    json!({
                        "date": local(at), "valueDate": local(at), "description": desc,
                        "productId": id_of(symbol("MSFT")), "currency": cur,
                        "change": num(&change.to_string()), "type": "CASH_TRANSACTION"
                    }),
                );
            }
        }
        if month % 4 == 1 {
            let at = month_start + Duration::days(25);
            d.movement(at, json!({
                "date": local(at), "valueDate": local(at),
                "description": "Degiro Cash Sweep Transfer", "currency": "EUR", "change": num("-250"),
                "type": "FLATEX_CASH_SWEEP"
            }));
            d.movement(at, json!({
                "date": local(at), "valueDate": local(at),
                "description": if dutch { "Overboeking naar uw geldrekening bij flatexDEGIRO Bank: 250 EUR" } else { "Transfer to your cash account at flatexDEGIRO Bank: 250 EUR" },
                "currency": "EUR", "change": num("250"), "type": "FLATEX_CASH_SWEEP"
            }));
        }
        if month % 12 == 0 {
            let at = month_start + Duration::days(1);
            d.movement(at, json!({
                "date": local(at), "valueDate": local(at),
                "description": if dutch { "DEGIRO Aansluitingskosten 2023 (Euronext Amsterdam - EAM)" } else { "DEGIRO Exchange Connection Fee 2024 (Nasdaq - NDQ)" },
                "currency": "EUR", "change": num("-2.5"), "type": "CASH_TRANSACTION"
            }));
        }
        if month % 6 == 5 {
            let at = month_start + Duration::days(28);
            d.movement(
                at,
                json!({
                    "date": local(at), "valueDate": local(at),
                    "description": if dutch { "Rente" } else { "Flatex Interest Income" },
                    "currency": "EUR", "change": num("1.37"), "type": "CASH_TRANSACTION"
                }),
            );
        }
        if month == 10 {
            let at = month_start + Duration::days(12);
            d.movement(
                at,
                json!({
                    "date": local(at), "valueDate": local(at), "description": "Terugstorting",
                    "currency": "EUR", "change": num("-800"), "type": "PAYMENT"
                }),
            );
            // A payment that failed: booked with no change.
            d.movement(at + Duration::hours(2), json!({
                "date": local(at + Duration::hours(2)), "valueDate": local(at), "description": "iDEAL storting",
                "currency": "EUR", "type": "PAYMENT"
            }));
        }
        if month == 4 {
            // The money-market fund as DEGIRO books it: a conversion with no
            // change (its units only in the description), then the fund's
            // price change.
            let at = month_start + Duration::days(16);
            let fund = id_of(symbol("MSLF"));
            d.movement(at, json!({
                "date": local(at), "valueDate": local(at),
                "description": "Conversie geldmarktfonds: Koop 0,0251 @ 9.940,12 EUR", "productId": fund,
                "currency": "EUR", "change": null, "type": "CASH_FUND_TRANSACTION"
            }));
            d.movement(at + Duration::days(1), json!({
                "date": local(at + Duration::days(1)), "valueDate": local(at + Duration::days(1)),
                "description": "Koersverandering geldmarktfonds (EUR)", "productId": fund,
                "currency": "EUR", "change": num("0.03"), "type": "CASH_FUND_NAV_CHANGE"
            }));
        }
        if month == 20 {
            let at = month_start + Duration::days(14);
            d.movement(at, json!({
                "date": local(at), "valueDate": local(at),
                "description": "Corporate action: spin-off Prosus Holding", "productId": id_of(symbol("PRX")),
                "currency": "EUR", "change": num("12.4"), "type": "CASH_TRANSACTION"
            }));
        }
    }
    // Oldest first (a sort that keeps the order of rows of one time); ids
    // in that order, and each `balance` what the cash is after its row.
    d.rows.sort_by_key(|(at, _, _)| *at);
    let mut booked = Booked {
        trades: Vec::new(),
        movements: Vec::new(),
    };
    for (n, (_, is_trade, mut row)) in d.rows.into_iter().enumerate() {
        row["id"] = json!(100_001 + n as i64);
        if is_trade {
            booked.trades.push(row);
            continue;
        }
        booked.movements.push(row);
        if booked
            .movements
            .last()
            .is_some_and(|m| m.get("balance").is_some())
        {
            let (eur, flatex, usd) = cash(&booked);
            let fund: Decimal = positions(&booked)
                .iter()
                .filter(|(id, _)| product(**id).is_some_and(|p| p.kind == "CASH_FUND"))
                .map(|(_, h)| h.cost)
                .sum();
            let last = booked.movements.len() - 1;
            let m = &mut booked.movements[last];
            let eur_row = m["currency"] == "EUR";
            m["balance"] = json!({
                "unsettledCash": 0,
                "flatexCash": num(&if eur_row { flatex } else { Decimal::ZERO }.to_string()),
                "cashFund": num(&fund.round_dp(2).to_string()),
                "total": num(&if eur_row { eur + flatex } else { usd }.to_string())
            });
        }
    }
    booked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::d;

    /// The portfolio is what the history adds up to, and the history is
    /// one a real account can have: no cash and no holding ever below
    /// zero, dividends only on shares held.
    #[test]
    fn the_portfolio_is_what_the_history_adds_up_to() {
        let all = history();
        let (trades, movements) = (&all.trades, &all.movements);
        assert_eq!((trades.len(), movements.len()), (49, 246));
        let ids: std::collections::HashSet<i64> = trades
            .iter()
            .chain(movements)
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), trades.len() + movements.len(), "ids are unique");
        // After every moment of the history, nothing is below zero.
        let mut times: Vec<&str> = trades
            .iter()
            .chain(movements)
            .map(|r| r["date"].as_str().unwrap())
            .collect();
        times.sort_unstable();
        times.dedup();
        let upto = |t: &str| Booked {
            trades: trades
                .iter()
                .filter(|r| r["date"].as_str().unwrap() <= t)
                .cloned()
                .collect(),
            movements: movements
                .iter()
                .filter(|r| r["date"].as_str().unwrap() <= t)
                .cloned()
                .collect(),
        };
        for t in &times {
            let so_far = upto(t);
            let (eur, flatex, usd) = cash(&so_far);
            assert!(
                eur >= Decimal::ZERO && flatex >= Decimal::ZERO && usd >= Decimal::ZERO,
                "cash at {t}: {eur} EUR, {flatex} flatex, {usd} USD"
            );
            for (id, h) in positions(&so_far) {
                assert!(h.size >= Decimal::ZERO, "product {id} at {t}: {}", h.size);
            }
        }
        let held = positions(&all);
        let size = |symbol: &str| held[&id_of(self::symbol(symbol))].size;
        assert_eq!(size("NVDA"), d("10"), "one bought, split 10 for 1");
        assert_eq!(size("TSLA"), d("0"), "sold out");
        assert_eq!(size("TKWY"), d("0"), "sold out");
        assert_eq!(size("MSLF"), d("0.0251"), "the money-market fund");
        let open = PRODUCTS
            .iter()
            .filter(|p| !held[&id_of(p)].size.is_zero())
            .count();
        assert_eq!(open, 32, "every product held but the two sold out");
        let (eur, flatex, usd) = cash(&all);
        assert_eq!(usd, Decimal::ZERO, "AutoFX converts every USD amount");
        assert_eq!(flatex, d("2250"), "nine sweeps of 250");
        assert_eq!(eur, d("7931.33"));
        let asml = held[&id_of(symbol("ASML"))];
        assert_eq!(
            (asml.size, asml.break_even(symbol("ASML"))),
            (d("3"), d("529.36")),
            "2 and 2 bought, a third of the 4 sold at their average cost"
        );
        let bond = symbol("NL33");
        assert_eq!(
            held[&id_of(bond)].break_even(bond),
            d("102.9"),
            "in percent of the nominal, the fee included"
        );
    }

    #[test]
    fn a_fund_conversion_states_its_units() {
        assert_eq!(
            fund_conversion("Conversie geldmarktfonds: Koop 0,0251 @ 9.940,12 EUR"),
            Some((d("0.0251"), d("9940.12")))
        );
        assert_eq!(
            fund_conversion("Money market fund conversion: Sell 1.5 @ 9,951.34 EUR"),
            Some((d("-1.5"), d("9951.34")))
        );
        assert_eq!(
            fund_conversion("Koersverandering geldmarktfonds (EUR)"),
            None
        );
    }

    #[test]
    fn isins_carry_valid_check_digits() {
        assert_eq!(isin("US037833100"), "US0378331005");
        assert_eq!(isin("NL001027321"), "NL0010273215");
        assert_eq!(isin("IE00B4L5Y98"), "IE00B4L5Y983");
        for p in PRODUCTS {
            assert!(
                stonks_core::Isin::new(&isin(p.isin11)).is_ok(),
                "{}",
                p.name
            );
        }
    }
}
