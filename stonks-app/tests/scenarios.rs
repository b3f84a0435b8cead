//! Scenario files: a ledger in, the expected figures out. Each file in
//! `tests/scenarios/` is a case a portfolio tracker gets wrong somewhere
//! (its `why` says where; `worked` writes the arithmetic out); its `cases`
//! name a report (`holdings`, `gains`, `dividends`, `performance`,
//! `returns`, `tax` with its `rules` and `year`) with its options, and the
//! part of that report's JSON that must come out. `rates` gives rate
//! tables by day, units per one `base` (`"base": "GBP"` and
//! `{"2024-01-02": {"USD": "1.25"}}` for dollars in pounds). `prices` gives
//! daily closes by instrument key:
//! `{"broker:demo:X": {"ccy": "EUR", "closes": {"2024-01-02": "100"}}}`;
//! `"fill": true` holds each close every day until the next one. A
//! `returns` case may name a `benchmark` (`"yahoo:IDX"`) priced there.
//!
//! Matching: every key of an expected object must be in the actual one
//! with a matching value; arrays must have the same length and match
//! element by element; decimals compare by value (`"1000"` = `"1000.00"`);
//! a string starting with `~` matches any string containing the rest.
//!
//! Ledger rows are compact: `{"id", "at", "kind", "broker", "account",
//! "symbol", "isin", "class", "qty", "amount", "ccy", "fees": ["2 EUR"],
//! "price", "belongs_to", "ratio": "4:1", "new_symbol", "new_isin",
//! "new_qty", "fraction", "cost_basis": "600 EUR", "description",
//! "multiplier"}` (`class`: `stock`, `etf`, `crypto`, `option`).

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use stonks::fx::RateTable;
use stonks::v2::{CorporateAction, LedgerEntry, LedgerKind, PortfolioSnapshot, Position, Ratio};
use stonks::{AssetClass, Currency, Instrument, Isin, Money};
use stonks_app::analytics::returns::{By, ReturnsOptions, ReturnsReport};
use stonks_app::analytics::{
    Analysis, DividendOptions, DividendReport, GainsOptions, GainsReport, GroupBy, HoldingsReport,
    Inputs, Method, PerformanceReport, PriceBook, RateHistory, Scope,
};
use stonks_app::store::StoredSeries;
use stonks_app::tax::{Rules, TaxOptions, TaxReport};
use stonks_testkit::support::d;

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn money(s: &str) -> Money {
    let (amount, ccy) = s
        .split_once(' ')
        .unwrap_or_else(|| panic!("{s:?}: want \"12.5 EUR\""));
    Money::new(d(amount), Currency::new(ccy).unwrap())
}

fn instrument(row: &Value, symbol_key: &str, isin_key: &str) -> Option<Instrument> {
    let symbol = text(row, symbol_key)?;
    let class = match text(row, "class").unwrap_or("stock") {
        "crypto" => AssetClass::Crypto,
        "etf" => AssetClass::Etf,
        "option" => AssetClass::Option,
        _ => AssetClass::Stock,
    };
    let mut i = Instrument::new(symbol, symbol, class);
    i.symbol = Some(symbol.to_owned());
    i.multiplier = text(row, "multiplier").map(d);
    i.isin = text(row, isin_key).map(|s| Isin::new(s).unwrap());
    Some(i)
}

fn entry(row: &Value) -> (String, LedgerEntry) {
    let at: DateTime<Utc> = text(row, "at")
        .expect("at")
        .parse()
        .expect("at is RFC 3339");
    let ccy = Currency::new(text(row, "ccy").unwrap_or("EUR")).unwrap();
    let amount = Money::new(d(text(row, "amount").unwrap_or("0")), ccy);
    let mut e = LedgerEntry::new(
        text(row, "id").expect("id"),
        at,
        LedgerKind::from_name(text(row, "kind").expect("kind")),
        amount,
    );
    e.account = Some(text(row, "account").unwrap_or("main").to_owned());
    e.instrument = instrument(row, "symbol", "isin");
    e.quantity = text(row, "qty").map(d);
    e.price = text(row, "price").map(|p| Money::new(d(p), ccy));
    e.fees = row
        .get("fees")
        .and_then(Value::as_array)
        .map(|f| f.iter().map(|x| money(x.as_str().unwrap())).collect())
        .unwrap_or_default();
    e.belongs_to = text(row, "belongs_to").map(str::to_owned);
    e.cost_basis = text(row, "cost_basis").map(money);
    e.description = text(row, "description").map(str::to_owned);
    if let Some(r) = text(row, "ratio") {
        let (new, old) = r.split_once(':').unwrap();
        e.action = Some(Box::new(CorporateAction::split(Ratio::new(d(new), d(old)))));
    }
    if let (Some(new), Some(q)) = (
        instrument(row, "new_symbol", "new_isin"),
        text(row, "new_qty"),
    ) {
        let mut action = CorporateAction::receive(new, d(q));
        action.cost_basis_fraction = text(row, "fraction").map(d);
        e.action = Some(Box::new(action));
    }
    (text(row, "broker").unwrap_or("demo").to_owned(), e)
}

