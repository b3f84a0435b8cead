//! Discover and validate 1,000 generated manifests, against parsing the same
//! text with serde_json alone (into `serde_json::Value`, and straight into
//! the typed `Manifest` with no checks). Target: the registry costs at most
//! 1.5x the serde_json parse.

use criterion::{BatchSize, Criterion, black_box, criterion_group, criterion_main};
use stonks::{Manifest, PluginContext, PluginRecord, Registry, Result, Services};

fn noop(_: &PluginContext) -> Result<Services> {
    Ok(Services::new())
}

/// A realistic broker manifest (all sections) for plugin number `i`.
fn manifest(i: usize) -> String {
    let deps = if i > 0 && i.is_multiple_of(10) {
        format!(r#", "plugins": {{ "broker-{}": "^1" }}"#, i - 1)
    } else {
        String::new()
    };
    format!(
        r#"{{
  "plugin": {{ "name": "broker-{i}", "version": "1.{i}.0", "type": "broker",
              "display_name": "Broker {i}", "description": "Generated broker manifest number {i} for the registry benchmark.",
              "author": "bench", "license": "MIT OR Apache-2.0", "homepage": "https://example.com/{i}" }},
  "api": {{ "min_version": "1.0.0", "max_version": "1.3.0", "interfaces": ["portfolio@2", "transactions@2"] }},
  "dependencies": {{ "core": ">=0.1, <2"{deps} }},
  "capabilities": {{
    "services": ["portfolio", "transactions", "deposits", "withdrawals", "dividends", "fees"],
    "features": ["history"],
    "transaction_history": {{ "max_days": 3650 }},
    "markets": ["XAMS", "XNAS", "XETR"],
    "currencies": ["EUR", "USD", "GBP"]
  }},
  "configuration": {{ "fields": [
    {{ "name": "api_key", "type": "string", "required": true, "description": "API key." }},
    {{ "name": "api_secret", "type": "string", "required": true, "secret": true, "description": "API secret." }},
    {{ "name": "base_url", "type": "url", "required": false, "description": "Override of the API host." }}
  ] }},
  "network": {{ "hosts": ["api{i}.example.com"], "rate_limit": {{ "requests": 1000, "per_seconds": 60 }} }}
}}"#
    )
}

fn bench(c: &mut Criterion) {
    let texts: Vec<&'static str> = (0..1000)
        .map(|i| &*Box::leak(manifest(i).into_boxed_str()))
        .collect();
    let records: Vec<PluginRecord> = texts.iter().map(|t| PluginRecord::new(t, noop)).collect();
    // Sanity: every generated manifest is valid and loads.
    let r = Registry::builder()
        .register_all(records.iter().copied())
        .build();
    assert!(r.catalog().iter().all(|e| e.error.is_none()));

    let mut g = c.benchmark_group("registry_1000_manifests");
    g.sample_size(30);
    g.bench_function("serde_json_value", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(serde_json::from_str::<serde_json::Value>(t).unwrap());
            }
        })
    });
    g.bench_function("serde_json_typed", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(serde_json::from_str::<Manifest>(t).unwrap());
            }
        })
    });
    g.bench_function("manifest_from_json_with_checks", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(Manifest::from_json(t).unwrap());
            }
        })
    });
    g.bench_function("discover_and_validate", |b| {
        b.iter_batched(
            || records.clone(),
            |recs| black_box(Registry::builder().register_all(recs).build()),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
