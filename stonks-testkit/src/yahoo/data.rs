//! What `MockYahoo` knows: every stock and ETF the broker mocks hold, under
//! its real Yahoo symbol, and a deterministic daily series for each.
//!
//! Listings come from the broker mocks' own catalogs, so a series ends at
//! the price the broker mock shows:
//!
//! * Alpaca's `QUOTES` for the US tickers Alpaca holds (AAPL, MSFT, NVDA,
//!   VOO): where DEGIRO or IBKR hold the same ticker at another price,
//!   Alpaca's wins;
//! * DEGIRO's `PRODUCTS` (shares and ETFs on Xetra, Euronext Amsterdam and
//!   Paris, Nasdaq and NYSE) for the rest: `ASML.AS`, `SAP.DE`, `AI.PA`,
//!   `VWCE.DE`, ...; its bond and money-market fund are left out (Yahoo has
//!   no symbol for them);
//! * IBKR's `securities()` (STK, common shares and ETFs) for what neither
//!   holds (GE, GEHC), at IBKR's price on its last statement day. ATVI is
//!   left out: delisted in 2023, Yahoo answers "Not Found" for it;
//! * `APC.DE`, Apple on Xetra in EUR (at Alpaca's price times DEGIRO's
//!   EUR per USD): a second listing for one ISIN, as Yahoo's search answers.
//!
//! NVDA splits as it really did and as the broker mocks book it: 4 for 1
//! on 2021-07-20 (Alpaca's ledger) and 10 for 1 on 2024-06-10 (IBKR's and
//! DEGIRO's); its closes before each split are 4 (and 10) times higher.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use crate::{alpaca, degiro, ibkr};

/// The first day of every series.
pub const HISTORY_START: &str = "2015-01-01";

/// An exchange as Yahoo describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Market {
    /// Nasdaq (`NMS`).
    Nasdaq,
    /// New York Stock Exchange (`NYQ`).
    Nyse,
    /// NYSE Arca (`PCX`).
    NyseArca,
    /// Xetra (`GER`).
    Xetra,
    /// Euronext Amsterdam (`AMS`).
    Amsterdam,
    /// Euronext Paris (`PAR`).
    Paris,
}

impl Market {
    /// Yahoo's exchange code (`exchange` in search, `exchangeName` in a
    /// chart's meta).
    pub fn code(self) -> &'static str {
        match self {
            Market::Nasdaq => "NMS",
            Market::Nyse => "NYQ",
            Market::NyseArca => "PCX",
            Market::Xetra => "GER",
            Market::Amsterdam => "AMS",
            Market::Paris => "PAR",
        }
    }

    /// Yahoo's display name of the exchange.
    pub fn full_name(self) -> &'static str {
        match self {
            Market::Nasdaq => "NasdaqGS",
            Market::Nyse => "NYSE",
            Market::NyseArca => "NYSEArca",
            Market::Xetra => "XETRA",
            Market::Amsterdam => "Amsterdam",
            Market::Paris => "Paris",
        }
    }

    /// The exchange's time zone.
    pub fn timezone(self) -> &'static str {
        match self {
            Market::Nasdaq | Market::Nyse | Market::NyseArca => "America/New_York",
            Market::Xetra => "Europe/Berlin",
            Market::Amsterdam => "Europe/Amsterdam",
            Market::Paris => "Europe/Paris",
        }
    }

    fn us(self) -> bool {
        matches!(self, Market::Nasdaq | Market::Nyse | Market::NyseArca)
    }

    /// Whether daylight time is in force on `date`: US from the second
    /// Sunday of March to the first Sunday of November, EU from the last
    /// Sunday of March to the last Sunday of October.
    fn summer(self, date: NaiveDate) -> bool {
        let y = date.year();
        if self.us() {
            date >= nth_sunday(y, 3, 2) && date < nth_sunday(y, 11, 1)
        } else {
            date >= last_sunday(y, 3) && date < last_sunday(y, 10)
        }
    }

    /// The exchange's offset from UTC in seconds on `date`.
    pub fn offset(self, date: NaiveDate) -> i64 {
        let hours = match (self.us(), self.summer(date)) {
            (true, true) => -4,
            (true, false) => -5,
            (false, true) => 2,
            (false, false) => 1,
        };
        hours * 3600
    }

    /// The zone's abbreviation on `date` (`timezone` in a chart's meta).
    pub fn zone_abbreviation(self, date: NaiveDate) -> &'static str {
        match (self.us(), self.summer(date)) {
            (true, true) => "EDT",
            (true, false) => "EST",
            (false, true) => "CEST",
            (false, false) => "CET",
        }
    }

    /// The regular session's open, local time.
    fn open(self) -> NaiveTime {
        let (h, m) = if self.us() { (9, 30) } else { (9, 0) };
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    /// Whether the exchange trades on `date`: weekdays but New Year's Day
    /// and Christmas, and Independence Day (US) or Labour Day and Boxing
    /// Day (Europe).
    pub fn trades(self, date: NaiveDate) -> bool {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return false;
        }
        let md = (date.month(), date.day());
        let closed: &[(u32, u32)] = if self.us() {
            &[(1, 1), (7, 4), (12, 25)]
        } else {
            &[(1, 1), (5, 1), (12, 25), (12, 26)]
        };
        !closed.contains(&md)
    }

    /// The bar's timestamp of `date`: the session's open, in seconds since
    /// the epoch (as Yahoo stamps daily bars).
    pub fn timestamp(self, date: NaiveDate) -> i64 {
        date.and_time(self.open()).and_utc().timestamp() - self.offset(date)
    }
}

