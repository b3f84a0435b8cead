//! The plugin's settings, read from the configuration the registry checked
//! against the manifest.

use std::path::PathBuf;

use serde::Deserialize;

/// Where the price files are.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// The CSV files, read in this order (a later file's close of a day
    /// wins over an earlier one's).
    pub files: Vec<PathBuf>,
}
