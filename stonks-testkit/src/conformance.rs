//! One behaviour suite for every broker plugin, its tests chosen by the
//! capabilities the plugin's manifest declares (OpenDAL's behaviour tests are
//! the model). A broker crate calls [`run`] against its own mock:
//!
//! ```no_run
//! # async fn demo(mock: stonks_testkit::MockBitvavo, record: stonks_core::PluginRecord) {
//! use stonks_testkit::conformance::{Subject, run};
//! run(Subject {
//!     record,
//!     config: mock.config(),
//!     bad_credentials: mock.bad_config(),
//!     faults: mock.faults().clone(),
//!     secrets: vec![stonks_testkit::bitvavo::API_SECRET.to_owned()],
//! })
//! .await;
//! # }
//! ```
//!
//! # The checks
//!
//! | check | runs when | passes when |
//! | --- | --- | --- |
//! | `manifest_parses`, `manifest_compatible`, `activates_with_config` | always | the manifest reads, this host's plugin API is in its range, the good config activates |
//! | `service_<s>_returns_data` | the manifest declares `<s>` | it answers with something (a ledger service: entries of its kinds only, [`Service::ledger_kinds`]; `fees`: a fee entry or an entry with fees) |
//! | `service_<s>_unsupported` | the manifest does not declare `<s>` | asking for it is `Unsupported` |
//! | `snapshot_consistent`, `snapshot_decimals_survive_serde` | `portfolio` | value = quantity × price (to the cent), no value 0 for an unknown price, one cash row per currency and account; JSON round trip |
//! | `ledger_ids_unique`, `ledger_stable_across_reads`, `ledger_paging_matches_one_read`, `ledger_time_range_exact`, `ledger_decimals_survive_serde`, `ledger_trades_have_quantity_and_instrument` | a ledger service | as named (one failed `ledger_reads` instead when the ledger cannot be read at all) |
//! | `survives_429_burst`, `survives_5xx_burst` | a server | two 429s (then two 503s) are retried through |
//! | `malformed_body_is_protocol_error` | always | a body that is not the format is a `Protocol` error naming the endpoint |
//! | `broken_row_is_reported` | always | one unreadable row is a `ReadProblem` beside the rest, or the whole answer is refused (`Protocol`); never dropped in silence |
//! | `recovers_after_faults` | always | the plugin answers again once the faults are off |
//! | `bad_credentials_are_auth_errors`, `reload_restores_credentials` | a server | the bad config gives `Auth`; reloading the good one works |
//! | `secrets_never_shown` | secrets are named | no secret in any error (`Display` or `Debug`) or log line of the whole run |
//!
//! # Faults, and what the mock must do for them
//!
//! The fault checks switch a fault on at the mock through [`Subject::faults`]
//! (a [`FaultControl`]), make one read, and then ask the mock's [`Tally`]
//! whether the fault actually decided an answer. A check whose fault never
//! reached the plugin is listed in [`Report::skipped`] with the reason,
//! never as passed, and a read that failed with no fault served is a
//! failure of the plugin's. So:
//!
//! - a wiremock mock answers every request through [`Faults::answer`] (or
//!   [`Faults::next`] and [`Faults::finish`]) and passes those `Faults`;
//! - a mock in another process serves the control endpoint described in
//!   [`crate::faults`] and passes [`HttpFaults`](crate::faults::HttpFaults);
//! - a broker whose rows the default rule cannot break (no field named
//!   like `amount`, `price`, `quantity`, ...) tells its `Faults` how:
//!   `faults.break_rows_by(BreakRow::fields(["units", "cost"]))`, or
//!   [`BreakRow::with`](crate::faults::BreakRow::with) for a rule of its
//!   own (a mock behind the control endpoint breaks rows its own way).
//!
//! A run meant to prove the plugin should assert that nothing was skipped:
//! `assert!(report.skipped.is_empty(), "{:#?}", report.skipped)`.
//!
//! A plugin with no server between it and its data (one that reads local
//! files) runs the suite as a [`Local`] subject instead: the checks that
//! need a server (429 and 5xx bursts) or credentials cannot apply to it and
//! are listed in [`Report::skipped`] with the reason, not passed; malformed
//! data and a broken row come from configurations that read such data.
//!
//! ```no_run
//! # async fn demo(record: stonks_core::PluginRecord) {
//! use serde_json::json;
//! use stonks_testkit::conformance::{Local, run};
//! let report = run(Local {
//!     record,
//!     config: json!({"path": "tests/fixtures/ledger.json"}),
//!     malformed: json!({"path": "tests/fixtures/not-a-ledger.json"}),
//!     broken_row: json!({"path": "tests/fixtures/one-broken-row.json"}),
//!     secrets: vec![],
//! })
//! .await;
//! assert!(report.skipped.iter().any(|(check, _)| check == "survives_429_burst"));
//! # }
//! ```
//!
//! Every check runs even when an earlier one failed; [`run`] panics at the
//! end with the list of failures.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};

