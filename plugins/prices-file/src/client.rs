//! Where the bytes come from: each configured file, read through core's
//! bounded local reader (a FIFO, a device or a runaway file is refused,
//! not read).

use std::path::Path;

use stonks_core::Result;

/// The largest price file read: decades of closes of thousands of
/// instruments fit.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The file's bytes. A missing or unreadable file is a configuration
/// error naming the file (the user's to fix), never quoting its content.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    stonks_core::local::read(path, &path.display().to_string(), MAX_FILE_BYTES)
}

/// The file's size and modification time: a cached read is used while
/// both stay the same.
pub fn stamp(path: &Path) -> (u64, Option<std::time::SystemTime>) {
    std::fs::metadata(path).map_or((0, None), |m| (m.len(), m.modified().ok()))
}

/// What problems name as the place a row came from: the file's name.
pub fn source(path: &Path) -> String {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    format!("file {name}")
}
