//! Unit tests of the registry, compiled only under #[cfg(test)] (see `mod.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::ErrorKind;
use crate::config::PluginConfig;
use crate::lifecycle::PluginState;
use crate::manifest::{Manifest, Service};
use crate::model::{AssetClass, Currency, Instrument, Money};
use crate::plugin::{PluginContext, PluginRecord, Services};
use crate::v2;
use crate::v2::{LedgerKind, TransactionQuery};

/// A manifest with the given id, version, API range, interfaces, services and
/// plugin dependencies; everything else fixed.
fn manifest(
    id: &str,
    version: &str,
    api: (&str, &str),
    interfaces: &[&str],
    services: &[&str],
    deps: &[(&str, &str)],
) -> &'static str {
    let deps: serde_json::Map<String, serde_json::Value> = deps
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let m = json!({
        "plugin": {"name": id, "version": version, "type": "broker", "display_name": id,
                   "description": "test plugin", "author": "tests", "license": "MIT"},
        "api": {"min_version": api.0, "max_version": api.1, "interfaces": interfaces},
        "dependencies": {"core": "*", "plugins": deps},
        "capabilities": {"services": services, "markets": ["XAMS"], "currencies": ["EUR"]},
        "configuration": {"fields": [
            {"name": "token", "type": "string", "required": true, "secret": true, "description": "API token"},
            {"name": "page_size", "type": "integer", "required": false, "default": 50, "description": "rows"},
            {"name": "sandbox", "type": "boolean", "required": false, "description": "paper account"}
        ]}
    });
    Box::leak(m.to_string().into_boxed_str())
}

fn simple(id: &str) -> &'static str {
    manifest(
        id,
        "1.0.0",
        ("1.0.0", "1.0.0"),
        &["portfolio@2", "transactions@2"],
        &["portfolio", "transactions", "deposits"],
        &[],
    )
}

struct Book;

#[async_trait]
impl v2::PortfolioService for Book {
    async fn snapshot(&self, _: &v2::PortfolioQuery) -> crate::Result<v2::PortfolioSnapshot> {
        let eur = Currency::new("EUR").unwrap();
        let mut snap =
            v2::PortfolioSnapshot::new(Utc.with_ymd_and_hms(2026, 11, 20, 17, 0, 0).unwrap());
        let mut p = v2::Position::new(Instrument::new("1", "Acme", AssetClass::Stock), 3.into());
        p.price = Some(Money::new("10.5".parse().unwrap(), eur));
        p.market_value = Some(Money::new("31.5".parse().unwrap(), eur));
        snap.positions.push(p);
        Ok(snap)
    }
}

#[async_trait]
impl v2::TransactionService for Book {
    async fn transactions(&self, _: &TransactionQuery) -> crate::Result<v2::Page<v2::LedgerEntry>> {
        Ok(v2::Page::last(vec![]))
    }
}

fn book(_: &PluginContext) -> crate::Result<Services> {
    Ok(Services::new().portfolio_v2(Book).transactions_v2(Book))
}