fn nth_sunday(year: i32, month: u32, n: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
    let to_sunday = (7 - first.weekday().num_days_from_sunday()) % 7;
    first + Duration::days(i64::from(to_sunday + 7 * (n - 1)))
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap_or_default();
    let last = next - Duration::days(1);
    last - Duration::days(i64::from(last.weekday().num_days_from_sunday()))
}

/// One listing Yahoo knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// Yahoo's symbol (`SAP.DE`).
    pub symbol: String,
    /// The security's ISIN.
    pub isin: Option<String>,
    /// Its name.
    pub name: String,
    /// The currency it is quoted in.
    pub currency: &'static str,
    /// `EQUITY` or `ETF`.
    pub quote_type: &'static str,
    /// Where it is listed.
    pub market: Market,
    /// Its close on the last trading day: the broker mock's price.
    pub last: Decimal,
    /// Splits: day, new units, old units.
    pub splits: Vec<(NaiveDate, u32, u32)>,
    /// Which broker mock's catalog the price is from.
    pub source: &'static str,
}

fn date(ymd: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap_or_default()
}

/// NVDA's splits: Alpaca's ledger books 4 for 1 on 2021-07-20, IBKR's and
/// DEGIRO's 10 for 1 on [`ibkr::account::NVDA_SPLIT`].
fn splits_of(symbol: &str) -> Vec<(NaiveDate, u32, u32)> {
    match symbol {
        "NVDA" => vec![
            (date((2021, 7, 20)), 4, 1),
            (date(ibkr::account::NVDA_SPLIT), 10, 1),
        ],
        _ => Vec::new(),
    }
}

/// DEGIRO's exchange ids (194 Xetra, 200 Amsterdam, 710 Paris, 663
/// Nasdaq, 676 NYSE) as Yahoo markets.
fn degiro_market(id: &str) -> Option<Market> {
    Some(match id {
        "194" => Market::Xetra,
        "200" => Market::Amsterdam,
        "710" => Market::Paris,
        "663" => Market::Nasdaq,
        "676" => Market::Nyse,
        _ => return None,
    })
}

