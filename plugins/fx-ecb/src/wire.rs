//! The ECB's XML files (the daily file, the last 90 days, the whole
//! history): `<Cube time='2026-11-20'>` days holding
//! `<Cube currency='USD' rate='1.0542'/>` rows, newest day first. Read with
//! quick-xml as a stream: no tree is built, and days outside the range
//! asked are skipped as they pass.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// One day of rates as text, straight from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub time: String,
    pub rates: Vec<(String, String)>,
}

/// The `time`, `currency` and `rate` attributes of a `Cube` element.
fn cube(e: &BytesStart<'_>, decoder: quick_xml::encoding::Decoder) -> [Option<String>; 3] {
    let mut out = [None, None, None];
    let mut attributes = e.attributes();
    attributes.with_checks(false);
    for a in attributes.flatten() {
        let slot = match a.key.local_name().as_ref() {
            b"time" => 0,
            b"currency" => 1,
            b"rate" => 2,
            _ => continue,
        };
        out[slot] = a
            .decode_and_unescape_value(decoder)
            .ok()
            .map(|v| v.into_owned());
    }
    out
}

/// The days of `xml` whose date `keep` accepts, at most `limit` of them,
/// in the file's order. XML that breaks off is an error saying where.
pub fn days(xml: &str, keep: impl Fn(&str) -> bool, limit: usize) -> Result<Vec<Day>, String> {
    let mut reader = Reader::from_str(xml);
    let decoder = reader.decoder();
    let mut out: Vec<Day> = Vec::new();
    let mut current: Option<Day> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("XML broken at byte {}: {e}", reader.buffer_position()))?;
        let e = match &event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Cube" => e,
            Event::Eof => break,
            _ => continue,
        };
        match cube(e, decoder) {
            [Some(time), _, _] => {
                if let Some(day) = current.take() {
                    out.push(day);
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
                current = keep(&time).then(|| Day {
                    time,
                    rates: Vec::new(),
                });
            }
            [None, Some(currency), Some(rate)] => {
                if let Some(day) = current.as_mut() {
                    day.rates.push((currency, rate));
                }
            }
            _ => {}
        }
    }
    out.extend(current);
    Ok(out)
}

/// The first (latest) day in the file.
pub fn latest_day(xml: &str) -> Option<Day> {
    days(xml, |_| true, 1).ok()?.into_iter().next()
}
