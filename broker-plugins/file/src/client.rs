//! Where the bytes come from: the configured files, read whole on each
//! call (so an edited file is seen at once), with the format told by the
//! extension.

use std::path::Path;

use stonks_core::{Error, Result};

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON list of rows.
    Json,
    /// CSV with a header row.
    Csv,
}

/// The file's bytes and format. A missing or unreadable file is a
/// configuration error naming the file (the user's to fix).
pub fn read(path: &Path) -> Result<(Vec<u8>, Format)> {
    let format = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
    {
        Some(e) if e == "json" => Format::Json,
        Some(e) if e == "csv" => Format::Csv,
        _ => {
            return Err(Error::config(format!(
                "{}: the file must end in .json or .csv",
                path.display()
            )));
        }
    };
    // A FIFO, a device or a runaway file is refused, not read.
    let bytes = stonks_core::local::read(
        path,
        &path.display().to_string(),
        stonks_core::local::DEFAULT_MAX_FILE_BYTES,
    )?;
    Ok((bytes, format))
}

/// What problems name as the place a row came from: the file's name.
pub fn source(path: &Path) -> String {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    format!("file {name}")
}
