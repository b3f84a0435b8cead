//! The realistic account `MockBitvavo` serves, built in code so every number
//! a test asserts can be traced back here.
//!
//! * 24 assets; 23 balances, among them EUR cash (part of it held back by
//!   an open order, `inOrder`), dust (DOGE, ALGO), a zero balance (LTC), an
//!   asset whose EUR market has no price (FET) and one with no EUR market at
//!   all (XNO, deposited from a wallet);
//! * staked ETH and SOL, kept apart from `/balance` as Bitvavo does;
//! * 2 years of history: monthly EUR deposits, weekly buys of every asset
//!   held in turn, sells (LTC sold out, DOGE and ALGO down to dust), weekly
//!   staking rewards, crypto withdrawals, a crypto deposit, an affiliate
//!   payout, an internal transfer of USDC and a type newer than this code
//!   (`launchpool_reward`).
//!
//! No balance is written down: `/balance` and `/stakingBalance` are what the
//! history adds up to ([`totals`]), split by what open orders hold back
//! ([`IN_ORDER`]) and what is staked ([`STAKED_PRINCIPAL`] and the rewards),
//! so the account stays one a real exchange could report. No asset goes
//! below zero at any point of the history.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

/// One asset: symbol, name, decimals, EUR price (None: market has no price),
/// whether it has an EUR market at all.
pub(crate) struct AssetRow {
    pub symbol: &'static str,
    pub name: &'static str,
    pub decimals: u32,
    pub eur_price: Option<&'static str>,
    pub eur_market: bool,
}

const fn asset(
    symbol: &'static str,
    name: &'static str,
    decimals: u32,
    eur_price: Option<&'static str>,
    eur_market: bool,
) -> AssetRow {
    AssetRow {
        symbol,
        name,
        decimals,
        eur_price,
        eur_market,
    }
}

pub(crate) const ASSETS: &[AssetRow] = &[
    asset("EUR", "Euro", 2, None, false),
    asset("BTC", "Bitcoin", 8, Some("87432.15"), true),
    asset("ETH", "Ethereum", 8, Some("2987.40"), true),
    asset("SOL", "Solana", 8, Some("128.33"), true),
    asset("ADA", "Cardano", 6, Some("0.3871"), true),
    asset("DOT", "Polkadot", 8, Some("3.912"), true),
    asset("XRP", "XRP", 6, Some("2.0145"), true),
    asset("LTC", "Litecoin", 8, Some("84.27"), true),
    asset("LINK", "Chainlink", 8, Some("12.884"), true),
    asset("POL", "Polygon Ecosystem Token", 8, Some("0.1523"), true),
    asset("AVAX", "Avalanche", 8, Some("13.37"), true),
    asset("ATOM", "Cosmos", 6, Some("2.911"), true),
    asset("DOGE", "Dogecoin", 8, Some("0.14237"), true),
    asset("SHIB", "Shiba Inu", 8, Some("0.000008321"), true),
    asset("UNI", "Uniswap", 8, Some("5.812"), true),
    asset("AAVE", "Aave", 8, Some("171.55"), true),
    asset("XLM", "Stellar", 7, Some("0.2431"), true),
    asset("ALGO", "Algorand", 6, Some("0.1412"), true),
    asset("NEAR", "NEAR Protocol", 8, Some("1.903"), true),
    asset("1INCH", "1inch", 8, Some("0.1788"), true),
    asset("USDC", "USD Coin", 6, Some("0.9402"), true),
    asset("TRX", "TRON", 6, Some("0.2411"), true),
    asset(
        "FET",
        "Artificial Superintelligence Alliance",
        8,
        None,
        true,
    ),
    asset("XNO", "Nano", 8, None, false),
];

/// What open limit orders hold back, `(symbol, inOrder)`: part of the
/// balance, not available.
pub(crate) const IN_ORDER: &[(&str, &str)] = &[("EUR", "250.00"), ("BTC", "0.005")];

/// What was moved into staking before the history begins, `(symbol,
/// amount)`; every staking reward is staked again, so `/stakingBalance`
/// is this plus the rewards and `/balance` holds the rest. Bitvavo's
/// history records no move into or out of staking.
pub(crate) const STAKED_PRINCIPAL: &[(&str, &str)] = &[("ETH", "0.05"), ("SOL", "0.5")];

