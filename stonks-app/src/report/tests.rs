//! The report's figures and its HTML, without a browser.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use stonks::fx::RateTable;
use stonks::v2::{CashBalance, LedgerEntry, LedgerKind, PortfolioSnapshot, Position};
use stonks::{AssetClass, Currency, Instrument, Money};

use super::*;
use crate::analytics::{Analysis, Inputs, RateHistory};
use stonks_testkit::support::d;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn eur(s: &str) -> Money {
    Money::new(d(s), Currency::EUR)
}

fn usd(s: &str) -> Money {
    Money::new(d(s), Currency::USD)
}

fn instrument(symbol: &str, name: &str, currency: Currency) -> Instrument {
    let mut i = Instrument::new(symbol, name, AssetClass::Stock);
    i.symbol = Some(symbol.to_owned());
    i.currency = Some(currency);
    i
}

fn entry(id: &str, at: &str, kind: LedgerKind, amount: Money) -> LedgerEntry {
    LedgerEntry::new(id, t(at), kind, amount)
}

fn buy(id: &str, at: &str, inst: &Instrument, qty: &str, total: Money) -> LedgerEntry {
    let mut e = entry(
        id,
        at,
        LedgerKind::Buy,
        Money::new(-total.amount, total.currency),
    );
    e.instrument = Some(inst.clone());
    e.quantity = Some(d(qty));
    e
}

fn rates(on: &str, usd_per_eur: &str) -> RateTable {
    RateTable {
        base: Currency::EUR,
        date: t(on).date_naive(),
        rates: BTreeMap::from([(Currency::USD, d(usd_per_eur))]),
        problems: Vec::new(),
    }
}

fn snapshot(
    at: &str,
    positions: Vec<(Instrument, &str, Money)>,
    cash: &[Money],
) -> PortfolioSnapshot {
    let mut s = PortfolioSnapshot::new(t(at));
    for (inst, qty, value) in positions {
        let mut p = Position::new(inst, d(qty));
        p.market_value = Some(value);
        s.positions.push(p);
    }
    s.cash = cash.iter().map(|m| CashBalance::new(*m)).collect();
    s
}

/// Two brokers: `degiro` with ASML (EUR) and cash, `alpaca` with AAPL
/// (USD); two syncs stored; a dividend with withholding in March 2026.
fn fixture(name: &str) -> (Inputs, Vec<StoredSnapshot>) {
    let asml = instrument("ASML", name, Currency::EUR);
    let aapl = instrument("AAPL", "Apple Inc.", Currency::USD);
    let mut dividend = entry(
        "div",
        "2026-03-10T12:00:00Z",
        LedgerKind::Dividend,
        usd("10.00"),
    );
    dividend.instrument = Some(aapl.clone());
    let mut tax = entry("tax", "2026-03-10T12:00:00Z", LedgerKind::Tax, usd("-1.50"));
    tax.instrument = Some(aapl.clone());
    tax.belongs_to = Some("div".to_owned());
    let ledger = vec![
        (
            "degiro".to_owned(),
            entry(
                "d1",
                "2025-01-02T09:00:00Z",
                LedgerKind::Deposit,
                eur("5000"),
            ),
        ),
        (
            "degiro".to_owned(),
            buy("b1", "2025-01-03T09:00:00Z", &asml, "4", eur("2800")),
        ),
        (
            "alpaca".to_owned(),
            entry(
                "d2",
                "2025-06-02T09:00:00Z",
                LedgerKind::Deposit,
                usd("2000"),
            ),
        ),
        (
            "alpaca".to_owned(),
            buy("b2", "2025-06-03T15:00:00Z", &aapl, "5", usd("1000")),
        ),
        ("alpaca".to_owned(), dividend),
        ("alpaca".to_owned(), tax),
        (
            "degiro".to_owned(),
            entry(
                "w1",
                "2026-02-01T09:00:00Z",
                LedgerKind::Withdrawal,
                eur("-500"),
            ),
        ),
    ];
    let history = RateHistory::new([
        rates("2025-01-02T00:00:00Z", "1.0000"),
        rates("2025-01-03T00:00:00Z", "1.0000"),
        rates("2025-06-02T00:00:00Z", "1.2500"),
        rates("2025-06-03T00:00:00Z", "1.2500"),
        rates("2026-02-01T00:00:00Z", "1.2500"),
        rates("2026-03-10T00:00:00Z", "1.2500"),
        rates("2026-11-01T00:00:00Z", "1.2500"),
        rates("2026-11-20T00:00:00Z", "1.2500"),
    ]);
    let first = vec![
        (
            t("2026-11-01T08:00:00Z"),
            "alpaca".to_owned(),
            snapshot(
                "2026-11-01T08:00:00Z",
                vec![(aapl.clone(), "5", usd("1100"))],
                &[usd("1010")],
            ),
        ),
        (
            t("2026-11-01T08:00:00Z"),
            "degiro".to_owned(),
            snapshot(
                "2026-11-01T08:00:00Z",
                vec![(asml.clone(), "4", eur("3000"))],
                &[eur("1700")],
            ),
        ),
    ];
    // The second sync read only degiro: alpaca keeps its earlier value.
    let second = vec![(
        t("2026-11-20T08:00:00Z"),
        "degiro".to_owned(),
        snapshot(
            "2026-11-20T08:00:00Z",
            vec![(asml, "4", eur("3200"))],
            &[eur("1700")],
        ),
    )];
    let stored: Vec<StoredSnapshot> = first.into_iter().chain(second).collect();
    let snapshots = vec![
        ("alpaca".to_owned(), stored[0].2.clone()),
        ("degiro".to_owned(), stored[2].2.clone()),
    ];
    let inputs = Inputs {
        base: Currency::EUR,
        today: history
            .table(t("2026-11-20T00:00:00Z").date_naive())
            .cloned(),
        history,
        ledger,
        snapshots,
        now: t("2026-11-21T10:00:00Z"),
    };
    (inputs, stored)
}

