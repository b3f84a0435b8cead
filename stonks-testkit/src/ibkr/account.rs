//! The two accounts `MockIbkr` serves, built in code so that every number
//! a test asserts can be traced back here.
//!
//! From 3 January 2022 to 30 October 2024:
//!
//! * `U7012345` (base EUR, individual): EUR deposits every quarter and one
//!   withdrawal; EUR sold for USD every quarter and three times more
//!   (`EUR.USD` currency trades); a monthly buy of
//!   AAPL, MSFT or VOO in turn, ASML and SAP in EUR, GE (spun off GE
//!   HealthCare, 1 for 3, January 2023), ATVI (acquired for USD 95 cash in
//!   October 2023), NVDA (split 10 for 1 in June 2024), a US Treasury note
//!   (10,000 face, with its coupons) and two AAPL January 2025 calls; a VOO
//!   buy cancelled the next day and booked again; 12 MSFT moved in from
//!   another broker (ACATS); AAPL sold in August 2024; dividends of AAPL,
//!   MSFT, VOO (15 % US tax) and SAP (26.375 % German tax), one MSFT
//!   dividend reversed and booked again with its tax corrected, one VOO
//!   payment in lieu with its tax; monthly market-data fees (one refunded),
//!   a commission adjustment, credit interest on EUR from 2023 and one
//!   debit interest on USD; USD 5,000 moved to the other account.
//! * `U7012346` (base USD, joint): quarterly USD deposits, quarterly VOO
//!   buys and their dividends, monthly interest from 2023, and the USD
//!   5,000 from the first account.
//!
//! Every event has IBKR's ids (`transactionID`, `tradeID`, `actionID`);
//! prices and rates come from deterministic functions of the day, so the
//! statements' positions and cash are what the events add up to.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use rust_decimal::{Decimal, RoundingStrategy};

/// The first account (base EUR).
pub const ACCOUNT_EUR: &str = "U7012345";

/// The second account (base USD).
pub const ACCOUNT_USD: &str = "U7012346";

/// The first day of history.
pub const FIRST_DAY: (i32, u32, u32) = (2022, 1, 3);

/// The last day of history (the last statement's `toDate`).
pub const LAST_DAY: (i32, u32, u32) = (2024, 10, 30);

/// A security the accounts hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Security {
    /// IBKR's contract id.
    pub conid: u64,
    /// The symbol.
    pub symbol: &'static str,
    /// IBKR's description.
    pub description: &'static str,
    /// The ISIN, when it has one.
    pub isin: Option<&'static str>,
    /// The trading currency.
    pub currency: &'static str,
    /// `assetCategory`.
    pub category: &'static str,
    /// `subCategory`.
    pub sub_category: &'static str,
    /// `listingExchange`.
    pub exchange: &'static str,
    /// Units per contract (100 for the options).
    pub multiplier: u32,
    /// The price on 3 January 2022, in cents (percent of face for the bond).
    pub base_cents: i64,
}

macro_rules! security {
    ($conid:expr, $symbol:expr, $description:expr, $isin:expr, $cur:expr, $cat:expr, $sub:expr, $exch:expr, $mult:expr, $cents:expr) => {
        Security {
            conid: $conid,
            symbol: $symbol,
            description: $description,
            isin: $isin,
            currency: $cur,
            category: $cat,
            sub_category: $sub,
            exchange: $exch,
            multiplier: $mult,
            base_cents: $cents,
        }
    };
}

