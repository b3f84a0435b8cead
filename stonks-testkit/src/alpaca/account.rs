//! The paper account `MockAlpaca` serves, built in code so every number a
//! test asserts can be traced back here.
//!
//! A year (2021) of activity, generated day by day:
//!
//! * a cash deposit (`CSD`) on the first weekday of every month, one
//!   withdrawal (`CSW`), a cash journal (`JNLC`) and a stock journal of MSFT
//!   (`JNLS`);
//! * a weekly buy on Mondays, AAPL and VOO in turn, one of them a VOO order
//!   of 10 filled in three parts (two `partial_fill`s and a `fill`); NVDA
//!   bought three times before its 4-for-1 split (`SPLIT`, two legs); AAPL
//!   sold every quarter, each sale with its regulatory fee (`FEE`);
//! * 0.0125 BTC/USD bought on the 15th of every month and sold once, each fill with
//!   its crypto fee (`CFEE`: in BTC for buys, in USD for the sale);
//! * quarterly dividends (`DIV`) of AAPL and VOO on the shares held, each
//!   with a 15 % withholding (`DIVNRA`) on the same date;
//! * monthly interest (`INT`) on the cash held.
//!
//! Positions and cash are what that history leaves, valued at the last
//! prices below, so the ledger adds up to the portfolio.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

/// The account's id (`account_id` of every activity).
pub const ACCOUNT_ID: &str = "b3f2a6e4-7c1d-4e8a-9f05-2d6c8e1a4b7f";

/// The account number: names the account of every position and entry.
pub const ACCOUNT_NUMBER: &str = "PA3MOCK7Q2XZ";

const YEAR: i32 = 2021;

/// Last and previous close of each held symbol (position form), its
/// exchange and asset class.
pub(crate) const QUOTES: &[(&str, &str, &str, &str, &str)] = &[
    ("AAPL", "177.57", "178.20", "NASDAQ", "us_equity"),
    ("VOO", "436.57", "437.92", "ARCA", "us_equity"),
    ("NVDA", "294.11", "295.86", "NASDAQ", "us_equity"),
    ("MSFT", "336.32", "339.32", "NASDAQ", "us_equity"),
    ("BTCUSD", "46306.45", "47150.71", "CRYPTO", "crypto"),
];

/// The last close of a held symbol (position form: `BTCUSD`).
pub(crate) fn last_price(symbol: &str) -> Option<Decimal> {
    QUOTES.iter().find(|q| q.0 == symbol)?.1.parse().ok()
}

/// `(symbol, date)` of every split in the activities.
pub(crate) fn splits(activities: &[Activity]) -> Vec<(String, NaiveDate)> {
    let mut out: Vec<(String, NaiveDate)> = activities
        .iter()
        .filter(|a| a.kind == "SPLIT")
        .filter_map(|a| {
            let symbol = a.json["symbol"].as_str()?.to_owned();
            let date = NaiveDate::parse_from_str(a.json["date"].as_str()?, "%Y-%m-%d").ok()?;
            Some((symbol, date))
        })
        .collect();
    out.dedup();
    out
}

/// `(date, symbol, per share)` of the dividends paid.
const DIVIDENDS: &[((u32, u32), &str, &str)] = &[
    ((2, 11), "AAPL", "0.205"),
    ((3, 30), "VOO", "1.2636"),
    ((5, 13), "AAPL", "0.22"),
    ((6, 30), "VOO", "1.3348"),
    ((8, 12), "AAPL", "0.22"),
    ((9, 29), "VOO", "1.3085"),
    ((11, 11), "AAPL", "0.22"),
    ((12, 28), "VOO", "1.5329"),
];

/// The withholding rate on dividends (a treaty rate for a non-US holder).
const WITHHOLDING: Decimal = Decimal::from_parts(15, 0, 0, false, 2);

