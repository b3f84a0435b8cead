//! Fault switches shared by every mock broker: latency, bursts of 429 or 5xx,
//! malformed or truncated bodies, a broken row. A mock asks [`Faults::next`]
//! before answering (or answers through [`Faults::answer`]); a switch that
//! is on decides the answer instead.
//!
//! The conformance suite drives a mock's faults through [`FaultControl`]:
//! [`Faults`] implements it in-process, [`HttpFaults`] for a mock anywhere
//! (another process, another language) that serves the control endpoint
//! described below, and a mock with switches of its own can implement it.
//! Every implementation counts the answers that went through it and those
//! a fault decided ([`Tally`]), so the suite can tell a fault the plugin
//! survived from one that never happened.
//!
//! # The control endpoint
//!
//! A mock in another process (Python, Go, a recorded-traffic server) makes
//! its faults reachable by serving one URL of its choosing, say
//! `http://127.0.0.1:8000/__faults`, and the suite drives it with
//! [`HttpFaults::new`]`("http://127.0.0.1:8000/__faults")`:
//!
//! | request | answer |
//! | --- | --- |
//! | `POST` with a JSON [`Injection`]: `{"fault": "rate_limit", "count": 2, "retry_after_secs": 1}`, `{"fault": "server_error", "count": 2, "status": 503}`, `{"fault": "malformed_body", "count": 1}` or `{"fault": "broken_row", "count": 1}` | any `2xx` once the switch is on; any other status when the mock cannot inject that fault, its body saying why (the suite shows it beside the skipped check) |
//! | `GET` | `200` with the [`Tally`] since the last clear: `{"answered": 7, "served": 2}` |
//! | `DELETE` | any `2xx` once every switch is off and the tally is back at zero |
//!
//! `answered` counts every request the mock answered since the last clear,
//! whatever the answer; `served` counts the answers a switched-on fault
//! decided: a 429, a 5xx, a body that is not
//! the format at all, an answer with one row the plugin cannot read. A
//! switch stays on until `count` answers were decided by it; a broken row
//! is decided only by an answer that has a row to break, broken however
//! suits the mock's format (one field the plugin must parse, made
//! unreadable).
//!
//! [`ControlEndpoint`] serves this protocol from [`Faults`] on a wiremock
//! server, and is the reference the suite's own tests hold [`HttpFaults`]
//! to.

mod control;
mod rows;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use wiremock::ResponseTemplate;

pub use control::{ControlEndpoint, FaultControl, HttpFaults, Injection, Tally};
pub use rows::{BreakRow, RowRule};

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
    /// How a row is broken: the mock's author's setting, kept by `clear`.
    break_row: BreakRow,
    /// Requests answered through the switches since the last `clear`.
    answered: u32,
    /// Answers a switch decided (replaced, cut or broken) since the last `clear`.
    served: u32,
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

    /// The next `n` answers that hold a row get one row broken, as
    /// [`Faults::break_rows_by`] says (by default an amount-like field,
    /// `amount`, `price`, `quantity`, `change`, ..., of the first row set
    /// to text that is not a number; see [`BreakRow::AmountLike`]). An
    /// answer with no row the rule can break is served unchanged and does
    /// not count. A plugin must leave that row out and report it, or
    /// refuse the whole answer; never drop the row silently.
    pub fn corrupt_rows(&self, n: u32) -> &Self {
        self.with(|s| s.corrupt_rows = n);
        self
    }

    /// How [`Faults::corrupt_rows`] breaks a row, for a broker whose rows
    /// the default rule does not find. A setting, not a switch: `clear`
    /// keeps it.
    pub fn break_rows_by(&self, rule: BreakRow) -> &Self {
        self.with(|s| s.break_row = rule);
        self
    }

    /// Turns every switch off and sets the [`Tally`] back to zero; the
    /// row-breaking rule stays.
    pub fn clear(&self) {
        self.with(|s| {
            let break_row = std::mem::take(&mut s.break_row);
            *s = State {
                break_row,
                ..State::default()
            };
        });
    }

    /// The requests answered through the switches, and the answers a
    /// switch decided, since the last [`Faults::clear`].
    pub fn tally(&self) -> Tally {
        self.with(|s| Tally {
            answered: s.answered,
            served: s.served,
        })
    }

    /// The fault for the request being answered now (consumes one burst step).
    pub fn next(&self) -> Fault {
        self.with(|s| {
            s.answered = s.answered.saturating_add(1);
            let fault = Self::decide(s);
            if !matches!(fault, Fault::None) {
                s.served = s.served.saturating_add(1);
            }
            fault
        })
    }

    /// The switch that decides the next answer, consumed by one step.
    fn decide(s: &mut State) -> Fault {
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
        let rule =
            self.with(|s| (status == 200 && s.corrupt_rows > 0).then(|| s.break_row.clone()));
        let body = match rule.and_then(|rule| rule.apply(&body)) {
            Some(broken) => {
                self.with(|s| {
                    s.corrupt_rows = s.corrupt_rows.saturating_sub(1);
                    // An answer already replaced or cut counts once.
                    if matches!(fault, Fault::None) {
                        s.served = s.served.saturating_add(1);
                    }
                });
                broken
            }
            None => body,
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
