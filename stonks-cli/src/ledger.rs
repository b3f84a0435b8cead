//! `stonks transactions` and `stonks sync`: the merged ledger, live or from
//! the store, and pulling each broker's ledger into the store incrementally.

use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde_json::{Value, json};
use stonks::v2::{
    LedgerEntry, LedgerKind, PortfolioQuery, TransactionQuery, TransactionServiceExt,
};
use stonks::{ReadProblem, Registry, Service};

use crate::output::{self, Format, dec};
use crate::store::Store;
use crate::table;

/// How far back each incremental sync reads again, for late-booked entries.
pub const OVERLAP: chrono::Duration = chrono::Duration::days(7);

/// The kinds the JSON contract names; everything else is `other`.
pub fn contract_kind(kind: &LedgerKind) -> &'static str {
    match kind {
        LedgerKind::Buy => "buy",
        LedgerKind::Sell => "sell",
        LedgerKind::Deposit => "deposit",
        LedgerKind::Withdrawal => "withdrawal",
        LedgerKind::Dividend => "dividend",
        LedgerKind::Tax => "tax",
        LedgerKind::Interest => "interest",
        LedgerKind::Fee => "fee",
        LedgerKind::StakingReward => "staking_reward",
        LedgerKind::Transfer => "transfer",
        LedgerKind::FxConversion => "fx_conversion",
        _ => "other",
    }
}

/// One entry in the JSON contract's shape.
pub fn entry_json(broker: &str, e: &LedgerEntry) -> Value {
    let account = e.account.as_deref();
    let description = match (&e.kind, &e.description) {
        (_, Some(d)) => Some(d.clone()),
        (LedgerKind::Other(name), None) => Some(name.clone()),
        _ => None,
    };
    json!({
        "broker": broker,
        "account": account,
        "id": e.id,
        "timestamp": e.timestamp.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        "kind": contract_kind(&e.kind),
        "symbol": e.instrument.as_ref().map(|i| i.symbol.clone().unwrap_or_else(|| i.broker_id.clone())),
        "isin": e.instrument.as_ref().and_then(|i| i.isin.as_ref().map(|x| x.as_str().to_owned())),
        "quantity": dec(e.quantity),
        "price": dec(e.price.as_ref().map(|p| p.amount)),
        "amount": dec(Some(e.amount.amount)),
        "currency": e.amount.currency.as_str(),
        "fees": e.fees.iter().map(|f| json!({"amount": dec(Some(f.amount)), "currency": f.currency.as_str()})).collect::<Vec<_>>(),
        "description": description,
    })
}

/// What one broker's ledger read gave: its entries and the problems met.
pub type LedgerRead = (Vec<LedgerEntry>, Vec<ReadProblem>);

/// Every entry of `query` from one broker, page by page through core's
/// stream of pages (the progress bar moves per page).
pub async fn read_broker(
    registry: &Registry,
    id: &str,
    query: TransactionQuery,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<LedgerRead, String> {
    let service = registry.transactions_v2(id).map_err(|e| e.to_string())?;
    let mut pages = service.pages(query);
    let (mut entries, mut problems) = (Vec::new(), Vec::new());
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| e.to_string())?;
        if let Some(p) = progress {
            p.inc(page.items.len() as u64);
        }
        entries.extend(page.items);
        problems.extend(page.problems);
    }
    Ok((entries, problems))
}

/// Filters of `stonks transactions`.
pub struct Filter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub kinds: Vec<String>,
    pub broker: Option<String>,
}

impl Filter {
    fn keeps(&self, broker: &str, e: &LedgerEntry) -> bool {
        self.since.is_none_or(|s| e.timestamp >= s)
            && self.until.is_none_or(|u| e.timestamp < u)
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == contract_kind(&e.kind)))
            && self.broker.as_deref().is_none_or(|b| b == broker)
    }
}

const COLUMNS: &[&str] = &[
    "broker",
    "account",
    "id",
    "timestamp",
    "kind",
    "symbol",
    "isin",
    "quantity",
    "price",
    "amount",
    "currency",
    "description",
];

