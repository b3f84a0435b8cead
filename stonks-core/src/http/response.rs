//! An answer as the client hands it to a broker.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;

use super::{Redactor, parse_retry_after};
use crate::error::{Error, Result};

/// An answer: status, headers and the whole body.
#[derive(Clone)]
pub struct Response {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) body: bytes::Bytes,
    pub(super) endpoint: String,
    pub(super) redactor: Arc<Redactor>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("endpoint", &self.endpoint)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Response {
    /// An answer built by hand: for testing a classifier or a converter
    /// without a server.
    pub fn synthetic(
        endpoint: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: impl Into<bytes::Bytes>,
    ) -> Self {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            if let (Ok(k), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(k.as_bytes()),
                reqwest::header::HeaderValue::from_str(v),
            ) {
                map.append(k, v);
            }
        }
        Response {
            status,
            headers: map,
            body: body.into(),
            endpoint: endpoint.to_owned(),
            redactor: Arc::new(Redactor::new()),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Every header whose value is text.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The redactor that covers this answer (the client's secrets and the
    /// secret values this very request carried).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The endpoint that answered, as named in errors.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A short excerpt of the body with secrets masked, for errors.
    pub fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(400)]);
        self.redactor.redact(&text).into_owned()
    }

    /// The body parsed as JSON into `T`. The body is parsed once, plainly;
    /// only when it does not fit is it read again to name the JSON path in
    /// the [`crate::ErrorKind::Protocol`] error.
    pub fn json<'a, T: serde::Deserialize<'a>>(&'a self) -> Result<T> {
        match crate::wire::parse_json(&self.body) {
            Ok(value) => Ok(value),
            Err(plain) => Err(self.explain_json_error::<T>(&plain)),
        }
    }

    /// [`Response::json`] for a page asked with a page size: every
    /// [`crate::wire::Rows`] in it may hold at most `max_rows` rows, and a
    /// longer list is a [`crate::ErrorKind::Protocol`] error found at the row
    /// past the cap (see [`crate::wire::row_cap`]), so a broker that sends a
    /// million rows where a hundred were asked is never read whole.
    pub fn json_at_most<'a, T: serde::Deserialize<'a>>(&'a self, max_rows: usize) -> Result<T> {
        crate::wire::row_cap(max_rows, || self.json())
    }

    fn explain_json_error<'a, T: serde::Deserialize<'a>>(
        &'a self,
        plain: &serde_json::Error,
    ) -> Error {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let message = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) if !e.path().to_string().is_empty() && e.path().to_string() != "." => {
                format!("unexpected body at {}: {}", e.path(), e.inner())
            }
            _ => format!("unexpected body: {plain}"),
        };
        self.protocol_error(message)
    }

    /// A [`crate::ErrorKind::Protocol`] error about this answer.
    pub fn protocol_error(&self, message: impl Into<String>) -> Error {
        let message = message.into();
        Error::protocol(
            self.endpoint.clone(),
            Some(self.status),
            self.redactor.redact(&message).into_owned(),
            &self.excerpt(),
        )
    }

    /// The `Retry-After` header, parsed.
    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(self.header("retry-after")?, chrono::Utc::now())
    }
}

/// Why `body` does not read as `T`, with the JSON path of the first
/// problem: the body is read a second time, with paths, only to explain.
pub(crate) fn explain_json_error<'a, T: serde::Deserialize<'a>>(
    body: &'a [u8],
    plain: &serde_json::Error,
) -> String {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) if !e.path().to_string().is_empty() && e.path().to_string() != "." => {
            format!("unexpected body at {}: {}", e.path(), e.inner())
        }
        _ => format!("unexpected body: {plain}"),
    }
}
