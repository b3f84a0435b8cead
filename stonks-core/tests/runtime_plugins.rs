//! Runtime plugins (folders with a `process` manifest, speaking
//! stonks-jsonrpc/1) under everything a process can do wrong: each test
//! writes small Python plugins on the example's `stonks_plugin.py` into a
//! plugin directory, and checks that the host answers, says what went
//! wrong, never panics, and that the other plugins keep answering.
#![cfg(unix)]

use std::time::Duration;

use stonks_core::v2::{PortfolioQuery, TransactionQuery, collect_ledger};
use stonks_core::{ErrorKind, PluginState, Registry};

mod common;
use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_a_hang_garbage_and_an_oversized_line_each_stop_only_their_plugin() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good", &manifest("good", ""), &plugin(GOOD));
    // Crashes on its first snapshot only (a marker file remembers).
    let crash = r#"    marker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "crashed")
    if not os.path.exists(marker):
        open(marker, "w").close()
        sys.stderr.write("about to crash\n"); sys.stderr.flush()
        os._exit(3)
    return {"as_of": "2025-02-01T00:00:00Z", "positions": [], "cash": []}"#;
    write(dir.path(), "crash", &manifest("crash", ""), &plugin(crash));
    let hang = "    time.sleep(3600)";
    write(
        dir.path(),
        "hang",
        &manifest("hang", r#", "call_timeout_secs": 1"#),
        &plugin(hang),
    );
    let garbage = r#"    sys.stdout.write("hello, this is not json\n"); sys.stdout.flush()
    time.sleep(5)"#;
    write(
        dir.path(),
        "garbage",
        &manifest("garbage", ""),
        &plugin(garbage),
    );
    let huge = r#"    sys.stdout.write("x" * (17 * 1024 * 1024) + "\n"); sys.stdout.flush()
    time.sleep(5)"#;
    write(dir.path(), "huge", &manifest("huge", ""), &plugin(huge));
    let r = registry(dir.path());
    for id in ["good", "crash", "hang", "garbage", "huge"] {
        r.activate(id, &config()).unwrap();
    }
    let snapshot = |id: &'static str| {
        let r = r.clone();
        async move {
            r.portfolio_v2(id)
                .unwrap()
                .snapshot(&PortfolioQuery::new())
                .await
        }
    };
    let (crash, hang, garbage, huge, good) = tokio::join!(
        snapshot("crash"),
        snapshot("hang"),
        snapshot("garbage"),
        snapshot("huge"),
        snapshot("good")
    );
    assert!(good.is_ok(), "{good:?}");
    let crash = crash.unwrap_err();
    assert_eq!(crash.kind(), &ErrorKind::Plugin);
    assert!(
        crash.message().contains("exited") && crash.message().contains("about to crash"),
        "{crash}"
    );
    let hang = hang.unwrap_err();
    assert!(
        hang.message()
            .contains("did not answer portfolio.snapshot within 1 s"),
        "{hang}"
    );
    let garbage = garbage.unwrap_err();
    assert!(
        garbage.message().contains("not JSON-RPC")
            && garbage.message().contains("hello, this is not json"),
        "{garbage}"
    );
    let huge = huge.unwrap_err();
    assert!(
        huge.message().contains("longer than 16777216 bytes"),
        "{huge}"
    );

    // Right after a crash the next call is refused at once, saying when
    // the plugin starts again; after the pause it starts and answers.
    let again = snapshot("crash").await.unwrap_err();
    assert!(again.message().contains("started again in"), "{again}");
    tokio::time::sleep(stonks_core::process::FIRST_BACKOFF + Duration::from_millis(100)).await;
    let back = snapshot("crash").await;
    assert!(back.is_ok(), "restarted: {back:?}");
    assert!(snapshot("good").await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_protocol_or_a_broken_manifest_never_keeps_the_others_from_loading() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good", &manifest("good", ""), &plugin(GOOD));
    // Answers initialize with another protocol version.
    let wrong = r#"import sys, json
for line in sys.stdin:
    m = json.loads(line)
    print(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": {"protocol": "stonks-jsonrpc/9"}}), flush=True)
"#;
    write(dir.path(), "wrong", &manifest("wrong", ""), wrong);
    // A manifest that asks for a protocol this host does not speak.
    let future = manifest("future", "").replace("stonks-jsonrpc/1", "stonks-jsonrpc/2");
    write(dir.path(), "future", &future, &plugin(GOOD));
    // Not JSON at all, and no process section.
    write(dir.path(), "broken", "{ not json", "");
    let linked_style = manifest("noprocess", "").replace(
        r#",
  "process": {"command": ["python3", "plugin.py"], "protocol": "stonks-jsonrpc/1"}"#,
        "",
    );
    write(dir.path(), "noprocess", &linked_style, &plugin(GOOD));

    let r = registry(dir.path());
    let state = |id: &str| r.entry(id).map(|e| (e.state, e.error.unwrap_or_default()));
    assert_eq!(state("good").unwrap().0, PluginState::Loaded);
    assert_eq!(state("wrong").unwrap().0, PluginState::Loaded);
    let (s, why) = state("future").unwrap();
    assert_eq!(s, PluginState::Error);
    assert!(
        why.contains("process.protocol") && why.contains("stonks-jsonrpc/2"),
        "{why}"
    );
    let (s, why) = state("broken").unwrap();
    assert_eq!(s, PluginState::Error, "named by its folder");
    assert!(why.contains("invalid manifest"), "{why}");
    let (s, why) = state("noprocess").unwrap();
    assert_eq!(s, PluginState::Error);
    assert!(why.contains("needs a process section"), "{why}");

    r.activate("wrong", &config()).unwrap();
    let e = r
        .portfolio_v2("wrong")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap_err();
    assert!(e.message().contains("speaks \"stonks-jsonrpc/9\""), "{e}");
    r.activate("good", &config()).unwrap();
    assert!(
        r.portfolio_v2("good")
            .unwrap()
            .snapshot(&PortfolioQuery::new())
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reload_lets_calls_in_flight_finish_on_the_old_process_and_a_broken_manifest_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let slow = |cash: &str| {
        format!(
            r#"    time.sleep(1.0)
    return {{"as_of": "2025-02-01T00:00:00Z", "positions": [], "cash": [{{"amount": {{"amount": "{cash}", "currency": "EUR"}}}}]}}"#
        )
    };
    write(
        dir.path(),
        "slow",
        &manifest("slow", ""),
        &plugin(&slow("1.00")),
    );
    let r = registry(dir.path());
    r.activate("slow", &config()).unwrap();
    let cash = |r: Registry| async move {
        r.portfolio_v2("slow")
            .unwrap()
            .snapshot(&PortfolioQuery::new())
            .await
            .map(|s| s.cash[0].amount.amount.to_string())
    };
    // A call in flight on version 1; meanwhile version 2 is installed and
    // the plugin reloaded.
    let in_flight = tokio::spawn(cash(r.clone()));
    tokio::time::sleep(Duration::from_millis(400)).await;
    write(
        dir.path(),
        "slow",
        &manifest("slow", ""),
        &plugin(&slow("2.00")),
    );
    r.reload("slow", &config()).unwrap();
    assert_eq!(
        in_flight.await.unwrap().unwrap(),
        "1.00",
        "finished on the old process"
    );
    assert_eq!(
        cash(r.clone()).await.unwrap(),
        "2.00",
        "the next call runs the new one"
    );

    // A manifest that no longer checks: refused, the running plugin kept.
    let broken = manifest("slow", "").replace("stonks-jsonrpc/1", "stonks-jsonrpc/7");
    std::fs::write(dir.path().join("slow/manifest.json"), broken).unwrap();
    let e = r.reload("slow", &config()).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Manifest);
    assert!(
        e.message()
            .contains("not reloaded, the running plugin is kept")
            && e.message().contains("stonks-jsonrpc/7"),
        "{e}"
    );
    assert_eq!(r.entry("slow").unwrap().state, PluginState::Active);
    assert_eq!(cash(r.clone()).await.unwrap(), "2.00");
}

#[test]
fn the_protocol_schema_in_docs_is_generated_from_the_types() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/plugin-protocol.schema.json");
    let generated = stonks_core::process::schema_json();
    if std::env::var_os("STONKS_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == generated,
        "docs/plugin-protocol.schema.json is stale: run `STONKS_BLESS=1 cargo test -p stonks-core --test runtime_plugins` and commit it"
    );
    // It describes what a plugin answers in core's own shapes.
    let schema: serde_json::Value = serde_json::from_str(&generated).unwrap();
    for def in [
        "LedgerEntry",
        "PortfolioSnapshot",
        "Money",
        "Instrument",
        "ReadProblem",
    ] {
        assert!(
            schema["$defs"].get(def).is_some(),
            "{def} in {}",
            &generated[..200]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_and_a_memory_hog_are_stopped_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let flood = r#"    for i in range(2000):
        sys.stdout.write('{"jsonrpc": "2.0", "method": "noise", "params": {}}\n')
    sys.stdout.flush()
    time.sleep(5)"#;
    write(dir.path(), "flood", &manifest("flood", ""), &plugin(flood));
    // A gibibyte under a cap of 256 MiB: the allocation fails in the plugin.
    let hog = r#"    block = bytearray(1024 * 1024 * 1024)
    return {"as_of": "2025-02-01T00:00:00Z", "positions": [], "cash": []}"#;
    write(
        dir.path(),
        "hog",
        &manifest("hog", r#", "memory_mb": 256"#),
        &plugin(hog),
    );
    let r = registry(dir.path());
    for id in ["flood", "hog"] {
        r.activate(id, &config()).unwrap();
    }
    let call = |id: &'static str| {
        let r = r.clone();
        async move {
            r.portfolio_v2(id)
                .unwrap()
                .snapshot(&PortfolioQuery::new())
                .await
        }
    };
    let flood = call("flood").await.unwrap_err();
    assert!(
        flood
            .message()
            .contains("flooded its output with 1001 messages"),
        "{flood}"
    );
    let hog = call("hog").await.unwrap_err();
    assert!(hog.message().contains("MemoryError"), "{hog}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runtime_middleware_rewrites_a_brokers_pages_and_a_failing_one_leaves_them_be() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good", &manifest("good", ""), &plugin(GOOD));
    let middleware = |name: &str, body: &str| {
        let m = manifest(name, "")
            .replace(r#""type": "broker""#, r#""type": "middleware""#)
            .replace(
                r#"["portfolio@2", "transactions@2"]"#,
                r#"["middleware@1"]"#,
            )
            .replace(
                r#"["portfolio", "transactions", "deposits"]"#,
                r#"["transactions"]"#,
            );
        let py = format!(
            r#"import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stonks_plugin

def page(params, host):
{body}

stonks_plugin.run({{"middleware.page": page}})
"#
        );
        (m, py)
    };
    // Drops e1, and says which broker it rewrote in each description.
    let (m, py) = middleware(
        "tidy",
        r#"    page = params["page"]
    items = [dict(e, description="from " + params["broker"]) for e in page["items"] if e["id"] != "e1"]
    return {"items": items, "next": None, "problems": page["problems"]}"#,
    );
    write(dir.path(), "tidy", &m, &py);
    let r = registry(dir.path());
    r.activate("good", &config()).unwrap();
    r.activate("tidy", &config()).unwrap();
    let page = collect_ledger(
        &*r.transactions_v2("good").unwrap(),
        TransactionQuery::new(),
    )
    .await
    .unwrap();
    let seen: Vec<(&str, Option<&str>)> = page
        .items
        .iter()
        .map(|e| (e.id.as_str(), e.description.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [("e0", Some("from good")), ("e2", Some("from good"))],
        "e1 dropped on the first page; the broker's cursor still reached the second"
    );

    // A middleware that fails: the page goes on as the broker answered it,
    // with a problem naming the middleware.
    let (m, py) = middleware("broken", "    raise ValueError('cannot')");
    write(dir.path(), "broken", &m, &py);
    let r = registry(dir.path());
    r.activate("good", &config()).unwrap();
    r.activate("broken", &config()).unwrap();
    let page = collect_ledger(
        &*r.transactions_v2("good").unwrap(),
        TransactionQuery::new(),
    )
    .await
    .unwrap();
    assert_eq!(page.items.len(), 3, "every entry, untransformed");
    assert!(
        page.problems
            .iter()
            .any(|p| p.to_string().contains("middleware broken")
                && p.to_string().contains("left as the broker answered it")),
        "{:?}",
        page.problems
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_sees_none_of_the_hosts_environment_but_what_a_program_needs() {
    let dir = tempfile::tempdir().unwrap();
    let env = r#"    keys = sorted(k for k in os.environ if k not in ("PWD", "SHLVL", "_"))
    return {"as_of": "2025-02-01T00:00:00Z", "positions": [], "cash": [],
            "problems": [{"endpoint": "env", "message": k} for k in keys]}"#;
    write(dir.path(), "env", &manifest("env", ""), &plugin(env));
    let r = registry(dir.path());
    r.activate("env", &config()).unwrap();
    let snap = r
        .portfolio_v2("env")
        .unwrap()
        .snapshot(&PortfolioQuery::new())
        .await
        .unwrap();
    let keys: Vec<&str> = snap.problems.iter().map(|p| p.message.as_str()).collect();
    // The test process has CARGO_*, RUST_* and more: none of it passes.
    assert!(std::env::vars().any(|(k, _)| k.starts_with("CARGO")));
    let allowed = |k: &str| {
        matches!(k, "PATH" | "HOME" | "LANG" | "TZ" | "TMPDIR" | "SYSTEMROOT")
            || k.starts_with("LC_")
            // Set by a pyenv `python3` launcher itself, not passed by the host.
            || k.starts_with("PYENV_")
            || k.starts_with("_PYENV_")
    };
    assert!(keys.iter().all(|k| allowed(k)), "{keys:?}");
    assert!(!keys.iter().any(|k| k.starts_with("CARGO")), "{keys:?}");
}
