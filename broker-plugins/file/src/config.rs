//! The plugin's settings, read from the configuration the registry checked
//! against the manifest.

use std::path::PathBuf;

use serde::Deserialize;

/// Where the files are, and whose they are.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// The ledger file, `.json` or `.csv`.
    pub path: PathBuf,
    /// The account of every entry in it.
    pub account: String,
    /// An optional positions file, `.json` or `.csv`.
    pub positions: Option<PathBuf>,
}
