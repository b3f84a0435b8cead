//! Every instrument the store knows, one row per instrument key: its
//! identifiers, where its key came from (broker, resolver, config), and
//! each broker's own name for it with what that broker holds now.
//! [`InstrumentsReport`] serialises as the `instruments` JSON contract of
//! the README.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use stonks::identity::{Identifiers, IdentityQuery, Resolution};
use stonks::{AssetClass, Isin};

use crate::app::App;
use crate::error::Result;
use crate::identity::Identities;
use crate::store::Store;

/// One broker's instrument under a key.
#[derive(Debug, Clone, Serialize)]
pub struct BrokerInstrument {
    /// The broker (its config name).
    pub broker: String,
    /// The broker's own id.
    pub broker_id: String,
    /// The broker's ticker or asset code.
    pub symbol: Option<String>,
    /// Where this broker's instrument got its key.
    pub key_source: &'static str,
    /// What the resolver is asked about it (`isin:...`), when anything.
    pub query: Option<String>,
    /// Units in the broker's latest stored portfolio (`0` when none).
    pub held: Decimal,
}

/// The resolver's answer about an instrument.
#[derive(Debug, Clone, Serialize)]
pub struct ResolverAnswer {
    /// What was asked.
    pub query: String,
    /// `found`, `not_found`, `ambiguous` or `failed`.
    pub status: &'static str,
    /// The resolver plugin.
    pub source: String,
    /// When (RFC 3339).
    pub answered_at: String,
    /// The source's words, for anything but `found`.
    pub message: Option<String>,
}

/// One instrument across brokers.
#[derive(Debug, Clone, Serialize)]
pub struct InstrumentRow {
    /// The key it is grouped by everywhere.
    pub instrument_key: String,
    /// The shortest ticker any broker gives.
    pub symbol: Option<String>,
    /// Its ISIN, when any broker (or the config) gives one.
    pub isin: Option<Isin>,
    /// A name for people.
    pub name: String,
    /// What kind of instrument.
    pub asset_class: AssetClass,
    /// CUSIP, FIGI, share-class FIGI, MIC, as known.
    pub identifiers: Identifiers,
    /// Every resolver answer about it.
    pub resolver: Vec<ResolverAnswer>,
    /// Each broker's instrument with this key.
    pub brokers: Vec<BrokerInstrument>,
    /// Whether `name` is a name, not a broker's ticker.
    #[serde(skip)]
    named: bool,
}

/// The `instruments` JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct InstrumentsReport {
    /// Every instrument, by key.
    pub instruments: Vec<InstrumentRow>,
}

fn status(r: &Resolution) -> (&'static str, Option<String>) {
    match r {
        Resolution::Found(_) => ("found", None),
        Resolution::NotFound { message } => ("not_found", Some(message.clone())),
        Resolution::Ambiguous { share_class_figis } => (
            "ambiguous",
            Some(format!("share classes {}", share_class_figis.join(", "))),
        ),
        Resolution::Failed { message } => ("failed", Some(message.clone())),
    }
}

/// Fills what `row` lacks from `more`.
fn merge_ids(row: &mut Identifiers, more: &Identifiers) {
    for (mine, theirs) in [
        (&mut row.cusip, &more.cusip),
        (&mut row.figi, &more.figi),
        (&mut row.share_class_figi, &more.share_class_figi),
        (&mut row.mic, &more.mic),
        (&mut row.assigned_key, &more.assigned_key),
    ] {
        if mine.is_none() {
            mine.clone_from(theirs);
        }
    }
}

impl InstrumentsReport {
    /// Every instrument `store` knows of the configured brokers, keyed as
    /// `app`'s identities say.
    pub fn build(app: &App, store: &Store) -> Result<Self> {
        let ids = Identities::load(app, Some(store));
        let mut held: BTreeMap<(String, String), Decimal> = BTreeMap::new();
        for id in app.config.brokers.keys() {
            if let Some(s) = store.portfolio(id)? {
                for p in &s.positions {
                    *held
                        .entry((id.clone(), p.instrument.broker_id.clone()))
                        .or_default() += p.quantity;
                }
            }
        }
        let mut rows: BTreeMap<String, InstrumentRow> = BTreeMap::new();
        for known in store.instruments()? {
            if !app.config.brokers.contains_key(&known.broker) {
                continue;
            }
            let mut i = known.instrument;
            let source = ids.apply(&known.broker, &mut i);
            let key = i.key(&known.broker);
            let query = known
                .query
                .clone()
                .or_else(|| IdentityQuery::of(&i).map(|q| q.to_string()));
            let row = rows.entry(key.clone()).or_insert_with(|| InstrumentRow {
                instrument_key: key,
                symbol: None,
                isin: None,
                name: i.name.clone(),
                asset_class: i.asset_class.clone(),
                identifiers: Identifiers::default(),
                resolver: Vec::new(),
                brokers: Vec::new(),
                named: false,
            });
            if let Some(s) = i.symbol.as_deref().filter(|s| !s.is_empty())
                && row.symbol.as_deref().is_none_or(|old| s.len() < old.len())
            {
                row.symbol = Some(s.to_owned());
            }
            row.isin = row.isin.or(i.isin);
            // A broker that names it by its ticker gives way to one that
            // names it.
            if !row.named && i.symbol.as_deref() != Some(i.name.as_str()) {
                row.name.clone_from(&i.name);
                row.named = true;
            }
            merge_ids(&mut row.identifiers, &i.ids);
            if let Some(q) = &known.query
                && !row.resolver.iter().any(|a| &a.query == q)
                && let Some(a) = ids.answer(q)
            {
                let (status, message) = status(&a.answer);
                row.resolver.push(ResolverAnswer {
                    query: q.clone(),
                    status,
                    source: a.source.clone(),
                    answered_at: a.answered_at.clone(),
                    message,
                });
            }
            row.brokers.push(BrokerInstrument {
                held: held
                    .get(&(known.broker.clone(), i.broker_id.clone()))
                    .copied()
                    .unwrap_or_default(),
                broker: known.broker,
                broker_id: i.broker_id,
                symbol: i.symbol,
                key_source: source.as_str(),
                query,
            });
        }
        Ok(InstrumentsReport {
            instruments: rows.into_values().collect(),
        })
    }
}
