//! Keeps secrets out of everything the library prints.

use std::borrow::Cow;

/// What replaces a secret.
pub const MASK: &str = "[REDACTED]";

/// Replaces known secret values in text, in every encoding the client
/// itself produces: as given, JSON-string escaped (a server echoing a
/// request body), and URL-encoded (query strings, form bodies). Secrets
/// shorter than 4 characters are not tracked: masking them would garble
/// ordinary text and they could not protect anything anyway.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, longest first.
    forms: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms)", self.forms.len())
    }
}

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tracks `secret` (and its encoded forms) from now on.
    pub fn add(&mut self, secret: &str) {
        if secret.len() < 4 {
            return;
        }
        let json = serde_json::to_string(secret).unwrap_or_default();
        let json_inner = json
            .strip_prefix('"')
            .and_then(|j| j.strip_suffix('"'))
            .unwrap_or(secret)
            .to_owned();
        let url: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let url_path = url.replace('+', "%20");
        for form in [secret.to_owned(), json_inner, url, url_path] {
            if !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        // Longest first, so a secret containing another is masked whole.
        self.forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Whether nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// `text` with every tracked secret masked.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for s in &self.forms {
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

    #[test]
    fn masks_every_encoding_the_client_produces() {
        let secret = r#"pa"ss\w rd&=é"#;
        let mut r = Redactor::new();
        r.add(secret);
        let json_body = serde_json::json!({ "password": secret }).to_string();
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("p", secret)
            .finish();
        for text in [secret.to_owned(), json_body, query] {
            let shown = r.redact(&text);
            assert!(shown.contains(MASK), "{text} -> {shown}");
            assert!(
                !shown.contains("ss\\w") && !shown.contains("ss%5Cw"),
                "{shown}"
            );
        }
    }
}
