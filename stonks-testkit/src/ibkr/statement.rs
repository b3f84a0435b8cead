//! The book as IBKR writes it: Activity Flex statements (one
//! `FlexStatement` per account, the sections a real query selects, the
//! attributes real rows carry) and the Flex Web Service's envelopes.

use std::fmt::Write as _;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, Weekday};
use rust_decimal::{Decimal, RoundingStrategy};

use super::account::{
    ACCOUNT_EUR, ACCOUNT_USD, Book, Event, Kind, Security, State, conversion_rate, price, proceeds,
};

/// How a query writes dates, as its settings chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `yyyyMMdd` and `yyyyMMdd;HHmmss`: IBKR's defaults.
    Compact,
    /// `yyyy-MM-dd` and `yyyy-MM-dd;HH:mm:ss`.
    Iso,
}

/// One Activity Flex query of the mock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// Its id (`q` of `SendRequest`).
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The first day.
    pub from: (i32, u32, u32),
    /// The last day.
    pub to: (i32, u32, u32),
    /// Its date format.
    pub format: DateFormat,
}

/// The mock's queries: three years of history, each within 365 days, each
/// overlapping the previous by a month.
pub const QUERIES: [Query; 3] = [
    Query {
        id: "1000001",
        name: "stonks history 2022",
        from: (2022, 1, 3),
        to: (2022, 12, 30),
        format: DateFormat::Compact,
    },
    Query {
        id: "1000002",
        name: "stonks history 2023",
        from: (2022, 12, 1),
        to: (2023, 11, 30),
        format: DateFormat::Compact,
    },
    Query {
        id: "1000003",
        name: "stonks history 2024",
        from: (2023, 11, 1),
        to: (2024, 10, 30),
        format: DateFormat::Iso,
    },
];

/// The account's base currency, name and type.
fn account_info(account: &str) -> (&'static str, &'static str, &'static str) {
    if account == ACCOUNT_USD {
        ("USD", "Jane Mock", "Joint")
    } else {
        ("EUR", "Jane Mock", "Individual")
    }
}

fn ymd(t: (i32, u32, u32)) -> NaiveDate {
    super::account::day(t)
}

/// A Flex document being written.
struct Xml {
    out: String,
    format: DateFormat,
}

/// `text` escaped for an attribute value in double quotes.
fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"']) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut s = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            c => s.push(c),
        }
    }
    std::borrow::Cow::Owned(s)
}

impl Xml {
    fn date(&self, date: NaiveDate) -> String {
        match self.format {
            DateFormat::Compact => date.format("%Y%m%d").to_string(),
            DateFormat::Iso => date.format("%Y-%m-%d").to_string(),
        }
    }

    fn date_time(&self, t: NaiveDateTime) -> String {
        match self.format {
            DateFormat::Compact => t.format("%Y%m%d;%H%M%S").to_string(),
            DateFormat::Iso => t.format("%Y-%m-%d;%H:%M:%S").to_string(),
        }
    }

    /// `<name a="v" ...>`, or `<name a="v" .../>` when `empty`.
    fn tag(&mut self, name: &str, attributes: &[(&str, String)], empty: bool) {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attributes {
            let _ = write!(self.out, " {k}=\"{}\"", escape(v));
        }
        self.out.push_str(if empty { "/>\n" } else { ">\n" });
    }

    /// A data element: `<name a="v" .../>`.
    fn row(&mut self, name: &str, attributes: &[(&str, String)]) {
        self.tag(name, attributes, true);
    }

    fn open(&mut self, name: &str) {
        let _ = writeln!(self.out, "<{name}>");
    }

    fn close(&mut self, name: &str) {
        let _ = writeln!(self.out, "</{name}>");
    }
}

fn n(v: Decimal) -> String {
    v.normalize().to_string()
}

fn s(v: &str) -> String {
    v.to_owned()
}

