//! One error type for the whole plugin API.
//!
//! An [`Error`] has a [`ErrorKind`] that callers match on, a message meant for
//! people, and context added as it travels up: the plugin id and the operation
//! that failed. Text that came from outside (a broker's body, a URL) is
//! redacted by the code that builds the error (see [`crate::http::Redactor`]),
//! so an `Error` never carries a secret in `Display` or `Debug`.

use std::fmt;
use std::time::Duration;

/// What went wrong, in a form a caller can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The user's configuration is missing, mistyped or inconsistent.
    Config,
    /// A plugin manifest is malformed or says something impossible.
    Manifest,
    /// A plugin targets a plugin API or core version this host does not speak.
    Incompatible,
    /// The operation needs a capability the plugin does not declare.
    Unsupported,
    /// Bad credentials, a second factor is required, or the session expired.
    Auth,
    /// The broker asked us to slow down.
    RateLimited {
        /// How long the broker asked us to wait, when it said so.
        retry_after: Option<Duration>,
    },
    /// A network failure or a 5xx answer: trying again later may work.
    Temporary,
    /// The operation ran out of time.
    Timeout,
    /// The broker answered something we cannot read.
    Protocol,
    /// A plugin panicked or broke its contract.
    Plugin,
}

impl ErrorKind {
    /// A short lowercase name, stable for logs and JSON output.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::Config => "config",
            ErrorKind::Manifest => "manifest",
            ErrorKind::Incompatible => "incompatible",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Auth => "auth",
            ErrorKind::RateLimited { .. } => "rate_limited",
            ErrorKind::Temporary => "temporary",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Plugin => "plugin",
        }
    }
}

/// Where a [`ErrorKind::Protocol`] error happened and what the broker sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolDetails {
    /// The endpoint (method and path, without query) that answered.
    pub endpoint: String,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
    /// A short, redacted excerpt of the body.
    pub excerpt: String,
}

/// The error of every fallible operation in stonks.
pub struct Error {
    kind: ErrorKind,
    message: String,
    plugin: Option<String>,
    operation: Option<String>,
    protocol: Option<Box<ProtocolDetails>>,
    status: Option<u16>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a message for people.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            plugin: None,
            operation: None,
            protocol: None,
            status: None,
            source: None,
        }
    }

    /// Shorthand for [`ErrorKind::Config`].
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// Shorthand for [`ErrorKind::Unsupported`].
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    /// Shorthand for [`ErrorKind::Auth`].
    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Auth, message)
    }

    /// Shorthand for [`ErrorKind::Plugin`].
    pub fn plugin_fault(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Plugin, message)
    }

    /// A [`ErrorKind::Protocol`] error. `excerpt` must already be redacted;
    /// it is cut to 200 characters here.
    pub fn protocol(
        endpoint: impl Into<String>,
        status: Option<u16>,
        message: impl Into<String>,
        excerpt: &str,
    ) -> Self {
        let mut e = Self::new(ErrorKind::Protocol, message);
        e.protocol = Some(Box::new(ProtocolDetails {
            endpoint: endpoint.into(),
            status,
            excerpt: excerpt_of(excerpt, 200),
        }));
        e.status = status;
        e
    }

    /// A [`ErrorKind::Protocol`] error for an answer that was received whole
    /// (HTTP 200) but does not say what it must: `problem` says what is wrong
    /// and where (it must hold no secret).
    pub fn bad_body(endpoint: impl Into<String>, problem: impl fmt::Display) -> Self {
        Self::protocol(endpoint, Some(200), problem.to_string(), "")
    }

    /// Records the HTTP status of the answer this error is about.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The HTTP status of the answer this error is about, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The kind, to match on.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The message for people, without context.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The plugin the error came from, when known.
    pub fn plugin(&self) -> Option<&str> {
        self.plugin.as_deref()
    }

    /// The operation that failed (`portfolio_v2`, `GET /balance`, ...).
    pub fn operation(&self) -> Option<&str> {
        self.operation.as_deref()
    }

    /// Endpoint, status and excerpt of a protocol error.
    pub fn protocol_details(&self) -> Option<&ProtocolDetails> {
        self.protocol.as_deref()
    }

    /// For [`ErrorKind::RateLimited`], how long to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind {
            ErrorKind::RateLimited { retry_after } => retry_after,
            _ => None,
        }
    }

    /// Whether the same call may succeed when tried again later.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::RateLimited { .. } | ErrorKind::Temporary | ErrorKind::Timeout
        )
    }

    /// Names the plugin, unless an inner layer already did.
    pub fn with_plugin(mut self, plugin: impl Into<String>) -> Self {
        if self.plugin.is_none() {
            self.plugin = Some(plugin.into());
        }
        self
    }

    /// Names the operation, unless an inner layer already did.
    pub fn with_operation(mut self, operation: impl Into<String>) -> Self {
        if self.operation.is_none() {
            self.operation = Some(operation.into());
        }
        self
    }

    /// Attaches the underlying cause. Its `Display` must hold no secret.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

/// Cuts `text` to at most `max` characters on a char boundary, marking the cut.
pub(crate) fn excerpt_of(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(plugin) = &self.plugin {
            write!(f, "[{plugin}] ")?;
        }
        if let Some(op) = &self.operation {
            write!(f, "{op}: ")?;
        }
        write!(f, "{} error: {}", self.kind.name(), self.message)?;
        if let ErrorKind::RateLimited {
            retry_after: Some(d),
        } = &self.kind
        {
            write!(f, " (retry after {} ms)", d.as_millis())?;
        }
        if let Some(p) = &self.protocol {
            write!(f, " (endpoint {}", p.endpoint)?;
            if let Some(s) = p.status {
                write!(f, ", status {s}")?;
            }
            if !p.excerpt.is_empty() {
                write!(f, ", body {:?}", p.excerpt)?;
            }
            write!(f, ")")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind)
            .field("message", &self.message)
            .field("plugin", &self.plugin)
            .field("operation", &self.operation)
            .field("status", &self.status);
        if let Some(p) = &self.protocol {
            d.field("protocol", p);
        }
        // The source is shown through Display only: some library error types
        // keep request details in their Debug output.
        if let Some(s) = &self.source {
            d.field("source", &format_args!("{s}"));
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_kinds() {
        assert!(Error::new(ErrorKind::Temporary, "x").is_retryable());
        assert!(Error::new(ErrorKind::Timeout, "x").is_retryable());
        assert!(Error::new(ErrorKind::RateLimited { retry_after: None }, "x").is_retryable());
        for k in [
            ErrorKind::Config,
            ErrorKind::Manifest,
            ErrorKind::Incompatible,
            ErrorKind::Unsupported,
            ErrorKind::Auth,
            ErrorKind::Protocol,
            ErrorKind::Plugin,
        ] {
            assert!(!Error::new(k, "x").is_retryable());
        }
    }

    #[test]
    fn context_is_kept_from_the_innermost_layer() {
        let e = Error::auth("session expired")
            .with_operation("GET /balance")
            .with_plugin("bitvavo")
            .with_operation("portfolio_v2");
        assert_eq!(e.operation(), Some("GET /balance"));
        assert_eq!(
            e.to_string(),
            "[bitvavo] GET /balance: auth error: session expired"
        );
    }

    #[test]
    fn protocol_excerpt_is_bounded() {
        let body = "x".repeat(1000);
        let e = Error::protocol("GET /balance", Some(200), "not JSON", &body);
        let p = e.protocol_details().unwrap();
        assert_eq!(p.excerpt.chars().count(), 201);
        assert_eq!(p.status, Some(200));
    }
}
