//! Keeps secrets out of everything the library prints.

use std::borrow::Cow;

/// What replaces a secret.
pub const MASK: &str = "[REDACTED]";

/// Replaces known secret values in text. Secrets shorter than 4 characters
/// are not tracked: masking them would garble ordinary text and they could
/// not protect anything anyway.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tracks `secret` from now on.
    pub fn add(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
            // Longest first, so a secret containing another is masked whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with every tracked secret masked.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = Cow::Owned(out.replace(s.as_str(), MASK));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_longest_first() {
        let mut r = Redactor::new();
        r.add("abcd");
        r.add("abcdef");
        r.add("xy");
        assert_eq!(
            r.redact("k=abcdef&j=abcd&z=xy"),
            "k=[REDACTED]&j=[REDACTED]&z=xy"
        );
        assert!(matches!(r.redact("nothing"), Cow::Borrowed(_)));
    }
}