fn registry_of(records: &[(&'static str, crate::Factory)]) -> Registry {
    Registry::builder()
        .register_all(records.iter().map(|(m, f)| PluginRecord::new(m, *f)))
        .build()
}

fn cfg() -> serde_json::Value {
    json!({"token": "tok-SECRET-1234"})
}

#[test]
fn compatibility_table() {
    let v = |s: &str| semver::Version::parse(s).unwrap();
    // (min, max, host API, compatible)
    let table = [
        ("1.0.0", "1.0.0", "1.0.0", true),
        ("1.0.0", "1.0.0", "1.7.2", true), // same major as max: accepted
        ("0.9.0", "1.2.0", "1.0.0", true),
        ("1.0.0", "2.0.0", "2.5.0", true),
        ("1.1.0", "1.9.0", "1.0.0", false), // needs a newer API
        ("1.0.0", "1.9.0", "2.0.0", false), // host's major is past max
        ("2.0.0", "2.0.0", "1.9.9", false),
        ("0.1.0", "0.9.0", "1.0.0", false),
    ];
    for (min, max, api, ok) in table {
        assert_eq!(
            is_compatible(&v(min), &v(max), &v(api)),
            ok,
            "min {min} max {max} api {api}"
        );
    }
}

#[test]
fn incompatible_invalid_and_duplicate_plugins_stay_in_error() {
    let r = registry_of(&[
        (simple("good"), book),
        (
            manifest(
                "future",
                "3.0.0",
                ("2.0.0", "2.1.0"),
                &["portfolio@2"],
                &["portfolio"],
                &[],
            ),
            book,
        ),
        (r#"{"plugin": {"name": "broken"}}"#, book),
        ("{", book),
        (
            manifest(
                "good",
                "2.0.0",
                ("1.0.0", "1.0.0"),
                &["portfolio@2"],
                &["portfolio"],
                &[],
            ),
            book,
        ),
    ]);
    let cat = r.catalog();
    let states: Vec<(&str, PluginState)> = cat.iter().map(|e| (e.id.as_str(), e.state)).collect();
    assert_eq!(
        states,
        vec![
            ("good", PluginState::Loaded),
            ("future", PluginState::Error),
            ("broken", PluginState::Error),
            ("unnamed-plugin-1", PluginState::Error),
            ("good", PluginState::Error),
        ]
    );
    let future = cat[1].error.as_deref().unwrap();
    assert!(
        future.contains("2.0.0") && future.contains(&PLUGIN_API_VERSION.to_string()),
        "{future}"
    );
    assert!(
        cat[2]
            .error
            .as_deref()
            .unwrap()
            .contains("plugin: missing required key \"version\"")
    );
    let dup = cat[4].error.as_deref().unwrap();
    assert!(
        dup.contains("duplicate plugin id \"good\"")
            && dup.contains("2.0.0")
            && dup.contains("1.0.0"),
        "{dup}"
    );
    // The first registration keeps the id and works.
    assert_eq!(r.entry("good").unwrap().state, PluginState::Loaded);
    r.activate("good", &cfg()).unwrap();
    let history: Vec<PluginState> = r
        .entry("good")
        .unwrap()
        .history
        .iter()
        .map(|t| t.to)
        .collect();
    assert_eq!(
        history,
        vec![
            PluginState::Discovered,
            PluginState::Loading,
            PluginState::Loaded,
            PluginState::Loading,
            PluginState::Active
        ]
    );
    assert!(cat[0].load_time.is_some() && cat[0].loaded_at.is_some());
}

#[test]
fn dependencies_order_and_errors() {
    let dep = |id: &str, deps: &[(&str, &str)]| {
        manifest(
            id,
            "1.2.0",
            ("1.0.0", "1.0.0"),
            &["portfolio@2"],
            &["portfolio"],
            deps,
        )
    };
    let r = registry_of(&[
        (dep("app", &[("mid", "^1")]), book),
        (dep("mid", &[("base", "^1.1")]), book),
        (dep("base", &[]), book),
        (dep("missing-dep", &[("nowhere", "*")]), book),
        (dep("old-dep", &[("base", "^2")]), book),
        (dep("cycle-a", &[("cycle-b", "*")]), book),
        (dep("cycle-b", &[("cycle-a", "*")]), book),
        (dep("on-broken", &[("old-dep", "*")]), book),
    ]);
    assert_eq!(r.load_order(), vec!["base", "mid", "app"]);
    let err = |id: &str| r.entry(id).unwrap().error.unwrap_or_default();
    assert!(
        err("missing-dep").contains("needs plugin nowhere *, which is not installed"),
        "{}",
        err("missing-dep")
    );
    assert!(
        err("old-dep").contains("needs plugin base ^2, but version 1.2.0 is installed"),
        "{}",
        err("old-dep")
    );
    assert!(
        err("cycle-a").contains("dependency cycle among plugins cycle-a, cycle-b"),
        "{}",
        err("cycle-a")
    );
    assert!(
        err("on-broken").contains("needs plugin old-dep, which cannot load"),
        "{}",
        err("on-broken")
    );
    assert_eq!(r.entry("app").unwrap().state, PluginState::Loaded);
}

#[test]
fn configuration_is_checked_before_the_factory_runs() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    fn counting(ctx: &PluginContext) -> crate::Result<Services> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        assert_eq!(
            ctx.settings().integer("page_size"),
            Some(50),
            "default applied"
        );
        book(ctx)
    }
    let r = registry_of(&[(simple("cfg"), counting)]);
    let err = r
        .activate(
            "cfg",
            &json!({"page_size": "many", "tokn": "x", "sandbox": 1}),
        )
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Config);
    let msg = err.to_string();
    for part in [
        "tokn: unknown setting",
        "token: missing required setting",
        "page_size: expected an integer, found a string",
        "sandbox: expected a boolean, found an integer",
    ] {
        assert!(msg.contains(part), "{part} not in {msg}");
    }
    assert_eq!(CALLS.load(Ordering::SeqCst), 0);
    assert_eq!(r.entry("cfg").unwrap().state, PluginState::Loaded);
    r.activate("cfg", &cfg()).unwrap();
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
}

