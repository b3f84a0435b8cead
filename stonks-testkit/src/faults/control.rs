//! How the conformance suite switches a mock's faults on, whatever the mock
//! is written in: the [`FaultControl`] trait, implemented by the testkit's
//! [`Faults`], by [`HttpFaults`] for a mock that serves the control
//! endpoint, and by any mock with switches of its own.
//!
//! The protocol of the control endpoint is in the [`faults`](crate::faults)
//! module's docs.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use stonks_core::async_trait;
use wiremock::{Request, Respond, ResponseTemplate};

use super::Faults;

/// A fault to switch on for a mock's next answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Injection {
    /// The next `count` requests get 429 with `Retry-After: retry_after_secs`.
    RateLimit {
        /// How many answers.
        count: u32,
        /// The `Retry-After` header's seconds.
        retry_after_secs: u64,
    },
    /// The next `count` requests get `status` (a 5xx).
    ServerError {
        /// How many answers.
        count: u32,
        /// The status, e.g. 503.
        status: u16,
    },
    /// The next `count` requests get a 200 whose body is not the broker's
    /// format at all (an HTML maintenance page).
    MalformedBody {
        /// How many answers.
        count: u32,
    },
    /// The next `count` answers that hold rows get one row the plugin
    /// cannot read (for [`Faults`], as [`Faults::break_rows_by`] says).
    BrokenRow {
        /// How many answers.
        count: u32,
    },
}

impl Injection {
    /// What it is, in a few words, for the suite's reasons.
    pub fn describe(&self) -> String {
        match self {
            Injection::RateLimit { .. } => "a 429".into(),
            Injection::ServerError { status, .. } => format!("a {status}"),
            Injection::MalformedBody { .. } => "a malformed body".into(),
            Injection::BrokenRow { .. } => "a broken row".into(),
        }
    }
}

/// What went through a mock's fault switches since they were last cleared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Requests the mock answered through its switches.
    #[serde(default)]
    pub answered: u32,
    /// Answers a switched-on fault decided.
    #[serde(default)]
    pub served: u32,
}

/// A mock's fault switches, as the conformance suite drives them. An error
/// is the reason the switch could not be worked (the mock cannot inject
/// that fault, or its control endpoint did not answer): the suite reports
/// the check as skipped with that reason, never as passed.
#[async_trait]
pub trait FaultControl: Send + Sync {
    /// Switches `injection` on for the next answers.
    async fn inject(&self, injection: Injection) -> Result<(), String>;
    /// What went through the switches since the last [`FaultControl::clear`].
    async fn tally(&self) -> Result<Tally, String>;
    /// Turns every switch off and the tally back to zero.
    async fn clear(&self) -> Result<(), String>;
}

#[async_trait]
impl FaultControl for Faults {
    async fn inject(&self, injection: Injection) -> Result<(), String> {
        apply(self, injection);
        Ok(())
    }

    async fn tally(&self) -> Result<Tally, String> {
        Ok(Faults::tally(self))
    }

    async fn clear(&self) -> Result<(), String> {
        Faults::clear(self);
        Ok(())
    }
}

#[async_trait]
impl<C: FaultControl + ?Sized> FaultControl for Box<C> {
    async fn inject(&self, injection: Injection) -> Result<(), String> {
        (**self).inject(injection).await
    }

    async fn tally(&self) -> Result<Tally, String> {
        (**self).tally().await
    }

    async fn clear(&self) -> Result<(), String> {
        (**self).clear().await
    }
}

/// The fault switches of a mock that serves the control endpoint (see the
/// [`faults`](crate::faults) module docs), wherever it runs.
#[derive(Debug, Clone)]
pub struct HttpFaults {
    url: String,
    client: Result<reqwest::Client, String>,
}

/// A control request that takes longer than this is a mock that hangs.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);

impl HttpFaults {
    /// The control endpoint at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(CONTROL_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"));
        HttpFaults {
            url: url.into(),
            client,
        }
    }

    /// Sends one control request; the answer's body when its status is 2xx.
    async fn call(&self, method: reqwest::Method, body: Option<String>) -> Result<String, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let mut request = client.request(method.clone(), &self.url);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let what = format!("{method} {}", self.url);
        let answer = request
            .send()
            .await
            .map_err(|e| format!("{what}: the control endpoint did not answer: {e}"))?;
        let status = answer.status();
        let text = answer
            .text()
            .await
            .map_err(|e| format!("{what}: unreadable answer: {e}"))?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(format!("{what} answered {status}: {}", excerpt(&text)))
        }
    }
}

