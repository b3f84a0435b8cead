//! How a broker reads its answers: the classifier run inside the retry
//! loop, and the reader of its rate-limit headers.

use std::time::Duration;

use super::Response;
use crate::error::{Error, ErrorKind};

/// Turns an answer into the broker's error, or lets it through (`None`).
///
/// Run on every answer inside the retry loop: the loop retries exactly when
/// the error is retryable (and the request may be sent again), waiting for
/// its `retry_after`. Any `Fn(&Response) -> Option<Error>` is a classifier.
pub trait Classify: Send + Sync + 'static {
    /// The broker's error for `answer`, or `None` when the caller should
    /// read it.
    fn classify(&self, answer: &Response) -> Option<Error>;
}

impl<F> Classify for F
where
    F: Fn(&Response) -> Option<Error> + Send + Sync + 'static,
{
    fn classify(&self, answer: &Response) -> Option<Error> {
        self(answer)
    }
}

/// The usual meaning of a status, for brokers without their own error
/// codes (and the client's default): 2xx and 3xx pass; 401 and 403 are
/// `Auth`; 429 is `RateLimited` with `Retry-After`; 500, 502, 503 and 504
/// are `Temporary`; other statuses are `Protocol` errors naming the endpoint.
pub fn classify_status(answer: &Response) -> Option<Error> {
    if answer.status() < 400 {
        None
    } else {
        Some(answer.status_error(None))
    }
}

/// What a server says is left of its request budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests (or weight points) left in the current window.
    pub remaining: u64,
    /// How long until the window resets.
    pub resets_in: Duration,
}

/// Reads a broker's rate-limit headers from an answer.
pub type BudgetReader = fn(&Response) -> Option<Budget>;

impl Response {
    /// The error for a failed status, with an optional broker message
    /// (redacted here). See [`classify_status`] for the mapping.
    pub fn status_error(&self, broker_message: Option<&str>) -> Error {
        let status = self.status();
        let msg = broker_message
            .map(|m| self.redactor().redact(m).into_owned())
            .unwrap_or_else(|| format!("HTTP {status}"));
        let err = match status {
            401 | 403 => Error::auth(msg),
            429 => Error::new(
                ErrorKind::RateLimited {
                    retry_after: self.retry_after(),
                },
                msg,
            ),
            500 | 502..=504 => Error::new(ErrorKind::Temporary, msg),
            _ => return self.protocol_error(msg),
        };
        err.with_operation(self.endpoint().to_owned())
            .with_status(status)
    }

    /// The answer itself when `classify_status` lets it through, else the
    /// error for its status.
    pub fn error_for_status(self) -> crate::Result<Response> {
        match classify_status(&self) {
            None => Ok(self),
            Some(e) => Err(e),
        }
    }
}
