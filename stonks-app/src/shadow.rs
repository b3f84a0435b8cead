//! Shadow mode: two brokers that read the same account (the linked DEGIRO
//! and a runtime DEGIRO being written to replace it, say) read side by
//! side, and every difference in positions, cash and ledger entries named.
//!
//! Entries are matched by id; positions by instrument (ISIN, else symbol,
//! else the broker's id) and account; cash by currency and account. Values
//! compare as decimals (`1.50` equals `1.5`).

use std::collections::BTreeMap;

use serde::Serialize;
use stonks::v2::{LedgerEntry, PortfolioQuery, PortfolioSnapshot, TransactionQuery};
use stonks::{Instrument, Money};

use crate::app::App;
use crate::error::{Error, Result};
use crate::sync::{Budget, read_ledger};

/// One difference between the two brokers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `ledger`, `position` or `cash`.
    pub section: &'static str,
    /// The entry id, the instrument, or the currency (with the account).
    pub item: String,
    /// The field that differs (`missing` when one side has none of it).
    pub field: String,
    /// The first broker's value (`None`: it has no such item).
    pub a: Option<String>,
    /// The second broker's.
    pub b: Option<String>,
}

/// What comparing two brokers found.
#[derive(Debug, Clone, Serialize)]
pub struct ShadowReport {
    /// The first broker.
    pub a: String,
    /// The second broker.
    pub b: String,
    /// The account compared, when one was chosen.
    pub account: Option<String>,
    /// How many entries, positions and cash balances each side had.
    pub counts: Counts,
    /// Every difference, by section then item.
    pub differences: Vec<Difference>,
    /// What each side could not read (its ledger's and snapshot's
    /// problems): rows left out on both sides would otherwise look equal.
    pub problems: (Vec<String>, Vec<String>),
}

/// Sizes of each side.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    /// Ledger entries of `a` and `b`.
    pub entries: (usize, usize),
    /// Positions.
    pub positions: (usize, usize),
    /// Cash balances.
    pub cash: (usize, usize),
}

impl ShadowReport {
    /// Whether the two agree on everything, and each read everything.
    pub fn same(&self) -> bool {
        self.differences.is_empty() && self.problems.0.is_empty() && self.problems.1.is_empty()
    }
}

fn money(m: &Money) -> String {
    format!("{} {}", m.amount.normalize(), m.currency)
}

fn opt_money(m: &Option<Money>) -> String {
    m.as_ref().map_or_else(|| "-".to_owned(), money)
}

fn instrument_name(i: &Option<Instrument>) -> String {
    i.as_ref().map_or_else(|| "-".to_owned(), instrument_id)
}

fn instrument_id(i: &Instrument) -> String {
    match (&i.isin, &i.symbol) {
        (Some(isin), _) => isin.as_str().to_owned(),
        (None, Some(s)) => s.clone(),
        (None, None) => i.broker_id.clone(),
    }
}

/// The fields of an entry that must agree, as text.
fn entry_fields(e: &LedgerEntry) -> Vec<(&'static str, String)> {
    let mut fees: Vec<String> = e.fees.iter().map(money).collect();
    fees.sort();
    vec![
        ("timestamp", e.timestamp.to_rfc3339()),
        ("kind", e.kind.as_str().to_owned()),
        ("instrument", instrument_name(&e.instrument)),
        (
            "quantity",
            e.quantity
                .map_or("-".to_owned(), |q| q.normalize().to_string()),
        ),
        ("price", opt_money(&e.price)),
        ("amount", money(&e.amount)),
        ("fees", fees.join(", ")),
        ("belongs_to", e.belongs_to.clone().unwrap_or_default()),
    ]
}

/// Compares two item maps field by field.
fn compare<T>(
    section: &'static str,
    a: &BTreeMap<String, T>,
    b: &BTreeMap<String, T>,
    fields: impl Fn(&T) -> Vec<(&'static str, String)>,
    out: &mut Vec<Difference>,
) {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        match (a.get(key), b.get(key)) {
            (Some(x), Some(y)) => {
                for ((name, va), (_, vb)) in fields(x).into_iter().zip(fields(y)) {
                    if va != vb {
                        out.push(Difference {
                            section,
                            item: key.clone(),
                            field: name.to_owned(),
                            a: Some(va),
                            b: Some(vb),
                        });
                    }
                }
            }
            (x, y) => out.push(Difference {
                section,
                item: key.clone(),
                field: "missing".to_owned(),
                a: x.map(|_| "present".to_owned()),
                b: y.map(|_| "present".to_owned()),
            }),
        }
    }
}

fn chosen(account: Option<&str>, of: &Option<String>) -> bool {
    account.is_none_or(|want| of.as_deref() == Some(want))
}

fn keyed_account(account: &Option<String>, rest: String) -> String {
    match account {
        Some(a) => format!("{a}/{rest}"),
        None => rest,
    }
}

