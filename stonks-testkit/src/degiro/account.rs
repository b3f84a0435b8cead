//! The realistic account `MockDegiro` serves, built in code.
//!
//! * 34 products: Dutch, German, French, US and UK stocks, Irish ETFs, a
//!   bond, a money-market fund (listed among the cash rows, as DEGIRO does);
//!   32 open positions and 2 closed ones;
//! * cash in EUR (plain and flatex) and USD;
//! * three years (2023-2025) of trades (USD ones with an AutoFX fee), and
//!   their cash legs and fees among the cash movements (with no order id, as
//!   in every public capture), monthly deposits, dividends
//!   with withholding tax and FX legs, connection fees, interest, cash-fund
//!   sweeps, a failed payment and a description no table knows; descriptions
//!   alternate between Dutch and English by month.

use chrono::{Duration, FixedOffset, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Number, Value, json};

/// A product: id, name, ISIN prefix (11 chars; the check digit is computed),
/// symbol, currency, type, exchange id, price, size held, break-even price.
pub(crate) struct ProductRow {
    pub id: &'static str,
    pub name: &'static str,
    pub isin11: &'static str,
    pub symbol: &'static str,
    pub currency: &'static str,
    pub kind: &'static str,
    pub exchange: &'static str,
    pub price: &'static str,
    pub size: &'static str,
    pub break_even: &'static str,
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
    size: &'static str,
    break_even: &'static str,
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
        size,
        break_even,
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
        "12",
        "540.15",
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
        "150",
        "27.8",
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
        "400",
        "11.92",
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
        "60",
        "48.3",
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
        "80",
        "26.1",
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
        "2",
        "1210.0",
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
        "40",
        "85.5",
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
        "20",
        "160.2",
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
        "15",
        "150.0",
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
        "10",
        "230.4",
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
        "5",
        "720.0",
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
        "70",
        "52.0",
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
        "18",
        "150.5",
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
        "25",
        "150.33",
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
        "15",
        "310.2",
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
        "30",
        "120.75",
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
        "20",
        "135.0",
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
        "40",
        "45.3",
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
        "20",
        "160.8",
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
        "50",
        "58.4",
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
        "60",
        "57.2",
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
        "10",
        "98.0",
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
        "210",
        "78.2",
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
        "95",
        "104.1",
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
        "8",
        "455.0",
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
        "150",
        "29.9",
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
        "20",
        "226.0",
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
        "5000",
        "101.2",
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
        "120",
        "27.1",
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
        "25",
        "95.4",
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
        "75",
        "33.8",
    ),
    // Closed positions: size 0.
    p(
        "350009261",
        "Tesla Inc",
        "US88160R101",
        "TSLA",
        "USD",
        "STOCK",
        "663",
        "345.2",
        "0",
        "0",
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
        "0",
        "0",
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
        "0.0251",
        "9940.12",
    ),
];

/// EUR per USD on the day of the portfolio: DEGIRO shows a USD position's
/// `value` in the base currency, size x price x this rate.
pub(crate) const EUR_PER_USD: &str = "0.9240";

/// `(row id, amount)` of the cash rows of the portfolio.
pub(crate) const CASH: &[(&str, &str)] = &[
    ("EUR", "1204.37"),
    ("FLATEX_EUR", "310.5"),
    ("USD", "412.08"),
];

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

