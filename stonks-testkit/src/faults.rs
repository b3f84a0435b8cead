//! Fault switches shared by every mock broker: latency, bursts of 429 or 5xx,
//! malformed or truncated bodies. A mock asks [`Faults::next`] before
//! answering; a switch that is on decides the answer instead.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use wiremock::ResponseTemplate;

/// The switches of one mock server. Cheap to clone; clones share state.
#[derive(Clone, Default, Debug)]
pub struct Faults {
    state: Arc<Mutex<State>>,
}

#[derive(Default, Debug)]
struct State {
    latency: Duration,
    rate_limited: u32,
    retry_after_secs: u64,
    server_errors: u32,
    server_error_status: u16,
    malformed: u32,
    truncated: u32,
    /// Requests to answer normally before the malformed ones start.
    malformed_after: u32,
    corrupt_rows: u32,
    error_objects: u32,
    /// Requests to answer normally before the error objects start.
    error_objects_after: u32,
}

/// What a broker in maintenance may answer with status 200 where a list
/// belongs (seen from Alpaca).
pub const MAINTENANCE_OBJECT: &str = r#"{"code": 50010, "message": "service in maintenance"}"#;

/// What a mock should do with the request it is answering.
#[derive(Debug)]
pub enum Fault {
    /// Answer this instead of the real answer.
    Replace(ResponseTemplate),
    /// Answer normally, but with the body cut in half.
    Truncate,
    /// Answer normally.
    None,
}

impl Faults {
    /// All switches off.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s)
    }

    /// Delays every answer by `d`.
    pub fn latency(&self, d: Duration) -> &Self {
        self.with(|s| s.latency = d);
        self
    }

    /// The next `n` requests get 429 with `Retry-After: retry_after_secs`.
    pub fn rate_limit_burst(&self, n: u32, retry_after_secs: u64) -> &Self {
        self.with(|s| {
            s.rate_limited = n;
            s.retry_after_secs = retry_after_secs;
        });
        self
    }

    /// The next `n` requests get `status` (a 5xx).
    pub fn server_error_burst(&self, n: u32, status: u16) -> &Self {
        self.with(|s| {
            s.server_errors = n;
            s.server_error_status = status;
        });
        self
    }

    /// The next `n` requests get a 200 whose body is not JSON.
    pub fn malformed_bodies(&self, n: u32) -> &Self {
        self.with(|s| s.malformed = n);
        self
    }

    /// After `ok` more good answers, `n` requests get a malformed body: a
    /// failure half-way through a multi-request read.
    pub fn malformed_after(&self, ok: u32, n: u32) -> &Self {
        self.with(|s| {
            s.malformed_after = ok;
            s.malformed = n;
        });
        self
    }

    /// After `ok` more good answers, `n` requests get status 200 with an
    /// error object ([`MAINTENANCE_OBJECT`]) instead of their body: not a
    /// list of rows, and not an empty one. A plugin must fail the call,
    /// quoting it, never read it as a list.
    pub fn error_objects_after(&self, ok: u32, n: u32) -> &Self {
        self.with(|s| {
            s.error_objects_after = ok;
            s.error_objects = n;
        });
        self
    }

    /// The next `n` requests get their real body cut in half.
    pub fn truncated_bodies(&self, n: u32) -> &Self {
        self.with(|s| s.truncated = n);
        self
    }

    /// The next `n` answers that hold a list of rows get one row broken: an
    /// amount-like field (`amount`, `price`, `quantity`, `change`, ...) of
    /// the first row set to text that is not a number. In an XML answer
    /// (IBKR's Flex statements) the row is the first element with a
    /// `transactionID`, the field its first amount-like attribute. A plugin
    /// must leave that row out and report it, not fail the whole answer or
    /// drop the row silently.
    pub fn corrupt_rows(&self, n: u32) -> &Self {
        self.with(|s| s.corrupt_rows = n);
        self
    }

    /// Turns every switch off.
    pub fn clear(&self) {
        self.with(|s| *s = State::default());
    }

    /// The fault for the request being answered now (consumes one burst step).
    pub fn next(&self) -> Fault {
        self.with(|s| {
            if s.rate_limited > 0 {
                s.rate_limited -= 1;
                return Fault::Replace(
                    ResponseTemplate::new(429)
                        .insert_header("Retry-After", s.retry_after_secs.to_string().as_str())
                        .set_body_string(r#"{"errorCode":110,"error":"Rate limit exceeded."}"#),
                );
            }
            if s.server_errors > 0 {
                s.server_errors -= 1;
                return Fault::Replace(
                    ResponseTemplate::new(s.server_error_status)
                        .set_body_string("<html><body>Service Unavailable</body></html>"),
                );
            }
            if s.malformed > 0 && s.malformed_after > 0 {
                s.malformed_after -= 1;
            } else if s.malformed > 0 {
                s.malformed -= 1;
                return Fault::Replace(
                    ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"),
                );
            }
            if s.error_objects > 0 && s.error_objects_after > 0 {
                s.error_objects_after -= 1;
            } else if s.error_objects > 0 {
                s.error_objects -= 1;
                return Fault::Replace(
                    ResponseTemplate::new(200)
                        .insert_header("content-type", "application/json")
                        .set_body_string(MAINTENANCE_OBJECT),
                );
            }
            if s.truncated > 0 {
                s.truncated -= 1;
                return Fault::Truncate;
            }
            Fault::None
        })
    }

    /// The configured latency.
    pub fn delay(&self) -> Duration {
        self.with(|s| s.latency)
    }

    /// The answer to one request: a fault that is switched on, or else
    /// `route`'s status and body (truncated if asked), after the latency.
    /// Every mock answers through this.
    pub fn answer(&self, route: impl FnOnce() -> (u16, String)) -> ResponseTemplate {
        match self.next() {
            Fault::Replace(template) => template.set_delay(self.delay()),
            fault => {
                let (status, body) = route();
                self.finish(fault, status, body)
            }
        }
    }

    /// Applies latency, a pending truncation and a pending row corruption
    /// to a finished answer.
    pub fn finish(&self, fault: Fault, status: u16, body: String) -> ResponseTemplate {
        let body = if status == 200 && self.with(|s| s.corrupt_rows > 0) {
            match corrupt_one_row(&body).or_else(|| corrupt_one_xml_row(&body)) {
                Some(broken) => {
                    self.with(|s| s.corrupt_rows = s.corrupt_rows.saturating_sub(1));
                    broken
                }
                None => body,
            }
        } else {
            body
        };
        let mut bytes = body.into_bytes();
        if let Fault::Truncate = fault {
            bytes.truncate(bytes.len() / 2);
        }
        ResponseTemplate::new(status)
            .insert_header("content-type", "application/json")
            .set_body_bytes(bytes)
            .set_delay(self.delay())
    }
}

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