use rust_decimal::Decimal;
use stonks_core::v2::{LedgerEntry, LedgerKind, PortfolioQuery, TransactionQuery, collect_ledger};
use stonks_core::{Error, ErrorKind, Manifest, PluginRecord, PluginState, Registry, Service};

use crate::faults::{FaultControl, Faults, Injection, Tally};

/// The plugin under test and how to reach its mock.
pub struct Subject<F = Faults> {
    /// The plugin's registration record.
    pub record: PluginRecord,
    /// A configuration that works against the mock.
    pub config: serde_json::Value,
    /// A configuration the mock must reject as bad credentials.
    pub bad_credentials: serde_json::Value,
    /// The mock's fault switches: the testkit's [`Faults`] when the mock
    /// answers through them, [`HttpFaults`](crate::faults::HttpFaults) for
    /// a mock in another process that serves the control endpoint, or any
    /// [`FaultControl`] of the mock's own.
    pub faults: F,
    /// Values that must never appear in an error or a log line.
    pub secrets: Vec<String>,
}

/// A plugin with no server between it and its data (it reads local
/// files): nothing can answer it with a 429 or a 5xx, and it has no
/// credentials. The suite skips those checks, naming each and why in
/// [`Report::skipped`], and breaks the data itself through the configs.
pub struct Local {
    /// The plugin's registration record.
    pub record: PluginRecord,
    /// A configuration that reads good data.
    pub config: serde_json::Value,
    /// A configuration that reads data that is not the format at all (the
    /// local counterpart of a malformed body): must be a protocol error
    /// naming where it came from.
    pub malformed: serde_json::Value,
    /// A configuration that reads data with one broken row: the row must be
    /// reported, or the whole answer refused; never dropped in silence.
    pub broken_row: serde_json::Value,
    /// Values that must never appear in an error or a log line.
    pub secrets: Vec<String>,
}

/// What the suite runs against: a plugin behind a server (its mock, with
/// fault switches) or one that reads local data. [`run`] and [`check`] take
/// either a [`Subject`] or a [`Local`].
pub enum Target {
    /// A plugin behind a server: every check applies.
    Server(Subject<Box<dyn FaultControl>>),
    /// A plugin reading local data: the server and credential checks are
    /// skipped, each with its reason.
    Local(Local),
}

impl<F: FaultControl + 'static> From<Subject<F>> for Target {
    fn from(s: Subject<F>) -> Self {
        Target::Server(Subject {
            record: s.record,
            config: s.config,
            bad_credentials: s.bad_credentials,
            faults: Box::new(s.faults),
            secrets: s.secrets,
        })
    }
}

impl From<Local> for Target {
    fn from(l: Local) -> Self {
        Target::Local(l)
    }
}