/// At most 200 characters of what a mock said, on one line.
fn excerpt(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

#[async_trait]
impl FaultControl for HttpFaults {
    async fn inject(&self, injection: Injection) -> Result<(), String> {
        let body = serde_json::to_string(&injection).map_err(|e| e.to_string())?;
        self.call(reqwest::Method::POST, Some(body)).await.map(drop)
    }

    async fn tally(&self) -> Result<Tally, String> {
        let text = self.call(reqwest::Method::GET, None).await?;
        serde_json::from_str(&text)
            .map_err(|e| format!("GET {}: not a tally ({e}): {}", self.url, excerpt(&text)))
    }

    async fn clear(&self) -> Result<(), String> {
        self.call(reqwest::Method::DELETE, None).await.map(drop)
    }
}

/// The control endpoint (see the [`faults`](crate::faults) module docs) over a [`Faults`],
/// for a wiremock server: mount it on a path of its own, before (or at a
/// higher priority than) the mock's catch-all route.
///
/// ```no_run
/// # async fn demo() {
/// use stonks_testkit::Faults;
/// use wiremock::{Mock, MockServer, matchers::path};
/// let server = MockServer::start().await;
/// let faults = Faults::new();
/// Mock::given(path("/__faults"))
///     .respond_with(faults.control_endpoint())
///     .with_priority(1)
///     .mount(&server)
///     .await;
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ControlEndpoint(Faults);

impl Faults {
    /// These switches behind the control endpoint.
    pub fn control_endpoint(&self) -> ControlEndpoint {
        ControlEndpoint(self.clone())
    }
}

impl Respond for ControlEndpoint {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let faults = &self.0;
        match req.method.as_str() {
            "POST" => match serde_json::from_slice::<Injection>(&req.body) {
                Ok(injection) => {
                    apply(faults, injection);
                    ResponseTemplate::new(204)
                }
                Err(e) => ResponseTemplate::new(422)
                    .set_body_string(format!("not a fault this mock can inject: {e}")),
            },
            "GET" => ResponseTemplate::new(200).set_body_json(faults.tally()),
            "DELETE" => {
                faults.clear();
                ResponseTemplate::new(204)
            }
            _ => ResponseTemplate::new(405).insert_header("allow", "POST, GET, DELETE"),
        }
    }
}

/// [`FaultControl::inject`] for [`Faults`], without a runtime.
fn apply(faults: &Faults, injection: Injection) {
    match injection {
        Injection::RateLimit {
            count,
            retry_after_secs,
        } => faults.rate_limit_burst(count, retry_after_secs),
        Injection::ServerError { count, status } => faults.server_error_burst(count, status),
        Injection::MalformedBody { count } => faults.malformed_bodies(count),
        Injection::BrokenRow { count } => faults.corrupt_rows(count),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injections_are_the_documented_json() {
        let cases = [
            (
                Injection::RateLimit {
                    count: 2,
                    retry_after_secs: 1,
                },
                r#"{"fault":"rate_limit","count":2,"retry_after_secs":1}"#,
            ),
            (
                Injection::ServerError {
                    count: 2,
                    status: 503,
                },
                r#"{"fault":"server_error","count":2,"status":503}"#,
            ),
            (
                Injection::MalformedBody { count: 1 },
                r#"{"fault":"malformed_body","count":1}"#,
            ),
            (
                Injection::BrokenRow { count: 1 },
                r#"{"fault":"broken_row","count":1}"#,
            ),
        ];
        for (injection, json) in cases {
            assert_eq!(serde_json::to_string(&injection).unwrap(), json);
            assert_eq!(serde_json::from_str::<Injection>(json).unwrap(), injection);
        }
        assert_eq!(
            serde_json::from_str::<Tally>(r#"{"answered":7,"served":2}"#).unwrap(),
            Tally {
                answered: 7,
                served: 2
            }
        );
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt("no\n such   fault"), "no such fault");
        let long = "x".repeat(500);
        assert_eq!(excerpt(&long).chars().count(), 201);
    }
}
