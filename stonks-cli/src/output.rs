//! Output formats of the listing commands: table, JSON, CSV.

use std::io::{self, Write};

use clap::ValueEnum;
use serde_json::Value;

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// The documented JSON contract.
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

/// A decimal or `null` as JSON: a string, digits exactly as the broker gave them.
pub fn dec(d: Option<rust_decimal::Decimal>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_string()))
}

/// Writes `value` as pretty JSON.
pub fn json(out: &mut impl Write, value: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

fn csv_cell(v: &Value) -> String {
    let text = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Writes the objects of `rows` as CSV with `columns` as the header.
pub fn csv(out: &mut impl Write, columns: &[&str], rows: &[Value]) -> io::Result<()> {
    writeln!(out, "{}", columns.join(","))?;
    for row in rows {
        let cells: Vec<String> = columns.iter().map(|c| csv_cell(&row[*c])).collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

/// A JSON cell as table text: `-` for null.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_quotes_what_needs_it() {
        let mut out = Vec::new();
        let rows = vec![serde_json::json!({"a": "x,y", "b": null, "c": "say \"hi\""})];
        super::csv(&mut out, &["a", "b", "c"], &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,b,c\n\"x,y\",,\"say \"\"hi\"\"\"\n"
        );
    }
}