fn cents(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The attributes every row about a security carries (empty for cash).
fn security_attributes(sec: Option<&Security>) -> Vec<(&'static str, String)> {
    let Some(sec) = sec else {
        return [
            "assetCategory",
            "subCategory",
            "symbol",
            "conid",
            "securityID",
            "securityIDType",
            "cusip",
            "isin",
            "figi",
            "listingExchange",
            "underlyingConid",
            "underlyingSymbol",
            "issuer",
            "multiplier",
            "strike",
            "expiry",
            "putCall",
            "principalAdjustFactor",
        ]
        .into_iter()
        .map(|k| (k, String::new()))
        .collect();
    };
    let option = sec.category == "OPT";
    let isin = sec.isin.unwrap_or_default();
    vec![
        ("assetCategory", s(sec.category)),
        ("subCategory", s(sec.sub_category)),
        ("symbol", s(sec.symbol)),
        ("description", s(sec.description)),
        ("conid", sec.conid.to_string()),
        ("securityID", s(isin)),
        (
            "securityIDType",
            s(if isin.is_empty() { "" } else { "ISIN" }),
        ),
        ("cusip", s(isin.get(2..11).unwrap_or_default())),
        ("isin", s(isin)),
        ("figi", String::new()),
        ("listingExchange", s(sec.exchange)),
        (
            "underlyingConid",
            if option {
                "265598".into()
            } else {
                String::new()
            },
        ),
        ("underlyingSymbol", s(if option { "AAPL" } else { "" })),
        ("issuer", String::new()),
        ("multiplier", sec.multiplier.to_string()),
        ("strike", s(if option { "200" } else { "" })),
        ("expiry", s(if option { "20250117" } else { "" })),
        ("putCall", s(if option { "C" } else { "" })),
        ("principalAdjustFactor", String::new()),
    ]
}

/// `fxRateToBase` of `currency` for `account` on `date`.
fn fx_to_base(account: &str, currency: &str, date: NaiveDate) -> Decimal {
    let (base, _, _) = account_info(account);
    if currency == base {
        Decimal::ONE
    } else {
        conversion_rate(currency, base, date)
    }
}

/// One Activity Flex statement of `query` for both accounts.
pub fn statement(book: &Book, query: &Query) -> String {
    let from = ymd(query.from);
    let to = ymd(query.to);
    let mut x = Xml {
        out: String::with_capacity(256 * 1024),
        format: query.format,
    };
    x.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x.out,
        "<FlexQueryResponse queryName=\"{}\" type=\"AF\">\n<FlexStatements count=\"2\">",
        escape(query.name)
    );
    let generated = (to + Days::new(1))
        .and_hms_opt(6, 12, 44)
        .unwrap_or_default();
    for account in [ACCOUNT_EUR, ACCOUNT_USD] {
        let (base, name, kind) = account_info(account);
        let attributes = [
            ("accountId", s(account)),
            ("fromDate", x.date(from)),
            ("toDate", x.date(to)),
            ("period", String::new()),
            ("whenGenerated", x.date_time(generated)),
        ];
        x.tag("FlexStatement", &attributes, false);
        x.row(
            "AccountInformation",
            &[
                ("accountId", s(account)),
                ("acctAlias", String::new()),
                ("model", String::new()),
                ("currency", s(base)),
                ("name", s(name)),
                ("accountType", s(kind)),
                ("customerType", s(kind)),
                ("accountCapabilities", s("Cash")),
                ("tradingPermissions", s("Stocks,Options,Bonds,Forex")),
                ("dateOpened", x.date(ymd((2021, 12, 20)))),
                ("dateFunded", x.date(ymd((2022, 1, 3)))),
                ("ibEntity", s("IBIE")),
            ],
        );
        let start = book.state(account, from - Days::new(1));
        let end = book.state(account, to);
        let events: Vec<&Event> = book.between(account, from, to).collect();
        cash_report(&mut x, account, &start, &end, &events, from, to);
        open_positions(&mut x, account, &end, to);
        trades(&mut x, account, &events);
        corporate_actions(&mut x, account, &events);
        cash_transactions(&mut x, account, &events);
        transfers(&mut x, account, &events);
        conversion_rates(&mut x, base, from, to);
        x.close("FlexStatement");
    }
    x.out.push_str("</FlexStatements>\n</FlexQueryResponse>\n");
    x.out
}