/// Every security of the book.
pub fn securities() -> Vec<Security> {
    vec![
        security!(
            265598,
            "AAPL",
            "APPLE INC",
            Some("US0378331005"),
            "USD",
            "STK",
            "COMMON",
            "NASDAQ",
            1,
            17_800
        ),
        security!(
            272093,
            "MSFT",
            "MICROSOFT CORP",
            Some("US5949181045"),
            "USD",
            "STK",
            "COMMON",
            "NASDAQ",
            1,
            33_500
        ),
        security!(
            136155102,
            "VOO",
            "VANGUARD S&P 500 ETF",
            Some("US9229083632"),
            "USD",
            "STK",
            "ETF",
            "ARCA",
            1,
            43_600
        ),
        security!(
            4815747,
            "NVDA",
            "NVIDIA CORP",
            Some("US67066G1040"),
            "USD",
            "STK",
            "COMMON",
            "NASDAQ",
            1,
            30_100
        ),
        security!(
            117902840,
            "ASML",
            "ASML HOLDING NV",
            Some("NL0010273215"),
            "EUR",
            "STK",
            "COMMON",
            "AEB",
            1,
            70_200
        ),
        security!(
            14204,
            "SAP",
            "SAP SE",
            Some("DE0007164600"),
            "EUR",
            "STK",
            "COMMON",
            "IBIS",
            1,
            12_500
        ),
        security!(
            498406,
            "GE",
            "GENERAL ELECTRIC CO",
            Some("US3696043013"),
            "USD",
            "STK",
            "COMMON",
            "NYSE",
            1,
            9_500
        ),
        security!(
            589316251,
            "GEHC",
            "GE HEALTHCARE TECHNOLOGY",
            Some("US36266G1076"),
            "USD",
            "STK",
            "COMMON",
            "NASDAQ",
            1,
            6_400
        ),
        security!(
            52424577,
            "ATVI",
            "ACTIVISION BLIZZARD INC",
            Some("US00507V1098"),
            "USD",
            "STK",
            "COMMON",
            "NASDAQ",
            1,
            6_700
        ),
        security!(
            637533450,
            "T 4 1/8 07/31/28",
            "T 4 1/8 07/31/28",
            Some("US91282CHQ78"),
            "USD",
            "BOND",
            "",
            "",
            1,
            9_925
        ),
        security!(
            689216371,
            "AAPL  250117C00200000",
            "AAPL 17JAN25 200 C",
            None,
            "USD",
            "OPT",
            "C",
            "CBOE",
            100,
            1_850
        ),
        security!(
            12087792, "EUR.USD", "EUR.USD", None, "USD", "CASH", "", "", 1, 0
        ),
    ]
}

/// The security with `symbol`.
pub fn security(symbol: &str) -> Security {
    securities()
        .into_iter()
        .find(|s| s.symbol == symbol)
        .unwrap_or_else(|| securities().remove(0))
}

/// NVDA's 10-for-1 split.
pub const NVDA_SPLIT: (i32, u32, u32) = (2024, 6, 10);

pub(crate) fn day(ymd: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap_or_default()
}

fn days_in(date: NaiveDate) -> i64 {
    (date - day(FIRST_DAY)).num_days()
}

/// The closing price of `s` on `date` (before NVDA's split, NVDA's old
/// price), cents: a slow drift and a daily wiggle (a bond: near its
/// first price, in percent of face, three decimals).
pub fn price(s: &Security, date: NaiveDate) -> Decimal {
    let d = days_in(date).max(0);
    let wiggle = (d * 7919 + (s.conid % 1000) as i64) % 200 - 100;
    if s.category == "BOND" {
        // A note trades near par: a few hundredths of a percent a day.
        return Decimal::new(s.base_cents * 10 + wiggle, 3);
    }
    let mut cents = s.base_cents + s.base_cents * d / 2_500 + wiggle * s.base_cents / 20_000;
    if s.symbol == "NVDA" && date >= day(NVDA_SPLIT) {
        cents /= 10;
    }
    Decimal::new(cents.max(1), 2)
}

/// USD per EUR on `date`, six decimals.
pub fn eur_usd(date: NaiveDate) -> Decimal {
    let d = days_in(date).max(0);
    Decimal::new(1_050_000 + (d * 211) % 80_000, 6)
}

/// One unit of `from` in `to` on `date` (`USD`, `EUR`, `GBP`, `CHF`), five
/// decimals: IBKR's `ConversionRate`.
pub fn conversion_rate(from: &str, to: &str, date: NaiveDate) -> Decimal {
    let d = days_in(date).max(0);
    let in_usd = |c: &str| match c {
        "EUR" => eur_usd(date),
        "GBP" => Decimal::new(1_240_000 + (d * 173) % 60_000, 6),
        "CHF" => Decimal::new(1_080_000 + (d * 97) % 50_000, 6),
        _ => Decimal::ONE,
    };
    (in_usd(from) / in_usd(to)).round_dp_with_strategy(5, RoundingStrategy::MidpointAwayFromZero)
}

