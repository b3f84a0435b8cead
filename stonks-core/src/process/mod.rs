//! Runtime plugins: a broker installed as a folder (its `manifest.json`
//! with a `process` section, and a program in any language), run as a
//! child process that speaks [`PROTOCOL`] on stdin and stdout.
//!
//! The registry finds such folders ([`crate::RegistryBuilder::plugin_dir`]),
//! checks their manifests like a linked plugin's, and runs each as a v2
//! plugin whose factory is [`factory`]: the same lifecycle, health,
//! budgets and adapters. The protocol is in `docs/plugin-protocol.md`.
//!
//! Isolation: a process that crashes, hangs past its call timeout, writes
//! a line that is not JSON-RPC or is longer than [`MAX_LINE_BYTES`], or
//! floods its output is stopped; the call fails with a message saying
//! which, and the next call starts it again after a pause that doubles
//! with each failure in a row ([`FIRST_BACKOFF`] to [`MAX_BACKOFF`]). Its
//! memory is capped (`process.memory_mb`). Its stderr is logged through
//! `tracing`, with its secret settings redacted.

mod child;
mod plugin;
mod protocol;

pub use child::MAX_LINE_BYTES;
pub use plugin::{FIRST_BACKOFF, MAX_BACKOFF, ProcessPlugin, factory};
pub use protocol::{
    ErrorData, HttpAnswer, HttpParams, Initialize, Initialized, MiddlewarePageParams,
    MiddlewareSnapshotParams, PROTOCOL, PageAnswer, PageOut, RpcError, schema_json,
};

use crate::manifest::Interface;

/// The interfaces a runtime plugin may list: a broker serves v2 (the
/// registry adapts it to v1); a middleware serves middleware@1.
pub const INTERFACES: &[Interface] = &[
    Interface::PortfolioV2,
    Interface::TransactionsV2,
    Interface::MiddlewareV1,
];

/// The registration record of the runtime plugin in folder `dir`, for
/// registering it by hand (`Registry::builder().register(..)`) and for the
/// conformance suite, which take records. Its manifest text and folder are
/// kept for the life of the program (leaked once per call: meant for tests
/// and tools, not for a loop; a host finds folders with
/// [`crate::RegistryBuilder::plugin_dir`]).
pub fn record(dir: &std::path::Path) -> crate::Result<crate::PluginRecord> {
    let dir = dir
        .canonicalize()
        .map_err(|e| crate::Error::config(format!("plugin folder {}: {e}", dir.display())))?;
    let text = crate::registry::read_manifest(&dir).map_err(crate::Error::config)?;
    let manifest: &'static str = Box::leak(text.into_boxed_str());
    let dir: &'static std::path::Path = Box::leak(dir.into_boxed_path());
    let mut record = crate::PluginRecord::new(manifest, factory);
    record.dir = Some(dir);
    Ok(record)
}
