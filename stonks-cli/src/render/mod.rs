//! How results reach people and programs: aligned tables, the JSON
//! contract, spreadsheet-safe CSV. Only what is ours lives here: column
//! choice and number formatting; tables and CSV are written by well-kept
//! crates (`comfy-table`: widths, Unicode, wrapping; `csv`: quoting).

pub mod csv;
pub mod json;
pub mod table;

use clap::ValueEnum;
use rust_decimal::Decimal;

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// The documented JSON contract.
    Json,
    /// Comma-separated values with a header row, safe to open in a spreadsheet.
    Csv,
}

/// Text that came from outside, safe for a terminal: every control
/// character (C0, DEL, C1: escape, bell, carriage return, ...) becomes a
/// space, so a broker's escape sequence cannot rewrite the terminal. Tables
/// and CSV both show text through this.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(char::is_control) {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A decimal as the broker sent it, or empty.
pub fn dec(d: Option<Decimal>) -> String {
    d.map_or(String::new(), |d| d.to_string())
}
