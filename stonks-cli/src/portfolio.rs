//! `stonks portfolio`: every broker at once, each under its own timeout;
//! positions merged by ISIN (else asset code) with a per-broker breakdown;
//! values in the base currency; cash per currency; totals.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use stonks::fx::RateTable;
use stonks::v2::{PortfolioQuery, PortfolioSnapshot};
use stonks::{Currency, Money, Registry};

use crate::output::{self, Format, dec};
use crate::table;

/// One broker's answer.
pub type BrokerResult = (String, Result<PortfolioSnapshot, String>);

/// Asks every broker at once; each gets `timeout`, and a failure stays its own.
pub async fn fetch_all(registry: &Registry, brokers: &[(String, Duration)]) -> Vec<BrokerResult> {
    let calls = brokers.iter().map(|(id, timeout)| async move {
        let call = async {
            let service = registry.portfolio_v2(id)?;
            service.snapshot(&PortfolioQuery::new()).await
        };
        let result = match tokio::time::timeout(*timeout, call).await {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("timed out after {} s", timeout.as_secs())),
        };
        (id.clone(), result)
    });
    futures::future::join_all(calls).await
}

fn in_base(m: Option<&Money>, base: &Currency, rates: Option<&RateTable>) -> Option<Decimal> {
    let m = m?;
    let amount = if &m.currency == base {
        m.amount
    } else {
        rates?.convert(m, base)?.amount
    };
    // Values in the base currency are for adding up: cents.
    Some(amount.round_dp(2))
}

/// The report as the documented JSON contract.
pub fn report(base: &Currency, results: &[BrokerResult], rates: Option<&RateTable>) -> Value {
    let mut brokers = Vec::new();
    let mut positions = Vec::new();
    let mut cash = Vec::new();
    let mut problems = Vec::new();
    let (mut mv_total, mut cash_total, mut unvalued) = (Decimal::ZERO, Decimal::ZERO, 0usize);
    let mut as_of = None;
    for (id, result) in results {
        match result {
            Err(why) => brokers.push(json!({"id": id, "status": "error", "error": why})),
            Ok(snap) => {
                brokers.push(json!({"id": id, "status": "ok", "error": null}));
                as_of = as_of.max(Some(snap.as_of));
                for p in &snap.positions {
                    let value_base = in_base(p.market_value.as_ref(), base, rates);
                    match value_base {
                        Some(v) => mv_total = mv_total.saturating_add(v),
                        None => unvalued += 1,
                    }
                    positions.push(json!({
                        "broker": id,
                        "account": p.account,
                        "symbol": p.instrument.symbol.clone().unwrap_or_else(|| p.instrument.broker_id.clone()),
                        "isin": p.instrument.isin.as_ref().map(|i| i.as_str()),
                        "name": p.instrument.name,
                        "asset_class": p.instrument.asset_class.as_str(),
                        "quantity": dec(Some(p.quantity)),
                        "currency": p.price.as_ref().or(p.market_value.as_ref()).map(|m| m.currency.as_str())
                            .or(p.instrument.currency.as_ref().map(|c| c.as_str())),
                        "price": dec(p.price.as_ref().map(|m| m.amount)),
                        "market_value": dec(p.market_value.as_ref().map(|m| m.amount)),
                        "market_value_base": dec(value_base),
                    }));
                }
                for c in &snap.cash {
                    let amount_base = in_base(Some(&c.amount), base, rates);
                    match amount_base {
                        Some(v) => cash_total = cash_total.saturating_add(v),
                        None => unvalued += 1,
                    }
                    cash.push(json!({
                        "broker": id,
                        "account": c.account,
                        "currency": c.amount.currency.as_str(),
                        "amount": dec(Some(c.amount.amount)),
                        "amount_base": dec(amount_base),
                    }));
                }
                for p in &snap.problems {
                    problems.push(json!({
                        "broker": id, "endpoint": p.endpoint, "item": p.item,
                        "field": p.field, "message": p.message,
                    }));
                }
            }
        }
    }
    json!({
        "base_currency": base.as_str(),
        "as_of": as_of.unwrap_or_else(chrono::Utc::now).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "brokers": brokers,
        "positions": positions,
        "cash": cash,
        "totals": {
            "market_value_base": dec(Some(mv_total)),
            "cash_base": dec(Some(cash_total)),
            "total_base": dec(Some(mv_total.saturating_add(cash_total))),
            "unvalued": unvalued,
        },
        "problems": problems,
    })
}

const POSITION_COLUMNS: &[&str] = &[
    "broker",
    "account",
    "symbol",
    "isin",
    "name",
    "asset_class",
    "quantity",
    "currency",
    "price",
    "market_value",
    "market_value_base",
];

