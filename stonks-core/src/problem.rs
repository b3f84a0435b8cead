//! Partial results: what could not be read, reported next to what was.
//!
//! A broker answer with one unreadable row still gives every other row. The
//! row is left out and a [`ReadProblem`] says where it was (endpoint, item
//! id, field) and what was wrong, with a short redacted excerpt. Snapshots
//! ([`crate::v2::PortfolioSnapshot::problems`]) and ledger pages
//! ([`crate::v2::Page::problems`]) carry them. Only an answer that cannot be
//! read at all, or a row without which the result would be wrong, fails the
//! whole call.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One thing that could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ReadProblem {
    /// The endpoint (or file) the answer came from: `GET /assets`.
    pub endpoint: String,
    /// The broker's id of the item that was left out, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The field that was wrong (`decimals`, `items[3].executedAt`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What was wrong.
    pub message: String,
    /// A short excerpt of what was sent, secrets masked, when useful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

impl ReadProblem {
    /// A problem met reading `endpoint`.
    pub fn new(endpoint: impl Into<String>, message: impl Into<String>) -> Self {
        ReadProblem {
            endpoint: endpoint.into(),
            item: None,
            field: None,
            message: message.into(),
            excerpt: None,
        }
    }

    /// Names the item that was left out.
    pub fn item(mut self, item: impl Into<String>) -> Self {
        self.item = Some(item.into());
        self
    }

    /// Names the field that was wrong.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Adds an excerpt of the offending text. It must already be redacted;
    /// it is cut to 120 characters here.
    pub fn excerpt(mut self, redacted: &str) -> Self {
        self.excerpt = Some(crate::error::excerpt_of(redacted, 120));
        self
    }
}

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.endpoint)?;
        if let Some(item) = &self.item {
            write!(f, ", item {item}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(x) = &self.excerpt {
            write!(f, " ({x:?})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_every_part() {
        let p = ReadProblem::new("GET /assets", "expected a whole number")
            .item("BTC")
            .field("decimals")
            .excerpt(&"x".repeat(500));
        let shown = p.to_string();
        assert!(
            shown.starts_with("GET /assets, item BTC, field decimals: expected a whole number (\"")
        );
        assert!(p.excerpt.unwrap().chars().count() <= 121);
    }
}