#[test]
fn secret_config_values_never_print() {
    let m = Arc::new(Manifest::from_json(simple("sec")).unwrap());
    let c = PluginConfig::from_json(&m, &json!({"token": "tok-SECRET-1234"})).unwrap();
    assert!(!format!("{c:?}").contains("SECRET"));
    let ctx = PluginContext::new(m.clone(), c);
    assert!(!format!("{ctx:?}").contains("SECRET"));
    // A secret of the wrong type is reported without its value.
    let err = PluginConfig::from_json(&m, &json!({"token": 98765432})).unwrap_err();
    assert!(!format!("{err}{err:?}").contains("98765432"));
}

#[tokio::test]
async fn services_in_both_versions_and_unsupported() {
    let r = registry_of(&[
        (simple("book"), book),
        (
            manifest(
                "only-portfolio",
                "1.0.0",
                ("1.0.0", "1.0.0"),
                &["portfolio@2"],
                &["portfolio"],
                &[],
            ),
            book_portfolio_only,
        ),
    ]);
    assert_eq!(
        r.portfolio_v2("book").err().unwrap().kind(),
        &ErrorKind::Config,
        "not active yet"
    );
    r.activate("book", &cfg()).unwrap();
    r.activate("only-portfolio", &cfg()).unwrap();

    let v2 = r
        .portfolio_v2("book")
        .unwrap()
        .snapshot(&Default::default())
        .await
        .unwrap();
    assert_eq!(v2.positions[0].quantity, 3.into());
    let v1 = r.portfolio_v1("book").unwrap().portfolio().await.unwrap();
    assert_eq!(v1[0].value, Some("31.5".parse().unwrap()));
    assert_eq!(v1[0].currency, Currency::EUR);

    let err = r.transactions_v2("only-portfolio").err().unwrap();
    assert_eq!(err.kind(), &ErrorKind::Unsupported);
    assert_eq!(err.plugin(), Some("only-portfolio"));
    assert_eq!(
        r.transactions_v1("only-portfolio").err().unwrap().kind(),
        &ErrorKind::Unsupported
    );

    // `book` declares deposits but not dividends.
    let ledger = r.transactions_v2("book").unwrap();
    ledger
        .transactions(&TransactionQuery::new().kinds([LedgerKind::Deposit]))
        .await
        .unwrap();
    let err = ledger
        .transactions(&TransactionQuery::new().kinds([LedgerKind::Dividend]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unsupported);
    assert!(err.to_string().contains("needs service dividends"));

    assert_eq!(r.with_service(Service::Deposits), vec!["book"]);
    assert_eq!(
        r.with_service(Service::Portfolio),
        vec!["book", "only-portfolio"]
    );
    assert_eq!(r.with_market("XAMS").len(), 2);
    assert_eq!(r.with_currency("EUR").len(), 2);
    assert!(r.with_currency("USD").is_empty());
    assert_eq!(
        r.portfolio_v2("nope").err().unwrap().kind(),
        &ErrorKind::Config
    );
}

fn book_portfolio_only(_: &PluginContext) -> crate::Result<Services> {
    Ok(Services::new().portfolio_v2(Book))
}

#[test]
fn factory_must_provide_exactly_the_listed_interfaces() {
    fn too_much(_: &PluginContext) -> crate::Result<Services> {
        Ok(Services::new()
            .portfolio_v2(Book)
            .transactions_v2(Book)
            .portfolio_v1(crate::adapt::V2AsV1(Book)))
    }
    let r = registry_of(&[
        (simple("liar"), book_portfolio_only),
        (simple("boaster"), too_much),
    ]);
    let err = r.activate("liar", &cfg()).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Plugin);
    assert!(
        err.to_string()
            .contains("manifest lists transactions@2 but the factory does not provide it"),
        "{err}"
    );
    assert_eq!(r.entry("liar").unwrap().state, PluginState::Error);
    let err = r.activate("boaster", &cfg()).unwrap_err();
    assert!(
        err.to_string()
            .contains("factory provides portfolio@1 which the manifest does not list"),
        "{err}"
    );
}

