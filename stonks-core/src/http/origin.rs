//! The origins (scheme, host, port) a plugin's client may reach.

use std::fmt;

/// A scheme, host and port. A manifest's `network.hosts` entry is an
/// `https` origin on port 443; a `base_url` override adds its own origin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// `https://host:443`.
    pub fn https(host: &str) -> Self {
        Origin {
            scheme: "https".to_owned(),
            host: host.to_ascii_lowercase(),
            port: 443,
        }
    }

    /// The origin of `url` (default ports implied), if it has a host and an
    /// http(s) scheme.
    pub fn of(url: &url::Url) -> Option<Self> {
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        Some(Origin {
            scheme: url.scheme().to_owned(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default()?,
        })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ports_are_implied_and_ports_compared() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert_eq!(
            Origin::of(&u("https://API.bitvavo.com/v2")),
            Some(Origin::https("api.bitvavo.com"))
        );
        assert_eq!(
            Origin::of(&u("https://api.bitvavo.com:443/x")),
            Some(Origin::https("api.bitvavo.com"))
        );
        assert_ne!(
            Origin::of(&u("http://api.bitvavo.com/x")),
            Some(Origin::https("api.bitvavo.com"))
        );
        assert_ne!(
            Origin::of(&u("http://127.0.0.1:8080/")),
            Origin::of(&u("http://127.0.0.1:8081/"))
        );
        assert_eq!(Origin::of(&u("ftp://x.org/")), None);
    }
}