/// Items by key; a key met twice (an entry read twice) is a difference
/// of its own, never collapsed.
fn keyed<T: Clone>(
    section: &'static str,
    side: usize,
    items: impl Iterator<Item = (String, T)>,
    out: &mut Vec<Difference>,
) -> BTreeMap<String, T> {
    let mut map = BTreeMap::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (key, item) in items {
        *seen.entry(key.clone()).or_default() += 1;
        map.entry(key).or_insert(item);
    }
    for (key, n) in seen.into_iter().filter(|(_, n)| *n > 1) {
        let times = Some(format!("{n} times"));
        out.push(Difference {
            section,
            item: key,
            field: "duplicate".to_owned(),
            a: if side == 0 { times.clone() } else { None },
            b: if side == 1 { times } else { None },
        });
    }
    map
}

/// Compares what `a` and `b` read (only `account`'s items, when given).
pub fn compare_reads(
    (a, b): (&str, &str),
    account: Option<&str>,
    ledgers: (&[LedgerEntry], &[LedgerEntry]),
    snapshots: (&PortfolioSnapshot, &PortfolioSnapshot),
) -> ShadowReport {
    let mut differences = Vec::new();
    let entries = |l: &[LedgerEntry], side: usize, out: &mut Vec<Difference>| {
        let items = l
            .iter()
            .filter(|e| chosen(account, &e.account))
            .map(|e| (keyed_account(&e.account, e.id.clone()), e.clone()));
        keyed("ledger", side, items, out)
    };
    let positions = |s: &PortfolioSnapshot| {
        s.positions
            .iter()
            .filter(|p| chosen(account, &p.account))
            .map(|p| {
                let key = keyed_account(&p.account, instrument_id(&p.instrument));
                (key, p.clone())
            })
            .collect::<BTreeMap<_, _>>()
    };
    let cash = |s: &PortfolioSnapshot| {
        s.cash
            .iter()
            .filter(|c| chosen(account, &c.account))
            .map(|c| {
                (
                    keyed_account(&c.account, c.amount.currency.to_string()),
                    c.clone(),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    let ea = entries(ledgers.0, 0, &mut differences);
    let eb = entries(ledgers.1, 1, &mut differences);
    let (pa, pb) = (positions(snapshots.0), positions(snapshots.1));
    let (ca, cb) = (cash(snapshots.0), cash(snapshots.1));
    compare("ledger", &ea, &eb, entry_fields, &mut differences);
    compare(
        "position",
        &pa,
        &pb,
        |p| {
            vec![
                ("quantity", p.quantity.normalize().to_string()),
                ("price", opt_money(&p.price)),
                ("market_value", opt_money(&p.market_value)),
            ]
        },
        &mut differences,
    );
    compare(
        "cash",
        &ca,
        &cb,
        |c| vec![("amount", money(&c.amount))],
        &mut differences,
    );
    ShadowReport {
        a: a.to_owned(),
        b: b.to_owned(),
        account: account.map(str::to_owned),
        counts: Counts {
            entries: (ea.len(), eb.len()),
            positions: (pa.len(), pb.len()),
            cash: (ca.len(), cb.len()),
        },
        differences,
        problems: (
            snapshots
                .0
                .problems
                .iter()
                .map(ToString::to_string)
                .collect(),
            snapshots
                .1
                .problems
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
    }
}

/// Reads `a` and `b` (each within its budget, at once) and compares them.
pub async fn run(app: &App, a: &str, b: &str, account: Option<&str>) -> Result<ShadowReport> {
    let read = |id: String| async move {
        let total = app
            .active_brokers()
            .into_iter()
            .find(|(b, _)| *b == id)
            .map(|(_, t)| t)
            .ok_or_else(|| {
                let why = app.failed.iter().find(|(f, _)| *f == id).map_or_else(
                    || format!("{id} is not a configured broker"),
                    |(_, w)| w.clone(),
                );
                Error::Request(why)
            })?;
        let budget = Budget::start(&id, total);
        let work = async {
            let ledger = read_ledger(&app.registry, &id, TransactionQuery::new(), &|_| {}).await?;
            let mut snapshot = app
                .registry
                .portfolio_v2(&id)?
                .snapshot(&PortfolioQuery::new())
                .await?;
            // The ledger's problems are said with the snapshot's.
            snapshot.problems.extend(ledger.1);
            Ok::<_, stonks::Error>((ledger.0, snapshot))
        };
        budget
            .run(&app.registry, "reading for shadow mode", work)
            .await
            .map_err(|e| Error::Request(format!("{id}: {e}")))
    };
    let (ra, rb) = futures::join!(read(a.to_owned()), read(b.to_owned()));
    let ((la, sa), (lb, sb)) = (ra?, rb?);
    Ok(compare_reads((a, b), account, (&la, &lb), (&sa, &sb)))
}