fn brokers() -> Vec<BrokerLine> {
    vec![
        BrokerLine {
            id: "alpaca".to_owned(),
            portfolio_read_at: Some(t("2026-11-01T08:00:00Z")),
            ledger_synced_until: Some(t("2026-11-01T08:00:00Z")),
            error: Some(
                "timed out after 30 s reading the portfolio, waiting for GET /v2/positions"
                    .to_owned(),
            ),
        },
        BrokerLine {
            id: "degiro".to_owned(),
            portfolio_read_at: Some(t("2026-11-20T08:00:00Z")),
            ledger_synced_until: Some(t("2026-11-20T08:00:00Z")),
            error: None,
        },
    ]
}

fn report(name: &str) -> Report {
    let (inputs, stored) = fixture(name);
    build(inputs, &stored)
}

fn build(inputs: Inputs, stored: &[StoredSnapshot]) -> Report {
    let options = ReportOptions {
        history: stored,
        brokers: brokers(),
        locale: Locale::default(),
        benchmark: None,
    };
    Report::build(&Analysis::new(inputs), options)
}

#[test]
fn the_headline_is_the_portfolio_total_and_its_change() {
    let r = report("ASML Holding N.V.");
    // 3200 + 1700 EUR, 1100 + 1010 USD at 1.25 = 880 + 808 EUR.
    assert_eq!(r.headline.total_base, d("6588.00"));
    // The first sync: 3000 + 1700 + 880 + 808; the second keeps alpaca.
    let values: Vec<Decimal> = r.value_over_time.iter().map(|p| p.value_base).collect();
    assert_eq!(values, [d("6388.00"), d("6588.00")]);
    assert_eq!(r.headline.change_base, Some(d("200.00")));
    assert_eq!(r.headline.previous_sync_at, Some(t("2026-11-01T08:00:00Z")));
    // 5000 EUR + 2000 USD at 1.25 - 500 EUR.
    assert_eq!(r.headline.net_invested_base, d("6100.00"));
    let steps: Vec<Decimal> = r.invested.iter().map(|p| p.net_invested_base).collect();
    assert_eq!(steps, [d("5000.00"), d("6600.00"), d("6100.00")]);
    assert!(r.headline.money_weighted_return.is_some());
    assert_eq!(r.headline.return_missing, None);
}