/// A Nano wallet, which the XNO (no EUR market: it can only be deposited)
/// came from.
const NANO_WALLET: &str = "nano_3t6k35gi95xu6tergt6p69ck76ogmitsa8mnijtpxm9fkcm736xtoncuohr3";

/// The dust left after selling all but crumbs: `(symbol, units)`.
const DUST: &[(&str, &str)] = &[("DOGE", "0.00000012"), ("ALGO", "0.000001")];

/// The account holder's bank account, which EUR deposits come from.
pub(crate) const IBAN: &str = "NL91ABNA0417164300";

/// Assets bought in the weekly buys, in rotation (four rounds in two
/// years): every asset the account holds except XNO, which has no EUR
/// market and came in as a deposit; bitcoin most often.
const BOUGHT: &[&str] = &[
    "ETH", "SOL", "BTC", "ADA", "DOT", "XRP", "LINK", "BTC", "USDC", "AVAX", "ATOM", "POL", "BTC",
    "DOGE", "SHIB", "UNI", "AAVE", "BTC", "XLM", "ALGO", "NEAR", "1INCH", "BTC", "LTC", "FET",
    "ETH",
];

pub(crate) fn assets_json() -> Value {
    Value::Array(
        ASSETS
            .iter()
            .map(|a| {
                json!({
                    "symbol": a.symbol, "name": a.name, "decimals": a.decimals,
                    "depositFee": "0", "depositConfirmations": 10, "depositStatus": "OK",
                    "withdrawalFee": "0.2", "withdrawalMinAmount": "0.2", "withdrawalStatus": "OK",
                    "networks": ["Mainnet"], "message": ""
                })
            })
            .collect(),
    )
}

pub(crate) fn markets_json() -> Value {
    Value::Array(
        ASSETS
            .iter()
            .filter(|a| a.eur_market)
            .map(|a| {
                json!({
                    "market": format!("{}-EUR", a.symbol), "status": "trading", "base": a.symbol,
                    "quote": "EUR", "pricePrecision": "5", "tickSize": "0.01",
                    "quantityDecimals": a.decimals.to_string(), "notionalDecimals": "2",
                    "minOrderInBaseAsset": "0.0001", "maxOrderInBaseAsset": "1000000",
                    "minOrderInQuoteAsset": "5", "maxOrderInQuoteAsset": "1000000000",
                    "maxOpenOrders": "100", "orderTypes": ["market", "limit"]
                })
            })
            .collect(),
    )
}

