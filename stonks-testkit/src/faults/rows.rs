//! How a mock breaks one row of an answer ([`Faults::corrupt_rows`]): by
//! default an amount-like field, or by the rule a broker's author gives
//! ([`Faults::break_rows_by`]).
//!
//! [`Faults::corrupt_rows`]: super::Faults::corrupt_rows
//! [`Faults::break_rows_by`]: super::Faults::break_rows_by

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

/// What a broken field is set to: text that is neither a number nor a date.
const BROKEN: &str = "not-a-number";

/// Keys whose value is an amount, in any broker's spelling.
const AMOUNT_KEYS: [&str; 8] = [
    "amount",
    "price",
    "quantity",
    "change",
    "total",
    "available",
    "qty",
    "size",
];

/// An author's own row-breaking rule ([`BreakRow::With`]).
pub type RowRule = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// How a mock breaks one row of an answer, so that the conformance suite's
/// `broken_row_is_reported` check can see what the plugin does with a row
/// it cannot read. The broken field must be one the plugin has to parse
/// (an amount, a quantity, a date), never free text, or the row is not
/// broken at all.
///
/// ```
/// use stonks_testkit::faults::{BreakRow, Faults};
/// let faults = Faults::new();
/// // A broker whose rows spell their amounts `units` and `cost`.
/// faults.break_rows_by(BreakRow::fields(["units", "cost"]));
/// let broken = BreakRow::fields(["units"])
///     .apply(r#"{"rows":[{"id":"a","units":"2"}]}"#)
///     .unwrap();
/// assert_eq!(broken, r#"{"rows":[{"id":"a","units":"not-a-number"}]}"#);
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum BreakRow {
    /// The default. JSON: in the first list of two or more objects whose
    /// first row has an amount-like field (a name containing `amount`,
    /// `price`, `quantity`, `change`, `total`, `available`, `qty` or
    /// `size`, with a numeric value), that field of the first row set to
    /// `"not-a-number"`. XML (IBKR's Flex statements): the first element
    /// with a non-empty `transactionID`, its first amount-like attribute.
    #[default]
    AmountLike,
    /// The first row that has one of these fields (exact names, in the
    /// order given): in JSON, the first row of the first list of objects
    /// whose first row has one; in XML, the first element with such an
    /// attribute. Its value is set to `"not-a-number"`.
    Fields(Vec<String>),
    /// The author's own rule: the body of an answer in; the body with one
    /// row broken out, or `None` when it holds no row to break (CSV, a
    /// binary format, a row that needs two fields changed at once).
    With(RowRule),
}

impl BreakRow {
    /// [`BreakRow::Fields`] from any list of names.
    pub fn fields<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        BreakRow::Fields(names.into_iter().map(Into::into).collect())
    }

    /// [`BreakRow::With`] from a function.
    pub fn with(rule: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        BreakRow::With(Arc::new(rule))
    }

    /// `body` with one row broken, or `None` when it holds no row this
    /// rule can break (the answer is then served unchanged, and the fault
    /// stays switched on for the next answer).
    pub fn apply(&self, body: &str) -> Option<String> {
        match self {
            BreakRow::AmountLike => json_row(body, 2, &|row| {
                row.iter()
                    .find(|(k, v)| {
                        is_amount_key(k) && (v.is_number() || v.as_str().is_some_and(is_number))
                    })
                    .map(|(k, _)| k.clone())
            })
            .or_else(|| {
                xml_row(body, &has_transaction_id, &|key, value| {
                    is_amount_key(key) && is_number(value)
                })
            }),
            BreakRow::Fields(names) => json_row(body, 1, &|row| {
                names
                    .iter()
                    .find(|n| row.get(n.as_str()).is_some_and(|v| !v.is_null()))
                    .cloned()
            })
            .or_else(|| {
                xml_row(body, &|_| true, &|key, value| {
                    names.iter().any(|n| n == key) && !value.is_empty()
                })
            }),
            BreakRow::With(rule) => rule(body),
        }
    }
}

impl fmt::Debug for BreakRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakRow::AmountLike => f.write_str("AmountLike"),
            BreakRow::Fields(names) => f.debug_tuple("Fields").field(names).finish(),
            BreakRow::With(_) => f.write_str("With(<fn>)"),
        }
    }
}

fn is_amount_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    AMOUNT_KEYS.iter().any(|a| key.contains(a))
}

fn is_number(text: &str) -> bool {
    text.parse::<f64>().is_ok()
}

fn has_transaction_id(element: &str) -> bool {
    element.contains(" transactionID=\"") && !element.contains(" transactionID=\"\"")
}

/// `body` (JSON) with one field of a row set to [`BROKEN`]: the first row
/// of the first list of at least `min_rows` objects for whose first row
/// `pick` names a field.
fn json_row(
    body: &str,
    min_rows: usize,
    pick: &dyn Fn(&Map<String, Value>) -> Option<String>,
) -> Option<String> {
    fn visit(
        v: &mut Value,
        min_rows: usize,
        pick: &dyn Fn(&Map<String, Value>) -> Option<String>,
    ) -> bool {
        match v {
            Value::Array(items)
                if items.len() >= min_rows.max(1) && items.iter().all(Value::is_object) =>
            {
                if let Some(Value::Object(row)) = items.first_mut()
                    && let Some(key) = pick(row)
                {
                    row.insert(key, Value::String(BROKEN.into()));
                    return true;
                }
                items.iter_mut().any(|i| visit(i, min_rows, pick))
            }
            Value::Array(items) => items.iter_mut().any(|i| visit(i, min_rows, pick)),
            Value::Object(map) => map.values_mut().any(|i| visit(i, min_rows, pick)),
            _ => false,
        }
    }
    let mut v: Value = serde_json::from_str(body).ok()?;
    visit(&mut v, min_rows, pick).then(|| v.to_string())
}