/// The `v5/update` answer.
pub(crate) fn update_json() -> Value {
    let mut rows: Vec<Value> = PRODUCTS
        .iter()
        .map(|p| {
            // Bonds are quoted in percent of their nominal.
            let scale = if p.kind == "BOND" {
                Decimal::new(1, 2)
            } else {
                Decimal::ONE
            };
            // A non-EUR position's value is in the base currency (EUR).
            let rate = if p.currency == "USD" {
                dec(EUR_PER_USD)
            } else {
                Decimal::ONE
            };
            let value = (dec(p.price) * dec(p.size) * scale * rate).round_dp(2);
            let pl = ((dec(p.price) - dec(p.break_even)) * dec(p.size) * scale * rate).round_dp(2);
            // A money-market fund is a position DEGIRO lists among the cash.
            let kind = if p.kind == "CASH_FUND" {
                "CASH"
            } else {
                "PRODUCT"
            };
            json!({"id": p.id, "name": "positionrow", "isAdded": true, "value": [
                field("id", json!(p.id)),
                field("positionType", json!(kind)),
                field("size", num(p.size)),
                field("price", num(p.price)),
                field("value", num(&value.to_string())),
                {"name": "accruedInterest", "isAdded": true},
                field("plBase", json!({"EUR": num(&pl.to_string())})),
                field("todayPlBase", json!({"EUR": 0.0})),
                field("portfolioValueCorrection", num("0")),
                field("breakEvenPrice", num(p.break_even)),
                field("averageFxRate", num("1")),
                field("realizedProductPl", num("0")),
                field("realizedFxPl", num("0")),
                field("todayRealizedProductPl", num("0")),
                field("todayRealizedFxPl", num("0"))
            ]})
        })
        .collect();
    for (id, amount) in CASH {
        rows.push(
            json!({"id": id, "name": "positionrow", "isAdded": true, "value": [
                field("id", json!(id)),
                field("positionType", json!("CASH")),
                field("size", num(amount)),
                field("price", num("1")),
                field("value", num(amount))
            ]}),
        );
    }
    json!({
        "portfolio": {"lastUpdated": 4211, "name": "portfolio", "value": rows, "isAdded": true},
        "totalPortfolio": {"lastUpdated": 4211, "name": "totalPortfolio", "isAdded": true, "value": [
            field("degiroCash", num("1204.37")),
            field("flatexCash", num("310.5")),
            field("totalCash", num("1897.66")),
            field("totalDepositWithdrawal", num("61500")),
            field("todayDepositWithdrawal", num("0")),
            field("cashFundCompensationCurrency", json!("EUR")),
            field("freeSpaceNew", json!({"EUR": num("1897.66")}))
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

/// One row of `v4/transactions` and the cash movements it produced.
pub(crate) struct Booked {
    pub trades: Vec<Value>,
    pub movements: Vec<Value>,
}

fn local(at: chrono::DateTime<Utc>) -> String {
    // DEGIRO reports in Amsterdam time; CET is close enough for a mock.
    let Some(cet) = FixedOffset::east_opt(3600) else {
        return at.to_rfc3339();
    };
    at.with_timezone(&cet)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Three years of trades and cash movements, oldest first.
pub(crate) fn history() -> Booked {
    let start = Utc
        .with_ymd_and_hms(2023, 1, 3, 9, 5, 0)
        .single()
        .unwrap_or_default();
    let mut trades = Vec::new();
    let mut movements = Vec::new();
    let mut next_id = 100_000i64;
    let mut id = || {
        next_id += 1;
        next_id
    };
    let traded = [0usize, 13, 22, 7, 14, 23, 1, 15, 19, 2, 24, 17];
    for month in 0..36i64 {
        let dutch = month % 2 == 0;
        let month_start = start + Duration::days(month * 30);
        movements.push(json!({
            "id": id(), "date": local(month_start), "valueDate": local(month_start),
            "description": if dutch { "iDEAL storting" } else { "Deposit" },
            "currency": "EUR", "change": num("1500"), "type": "CASH_TRANSACTION",
            "balance": {"unsettledCash": 0, "flatexCash": 0, "cashFund": 0, "total": 0}
        }));
        for k in 0..2i64 {
            let product = &PRODUCTS[traded[((month * 2 + k) as usize) % traded.len()]];
            let at = month_start
                + Duration::days(3 + k * 9)
                + Duration::hours(5)
                + Duration::minutes(month * 7 % 50);
            let sell = month % 7 == 6 && k == 1;
            let qty = if sell {
                Decimal::from(-2)
            } else {
                Decimal::from(3 + (month % 4))
            };
            let price = (dec(product.price) * Decimal::new(80 + month % 30, 2)).round_dp(2);
            let total = -(qty * price);
            let order = format!(
                "{:08x}-a1b2-4c3d-8e4f-{:012x}",
                month * 10 + k,
                month * 1000 + k
            );
            let usd = product.currency == "USD";
            let fee = if usd {
                Decimal::new(250, 2)
            } else {
                Decimal::new(200, 2)
            };
            // USD trades go through AutoFX: 0.25 % of the EUR amount, charged
            // beside DEGIRO's own fee.
            let fx_rate = Decimal::new(10821, 4);
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
            let trade_id = id();
            trades.push(json!({
                "id": trade_id, "productId": product.id.parse::<i64>().unwrap_or(0), "date": local(at),
                "buysell": if sell { "S" } else { "B" }, "price": num(&price.to_string()),
                "quantity": num(&qty.to_string()), "total": num(&total.to_string()),
                "orderTypeId": 0, "counterParty": "MK", "transfered": false,
                "fxRate": num(if usd { "1.0821" } else { "0" }),
                "nettFxRate": num(if usd { "1.0794" } else { "0" }), "grossFxRate": num(if usd { "1.0821" } else { "0" }),
                "autoFxFeeInBaseCurrency": num(&(-auto_fx).to_string()),
                "totalInBaseCurrency": num(&total_base.to_string()), "feeInBaseCurrency": num(&(-fee).to_string()),
                "totalFeesInBaseCurrency": num(&(-(fee + auto_fx)).to_string()),
                "totalPlusFeeInBaseCurrency": num(&(total_base - fee).to_string()),
                "totalPlusAllFeesInBaseCurrency": num(&(total_base - fee - auto_fx).to_string()),
                "transactionTypeId": 0, "tradingVenue": if usd { "XNAS" } else { "XAMS" },
                "executingEntityId": "724500C4YSGVZ3Q5UI70",
                "orderId": order
            }));
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
            movements.push(json!({
                "id": id(), "date": local(at), "valueDate": local(at + Duration::days(2)),
                "description": format!("{verb} {} @ {shown_price} {}", qty.abs(), product.currency),
                "productId": product.id.parse::<i64>().unwrap_or(0), "currency": product.currency,
                "change": num(&total.to_string()), "type": "TRANSACTION",
                "balance": {"unsettledCash": 0, "flatexCash": 0, "cashFund": 0, "total": 0}
            }));
            movements.push(json!({
                "id": id(), "date": local(at), "valueDate": local(at + Duration::days(2)),
                "description": if dutch { "DEGIRO Transactiekosten en/of kosten van derden" } else { "DEGIRO Transaction and/or third party fees" },
                "productId": product.id.parse::<i64>().unwrap_or(0), "currency": "EUR",
                "change": num(&(-fee).to_string()), "type": "TRANSACTION"
            }));
        }
        if month % 3 == 2 {
            // A US dividend with 15 % withholding, converted to EUR.
            let at = month_start + Duration::days(20);
            let (gross, tax) = (
                Decimal::new(2150 + month * 10, 2),
                Decimal::new(323 + month, 2),
            );
            for (desc, change, cur, kind) in [
                ("Dividend", gross.to_string(), "USD", "CASH_TRANSACTION"),
                (
                    if dutch {
                        "Dividendbelasting"
                    } else {
                        "Dividend Tax"
                    },
                    (-tax).to_string(),
                    "USD",
                    "CASH_TRANSACTION",
                ),
                (
                    if dutch {
                        "Valuta Debitering"
                    } else {
                        "FX Debit"
                    },
                    (tax - gross).to_string(),
                    "USD",
                    "CASH_TRANSACTION",
                ),
                (
                    if dutch {
                        "Valuta Creditering"
                    } else {
                        "FX Credit"
                    },
                    ((gross - tax) * Decimal::new(9240, 4))
                        .round_dp(2)
                        .to_string(),
                    "EUR",
                    "CASH_TRANSACTION",
                ),
            ] {
                movements.push(json!({
                    "id": id(), "date": local(at), "valueDate": local(at), "description": desc,
                    "productId": 332087, "currency": cur, "change": num(&change), "type": kind
                }));
            }
        }
        if month % 4 == 1 {
            let at = month_start + Duration::days(25);
            movements.push(json!({
                "id": id(), "date": local(at), "valueDate": local(at),
                "description": "Degiro Cash Sweep Transfer", "currency": "EUR", "change": num("-250"),
                "type": "FLATEX_CASH_SWEEP"
            }));
            movements.push(json!({
                "id": id(), "date": local(at), "valueDate": local(at),
                "description": if dutch { "Overboeking naar uw geldrekening bij flatexDEGIRO Bank: 250 EUR" } else { "Transfer to your cash account at flatexDEGIRO Bank: 250 EUR" },
                "currency": "EUR", "change": num("250"), "type": "FLATEX_CASH_SWEEP"
            }));
        }
        if month % 12 == 0 {
            let at = month_start + Duration::days(1);
            movements.push(json!({
                "id": id(), "date": local(at), "valueDate": local(at),
                "description": if dutch { "DEGIRO Aansluitingskosten 2023 (Euronext Amsterdam - EAM)" } else { "DEGIRO Exchange Connection Fee 2024 (Nasdaq - NDQ)" },
                "currency": "EUR", "change": num("-2.5"), "type": "CASH_TRANSACTION"
            }));
        }
        if month % 6 == 5 {
            let at = month_start + Duration::days(28);
            movements.push(json!({
                "id": id(), "date": local(at), "valueDate": local(at),
                "description": if dutch { "Rente" } else { "Flatex Interest Income" },
                "currency": "EUR", "change": num("1.37"), "type": "CASH_TRANSACTION"
            }));
        }
        if month == 10 {
            let at = month_start + Duration::days(12);
            movements.push(json!({
                "id": id(), "date": local(at), "valueDate": local(at), "description": "Terugstorting",
                "currency": "EUR", "change": num("-800"), "type": "PAYMENT"
            }));
            movements.push(json!({
                "id": id(), "date": local(at + Duration::hours(2)), "valueDate": local(at),
                "description": "iDEAL storting", "currency": "EUR", "type": "PAYMENT"
            }));
        }
        if month == 4 {
            // The money-market fund as DEGIRO books it: a conversion with no
            // change, then the fund's price change.
            let at = month_start + Duration::days(16);
            movements.push(json!({
                "id": id(), "date": local(at), "valueDate": local(at),
                "description": "Conversie geldmarktfonds: Koop 0,0251 @ 9.940,12 EUR", "productId": 15694498,
                "currency": "EUR", "change": null, "type": "CASH_FUND_TRANSACTION"
            }));
            movements.push(json!({
                "id": id(), "date": local(at + Duration::days(1)), "valueDate": local(at + Duration::days(1)),
                "description": "Koersverandering geldmarktfonds (EUR)", "productId": 15694498,
                "currency": "EUR", "change": num("0.03"), "type": "CASH_FUND_NAV_CHANGE"
            }));
        }
        if month == 20 {
            let at = month_start + Duration::days(14);
            movements.push(json!({
                "id": id(), "date": local(at), "valueDate": local(at),
                "description": "Corporate action: spin-off Prosus Holding", "productId": 1154322,
                "currency": "EUR", "change": num("12.4"), "type": "CASH_TRANSACTION"
            }));
        }
    }
    Booked { trades, movements }
}

#[cfg(test)]
mod tests {
    use super::*;

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