/// `body` with an amount-like field of the first row of its first list of
/// two or more objects replaced by text that is not a number, if it has one.
fn corrupt_one_row(body: &str) -> Option<String> {
    fn visit(v: &mut serde_json::Value) -> bool {
        use serde_json::Value;
        match v {
            Value::Array(items) if items.len() >= 2 && items.iter().all(Value::is_object) => {
                if let Some(Value::Object(row)) = items.first_mut() {
                    let key = row
                        .iter()
                        .find(|(k, val)| {
                            let k = k.to_ascii_lowercase();
                            AMOUNT_KEYS.iter().any(|a| k.contains(a))
                                && (val.is_number()
                                    || val.as_str().is_some_and(|s| s.parse::<f64>().is_ok()))
                        })
                        .map(|(k, _)| k.clone());
                    if let Some(key) = key {
                        row.insert(key, Value::String("not-a-number".into()));
                        return true;
                    }
                }
                items.iter_mut().any(visit)
            }
            Value::Array(items) => items.iter_mut().any(visit),
            Value::Object(map) => map.values_mut().any(visit),
            _ => false,
        }
    }
    let mut v: serde_json::Value = serde_json::from_str(body).ok()?;
    visit(&mut v).then(|| v.to_string())
}

/// `body` (XML) with an amount-like attribute of the first element that
/// has a non-empty `transactionID` replaced by text that is not a number.
fn corrupt_one_xml_row(body: &str) -> Option<String> {
    if !body.trim_start().starts_with('<') {
        return None;
    }
    let mut from = 0;
    while let Some(found) = body[from..].find(" transactionID=\"") {
        let at = from + found;
        let start = body[..at].rfind('<')?;
        let end = at + body[at..].find('>')?;
        from = end;
        let element = &body[start..end];
        if element.contains(" transactionID=\"\"") {
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
            let k = key.to_ascii_lowercase();
            if AMOUNT_KEYS.iter().any(|a| k.contains(a)) && value.parse::<f64>().is_ok() {
                let at = offset + value_start;
                return Some(format!(
                    "{}not-a-number{}",
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
    fn corrupts_one_amount_of_the_first_xml_row_with_an_id() {
        let body = r#"<Root><Trades><Order quantity="1" transactionID=""/><Trade symbol="X" quantity="10" proceeds="-5" transactionID="77"/><Trade quantity="2" transactionID="78"/></Trades></Root>"#;
        let broken = corrupt_one_xml_row(body).unwrap();
        assert_eq!(
            broken,
            r#"<Root><Trades><Order quantity="1" transactionID=""/><Trade symbol="X" quantity="not-a-number" proceeds="-5" transactionID="77"/><Trade quantity="2" transactionID="78"/></Trades></Root>"#
        );
        assert_eq!(corrupt_one_xml_row("<a b=\"1\"/>"), None);
        assert_eq!(corrupt_one_xml_row("{}"), None);
    }

    #[test]
    fn corrupts_one_amount_of_the_first_row_only() {
        let body = r#"{"items":[{"id":"a","receivedAmount":"1.5"},{"id":"b","receivedAmount":"2"}],"totalPages":1}"#;
        let broken: serde_json::Value =
            serde_json::from_str(&corrupt_one_row(body).unwrap()).unwrap();
        assert_eq!(broken["items"][0]["receivedAmount"], "not-a-number");
        assert_eq!(broken["items"][0]["id"], "a");
        assert_eq!(broken["items"][1]["receivedAmount"], "2");
        assert_eq!(
            corrupt_one_row(r#"[{"symbol":"BTC"},{"symbol":"ETH"}]"#),
            None
        );
        assert_eq!(corrupt_one_row("<html/>"), None);
    }
}
