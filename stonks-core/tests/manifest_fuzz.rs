//! Property tests: no input makes the manifest parser or the registry panic,
//! and every rejection names at least one problem.

use proptest::prelude::*;
use stonks_core::{Manifest, PluginRecord, Registry, Services};

const FULL: &str = include_str!("manifests/valid/full.json");

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z@. _-]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "portfolio",
            "portfolio@2",
            "broker",
            "1.0.0",
            "^1",
            "EUR",
            "XAMS",
            "api.bitvavo.com",
            "url",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        let keys = prop::sample::select(vec![
            "plugin",
            "api",
            "name",
            "version",
            "type",
            "services",
            "interfaces",
            "fields",
            "network",
            "hosts",
            "capabilities",
            "dependencies",
            "core",
            "plugins",
            "configuration",
            "default",
            "x",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((keys, inner), 0..8).prop_map(|kv| serde_json::Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn check(text: &str) {
    if let Err(e) = Manifest::from_json(text) {
        assert!(!e.problems().is_empty());
    }
}

fn noop(_: &stonks_core::PluginContext) -> stonks_core::Result<Services> {
    Ok(Services::new())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_json_never_panics(v in json_value()) {
        check(&v.to_string());
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_manifests_never_panic(
        edits in prop::collection::vec((0usize..FULL.len(), 0usize..8, "[\\[\\]{}\",:0-9a-zA-Z\\-\\. ]{0,4}"), 1..6)
    ) {
        let mut text = FULL.as_bytes().to_vec();
        for (at, del, ins) in edits {
            let at = at.min(text.len());
            let end = (at + del).min(text.len());
            text.splice(at..end, ins.bytes());
        }
        check(&String::from_utf8_lossy(&text));
    }

    #[test]
    fn spliced_values_never_panic(path in prop::sample::select(vec![
        "/plugin", "/plugin/name", "/plugin/version", "/api", "/api/interfaces", "/api/interfaces/0",
        "/capabilities/services", "/capabilities/services/1", "/configuration/fields/0",
        "/configuration/fields/2/default", "/network", "/network/rate_limit", "/dependencies/plugins",
    ]), v in json_value()) {
        let mut doc: serde_json::Value = serde_json::from_str(FULL).unwrap();
        if let Some(slot) = doc.pointer_mut(path) {
            *slot = v;
        }
        let text = doc.to_string();
        check(&text);
        // The registry takes whatever it is given without panicking.
        let leaked: &'static str = Box::leak(text.into_boxed_str());
        let registry = Registry::builder().register(PluginRecord::new(leaked, noop)).build();
        prop_assert_eq!(registry.catalog().len(), 1);
    }
}