struct Exploding;

#[async_trait]
impl v2::PortfolioService for Exploding {
    async fn snapshot(&self, _: &v2::PortfolioQuery) -> crate::Result<v2::PortfolioSnapshot> {
        panic!("boom with token tok-SECRET-1234");
    }
}

#[async_trait]
impl v2::TransactionService for Exploding {
    async fn transactions(&self, _: &TransactionQuery) -> crate::Result<v2::Page<v2::LedgerEntry>> {
        Ok(v2::Page::last(vec![]))
    }
}

#[tokio::test]
async fn a_panicking_plugin_turns_to_error_and_the_rest_go_on() {
    fn exploding(_: &PluginContext) -> crate::Result<Services> {
        Ok(Services::new()
            .portfolio_v2(Exploding)
            .transactions_v2(Exploding))
    }
    fn factory_panics(_: &PluginContext) -> crate::Result<Services> {
        panic!("factory exploded");
    }
    let r = registry_of(&[
        (simple("bomb"), exploding),
        (simple("fine"), book),
        (simple("dud"), factory_panics),
    ]);
    r.activate("bomb", &cfg()).unwrap();
    r.activate("fine", &cfg()).unwrap();
    let mut events = r.subscribe();

    let svc = r.portfolio_v2("bomb").unwrap();
    let err = svc.snapshot(&Default::default()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Plugin);
    assert!(err.to_string().contains("boom"));
    assert!(!err.to_string().contains("tok-SECRET-1234"), "{err}");
    assert_eq!(r.entry("bomb").unwrap().state, PluginState::Error);
    let ev = events.try_recv().unwrap();
    assert_eq!(
        (ev.plugin.as_str(), ev.transition.to),
        ("bomb", PluginState::Error)
    );
    // The same handle now refuses instead of calling the broken plugin.
    assert_eq!(
        svc.snapshot(&Default::default()).await.unwrap_err().kind(),
        &ErrorKind::Plugin
    );

    // Others are untouched.
    r.portfolio_v2("fine")
        .unwrap()
        .snapshot(&Default::default())
        .await
        .unwrap();
    let err = r.activate("dud", &cfg()).unwrap_err();
    assert!(
        err.to_string()
            .contains("factory panicked: factory exploded")
    );
    assert_eq!(r.entry("dud").unwrap().state, PluginState::Error);

    let h = r.health("fine").unwrap();
    assert_eq!((h.calls, h.call_errors), (1, 0));
    assert!(h.last_success.is_some());
    let h = r.health("bomb").unwrap();
    assert_eq!(h.state, PluginState::Error);
    assert_eq!(h.call_errors, 1);
}

