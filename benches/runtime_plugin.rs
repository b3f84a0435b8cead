//! Runtime plugins (issue 25's limits): a call of `transactions.page` for a
//! 1,000-entry page through a process speaking stonks-jsonrpc/1, against
//! reading the same answer's bytes in-process (the protocol's own cost is
//! the difference); and starting the Python example (spawn, `initialize`,
//! one snapshot from its mock). Prints the host's resident memory before and after 1,000 calls.
//!
//! The page plugin answers from a cached line, so the plugin side costs
//! next to nothing and the figure is the host's and the pipe's.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use stonks::Registry;
use stonks::process::PageAnswer;
use stonks::v2::{LedgerEntry, PortfolioQuery, TransactionQuery};

const ENTRIES: usize = 1000;

fn entry(i: usize) -> serde_json::Value {
    serde_json::json!({
        "id": format!("trade-{i}"), "account": "ACC-1",
        "timestamp": format!("2024-{:02}-{:02}T10:{:02}:00Z", i % 12 + 1, i % 28 + 1, i % 60),
        "kind": "buy",
        "instrument": {"broker_id": "4711", "symbol": "VWCE", "isin": "IE00BK5BQT80", "name": "Vanguard FTSE All-World",
                       "asset_class": "etf", "currency": "EUR", "exchange": "XETR"},
        "quantity": "3", "price": {"amount": "101.25", "currency": "EUR"},
        "amount": {"amount": "-303.75", "currency": "EUR"},
        "fees": [{"amount": "1.00", "currency": "EUR"}], "description": "Buy 3 VWCE"
    })
}

fn page_json() -> String {
    let items: Vec<serde_json::Value> = (0..ENTRIES).map(entry).collect();
    serde_json::json!({"items": items, "next": null, "problems": []}).to_string()
}

const MANIFEST: &str = r#"{
  "plugin": {"name": "bench-pages", "version": "0.1.0", "type": "broker", "display_name": "bench",
             "description": "bench", "author": "bench", "license": "MIT"},
  "api": {"min_version": "1.0.0", "max_version": "1.0.0", "interfaces": ["transactions@2"]},
  "dependencies": {"core": "^0.1"},
  "capabilities": {"services": ["transactions"]},
  "process": {"command": ["python3", "plugin.py"], "protocol": "stonks-jsonrpc/1"}
}"#;

/// Answers `initialize`, and every other call with the cached page.
const PLUGIN: &str = r#"import sys, json
page = open("page.json").read()
out = sys.stdout
for line in sys.stdin:
    m = json.loads(line)
    if m["method"] == "initialize":
        out.write(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": {"protocol": "stonks-jsonrpc/1"}}) + "\n")
    else:
        out.write('{"jsonrpc":"2.0","id":%d,"result":' % m["id"] + page + "}\n")
    out.flush()
"#;

fn plugin_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stonks-bench-plugins-{}", std::process::id()));
    let p = dir.join("bench-pages");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("manifest.json"), MANIFEST).unwrap();
    std::fs::write(p.join("plugin.py"), PLUGIN).unwrap();
    std::fs::write(p.join("page.json"), page_json()).unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/python-broker");
    let e = dir.join("python-example");
    std::fs::create_dir_all(&e).unwrap();
    for f in ["manifest.json", "plugin.py", "stonks_plugin.py"] {
        std::fs::copy(example.join(f), e.join(f)).unwrap();
    }
    dir
}

/// Resident memory, KiB (Linux).
fn rss_kib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4)
}

fn bench(c: &mut Criterion) {
    let dir = plugin_dir();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let registry = Registry::builder().plugin_dir(&dir).build();
    registry
        .activate("bench-pages", &serde_json::json!({}))
        .unwrap();
    let service = registry.transactions_v2("bench-pages").unwrap();
    let page = |s: &std::sync::Arc<dyn stonks::v2::TransactionService>| {
        let s = s.clone();
        async move { s.transactions(&TransactionQuery::new()).await.unwrap() }
    };
    assert_eq!(rt.block_on(page(&service)).items.len(), ENTRIES);

    let mut g = c.benchmark_group("runtime_plugin");
    g.sample_size(50);
    g.bench_function(
        "transactions.page, 1000 entries, through the process",
        |b| b.iter(|| rt.block_on(page(&service))),
    );
    let bytes = page_json();
    g.bench_function("the same answer read in-process (no protocol)", |b| {
        b.iter(|| {
            let answer: PageAnswer = serde_json::from_str(&bytes).unwrap();
            let (items, _, _): (Vec<LedgerEntry>, _, _) = answer.entries("bench");
            items
        })
    });
    g.sample_size(20);
    let mock = rt.block_on(stonks_testkit::MockExampleBroker::start());
    let config = mock.config();
    g.bench_function(
        "start the Python example (spawn, initialize, one snapshot)",
        |b| {
            b.iter(|| {
                let r = Registry::builder().plugin_dir(&dir).build();
                r.activate("python-example", &config).unwrap();
                let p = r.portfolio_v2("python-example").unwrap();
                rt.block_on(async move { p.snapshot(&PortfolioQuery::new()).await.unwrap() })
            })
        },
    );
    g.finish();

    let before = rss_kib();
    for _ in 0..1000 {
        rt.block_on(page(&service));
    }
    let after = rss_kib();
    println!("host resident memory around 1000 more page calls: {before:?} KiB -> {after:?} KiB");
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
