//! Helpers every broker's `wire.rs` and `convert.rs` use, written once.
//!
//! * [`ExactDecimal`]: a decimal read exactly from a JSON number's text or a
//!   JSON string (`73.0`, `"73.0"`, `1.5E-4`), never through `f64`.
//! * [`Lenient`]: any `FromStr` value sent as a JSON number or a string
//!   (Bitvavo's `"decimals": "6"` beside `6`).
//! * [`Timestamp`] and [`parse_timestamp`]: Unix seconds, milliseconds,
//!   microseconds or nanoseconds (told apart by magnitude), as numbers or
//!   strings, and ISO 8601 date-times with or without an offset or dates.
//! * [`ConvertError`]: what was wrong and at which path, turned into a
//!   [`ReadProblem`] (a row left out) or an [`Error`] (the answer refused).
//! * [`clean_text`]: trims and drops the empty and `"null"` strings some
//!   brokers send for "absent".
//!
//! The JSON types borrow from the body: parse with `serde_json::from_slice`
//! or `from_str` (as [`crate::http::Response::json`] does), not from a
//! `serde_json::Value`.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::error::Error;
use crate::model::Currency;
use crate::problem::ReadProblem;

/// What was wrong with a value a broker sent, and where in the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    /// The field path inside the item (`sentAmount`, `value[2].size`);
    /// empty for the item as a whole.
    pub path: String,
    /// What was wrong. Must hold no secret.
    pub problem: String,
}

impl ConvertError {
    /// A problem with the item as a whole.
    pub fn new(problem: impl Into<String>) -> Self {
        ConvertError {
            path: String::new(),
            problem: problem.into(),
        }
    }

    /// A problem with field `path`.
    pub fn at(path: impl Into<String>, problem: impl Into<String>) -> Self {
        ConvertError {
            path: path.into(),
            problem: problem.into(),
        }
    }

    /// The same problem one level further out: `prefix.path`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_owned()
        } else if self.path.starts_with('[') {
            format!("{prefix}{}", self.path)
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }

    /// A [`ReadProblem`]: item `item` of `endpoint` was left out.
    pub fn problem(&self, endpoint: &str, item: Option<&str>) -> ReadProblem {
        let mut p = ReadProblem::new(endpoint, self.problem.clone());
        if let Some(item) = item {
            p = p.item(item);
        }
        if !self.path.is_empty() {
            p = p.field(self.path.clone());
        }
        p
    }

    /// A [`crate::ErrorKind::Protocol`] error: the answer of `endpoint`
    /// cannot be used without this value.
    pub fn error(&self, endpoint: &str) -> Error {
        Error::bad_body(endpoint, self)
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "{}: {}", self.path, self.problem)
        }
    }
}

impl std::error::Error for ConvertError {}

/// `body` read as JSON into `T`, as [`crate::http::Response::json`] does,
/// for answers held as bytes (a file, a benchmark): a body that does not
/// fit is a [`crate::ErrorKind::Protocol`] error naming `endpoint` and the
/// JSON path. The body is not copied.
pub fn from_json<'a, T: Deserialize<'a>>(endpoint: &str, body: &'a [u8]) -> crate::Result<T> {
    parse_json(body).map_err(|plain| {
        // No excerpt: these bytes have no redactor of a client to mask them.
        // The message may still quote a value (an error object where a list
        // belongs): this is for bytes that hold no secret (a local file, a
        // benchmark); an answer goes through `Response::json`, which redacts.
        Error::protocol(
            endpoint,
            None,
            crate::http::explain_json_error::<T>(body, &plain),
            "",
        )
    })
}

/// `code` as a [`Currency`], or a problem at `field`.
pub fn currency(code: &str, field: &str) -> Result<Currency, ConvertError> {
    Currency::new(code).map_err(|e| ConvertError::at(field, e.message()))
}

/// The text of a JSON number or string value, without the quotes.
fn scalar_text(raw: &RawValue) -> Result<&str, String> {
    let t = raw.get().trim();
    match t.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) if inner.contains('\\') => {
            Err(format!("{} is not plain number text", excerpt(t)))
        }
        Some(inner) => Ok(inner.trim()),
        None if t.starts_with(['{', '[']) || t == "true" || t == "false" => {
            Err(format!("expected a number, found {}", excerpt(t)))
        }
        None => Ok(t),
    }
}