/// Writes the merged ledger, newest first.
pub fn render(
    out: &mut impl Write,
    mut entries: Vec<(String, LedgerEntry)>,
    filter: &Filter,
    format: Format,
) -> std::io::Result<()> {
    entries.retain(|(b, e)| filter.keeps(b, e));
    entries.sort_by(|a, b| {
        b.1.timestamp
            .cmp(&a.1.timestamp)
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    let rows: Vec<Value> = entries.iter().map(|(b, e)| entry_json(b, e)).collect();
    match format {
        Format::Json => output::json(out, &Value::Array(rows)),
        Format::Csv => {
            let flat: Vec<Value> = rows
                .into_iter()
                .map(|mut r| {
                    let fees: Vec<String> = r["fees"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|f| {
                            format!(
                                "{} {}",
                                output::cell(&f["amount"]),
                                output::cell(&f["currency"])
                            )
                        })
                        .collect();
                    r["fees"] = Value::String(fees.join(" + "));
                    r
                })
                .collect();
            let mut cols = COLUMNS.to_vec();
            cols.insert(11, "fees");
            output::csv(out, &cols, &flat)
        }
        Format::Table => {
            let table_rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        output::cell(&r["timestamp"]),
                        output::cell(&r["broker"]),
                        output::cell(&r["kind"]),
                        output::cell(&r["symbol"]),
                        output::cell(&r["quantity"]),
                        format!(
                            "{} {}",
                            output::cell(&r["amount"]),
                            output::cell(&r["currency"])
                        ),
                        table::clip(&output::cell(&r["description"]), 40),
                    ]
                })
                .collect();
            table::write(
                out,
                &[
                    "TIME (UTC)",
                    "BROKER",
                    "KIND",
                    "SYMBOL",
                    "QUANTITY",
                    "AMOUNT",
                    "DESCRIPTION",
                ],
                &table_rows,
            )?;
            writeln!(out, "{} entries", table_rows.len())
        }
    }
}

/// Live: every enabled broker's ledger for the filter's range, at once.
pub async fn fetch_all(
    registry: &Registry,
    brokers: &[(String, Duration)],
    filter: &Filter,
) -> Vec<(String, Result<LedgerRead, String>)> {
    let calls = brokers
        .iter()
        .filter(|(id, _)| filter.broker.as_deref().is_none_or(|b| b == id))
        .filter(|(id, _)| {
            registry
                .entry(id)
                .and_then(|e| e.manifest)
                .is_some_and(|m| m.capabilities.services.iter().any(|s| s.is_ledger()))
        })
        .map(|(id, timeout)| async move {
            let mut q = TransactionQuery::new();
            q.from = filter.since;
            q.until = filter.until;
            let r = match tokio::time::timeout(*timeout, read_broker(registry, id, q, None)).await {
                Ok(r) => r,
                Err(_) => Err(format!("timed out after {} s", timeout.as_secs())),
            };
            (id.clone(), r)
        });
    futures::future::join_all(calls).await
}

/// A line above the progress bars on a terminal; a plain line in a pipe.
fn say(bars: &indicatif::MultiProgress, err: &mut impl Write, line: String) {
    if bars.is_hidden() {
        let _ = writeln!(err, "{line}");
    } else {
        let _ = bars.println(line);
    }
}

/// `stonks sync`: each broker's new entries since its cursor (minus the
/// overlap) into the store, all or nothing per broker; its portfolio too.
/// Returns the brokers that failed.
pub async fn sync(
    registry: &Registry,
    brokers: &[(String, Duration)],
    store: &mut Store,
    err: &mut impl Write,
) -> Vec<(String, String)> {
    let bars = indicatif::MultiProgress::new();
    let mut failed = Vec::new();
    for (id, timeout) in brokers {
        let manifest = registry.entry(id).and_then(|e| e.manifest);
        let started = Utc::now();
        let since = match store.cursor(id) {
            Ok(c) => c.map(|c| c - OVERLAP),
            Err(e) => {
                failed.push((id.clone(), e));
                continue;
            }
        };
        let style = indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos} entries")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
        let bar = bars.add(indicatif::ProgressBar::new_spinner().with_style(style));
        bar.set_message(id.clone());
        bar.enable_steady_tick(Duration::from_millis(120));
        let mut query = TransactionQuery::new().until(started);
        query.from = since;
        let has_ledger = manifest
            .as_ref()
            .is_some_and(|m| m.capabilities.services.iter().any(|s| s.is_ledger()));
        let result = async {
            if has_ledger {
                let (entries, problems) = tokio::time::timeout(
                    *timeout * 10,
                    read_broker(registry, id, query, Some(&bar)),
                )
                .await
                .map_err(|_| format!("timed out after {} s", timeout.as_secs() * 10))??;
                let added = store.commit_sync(id, &entries, started)?;
                say(
                    &bars,
                    err,
                    format!(
                        "{id}: {} entries read, {added} new{}",
                        entries.len(),
                        problems_note(problems.len())
                    ),
                );
                for p in &problems {
                    say(&bars, err, format!("{id}: left out: {p}"));
                }
            }
            if manifest
                .as_ref()
                .is_some_and(|m| m.declares(Service::Portfolio))
            {
                let snap = registry
                    .portfolio_v2(id)
                    .map_err(|e| e.to_string())?
                    .snapshot(&PortfolioQuery::new())
                    .await
                    .map_err(|e| e.to_string())?;
                store.save_portfolio(id, &snap)?;
            }
            Ok::<(), String>(())
        }
        .await;
        bar.finish_and_clear();
        if let Err(why) = result {
            say(
                &bars,
                err,
                format!("{id}: sync failed, nothing of it stored: {why}"),
            );
            failed.push((id.clone(), why));
        }
    }
    failed
}

/// `, N rows left out (problems)` when there were any.
pub fn problems_note(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => ", 1 row left out (a problem)".to_owned(),
        n => format!(", {n} rows left out (problems)"),
    }
}