/// The cash an event moves, per currency, with the cash-report field it
/// counts under.
fn flows(e: &Event) -> Vec<(&'static str, Decimal, &'static str)> {
    let by_sign = |v: Decimal| {
        if v.is_sign_negative() {
            "netTradesPurchases"
        } else {
            "netTradesSales"
        }
    };
    match &e.kind {
        Kind::Trade {
            security,
            quantity,
            price: p,
            commission,
            commission_currency,
            ..
        } => {
            let cash = proceeds(security, *quantity, *p);
            let mut out = vec![(security.currency, cash, by_sign(cash))];
            if security.category == "CASH" {
                out.push(("EUR", *quantity, by_sign(*quantity)));
            }
            out.push((*commission_currency, *commission, "commissions"));
            out
        }
        Kind::Cash {
            kind,
            currency,
            amount,
            ..
        } => {
            let field = match *kind {
                "Deposits/Withdrawals" if amount.is_sign_negative() => "withdrawals",
                "Deposits/Withdrawals" => "deposits",
                "Dividends" => "dividends",
                "Payment In Lieu Of Dividends" => "paymentInLieu",
                "Withholding Tax" => "withholdingTax",
                "Broker Interest Paid" | "Broker Interest Received" => "brokerInterest",
                "Bond Interest Received" => "bondInterest",
                "Commission Adjustments" => "commissions",
                _ => "otherFees",
            };
            vec![(*currency, *amount, field)]
        }
        Kind::Corporate {
            security, proceeds, ..
        } => vec![(security.currency, *proceeds, "other")],
        Kind::Transfer { currency, cash, .. } => vec![(*currency, *cash, "internalTransfers")],
    }
}

/// Sets `key` to `value`, in place when the row already has it.
fn set(a: &mut Vec<(&'static str, String)>, key: &'static str, value: String) {
    match a.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => a.push((key, value)),
    }
}

const CASH_FIELDS: [&str; 14] = [
    "deposits",
    "withdrawals",
    "dividends",
    "paymentInLieu",
    "withholdingTax",
    "brokerInterest",
    "bondInterest",
    "commissions",
    "otherFees",
    "netTradesSales",
    "netTradesPurchases",
    "internalTransfers",
    "other",
    "fxTranslationGainLoss",
];

fn cash_report(
    x: &mut Xml,
    account: &str,
    start: &State,
    end: &State,
    events: &[&Event],
    from: NaiveDate,
    to: NaiveDate,
) {
    let mut currencies: Vec<&str> = start.cash.keys().chain(end.cash.keys()).copied().collect();
    currencies.sort_unstable();
    currencies.dedup();
    let mut totals: std::collections::BTreeMap<&str, Decimal> = Default::default();
    let mut rows = Vec::new();
    for cur in &currencies {
        let mut fields: std::collections::BTreeMap<&str, Decimal> = Default::default();
        for e in events {
            for (c, amount, field) in flows(e) {
                if c == *cur && !amount.is_zero() {
                    *fields.entry(field).or_default() += amount;
                }
            }
        }
        let starting = start.cash.get(cur).copied().unwrap_or_default();
        let ending = end.cash.get(cur).copied().unwrap_or_default();
        let rate = fx_to_base(account, cur, to);
        *totals.entry("startingCash").or_default() += cents(starting * rate);
        *totals.entry("endingCash").or_default() += cents(ending * rate);
        for (k, v) in &fields {
            *totals.entry(k).or_default() += cents(*v * rate);
        }
        rows.push((cur.to_string(), "Currency", starting, ending, fields));
    }
    // The base summary reconciles through the translation of other currencies.
    let flows: Decimal = CASH_FIELDS.iter().filter_map(|f| totals.get(f)).sum();
    let starting = totals.get("startingCash").copied().unwrap_or_default();
    let ending = totals.get("endingCash").copied().unwrap_or_default();
    let mut base_fields: std::collections::BTreeMap<&str, Decimal> = CASH_FIELDS
        .iter()
        .filter_map(|f| Some((*f, *totals.get(f)?)))
        .collect();
    base_fields.insert("fxTranslationGainLoss", ending - starting - flows);
    rows.insert(
        0,
        (
            "BASE_SUMMARY".to_owned(),
            "BaseCurrency",
            starting,
            ending,
            base_fields,
        ),
    );
    x.open("CashReport");
    for (cur, level, starting, ending, fields) in rows {
        let mut a = vec![
            ("accountId", s(account)),
            ("acctAlias", String::new()),
            ("model", String::new()),
            ("currency", cur.clone()),
            ("levelOfDetail", s(level)),
            ("fromDate", x.date(from)),
            ("toDate", x.date(to)),
            ("startingCash", n(starting)),
        ];
        let deposits = fields.get("deposits").copied().unwrap_or_default();
        let withdrawals = fields.get("withdrawals").copied().unwrap_or_default();
        a.push(("depositWithdrawals", n(deposits + withdrawals)));
        for f in CASH_FIELDS {
            a.push((f, n(fields.get(f).copied().unwrap_or_default())));
        }
        a.push(("endingCash", n(ending)));
        a.push(("endingSettledCash", n(ending)));
        x.row("CashReportCurrency", &a);
    }
    x.close("CashReport");
}