fn excerpt(t: &str) -> String {
    crate::error::excerpt_of(t, 24)
}

/// Parses decimal text exactly: plain (`-6716.9`) or scientific (`1.5E-4`).
/// More digits than a `Decimal` holds is an error, never a rounding.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty number".to_owned());
    }
    let parsed = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t)
    } else {
        Decimal::from_str_exact(t)
    };
    parsed.map_err(|e| format!("{:?} is not an exact decimal: {e}", excerpt(t)))
}

/// A decimal read exactly from a JSON number's text or a JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExactDecimal(pub Decimal);

impl<'de> Deserialize<'de> for ExactDecimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        let text = scalar_text(raw).map_err(D::Error::custom)?;
        parse_decimal(text)
            .map(ExactDecimal)
            .map_err(D::Error::custom)
    }
}

impl From<ExactDecimal> for Decimal {
    fn from(d: ExactDecimal) -> Decimal {
        d.0
    }
}

/// Any `FromStr` value, sent as a JSON number or a JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lenient<T>(pub T);

impl<'de, T> Deserialize<'de> for Lenient<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        let text = scalar_text(raw).map_err(D::Error::custom)?;
        text.parse::<T>()
            .map(Lenient)
            .map_err(|e| D::Error::custom(format!("{:?}: {e}", excerpt(text))))
    }
}

/// A moment sent as Unix time (a number or digits in a string, the unit told
/// apart by magnitude) or as ISO 8601 text (see [`parse_timestamp`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(PhantomData<&'a ()>);
        impl serde::de::Visitor<'_> for Visit<'_> {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Unix time or an ISO 8601 date-time")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Timestamp, E> {
                unix_time(v)
                    .map(Timestamp)
                    .ok_or_else(|| E::custom(format!("Unix time {v} is out of range")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Timestamp, E> {
                let v = i64::try_from(v)
                    .map_err(|_| E::custom(format!("Unix time {v} is out of range")))?;
                self.visit_i64(v)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Timestamp, E> {
                // Fractional Unix seconds (some APIs send 1700000000.123).
                if v.is_finite() && v.abs() < 1e11 {
                    let nanos = (v * 1e9).round() as i64;
                    return Ok(Timestamp(DateTime::from_timestamp_nanos(nanos)));
                }
                Err(E::custom(format!("Unix time {v} is out of range")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                parse_timestamp(v).map(Timestamp).map_err(E::custom)
            }
        }
        d.deserialize_any(Visit(PhantomData))
    }
}

/// A Unix time in seconds, milliseconds, microseconds or nanoseconds, the
/// unit told apart by magnitude: below 10^11 it is seconds (10^11 ms would
/// be March 1973, 10^11 s the year 5138), below 10^14 milliseconds, below
/// 10^17 microseconds, else nanoseconds.
pub fn unix_time(value: i64) -> Option<DateTime<Utc>> {
    let magnitude = value.unsigned_abs();
    if magnitude < 100_000_000_000 {
        DateTime::from_timestamp(value, 0)
    } else if magnitude < 100_000_000_000_000 {
        DateTime::from_timestamp_millis(value)
    } else if magnitude < 100_000_000_000_000_000 {
        DateTime::from_timestamp_micros(value)
    } else {
        Some(DateTime::from_timestamp_nanos(value))
    }
}

/// Parses a broker's time text: digits as Unix time ([`unix_time`]); RFC
/// 3339 / ISO 8601 with an offset or `Z`; a date-time without offset (read
/// as UTC) with `T` or a space, with or without seconds and fractions; or a
/// date alone (midnight UTC).
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<i64>()
            .ok()
            .and_then(unix_time)
            .ok_or_else(|| format!("Unix time {t:?} is out of range"));
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M%#z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(t, format) {
            return Ok(d.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(n.and_utc());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| format!("{:?} is not a date-time", excerpt(t)))
}

/// A JSON list read row by row: rows that fit `T` are kept, the others
/// left out and kept as [`BadRow`]s to report, so one bad row never sinks
/// the whole answer.
///
/// Anything but a list is an error of the whole answer, never a list of
/// one unreadable row: a broker that answers `200` with an error object
/// (`{"code": 50010, "message": "service in maintenance"}`) has not said
/// that its ledger is empty, and a sync that took it for one bad row would
/// move its cursor past everything it never read. The error quotes the
/// object, so the broker's own words are shown.
///
/// While [`row_cap`] is in force, a list longer than the cap is an error
/// too, found as soon as the row past the cap is reached (a page of a
/// million rows where a hundred were asked is never read whole).
#[derive(Debug)]
pub struct Rows<'de, T> {
    /// The rows that were read.
    pub ok: Vec<T>,
    /// The rows that were not.
    pub bad: Vec<BadRow<'de>>,
}

/// A row that did not fit: where it was, why, and its raw text.
#[derive(Debug, Clone)]
pub struct BadRow<'de> {
    /// Its index in the list.
    pub index: usize,
    /// Why it did not fit.
    pub message: String,
    /// The row as sent.
    pub raw: &'de str,
}

