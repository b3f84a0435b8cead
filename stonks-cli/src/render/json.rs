//! The JSON contract, written pretty through the caller's buffered writer.

use std::io::{self, Write};

use serde::Serialize;

/// Writes `value` as pretty JSON and a newline.
pub fn write(mut out: impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, value).map_err(io::Error::other)?;
    writeln!(out)
}
