//! Which plugins this core can run: the plugin API version it implements,
//! the compatibility rule, and the reason a manifest fails it. Kept apart
//! because the CLI's `manifest` command applies the same rule.

use crate::manifest::Manifest;

/// The plugin API version this core implements.
///
/// A plugin is compatible when its `api.min_version <= PLUGIN_API_VERSION`
/// and `PLUGIN_API_VERSION.major <= api.max_version.major`.
pub const PLUGIN_API_VERSION: semver::Version = semver::Version::new(1, 0, 0);

/// The compatibility rule, for any API version (see [`PLUGIN_API_VERSION`]).
pub fn is_compatible(min: &semver::Version, max: &semver::Version, api: &semver::Version) -> bool {
    min <= api && api.major <= max.major
}

/// Version of this `stonks-core`, matched against `dependencies.core`.
pub fn core_version() -> &'static semver::Version {
    static VERSION: std::sync::OnceLock<semver::Version> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        semver::Version::parse(env!("CARGO_PKG_VERSION"))
            .unwrap_or_else(|_| semver::Version::new(0, 0, 0))
    })
}

/// Why a manifest cannot load on this core, if it cannot.
pub(super) fn compatibility_problem(m: &Manifest) -> Option<String> {
    let api = &PLUGIN_API_VERSION;
    if !is_compatible(&m.api.min_version, &m.api.max_version, api) {
        return Some(format!(
            "incompatible: plugin {} {} supports plugin API {} to {}.x, this host implements {api}",
            m.id(),
            m.plugin.version,
            m.api.min_version,
            m.api.max_version.major
        ));
    }
    let core = core_version();
    if !m.dependencies.core.matches(core) {
        return Some(format!(
            "incompatible: plugin {} {} needs stonks-core {}, this host has {core}",
            m.id(),
            m.plugin.version,
            m.dependencies.core
        ));
    }
    None
}
