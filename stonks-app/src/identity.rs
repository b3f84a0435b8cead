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

use stonks::Instrument;
use stonks::identity::{IdentityQuery, Resolution};
use stonks::v2::{LedgerEntry, PortfolioSnapshot};

use crate::app::App;
use crate::config::InstrumentOverride;
use crate::store::{Store, StoredAnswer};
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

/// Per broker, per broker id.
type ByInstrument<T> = HashMap<String, HashMap<String, T>>;

/// What the app knows about which instrument is which: the resolver's
/// kept answers and the user's overrides. Looking an instrument up
/// allocates nothing when the store knows it (every stored one).
#[derive(Debug, Default)]
pub struct Identities {
    answers: HashMap<String, StoredAnswer>,
    /// The share-class FIGI (and listing FIGI) found for each stored
    /// instrument, through the query learned for it (a ledger row of
    /// Alpaca names no exchange; its position does).
    found: ByInstrument<(String, Option<String>)>,
    /// Stored instruments with nothing found.
    unfound: ByInstrument<()>,
    overrides: ByInstrument<InstrumentOverride>,
}

impl Identities {
    /// What the store has learned, with the config's overrides. A store
    /// that cannot be read gives the rules and overrides alone (logged).
    pub fn load(app: &App, store: Option<&Store>) -> Identities {
        Self::read(store, app.config.instruments.clone())
    }

    /// [`Identities::load`] from a store and overrides.
    pub fn read(
        store: Option<&Store>,
        overrides: BTreeMap<(String, String), InstrumentOverride>,
    ) -> Identities {
        let mut out = Identities::default();
        for ((broker, id), o) in overrides {
            out.overrides.entry(broker).or_default().insert(id, o);
        }
        let Some(store) = store else {
            return out;
        };
        match store.answers() {
            Ok(a) => out.answers = a,
            Err(e) => tracing::warn!("instrument identities not read: {e}"),
        }
        match store.instruments() {
            Ok(known) => {
                for k in known {
                    let found = k
                        .query
                        .as_deref()
                        .and_then(|q| out.answers.get(q))
                        .and_then(|a| match &a.answer {
                            Resolution::Found(f) => {
                                Some((f.share_class_figi.clone()?, f.figi.clone()))
                            }
                            _ => None,
                        });
                    let (broker, id) = (k.broker, k.instrument.broker_id);
                    match found {
                        Some(f) => {
                            out.found.entry(broker).or_default().insert(id, f);
                        }
                        None => {
                            out.unfound.entry(broker).or_default().insert(id, ());
                        }
                    }
                }
            }
            Err(e) => tracing::warn!("instrument identities not read: {e}"),
        }
        out
    }

    /// The override of `broker`'s `i`: by broker id, else by symbol.
    fn override_of(&self, broker: &str, i: &Instrument) -> Option<&InstrumentOverride> {
        let mine = self.overrides.get(broker)?;
        mine.get(&i.broker_id)
            .or_else(|| i.symbol.as_deref().and_then(|s| mine.get(s)))
    }

    /// The share-class FIGI (and listing FIGI) found for `broker`'s `i`:
    /// from what the store learned for that instrument, else (one the
    /// store does not know, or one the user gave an ISIN) by its query.
    fn found_for(
        &self,
        broker: &str,
        i: &Instrument,
        by_query: bool,
    ) -> Option<(&str, Option<&str>)> {
        let stored =
            |m: &ByInstrument<_>| m.get(broker).is_some_and(|b| b.contains_key(&i.broker_id));
        if !by_query {
            if let Some((scf, figi)) = self.found.get(broker).and_then(|b| b.get(&i.broker_id)) {
                return Some((scf, figi.as_deref()));
            }
            if stored(&self.unfound) {
                return None;
            }
        }
        match &self.answers.get(&IdentityQuery::of(i)?.to_string())?.answer {
            Resolution::Found(f) => Some((f.share_class_figi.as_deref()?, f.figi.as_deref())),
            _ => None,
        }
    }