fn open_positions(x: &mut Xml, account: &str, end: &State, to: NaiveDate) {
    x.open("OpenPositions");
    for (sec, h) in end.holdings.values() {
        let mark = price(sec, to);
        let value = -proceeds(sec, h.quantity, mark);
        let per_unit = if sec.category == "BOND" {
            Decimal::from(100)
        } else {
            Decimal::ONE / Decimal::from(sec.multiplier)
        };
        let cost_price = (h.cost / h.quantity * per_unit).round_dp(6);
        for level in ["SUMMARY", "LOT"] {
            let mut a = vec![
                ("accountId", s(account)),
                ("acctAlias", String::new()),
                ("model", String::new()),
                ("currency", s(sec.currency)),
                ("fxRateToBase", n(fx_to_base(account, sec.currency, to))),
            ];
            a.extend(security_attributes(Some(sec)));
            a.extend([
                ("reportDate", x.date(to)),
                ("position", n(h.quantity)),
                ("markPrice", n(mark)),
                ("positionValue", n(value)),
                ("openPrice", n(cost_price)),
                ("costBasisPrice", n(cost_price)),
                ("costBasisMoney", n(h.cost)),
                ("percentOfNAV", String::new()),
                ("fifoPnlUnrealized", n(value - h.cost)),
                ("side", s("Long")),
                ("levelOfDetail", s(level)),
                (
                    "openDateTime",
                    if level == "LOT" {
                        x.date_time(ymd((2022, 1, 3)).and_hms_opt(9, 30, 0).unwrap_or_default())
                    } else {
                        String::new()
                    },
                ),
                ("holdingPeriodDateTime", String::new()),
                ("code", String::new()),
                ("originatingOrderID", String::new()),
                ("originatingTransactionID", String::new()),
                ("accruedInt", String::new()),
            ]);
            x.row("OpenPosition", &a);
        }
    }
    x.close("OpenPositions");
}

