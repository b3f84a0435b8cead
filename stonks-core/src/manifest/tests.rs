//! Unit tests of the manifest, compiled only under #[cfg(test)] (see `mod.rs`).

use super::*;

const FULL: &str = include_str!("../../tests/manifests/valid/full.json");
const MINIMAL: &str = include_str!("../../tests/manifests/valid/minimal.json");

#[test]
fn full_manifest_fields() {
    let m = Manifest::from_json(FULL).unwrap();
    assert_eq!(m.id(), "example-broker");
    assert_eq!(m.plugin.version, semver::Version::new(1, 2, 3));
    assert_eq!(m.plugin.kind, PluginType::Broker);
    assert_eq!(
        m.api.interfaces,
        vec![Interface::PortfolioV2, Interface::TransactionsV2]
    );
    assert!(m.declares(Service::Dividends));
    assert!(!m.declares(Service::Staking));
    assert_eq!(m.capabilities.markets[1].as_str(), "XNAS");
    let net = m.network.as_ref().unwrap();
    assert_eq!(net.hosts[0].as_str(), "api.example.com");
    assert_eq!(
        net.rate_limit,
        Some(RateLimit {
            requests: 100,
            per_seconds: 60
        })
    );
    let pw = &m.configuration.fields[1];
    assert!(pw.secret && pw.required && pw.kind == FieldType::String);
    assert_eq!(
        m.configuration.fields[2].default,
        Some(serde_json::json!(100))
    );
    assert_eq!(m.dependencies.plugins.len(), 1);
}

#[test]
fn round_trips_through_serde() {
    for text in [FULL, MINIMAL] {
        let m = Manifest::from_json(text).unwrap();
        let again = Manifest::from_json(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(m, again);
    }
}

/// The diagnostic walk must accept every document the typed parse accepts,
/// or the schema and the types have drifted apart. With nothing wrong, it
/// reports only the serde error it was handed.
#[test]
fn schema_walk_accepts_valid_manifests() {
    let handed = serde_json::from_str::<u8>("x").unwrap_err();
    for text in [FULL, MINIMAL] {
        let problems = validate::diagnose(text, &handed);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].message, handed.to_string());
    }
}

#[test]
fn error_converts_to_manifest_kind() {
    let err: crate::Error = Manifest::from_json("{}").unwrap_err().into();
    assert_eq!(err.kind(), &crate::ErrorKind::Manifest);
    assert!(err.to_string().contains("missing required key \"plugin\""));
}

#[test]
fn sniffs_id_of_broken_manifest() {
    assert_eq!(
        Manifest::sniff_id(r#"{"plugin": {"name": "half-broken", "version": 3}}"#).as_deref(),
        Some("half-broken")
    );
    assert_eq!(Manifest::sniff_id("{"), None);
}
