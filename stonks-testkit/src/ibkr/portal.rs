//! The Client Portal Web API's answers for the book's last day, with live
//! prices (the next day's), shaped like the gateway's: JSON numbers that
//! are floats, a strike sent as a string, nulls where a stock has no
//! option fields.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::account::{
    ACCOUNT_EUR, ACCOUNT_USD, Book, LAST_DAY, conversion_rate, day, price, proceeds,
};

/// The session id `/tickle` answers (a secret).
pub const SESSION: &str = "b7c4f2a91e0d5c3f8a6b2e9d4c1f7a30";

/// When the gateway computed the ledger (Unix seconds: 31 October 2024,
/// 12:00 UTC).
pub const LEDGER_TIME: i64 = 1_730_376_000;

/// Positions per page, as IBKR's docs state it.
pub const PAGE_SIZE: usize = 100;

fn number(v: Decimal) -> Value {
    // The gateway sends floats; their shortest text is the decimal.
    v.normalize()
        .to_string()
        .parse::<f64>()
        .map_or(Value::Null, Value::from)
}

fn base(account: &str) -> &'static str {
    if account == ACCOUNT_USD { "USD" } else { "EUR" }
}

/// `/portfolio/accounts`.
pub fn accounts() -> Value {
    let one = |id: &str, title: &str, kind: &str| {
        json!({
            "id": id, "accountId": id, "accountVan": id, "accountTitle": title,
            "displayName": id, "accountAlias": null, "accountStatus": 1640995200000i64,
            "currency": base(id), "type": kind, "tradingType": "STKCASH",
            "businessType": "IB_PROSERVE", "ibEntity": "IBIE", "faclient": false,
            "clearingStatus": "O", "covestor": false, "noClientTrading": false,
            "trackVirtualFXPortfolio": true,
            "parent": {"mmc": [], "accountId": "", "isMParent": false, "isMChild": false, "isMultiplex": false},
            "desc": id
        })
    };
    json!([
        one(ACCOUNT_EUR, "Jane Mock", "INDIVIDUAL"),
        one(ACCOUNT_USD, "Jane Mock", "JOINT")
    ])
}

/// The live price of each holding: the next day's.
fn live_day() -> chrono::NaiveDate {
    day(LAST_DAY).succ_opt().unwrap_or(day(LAST_DAY))
}

/// Every position of `account`, as `/portfolio/{acct}/positions/{page}`
/// rows.
pub fn positions(book: &Book, account: &str) -> Vec<Value> {
    let state = book.state(account, day(LAST_DAY));
    state
        .holdings
        .values()
        .map(|(sec, h)| {
            let mark = price(sec, live_day());
            let value = -proceeds(sec, h.quantity, mark);
            let option = sec.category == "OPT";
            let avg_cost = (h.cost / h.quantity).round_dp(6);
            let class = if sec.category == "OPT" { "OPT" } else { sec.category };
            json!({
                "acctId": account,
                "conid": sec.conid,
                "contractDesc": if option { "AAPL   JAN2025 200 C [AAPL  250117C00200000 100]" } else { sec.symbol },
                "position": number(h.quantity),
                "mktPrice": number(mark),
                "mktValue": number(value),
                "currency": sec.currency,
                "avgCost": number(avg_cost),
                "avgPrice": number(if option { (avg_cost / Decimal::from(100)).round_dp(6) } else { avg_cost }),
                "realizedPnl": 0.0,
                "unrealizedPnl": number(value - h.cost),
                "exchs": null,
                "expiry": if option { json!("20250117") } else { Value::Null },
                "putOrCall": if option { json!("C") } else { Value::Null },
                "multiplier": if option { json!(100.0) } else { json!(0.0) },
                // A strike is a number for some rows, a string for others.
                "strike": if option { json!("200") } else { json!(0.0) },
                "exerciseStyle": null,
                "conExchMap": [],
                "assetClass": class,
                "undConid": if option { 265598 } else { 0 },
                "model": "",
                "time": 26,
                "listingExchange": sec.exchange,
                "countryCode": if sec.currency == "EUR" { "NL" } else { "US" },
                "name": sec.description,
                "fullName": if option { "AAPL JAN2025 200 C" } else { sec.description },
                "ticker": if option { "AAPL" } else { sec.symbol },
                "isin": sec.isin,
                "type": if sec.sub_category == "ETF" { "ETF" } else { "COMMON" },
                "hasOptions": !option,
                "isUS": sec.currency == "USD",
                "isEventContract": false,
                "pageSize": PAGE_SIZE
            })
        })
        .collect()
}

/// `/portfolio/{acct}/ledger`: cash per currency and the `BASE` whole.
pub fn ledger(book: &Book, account: &str) -> Value {
    let state = book.state(account, day(LAST_DAY));
    let home = base(account);
    let mut out = serde_json::Map::new();
    let mut total = Decimal::ZERO;
    for (cur, cash) in &state.cash {
        let rate = if *cur == home {
            Decimal::ONE
        } else {
            conversion_rate(cur, home, day(LAST_DAY))
        };
        total += *cash * rate;
        out.insert(
            (*cur).to_owned(),
            json!({
                "commoditymarketvalue": 0.0, "futuremarketvalue": 0.0,
                "settledcash": number(*cash), "exchangerate": number(rate),
                "sessionid": 1, "cashbalance": number(*cash), "corporatebondsmarketvalue": 0.0,
                "warrantsmarketvalue": 0.0, "netliquidationvalue": number(*cash),
                "interest": 0.0, "unrealizedpnl": 0.0, "stockmarketvalue": 0.0,
                "moneyfunds": 0.0, "currency": cur, "realizedpnl": 0.0, "funds": 0.0,
                "acctcode": account, "issueroptionsmarketvalue": 0.0, "key": "LedgerList",
                "timestamp": LEDGER_TIME, "severity": 0, "stockoptionmarketvalue": 0.0,
                "futuresonlypnl": 0.0, "tbondsmarketvalue": 0.0, "futureoptionmarketvalue": 0.0,
                "cashbalancefxsegment": 0.0, "secondkey": cur, "tbillsmarketvalue": 0.0,
                "endofbundle": 1, "dividends": 0.0
            }),
        );
    }
    out.insert(
        "BASE".to_owned(),
        json!({
            "currency": "BASE", "secondkey": "BASE", "acctcode": account, "key": "LedgerList",
            "cashbalance": number(total.round_dp(2)), "settledcash": number(total.round_dp(2)),
            "exchangerate": 1.0, "timestamp": LEDGER_TIME, "severity": 0, "endofbundle": 1
        }),
    );
    Value::Object(out)
}

/// `/tickle`.
pub fn tickle(authenticated: bool) -> Value {
    json!({
        "session": SESSION, "ssoExpires": 566000, "collission": false, "userId": 123456789,
        "hmds": {"error": "no bridge"},
        "iserver": {"authStatus": auth_status(authenticated)}
    })
}

/// `/iserver/auth/status`.
pub fn auth_status(authenticated: bool) -> Value {
    json!({
        "authenticated": authenticated, "competing": !authenticated, "connected": true,
        "message": "", "MAC": "98:F2:B3:23:BF:A0", "fail": "",
        "serverInfo": {"serverName": "JifN19053", "serverVersion": "Build 10.25.0b, Sep 14, 2023 5:44:17 PM"}
    })
}