fn snapshots(v: &Value, now: DateTime<Utc>) -> Vec<(String, PortfolioSnapshot)> {
    let mut out: Vec<(String, PortfolioSnapshot)> = Vec::new();
    for p in v
        .get("positions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let broker = text(p, "broker").unwrap_or("demo").to_owned();
        let i = instrument(p, "symbol", "isin").expect("a position's symbol");
        let ccy = Currency::new(text(p, "ccy").unwrap_or("EUR")).unwrap();
        let mut pos = Position::new(i, d(text(p, "qty").expect("qty")));
        pos.account = Some(text(p, "account").unwrap_or("main").to_owned());
        pos.price = text(p, "price").map(|x| Money::new(d(x), ccy));
        pos.market_value = pos.price.map(|x| Money::new(x.amount * pos.quantity, ccy));
        let i = match out.iter().position(|(b, _)| *b == broker) {
            Some(i) => i,
            None => {
                out.push((broker, PortfolioSnapshot::new(now)));
                out.len() - 1
            }
        };
        out[i].1.positions.push(pos);
    }
    for c in v
        .get("cash")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let broker = text(c, "broker").unwrap_or("demo").to_owned();
        let mut cash = stonks::v2::CashBalance::new(money(text(c, "amount").unwrap()));
        cash.account = Some(text(c, "account").unwrap_or("main").to_owned());
        match out.iter_mut().find(|(b, _)| *b == broker) {
            Some((_, s)) => s.cash.push(cash),
            None => {
                let mut s = PortfolioSnapshot::new(now);
                s.cash.push(cash);
                out.push((broker, s));
            }
        }
    }
    out
}

fn rates(v: &Value, base: Currency) -> Vec<RateTable> {
    let Some(days) = v.get("rates").and_then(Value::as_object) else {
        return Vec::new();
    };
    days.iter()
        .map(|(day, rates)| RateTable {
            base,
            date: day.parse::<NaiveDate>().unwrap(),
            rates: rates
                .as_object()
                .unwrap()
                .iter()
                .map(|(c, r)| (Currency::new(c).unwrap(), d(r.as_str().unwrap())))
                .collect(),
            problems: Vec::new(),
        })
        .collect()
}

/// The `prices` of a scenario: closes by instrument key.
fn prices(v: &Value) -> PriceBook {
    let Some(keys) = v.get("prices").and_then(Value::as_object) else {
        return PriceBook::default();
    };
    let series = keys
        .iter()
        .map(|(key, s)| {
            let mut closes: Vec<(NaiveDate, Decimal)> = s["closes"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(day, c)| (day.parse().unwrap(), d(c.as_str().unwrap())))
                .collect();
            closes.sort();
            // `"fill": true`: each close holds every day until the next.
            if s.get("fill") == Some(&Value::Bool(true)) {
                let mut filled = Vec::new();
                for (k, (day, close)) in closes.iter().enumerate() {
                    let next = closes.get(k + 1).map_or(*day, |n| n.0.pred_opt().unwrap());
                    filled.extend(
                        day.iter_days()
                            .take_while(|x| *x <= next)
                            .map(|x| (x, *close)),
                    );
                }
                closes = filled;
            }
            let stored = StoredSeries {
                currency: Some(Currency::new(text(s, "ccy").unwrap_or("EUR")).unwrap()),
                dates: closes.iter().map(|c| c.0).collect(),
                closes: closes.iter().map(|c| c.1).collect(),
            };
            (key.clone(), stored)
        })
        .collect();
    PriceBook::new(series)
}

