//! One key per instrument across brokers. Brokers say what they know
//! (ISIN, ticker on an exchange, asset code); a resolver (the
//! `identity-openfigi` plugin) adds the share-class FIGI for what they do
//! not say ([`resolve`], during a sync); the user's `[instruments]` table
//! decides last. [`Identities`] puts the three together on every
//! instrument the app reads, so `instrument_key` groups the same security
//! held at several brokers into one row.
//!
//! Answers are kept in the store: a second run asks nothing, `--offline`
//! asks nothing, and a failed call never changes a key (only a final
//! answer is kept over another).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use stonks::identity::{IdentityQuery, Resolution};
use stonks::v2::{LedgerEntry, PortfolioSnapshot};
use stonks::Instrument;

use crate::app::App;
use crate::config::InstrumentOverride;
use crate::store::{StoredAnswer, Store};
use crate::sync::Budget;

/// The id of the identity resolver the app uses.
pub const IDENTITY_PLUGIN: &str = "identity-openfigi";

/// How long one run may spend asking the resolver. Keyless, OpenFIGI
/// answers 250 queries a minute; what is left is asked next time.
const BUDGET: Duration = Duration::from_secs(180);

/// Queries handed to the resolver at once: each lot's answers are kept
/// before the next is asked, so a run cut short keeps what it learned.
const LOT: usize = 100;

/// Where an instrument's key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// What the broker said.
    Broker,
    /// A resolver's answer.
    Resolver,
    /// The `[instruments]` table.
    Config,
}

impl KeySource {
    /// The word the `instruments` contract uses.
    pub fn as_str(self) -> &'static str {
        match self {
            KeySource::Broker => "broker",
            KeySource::Resolver => "resolver",
            KeySource::Config => "config",
        }
    }
}

/// What the app knows about which instrument is which: the resolver's
/// kept answers and the user's overrides.
#[derive(Debug, Default)]
pub struct Identities {
    answers: HashMap<String, StoredAnswer>,
    /// (broker, broker id) → the query learned for it (a ledger row of
    /// Alpaca names no exchange; its position does).
    learned: HashMap<(String, String), String>,
    overrides: BTreeMap<(String, String), InstrumentOverride>,
}

impl Identities {
    /// What the store has learned, with the config's overrides. A store
    /// that cannot be read gives the rules and overrides alone (logged).
    pub fn load(app: &App, store: Option<&Store>) -> Identities {
        let mut out = Identities {
            overrides: app.config.instruments.clone(),
            ..Identities::default()
        };
        let Some(store) = store else {
            return out;
        };
        match store.answers() {
            Ok(a) => out.answers = a,
            Err(e) => tracing::warn!("instrument identities not read: {e}"),
        }
        match store.instruments() {
            Ok(known) => {
                out.learned = known
                    .into_iter()
                    .filter_map(|k| Some(((k.broker, k.instrument.broker_id), k.query?)))
                    .collect();
            }
            Err(e) => tracing::warn!("instrument identities not read: {e}"),
        }
        out
    }

    /// The override of `broker`'s `i`: by broker id, else by symbol.
    fn override_of(&self, broker: &str, i: &Instrument) -> Option<&InstrumentOverride> {
        let by = |id: &str| self.overrides.get(&(broker.to_owned(), id.to_owned()));
        by(&i.broker_id).or_else(|| i.symbol.as_deref().and_then(by))
    }

    /// The resolver's answer for `broker`'s `i`, when one was found.
    fn answer_of(&self, broker: &str, i: &Instrument) -> Option<&StoredAnswer> {
        let query = match IdentityQuery::of(i) {
            Some(q) => q.to_string(),
            None => self
                .learned
                .get(&(broker.to_owned(), i.broker_id.clone()))?
                .clone(),
        };
        self.answers.get(&query)
    }

    /// Puts what is known on `broker`'s `i` (overrides first, then the
    /// resolver's share-class FIGI) and says where its key comes from.
    pub fn apply(&self, broker: &str, i: &mut Instrument) -> KeySource {
        let mut source = KeySource::Broker;
        match self.override_of(broker, i) {
            Some(InstrumentOverride::Isin(isin)) => {
                i.isin = Some(*isin);
                i.ids.share_class_figi = None;
                source = KeySource::Config;
            }
            Some(InstrumentOverride::ShareClassFigi(figi)) => {
                i.ids.share_class_figi = Some(figi.clone());
                return KeySource::Config;
            }
            Some(InstrumentOverride::Key(key)) => {
                i.ids.assigned_key = Some(key.clone());
                return KeySource::Config;
            }
            None => {}
        }
        if i.ids.share_class_figi.is_some() || i.ids.assigned_key.is_some() {
            return source;
        }
        if let Some(StoredAnswer {
            answer: Resolution::Found(found),
            ..
        }) = self.answer_of(broker, i)
            && let Some(figi) = &found.share_class_figi
        {
            i.ids.share_class_figi = Some(figi.clone());
            if i.ids.figi.is_none() {
                i.ids.figi.clone_from(&found.figi);
            }
            if source == KeySource::Broker {
                source = KeySource::Resolver;
            }
        }
        source
    }