fn trades(x: &mut Xml, account: &str, events: &[&Event]) {
    x.open("Trades");
    for e in events {
        let Kind::Trade {
            security: sec,
            quantity,
            price: p,
            commission,
            commission_currency,
            trade_id,
            cancels,
        } = &e.kind
        else {
            continue;
        };
        let cash = proceeds(sec, *quantity, *p);
        let cancel = cancels.is_some();
        let side = match (quantity.is_sign_positive(), cancel) {
            (true, false) => "BUY",
            (false, false) => "SELL",
            (false, true) => "BUY (Ca.)",
            (true, true) => "SELL (Ca.)",
        };
        let net = if sec.currency == *commission_currency {
            cash + commission
        } else {
            cash
        };
        let date = e.at.date();
        let rate = fx_to_base(account, sec.currency, date);
        let mut a = vec![
            ("accountId", s(account)),
            ("acctAlias", String::new()),
            ("model", String::new()),
            ("currency", s(sec.currency)),
            ("fxRateToBase", n(rate)),
        ];
        a.extend(security_attributes(Some(sec)));
        a.extend([
            (
                "tradeID",
                if cancel {
                    String::new()
                } else {
                    trade_id.to_string()
                },
            ),
            (
                "reportDate",
                x.date(if cancel { date + Days::new(1) } else { date }),
            ),
            ("tradeDate", x.date(date)),
            ("dateTime", x.date_time(e.at)),
            (
                "settleDateTarget",
                x.date(date + Days::new(if sec.category == "CASH" { 2 } else { 1 })),
            ),
            (
                "transactionType",
                s(if cancel { "TradeCancel" } else { "ExchTrade" }),
            ),
            (
                "exchange",
                s(if sec.category == "CASH" {
                    "IDEALFX"
                } else {
                    "ISLAND"
                }),
            ),
            ("quantity", n(*quantity)),
            ("tradePrice", n(*p)),
            ("tradeMoney", n(-cash)),
            ("proceeds", n(cash)),
            ("taxes", s("0")),
            ("ibCommission", n(*commission)),
            ("ibCommissionCurrency", s(commission_currency)),
            ("netCash", n(net)),
            ("netCashInBase", n(cents(net * rate))),
            ("closePrice", n(*p)),
            (
                "openCloseIndicator",
                s(if quantity.is_sign_positive() {
                    "O"
                } else {
                    "C"
                }),
            ),
            ("notes", s(if cancel { "Ca" } else { "" })),
            ("cost", n(-cash)),
            ("fifoPnlRealized", s("0")),
            ("mtmPnl", s("0")),
            ("origTradePrice", if cancel { n(*p) } else { s("0") }),
            (
                "origTradeDate",
                if cancel { x.date(date) } else { String::new() },
            ),
            (
                "origTradeID",
                cancels.map(|(t, _)| t.to_string()).unwrap_or_default(),
            ),
            ("origOrderID", s("0")),
            (
                "origTransactionID",
                cancels.map(|(_, t)| t.to_string()).unwrap_or_default(),
            ),
            ("buySell", s(side)),
            ("clearingFirmID", String::new()),
            ("ibOrderID", (trade_id + 500_000_000).to_string()),
            ("transactionID", e.transaction_id.to_string()),
            ("ibExecID", format!("0000e0d5.{:08x}.01.01", trade_id)),
            ("relatedTransactionID", String::new()),
            ("brokerageOrderID", String::new()),
            ("orderReference", String::new()),
            ("exchOrderId", s("N/A")),
            ("extExecID", s("N/A")),
            ("orderTime", x.date_time(e.at)),
            ("openDateTime", String::new()),
            ("holdingPeriodDateTime", String::new()),
            ("whenRealized", String::new()),
            ("whenReopened", String::new()),
            ("levelOfDetail", s("EXECUTION")),
            ("changeInPrice", s("0")),
            ("changeInQuantity", s("0")),
            ("orderType", s("LMT")),
            ("traderID", String::new()),
            ("isAPIOrder", s("N")),
            ("accruedInt", s("0")),
        ]);
        x.row("Trade", &a);
        // The order the execution belongs to, and for a sale its closed lot:
        // other elements, which must not count again.
        if !cancel {
            x.row(
                "Order",
                &[
                    ("accountId", s(account)),
                    ("currency", s(sec.currency)),
                    ("assetCategory", s(sec.category)),
                    ("symbol", s(sec.symbol)),
                    ("conid", sec.conid.to_string()),
                    ("dateTime", x.date_time(e.at)),
                    ("quantity", n(*quantity)),
                    ("tradePrice", n(*p)),
                    ("proceeds", n(cash)),
                    ("ibCommission", n(*commission)),
                    ("buySell", s(side)),
                    ("levelOfDetail", s("ORDER")),
                    ("transactionID", String::new()),
                ],
            );
        }
        if quantity.is_sign_negative() && !cancel && sec.category != "CASH" {
            x.row(
                "Lot",
                &[
                    ("accountId", s(account)),
                    ("currency", s(sec.currency)),
                    ("assetCategory", s(sec.category)),
                    ("symbol", s(sec.symbol)),
                    ("conid", sec.conid.to_string()),
                    ("quantity", n(-*quantity)),
                    (
                        "tradePrice",
                        n(price(sec, crate::ibkr::account::day((2022, 1, 3)))),
                    ),
                    ("buySell", s("SELL")),
                    (
                        "openDateTime",
                        x.date_time(ymd((2022, 1, 4)).and_hms_opt(10, 4, 31).unwrap_or_default()),
                    ),
                    ("dateTime", x.date_time(e.at)),
                    ("levelOfDetail", s("CLOSED_LOT")),
                ],
            );
        }
    }
    x.close("Trades");
}