/// What the suite found.
#[derive(Debug, Default)]
pub struct Report {
    /// Checks that passed, by name.
    pub passed: Vec<String>,
    /// Checks that failed, with why.
    pub failed: Vec<(String, String)>,
    /// Checks that cannot apply to this plugin, with why: neither passed
    /// nor failed.
    pub skipped: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

type Check = Result<(), String>;

fn ensure(ok: bool, why: impl FnOnce() -> String) -> Check {
    if ok { Ok(()) } else { Err(why()) }
}

/// Runs the suite and panics listing every failed check. Skipped checks
/// are said on stderr.
pub async fn run(target: impl Into<Target>) -> Report {
    let report = check(target).await;
    for (n, why) in &report.skipped {
        eprintln!("conformance: skipped {n}: {why}");
    }
    if !report.failed.is_empty() {
        let lines: Vec<String> = report
            .failed
            .iter()
            .map(|(n, why)| format!("  {n}: {why}"))
            .collect();
        panic!(
            "conformance: {} of {} checks failed\n{}",
            report.failed.len(),
            report.failed.len() + report.passed.len(),
            lines.join("\n")
        );
    }
    report
}

/// Runs the suite and returns the report without panicking.
pub async fn check(target: impl Into<Target>) -> Report {
    let sink = LogSink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (record, config, secrets, reach) = match target.into() {
        Target::Server(s) => (
            s.record,
            s.config,
            s.secrets,
            Reach::Server {
                bad_credentials: s.bad_credentials,
                faults: Arc::from(s.faults),
            },
        ),
        Target::Local(l) => (
            l.record,
            l.config,
            l.secrets,
            Reach::Local {
                malformed: l.malformed,
                broken_row: l.broken_row,
            },
        ),
    };
    let mut suite = Suite {
        record,
        config,
        secrets,
        reach,
        report: Report::default(),
        errors: Vec::new(),
    };
    suite.all().await;
    let logs =
        String::from_utf8_lossy(&sink.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    let shown: Vec<String> = suite.errors.iter().map(|e| format!("{e} {e:?}")).collect();
    if suite.secrets.is_empty() {
        suite.skip(
            "secrets_never_shown",
            "the subject names no secrets to look for",
        );
        return suite.report;
    }
    let leaked: Vec<&String> = suite
        .secrets
        .iter()
        .filter(|s| logs.contains(s.as_str()) || shown.iter().any(|e| e.contains(s.as_str())))
        .collect();
    suite.record(
        "secrets_never_shown",
        ensure(leaked.is_empty(), || {
            "a secret appeared in an error or a log line".into()
        }),
    );
    suite.report
}

/// How the suite reaches the plugin's data, and so how it breaks it.
enum Reach {
    /// Through a server: the mock's fault switches, and credentials.
    Server {
        bad_credentials: serde_json::Value,
        faults: Arc<dyn FaultControl>,
    },
    /// Local data: configurations that read broken data.
    Local {
        malformed: serde_json::Value,
        broken_row: serde_json::Value,
    },
}

/// A way the data can be broken for the next reads.
#[derive(Clone, Copy)]
enum Broken {
    /// A burst of error answers (429, 5xx): only a server can send them.
    Burst(Injection),
    /// Not the format at all.
    Malformed,
    /// One row that cannot be read.
    Row,
}

impl Broken {
    /// The fault a mock injects for it.
    fn injection(self) -> Injection {
        match self {
            Broken::Burst(injection) => injection,
            Broken::Malformed => Injection::MalformedBody { count: 1 },
            Broken::Row => Injection::BrokenRow { count: 1 },
        }
    }
}

/// How a read with broken data went.
enum Faulted<T> {
    /// The fault could not be switched on: the check is skipped, with why.
    NotInjected(String),
    /// Local data could not be broken: the check fails, with why.
    Unbroken(String),
    /// The read ran.
    Read {
        /// What the plugin answered.
        outcome: Result<T, Error>,
        /// `Err(why)` when the mock's tally shows no fault reached the
        /// plugin: nothing can be concluded from the outcome.
        reached: Result<(), String>,
        /// Whether the data was mended afterwards.
        mended: Check,
    },
}

/// A check's result, or why it could not run.
enum Verdict {
    Judged(Check),
    Skip(String),
}

use Verdict::{Judged, Skip};

/// Why the server checks do not apply to a [`Local`] subject.
const NO_SERVER: &str =
    "no server between the plugin and its data (it reads local files): nothing can answer it with";
/// Why the credential checks do not apply to a [`Local`] subject.
const NO_CREDENTIALS: &str =
    "the plugin reads local data and has no credentials to get wrong or restore";

struct Suite {
    record: PluginRecord,
    config: serde_json::Value,
    secrets: Vec<String>,
    reach: Reach,
    report: Report,
    /// Every error seen, checked for secrets at the end.
    errors: Vec<Error>,
}

impl Suite {
    fn record(&mut self, name: &str, result: Check) {
        match result {
            Ok(()) => self.report.passed.push(name.to_owned()),
            Err(why) => self.report.failed.push((name.to_owned(), why)),
        }
    }

    fn skip(&mut self, name: &str, why: &str) {
        self.report.skipped.push((name.to_owned(), why.to_owned()));
    }

    fn verdict(&mut self, name: &str, verdict: Verdict) {
        match verdict {
            Judged(result) => self.record(name, result),
            Skip(why) => self.skip(name, &why),
        }
    }

    /// Runs `read` with the data broken as `broken` says: through the
    /// mock's fault switches (cleared before and after, their tally read),
    /// or with the plugin reloaded on a configuration that reads broken
    /// local data (and reloaded on the good one after).
    async fn faulted<T>(
        &mut self,
        registry: &Registry,
        id: &str,
        broken: Broken,
        read: impl Future<Output = Result<T, Error>>,
    ) -> Faulted<T> {
        let config = match (&self.reach, broken) {
            (Reach::Server { faults, .. }, _) => {
                let faults = faults.clone();
                return switched(&*faults, broken, read).await;
            }
            (Reach::Local { .. }, Broken::Burst(injection)) => {
                return Faulted::NotInjected(format!("{NO_SERVER} {}", injection.describe()));
            }
            (Reach::Local { malformed, .. }, Broken::Malformed) => malformed.clone(),
            (Reach::Local { broken_row, .. }, Broken::Row) => broken_row.clone(),
        };
        let r = registry.reload(id, &config);
        if let Err(e) = self.keep(r) {
            return Faulted::Unbroken(format!("could not break the data: {e}"));
        }
        let outcome = read.await;
        let r = registry.reload(id, &self.config);
        let mended = self.keep(r);
        Faulted::Read {
            outcome,
            reached: Ok(()),
            mended,
        }
    }

    fn keep<T>(&mut self, r: Result<T, Error>) -> Result<T, String> {
        r.map_err(|e| {
            let text = e.to_string();
            self.errors.push(e);
            text
        })
    }

    async fn all(&mut self) {
        let manifest = match Manifest::from_json(self.record.manifest) {
            Ok(m) => m,
            Err(e) => {
                self.record("manifest_parses", Err(e.to_string()));
                return;
            }
        };
        self.record("manifest_parses", Ok(()));
        let id = manifest.id().to_owned();
        let registry = Registry::builder().register(self.record).build();
        let loaded = registry.entry(&id).map(|e| (e.state, e.error));
        self.record(
            "manifest_compatible",
            ensure(matches!(loaded, Some((PluginState::Loaded, _))), || {
                format!("{loaded:?}")
            }),
        );
        let activated = registry.activate(&id, &self.config);
        let activated = self.keep(activated);
        self.record("activates_with_config", activated.clone());
        if activated.is_err() {
            return;
        }

        self.services(&registry, &manifest).await;
        if manifest.declares(Service::Portfolio) {
            self.snapshot_consistency(&registry, &id).await;
        }
        if manifest.capabilities.services.iter().any(|s| s.is_ledger()) {
            self.ledger_behaviour(&registry, &id).await;
        }
        self.faults(&registry, &id, &manifest).await;
        self.bad_credentials(&registry, &id, &manifest).await;
    }

    /// Each declared service returns data; each undeclared one is `Unsupported`.
    async fn services(&mut self, registry: &Registry, manifest: &Manifest) {
        let id = manifest.id();
        for service in Service::ALL {
            let declared = manifest.declares(service);
            let name = format!(
                "service_{}_{}",
                service.as_str(),
                if declared {
                    "returns_data"
                } else {
                    "unsupported"
                }
            );
            let result = match (service, declared) {
                (Service::Account, _) => continue,
                (Service::FxRates, true) => match registry.fx_rates(id) {
                    Ok(fx) => {
                        let rates = fx.rates().await;
                        match self.keep(rates) {
                            Ok(t) => ensure(!t.rates.is_empty(), || "no rates".into()),
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(self.keep::<()>(Err(e)).unwrap_err()),
                },
                (Service::FxRates, false) => unsupported(registry.fx_rates(id).err()),
                (Service::Identity, false) => unsupported(registry.identity(id).err()),
                (Service::Prices, false) => unsupported(registry.prices(id).err()),
                // A price source is asked about instruments, not checked here.
                (Service::Prices, true) => continue,
                // A resolver is asked about instruments, not checked here.
                (Service::Identity, true) => continue,
                (Service::Portfolio, true) => match registry.portfolio_v2(id) {
                    Ok(p) => {
                        let snap = p.snapshot(&PortfolioQuery::new()).await;
                        match self.keep(snap) {
                            Ok(s) => ensure(!s.positions.is_empty() || !s.cash.is_empty(), || {
                                "empty portfolio".into()
                            }),
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(self.keep::<()>(Err(e)).unwrap_err()),
                },
                (Service::Portfolio, false) => unsupported(registry.portfolio_v2(id).err()),
                (Service::Transactions, false) => unsupported(registry.transactions_v1(id).err()),
                (s, true) => match self
                    .read_kinds(registry, id, s.ledger_kinds().to_vec())
                    .await
                {
                    Ok(entries) if s == Service::Fees => ensure(
                        entries.iter().any(|e| e.kind == LedgerKind::Fee)
                            || self_fees(registry, id).await.unwrap_or(false),
                        || "no fee entry and no entry with fees".into(),
                    ),
                    Ok(entries) => ensure(!entries.is_empty(), || format!("no {s} entries")),
                    Err(e) => Err(e),
                },
                (s, false) => match registry.transactions_v2(id) {
                    Err(e) => unsupported(Some(e)),
                    Ok(t) => unsupported(
                        t.transactions(&TransactionQuery::new().kinds(s.ledger_kinds().to_vec()))
                            .await
                            .err(),
                    ),
                },
            };
            self.record(&name, result);
        }
    }

    /// The entries of `kinds`; a plugin that answers with other kinds
    /// ignores the query, which is a failure of its own.
    async fn read_kinds(
        &mut self,
        registry: &Registry,
        id: &str,
        kinds: Vec<LedgerKind>,
    ) -> Result<Vec<LedgerEntry>, String> {
        let query = if kinds.contains(&LedgerKind::Fee) {
            TransactionQuery::new()
        } else {
            TransactionQuery::new().kinds(kinds.clone())
        };
        let fees_too = query.kinds.is_empty();
        let read = read_all(registry, id, query).await;
        let entries = self.keep(read)?;
        let stray: Vec<&str> = entries
            .iter()
            .filter(|e| !fees_too && !kinds.contains(&e.kind))
            .map(|e| e.kind.as_str())
            .collect();
        ensure(stray.is_empty(), || {
            format!("asked for {kinds:?}, got entries of kinds {stray:?}")
        })?;
        Ok(entries)
    }

    async fn snapshot_consistency(&mut self, registry: &Registry, id: &str) {
        let snap = match registry.portfolio_v2(id) {
            Ok(p) => p.snapshot(&PortfolioQuery::new()).await,
            Err(e) => Err(e),
        };
        let snap = match self.keep(snap) {
            Ok(s) => s,
            Err(e) => return self.record("snapshot_consistent", Err(e)),
        };
        let mut problems = Vec::new();
        for p in &snap.positions {
            // Bonds are quoted in percent of their nominal.
            let per_unit = if p.instrument.asset_class == stonks_core::AssetClass::Bond {
                Decimal::new(1, 2)
            } else {
                Decimal::ONE
            };
            if let (Some(price), Some(value)) = (&p.price, &p.market_value)
                && price.currency == value.currency
            {
                let Some(expected) = p
                    .quantity
                    .checked_mul(price.amount)
                    .and_then(|x| x.checked_mul(per_unit))
                else {
                    problems.push(format!(
                        "{}: quantity x price is out of range",
                        p.instrument.broker_id
                    ));
                    continue;
                };
                // Brokers may round values to cents; allow that, nothing more.
                let tolerance = Decimal::new(1, 2).max(value.amount.abs() * Decimal::new(1, 4));
                if expected
                    .checked_sub(value.amount)
                    .is_none_or(|d| d.abs() > tolerance)
                {
                    problems.push(format!(
                        "{}: value {} != quantity {} x price {}",
                        p.instrument.broker_id, value.amount, p.quantity, price.amount
                    ));
                }
            }
            if p.market_value.as_ref().is_some_and(|v| v.amount.is_zero()) && p.price.is_none() {
                problems.push(format!(
                    "{}: value 0 for an unknown price",
                    p.instrument.broker_id
                ));
            }
        }
        // One entry per currency and account (several accounts may each
        // hold the same currency).
        let mut seen = HashSet::new();
        for c in &snap.cash {
            if !seen.insert((c.account.as_deref(), c.amount.currency)) {
                problems.push(format!(
                    "cash currency {} listed twice for account {:?}",
                    c.amount.currency, c.account
                ));
            }
        }
        self.record(
            "snapshot_consistent",
            ensure(problems.is_empty(), || problems.join("; ")),
        );
        let json = serde_json::to_string(&snap).unwrap_or_default();
        let back = serde_json::from_str::<stonks_core::v2::PortfolioSnapshot>(&json)
            .map_err(|e| e.to_string());
        self.record(
            "snapshot_decimals_survive_serde",
            back.and_then(|b| ensure(b == snap, || "round trip changed the snapshot".into())),
        );
    }

    async fn ledger_behaviour(&mut self, registry: &Registry, id: &str) {
        let first = read_all(registry, id, TransactionQuery::new()).await;
        let first = match self.keep(first) {
            Ok(f) => f,
            Err(e) => return self.record("ledger_reads", Err(e)),
        };
        let ids: Vec<&str> = first.iter().map(|e| e.id.as_str()).collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        self.record(
            "ledger_ids_unique",
            ensure(unique.len() == ids.len(), || {
                format!("{} entries, {} distinct ids", ids.len(), unique.len())
            }),
        );
        let second = read_all(registry, id, TransactionQuery::new()).await;
        let second = self.keep(second);
        self.record(
            "ledger_stable_across_reads",
            second.and_then(|s| {
                ensure(s == first, || {
                    "a second read gave other entries or ids".into()
                })
            }),
        );
        let paged = read_all(registry, id, TransactionQuery::new().limit(7)).await;
        let paged = self.keep(paged);
        self.record(
            "ledger_paging_matches_one_read",
            paged.and_then(|p| {
                ensure(p == first, || {
                    format!(
                        "paged read gave {} entries, one read {}",
                        p.len(),
                        first.len()
                    )
                })
            }),
        );

        // Range edges: `from` inclusive, `until` exclusive, exactly.
        if let Some(pivot) = first.get(first.len() / 2).map(|e| e.timestamp) {
            let since = read_all(registry, id, TransactionQuery::new().since(pivot)).await;
            let before = read_all(registry, id, TransactionQuery::new().until(pivot)).await;
            let expect_since: Vec<&LedgerEntry> =
                first.iter().filter(|e| e.timestamp >= pivot).collect();
            let expect_before: Vec<&LedgerEntry> =
                first.iter().filter(|e| e.timestamp < pivot).collect();
            let result = match (self.keep(since), self.keep(before)) {
                (Ok(s), Ok(b)) => ensure(
                    s.iter().collect::<Vec<_>>() == expect_since
                        && b.iter().collect::<Vec<_>>() == expect_before,
                    || {
                        format!(
                            "since {pivot}: {} (expected {}); until: {} (expected {})",
                            s.len(),
                            expect_since.len(),
                            b.len(),
                            expect_before.len()
                        )
                    },
                ),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            self.record("ledger_time_range_exact", result);
        }

        let json = serde_json::to_string(&first).unwrap_or_default();
        let back = serde_json::from_str::<Vec<LedgerEntry>>(&json).map_err(|e| e.to_string());
        self.record(
            "ledger_decimals_survive_serde",
            back.and_then(|b| ensure(b == first, || "round trip changed the ledger".into())),
        );

        let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
        for e in &first {
            *by_kind.entry(e.kind.as_str().to_owned()).or_default() += 1;
        }
        let trades_ok = first
            .iter()
            .filter(|e| e.kind.is_trade())
            .all(|e| e.quantity.is_some_and(|q| q > Decimal::ZERO) && e.instrument.is_some());
        self.record(
            "ledger_trades_have_quantity_and_instrument",
            ensure(trades_ok, || format!("{by_kind:?}")),
        );
    }

    /// 429 and 5xx bursts are survived (behind a server); malformed data
    /// is a `Protocol` error; a broken row is reported.
    async fn faults(&mut self, registry: &Registry, id: &str, manifest: &Manifest) {
        let call = |registry: &Registry| {
            let registry = registry.clone();
            let id = id.to_owned();
            let portfolio = manifest.declares(Service::Portfolio);
            async move {
                if portfolio {
                    registry
                        .portfolio_v2(&id)?
                        .snapshot(&PortfolioQuery::new())
                        .await
                        .map(|_| ())
                } else {
                    let t = registry.transactions_v2(&id)?;
                    t.transactions(&TransactionQuery::new().limit(1))
                        .await
                        .map(|_| ())
                }
            }
        };
        for (name, burst) in [
            (
                "survives_429_burst",
                Injection::RateLimit {
                    count: 2,
                    retry_after_secs: 1,
                },
            ),
            (
                "survives_5xx_burst",
                Injection::ServerError {
                    count: 2,
                    status: 503,
                },
            ),
        ] {
            let what = burst.describe();
            let verdict = match self
                .faulted(registry, id, Broken::Burst(burst), call(registry))
                .await
            {
                Faulted::NotInjected(why) => Skip(why),
                Faulted::Unbroken(why) => Judged(Err(why)),
                Faulted::Read {
                    outcome: Ok(()),
                    reached: Err(why),
                    ..
                } => Skip(why),
                Faulted::Read {
                    outcome: Err(e),
                    reached: Err(_),
                    ..
                } => {
                    let text = e.to_string();
                    self.errors.push(e);
                    Judged(Err(format!(
                        "the read failed though no {what} reached it: {text}"
                    )))
                }
                Faulted::Read {
                    outcome, mended, ..
                } => {
                    let r = self.keep(outcome);
                    Judged(r.and(mended))
                }
            };
            self.verdict(name, verdict);
        }

        let result = match self
            .faulted(registry, id, Broken::Malformed, call(registry))
            .await
        {
            Faulted::NotInjected(why) => Skip(why),
            Faulted::Unbroken(why) => Judged(Err(why)),
            Faulted::Read {
                outcome,
                reached,
                mended,
            } => match (outcome, reached) {
                (Ok(()), Err(why)) => Skip(why),
                (Ok(()), Ok(())) => Judged(Err("a malformed body was accepted".to_owned())),
                (Err(e), reached) => {
                    let ok = e.kind() == &ErrorKind::Protocol && e.protocol_details().is_some();
                    let text = format!("{e}");
                    self.errors.push(e);
                    Judged(match reached {
                        Err(_) => Err(format!(
                            "the read failed though no malformed body reached it: {text}"
                        )),
                        Ok(()) => ensure(ok, || {
                            format!("expected a protocol error naming the endpoint, got {text}")
                        })
                        .and(mended),
                    })
                }
            },
        };
        self.verdict("malformed_body_is_protocol_error", result);

        // One broken row: left out and reported, or the whole answer
        // refused when the row is one the result cannot be right without.
        // Never dropped in silence.
        let ledger = manifest.capabilities.services.iter().any(|s| s.is_ledger());
        let read = async {
            Ok(if ledger {
                let t = registry.transactions_v2(id)?;
                t.transactions(&TransactionQuery::new())
                    .await?
                    .problems
                    .len()
            } else {
                let p = registry.portfolio_v2(id)?;
                p.snapshot(&PortfolioQuery::new()).await?.problems.len()
            })
        };
        let result = match self.faulted(registry, id, Broken::Row, read).await {
            Faulted::NotInjected(why) => Skip(why),
            Faulted::Unbroken(why) => Judged(Err(why)),
            Faulted::Read {
                outcome,
                reached,
                mended,
            } => match (outcome, reached) {
                // Problems or none, nothing can be said of a row never broken.
                (Ok(_), Err(why)) => Skip(why),
                (Ok(0), Ok(())) => Judged(Err(
                    "a broken row was dropped without a reported problem".to_owned(),
                )),
                (Ok(_), Ok(())) => Judged(mended),
                (Err(e), reached) => {
                    let ok = e.kind() == &ErrorKind::Protocol;
                    let text = e.to_string();
                    self.errors.push(e);
                    Judged(match reached {
                        Err(_) => Err(format!(
                            "the read failed though no broken row reached it: {text}"
                        )),
                        Ok(()) => ensure(ok, || {
                            format!("expected a reported problem or a protocol error, got {text}")
                        })
                        .and(mended),
                    })
                }
            },
        };
        self.verdict("broken_row_is_reported", result);
        // The plugin is still usable afterwards.
        let r = call(registry).await;
        let r = self.keep(r);
        self.record("recovers_after_faults", r);
    }

    async fn bad_credentials(&mut self, registry: &Registry, id: &str, manifest: &Manifest) {
        let bad_credentials = match &self.reach {
            Reach::Server {
                bad_credentials, ..
            } => bad_credentials.clone(),
            Reach::Local { .. } => {
                self.skip("bad_credentials_are_auth_errors", NO_CREDENTIALS);
                self.skip("reload_restores_credentials", NO_CREDENTIALS);
                return;
            }
        };
        let reload = registry.reload(id, &bad_credentials);
        if let Err(e) = self.keep(reload) {
            return self.record("bad_credentials_are_auth_errors", Err(e));
        }
        let r = if manifest.declares(Service::Portfolio) {
            match registry.portfolio_v2(id) {
                Ok(p) => p.snapshot(&PortfolioQuery::new()).await.map(|_| ()),
                Err(e) => Err(e),
            }
        } else {
            read_all(registry, id, TransactionQuery::new())
                .await
                .map(|_| ())
        };
        let result = match r {
            Ok(()) => Err("bad credentials were accepted".to_owned()),
            Err(e) => {
                let kind = e.kind().clone();
                self.errors.push(e);
                ensure(kind == ErrorKind::Auth, || {
                    format!("expected auth, got {}", kind.name())
                })
            }
        };
        self.record("bad_credentials_are_auth_errors", result);
        let restore = registry.reload(id, &self.config);
        let restore = self.keep(restore);
        self.record("reload_restores_credentials", restore);
    }
}

/// Runs `read` with `broken` switched on at the mock, its switches cleared
/// before and after and their tally read.
async fn switched<T>(
    faults: &dyn FaultControl,
    broken: Broken,
    read: impl Future<Output = Result<T, Error>>,
) -> Faulted<T> {
    let injection = broken.injection();
    let what = injection.describe();
    if let Err(why) = faults.clear().await {
        return Faulted::NotInjected(format!(
            "the mock's fault switches could not be cleared: {why}"
        ));
    }
    if let Err(why) = faults.inject(injection).await {
        return Faulted::NotInjected(format!("the mock could not inject {what}: {why}"));
    }
    let outcome = read.await;
    let tally = faults.tally().await;
    let mended = faults
        .clear()
        .await
        .map_err(|why| format!("the mock's fault switches could not be cleared: {why}"));
    let reached = match tally {
        Ok(t) if t.served > 0 => Ok(()),
        Ok(t) => Err(not_reached(injection, t)),
        Err(why) => Err(format!(
            "the mock's tally could not be read, so whether {what} reached the plugin is unknown: {why}"
        )),
    };
    Faulted::Read {
        outcome,
        reached,
        mended,
    }
}

/// Why a check did not run when the mock's tally shows its fault never
/// decided an answer.
fn not_reached(injection: Injection, tally: Tally) -> String {
    let what = injection.describe();
    if tally.answered == 0 {
        return format!(
            "{what} was switched on, but no request went through the mock's fault switches \
             during the read: either the mock does not answer through them (a mock must \
             answer through `Faults::answer`, or count at its control endpoint; see \
             `stonks_testkit::faults`), or the plugin sent no request"
        );
    }
    let answers = match tally.answered {
        1 => "1 answer".to_owned(),
        n => format!("{n} answers"),
    };
    match injection {
        Injection::BrokenRow { .. } => format!(
            "{what} was switched on and {answers} went through the mock's fault switches, \
             but none held a row its row-breaking rule could break: name the fields of your \
             rows with `Faults::break_rows_by(BreakRow::fields([..]))`"
        ),
        _ => format!(
            "{what} was switched on and {answers} went through the mock's fault switches, \
             but the mock answered none with it"
        ),
    }
}

fn unsupported(err: Option<Error>) -> Check {
    match err {
        Some(e) if e.kind() == &ErrorKind::Unsupported => Ok(()),
        Some(e) => Err(format!("expected unsupported, got {e}")),
        None => Err("an undeclared service answered".into()),
    }
}

async fn self_fees(registry: &Registry, id: &str) -> Result<bool, Error> {
    Ok(read_all(registry, id, TransactionQuery::new())
        .await?
        .iter()
        .any(|e| !e.fees.is_empty()))
}

/// Every page of the ledger up to now with a page size of `limit` (the
/// broker's own when `None`), as its entry ids sorted and the number of
/// pages: the two reads of a "one page costs one page" test.
pub async fn ids_and_pages<S: stonks_core::v2::TransactionService>(
    ledger: &S,
    limit: Option<u32>,
) -> Result<(Vec<String>, usize), Error> {
    use futures::StreamExt;
    use stonks_core::v2::TransactionServiceExt;
    let mut query = TransactionQuery::new().until(chrono::Utc::now());
    query.limit = limit;
    let mut pages = ledger.pages(query);
    let (mut ids, mut n) = (Vec::new(), 0usize);
    while let Some(page) = pages.next().await {
        n += 1;
        ids.extend(page?.items.into_iter().map(|e| e.id));
    }
    ids.sort();
    Ok((ids, n))
}

/// Every entry of `query`, through the stream helper.
pub async fn read_all(
    registry: &Registry,
    id: &str,
    query: TransactionQuery,
) -> Result<Vec<LedgerEntry>, Error> {
    let mut entries = collect_ledger(&*registry.transactions_v2(id)?, query)
        .await?
        .items;
    // Pages follow the broker's own order; compare reads in time order.
    stonks_core::v2::sort_by_time(&mut entries);
    Ok(entries)
}
