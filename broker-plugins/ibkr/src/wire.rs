//! What IBKR's web services send, exactly as it arrives (the statements
//! themselves are read by [`flex`](crate::flex)'s own wire types).
//!
//! * The Flex Web Service's `FlexStatementResponse` envelope.
//! * The Client Portal Web API's JSON: numbers arrive as JSON numbers or
//!   strings, read exactly ([`ExactDecimal`], [`Lenient`]); times as Unix
//!   seconds or milliseconds or IBKR's text forms ([`PortalTime`]).

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::events::Event;
use serde::{Deserialize, Deserializer};
use stonks_core::Currency;
use stonks_core::wire::{ExactDecimal, Lenient, parse_timestamp, unix_time};

/// A Flex Web Service answer that is not a statement:
/// `<FlexStatementResponse timestamp="..."><Status>Success</Status>
/// <ReferenceCode>..</ReferenceCode><Url>..</Url></FlexStatementResponse>`,
/// or with `Fail`/`Warn`, `<ErrorCode>` and `<ErrorMessage>`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FlexStatementResponse {
    /// `Success`, `Warn` or `Fail`.
    pub status: String,
    /// The statement's reference code, on success.
    pub reference_code: Option<String>,
    /// Where to fetch the statement, on success (older answers wrap it in
    /// whitespace: trimmed here).
    pub url: Option<String>,
    /// IBKR's error code (1001 to 1021), on failure.
    pub error_code: Option<String>,
    /// IBKR's message, on failure.
    pub error_message: Option<String>,
}

/// The name of the first element of an XML document, if it has one within
/// its first few kilobytes (the root of a 50 MB statement is found without
/// reading it).
pub fn root_element(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(4096)];
    let mut reader = quick_xml::Reader::from_reader(head);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => {
                return Some(String::from_utf8_lossy(e.name().as_ref()).into_owned());
            }
            Event::Eof => return None,
            Event::Text(t) if !t.iter().all(u8::is_ascii_whitespace) => return None,
            _ => buf.clear(),
        }
    }
}

impl FlexStatementResponse {
    /// Reads an envelope; `None` when `body` is not one.
    pub fn read(body: &[u8]) -> Option<Self> {
        if root_element(body).as_deref() != Some("FlexStatementResponse") {
            return None;
        }
        let mut reader = quick_xml::Reader::from_reader(body);
        let mut buf = Vec::new();
        let mut out = FlexStatementResponse::default();
        let mut field: Option<Vec<u8>> = None;
        loop {
            // The text of a child, in pieces: plain text, and entities
            // (`&amp;` in a URL's query) as events of their own.
            let piece: Cow<'_, str> = match reader.read_event_into(&mut buf).ok()? {
                Event::Start(e) => {
                    field = Some(e.name().as_ref().to_vec());
                    buf.clear();
                    continue;
                }
                Event::End(_) => {
                    field = None;
                    buf.clear();
                    continue;
                }
                Event::Text(t) => Cow::Owned(t.decode().ok()?.into_owned()),
                Event::GeneralRef(r) => match r.resolve_char_ref().ok()? {
                    Some(c) => Cow::Owned(c.to_string()),
                    None => Cow::Borrowed(quick_xml::escape::resolve_predefined_entity(
                        &r.decode().ok()?,
                    )?),
                },
                Event::Eof => break,
                _ => {
                    buf.clear();
                    continue;
                }
            };
            let slot = match field.as_deref() {
                Some(b"Status") => &mut out.status,
                Some(b"ReferenceCode") => out.reference_code.get_or_insert_default(),
                Some(b"Url") => out.url.get_or_insert_default(),
                Some(b"ErrorCode") => out.error_code.get_or_insert_default(),
                Some(b"ErrorMessage") => out.error_message.get_or_insert_default(),
                _ => {
                    buf.clear();
                    continue;
                }
            };
            slot.push_str(&piece);
            buf.clear();
        }
        for text in [
            Some(&mut out.status),
            out.reference_code.as_mut(),
            out.url.as_mut(),
            out.error_code.as_mut(),
            out.error_message.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            *text = text.trim().to_owned();
        }
        Some(out)
    }
}

/// A time in a Client Portal answer: Unix seconds or milliseconds (a
/// number or digits), `yyyyMMdd-HH:mm:ss`, `yyMMddHHmmss` (UTC), or ISO
/// 8601.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortalTime(pub DateTime<Utc>);

/// Reads a Client Portal time's text.
pub fn portal_time(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    let naive = |format: &str| NaiveDateTime::parse_from_str(t, format).map(|n| n.and_utc());
    if t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()) {
        return naive("%y%m%d%H%M%S").map_err(|_| format!("{t:?} is not a time"));
    }
    if t.len() == 17 && t.as_bytes().get(8) == Some(&b'-') {
        return naive("%Y%m%d-%H:%M:%S").map_err(|_| format!("{t:?} is not a time"));
    }
    parse_timestamp(t)
}

impl<'de> Deserialize<'de> for PortalTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw<'a> {
            Number(i64),
            Float(f64),
            #[serde(borrow)]
            Text(Cow<'a, str>),
        }
        let time = match Raw::deserialize(d)? {
            Raw::Number(n) => unix_time(n).ok_or_else(|| format!("Unix time {n} is out of range")),
            // A whole number sent with a fraction (`1700000000000.0`).
            Raw::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15 => {
                unix_time(f as i64).ok_or_else(|| format!("Unix time {f} is out of range"))
            }
            Raw::Float(f) => Err(format!("{f} is not a time")),
            Raw::Text(t) => portal_time(&t),
        };
        time.map(PortalTime).map_err(serde::de::Error::custom)
    }
}