/// IBKR's listing exchanges as Yahoo markets.
fn ibkr_market(exchange: &str) -> Option<Market> {
    Some(match exchange {
        "NASDAQ" => Market::Nasdaq,
        "NYSE" => Market::Nyse,
        "ARCA" => Market::NyseArca,
        "IBIS" => Market::Xetra,
        "AEB" => Market::Amsterdam,
        "SBF" => Market::Paris,
        _ => return None,
    })
}

/// Yahoo's suffix of a market's symbols.
fn suffix(m: Market) -> &'static str {
    match m {
        Market::Nasdaq | Market::Nyse | Market::NyseArca => "",
        Market::Xetra => ".DE",
        Market::Amsterdam => ".AS",
        Market::Paris => ".PA",
    }
}

/// IBKR securities Yahoo no longer knows (delisted).
const DELISTED: [&str; 1] = ["ATVI"];

fn build() -> Vec<Listing> {
    let mut out: Vec<Listing> = Vec::new();
    let mut taken = BTreeSet::new();
    let degiro_isin = |symbol: &str| {
        degiro::account::PRODUCTS
            .iter()
            .find(|p| p.symbol == symbol)
            .map(|p| degiro::account::isin(p.isin11))
    };
    let securities = ibkr::account::securities();
    let ibkr_isin = |symbol: &str| {
        securities
            .iter()
            .find(|s| s.symbol == symbol)
            .and_then(|s| s.isin.map(str::to_owned))
    };
    let name_of = |symbol: &str| {
        degiro::account::PRODUCTS
            .iter()
            .find(|p| p.symbol == symbol)
            .map(|p| p.name.to_owned())
            .or_else(|| {
                securities
                    .iter()
                    .find(|s| s.symbol == symbol)
                    .map(|s| s.description.to_owned())
            })
            .unwrap_or_else(|| symbol.to_owned())
    };
    for &(symbol, last, _, exchange, class) in alpaca::account::QUOTES {
        let market = match (class, exchange) {
            ("us_equity", "NASDAQ") => Market::Nasdaq,
            ("us_equity", "ARCA") => Market::NyseArca,
            ("us_equity", _) => Market::Nyse,
            _ => continue,
        };
        let etf = securities
            .iter()
            .any(|s| s.symbol == symbol && s.sub_category == "ETF");
        taken.insert(symbol.to_owned());
        out.push(Listing {
            symbol: symbol.to_owned(),
            isin: degiro_isin(symbol).or_else(|| ibkr_isin(symbol)),
            name: name_of(symbol),
            currency: "USD",
            quote_type: if etf { "ETF" } else { "EQUITY" },
            market,
            last: last.parse().unwrap_or_default(),
            splits: splits_of(symbol),
            source: "alpaca",
        });
    }
    for p in degiro::account::PRODUCTS {
        let quote_type = match p.kind {
            "STOCK" => "EQUITY",
            "ETF" => "ETF",
            _ => continue,
        };
        let Some(market) = degiro_market(p.exchange) else {
            continue;
        };
        let symbol = format!("{}{}", p.symbol, suffix(market));
        if !taken.insert(symbol.clone()) {
            continue;
        }
        out.push(Listing {
            splits: splits_of(&symbol),
            symbol,
            isin: Some(degiro::account::isin(p.isin11)),
            name: p.name.to_owned(),
            currency: p.currency,
            quote_type,
            market,
            last: p.price.parse().unwrap_or_default(),
            source: "degiro",
        });
    }
    let last_day = date(ibkr::account::LAST_DAY);
    for s in &securities {
        let quote_type = match (s.category, s.sub_category) {
            ("STK", "COMMON") => "EQUITY",
            ("STK", "ETF") => "ETF",
            _ => continue,
        };
        let Some(market) = ibkr_market(s.exchange) else {
            continue;
        };
        let symbol = format!("{}{}", s.symbol, suffix(market));
        if DELISTED.contains(&s.symbol) || !taken.insert(symbol.clone()) {
            continue;
        }
        out.push(Listing {
            splits: splits_of(&symbol),
            symbol,
            isin: s.isin.map(str::to_owned),
            name: s.description.to_owned(),
            currency: s.currency,
            quote_type,
            market,
            last: ibkr::account::price(s, last_day),
            source: "ibkr",
        });
    }
    // Apple on Xetra: a second listing of one ISIN, in EUR.
    if let Some(apple) = out.iter().find(|l| l.symbol == "AAPL").cloned() {
        let eur_per_usd: Decimal = degiro::account::EUR_PER_USD.parse().unwrap_or_default();
        out.push(Listing {
            symbol: "APC.DE".into(),
            currency: "EUR",
            market: Market::Xetra,
            last: (apple.last * eur_per_usd).round_dp(2),
            source: "derived",
            ..apple
        });
    }
    out
}

