//! `MockEcb`: the European Central Bank's daily reference-rates file, as the
//! real host serves it, with fault switches.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::Faults;

/// The daily file the mock serves (rates of 2026-11-20, 30 currencies).
pub const DAILY_XML: &str = include_str!("eurofxref-daily.xml");

/// A running mock of the ECB's rates host.
pub struct MockEcb {
    server: MockServer,
    faults: Faults,
}

struct Responder {
    faults: Faults,
}

impl Respond for Responder {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.faults
            .answer(|| (200, DAILY_XML.to_owned()))
            .insert_header("content-type", "text/xml")
    }
}

impl MockEcb {
    /// Starts the mock.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let faults = Faults::new();
        Mock::given(method("GET"))
            .and(path("/stats/eurofxref/eurofxref-daily.xml"))
            .respond_with(Responder {
                faults: faults.clone(),
            })
            .mount(&server)
            .await;
        MockEcb { server, faults }
    }

    /// A plugin configuration that works against this mock.
    pub fn config(&self) -> Value {
        json!({"base_url": self.server.uri()})
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Every request the mock received, oldest first.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}