impl<'de, T> Rows<'de, T> {
    /// The bad rows as problems of `endpoint`, each naming the row's
    /// `id_key` value when it has one, with a redacted excerpt.
    pub fn problems(
        &self,
        endpoint: &str,
        id_key: &str,
        redactor: &crate::http::Redactor,
    ) -> Vec<ReadProblem> {
        self.bad
            .iter()
            .map(|b| {
                let id = serde_json::from_str::<serde_json::Value>(b.raw)
                    .ok()
                    .and_then(|v| match v.get(id_key)? {
                        serde_json::Value::String(s) => Some(s.clone()),
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    });
                // The id and the message come from the row too: a server
                // may echo a secret into any of them.
                let mut p = ReadProblem::new(endpoint, redactor.redact(&b.message).into_owned())
                    .field(format!("[{}]", b.index))
                    .excerpt(&redactor.redact(b.raw));
                if let Some(id) = id {
                    p = p.item(redactor.redact(&id).into_owned());
                }
                p
            })
            .collect()
    }
}

thread_local! {
    /// Set while [`parse_json`] makes its first, fast attempt: [`Rows`] then
    /// reads its list in one pass, letting a bad row fail the attempt.
    static FAST_ROWS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Parses `body` as `T` in one pass, with every [`Rows`] read directly;
/// only when that fails is it read again with each row on its own (so a
/// bad row is kept aside rather than failing the answer). Deserialising is
/// synchronous, so the mode cannot leak to another parse.
pub(crate) fn parse_json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> serde_json::Result<T> {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            FAST_ROWS.set(false);
        }
    }
    let fast = {
        FAST_ROWS.set(true);
        let _reset = Reset;
        serde_json::from_slice::<T>(body)
    };
    match fast {
        Ok(v) => Ok(v),
        Err(_) => serde_json::from_slice::<T>(body),
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Rows<'a, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if FAST_ROWS.get() {
            return d.deserialize_any(FastRows(PhantomData));
        }
        let raw = <&'de RawValue>::deserialize(d)?;
        let text = raw.get().trim_start();
        if !text.starts_with('[') {
            return Err(D::Error::custom(not_a_list(text)));
        }
        // Row by row, never the whole list at once: a list past the cap is
        // refused at the row past it, whatever its rows are.
        let mut list = serde_json::Deserializer::from_str(raw.get());
        serde::Deserializer::deserialize_seq(&mut list, EachRow(PhantomData))
            .map_err(D::Error::custom)
    }
}

/// A list read one row at a time, each row on its own: a row that does not
/// fit is kept aside as a [`BadRow`].
struct EachRow<'a, T>(PhantomData<(&'a (), T)>);