fn corporate_actions(x: &mut Xml, account: &str, events: &[&Event]) {
    x.open("CorporateActions");
    for e in events {
        let Kind::Corporate {
            code,
            security: sec,
            quantity,
            proceeds: cash,
            cost_basis,
            description,
        } = &e.kind
        else {
            continue;
        };
        let mark = price(sec, e.at.date());
        let mut a = vec![
            ("accountId", s(account)),
            ("acctAlias", String::new()),
            ("model", String::new()),
            ("currency", s(sec.currency)),
            (
                "fxRateToBase",
                n(fx_to_base(account, sec.currency, e.at.date())),
            ),
        ];
        a.extend(security_attributes(Some(sec)));
        a.extend([
            ("reportDate", x.date(e.at.date())),
            ("dateTime", x.date_time(e.at)),
            ("actionDescription", description.clone()),
            ("amount", n(-*cash)),
            ("proceeds", n(*cash)),
            ("value", n(cents(*quantity * mark))),
            ("quantity", n(*quantity)),
            ("fifoPnlRealized", s("0")),
            ("mtmPnl", s("0")),
            ("costBasis", cost_basis.map(n).unwrap_or_default()),
            ("code", String::new()),
            ("type", s(code)),
            ("transactionID", e.transaction_id.to_string()),
            ("actionID", (e.transaction_id / 10).to_string()),
            ("levelOfDetail", s("DETAIL")),
        ]);
        // `description` is IBKR's text of the action on these rows.
        set(&mut a, "description", description.clone());
        x.row("CorporateAction", &a);
    }
    x.close("CorporateActions");
}

fn cash_transactions(x: &mut Xml, account: &str, events: &[&Event]) {
    x.open("CashTransactions");
    for e in events {
        let Kind::Cash {
            kind,
            currency,
            amount,
            security: sec,
            description,
            action_id,
            reported,
        } = &e.kind
        else {
            continue;
        };
        let date = e.at.date();
        let deposit = *kind == "Deposits/Withdrawals";
        let mut a = vec![
            ("accountId", s(account)),
            ("acctAlias", String::new()),
            ("model", String::new()),
            ("currency", s(currency)),
            ("fxRateToBase", n(fx_to_base(account, currency, date))),
        ];
        a.extend(security_attributes(sec.as_ref()));
        set(&mut a, "description", description.clone());
        a.extend([
            // Deposits are booked on a date alone, as IBKR writes them.
            (
                "dateTime",
                if deposit {
                    x.date(date)
                } else {
                    x.date_time(e.at)
                },
            ),
            ("settleDate", x.date(date)),
            ("amount", n(*amount)),
            ("type", s(kind)),
            ("tradeID", String::new()),
            ("code", String::new()),
            ("transactionID", e.transaction_id.to_string()),
            ("reportDate", x.date(reported.unwrap_or(date))),
            ("clientReference", String::new()),
            (
                "actionID",
                action_id.map(|a| a.to_string()).unwrap_or_default(),
            ),
            ("levelOfDetail", s("DETAIL")),
        ]);
        x.row("CashTransaction", &a);
    }
    x.close("CashTransactions");
}