/// Every EUR market with a price, plus a few BTC-quoted markets as the real
/// endpoint lists them too.
pub(crate) fn prices_json() -> Value {
    let mut out: Vec<Value> = ASSETS
        .iter()
        .filter_map(|a| Some(json!({"market": format!("{}-EUR", a.symbol), "price": a.eur_price?})))
        .collect();
    out.push(json!({"market": "ETH-BTC", "price": "0.034168"}));
    out.push(json!({"market": "SOL-BTC", "price": "0.0014678"}));
    Value::Array(out)
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

fn amount(item: &Value, field: &str) -> Decimal {
    item[field].as_str().map(dec).unwrap_or_default()
}

fn lookup(table: &[(&str, &str)], symbol: &str) -> Decimal {
    table
        .iter()
        .find(|(s, _)| *s == symbol)
        .map_or(Decimal::ZERO, |(_, a)| dec(a))
}

/// What the history adds up to, per asset: every asset it ever moved (a
/// sold-out one at zero), oldest entry first. What an entry received comes
/// in and what it sent goes out; a trade's fee is charged beside its
/// amounts, in the fee's currency (EUR here: on top of a buy's `sentAmount`,
/// out of a sell's `receivedAmount`), while a deposit's or withdrawal's
/// amount is what moved on the account, its fee within it (Bitvavo takes a
/// withdrawal's network fee out of the amount unless asked to add it).
/// Staking rewards come in as any receipt; `/balance` and
/// `/stakingBalance` split the total between them.
pub(crate) fn totals(history: &[Value]) -> Vec<(String, Decimal)> {
    let mut totals: std::collections::HashMap<String, Decimal> = Default::default();
    for item in history.iter().rev() {
        if let Some(c) = item["receivedCurrency"].as_str() {
            *totals.entry(c.to_owned()).or_default() += amount(item, "receivedAmount");
        }
        if let Some(c) = item["sentCurrency"].as_str() {
            *totals.entry(c.to_owned()).or_default() -= amount(item, "sentAmount");
        }
        if matches!(item["type"].as_str(), Some("buy" | "sell"))
            && let Some(c) = item["feesCurrency"].as_str()
        {
            *totals.entry(c.to_owned()).or_default() -= amount(item, "feesAmount");
        }
    }
    // In the order of `/assets`; an asset never moved has no balance.
    ASSETS
        .iter()
        .filter_map(|a| Some((a.symbol.to_owned(), *totals.get(a.symbol)?)))
        .collect()
}

/// The staked amount of `symbol`: its principal and every reward since.
fn staked(history: &[Value], symbol: &str) -> Decimal {
    let rewards: Decimal = history
        .iter()
        .filter(|i| i["type"] == "staking" && i["receivedCurrency"] == symbol)
        .map(|i| amount(i, "receivedAmount"))
        .sum();
    lookup(STAKED_PRINCIPAL, symbol) + rewards
}

/// Text as Bitvavo sends a balance: EUR in cents, a coin without trailing
/// zeros.
fn shown(symbol: &str, amount: Decimal) -> String {
    if symbol == "EUR" {
        format!("{:.2}", amount)
    } else {
        amount.normalize().to_string()
    }
}

/// `(symbol, available, inOrder)` as `/balance` sends them: what the
/// history adds up to, less what is staked, split into what open orders
/// hold back and the rest.
pub(crate) fn balances(history: &[Value]) -> Vec<(String, String, String)> {
    totals(history)
        .into_iter()
        .map(|(symbol, total)| {
            let available = total - staked(history, &symbol) - lookup(IN_ORDER, &symbol);
            let in_order = IN_ORDER
                .iter()
                .find(|(s, _)| *s == symbol)
                .map_or("0", |(_, text)| text)
                .to_owned();
            (symbol.clone(), shown(&symbol, available), in_order)
        })
        .collect()
}

pub(crate) fn balances_json(history: &[Value]) -> Value {
    Value::Array(
        balances(history)
            .into_iter()
            .map(|(s, a, o)| json!({"symbol": s, "available": a, "inOrder": o}))
            .collect(),
    )
}

pub(crate) fn staking_json(history: &[Value]) -> Value {
    Value::Array(
        STAKED_PRINCIPAL
            .iter()
            .map(
                |(s, _)| json!({"symbol": s, "amount": staked(history, s).normalize().to_string()}),
            )
            .collect(),
    )
}

/// A deterministic UUID-shaped id.
fn uuid(n: u64) -> String {
    let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5A5_5A5A_1234_5678;
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xfff,
        (x >> 20) & 0xfff,
        n
    )
}

fn price_of(symbol: &str, week: i64) -> Decimal {
    let base: Decimal = ASSETS
        .iter()
        .find(|a| a.symbol == symbol)
        .and_then(|a| a.eur_price)
        .and_then(|p| p.parse().ok())
        .unwrap_or(Decimal::ONE);
    // Prices wander by up to +-20 % over the weeks.
    let wobble = Decimal::new(80 + (week * 37 % 41), 2);
    (base * wobble).round_dp(base.scale().max(2))
}

/// The decimals Bitvavo keeps of an asset.
fn decimals(symbol: &str) -> u32 {
    ASSETS
        .iter()
        .find(|a| a.symbol == symbol)
        .map_or(8, |a| a.decimals)
}

/// A sale of `qty` units of `symbol` for EUR at the week's price, its fee
/// out of the proceeds.
fn sell(at: DateTime<Utc>, symbol: &str, qty: Decimal, week: i64) -> Item {
    let price = price_of(symbol, week);
    let eur = (qty * price).round_dp(2);
    Item {
        at,
        kind: "sell",
        fields: json!({
            "priceCurrency": "EUR", "priceAmount": price.to_string(),
            "sentCurrency": symbol, "sentAmount": qty.to_string(),
            "receivedCurrency": "EUR", "receivedAmount": eur.to_string(),
            "feesCurrency": "EUR", "feesAmount": (eur * Decimal::new(25, 4)).round_dp(2).to_string()
        }),
    }
}