impl<'de: 'a, 'a, T: Deserialize<'de>> serde::de::Visitor<'de> for EachRow<'a, T> {
    type Value = Rows<'a, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let cap = ROW_CAP.get().unwrap_or(usize::MAX);
        let mut rows = Rows {
            ok: Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096).min(cap)),
            bad: Vec::new(),
        };
        let mut index = 0;
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            if index == cap {
                return Err(A::Error::custom(too_many_rows(cap)));
            }
            match serde_json::from_str::<T>(item.get()) {
                Ok(row) => rows.ok.push(row),
                Err(e) => rows.bad.push(BadRow {
                    index,
                    message: e.to_string(),
                    raw: item.get(),
                }),
            }
            index += 1;
        }
        Ok(rows)
    }
}

/// One pass over a list of rows that must all read (anything else fails the
/// pass, and the second, row-by-row pass says why).
struct FastRows<'a, T>(PhantomData<(&'a (), T)>);

impl<'de: 'a, 'a, T: Deserialize<'de>> serde::de::Visitor<'de> for FastRows<'a, T> {
    type Value = Rows<'a, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let cap = ROW_CAP.get().unwrap_or(usize::MAX);
        let mut ok = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096).min(cap));
        while let Some(row) = seq.next_element::<T>()? {
            if ok.len() == cap {
                return Err(A::Error::custom(too_many_rows(cap)));
            }
            ok.push(row);
        }
        Ok(Rows {
            ok,
            bad: Vec::new(),
        })
    }
}

/// Why `text` (the start of a value where a list of rows belongs) is not
/// read: with the value quoted, so an error object's words are shown.
fn not_a_list(text: &str) -> String {
    let found = if text.starts_with('{') {
        "an object"
    } else {
        "no list"
    };
    format!(
        "expected a list of rows, found {found}: {}",
        crate::error::excerpt_of(text, 160)
    )
}

fn too_many_rows(cap: usize) -> String {
    format!("the list holds more than {cap} rows, more than were asked for: not read")
}

thread_local! {
    /// The most rows one [`Rows`] may hold while [`row_cap`] runs.
    static ROW_CAP: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Runs `parse` with every [`Rows`] it reads limited to `cap` rows: a
/// longer list is an error, found at the row past the cap. For a page
/// asked with a page size: a broker that sends far more than it was asked
/// for is not trusted with the memory it would take. Deserialising is
/// synchronous, so the cap cannot leak to another parse.
pub fn row_cap<R>(cap: usize, parse: impl FnOnce() -> R) -> R {
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            ROW_CAP.set(self.0);
        }
    }
    let _restore = Restore(ROW_CAP.replace(Some(cap)));
    parse()
}

