//! Tables for a terminal: columns fitted by `comfy-table`, money aligned on
//! the decimal point with one number of decimals per column, and text that
//! came from outside stripped of control characters (a broker's escape
//! sequence or carriage return must not rewrite the terminal).

use std::io::{self, Write};

use comfy_table::presets::NOTHING;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use rust_decimal::Decimal;

/// Text that came from outside, safe for a terminal
/// ([`printable`](super::printable)), cut to `max` characters.
pub fn text(s: &str, max: usize) -> String {
    let clean = super::printable(s);
    match clean.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &clean[..cut]),
        None => clean.into_owned(),
    }
}

/// A column of numbers with the same count of decimals each (the most any
/// of them has, up to `max_scale`; zeros are added, nothing is rounded
/// unless a number has more), `-` for unknown.
pub fn decimals(column: &[Option<Decimal>], max_scale: u32) -> Vec<String> {
    let scale = column
        .iter()
        .flatten()
        .map(|d| d.normalize().scale())
        .max()
        .unwrap_or(0)
        .min(max_scale);
    column
        .iter()
        .map(|d| match d {
            None => "-".to_owned(),
            Some(d) => {
                let mut x = d.round_dp(scale);
                x.rescale(scale);
                x.to_string()
            }
        })
        .collect()
}

/// A table with `headers`; columns in `right` are aligned right (numbers).
pub fn write(
    out: &mut impl Write,
    headers: &[&str],
    right: &[usize],
    rows: Vec<Vec<String>>,
) -> io::Result<()> {
    let mut t = Table::new();
    t.load_preset(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().map(Cell::new));
    for row in rows {
        t.add_row(row.into_iter().enumerate().map(|(i, c)| {
            let cell = Cell::new(c);
            if right.contains(&i) {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    // Two spaces between columns, none before the first.
    for column in t.column_iter_mut() {
        column.set_padding((0, 2));
    }
    for line in t.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<Decimal> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn money_columns_share_their_decimals() {
        assert_eq!(
            decimals(&[d("4629.0"), d("17.88"), None, d("3")], 8),
            vec!["4629.00", "17.88", "-", "3.00"]
        );
        assert_eq!(decimals(&[d("0.123456789")], 4), vec!["0.1235"]);
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(text("ok\u{1b}[2J\rgone\n", 40), "ok [2J gone ");
        assert_eq!(text("abcdef", 3), "abc…");
    }

    #[test]
    fn numbers_align_right() {
        let mut out = Vec::new();
        write(
            &mut out,
            &["ID", "VALUE"],
            &[1],
            vec![
                vec!["a".into(), "1.50".into()],
                vec!["bb".into(), "100.25".into()],
            ],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].ends_with("  1.50"), "{text}");
        assert!(lines[2].ends_with("100.25"), "{text}");
    }
}