#[test]
fn every_allocation_adds_up_to_the_total() {
    let r = report("ASML Holding N.V.");
    for slices in [
        &r.allocation.by_asset_class,
        &r.allocation.by_broker,
        &r.allocation.by_currency,
    ] {
        let sum: Decimal = slices.iter().map(|s| s.value_base).sum();
        assert_eq!(sum, r.headline.total_base);
    }
    let classes: Vec<(&str, Decimal)> = r
        .allocation
        .by_asset_class
        .iter()
        .map(|s| (s.label.as_str(), s.value_base))
        .collect();
    assert_eq!(classes, [("stock", d("4080.00")), ("cash", d("2508.00"))]);
    let currencies: Vec<&str> = r
        .allocation
        .by_currency
        .iter()
        .map(|s| s.label.as_str())
        .collect();
    assert_eq!(currencies, ["EUR", "USD"]);
}

#[test]
fn dividends_fill_the_last_months_gross_and_net() {
    let r = report("ASML Holding N.V.");
    assert_eq!(r.dividends_by_month.len(), DIVIDEND_MONTHS);
    assert_eq!(r.dividends_by_month.last().unwrap().month, "2026-11");
    assert_eq!(r.dividends_by_month[0].month, "2023-12");
    let march = r
        .dividends_by_month
        .iter()
        .find(|m| m.month == "2026-03")
        .unwrap();
    // 10 USD gross, 1.50 withheld, at 1.25.
    assert_eq!((march.gross_base, march.net_base), (d("8.00"), d("6.80")));
    let others: Decimal = r
        .dividends_by_month
        .iter()
        .filter(|m| m.month != "2026-03")
        .map(|m| m.gross_base)
        .sum();
    assert_eq!(others, Decimal::ZERO);
}

#[test]
fn holdings_are_largest_first_with_weights() {
    let r = report("ASML Holding N.V.");
    let rows: Vec<(&str, Option<Decimal>, Option<Decimal>)> = r
        .holdings
        .iter()
        .map(|h| (h.symbol.as_str(), h.value_base, h.weight))
        .collect();
    assert_eq!(
        rows,
        [
            ("ASML", Some(d("3200.00")), Some(d("0.4857"))),
            ("AAPL", Some(d("880.00")), Some(d("0.1336"))),
        ]
    );
    assert_eq!(r.holdings[0].cost_base, Some(d("2800.00")));
    assert_eq!(r.holdings[0].gain_base, Some(d("400.00")));
}

