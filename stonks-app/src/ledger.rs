//! The merged ledger, live or from the store ([`load`]). [`LedgerRow`]
//! serialises as the `transactions` JSON contract of the README, borrowing
//! from the entries (no copy per row). Reading the brokers is
//! [`crate::sync`]'s.

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use stonks::v2::{LedgerEntry, LedgerKind};
use stonks::{Currency, Isin};

use crate::app::App;
use crate::error::{Error, Result};
use crate::identity::Identities;
use crate::store::{Select, Store};

/// The contract's name for kinds it does not name.
pub const OTHER: &str = "other";

/// The kind as the JSON contract names it: [`LedgerKind`]'s own name,
/// and `other` for a kind the model does not name.
pub fn contract_kind(kind: &LedgerKind) -> &str {
    match kind {
        LedgerKind::Other(_) => OTHER,
        named => named.as_str(),
    }
}

static NAMED: [LedgerKind; 15] = LedgerKind::NAMED;

/// The kinds `stonks transactions --kind` takes: every named kind, then
/// `other`.
pub fn contract_kinds() -> impl Iterator<Item = &'static str> {
    NAMED.iter().map(LedgerKind::as_str).chain([OTHER])
}

/// An amount of a row: a fee (positive), a transfer's cost basis.
#[derive(Debug, Serialize)]
pub struct MoneyRow {
    /// The amount.
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

/// One fee of a row (positive).
pub type FeeRow = MoneyRow;

impl From<&stonks::Money> for MoneyRow {
    fn from(m: &stonks::Money) -> Self {
        MoneyRow {
            amount: m.amount,
            currency: m.currency,
        }
    }
}

fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// One ledger entry as the `transactions` contract shows it, borrowing
/// from the entry.
#[derive(Debug, Serialize)]
pub struct LedgerRow<'a> {
    /// The broker.
    pub broker: &'a str,
    /// The broker's account, when it names one.
    pub account: Option<&'a str>,
    /// The broker's id of the entry.
    pub id: &'a str,
    /// When (RFC 3339, UTC).
    #[serde(serialize_with = "rfc3339")]
    pub timestamp: DateTime<Utc>,
    /// What it is (one of [`contract_kinds`]).
    pub kind: &'a str,
    /// Ticker or asset code of the instrument, when there is one.
    pub symbol: Option<&'a str>,
    /// Its ISIN.
    pub isin: Option<&'a Isin>,
    /// The key instruments are told apart by across brokers
    /// ([`stonks::identity::instrument_key`]), when there is an instrument.
    pub instrument_key: Option<String>,
    /// Units.
    pub quantity: Option<Decimal>,
    /// Price per unit.
    pub price: Option<Decimal>,
    /// Signed cash effect.
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
    /// Fees of this entry.
    pub fees: Vec<FeeRow>,
    /// The broker's words, or the broker's name for a kind the contract
    /// does not have.
    pub description: Option<&'a str>,
    /// The id of the entry this one belongs to: a withholding's dividend,
    /// a fee's trade, what a reversal reverses.
    pub belongs_to: Option<&'a str>,
    /// The cost basis units transferred in carry, when the source states it.
    pub cost_basis: Option<MoneyRow>,
    /// A corporate action's ratio, `new:old` (a 4-for-1 split is `4:1`).
    pub ratio: Option<String>,
    /// What a spin-off or merger gives: its ticker or asset code.
    pub new_symbol: Option<&'a str>,
    /// Its ISIN.
    pub new_isin: Option<&'a Isin>,
    /// Units of it received.
    pub new_quantity: Option<Decimal>,
    /// The share of the parent's cost basis that moves to it (0 to 1).
    pub cost_fraction: Option<Decimal>,
}

impl<'a> LedgerRow<'a> {
    /// The row of `entry` from `broker`.
    pub fn new(broker: &'a str, e: &'a LedgerEntry) -> Self {
        let description = match (&e.kind, &e.description) {
            (_, Some(d)) => Some(d.as_str()),
            (LedgerKind::Other(name), None) => Some(name.as_str()),
            _ => None,
        };
        let action = e.action.as_deref();
        LedgerRow {
            broker,
            account: e.account.as_deref(),
            id: &e.id,
            timestamp: e.timestamp,
            kind: contract_kind(&e.kind),
            symbol: e.instrument.as_ref().map(|i| i.label()),
            isin: e.instrument.as_ref().and_then(|i| i.isin.as_ref()),
            instrument_key: e.instrument.as_ref().map(|i| i.key(broker)),
            quantity: e.quantity,
            price: e.price.map(|p| p.amount),
            amount: e.amount.amount,
            currency: e.amount.currency,
            fees: e.fees.iter().map(MoneyRow::from).collect(),
            description,
            belongs_to: e.belongs_to.as_deref(),
            cost_basis: e.cost_basis.as_ref().map(MoneyRow::from),
            ratio: action
                .and_then(|a| a.ratio)
                .map(|r| format!("{}:{}", r.new, r.old)),
            new_symbol: action
                .and_then(|a| a.new_instrument.as_ref())
                .map(|i| i.label()),
            new_isin: action
                .and_then(|a| a.new_instrument.as_ref())
                .and_then(|i| i.isin.as_ref()),
            new_quantity: action.and_then(|a| a.new_quantity),
            cost_fraction: action.and_then(|a| a.cost_basis_fraction),
        }
    }
}