/// One history item in Bitvavo's shape; absent fields are left out, as the
/// real endpoint does.
struct Item {
    at: DateTime<Utc>,
    kind: &'static str,
    fields: Value,
}

fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The full history, newest first, as `/account/history` pages through it.
pub(crate) fn history() -> Vec<Value> {
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let mut items: Vec<Item> = Vec::new();
    for month in 0..24 {
        let at = start + Duration::days(month * 30);
        items.push(Item {
            at,
            kind: "deposit",
            fields: json!({"receivedCurrency": "EUR", "receivedAmount": "500", "feesCurrency": "EUR", "feesAmount": "0",
                           "address": IBAN}),
        });
    }
    // What the buys and sells so far leave of each asset, to sell out of.
    let mut held: std::collections::HashMap<&str, Decimal> = Default::default();
    for week in 0..104i64 {
        let at = start + Duration::days(week * 7 + 2) + Duration::minutes(week * 13 % 600);
        let symbol = BOUGHT[(week as usize) % BOUGHT.len()];
        let price = price_of(symbol, week);
        let eur = Decimal::new(50 + week % 5 * 25, 0);
        let qty = (eur / price).round_dp_with_strategy(decimals(symbol), RoundingStrategy::ToZero);
        let fee = (eur * Decimal::new(25, 4)).round_dp(2);
        *held.entry(symbol).or_default() += qty;
        items.push(Item {
            at,
            kind: "buy",
            fields: json!({
                "priceCurrency": "EUR", "priceAmount": price.to_string(),
                "sentCurrency": "EUR", "sentAmount": eur.to_string(),
                "receivedCurrency": symbol, "receivedAmount": qty.to_string(),
                "feesCurrency": "EUR", "feesAmount": fee.to_string()
            }),
        });
        // Weekly staking rewards on ETH, every other week on SOL (each
        // after its first buy).
        let reward_at = at + Duration::days(3);
        items.push(Item {
            at: reward_at,
            kind: "staking",
            fields: json!({"receivedCurrency": "ETH", "receivedAmount": Decimal::new(51 + week % 7, 6).to_string()}),
        });
        if week % 2 == 1 {
            items.push(Item {
                at: reward_at + Duration::hours(1),
                kind: "staking",
                fields: json!({"receivedCurrency": "SOL", "receivedAmount": Decimal::new(2_300 + week * 3, 5).to_string()}),
            });
        }
        if week % 26 == 24 {
            items.push(sell(
                at + Duration::hours(5),
                "BTC",
                Decimal::new(1, 3),
                week,
            ));
        }
        if week % 26 == 20 {
            items.push(Item {
                at: at + Duration::days(1),
                kind: "withdrawal",
                fields: json!({
                    "sentCurrency": "BTC", "sentAmount": "0.0025",
                    "feesCurrency": "BTC", "feesAmount": "0.00003",
                    "address": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"
                }),
            });
        }
    }
    // After the last buys: LTC sold out (a zero balance), DOGE and ALGO
    // sold down to dust.
    let end = start + Duration::days(104 * 7);
    for (n, symbol) in ["LTC", "DOGE", "ALGO"].into_iter().enumerate() {
        let all = held.get(symbol).copied().unwrap_or_default();
        let qty = all - lookup(DUST, symbol);
        items.push(sell(end + Duration::hours(n as i64 + 1), symbol, qty, 104));
    }
    let odd = [
        (
            start + Duration::days(45),
            "affiliate",
            json!({"receivedCurrency": "EUR", "receivedAmount": "10"}),
        ),
        (
            start + Duration::days(150) + Duration::hours(7),
            "deposit",
            json!({"receivedCurrency": "XNO", "receivedAmount": "3", "feesCurrency": "XNO", "feesAmount": "0",
                   "address": NANO_WALLET}),
        ),
        (
            start + Duration::days(200),
            "internal_transfer",
            json!({"sentCurrency": "USDC", "sentAmount": "25"}),
        ),
        (
            start + Duration::days(400),
            "launchpool_reward",
            json!({"receivedCurrency": "NEAR", "receivedAmount": "0.5"}),
        ),
        (
            start + Duration::days(500),
            "withdrawal",
            json!({
                "sentCurrency": "EUR", "sentAmount": "300", "feesCurrency": "EUR", "feesAmount": "0",
                "address": "NL91ABNA0417164300"
            }),
        ),
    ];
    for (at, kind, fields) in odd {
        items.push(Item { at, kind, fields });
    }
    items.sort_by_key(|item| std::cmp::Reverse(item.at));
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let mut v = json!({
                "transactionId": uuid(i as u64 + 1),
                "executedAt": iso(item.at),
                "type": item.kind,
            });
            if let (Value::Object(dst), Value::Object(src)) = (&mut v, item.fields) {
                dst.extend(src);
            }
            v
        })
        .collect()
}

