//! The app's error: what went wrong, in words a user can act on.

use std::fmt;

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is missing, unreadable or wrong; the text names the
    /// file, key and line, and never a secret.
    Config(String),
    /// No broker is configured: there is nothing to ask.
    NothingConfigured(String),
    /// The local store cannot be opened, read or written.
    Store(String),
    /// What was asked cannot be answered as asked (a filter that matches
    /// nothing by construction, a broker that is not configured).
    Request(String),
    /// A broker, fx source or plugin failed.
    Broker(stonks::Error),
}

/// `Result` with the app's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m)
            | Error::NothingConfigured(m)
            | Error::Store(m)
            | Error::Request(m) => f.write_str(m),
            Error::Broker(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Broker(e) => Some(e),
            _ => None,
        }
    }
}

impl From<stonks::Error> for Error {
    fn from(e: stonks::Error) -> Self {
        Error::Broker(e)
    }
}