#[tokio::test]
async fn lifecycle_deactivate_reload_disable_enable() {
    let r = registry_of(&[(simple("life"), book)]);
    let mut events = r.subscribe();
    r.activate("life", &cfg()).unwrap();
    let old = r.portfolio_v2("life").unwrap();

    // A bad reload keeps the running instance.
    let err = r.reload("life", &json!({})).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Config);
    assert_eq!(r.entry("life").unwrap().state, PluginState::Active);
    old.snapshot(&Default::default()).await.unwrap();

    r.reload("life", &json!({"token": "new-token-5678"}))
        .unwrap();
    let stale = old.snapshot(&Default::default()).await.unwrap_err();
    assert!(stale.to_string().contains("reloaded"), "{stale}");
    r.portfolio_v2("life")
        .unwrap()
        .snapshot(&Default::default())
        .await
        .unwrap();

    r.deactivate("life").unwrap();
    assert_eq!(r.entry("life").unwrap().state, PluginState::Loaded);
    r.disable("life").unwrap();
    assert_eq!(
        r.activate("life", &cfg()).unwrap_err().kind(),
        &ErrorKind::Config
    );
    r.enable("life").unwrap();
    r.activate("life", &cfg()).unwrap();

    let mut seen = Vec::new();
    while let Ok(ev) = events.try_recv() {
        seen.push(ev.transition.to);
    }
    use PluginState::*;
    assert_eq!(
        seen,
        vec![
            Loading, Active, Unloading, Loading, Active, Unloading, Loaded, Disabled, Loaded,
            Loading, Active
        ]
    );
}

#[test]
fn enabling_a_plugin_that_cannot_load_returns_it_to_error() {
    let r = registry_of(&[(
        manifest(
            "old",
            "1.0.0",
            ("0.1.0", "0.2.0"),
            &["portfolio@2"],
            &["portfolio"],
            &[],
        ),
        book,
    )]);
    r.disable("old").unwrap();
    r.enable("old").unwrap();
    let e = r.entry("old").unwrap();
    assert_eq!(e.state, PluginState::Error);
    assert!(e.error.unwrap().contains("incompatible"));
}