/// Writes the report in `format`; problems go under a table (each with
/// `-v`), in the JSON's `problems` array, and to stderr beside CSV.
pub fn render(
    out: &mut impl Write,
    report: &Value,
    format: Format,
    verbose: u8,
) -> std::io::Result<()> {
    let problems = report["problems"].as_array().cloned().unwrap_or_default();
    let describe = |p: &Value| {
        let mut text = format!(
            "{}: {}",
            output::cell(&p["broker"]),
            output::cell(&p["endpoint"])
        );
        for (key, label) in [("item", "item"), ("field", "field")] {
            if let Some(v) = p[key].as_str() {
                text.push_str(&format!(", {label} {v}"));
            }
        }
        format!("{text}: {}", output::cell(&p["message"]))
    };
    if format == Format::Csv && !problems.is_empty() {
        eprintln!(
            "{} rows left out; run with --format json or -v to see them",
            problems.len()
        );
    }
    if format == Format::Table && !problems.is_empty() {
        let n = problems.len();
        table_view(out, report)?;
        if verbose == 0 {
            writeln!(
                out,
                "{n} row{} left out: a broker sent something that could not be read (-v shows each)",
                if n == 1 { " was" } else { "s were" }
            )?;
        } else {
            for p in &problems {
                writeln!(out, "left out: {}", describe(p))?;
            }
        }
        return Ok(());
    }
    match format {
        Format::Json => output::json(out, report),
        Format::Csv => {
            let mut rows: Vec<Value> = report["positions"].as_array().cloned().unwrap_or_default();
            for c in report["cash"].as_array().into_iter().flatten() {
                rows.push(
                    json!({"broker": c["broker"], "account": c["account"], "symbol": c["currency"], "asset_class": "cash",
                    "quantity": c["amount"], "currency": c["currency"], "market_value": c["amount"],
                    "market_value_base": c["amount_base"]}),
                );
            }
            output::csv(out, POSITION_COLUMNS, &rows)
        }
        Format::Table => table_view(out, report),
    }
}

/// Positions merged by ISIN, else by asset code, with the per-broker split.
fn table_view(out: &mut impl Write, report: &Value) -> std::io::Result<()> {
    let base = report["base_currency"].as_str().unwrap_or_default();
    let empty = Vec::new();
    let positions = report["positions"].as_array().unwrap_or(&empty);
    let mut merged: BTreeMap<String, (String, Decimal, Option<Decimal>, Vec<String>)> =
        BTreeMap::new();
    for p in positions {
        let key = p["isin"]
            .as_str()
            .map_or_else(|| output::cell(&p["symbol"]), str::to_owned);
        let qty: Decimal = p["quantity"]
            .as_str()
            .and_then(|q| q.parse().ok())
            .unwrap_or_default();
        let value: Option<Decimal> = p["market_value_base"].as_str().and_then(|v| v.parse().ok());
        let e = merged.entry(key).or_insert_with(|| {
            (
                output::cell(&p["name"]),
                Decimal::ZERO,
                Some(Decimal::ZERO),
                Vec::new(),
            )
        });
        e.1 = e.1.saturating_add(qty);
        e.2 = match (e.2, value) {
            (Some(a), Some(b)) => a.checked_add(b),
            _ => None,
        };
        e.3.push(format!(
            "{} {}",
            output::cell(&p["broker"]),
            qty.normalize()
        ));
    }
    let rows: Vec<Vec<String>> = merged
        .into_iter()
        .map(|(key, (name, qty, value, split))| {
            vec![
                key,
                table::clip(&name, 32),
                qty.normalize().to_string(),
                value.map_or("unknown".into(), |v| v.round_dp(2).to_string()),
                split.join("; "),
            ]
        })
        .collect();
    let value_header = format!("VALUE ({base})");
    table::write(
        out,
        &["ISIN/ASSET", "NAME", "QUANTITY", &value_header, "BY BROKER"],
        &rows,
    )?;
    writeln!(out)?;
    let cash: Vec<Vec<String>> = report["cash"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|c| {
            vec![
                output::cell(&c["broker"]),
                output::cell(&c["currency"]),
                output::cell(&c["amount"]),
                output::cell(&c["amount_base"]),
            ]
        })
        .collect();
    let base_header = format!("IN {base}");
    table::write(out, &["BROKER", "CASH", "AMOUNT", &base_header], &cash)?;
    let t = &report["totals"];
    writeln!(
        out,
        "\nTotal {base}: positions {} + cash {} = {}",
        output::cell(&t["market_value_base"]),
        output::cell(&t["cash_base"]),
        output::cell(&t["total_base"])
    )?;
    if t["unvalued"].as_u64().unwrap_or(0) > 0 {
        writeln!(
            out,
            "({} holdings have no known value in {base} and are not in the total)",
            t["unvalued"]
        )?;
    }
    for b in report["brokers"].as_array().unwrap_or(&empty) {
        if b["status"] == "error" {
            writeln!(
                out,
                "{}: FAILED: {}",
                output::cell(&b["id"]),
                output::cell(&b["error"])
            )?;
        }
    }
    Ok(())
}