/// `/tickle`: the session (its `iserver` part is read from
/// `/iserver/auth/status` instead).
#[derive(Debug, Deserialize)]
pub struct Tickle<'a> {
    /// The session id: a secret.
    #[serde(default, borrow)]
    pub session: Option<Cow<'a, str>>,
}

/// `/iserver/auth/status`.
#[derive(Debug, Default, Deserialize)]
pub struct AuthStatus {
    /// Whether the brokerage session is authenticated.
    #[serde(default)]
    pub authenticated: Option<bool>,
    /// Whether another session competes for the brokerage session.
    #[serde(default)]
    pub competing: Option<bool>,
    /// Whether the gateway reaches IBKR.
    #[serde(default)]
    pub connected: Option<bool>,
    #[serde(default)]
    pub message: Option<String>,
}

/// One account of `/portfolio/accounts`.
#[derive(Debug, Deserialize)]
pub struct PortalAccount<'a> {
    /// The account id (`U1234567`).
    #[serde(borrow)]
    pub id: Cow<'a, str>,
}

/// One row of `/portfolio/{accountId}/positions/{pageId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalPosition<'a> {
    #[serde(default, borrow)]
    pub acct_id: Option<Cow<'a, str>>,
    pub conid: Lenient<u64>,
    #[serde(default, borrow)]
    pub contract_desc: Option<Cow<'a, str>>,
    /// Signed: negative for a short position.
    pub position: ExactDecimal,
    #[serde(default)]
    pub mkt_price: Option<ExactDecimal>,
    #[serde(default)]
    pub mkt_value: Option<ExactDecimal>,
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Average price times the multiplier.
    #[serde(default)]
    pub avg_cost: Option<ExactDecimal>,
    #[serde(default)]
    pub unrealized_pnl: Option<ExactDecimal>,
    #[serde(default, borrow)]
    pub asset_class: Option<Cow<'a, str>>,
    #[serde(default)]
    pub multiplier: Option<ExactDecimal>,
    #[serde(default, borrow)]
    pub ticker: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub full_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub listing_exchange: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub isin: Option<Cow<'a, str>>,
}

/// One currency's row of `/portfolio/{accountId}/ledger` (keyed by
/// currency code, and `BASE` for the whole in the base currency).
#[derive(Debug, Deserialize)]
pub struct PortalLedger<'a> {
    #[serde(default, borrow)]
    pub acctcode: Option<Cow<'a, str>>,
    #[serde(default)]
    pub currency: Option<Cow<'a, str>>,
    pub cashbalance: ExactDecimal,
    /// When the figures were computed.
    #[serde(default)]
    pub timestamp: Option<PortalTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_are_told_from_statements() {
        let ok = b"<?xml version=\"1.0\"?>\n<FlexStatementResponse timestamp='28 August, 2012 10:37 AM EDT'>\n<Status>Success</Status>\n<ReferenceCode>1234567890</ReferenceCode>\n<Url>\n  https://gdcdyn.interactivebrokers.com/AccountManagement/FlexWebService/GetStatement\n</Url>\n</FlexStatementResponse>";
        let r = FlexStatementResponse::read(ok).unwrap();
        assert_eq!(r.status, "Success");
        assert_eq!(r.reference_code.as_deref(), Some("1234567890"));
        assert_eq!(
            r.url.as_deref(),
            Some(
                "https://gdcdyn.interactivebrokers.com/AccountManagement/FlexWebService/GetStatement"
            )
        );
        let fail = b"<FlexStatementResponse timestamp=\"28 August, 2012 10:37 AM EDT\"><Status>Fail</Status><ErrorCode>1012</ErrorCode><ErrorMessage>Token has expired.</ErrorMessage></FlexStatementResponse>";
        let r = FlexStatementResponse::read(fail).unwrap();
        assert_eq!(
            (r.error_code.as_deref(), r.error_message.as_deref()),
            (Some("1012"), Some("Token has expired."))
        );
        assert_eq!(
            FlexStatementResponse::read(b"<FlexQueryResponse queryName=\"x\" type=\"AF\"/>"),
            None
        );
        assert_eq!(
            FlexStatementResponse::read(b"<html>maintenance</html>"),
            None
        );
        assert_eq!(
            root_element(b"  <!-- hi --> <FlexQueryResponse>"),
            Some("FlexQueryResponse".into())
        );
        assert_eq!(root_element(b"ClientAccountID,Symbol\n"), None);
    }

    #[test]
    fn portal_times_in_every_form() {
        let t = |json: &str| {
            serde_json::from_str::<PortalTime>(json)
                .map(|t| t.0.to_rfc3339())
                .map_err(|e| e.to_string())
        };
        let want = "2023-12-11T18:00:49+00:00";
        for json in [
            "1702317649",
            "1702317649000",
            "\"1702317649000\"",
            "\"20231211-18:00:49\"",
            "\"231211180049\"",
            "\"2023-12-11T18:00:49Z\"",
            "1702317649000.0",
        ] {
            assert_eq!(t(json), Ok(want.to_owned()), "{json}");
        }
        assert!(t("\"soon\"").is_err() && t("true").is_err());
    }
}