/// `text` trimmed, or `None` when it is empty or the word `null` (some
/// brokers send `"null"` for an absent address, or a transaction hash with
/// a trailing newline).
pub fn clean_text(text: Option<&str>) -> Option<&str> {
    let t = text?.trim();
    (!t.is_empty() && !t.eq_ignore_ascii_case("null")).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Row {
        a: ExactDecimal,
        #[serde(default)]
        b: Option<ExactDecimal>,
        #[serde(default)]
        n: Option<Lenient<u32>>,
        #[serde(default)]
        t: Option<Timestamp>,
    }

    fn row(json: &str) -> Result<Row, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn decimals_exactly_from_numbers_and_strings() {
        for (json, want) in [
            ("0.1", "0.1"),
            ("-6716.9", "-6716.9"),
            ("1.5E-4", "0.00015"),
            ("\"73.0\"", "73.0"),
            ("\" 12 \"", "12"),
            ("100", "100"),
        ] {
            let r = row(&format!(r#"{{"a": {json}}}"#)).unwrap();
            assert_eq!(r.a.0.to_string(), want, "{json}");
        }
        // 0.1 + 0.2 is exactly 0.3 here, unlike in f64.
        let r = row(r#"{"a": 0.1, "b": 0.2}"#).unwrap();
        assert_eq!((r.a.0 + r.b.unwrap().0).to_string(), "0.3");
        assert!(row(r#"{"a": null, "b": null}"#).is_err());
        assert!(row(r#"{"a": 1, "b": null}"#).unwrap().b.is_none());
        for bad in [
            "\"\"",
            "\"x\"",
            "1e400",
            "{}",
            "[1]",
            "true",
            "\"1\\u0030\"",
        ] {
            assert!(row(&format!(r#"{{"a": {bad}}}"#)).is_err(), "{bad}");
        }
        // More digits than a Decimal holds: refused, not rounded.
        assert!(row(r#"{"a": "0.12345678901234567890123456789012"}"#).is_err());
    }

    #[test]
    fn lenient_numbers() {
        assert_eq!(row(r#"{"a":1,"n":6}"#).unwrap().n.unwrap().0, 6);
        assert_eq!(row(r#"{"a":1,"n":"6"}"#).unwrap().n.unwrap().0, 6);
        assert!(row(r#"{"a":1,"n":"six"}"#).is_err());
    }

    #[test]
    fn unix_units_are_told_apart() {
        let secs = 1_704_880_733;
        for v in [secs, secs * 1000, secs * 1_000_000, secs * 1_000_000_000] {
            assert_eq!(unix_time(v).unwrap().timestamp(), secs, "{v}");
        }
        for json in [
            "1704880733",
            "\"1704880733\"",
            "1704880733000",
            "\"1704880733000\"",
            "\"2024-01-10T09:58:53Z\"",
            "\"2024-01-10T10:58:53+01:00\"",
            "\"2024-01-10T09:58:53.000\"",
            "\"2024-01-10 09:58:53\"",
            "1704880733.0",
        ] {
            let r = row(&format!(r#"{{"a":1,"t":{json}}}"#)).unwrap();
            assert_eq!(r.t.unwrap().0.timestamp(), secs, "{json}");
        }
        assert_eq!(
            parse_timestamp("2024-01-10").unwrap().to_rfc3339(),
            "2024-01-10T00:00:00+00:00"
        );
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("99999999999999999999").is_err());
    }

    #[test]
    fn convert_errors_carry_their_path() {
        let e = ConvertError::at("size", "not a number")
            .within("value[2]")
            .within("portfolio");
        assert_eq!(e.to_string(), "portfolio.value[2].size: not a number");
        let p = e.problem("GET v5/update", Some("8614787"));
        assert_eq!(p.field.as_deref(), Some("portfolio.value[2].size"));
        assert_eq!(p.item.as_deref(), Some("8614787"));
        let err = ConvertError::new("no rows").error("GET /balance");
        assert_eq!(err.kind(), &crate::ErrorKind::Protocol);
        assert_eq!(err.protocol_details().unwrap().endpoint, "GET /balance");
    }

    #[test]
    fn a_bad_rows_excerpt_never_shows_a_secret() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Account<'a> {
            iban: &'a str,
            amount: Lenient<rust_decimal::Decimal>,
        }
        // A server that echoes the session id into a row it then breaks:
        // as the row's id, and as the bad value itself.
        let body = r#"[{"iban":"NL91","amount":"1"},{"iban":"sess-7f3a9c2e","amount":"x"},
                       {"iban":"NL92","amount":"sess-7f3a9c2e"}]"#;
        let rows: Rows<'_, Account<'_>> = serde_json::from_str(body).unwrap();
        let mut redactor = crate::http::Redactor::new();
        redactor.add("sess-7f3a9c2e");
        let problems = rows.problems("GET /account", "iban", &redactor);
        assert_eq!(problems.len(), 2);
        let shown = format!(
            "{} {:?} {} {:?}",
            problems[0], problems[0], problems[1], problems[1]
        );
        assert!(!shown.contains("sess-7f3a9c2e"), "{shown}");
        assert_eq!(problems[0].item.as_deref(), Some("[REDACTED]"));
        assert_eq!(problems[1].item.as_deref(), Some("NL92"));
        assert!(problems[1].message.contains("[REDACTED]"), "{shown}");
    }

    #[test]
    fn rows_keep_the_good_and_report_the_bad() {
        #[derive(Deserialize, Debug)]
        struct Asset<'a> {
            symbol: &'a str,
            decimals: Lenient<u32>,
        }
        let body = r#"[{"symbol":"BTC","decimals":8},{"symbol":"ETH","decimals":"18"},
                       {"symbol":"BAD","decimals":"many"},{"decimals":1}]"#;
        let rows: Rows<'_, Asset<'_>> = serde_json::from_str(body).unwrap();
        let ok: Vec<(&str, u32)> = rows.ok.iter().map(|a| (a.symbol, a.decimals.0)).collect();
        assert_eq!(ok, vec![("BTC", 8), ("ETH", 18)]);
        let problems = rows.problems("GET /assets", "symbol", &crate::http::Redactor::new());
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].item.as_deref(), Some("BAD"));
        assert_eq!(problems[0].field.as_deref(), Some("[2]"));
        assert!(
            problems[1].message.contains("missing field `symbol`"),
            "{:?}",
            problems[1]
        );
        // The one-pass read gives the same rows, and falls back when a row
        // is bad.
        let fast: Rows<'_, Asset<'_>> = parse_json(br#"[{"symbol":"BTC","decimals":8}]"#).unwrap();
        assert_eq!((fast.ok.len(), fast.bad.len()), (1, 0));
        let mixed: Rows<'_, Asset<'_>> = parse_json(body.as_bytes()).unwrap();
        assert_eq!((mixed.ok.len(), mixed.bad.len()), (2, 2));
        assert!(serde_json::from_str::<Rows<'_, Asset<'_>>>("42").is_err());
    }

    #[test]
    fn an_error_object_where_rows_belong_is_an_error_quoting_it() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Activity<'a> {
            id: &'a str,
        }
        // Alpaca in maintenance answers 200 with an object: not one bad row.
        let body = br#"{"code": 50010, "message": "service in maintenance"}"#;
        let e = parse_json::<Rows<'_, Activity<'_>>>(body).unwrap_err();
        assert!(e.to_string().contains("found an object"), "{e}");
        assert!(e.to_string().contains("service in maintenance"), "{e}");
        // Even an object that would fit the row.
        assert!(parse_json::<Rows<'_, Activity<'_>>>(br#"{"id":"1"}"#).is_err());
        let err =
            from_json::<Rows<'_, Activity<'_>>>("GET /v2/account/activities", body).unwrap_err();
        assert_eq!(err.kind(), &crate::ErrorKind::Protocol);
        assert!(err.to_string().contains("service in maintenance"), "{err}");
    }

    #[test]
    fn a_list_longer_than_the_cap_is_refused_at_the_row_past_it() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Row {
            n: u32,
        }
        let list = |n: usize| {
            let rows: Vec<String> = (0..n).map(|i| format!(r#"{{"n":{i}}}"#)).collect();
            format!("[{}]", rows.join(","))
        };
        let three = list(3);
        let ok: Rows<'_, Row> = row_cap(3, || parse_json(three.as_bytes())).unwrap();
        assert_eq!(ok.ok.len(), 3);
        let four = list(4);
        let e = row_cap(3, || parse_json::<Rows<'_, Row>>(four.as_bytes())).unwrap_err();
        assert!(e.to_string().contains("more than 3 rows"), "{e}");
        // With a bad row the slow path counts too.
        let mixed = r#"[{"n":1},{"n":"x"},{"n":2},{"n":3}]"#;
        let e = row_cap(3, || parse_json::<Rows<'_, Row>>(mixed.as_bytes())).unwrap_err();
        assert!(e.to_string().contains("more than 3 rows"), "{e}");
        // Rows that fit nothing: the one-pass read fails at the first, the
        // row-by-row read still stops at the cap.
        let zeros = format!("[{}]", vec!["0"; 10_000].join(","));
        let e = row_cap(3, || parse_json::<Rows<'_, Row>>(zeros.as_bytes())).unwrap_err();
        assert!(e.to_string().contains("more than 3 rows"), "{e}");
        // The cap ends with its call.
        assert_eq!(
            parse_json::<Rows<'_, Row>>(four.as_bytes())
                .unwrap()
                .ok
                .len(),
            4
        );
    }

    #[test]
    fn clean_text_drops_placeholders() {
        assert_eq!(clean_text(Some("abc\n")), Some("abc"));
        assert_eq!(clean_text(Some("null")), None);
        assert_eq!(clean_text(Some("  ")), None);
        assert_eq!(clean_text(None), None);
    }
}
