//! Registration happens at link time: a crate nothing names is not linked,
//! and its plugin silently does not exist. This test links the crate and
//! asserts the exact set of ids `Registry::discover()` finds, so a
//! registration that vanished (or a second one) fails here, not in
//! production.

use std::collections::BTreeSet;

use stonks_core::{PluginState, Registry};

// Naming the crate is what links its registration.
use {{crate_name}} as _;

#[test]
fn discover_finds_exactly_this_plugin() {
    let registry = Registry::discover();
    let ids: BTreeSet<String> = registry.catalog().into_iter().map(|e| e.id).collect();
    assert_eq!(ids, BTreeSet::from(["{{project-name}}".to_owned()]));
    let entry = registry.entry("{{project-name}}");
    assert_eq!(
        entry.as_ref().map(|e| e.state),
        Some(PluginState::Loaded),
        "{entry:?}"
    );
}