/// One activity as the mock serves it.
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    /// `<yyyyMMddHHmmssSSS in New York time>::<uuid>`: sorts as `at` does.
    pub id: String,
    /// The time `after` and `until` compare: a fill's `transaction_time`,
    /// midnight UTC of another activity's `date`.
    pub at: DateTime<Utc>,
    /// Its `activity_type`.
    pub kind: &'static str,
    /// The JSON served.
    pub json: Value,
}

/// A deterministic version-4 UUID for `seed`.
pub(crate) fn uuid(seed: u64) -> String {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let (a, b) = (mix(seed), mix(seed ^ 0x5bd1_e995));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

fn day(month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(YEAR, month, d).unwrap_or_default()
}

fn nth_sunday(month: u32, n: u64) -> NaiveDate {
    let first = day(month, 1);
    let to_sunday = u64::from((7 - first.weekday().num_days_from_sunday()) % 7);
    first + Days::new(to_sunday + 7 * (n - 1))
}

/// New York's offset from UTC in hours on `date` (daylight time from the
/// second Sunday of March to the first Sunday of November).
fn new_york_behind_utc(date: NaiveDate) -> i64 {
    if date >= nth_sunday(3, 2) && date < nth_sunday(11, 1) {
        4
    } else {
        5
    }
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

/// Deterministic daily prices, in cents, by day of the year.
fn price(symbol: &str, date: NaiveDate) -> Decimal {
    let n = i64::from(date.ordinal());
    cents(match symbol {
        "AAPL" => 12_850 + n * 14 + (n * 7 % 5) * 37,
        "VOO" => 34_500 + n * 20 + (n * 3 % 7) * 29,
        "NVDA" => 52_000 + n * 130 + (n % 3) * 55,
        "MSFT" => 30_183,
        // Whole multiples of $8, so 0.0125 BTC costs whole cents.
        _ => (3_000_000 + n * 8_000 + (n * 13 % 17) * 4_100) / 800 * 800,
    })
}

#[derive(Default)]
struct Holding {
    qty: Decimal,
    cost: Decimal,
}

/// The account as its history is generated: activities, cash, holdings.
#[derive(Default)]
pub(crate) struct Book {
    pub activities: Vec<Activity>,
    pub cash: Decimal,
    holdings: BTreeMap<String, Holding>,
    seq: u64,
}

impl Book {
    fn next_uuid(&mut self) -> String {
        self.seq += 1;
        uuid(self.seq)
    }

    fn hold(&mut self, symbol: &str) -> &mut Holding {
        self.holdings.entry(symbol.replace('/', "")).or_default()
    }

    /// A non-trade activity on `date`, with `fields` added.
    fn nta(
        &mut self,
        date: NaiveDate,
        kind: &'static str,
        net: Decimal,
        description: &str,
        fields: Value,
    ) {
        let id = format!("{}000000000::{}", date.format("%Y%m%d"), self.next_uuid());
        let mut json = json!({
            "id": id, "account_id": ACCOUNT_ID, "activity_type": kind,
            "date": date.format("%Y-%m-%d").to_string(), "net_amount": net.to_string(),
            "description": description, "status": "executed", "currency": "USD",
        });
        if let (Some(out), Value::Object(extra)) = (json.as_object_mut(), fields) {
            out.extend(extra);
        }
        self.cash += net;
        self.activities.push(Activity {
            id,
            at: date.and_time(chrono::NaiveTime::MIN).and_utc(),
            kind,
            json,
        });
    }

    /// One fill of `qty` at `price`, at `hh:mm` New York time, of the order
    /// `(id, filled so far, left)`, with its cash and holding.
    fn fill(
        &mut self,
        (date, (hh, mm)): (NaiveDate, (u32, u32)),
        symbol: &str,
        side: &str,
        (qty, price): (Decimal, Decimal),
        order: (&str, Decimal, Decimal),
    ) {
        let (order_id, cum, leaves) = order;
        let ms = self.seq % 1000;
        let local = date
            .and_hms_milli_opt(hh, mm, 7, ms as u32)
            .unwrap_or_default();
        let at = Utc.from_utc_datetime(&local) + chrono::Duration::hours(new_york_behind_utc(date));
        let id = format!("{}::{}", local.format("%Y%m%d%H%M%S%3f"), self.next_uuid());
        let value = qty * price;
        let h = self.hold(symbol);
        if side == "buy" {
            h.cost += value;
            h.qty += qty;
        } else {
            h.cost -= (h.cost * qty / h.qty).round_dp(2);
            h.qty -= qty;
        }
        self.cash += if side == "buy" { -value } else { value };
        let (kind, status) = if leaves.is_zero() {
            ("fill", "filled")
        } else {
            ("partial_fill", "partially_filled")
        };
        self.activities.push(Activity {
            json: json!({
                "id": id, "account_id": ACCOUNT_ID, "activity_type": "FILL",
                "transaction_time": at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                "type": kind, "price": price.to_string(), "qty": qty.to_string(), "side": side,
                "symbol": symbol, "leaves_qty": leaves.to_string(), "cum_qty": cum.to_string(),
                "order_id": order_id, "order_status": status,
            }),
            id,
            at,
            kind: "FILL",
        });
    }

    /// A whole order filled at once.
    fn order(
        &mut self,
        date: NaiveDate,
        at: (u32, u32),
        symbol: &str,
        side: &str,
        qty: Decimal,
        price: Decimal,
    ) {
        let order_id = self.next_uuid();
        self.fill(
            (date, at),
            symbol,
            side,
            (qty, price),
            (&order_id, qty, Decimal::ZERO),
        );
    }

    /// A dividend on the shares held and its withholding, on `date`.
    fn dividend(&mut self, date: NaiveDate, symbol: &str, per_share: Decimal) {
        let qty = self.hold(symbol).qty;
        let gross = (qty * per_share).round_dp(2);
        let tax = (gross * WITHHOLDING).round_dp(2);
        let fields = json!({"symbol": symbol, "qty": qty.to_string(), "per_share_amount": per_share.to_string()});
        self.nta(
            date,
            "DIV",
            gross,
            &format!("Cash DIV @ {per_share}, Pos QTY: {qty}"),
            fields,
        );
        let fields = json!({"symbol": symbol, "qty": qty.to_string()});
        self.nta(date, "DIVNRA", -tax, "DIV NRA Withheld", fields);
    }

    /// A 4-for-1 split of `symbol`: the old shares out, four times as many in.
    fn split(&mut self, date: NaiveDate, symbol: &str) {
        let old = self.hold(symbol).qty;
        let before = price(symbol, date);
        let new = old * Decimal::from(4);
        for (qty, px, what) in [
            (-old, before, "REMOVE"),
            (new, before / Decimal::from(4), "ADD"),
        ] {
            let fields = json!({"symbol": symbol, "qty": qty.to_string(), "price": px.to_string(), "activity_sub_type": "FSPLIT"});
            self.nta(
                date,
                "SPLIT",
                Decimal::ZERO,
                &format!("{what}, From QTY:{old}, To QTY:{new}, 4:1 forward split"),
                fields,
            );
        }
        self.hold(symbol).qty = new;
    }

    /// 0.0125 BTC/USD bought or sold, with its crypto fee.
    fn crypto(&mut self, date: NaiveDate, side: &str) {
        let px = price("BTCUSD", date);
        let qty = Decimal::new(125, 4);
        self.order(date, (11, 0), "BTC/USD", side, qty, px);
        let description = "Coin Pair Transaction Fee (Non USD)";
        if side == "buy" {
            let fee = (qty * Decimal::new(25, 4)).round_dp(9);
            let fields =
                json!({"symbol": "BTCUSD", "qty": (-fee).to_string(), "price": px.to_string()});
            self.nta(date, "CFEE", Decimal::ZERO, description, fields);
            self.hold("BTCUSD").qty -= fee;
        } else {
            let fee = (qty * px * Decimal::new(25, 4)).round_dp(2);
            self.nta(
                date,
                "CFEE",
                -fee,
                "Coin Pair Transaction Fee (USD)",
                json!({"symbol": "BTCUSD"}),
            );
        }
    }
}

/// The whole history, oldest first, and what it leaves.
pub(crate) fn book() -> Book {
    let mut b = Book::default();
    let mut week = 0;
    let mut date = day(1, 1);
    while date.year() == YEAR {
        let (m, d) = (date.month(), date.day());
        let weekday = date.weekday();
        let workday = !matches!(weekday, Weekday::Sat | Weekday::Sun);
        let first_workday = workday && (d == 1 || (d <= 3 && weekday == Weekday::Mon));
        if first_workday {
            let amount = cents(if m == 1 { 1_000_000 } else { 250_000 });
            b.nta(date, "CSD", amount, "ACH deposit", json!({}));
        }
        for &((dm, dd), symbol, per_share) in DIVIDENDS {
            if (dm, dd) == (m, d) {
                b.dividend(date, symbol, per_share.parse().unwrap_or_default());
            }
        }
        match (m, d) {
            (5, 3) => b.nta(
                date,
                "JNLC",
                cents(100_000),
                "Cash journal from a linked account",
                json!({}),
            ),
            (7, 20) => b.split(date, "NVDA"),
            (9, 1) => {
                let fields =
                    json!({"symbol": "MSFT", "qty": "3", "price": price("MSFT", date).to_string()});
                b.nta(
                    date,
                    "JNLS",
                    Decimal::ZERO,
                    "Stock journal from a linked account",
                    fields,
                );
                let h = b.hold("MSFT");
                h.qty += Decimal::from(3);
                h.cost += Decimal::from(3) * price("MSFT", date);
            }
            (10, 15) => b.nta(date, "CSW", cents(-150_000), "ACH withdrawal", json!({})),
            (2, 8) | (4, 12) | (6, 14) => {
                let qty = Decimal::from(if m == 6 { 1 } else { 2 });
                b.order(date, (14, 5), "NVDA", "buy", qty, price("NVDA", date));
            }
            (4, 1) | (7, 1) | (10, 7) | (12, 2) => {
                let (qty, px) = (Decimal::from(3), price("AAPL", date));
                b.order(date, (15, 30), "AAPL", "sell", qty, px);
                let fee = (qty * px * Decimal::new(278, 7))
                    .round_dp_with_strategy(2, RoundingStrategy::AwayFromZero);
                b.nta(
                    date,
                    "FEE",
                    -fee,
                    "REG fee",
                    json!({"activity_sub_type": "REG", "symbol": "AAPL"}),
                );
            }
            (11, 24) => b.crypto(date, "sell"),
            _ => {}
        }
        if d == 15 {
            b.crypto(date, "buy");
        }
        if weekday == Weekday::Mon {
            week += 1;
            if (m, d) == (3, 15) {
                // One order of 10 VOO, filled in three parts.
                let order_id = b.next_uuid();
                let px = price("VOO", date);
                let mut cum = Decimal::ZERO;
                for (i, qty) in [4i64, 3, 3].into_iter().enumerate() {
                    cum += Decimal::from(qty);
                    let part_px = px + cents(5 * i as i64);
                    let left = Decimal::from(10) - cum;
                    let at = (date, (10, 15 + i as u32));
                    b.fill(
                        at,
                        "VOO",
                        "buy",
                        (Decimal::from(qty), part_px),
                        (&order_id, cum, left),
                    );
                }
            } else {
                let symbol = if week % 2 == 0 { "VOO" } else { "AAPL" };
                b.order(
                    date,
                    (10, 15),
                    symbol,
                    "buy",
                    Decimal::ONE,
                    price(symbol, date),
                );
            }
        }
        let month_end = (date + Days::new(1)).month() != m;
        if month_end {
            let interest = (b.cash * Decimal::new(1, 3) / Decimal::from(12)).round_dp(2);
            if interest > Decimal::ZERO {
                b.nta(
                    date,
                    "INT",
                    interest,
                    "Interest credit",
                    json!({"activity_sub_type": "CDT"}),
                );
            }
        }
        date = date + Days::new(1);
    }
    b.activities.sort_by(|x, y| x.id.cmp(&y.id));
    b
}

impl Book {
    fn quote(
        symbol: &str,
    ) -> Option<&'static (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    )> {
        QUOTES.iter().find(|q| q.0 == symbol)
    }

    /// The value of what is held, at the last prices.
    fn long_market_value(&self) -> Decimal {
        self.holdings
            .iter()
            .filter_map(|(s, h)| Some(h.qty * Self::quote(s)?.1.parse::<Decimal>().ok()?))
            .sum()
    }

    /// `GET /v2/positions`: every holding left, with every field alpaca-py
    /// reads, all decimals as strings.
    pub(crate) fn positions_json(&self) -> Value {
        let rows = self.holdings.iter().filter(|(_, h)| !h.qty.is_zero()).filter_map(|(symbol, h)| {
            let &(_, last, prev, exchange, class) = Self::quote(symbol)?;
            let (last, prev): (Decimal, Decimal) = (last.parse().ok()?, prev.parse().ok()?);
            let value = h.qty * last;
            let cost = h.cost.round_dp(2);
            let pl = value - cost;
            let intraday = h.qty * (last - prev);
            let seed = symbol.bytes().fold(7u64, |a, c| a.wrapping_mul(31).wrapping_add(u64::from(c)));
            Some(json!({
                "asset_id": uuid(seed), "symbol": symbol, "exchange": exchange, "asset_class": class,
                "asset_marginable": class == "us_equity", "qty": h.qty.normalize().to_string(),
                "avg_entry_price": (h.cost / h.qty).round_dp(4).to_string(), "side": "long",
                "market_value": value.to_string(), "cost_basis": cost.to_string(),
                "unrealized_pl": pl.to_string(), "unrealized_plpc": (pl / cost).round_dp(6).to_string(),
                "unrealized_intraday_pl": intraday.to_string(),
                "unrealized_intraday_plpc": ((last - prev) / prev).round_dp(6).to_string(),
                "current_price": last.to_string(), "lastday_price": prev.to_string(),
                "change_today": ((last - prev) / prev).round_dp(6).to_string(),
                "qty_available": h.qty.normalize().to_string(),
            }))
        });
        Value::Array(rows.collect())
    }

    /// `GET /v2/account`: a paper account, money as strings.
    pub(crate) fn account_json(&self) -> Value {
        // Exact cents: every fill and fee of the history is.
        let cash = self.cash.round_dp(2);
        let long = self.long_market_value();
        let equity = (cash + long).to_string();
        json!({
            "id": ACCOUNT_ID, "account_number": ACCOUNT_NUMBER, "status": "ACTIVE", "crypto_status": "ACTIVE",
            "currency": "USD", "cash": cash.to_string(), "portfolio_value": equity, "equity": equity,
            "last_equity": equity, "long_market_value": long.to_string(), "short_market_value": "0",
            "buying_power": (cash * Decimal::from(2)).to_string(), "regt_buying_power": (cash * Decimal::from(2)).to_string(),
            "daytrading_buying_power": "0", "non_marginable_buying_power": cash.to_string(),
            "options_buying_power": cash.to_string(), "accrued_fees": "0", "pending_transfer_in": "0",
            "pending_transfer_out": "0", "multiplier": "2", "initial_margin": "0", "maintenance_margin": "0",
            "last_maintenance_margin": "0", "sma": "0", "pattern_day_trader": false, "trading_blocked": false,
            "transfers_blocked": false, "account_blocked": false, "trade_suspended_by_user": false,
            "shorting_enabled": true, "daytrade_count": 0, "options_approved_level": 0, "options_trading_level": 0,
            "created_at": "2020-12-28T15:04:11.482931Z", "balance_asof": "2021-12-31",
        })
    }
}