/// Whether `actual` holds everything `expected` says, else where not.
fn matches(expected: &Value, actual: &Value, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .ok_or_else(|| format!("{at}.{k}: missing in {actual}"))?;
                matches(ev, av, &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{at}: {} items expected, {} found: {}",
                    e.len(),
                    a.len(),
                    serde_json::to_string_pretty(actual).unwrap_or_default()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                matches(ev, av, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Value::String(e), Value::String(a)) => {
            if let Some(part) = e.strip_prefix('~') {
                return a
                    .contains(part)
                    .then_some(())
                    .ok_or_else(|| format!("{at}: {a:?} does not contain {part:?}"));
            }
            let same = match (e.parse::<Decimal>(), a.parse::<Decimal>()) {
                (Ok(x), Ok(y)) => x == y,
                _ => e == a,
            };
            same.then_some(())
                .ok_or_else(|| format!("{at}: expected {e:?}, found {a:?}"))
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{at}: expected {e}, found {a}")),
    }
}

fn run(path: &Path) -> Result<(), String> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .map_err(|e| format!("not JSON: {e}"))?;
    for key in ["name", "why", "ledger", "cases"] {
        if v.get(key).is_none() {
            return Err(format!("no {key:?}"));
        }
    }
    let base = Currency::new(text(&v, "base").unwrap_or("EUR")).unwrap();
    let now: DateTime<Utc> = text(&v, "now")
        .unwrap_or("2025-01-01T00:00:00Z")
        .parse()
        .unwrap();
    let tables = rates(&v, base);
    let today = tables.iter().max_by_key(|t| t.date).cloned();
    let analysis = Analysis::new(Inputs {
        base,
        ledger: v["ledger"].as_array().unwrap().iter().map(entry).collect(),
        snapshots: snapshots(&v, now),
        today,
        history: RateHistory::new(tables),
        now,
    })
    .with_prices(prices(&v));
    for (i, case) in v["cases"].as_array().unwrap().iter().enumerate() {
        let year = case.get("year").and_then(Value::as_i64).map(|y| y as i32);
        let report = match text(case, "report").unwrap_or("gains") {
            "holdings" => serde_json::to_value(HoldingsReport::build(&analysis)),
            "gains" => {
                let method: Method = text(case, "method").unwrap_or("fifo").parse()?;
                let scope = if case.get("pooled") == Some(&Value::Bool(true)) {
                    Scope::Pooled
                } else {
                    Scope::Account
                };
                serde_json::to_value(GainsReport::build(
                    &analysis,
                    &GainsOptions {
                        method,
                        scope,
                        year,
                    },
                ))
            }
            "dividends" => {
                let by: GroupBy = text(case, "by").unwrap_or("year").parse()?;
                serde_json::to_value(DividendReport::build(
                    &analysis,
                    &DividendOptions { by, year },
                ))
            }
            "performance" => serde_json::to_value(PerformanceReport::build(&analysis)),
            "returns" => {
                let day = |k: &str| text(case, k).map(|t| t.parse::<NaiveDate>().unwrap());
                let by = match text(case, "by").unwrap_or("total") {
                    "broker" => By::Broker,
                    "account" => By::Account,
                    _ => By::Total,
                };
                let options = ReturnsOptions {
                    period: text(case, "period").map(str::to_owned),
                    from: day("from"),
                    to: day("to"),
                    by,
                    benchmark: text(case, "benchmark")
                        .map(|b| stonks_app::benchmark::Benchmark::parse(b).unwrap()),
                };
                serde_json::to_value(ReturnsReport::build(&analysis, &options))
            }
            "tax" => {
                let rules: Rules = text(case, "rules").unwrap_or("uk").parse()?;
                let options = TaxOptions::new(rules, year.ok_or("a tax case needs a year")?)?;
                serde_json::to_value(TaxReport::build(&analysis, &options))
            }
            other => return Err(format!("unknown report {other:?}")),
        }
        .map_err(|e| e.to_string())?;
        // To see what a case gives while writing one.
        if std::env::var_os("STONKS_SCENARIO_PRINT").is_some() {
            eprintln!("{}: {report:#}", path.display());
        }
        matches(&case["expect"], &report, &format!("cases[{i}]"))?;
    }
    Ok(())
}

#[test]
fn every_scenario_gives_its_expected_figures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "{} scenario files", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            run(f)
                .err()
                .map(|why| format!("{}: {why}", f.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