    /// [`Identities::apply`] to every position of `broker`'s snapshot.
    pub fn apply_snapshot(&self, broker: &str, snapshot: &mut PortfolioSnapshot) {
        for p in &mut snapshot.positions {
            self.apply(broker, &mut p.instrument);
        }
    }

    /// [`Identities::apply`] to every instrument of the entries.
    pub fn apply_entries(&self, entries: &mut [(String, LedgerEntry)]) {
        for (broker, e) in entries {
            if let Some(i) = &mut e.instrument {
                self.apply(broker, i);
            }
            if let Some(i) = e
                .action
                .as_deref_mut()
                .and_then(|c| c.new_instrument.as_mut())
            {
                self.apply(broker, i);
            }
        }
    }

    /// The kept answer about `query`.
    pub fn answer(&self, query: &str) -> Option<&StoredAnswer> {
        self.answers.get(query)
    }
}

/// What one [`resolve`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ResolveOutcome {
    /// Queries asked.
    pub asked: usize,
    /// Answered with a share class.
    pub found: usize,
    /// Unknown to the resolver.
    pub not_found: usize,
    /// One sentence per query that could not be settled (two share
    /// classes, a failed job, a run out of time, no resolver).
    pub problems: Vec<String>,
}

impl ResolveOutcome {
    /// One line for the sync's output; `None` when nothing was asked and
    /// nothing went wrong.
    pub fn summary(&self) -> Option<String> {
        if self.asked == 0 && self.problems.is_empty() {
            return None;
        }
        let mut s = format!(
            "instruments: {} asked, {} resolved, {} unknown to the resolver",
            self.asked, self.found, self.not_found
        );
        if !self.problems.is_empty() {
            s.push_str(&format!(", {} not settled", self.problems.len()));
        }
        Some(s)
    }
}

/// Asks the resolver about every instrument in the store without a final
/// answer, a lot at a time within [`BUDGET`], keeping each lot's answers.
/// Offline, with the resolver turned off or not installed, nothing is
/// asked: the keys use what brokers gave (said once in the problems when
/// there was something to ask).
pub async fn resolve(app: &App, store: &Store, offline: bool) -> ResolveOutcome {
    let mut out = ResolveOutcome::default();
    if let Err(e) = store.fill_queries() {
        out.problems.push(format!("instrument identities: {e}"));
        return out;
    }
    let pending = match store.unanswered() {
        Ok(p) => p,
        Err(e) => {
            out.problems.push(format!("instrument identities: {e}"));
            return out;
        }
    };
    if pending.is_empty() || offline {
        return out;
    }
    let service = match app.registry.identity(IDENTITY_PLUGIN) {
        Ok(s) if app.config.identity.enabled => s,
        _ => {
            out.problems.push(format!(
                "{} instrument{} not resolved: no identity resolver is active, so they are keyed by what their brokers say",
                pending.len(),
                if pending.len() == 1 { " is" } else { "s are" }
            ));
            return out;
        }
    };
    let budget = Budget::start(IDENTITY_PLUGIN, BUDGET);
    for (n, lot) in pending.chunks(LOT).enumerate() {
        let answers = match budget
            .run(&app.registry, "resolving instruments", service.resolve(lot))
            .await
        {
            Ok(a) if a.len() == lot.len() => a,
            Ok(a) => {
                out.problems.push(format!(
                    "{IDENTITY_PLUGIN} answered {} of {} queries: none kept",
                    a.len(),
                    lot.len()
                ));
                break;
            }
            Err(why) => {
                let left = pending.len() - n * LOT;
                out.problems.push(format!(
                    "{IDENTITY_PLUGIN}: {why}; {left} instrument{} asked again next sync",
                    if left == 1 { "" } else { "s" }
                ));
                break;
            }
        };
        out.asked += lot.len();
        for (q, a) in lot.iter().zip(&answers) {
            match a {
                Resolution::Found(_) => out.found += 1,
                Resolution::NotFound { .. } => out.not_found += 1,
                Resolution::Ambiguous { share_class_figis } => out.problems.push(format!(
                    "{q}: {IDENTITY_PLUGIN} answers {} share classes ({}); keyed by what the broker says until [instruments] names one",
                    share_class_figis.len(),
                    share_class_figis.join(", ")
                )),
                Resolution::Failed { message } => out
                    .problems
                    .push(format!("{q}: not resolved ({message}); asked again next sync")),
            }
        }
        let pairs: Vec<(IdentityQuery, Resolution)> =
            lot.iter().cloned().zip(answers).collect();
        if let Err(e) = store.save_answers(IDENTITY_PLUGIN, &pairs) {
            out.problems.push(format!("instrument identities not kept: {e}"));
            break;
        }
    }
    out
}