/// What `stonks transactions` keeps.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
    /// Contract kinds; empty keeps all.
    pub kinds: Vec<String>,
    /// One broker only.
    pub broker: Option<String>,
}

impl Filter {
    /// A filter that could only ever match nothing is a mistake: this says
    /// which part of it, before anything is read.
    pub fn check(&self) -> Result<()> {
        if let Some(bad) = self
            .kinds
            .iter()
            .find(|k| !contract_kinds().any(|c| c == k.as_str()))
        {
            return Err(Error::Request(format!(
                "--kind {bad:?}: expected one of {}",
                contract_kinds().collect::<Vec<_>>().join(", ")
            )));
        }
        if let (Some(since), Some(until)) = (self.since, self.until)
            && since >= until
        {
            return Err(Error::Request(format!(
                "--since {since} is not before --until {until}"
            )));
        }
        Ok(())
    }

    /// `broker` must name one of the `known` brokers (`what` they are:
    /// enabled, configured).
    fn check_broker<'a>(&self, known: impl Iterator<Item = &'a String>, what: &str) -> Result<()> {
        let Some(broker) = self.broker.as_deref() else {
            return Ok(());
        };
        let known: Vec<&str> = known.map(String::as_str).collect();
        if known.contains(&broker) {
            return Ok(());
        }
        let which = match known.as_slice() {
            [] => "none is".to_owned(),
            [one] => format!("{one} is"),
            many => format!("{} are", many.join(", ")),
        };
        Err(Error::Request(format!(
            "--broker {broker:?}: no such broker is {what} ({which})"
        )))
    }

    /// Whether the filter keeps `e` of `broker`.
    pub fn keeps(&self, broker: &str, e: &LedgerEntry) -> bool {
        self.since.is_none_or(|s| e.timestamp >= s)
            && self.until.is_none_or(|u| e.timestamp < u)
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == contract_kind(&e.kind)))
            && self.broker.as_deref().is_none_or(|b| b == broker)
    }
}

/// Keeps what `filter` keeps, newest first.
pub fn merged(
    mut entries: Vec<(String, LedgerEntry)>,
    filter: &Filter,
) -> Vec<(String, LedgerEntry)> {
    entries.retain(|(b, e)| filter.keeps(b, e));
    entries.sort_by(|a, b| {
        b.1.timestamp
            .cmp(&a.1.timestamp)
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    entries
}

/// The stored ledger of `filter.broker` (or every broker), merged.
pub fn stored(store: &Store, filter: &Filter) -> Result<Vec<(String, LedgerEntry)>> {
    let select = Select {
        broker: filter.broker.as_deref(),
        since: filter.since,
        until: filter.until,
        kinds: &filter.kinds,
    };
    Ok(merged(store.ledger_where(&select)?, filter))
}

/// What [`load`] read: the entries the filter keeps, newest first, the
/// rows each broker sent that could not be read, and the brokers that
/// failed (each with one sentence).
#[derive(Debug, Default)]
pub struct Loaded {
    /// (broker, entry), newest first.
    pub entries: Vec<(String, LedgerEntry)>,
    /// (broker, problem): rows left out.
    pub problems: Vec<(String, String)>,
    /// (broker, why): brokers that could not be read, or not started.
    pub failed: Vec<(String, String)>,
}

/// The merged ledger `filter` asks for: live from every active broker
/// (each within its budget), or `offline` from the store. A filter that can
/// match nothing is [`Error::Request`], before anything is read.
pub async fn load(app: &App, filter: &Filter, offline: bool) -> Result<Loaded> {
    filter.check()?;
    let mut loaded = Loaded {
        failed: app.failed.clone(),
        ..Loaded::default()
    };
    if offline {
        let store = app.open_store()?;
        loaded.entries = stored(&store, filter)?;
        Identities::load(app, Some(&store)).apply_entries(&mut loaded.entries);
        // A broker taken out of the config may still have its history stored.
        if loaded.entries.is_empty() {
            filter.check_broker(app.config.brokers.keys(), "configured")?;
        }
        return Ok(loaded);
    }
    filter.check_broker(app.config.enabled().map(|(id, _)| id), "enabled")?;
    let mut all = Vec::new();
    for (id, r) in crate::sync::ledgers(app, filter).await {
        match r {
            Ok((entries, found)) => {
                all.extend(entries.into_iter().map(|e| (id.clone(), e)));
                loaded
                    .problems
                    .extend(found.into_iter().map(|p| (id.clone(), p.to_string())));
            }
            Err(why) => loaded.failed.push((id, why)),
        }
    }
    loaded.entries = merged(all, filter);
    // Keys as the store has learned them (a live read asks no resolver).
    let store = app.open_store().ok();
    Identities::load(app, store.as_ref()).apply_entries(&mut loaded.entries);
    Ok(loaded)
}