/// Every listing the mock knows, primary listings first.
pub fn listings() -> &'static [Listing] {
    static ALL: OnceLock<Vec<Listing>> = OnceLock::new();
    ALL.get_or_init(build)
}

/// The listing of `symbol`.
pub fn listing(symbol: &str) -> Option<&'static Listing> {
    listings().iter().find(|l| l.symbol == symbol)
}

/// The listings of the security with `isin`, primary first.
pub fn by_isin(isin: &str) -> Vec<&'static Listing> {
    listings()
        .iter()
        .filter(|l| {
            l.isin
                .as_deref()
                .is_some_and(|i| i.eq_ignore_ascii_case(isin))
        })
        .collect()
}

/// One day of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// The trading day.
    pub date: NaiveDate,
    /// Its timestamp (the session's open).
    pub timestamp: i64,
    /// The close, `None` on the rows Yahoo sends as `null`.
    pub close: Option<Decimal>,
}

/// The last day `market` traded on or before `today`.
pub fn last_trading_day(market: Market, today: NaiveDate) -> NaiveDate {
    let mut d = today;
    while !market.trades(d) {
        d -= Duration::days(1);
    }
    d
}

/// Every row of `l`'s series from [`HISTORY_START`] to the last trading
/// day on or before `today`, oldest first. Counting `k` trading days back
/// from the last: the close swings around a slow rise to `l.last` (reached
/// exactly at `k = 0`); every 50th row from `k = 25` is `null`; every 97th
/// from `k = 41` is a whole number (Yahoo writes it as a JSON integer);
/// before each split the closes are its ratio times higher.
pub fn bars(l: &Listing, today: NaiveDate) -> Vec<Bar> {
    let start: NaiveDate = HISTORY_START.parse().unwrap_or_default();
    let last = last_trading_day(l.market, today);
    let phase = f64::from(l.symbol.bytes().map(u32::from).sum::<u32>() % 628) / 100.0;
    let base = l.last.to_f64().unwrap_or(1.0);
    let mut days = Vec::new();
    let mut d = last;
    while d >= start {
        if l.market.trades(d) {
            days.push(d);
        }
        d -= Duration::days(1);
    }
    let mut out: Vec<Bar> = days
        .iter()
        .enumerate()
        .map(|(k, &date)| {
            let close = if k == 0 {
                Some(l.last)
            } else if k % 50 == 25 {
                None
            } else {
                let x = k as f64;
                let swing = 1.0 + 0.08 * ((x / 23.0 + phase).sin() - phase.sin());
                let value = base * swing / (1.0 + x / 1500.0);
                let mut c = Decimal::from_f64(value)
                    .unwrap_or(l.last)
                    .round_dp(2)
                    .max(Decimal::new(1, 2));
                if k % 97 == 41 {
                    c = c.round_dp(0).max(Decimal::ONE);
                }
                for &(day, new, old) in &l.splits {
                    if date < day {
                        c = c * Decimal::from(new) / Decimal::from(old);
                    }
                }
                Some(c)
            };
            Bar {
                date,
                timestamp: l.market.timestamp(date),
                close,
            }
        })
        .collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn listings_carry_their_real_symbols_and_broker_prices() {
        let get = |s: &str| listing(s).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(get("AAPL").last, "177.57".parse().unwrap());
        assert_eq!(get("AAPL").isin.as_deref(), Some("US0378331005"));
        assert_eq!(get("VOO").isin.as_deref(), Some("US9229083632"));
        assert_eq!(get("VOO").quote_type, "ETF");
        assert_eq!(get("VOO").market, Market::NyseArca);
        assert_eq!(get("ASML.AS").last, "652.3".parse().unwrap());
        assert_eq!(get("SAP.DE").isin.as_deref(), Some("DE0007164600"));
        assert_eq!(get("SAP.DE").currency, "EUR");
        assert_eq!(get("AI.PA").market, Market::Paris);
        assert_eq!(get("VWCE.DE").quote_type, "ETF");
        assert_eq!(get("CSPX.AS").currency, "USD");
        assert_eq!(get("GE").source, "ibkr");
        assert_eq!(get("APC.DE").last, "164.07".parse().unwrap());
        assert!(listing("ATVI").is_none() && listing("NL33.AS").is_none());
        assert!(listing("MSLF.AS").is_none());
        let apple: Vec<&str> = by_isin("US0378331005")
            .iter()
            .map(|l| l.symbol.as_str())
            .collect();
        assert_eq!(apple, ["AAPL", "APC.DE"]);
        for l in listings() {
            if let Some(isin) = &l.isin {
                assert!(stonks_core::Isin::new(isin).is_ok(), "{isin}");
            }
        }
    }

    #[test]
    fn sessions_open_in_local_time() {
        // 09:30 in New York: 14:30 UTC in winter, 13:30 in summer.
        assert_eq!(Market::Nasdaq.timestamp(d("2024-01-02")), 1_704_205_800);
        assert_eq!(Market::Nasdaq.timestamp(d("2024-09-16")), 1_726_493_400);
        // 09:00 in Frankfurt: 08:00 UTC in winter, 07:00 in summer.
        assert_eq!(Market::Xetra.timestamp(d("2024-01-02")), 1_704_182_400);
        assert_eq!(Market::Xetra.timestamp(d("2024-07-01")), 1_719_817_200);
        assert_eq!(last_sunday(2024, 3), d("2024-03-31"));
        assert_eq!(last_sunday(2024, 10), d("2024-10-27"));
        assert_eq!(nth_sunday(2024, 3, 2), d("2024-03-10"));
        assert_eq!(nth_sunday(2024, 11, 1), d("2024-11-03"));
    }

    #[test]
    fn a_series_ends_at_the_price_and_splits_scale_the_past() {
        let today = d("2024-11-23"); // a Saturday
        let nvda = listing("NVDA").unwrap();
        let bars = bars(nvda, today);
        let last = bars.last().unwrap();
        assert_eq!(last.date, d("2024-11-22"));
        assert_eq!(last.close, Some(nvda.last));
        assert_eq!(bars[0].date, d("2015-01-02"), "New Year's Day is closed");
        assert!(bars.iter().all(|b| Market::Nasdaq.trades(b.date)));
        let nulls = bars.iter().filter(|b| b.close.is_none()).count();
        assert!(nulls > 40 && nulls < 70, "{nulls}");
        // The last close before a split over the first on its day or after.
        let around = |split: &str| {
            let split = d(split);
            let before = bars
                .iter()
                .rev()
                .find(|x| x.date < split && x.close.is_some())
                .and_then(|x| x.close)
                .unwrap();
            let after = bars
                .iter()
                .find(|x| x.date >= split && x.close.is_some())
                .and_then(|x| x.close)
                .unwrap();
            before / after
        };
        let before_after = around("2024-06-10");
        assert!(
            before_after > Decimal::from(9) && before_after < Decimal::from(11),
            "{before_after}"
        );
        let before_after = around("2021-07-20");
        assert!(
            before_after > Decimal::new(36, 1) && before_after < Decimal::new(44, 1),
            "{before_after}"
        );
    }
}