fn cents(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// What happened.
#[derive(Debug, Clone)]
pub enum Kind {
    /// An execution (of a currency pair: a conversion).
    Trade {
        /// What was traded.
        security: Security,
        /// Signed: positive bought.
        quantity: Decimal,
        /// The price (percent of face for the bond).
        price: Decimal,
        /// Negative.
        commission: Decimal,
        /// The commission's currency.
        commission_currency: &'static str,
        /// IBKR's `tradeID`.
        trade_id: u64,
        /// The trade this cancels: its `tradeID` and `transactionID`.
        cancels: Option<(u64, u64)>,
    },
    /// A cash transaction.
    Cash {
        /// IBKR's `type`.
        kind: &'static str,
        /// Its currency.
        currency: &'static str,
        /// Signed.
        amount: Decimal,
        /// The security it is about.
        security: Option<Security>,
        /// IBKR's description.
        description: String,
        /// IBKR's `actionID`.
        action_id: Option<u64>,
        /// When it was reported, when later than it happened.
        reported: Option<NaiveDate>,
    },
    /// A corporate action line.
    Corporate {
        /// IBKR's code.
        code: &'static str,
        /// The security whose units change.
        security: Security,
        /// Signed.
        quantity: Decimal,
        /// Cash received.
        proceeds: Decimal,
        /// The cost basis moved, when stated.
        cost_basis: Option<Decimal>,
        /// IBKR's description.
        description: String,
    },
    /// Units or cash moved in or out.
    Transfer {
        /// `ACATS`, `INTERNAL`.
        kind: &'static str,
        /// The security, or `None` for cash.
        security: Option<Security>,
        /// The currency.
        currency: &'static str,
        /// Signed units.
        quantity: Decimal,
        /// Signed cash.
        cash: Decimal,
        /// The unit price it was moved at.
        price: Decimal,
        /// The other account or broker.
        counterpart: &'static str,
        /// IBKR's description.
        description: &'static str,
    },
}

/// One event of one account.
#[derive(Debug, Clone)]
pub struct Event {
    /// Whose.
    pub account: &'static str,
    /// New York local time.
    pub at: NaiveDateTime,
    /// IBKR's `transactionID`.
    pub transaction_id: u64,
    /// What happened.
    pub kind: Kind,
}

impl Event {
    /// The cash it moves, per currency.
    pub fn cash(&self) -> Vec<(&'static str, Decimal)> {
        match &self.kind {
            Kind::Trade {
                security,
                quantity,
                price,
                commission,
                commission_currency,
                ..
            } => {
                let mut out = vec![(security.currency, proceeds(security, *quantity, *price))];
                if security.category == "CASH" {
                    out.push(("EUR", *quantity));
                }
                out.push((commission_currency, *commission));
                out
            }
            Kind::Cash {
                currency, amount, ..
            } => vec![(currency, *amount)],
            Kind::Corporate {
                security, proceeds, ..
            } => vec![(security.currency, *proceeds)],
            Kind::Transfer { currency, cash, .. } => vec![(currency, *cash)],
        }
    }

    /// The units of a security it moves.
    pub fn units(&self) -> Option<(Security, Decimal)> {
        match &self.kind {
            Kind::Trade {
                security, quantity, ..
            } if security.category != "CASH" => Some((security.clone(), *quantity)),
            Kind::Corporate {
                security, quantity, ..
            } => Some((security.clone(), *quantity)),
            Kind::Transfer {
                security: Some(s),
                quantity,
                ..
            } => Some((s.clone(), *quantity)),
            _ => None,
        }
    }
}

/// A trade's cash before commission: `-quantity x price x multiplier`
/// (percent of face for bonds).
pub fn proceeds(s: &Security, quantity: Decimal, price: Decimal) -> Decimal {
    let value = if s.category == "BOND" {
        quantity * price / Decimal::ONE_HUNDRED
    } else {
        quantity * price * Decimal::from(s.multiplier)
    };
    cents(-value)
}

/// The book: every event of both accounts, in time order.
#[derive(Debug, Clone)]
pub struct Book {
    /// The events.
    pub events: Vec<Event>,
}

/// A position: units and their cost (average cost), in its currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holding {
    /// Units.
    pub quantity: Decimal,
    /// What they cost.
    pub cost: Decimal,
}

/// What an account holds at some moment.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Cash per currency.
    pub cash: BTreeMap<&'static str, Decimal>,
    /// Holdings by conid.
    pub holdings: BTreeMap<u64, (Security, Holding)>,
}