#[test]
fn activating_a_plugin_that_never_loaded_says_why_by_kind() {
    let r = registry_of(&[
        (
            manifest(
                "old",
                "1.0.0",
                ("0.1.0", "0.2.0"),
                &["portfolio@2"],
                &["portfolio"],
                &[],
            ),
            book,
        ),
        (r#"{"plugin": {"name": "bad"}}"#, book),
        (
            manifest(
                "orphan",
                "1.0.0",
                ("1.0.0", "1.0.0"),
                &["portfolio@2"],
                &["portfolio"],
                &[("gone", "*")],
            ),
            book,
        ),
    ]);
    assert_eq!(
        r.activate("old", &cfg()).unwrap_err().kind(),
        &ErrorKind::Incompatible
    );
    assert_eq!(
        r.activate("bad", &cfg()).unwrap_err().kind(),
        &ErrorKind::Manifest
    );
    assert_eq!(
        r.activate("orphan", &cfg()).unwrap_err().kind(),
        &ErrorKind::Incompatible
    );
}

#[test]
fn a_valid_registration_takes_the_id_from_a_broken_one() {
    let r = registry_of(&[
        (r#"{"plugin": {"name": "twice", "version": "x"}}"#, book),
        (simple("twice"), book),
        (
            manifest(
                "twice",
                "2.0.0",
                ("1.0.0", "1.0.0"),
                &["portfolio@2"],
                &["portfolio"],
                &[],
            ),
            book,
        ),
    ]);
    let states: Vec<PluginState> = r.catalog().iter().map(|e| e.state).collect();
    assert_eq!(
        states,
        vec![PluginState::Error, PluginState::Loaded, PluginState::Error]
    );
    assert_eq!(r.entry("twice").unwrap().state, PluginState::Loaded);
    assert!(
        r.catalog()[2]
            .error
            .as_deref()
            .unwrap()
            .contains("duplicate plugin id")
    );
    r.activate("twice", &cfg()).unwrap();
}

/// The `from` of every ledger query asked.
type Asked = Arc<std::sync::Mutex<Vec<Option<chrono::DateTime<Utc>>>>>;

/// Records the `from` of every ledger query it is asked.
struct Recorder(Asked);

#[async_trait]
impl v2::TransactionService for Recorder {
    async fn transactions(&self, q: &TransactionQuery) -> crate::Result<v2::Page<v2::LedgerEntry>> {
        self.0.lock().unwrap().push(q.from);
        Ok(v2::Page::last(vec![]))
    }
}

static ASKED: std::sync::LazyLock<Asked> = std::sync::LazyLock::new(Default::default);

fn recorder(_: &PluginContext) -> crate::Result<Services> {
    Ok(Services::new().transactions_v2(Recorder(ASKED.clone())))
}

#[tokio::test]
async fn max_days_cuts_the_query_and_says_so_once() {
    let text = manifest(
        "short-memory",
        "1.0.0",
        ("1.0.0", "1.0.0"),
        &["transactions@2"],
        &["transactions", "deposits"],
        &[],
    )
    .replace(
        r#""markets""#,
        r#""transaction_history":{"max_days":90},"markets""#,
    );
    let r = registry_of(&[(Box::leak(text.into_boxed_str()), recorder)]);
    r.activate("short-memory", &json!({"token": "t0k3n-abc"}))
        .unwrap();
    let svc = r.transactions_v2("short-memory").unwrap();
    let first = svc.transactions(&TransactionQuery::new()).await.unwrap();
    assert_eq!(first.problems.len(), 1, "{:?}", first.problems);
    assert!(
        first.problems[0]
            .message
            .contains("keeps 90 days of history")
    );
    let later = svc
        .transactions(&TransactionQuery::new().cursor(Some(v2::Cursor("1".into()))))
        .await
        .unwrap();
    assert!(later.problems.is_empty(), "said once, on the first page");
    let recent = Utc::now() - chrono::Duration::days(10);
    let inside = svc
        .transactions(&TransactionQuery::new().since(recent))
        .await
        .unwrap();
    assert!(inside.problems.is_empty());
    let asked = ASKED.lock().unwrap().clone();
    let start = (Utc::now().date_naive() - chrono::Days::new(90))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    assert_eq!(asked, vec![Some(start), Some(start), Some(recent)]);
}

#[test]
fn typed_config_reads_every_kind_with_manifest_defaults() {
    #[derive(serde::Deserialize)]
    struct Typed {
        token: secrecy::SecretString,
        page_size: u32,
        sandbox: Option<bool>,
    }
    let m = Manifest::from_json(simple("typed")).unwrap();
    let cfg = PluginConfig::from_json(&m, &json!({"token": "s3cr3t-token"})).unwrap();
    let t: Typed = cfg.deserialize_into().unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(t.token.expose_secret(), "s3cr3t-token");
    assert_eq!(t.page_size, 50, "the default comes from the manifest");
    assert_eq!(t.sandbox, None);
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Wrong {
        page_size: bool,
    }
    let err = cfg.deserialize_into::<Wrong>().unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Config);
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
}

#[test]
fn integer_bounds_dates_and_lists_are_checked() {
    let text = json!({
        "plugin": {"name": "bounded", "version": "1.0.0", "type": "broker", "display_name": "B",
                   "description": "test plugin", "author": "tests", "license": "MIT"},
        "api": {"min_version": "1.0.0", "max_version": "1.0.0", "interfaces": ["portfolio@2"]},
        "dependencies": {"core": "*"},
        "capabilities": {"services": ["portfolio"]},
        "configuration": {"fields": [
            {"name": "window", "type": "integer", "required": false, "default": 10000,
             "minimum": 100, "maximum": 60000, "description": "ms"},
            {"name": "since", "type": "date", "required": false, "default": "2008-01-01", "description": "start"},
            {"name": "files", "type": "list", "required": false, "description": "paths"}
        ]}
    })
    .to_string();
    let m = Manifest::from_json(&text).unwrap();
    let ok = PluginConfig::from_json(&m, &json!({"files": ["a.xml", "b.xml"]})).unwrap();
    assert_eq!(ok.integer("window"), Some(10000));
    assert_eq!(ok.date("since").unwrap().to_string(), "2008-01-01");
    assert_eq!(ok.list("files").unwrap(), ["a.xml", "b.xml"]);
    let err = PluginConfig::from_json(
        &m,
        &json!({"window": 99, "since": "01/02/2008", "files": ["a", 3]}),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("window: must be at least 100, found 99"),
        "{err}"
    );
    assert!(
        err.contains("since: expected a date written YYYY-MM-DD"),
        "{err}"
    );
    assert!(err.contains("files: item 1: expected a string"), "{err}");
    let bad_default = text.replace(r#""default":10000"#, r#""default":70000"#);
    let problems = Manifest::from_json(&bad_default).unwrap_err();
    assert!(
        problems.to_string().contains("must be at most 60000"),
        "{problems}"
    );
}

#[tokio::test]
async fn instances_of_one_plugin_run_side_by_side() {
    let r = registry_of(&[(simple("book"), book)]);
    r.instantiate("alice-book", "book").unwrap();
    r.instantiate("bob-book", "book").unwrap();
    let e = r.entry("alice-book").unwrap();
    assert_eq!((e.id.as_str(), e.plugin.as_str()), ("alice-book", "book"));
    assert_eq!(e.state, PluginState::Loaded);
    assert_eq!(r.entry("book").unwrap().plugin, "book");

    r.activate("alice-book", &cfg()).unwrap();
    assert_eq!(
        r.entry("bob-book").unwrap().state,
        PluginState::Loaded,
        "each has its own state"
    );
    r.portfolio_v2("alice-book")
        .unwrap()
        .snapshot(&v2::PortfolioQuery::new())
        .await
        .unwrap();
    assert_eq!(r.health("alice-book").unwrap().calls, 1);
    assert_eq!(r.health("book").unwrap().calls, 0, "and its own figures");
    assert_eq!(
        r.portfolio_v2("bob-book").err().unwrap().kind(),
        &ErrorKind::Config,
        "not active until activated"
    );

    for (name, plugin, why) in [
        ("alice-book", "book", "already names"),
        ("book", "book", "already names"),
        ("Alice", "book", "kebab-case"),
        ("carol", "missing", "no plugin"),
        ("carol", "alice-book", "is an instance of"),
    ] {
        let err = r.instantiate(name, plugin).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Config, "{name}");
        assert!(err.to_string().contains(why), "{name}: {err}");
    }
}

#[test]
fn an_instance_of_a_plugin_that_cannot_load_is_in_its_error() {
    let r = registry_of(&[(
        manifest(
            "old",
            "1.0.0",
            ("0.1.0", "0.2.0"),
            &["portfolio@2"],
            &["portfolio"],
            &[],
        ),
        book,
    )]);
    r.instantiate("old-2", "old").unwrap();
    assert_eq!(r.entry("old-2").unwrap().state, PluginState::Error);
    assert!(r.activate("old-2", &cfg()).is_err());
}