/// `/ticker/24h` for one EUR market with a price: the day's candle around
/// the current price.
pub(crate) fn ticker_24h(a: &AssetRow, now_ms: i64) -> Option<Value> {
    let last: Decimal = a.eur_price?.parse().ok()?;
    let scale = last.scale().max(2);
    let pct = |n: i64| (last * Decimal::new(n, 3)).round_dp(scale).to_string();
    Some(json!({
        "market": format!("{}-EUR", a.symbol),
        "startTimestamp": now_ms - 86_400_000, "timestamp": now_ms,
        "openTimestamp": now_ms - 86_400_000 + 1_200, "closeTimestamp": now_ms - 900,
        "open": pct(982), "high": pct(1_021), "low": pct(975), "last": last.to_string(),
        "volume": "1843.27", "volumeQuote": (last * Decimal::new(184_327, 2)).round_dp(2).to_string(),
        "bid": pct(999), "bidSize": "0.5", "ask": pct(1_001), "askSize": "0.75"
    }))
}

/// The close of `a`'s EUR market `days_back` days before today: a path
/// that rises about 4x over seven years with a daily wobble of up to 2 %,
/// ending today at the asset's price (`None`: no trades, no candles).
pub(crate) fn daily_close(a: &AssetRow, days_back: i64) -> Option<Decimal> {
    let last: Decimal = a.eur_price?.parse().ok()?;
    let wobble = if days_back == 0 {
        0
    } else {
        (days_back * 37 % 41) - 20
    };
    let trend = (10_000 - 3 * days_back).max(1_500);
    let factor = Decimal::new(trend + 10 * wobble, 4);
    Some((last * factor).round_dp(last.scale().max(2)))
}

/// Every daily candle of `a`'s EUR market from 2020-01-01 to `today`,
/// newest first, as Bitvavo sends them: `[start ms, "open", "high", "low",
/// "close", "volume"]`, the prices as strings.
pub(crate) fn daily_candles(a: &AssetRow, today: chrono::NaiveDate) -> Vec<Value> {
    let (y, m, d) = super::FIRST_CANDLE_DAY;
    let first = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or(today);
    let days = (today - first).num_days();
    (0..=days)
        .filter_map(|back| {
            let close = daily_close(a, back)?;
            let open = daily_close(a, back + 1).unwrap_or(close);
            let scale = close.scale().max(open.scale());
            let high = (open.max(close) * Decimal::new(1_012, 3)).round_dp(scale);
            let low = (open.min(close) * Decimal::new(985, 3)).round_dp(scale);
            let day = today - Duration::days(back);
            let ms = day
                .and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_millis();
            let volume = Decimal::new(1_000_000 + (back * 7_919) % 500_000, 4);
            Some(json!([
                ms,
                open.to_string(),
                high.to_string(),
                low.to_string(),
                close.to_string(),
                volume.to_string()
            ]))
        })
        .collect()
}

/// Milliseconds since the epoch of an item's `executedAt`.
pub(crate) fn executed_ms(item: &Value) -> i64 {
    item["executedAt"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map_or(0, |t| t.timestamp_millis())
}
