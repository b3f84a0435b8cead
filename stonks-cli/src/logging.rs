//! Logs to stderr, chosen by `-v` (info), `-vv` (debug: every request with
//! its method, redacted URL, status, latency, attempt and wait; lifecycle
//! transitions; store commits) or `-vvv` (trace), or by `RUST_LOG`.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber for this run; without `-v` or `RUST_LOG` only
/// warnings are shown.
pub fn init(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
        _ => EnvFilter::new(level),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}