    /// Puts what is known on `broker`'s `i` (overrides first, then the
    /// resolver's share-class FIGI) and says where its key comes from.
    pub fn apply(&self, broker: &str, i: &mut Instrument) -> KeySource {
        let mut source = KeySource::Broker;
        match self.override_of(broker, i) {
            Some(InstrumentOverride::Isin(isin)) => {
                i.isin = Some(*isin);
                i.ids.share_class_figi = None;
                i.ids.figi = None;
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
        if let Some((share_class, figi)) = self.found_for(broker, i, source == KeySource::Config) {
            i.ids.share_class_figi = Some(share_class.to_owned());
            if i.ids.figi.is_none() {
                i.ids.figi = figi.map(str::to_owned);
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
/// answer, a lot at a time within three minutes, keeping each lot's answers.
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
        let pairs: Vec<(IdentityQuery, Resolution)> = lot.iter().cloned().zip(answers).collect();
        if let Err(e) = store.save_answers(IDENTITY_PLUGIN, &pairs) {
            out.problems
                .push(format!("instrument identities not kept: {e}"));
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use stonks::identity::Resolved;
    use stonks::v2::{LedgerKind, Position};
    use stonks::{AssetClass, Currency, Money};

    fn apple_at_alpaca(exchange: Option<&str>) -> Instrument {
        let mut i = Instrument::new("AAPL", "AAPL", AssetClass::Stock);
        i.symbol = Some("AAPL".into());
        i.exchange = exchange.map(str::to_owned);
        i
    }

    fn found(figi: &str) -> Resolution {
        Resolution::Found(Resolved {
            share_class_figi: Some(figi.into()),
            ..Resolved::default()
        })
    }

    /// A store holding Alpaca's AAPL as a ledger row (no exchange) and as
    /// a position (on Nasdaq), and DEGIRO's Apple by ISIN.
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.sqlite")).unwrap();
        let mut buy = LedgerEntry::new(
            "b1",
            Utc::now(),
            LedgerKind::Buy,
            Money::new("-100".parse().unwrap(), Currency::USD),
        );
        buy.instrument = Some(apple_at_alpaca(None));
        store.commit_sync("alpaca", &[buy], Utc::now()).unwrap();
        let mut snap = PortfolioSnapshot::new(Utc::now());
        snap.positions.push(Position::new(
            apple_at_alpaca(Some("XNAS")),
            "13".parse().unwrap(),
        ));
        store.record_portfolio("alpaca", &snap, Utc::now()).unwrap();
        let mut degiro = Instrument::new("331824", "Apple Inc", AssetClass::Stock);
        degiro.isin = Some("US0378331005".parse().unwrap());
        let mut snap = PortfolioSnapshot::new(Utc::now());
        snap.positions
            .push(Position::new(degiro, "7".parse().unwrap()));
        store.record_portfolio("degiro", &snap, Utc::now()).unwrap();
        (dir, store)
    }

    #[test]
    fn a_ledger_row_gets_the_key_its_position_was_resolved_to() {
        let (_dir, store) = store();
        let asked: Vec<String> = store
            .unanswered()
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(asked, ["isin:US0378331005", "ticker:AAPL@XNAS"]);
        let unresolved = Identities::read(Some(&store), BTreeMap::new());
        let mut row = apple_at_alpaca(None);
        assert_eq!(unresolved.apply("alpaca", &mut row), KeySource::Broker);
        assert_eq!(
            row.key("alpaca"),
            "broker:alpaca:AAPL",
            "never merged on a guess"
        );

        let answers = store.unanswered().unwrap();
        let pairs: Vec<_> = answers
            .into_iter()
            .map(|q| (q, found("BBG001S5N8V8")))
            .collect();
        store.save_answers("test", &pairs).unwrap();
        assert!(
            store.unanswered().unwrap().is_empty(),
            "nothing asked twice"
        );
        let ids = Identities::read(Some(&store), BTreeMap::new());
        let mut row = apple_at_alpaca(None);
        assert_eq!(ids.apply("alpaca", &mut row), KeySource::Resolver);
        assert_eq!(row.key("alpaca"), "figi:BBG001S5N8V8");
        let mut degiro = Instrument::new("331824", "Apple Inc", AssetClass::Stock);
        degiro.isin = Some("US0378331005".parse().unwrap());
        ids.apply("degiro", &mut degiro);
        assert_eq!(
            degiro.key("degiro"),
            "figi:BBG001S5N8V8",
            "one row for Apple"
        );
    }

    #[test]
    fn a_failure_never_replaces_a_final_answer() {
        let (_dir, store) = store();
        let q: IdentityQuery = IdentityQuery::Isin("US0378331005".parse().unwrap());
        store
            .save_answers("test", &[(q.clone(), found("BBG001S5N8V8"))])
            .unwrap();
        let failed = Resolution::Failed {
            message: "HTTP 503".into(),
        };
        store.save_answers("test", &[(q.clone(), failed)]).unwrap();
        let kept = store.answers().unwrap();
        assert_eq!(kept[&q.to_string()].answer, found("BBG001S5N8V8"));
        // A failure kept before a final answer is replaced by it.
        let sap: IdentityQuery = IdentityQuery::Isin("DE0007164600".parse().unwrap());
        let failed = Resolution::Failed {
            message: "HTTP 503".into(),
        };
        store
            .save_answers("test", &[(sap.clone(), failed)])
            .unwrap();
        store
            .save_answers("test", &[(sap.clone(), found("BBG001S5R5M8"))])
            .unwrap();
        assert_eq!(
            store.answers().unwrap()[&sap.to_string()].answer,
            found("BBG001S5R5M8")
        );
    }

    #[test]
    fn the_user_decides_last_both_ways() {
        let (_dir, store) = store();
        let isin = IdentityQuery::Isin("US0378331005".parse().unwrap());
        store
            .save_answers("test", &[(isin, found("BBG001S5N8V8"))])
            .unwrap();
        // Merge: Alpaca's bare AAPL is Apple's ISIN, so it takes the key
        // every other Apple has.
        let merge = BTreeMap::from([(
            ("alpaca".to_owned(), "AAPL".to_owned()),
            InstrumentOverride::Isin("US0378331005".parse().unwrap()),
        )]);
        let ids = Identities::read(Some(&store), merge);
        let mut row = apple_at_alpaca(None);
        assert_eq!(ids.apply("alpaca", &mut row), KeySource::Config);
        assert_eq!(row.key("alpaca"), "figi:BBG001S5N8V8");
        // Split: DEGIRO's product keeps a key of its own, whatever the
        // resolver said.
        let split = BTreeMap::from([(
            ("degiro".to_owned(), "331824".to_owned()),
            InstrumentOverride::Key("broker:degiro:331824".into()),
        )]);
        let ids = Identities::read(Some(&store), split);
        let mut degiro = Instrument::new("331824", "Apple Inc", AssetClass::Stock);
        degiro.isin = Some("US0378331005".parse().unwrap());
        assert_eq!(ids.apply("degiro", &mut degiro), KeySource::Config);
        assert_eq!(degiro.key("degiro"), "broker:degiro:331824");
        let mut ibkr = Instrument::new("265598", "APPLE INC", AssetClass::Stock);
        ibkr.isin = Some("US0378331005".parse().unwrap());
        ids.apply("ibkr", &mut ibkr);
        assert_eq!(
            ibkr.key("ibkr"),
            "figi:BBG001S5N8V8",
            "only the named one is split"
        );
    }
}