impl State {
    fn apply(&mut self, e: &Event) {
        for (cur, amount) in e.cash() {
            *self.cash.entry(cur).or_default() += amount;
        }
        let Some((s, qty)) = e.units() else {
            return;
        };
        let cost_in = match &e.kind {
            Kind::Trade {
                security,
                quantity,
                price,
                commission,
                ..
            } => -proceeds(security, *quantity, *price) - *commission,
            Kind::Corporate { cost_basis, .. } => cost_basis.unwrap_or_default(),
            Kind::Transfer {
                price, quantity, ..
            } => cents(*price * *quantity),
            Kind::Cash { .. } => Decimal::ZERO,
        };
        let (_, h) = self
            .holdings
            .entry(s.conid)
            .or_insert_with(|| (s.clone(), Holding::default()));
        let before = h.quantity;
        h.quantity += qty;
        let reduces = qty.is_sign_negative() && !before.is_zero();
        h.cost = if h.quantity.is_zero() {
            Decimal::ZERO
        } else if reduces && matches!(e.kind, Kind::Trade { .. } | Kind::Corporate { .. }) {
            cents(h.cost * h.quantity / before)
        } else {
            h.cost + cost_in
        };
        if let Kind::Corporate {
            code: "SO",
            cost_basis: Some(moved),
            ..
        } = &e.kind
            && let Some((_, parent)) = self.holdings.get_mut(&security("GE").conid)
        {
            parent.cost -= *moved;
        }
        self.holdings.retain(|_, (_, h)| !h.quantity.is_zero());
    }

    /// The units of `s` held.
    pub fn units(&self, s: &Security) -> Decimal {
        self.holdings
            .get(&s.conid)
            .map_or(Decimal::ZERO, |(_, h)| h.quantity)
    }
}

impl Book {
    /// What `account` holds after every event up to the end of `date`.
    pub fn state(&self, account: &str, date: NaiveDate) -> State {
        let mut s = State::default();
        for e in self
            .events
            .iter()
            .filter(|e| e.account == account && e.at.date() <= date)
        {
            s.apply(e);
        }
        s
    }

    /// The events of `account` from `from` to `to`, both included.
    pub fn between(
        &self,
        account: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &Event> {
        self.events
            .iter()
            .filter(move |e| e.account == account && e.at.date() >= from && e.at.date() <= to)
    }
}

/// Builds the book day by day, with the holdings so far.
struct Builder {
    events: Vec<Event>,
    states: BTreeMap<&'static str, State>,
    next_tx: u64,
    next_trade: u64,
    next_action: u64,
}

fn at(date: NaiveDate, h: u32, m: u32, s: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(h, m, s).unwrap_or(NaiveTime::MIN))
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

impl Builder {
    fn push(&mut self, account: &'static str, at: NaiveDateTime, kind: Kind) -> u64 {
        self.next_tx += 7;
        let e = Event {
            account,
            at,
            transaction_id: self.next_tx,
            kind,
        };
        self.states.entry(account).or_default().apply(&e);
        self.events.push(e);
        self.next_tx
    }

    fn held(&self, account: &str, symbol: &str) -> Decimal {
        self.states
            .get(account)
            .map_or(Decimal::ZERO, |s| s.units(&security(symbol)))
    }

    /// Buys (or sells, negative) `qty` at the day's price; its tradeID and
    /// transactionID.
    fn trade(
        &mut self,
        account: &'static str,
        when: NaiveDateTime,
        symbol: &str,
        qty: i64,
    ) -> (u64, u64) {
        let s = security(symbol);
        let p = price(&s, when.date());
        self.trade_at(account, when, s, Decimal::from(qty), p, None)
    }

    fn trade_at(
        &mut self,
        account: &'static str,
        when: NaiveDateTime,
        s: Security,
        quantity: Decimal,
        price: Decimal,
        cancels: Option<(u64, u64)>,
    ) -> (u64, u64) {
        self.next_trade += 3;
        let trade_id = self.next_trade;
        let (commission, commission_currency) = match (s.category, s.currency) {
            _ if cancels.is_some() => (Decimal::ZERO, s.currency),
            ("CASH", _) => (dec("-2"), "USD"),
            ("OPT", _) => (dec("-1.30"), "USD"),
            ("BOND", _) => (dec("-5"), "USD"),
            (_, "EUR") => (dec("-3"), "EUR"),
            _ => (dec("-1"), "USD"),
        };
        let tx = self.push(
            account,
            when,
            Kind::Trade {
                security: s,
                quantity,
                price,
                commission,
                commission_currency,
                trade_id,
                cancels,
            },
        );
        (trade_id, tx)
    }

