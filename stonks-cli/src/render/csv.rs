//! CSV that is safe to open in a spreadsheet, written by the `csv` crate.
//!
//! A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
//! would be read as a formula by a spreadsheet: such a cell gets a leading
//! `'`, as OWASP's advice on CSV injection and spreadsheet-safe writers do;
//! a number (`-12.50`) is left as it is. Control characters become spaces,
//! as in tables: a terminal showing the CSV runs no escape sequence.

use std::io::{self, Write};

use rust_decimal::Decimal;

/// `cell` as a spreadsheet and a terminal may read it: a formula-looking
/// text neutralised, control characters made spaces
/// ([`printable`](super::printable)).
pub fn safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let shown = super::printable(cell);
    if risky && cell.parse::<Decimal>().is_err() {
        std::borrow::Cow::Owned(format!("'{shown}"))
    } else {
        shown
    }
}

/// Writes `header` and `rows`, every cell made safe.
pub fn write<R>(out: impl Write, header: &[&str], rows: R) -> io::Result<()>
where
    R: IntoIterator<Item = Vec<String>>,
{
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header).map_err(io::Error::other)?;
    for row in rows {
        for cell in &row {
            w.write_field(safe(cell).as_bytes())
                .map_err(io::Error::other)?;
        }
        // An empty record ends the row of fields just written.
        w.write_record(None::<&[u8]>).map_err(io::Error::other)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        let mut out = Vec::new();
        write(
            &mut out,
            &["a", "b", "c", "d"],
            [vec![
                "=HYPERLINK(\"http://x\")".to_owned(),
                "-12.50".to_owned(),
                "@SUM(A1)".to_owned(),
                "x,y \"q\"".to_owned(),
            ]],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,b,c,d\n\"'=HYPERLINK(\"\"http://x\"\")\",-12.50,'@SUM(A1),\"x,y \"\"q\"\"\"\n"
        );
        assert_eq!(safe("+1"), "+1", "a signed number stays a number");
        assert_eq!(safe("-cmd"), "'-cmd");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let every_control: String = ('\0'..='\u{1f}').chain('\u{7f}'..='\u{9f}').collect();
        let mut out = Vec::new();
        write(
            &mut out,
            &["description", "other"],
            [vec![
                "title \u{1b}]0;x\u{7} clear \u{1b}[2J".to_owned(),
                format!("\t{every_control}=1"),
            ]],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = text.split_terminator('\n').collect();
        assert_eq!(rows.len(), 2, "{text:?}");
        for row in rows {
            assert!(!row.contains(char::is_control), "{row:?}");
        }
        assert!(text.contains("title  ]0;x  clear  [2J"), "{text:?}");
        assert!(
            text.contains(",' "),
            "a cell starting with a tab stays neutralised: {text:?}"
        );
    }
}
