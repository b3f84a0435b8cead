//! Registration happens at link time: this test links the crate and asserts
//! the exact set of plugin ids `Registry::discover()` finds, so a
//! registration that vanished (or a second one that crept in) fails here.

use std::collections::BTreeSet;

use stonks_core::{PluginState, Registry};

// Naming the crate is what links its registration.
use acme_broker as _;

#[test]
fn discover_finds_exactly_acme() {
    let registry = Registry::discover();
    let ids: BTreeSet<String> = registry.catalog().into_iter().map(|e| e.id).collect();
    assert_eq!(ids, BTreeSet::from(["acme-broker".to_owned()]));
    assert_eq!(
        registry.entry("acme-broker").map(|e| e.state),
        Some(PluginState::Loaded)
    );
}