#[test]
fn the_page_is_self_contained_and_says_what_failed() {
    let html = report("ASML Holding N.V.").html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(r#"<html lang="en" data-currency="EUR">"#));
    assert!(
        html.contains("default-src 'none'"),
        "the page may load nothing"
    );
    for outside in ["http://", "https://", "src=", "<link", "@import", "url("] {
        assert!(!html.contains(outside), "{outside} in the page");
    }
    assert!(html.contains(r#"id="headline-total" data-amount="6588">6588.00<"#));
    assert!(html.contains(r#"data-amount="200" data-signed="1">+200.00<"#));
    assert!(html.contains("FAILED: timed out after 30 s reading the portfolio"));
    // Every chart is there with its marks: three donuts, the value line
    // with its two points and the invested steps, the dividend bars.
    assert_eq!(html.matches("<svg").count(), 5);
    assert_eq!(html.matches(r#"class="slice c"#).count(), 2 + 2 + 2);
    assert_eq!(html.matches(r#"<circle class="point""#).count(), 2);
    assert_eq!(html.matches(r#"<path class="invested""#).count(), 1);
    // One month with dividends: one gross and one net bar.
    assert_eq!(html.matches(r#"<rect class="gross""#).count(), 1);
    assert_eq!(html.matches(r#"<rect class="net""#).count(), 1);
    assert_eq!(html.matches(r#"<polyline class="value""#).count(), 1);
    assert!(html.contains(r#"<th class="num" data-sort="number">Value</th>"#));
    assert!(html.contains(r#"<td class="num" data-key="0.4857">"#));
}

#[test]
fn text_from_a_broker_cannot_become_markup() {
    let html = report("<script>alert(1)</script><img src=x onerror=y>").html();
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
}

/// The page's one script runs under a policy that allows no other inline
/// script: it is allowed by the hash of its exact text.
#[test]
fn only_the_page_s_own_script_may_run() {
    use base64::Engine;
    use sha2::Digest;
    let html = report("ASML Holding N.V.").html();
    let policy = html
        .split(r#"http-equiv="Content-Security-Policy" content=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let script_src = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap();
    assert!(!policy.contains("script-src 'unsafe-inline'"), "{policy}");
    assert!(!script_src.contains("'unsafe-inline'"), "{script_src}");
    let script = html
        .split("<script>")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    assert_eq!(script_src, format!("script-src 'sha256-{hash}'"));
}

#[test]
fn locales_are_tags_and_nothing_else() {
    for ok in ["en", "de", "fr-CH", "pt_BR", "zh-Hant-TW", "nl"] {
        assert!(ok.parse::<Locale>().is_ok(), "{ok}");
    }
    assert_eq!("pt_BR".parse::<Locale>().unwrap().as_str(), "pt-BR");
    for bad in ["", "e", "english", "de\"><script>", "en-", "en US", "12"] {
        let e = bad.parse::<Locale>().unwrap_err();
        assert!(e.contains("is not a language tag"), "{bad}: {e}");
    }
}

#[test]
fn many_syncs_are_thinned_to_one_point_a_day_and_keep_the_newest() {
    let start = t("2020-01-01T00:00:00Z");
    let points: Vec<ValuePoint> = (0..20_000)
        .map(|i| ValuePoint {
            at: start + TimeDelta::hours(i),
            value_base: Decimal::from(i),
            unvalued: 0,
        })
        .collect();
    let kept = thin(points);
    assert!(kept.len() <= MAX_POINTS, "{}", kept.len());
    assert_eq!(kept.last().unwrap().value_base, Decimal::from(19_999));
    // 20,000 hours span 834 days, fewer than MAX_POINTS: one point a
    // day, each the day's last.
    assert_eq!(kept.len(), 834);
    assert_eq!(kept[0].value_base, Decimal::from(23));
}

#[test]
fn a_ten_thousand_entry_ledger_makes_a_page_under_two_megabytes() {
    let (mut inputs, stored) = fixture("ASML Holding N.V.");
    inputs.ledger = stonks_testkit::synthetic::ledger(10_000)
        .into_iter()
        .map(|e| ("degiro".to_owned(), e))
        .collect();
    let r = build(inputs, &stored);
    let html = r.html();
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
    assert_eq!(
        r.holdings.len(),
        8,
        "every instrument of the synthetic ledger"
    );
    assert_eq!(r.problems.len(), MAX_PROBLEMS, "listed up to the bound");
    assert!(r.more_problems > 0);
}

#[test]
fn one_holdings_line_per_instrument_across_brokers() {
    let row = |broker: &str, symbol: &str, name: &str, qty: &str, value: Option<&str>| {
        crate::analytics::holdings::HoldingRow {
            broker: Some(broker.to_owned()),
            account: Some("A".to_owned()),
            symbol: symbol.to_owned(),
            isin: None,
            instrument_key: "figi:BBG001S5N8V8".to_owned(),
            name: name.to_owned(),
            asset_class: AssetClass::Stock,
            quantity: d(qty),
            lots: 1,
            currency: Currency::USD,
            cost: None,
            value: None,
            gain: None,
            cost_base: Some(d("100")),
            value_base: value.map(d),
            gain_base: None,
        }
    };
    let lines = holding_lines(&[
        row("alpaca", "AAPL", "AAPL", "13", Some("2000")),
        row("degiro", "AAPL", "Apple Inc", "7", Some("1100")),
    ]);
    assert_eq!(lines.len(), 1);
    let l = &lines[0];
    assert_eq!((l.symbol.as_str(), l.name.as_str()), ("AAPL", "Apple Inc"));
    assert_eq!(l.by_broker, "alpaca 13; degiro 7");
    assert_eq!(l.quantity, d("20"));
    assert_eq!(l.cost_base, Some(d("200")));
    assert_eq!(l.value_base, Some(d("3100")));
    assert_eq!(l.broker, None, "two brokers hold it");
    let unknown = holding_lines(&[
        row("alpaca", "AAPL", "AAPL", "13", Some("2000")),
        row("degiro", "AAPL", "Apple Inc", "7", None),
    ]);
    assert_eq!(
        unknown[0].value_base, None,
        "one unknown value: the line's is unknown"
    );
}