fn transfers(x: &mut Xml, account: &str, events: &[&Event]) {
    x.open("Transfers");
    for e in events {
        let Kind::Transfer {
            kind,
            security: sec,
            currency,
            quantity,
            cash,
            price: p,
            counterpart,
            description,
        } = &e.kind
        else {
            continue;
        };
        let inbound = quantity.is_sign_positive() && cash.is_sign_positive();
        let mut a = vec![
            ("accountId", s(account)),
            ("acctAlias", String::new()),
            ("model", String::new()),
            ("currency", s(currency)),
            (
                "fxRateToBase",
                n(fx_to_base(account, currency, e.at.date())),
            ),
        ];
        match sec {
            Some(sec) => a.extend(security_attributes(Some(sec))),
            None => {
                a.extend(security_attributes(None));
                for (k, v) in a.iter_mut() {
                    match *k {
                        "assetCategory" => *v = s("CASH"),
                        "symbol" => *v = s("--"),
                        _ => {}
                    }
                }
            }
        }
        set(&mut a, "description", s(description));
        a.extend([
            ("reportDate", x.date(e.at.date())),
            ("date", x.date(e.at.date())),
            ("dateTime", x.date(e.at.date())),
            ("settleDate", x.date(e.at.date())),
            ("type", s(kind)),
            ("direction", s(if inbound { "IN" } else { "OUT" })),
            ("company", String::new()),
            ("account", s(counterpart)),
            ("accountName", String::new()),
            (
                "deliveringBroker",
                s(if *kind == "ACATS" { "0226" } else { "" }),
            ),
            ("quantity", n(quantity.abs())),
            ("transferPrice", n(*p)),
            ("positionAmount", n(cents(*quantity * *p))),
            (
                "positionAmountInBase",
                n(cents(
                    *quantity * *p * fx_to_base(account, currency, e.at.date()),
                )),
            ),
            ("pnlAmount", s("0")),
            ("pnlAmountInBase", s("0")),
            ("cashTransfer", n(*cash)),
            ("code", String::new()),
            ("clientReference", String::new()),
            ("transactionID", e.transaction_id.to_string()),
            ("levelOfDetail", s("TRANSFER")),
        ]);
        x.row("Transfer", &a);
    }
    x.close("Transfers");
}

fn conversion_rates(x: &mut Xml, base: &str, from: NaiveDate, to: NaiveDate) {
    x.open("ConversionRates");
    let mut date = from;
    while date <= to {
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            for cur in ["CHF", "EUR", "GBP", "USD"]
                .into_iter()
                .filter(|c| *c != base)
            {
                x.row(
                    "ConversionRate",
                    &[
                        ("reportDate", x.date(date)),
                        ("fromCurrency", s(cur)),
                        ("toCurrency", s(base)),
                        ("rate", n(conversion_rate(cur, base, date))),
                    ],
                );
            }
        }
        date = date + Days::new(1);
    }
    x.close("ConversionRates");
}

/// `SendRequest`'s answer: the reference code and where to get the
/// statement (wrapped in whitespace when `padded`, as older answers were).
pub fn send_request_ok(reference: &str, url: &str, padded: bool) -> String {
    let url = if padded {
        format!("\n    {url}\n  ")
    } else {
        url.to_owned()
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<FlexStatementResponse timestamp='31 October, 2024 06:12 AM EDT'>\n<Status>Success</Status>\n<ReferenceCode>{reference}</ReferenceCode>\n<Url>{}</Url>\n</FlexStatementResponse>\n",
        escape(&url)
    )
}

/// An error answer of either step.
pub fn flex_error(status: &str, code: u16, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<FlexStatementResponse timestamp='31 October, 2024 06:12 AM EDT'>\n<Status>{status}</Status>\n<ErrorCode>{code}</ErrorCode>\n<ErrorMessage>{}</ErrorMessage>\n</FlexStatementResponse>\n",
        escape(message)
    )
}
