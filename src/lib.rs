//! # stonks
//!
//! Read positions and money movements from many brokers through one set of
//! versioned traits. This facade re-exports [`stonks_core`] and links each
//! broker enabled by a cargo feature, so that `Registry::discover()` finds it.
//!
//! ```
//! let registry = stonks::Registry::discover();
//! for entry in registry.catalog() {
//!     println!("{} is {}", entry.id, entry.state);
//! }
//! ```

pub use stonks_core::*;