/// `body` (XML) with one attribute value set to [`BROKEN`]: in the first
/// element `is_row` accepts that has an attribute `breaks` accepts, the
/// first such attribute.
fn xml_row(
    body: &str,
    is_row: &dyn Fn(&str) -> bool,
    breaks: &dyn Fn(&str, &str) -> bool,
) -> Option<String> {
    if !body.trim_start().starts_with('<') {
        return None;
    }
    let mut from = 0;
    while let Some(found) = body[from..].find('<') {
        let start = from + found;
        let end = start + body[start..].find('>')?;
        from = end;
        let element = &body[start..end];
        if element.starts_with("</") || element.starts_with("<?") || element.starts_with("<!") {
            continue;
        }
        if !is_row(element) {
            continue;
        }
        // Each ` key="value"`, in order.
        let mut rest = element;
        let mut offset = start;
        while let Some(eq) = rest.find("=\"") {
            let key = rest[..eq].rsplit(' ').next().unwrap_or_default();
            let value_start = eq + 2;
            let value_len = rest[value_start..].find('"')?;
            let value = &rest[value_start..value_start + value_len];
            if breaks(key, value) {
                let at = offset + value_start;
                return Some(format!(
                    "{}{BROKEN}{}",
                    &body[..at],
                    &body[at + value_len..]
                ));
            }
            let next = value_start + value_len + 1;
            rest = &rest[next..];
            offset += next;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_breaks_one_amount_of_the_first_xml_row_with_an_id() {
        let body = r#"<Root><Trades><Order quantity="1" transactionID=""/><Trade symbol="X" quantity="10" proceeds="-5" transactionID="77"/><Trade quantity="2" transactionID="78"/></Trades></Root>"#;
        let broken = BreakRow::AmountLike.apply(body).unwrap();
        assert_eq!(
            broken,
            r#"<Root><Trades><Order quantity="1" transactionID=""/><Trade symbol="X" quantity="not-a-number" proceeds="-5" transactionID="77"/><Trade quantity="2" transactionID="78"/></Trades></Root>"#
        );
        assert_eq!(BreakRow::AmountLike.apply("<a b=\"1\"/>"), None);
        assert_eq!(BreakRow::AmountLike.apply("{}"), None);
    }

    #[test]
    fn the_default_breaks_one_amount_of_the_first_row_only() {
        let body = r#"{"items":[{"id":"a","receivedAmount":"1.5"},{"id":"b","receivedAmount":"2"}],"totalPages":1}"#;
        let broken: Value =
            serde_json::from_str(&BreakRow::AmountLike.apply(body).unwrap()).unwrap();
        assert_eq!(broken["items"][0]["receivedAmount"], "not-a-number");
        assert_eq!(broken["items"][0]["id"], "a");
        assert_eq!(broken["items"][1]["receivedAmount"], "2");
        assert_eq!(
            BreakRow::AmountLike.apply(r#"[{"symbol":"BTC"},{"symbol":"ETH"}]"#),
            None
        );
        assert_eq!(BreakRow::AmountLike.apply("<html/>"), None);
    }

    #[test]
    fn named_fields_break_rows_the_default_cannot_find() {
        // No amount-like name at all: the default finds nothing to break.
        let body = r#"{"data":{"lines":[{"ref":"r1","units":"3","cost":"9.00"},{"ref":"r2","units":"1","cost":"3.00"}]}}"#;
        assert_eq!(BreakRow::AmountLike.apply(body), None);
        let rule = BreakRow::fields(["cost", "units"]);
        let broken: Value = serde_json::from_str(&rule.apply(body).unwrap()).unwrap();
        // The first row only, and only one field: the first the rule names
        // that the row has.
        assert_eq!(broken["data"]["lines"][0]["cost"], "not-a-number");
        assert_eq!(broken["data"]["lines"][0]["units"], "3");
        assert_eq!(broken["data"]["lines"][1]["cost"], "3.00");
        // A single row is enough when the author named the field.
        assert_eq!(
            BreakRow::fields(["when"]).apply(r#"{"rows":[{"when":"2025-01-02"}]}"#),
            Some(r#"{"rows":[{"when":"not-a-number"}]}"#.to_owned())
        );
        // A null is not a value to break; neither is a field no row has.
        assert_eq!(
            BreakRow::fields(["when"]).apply(r#"{"rows":[{"when":null}]}"#),
            None
        );
        assert_eq!(BreakRow::fields(["nope"]).apply(body), None);
    }

    #[test]
    fn named_fields_break_xml_attributes_of_any_element() {
        let body = r#"<?xml version="1.0"?><Statement><Line ref="r1" units="3"/><Line ref="r2" units="1"/></Statement>"#;
        assert_eq!(
            BreakRow::fields(["units"]).apply(body).unwrap(),
            r#"<?xml version="1.0"?><Statement><Line ref="r1" units="not-a-number"/><Line ref="r2" units="1"/></Statement>"#
        );
    }

    #[test]
    fn the_authors_rule_decides_alone() {
        let rule = BreakRow::with(|body| {
            body.find("\n2")
                .map(|at| format!("{}\nnot-a-date{}", &body[..at], &body[at + 11..]))
        });
        assert_eq!(
            rule.apply("date,amount\n2025-01-02,5\n2025-01-03,6")
                .as_deref(),
            Some("date,amount\nnot-a-date,5\n2025-01-03,6")
        );
        assert_eq!(rule.apply("date,amount"), None);
        assert_eq!(format!("{rule:?}"), "With(<fn>)");
    }
}