    /// Sells `eur` euros for dollars at the day's rate.
    fn convert(&mut self, when: NaiveDateTime, eur: i64) {
        let rate = eur_usd(when.date()).round_dp(4);
        self.trade_at(
            ACCOUNT_EUR,
            when,
            security("EUR.USD"),
            Decimal::from(-eur),
            rate,
            None,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn cash(
        &mut self,
        account: &'static str,
        when: NaiveDateTime,
        kind: &'static str,
        currency: &'static str,
        amount: Decimal,
        security: Option<Security>,
        description: String,
        action_id: Option<u64>,
    ) -> u64 {
        self.push(
            account,
            when,
            Kind::Cash {
                kind,
                currency,
                amount,
                security,
                description,
                action_id,
                reported: None,
            },
        )
    }

    /// A dividend of `per_share` on what `account` holds of `symbol`, with
    /// its withholding at `tax_rate`.
    fn dividend(
        &mut self,
        account: &'static str,
        date: NaiveDate,
        symbol: &str,
        per_share: &str,
        tax_rate: &str,
        country: &str,
    ) {
        let shares = self.held(account, symbol);
        if shares.is_zero() {
            return;
        }
        let s = security(symbol);
        let ps = dec(per_share);
        let gross = cents(shares * ps);
        self.next_action += 11;
        let action = self.next_action;
        let when = at(date, 20, 20, 0);
        let text = format!(
            "{}({}) CASH DIVIDEND {} {} PER SHARE",
            s.symbol,
            s.isin.unwrap_or_default(),
            s.currency,
            per_share
        );
        self.cash(
            account,
            when,
            "Dividends",
            s.currency,
            gross,
            Some(s.clone()),
            format!("{text} (Ordinary Dividend)"),
            Some(action),
        );
        let tax = cents(gross * dec(tax_rate));
        self.cash(
            account,
            when,
            "Withholding Tax",
            s.currency,
            -tax,
            Some(s),
            format!("{text} - {country} TAX"),
            Some(action),
        );
    }
}

/// The first Monday to Friday on or after `y-m-d`.
fn business_day(y: i32, m: u32, d: u32) -> NaiveDate {
    let mut date = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        date = date.succ_opt().unwrap_or(date);
    }
    date
}

fn first_weekday(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    let mut d = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
    while d.weekday() != weekday {
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

/// Quarterly dividends: `(symbol, month in quarter cycle, day, per share by
/// year 2022, 2023, 2024)`.
const DIVIDENDS: &[(&str, [u32; 4], u32, [&str; 3])] = &[
    ("AAPL", [2, 5, 8, 11], 11, ["0.22", "0.23", "0.24"]),
    ("MSFT", [3, 6, 9, 12], 9, ["0.62", "0.68", "0.75"]),
    ("VOO", [3, 6, 9, 12], 28, ["1.4", "1.5", "1.6"]),
];

/// The book of both accounts.
pub fn book() -> Book {
    let mut b = Builder {
        events: Vec::new(),
        states: BTreeMap::new(),
        next_tx: 2_150_000_000,
        next_trade: 1_010_000_000,
        next_action: 130_000_000,
    };
    let first = day(FIRST_DAY);
    let last = day(LAST_DAY);
    let mut date = first;
    let mut month_index = 0usize;
    while date <= last {
        let (y, m, d) = (date.year(), date.month(), date.day());
        let yi = (y - 2022) as usize;
        // U7012345.
        if date == first {
            b.cash(
                ACCOUNT_EUR,
                at(date, 9, 30, 0),
                "Deposits/Withdrawals",
                "EUR",
                dec("25000"),
                None,
                "CASH RECEIPTS / ELECTRONIC FUND TRANSFERS".into(),
                None,
            );
            b.cash(
                ACCOUNT_USD,
                at(date, 9, 30, 0),
                "Deposits/Withdrawals",
                "USD",
                dec("10000"),
                None,
                "CASH RECEIPTS / ELECTRONIC FUND TRANSFERS".into(),
                None,
            );
        }
        if (date == day((2022, 1, 4))) || date == day((2023, 1, 10)) || date == day((2024, 1, 9)) {
            b.convert(at(date, 11, 2, 17), 8_000);
        }
        // The first business day of a quarter: a deposit in each account.
        if m % 3 == 1 && date == business_day(y, m, 1) && date != first {
            b.cash(
                ACCOUNT_EUR,
                at(date, 9, 30, 0),
                "Deposits/Withdrawals",
                "EUR",
                dec("6000"),
                None,
                "CASH RECEIPTS / ELECTRONIC FUND TRANSFERS".into(),
                None,
            );
            b.cash(
                ACCOUNT_USD,
                at(date, 9, 30, 0),
                "Deposits/Withdrawals",
                "USD",
                dec("2500"),
                None,
                "CASH RECEIPTS / ELECTRONIC FUND TRANSFERS".into(),
                None,
            );
            b.convert(at(date, 11, 2, 17), 5_000);
        }
        // The monthly buy, on the first Tuesday.
        if date == first_weekday(y, m, Weekday::Tue) {
            let symbol = ["AAPL", "MSFT", "VOO"][month_index % 3];
            let qty = match symbol {
                "AAPL" => 5,
                "MSFT" => 3,
                _ => 2,
            };
            b.trade(ACCOUNT_EUR, at(date, 10, 4, 31), symbol, qty);
            if month_index.is_multiple_of(3) {
                b.trade(ACCOUNT_USD, at(date, 10, 31, 5), "VOO", 4);
            }
            month_index += 1;
            // Market data, every month; the first of 2023 refunded.
            b.cash(
                ACCOUNT_EUR,
                at(date, 20, 20, 0),
                "Other Fees",
                "USD",
                dec("-1.50"),
                None,
                format!(
                    "P*****45:NASDAQ (NETWORK C/UTP) TRADING FOR {}",
                    date.format("%b-%Y").to_string().to_uppercase()
                ),
                None,
            );
            if date == first_weekday(2023, 1, Weekday::Tue) {
                b.cash(
                    ACCOUNT_EUR,
                    at(date + chrono::Days::new(2), 20, 20, 0),
                    "Other Fees",
                    "USD",
                    dec("1.50"),
                    None,
                    "P*****45:NASDAQ (NETWORK C/UTP) TRADING FOR JAN-2023 REFUND".into(),
                    None,
                );
            }
        }
        // One-off trades.
        match (y, m, d) {
            (2022, 2, 8) => {
                b.trade(ACCOUNT_EUR, at(date, 9, 12, 44), "SAP", 20);
                b.trade(ACCOUNT_EUR, at(date, 15, 41, 2), "ATVI", 25);
            }
            (2022, 3, 15) => {
                let s = security("MSFT");
                b.push(
                    ACCOUNT_EUR,
                    at(date, 0, 0, 0),
                    Kind::Transfer {
                        kind: "ACATS",
                        security: Some(s.clone()),
                        currency: "USD",
                        quantity: dec("12"),
                        cash: Decimal::ZERO,
                        price: price(&s, date),
                        counterpart: "DTC 0226",
                        description: "MICROSOFT CORP",
                    },
                );
            }
            (2022, 3, 16) => {
                b.trade(ACCOUNT_EUR, at(date, 10, 3, 9), "ASML", 5);
            }
            (2022, 6, 14) => {
                b.trade(ACCOUNT_EUR, at(date, 11, 45, 0), "GE", 30);
            }
            (2023, 1, 4) => {
                // GE HealthCare spun off: 1 GEHC for 3 GE.
                let ge = b.held(ACCOUNT_EUR, "GE");
                let new = ge / Decimal::from(3);
                b.push(ACCOUNT_EUR, at(date, 20, 25, 0), Kind::Corporate {
                    code: "SO",
                    security: security("GEHC"),
                    quantity: new,
                    proceeds: Decimal::ZERO,
                    cost_basis: Some(dec("412.80")),
                    description: "GE(US3696043013) SPINOFF  1 FOR 3 (GEHC, GE HEALTHCARE TECHNOLOGY, US36266G1076)".into(),
                });
            }
            (2023, 3, 14) => {
                // A VOO buy cancelled the next day and booked again.
                let s = security("VOO");
                let p = price(&s, date);
                let (tid, tx) = b.trade_at(
                    ACCOUNT_EUR,
                    at(date, 10, 15, 0),
                    s.clone(),
                    dec("10"),
                    p,
                    None,
                );
                b.trade_at(
                    ACCOUNT_EUR,
                    at(date, 10, 15, 0),
                    s.clone(),
                    dec("-10"),
                    p,
                    Some((tid, tx)),
                );
                b.trade_at(
                    ACCOUNT_EUR,
                    at(date, 10, 16, 30),
                    s,
                    dec("10"),
                    p + dec("0.05"),
                    None,
                );
            }
            (2023, 5, 16) => {
                b.trade(ACCOUNT_EUR, at(date, 14, 2, 51), "NVDA", 8);
            }
            (2023, 6, 28) => {
                // A payment in lieu of VOO's dividend (shares lent out), its tax.
                let s = security("VOO");
                let text = "VOO(US9229083632) PAYMENT IN LIEU OF DIVIDEND (Ordinary Dividend)";
                b.cash(
                    ACCOUNT_EUR,
                    at(date, 20, 20, 0),
                    "Payment In Lieu Of Dividends",
                    "USD",
                    dec("4.62"),
                    Some(s.clone()),
                    text.into(),
                    None,
                );
                b.cash(
                    ACCOUNT_EUR,
                    at(date, 20, 20, 0),
                    "Withholding Tax",
                    "USD",
                    dec("-0.69"),
                    Some(s),
                    "VOO(US9229083632) PAYMENT IN LIEU OF DIVIDEND - US TAX".into(),
                    None,
                );
            }
            (2023, 7, 18) => {
                let s = security("T 4 1/8 07/31/28");
                b.trade_at(
                    ACCOUNT_EUR,
                    at(date, 10, 30, 0),
                    s,
                    dec("10000"),
                    dec("99.25"),
                    None,
                );
            }
            (2023, 10, 13) => {
                // Activision acquired for USD 95 a share.
                let held = b.held(ACCOUNT_EUR, "ATVI");
                b.push(
                    ACCOUNT_EUR,
                    at(date, 20, 25, 0),
                    Kind::Corporate {
                        code: "TC",
                        security: security("ATVI"),
                        quantity: -held,
                        proceeds: cents(held * dec("95")),
                        cost_basis: None,
                        description: "ATVI(US00507V1098) MERGED(Acquisition) WITH USD 95 PER SHARE"
                            .into(),
                    },
                );
            }
            (2023, 11, 20) => {
                b.cash(
                    ACCOUNT_EUR,
                    at(date, 20, 20, 0),
                    "Commission Adjustments",
                    "USD",
                    dec("0.35"),
                    None,
                    "COMMISSION ADJUSTMENT FOR OCT-2023".into(),
                    None,
                );
            }
            (2024, 1, 31) | (2024, 7, 31) => {
                let s = security("T 4 1/8 07/31/28");
                b.cash(
                    ACCOUNT_EUR,
                    at(date, 20, 20, 0),
                    "Bond Interest Received",
                    "USD",
                    dec("206.25"),
                    Some(s),
                    "T 4 1/8 07/31/28 - BOND COUPON PAYMENT".into(),
                    None,
                );
            }
            (2024, 2, 13) => {
                b.cash(
                    ACCOUNT_EUR,
                    at(date, 9, 0, 0),
                    "Deposits/Withdrawals",
                    "EUR",
                    dec("-1500"),
                    None,
                    "DISBURSEMENT INITIATED BY Jane Mock".into(),
                    None,
                );
            }
            (2024, 3, 5) => {
                b.cash(
                    ACCOUNT_EUR,
                    at(date, 20, 20, 0),
                    "Broker Interest Paid",
                    "USD",
                    dec("-0.84"),
                    None,
                    "USD DEBIT INT FOR FEB-2024".into(),
                    None,
                );
            }
            (2024, 4, 2) => {
                for (account, sign, counterpart, text) in [
                    (ACCOUNT_EUR, -1, ACCOUNT_USD, "TRANSFER TO U7012346"),
                    (ACCOUNT_USD, 1, ACCOUNT_EUR, "TRANSFER FROM U7012345"),
                ] {
                    b.push(
                        account,
                        at(date, 0, 0, 0),
                        Kind::Transfer {
                            kind: "INTERNAL",
                            security: None,
                            currency: "USD",
                            quantity: Decimal::ZERO,
                            cash: Decimal::from(5000 * sign),
                            price: Decimal::ZERO,
                            counterpart,
                            description: text,
                        },
                    );
                }
            }
            (2024, 6, 10) => {
                let held = b.held(ACCOUNT_EUR, "NVDA");
                b.push(
                    ACCOUNT_EUR,
                    at(date, 20, 25, 0),
                    Kind::Corporate {
                        code: "FS",
                        security: security("NVDA"),
                        quantity: held * Decimal::from(9),
                        proceeds: Decimal::ZERO,
                        cost_basis: None,
                        description:
                            "NVDA(US67066G1040) SPLIT 10 FOR 1 (NVDA, NVIDIA CORP, US67066G1040)"
                                .into(),
                    },
                );
            }
            (2024, 6, 18) => {
                let s = security("AAPL  250117C00200000");
                b.trade_at(
                    ACCOUNT_EUR,
                    at(date, 13, 20, 11),
                    s,
                    dec("2"),
                    dec("18.50"),
                    None,
                );
            }
            (2024, 8, 6) => {
                b.trade(ACCOUNT_EUR, at(date, 15, 58, 40), "AAPL", -10);
            }
            _ => {}
        }
        // Dividends.
        for (symbol, months, dd, per_share) in DIVIDENDS {
            if months.contains(&m) && date == business_day(y, m, *dd) {
                let reversed = (*symbol, y, m) == ("MSFT", 2023, 9);
                b.dividend(ACCOUNT_EUR, date, symbol, per_share[yi], "0.15", "US");
                if *symbol == "VOO" {
                    b.dividend(ACCOUNT_USD, date, symbol, per_share[yi], "0.15", "US");
                }
                if reversed {
                    reverse_last_dividend(&mut b);
                }
            }
        }
        if m == 5 && date == business_day(y, 5, 17) {
            b.dividend(
                ACCOUNT_EUR,
                date,
                "SAP",
                ["2.45", "2.05", "2.20"][yi],
                "0.26375",
                "DE",
            );
        }
        // Interest on cash, from 2023, on the third business day.
        if y >= 2023 && date == business_day(y, m, 3) {
            let eur = b
                .states
                .get(ACCOUNT_EUR)
                .and_then(|s| s.cash.get("EUR").copied())
                .unwrap_or_default();
            let usd = b
                .states
                .get(ACCOUNT_USD)
                .and_then(|s| s.cash.get("USD").copied())
                .unwrap_or_default();
            let month = (date - chrono::Days::new(5))
                .format("%b-%Y")
                .to_string()
                .to_uppercase();
            if eur > Decimal::ZERO {
                let i = cents(eur * dec("0.0021"));
                b.cash(
                    ACCOUNT_EUR,
                    at(date, 20, 20, 0),
                    "Broker Interest Received",
                    "EUR",
                    i,
                    None,
                    format!("EUR CREDIT INT FOR {month}"),
                    None,
                );
            }
            if usd > Decimal::ZERO {
                let i = cents(usd * dec("0.0031"));
                b.cash(
                    ACCOUNT_USD,
                    at(date, 20, 20, 0),
                    "Broker Interest Received",
                    "USD",
                    i,
                    None,
                    format!("USD CREDIT INT FOR {month}"),
                    None,
                );
            }
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    b.events.sort_by_key(|e| (e.at, e.transaction_id));
    Book { events: b.events }
}

/// MSFT's September 2023 dividend: reversed 5 days later and booked again a
/// cent higher, its tax reversed and booked again on the new amount.
fn reverse_last_dividend(b: &mut Builder) {
    let found = b.events.iter().rev().find_map(|e| match &e.kind {
        Kind::Cash {
            kind: "Dividends",
            amount,
            security,
            description,
            action_id,
            ..
        } => Some((
            e.at,
            *amount,
            security.clone(),
            description.clone(),
            *action_id,
        )),
        _ => None,
    });
    let tax = b.events.iter().rev().find_map(|e| match &e.kind {
        Kind::Cash {
            kind: "Withholding Tax",
            amount,
            description,
            ..
        } => Some((*amount, description.clone())),
        _ => None,
    });
    let (Some((when, amount, s, text, action)), Some((tax_amount, tax_text))) = (found, tax) else {
        return;
    };
    let reported = when.date() + chrono::Days::new(5);
    let rebooked = amount + dec("0.01");
    for (kind, value, description) in [
        ("Dividends", -amount, format!("{text} - REVERSAL")),
        ("Dividends", rebooked, text.clone()),
        ("Withholding Tax", -tax_amount, tax_text.clone()),
        (
            "Withholding Tax",
            -cents(rebooked * dec("0.15")),
            tax_text.clone(),
        ),
    ] {
        b.push(
            ACCOUNT_EUR,
            when,
            Kind::Cash {
                kind,
                currency: "USD",
                amount: value,
                security: s.clone(),
                description,
                action_id: action,
                reported: Some(reported),
            },
        );
    }
}
