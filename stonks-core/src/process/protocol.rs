//! The messages of `stonks-jsonrpc/1`: JSON-RPC 2.0, one message per line.
//! What each method takes and answers is in `docs/plugin-protocol.md`.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorKind};
use crate::problem::ReadProblem;
use crate::v2::{LedgerEntry, PortfolioQuery, PortfolioSnapshot};

/// The protocol's name and version, as a manifest's `process.protocol`
/// and `initialize` carry it.
pub const PROTOCOL: &str = "stonks-jsonrpc/1";

/// A request of the host's: `{"jsonrpc":"2.0","id":n,"method":..,"params":..}`.
#[derive(Debug, Serialize)]
pub struct Request<'a, P: Serialize> {
    /// Always `2.0`.
    pub jsonrpc: &'static str,
    /// Unique per process.
    pub id: u64,
    /// The method.
    pub method: &'a str,
    /// Its parameters.
    pub params: P,
}

/// One line from the plugin, read as far as routing needs.
#[derive(Debug, Deserialize)]
pub struct Incoming {
    /// Must be `2.0`.
    #[serde(default)]
    pub jsonrpc: Option<String>,
    /// Present on answers and on the plugin's own requests.
    #[serde(default)]
    pub id: Option<Value>,
    /// Present on the plugin's requests (`host.http`) and notifications.
    #[serde(default)]
    pub method: Option<String>,
    /// A request's parameters.
    #[serde(default)]
    pub params: Option<Value>,
    /// A successful answer, read when its caller knows its type.
    #[serde(default)]
    pub result: Option<Box<serde_json::value::RawValue>>,
    /// A failed answer.
    #[serde(default)]
    pub error: Option<RpcError>,
}

/// A JSON-RPC error object; `data.kind` carries core's error kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RpcError {
    /// The JSON-RPC code (`-32000` for a plugin's own errors).
    pub code: i64,
    /// What went wrong, for people.
    pub message: String,
    /// Core's kind of error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<ErrorData>,
}

/// `error.data`: what the host acts on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct ErrorData {
    /// `auth`, `rate_limited`, `temporary`, `timeout`, `protocol`,
    /// `config`, `unsupported` or `plugin` (the default).
    #[serde(default)]
    pub kind: Option<String>,
    /// With `rate_limited`: how long to wait, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<f64>,
    /// With `protocol`: the broker's endpoint that answered what could not
    /// be read (`GET /v1/positions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// With `protocol`: the HTTP status of that answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// With `protocol`: the start of what it answered (the host redacts it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

impl RpcError {
    /// The error a host method answers with, of `kind`.
    pub fn of(e: &Error) -> RpcError {
        let retry_after_secs = e.retry_after().map(|d| d.as_secs_f64());
        let details = e.protocol_details();
        RpcError {
            code: -32000,
            message: e.message().to_owned(),
            data: Some(ErrorData {
                kind: Some(e.kind().name().to_owned()),
                retry_after_secs,
                endpoint: details.map(|d| d.endpoint.clone()),
                status: details.and_then(|d| d.status),
                excerpt: details.map(|d| d.excerpt.clone()),
            }),
        }
    }

    /// Core's error for this answer to `method`; an excerpt goes through
    /// `redactor`.
    pub fn into_error(self, method: &str, redactor: &crate::http::Redactor) -> Error {
        let data = self.data.unwrap_or_default();
        let message = crate::error::excerpt_of(&redactor.redact(&self.message), 500);
        if data.kind.as_deref() == Some("protocol")
            && let Some(endpoint) = data.endpoint
        {
            let excerpt = data.excerpt.unwrap_or_default();
            return Error::protocol(
                crate::error::excerpt_of(&endpoint, 200),
                data.status,
                format!("{method}: {message}"),
                &redactor.redact(&excerpt),
            );
        }
        let kind = match data.kind.as_deref() {
            Some("auth") => ErrorKind::Auth,
            Some("rate_limited") => ErrorKind::RateLimited {
                retry_after: data
                    .retry_after_secs
                    .filter(|s| s.is_finite() && *s >= 0.0 && *s < 86_400.0)
                    .map(Duration::from_secs_f64),
            },
            Some("temporary") => ErrorKind::Temporary,
            Some("timeout") => ErrorKind::Timeout,
            Some("protocol") => ErrorKind::Protocol,
            Some("config") => ErrorKind::Config,
            Some("unsupported") => ErrorKind::Unsupported,
            _ => ErrorKind::Plugin,
        };
        Error::new(kind, format!("{method}: {message}"))
    }
}

/// `initialize`'s parameters.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Initialize<'a> {
    /// [`PROTOCOL`].
    pub protocol: &'static str,
    /// The plugin API version of this host.
    pub api_version: String,
    /// The plugin's id (or instance name).
    pub plugin: &'a str,
    /// The settings the manifest declares, secrets as their values.
    pub config: &'a Value,
}

/// `initialize`'s answer.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Initialized {
    /// The protocol the plugin speaks: must be [`PROTOCOL`].
    pub protocol: String,
}

/// `portfolio.snapshot`'s parameters.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SnapshotParams<'a> {
    /// The query.
    pub query: &'a PortfolioQuery,
}

/// `transactions.page`'s parameters: the query without its cursor, and the
/// cursor.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PageParams<'a> {
    /// Time range, kinds and page size.
    pub query: &'a crate::v2::TransactionQuery,
    /// Where to continue; `null` for the first page.
    pub cursor: Option<&'a str>,
}

/// `transactions.page`'s answer, before each item is read.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PageAnswer {
    /// The entries (each read on its own: one bad item is a problem, not
    /// a failed page).
    #[serde(default)]
    #[schemars(with = "Vec<LedgerEntry>")]
    pub items: Vec<Box<serde_json::value::RawValue>>,
    /// The next page's cursor.
    #[serde(default)]
    pub next: Option<String>,
    /// What the plugin could not read and left out.
    #[serde(default)]
    pub problems: Vec<ReadProblem>,
}

impl PageAnswer {
    /// The entries that read as ledger entries, and a problem for each
    /// that did not.
    pub fn entries(self, plugin: &str) -> (Vec<LedgerEntry>, Option<String>, Vec<ReadProblem>) {
        let mut problems = self.problems;
        let mut items = Vec::with_capacity(self.items.len());
        for (i, item) in self.items.into_iter().enumerate() {
            match serde_json::from_str::<LedgerEntry>(item.get()) {
                Ok(e) => items.push(e),
                Err(e) => problems.push(
                    ReadProblem::new(
                        format!("{plugin} transactions.page"),
                        format!("not a ledger entry: {e}"),
                    )
                    .item(format!("items[{i}]")),
                ),
            }
        }
        (items, self.next, problems)
    }
}

/// `middleware.snapshot`'s parameters: a broker's snapshot to transform.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MiddlewareSnapshotParams<'a> {
    /// The broker (configured id) that answered it.
    pub broker: &'a str,
    /// Its snapshot; the result is the snapshot transformed.
    pub snapshot: &'a PortfolioSnapshot,
}

/// `middleware.page`'s parameters: one page of a broker's ledger.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MiddlewarePageParams<'a> {
    /// The broker that answered it.
    pub broker: &'a str,
    /// The page, as `transactions.page` answers one; the result is the page
    /// transformed, in the same shape (its `next` is ignored: the cursor is
    /// the broker's).
    pub page: PageOut<'a>,
}

/// A page as the host sends one to a middleware.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PageOut<'a> {
    /// The entries.
    pub items: &'a [LedgerEntry],
    /// The next page's cursor.
    pub next: Option<&'a str>,
    /// What was left out so far.
    pub problems: &'a [ReadProblem],
}

/// `host.http`'s parameters: a request the plugin sends through the host.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct HttpParams {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// An absolute URL, or a path joined to the plugin's base URL.
    pub url: String,
    /// Header names and values.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// The body, as text: sent as `application/json` or
    /// `application/x-www-form-urlencoded` when the `Content-Type` header
    /// says so, else as `text/plain; charset=utf-8`.
    #[serde(default)]
    pub body: Option<String>,
}

/// `host.http`'s answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HttpAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The headers the plugin may need (content type, rate-limit headers).
    pub headers: std::collections::BTreeMap<String, String>,
    /// The body, as text (invalid UTF-8 replaced).
    pub body: String,
}

/// Every message of the protocol, as one document: what
/// `docs/plugin-protocol.schema.json` is generated from.
#[derive(JsonSchema)]
#[schemars(
    title = "stonks-jsonrpc/1",
    description = "The params and results of each method of stonks-jsonrpc/1 (JSON-RPC 2.0, one message per line), and its error object. See docs/plugin-protocol.md."
)]
#[allow(dead_code)] // only its schema is used
struct Messages<'a> {
    /// Host to plugin, first: `initialize` params.
    initialize_params: Initialize<'a>,
    /// `initialize` result.
    initialize_result: Initialized,
    /// `portfolio.snapshot` params.
    portfolio_snapshot_params: SnapshotParams<'a>,
    /// `portfolio.snapshot` result.
    portfolio_snapshot_result: PortfolioSnapshot,
    /// `transactions.page` params.
    transactions_page_params: PageParams<'a>,
    /// `transactions.page` result.
    transactions_page_result: PageAnswer,
    /// A middleware's `middleware.snapshot` params (the result is a
    /// `PortfolioSnapshot`).
    middleware_snapshot_params: MiddlewareSnapshotParams<'a>,
    /// A middleware's `middleware.page` params (the result is shaped like
    /// `transactions.page`'s).
    middleware_page_params: MiddlewarePageParams<'a>,
    /// Plugin to host: `host.http` params.
    host_http_params: HttpParams,
    /// `host.http` result.
    host_http_result: HttpAnswer,
    /// The error object of any failed call, either way.
    error: RpcError,
}

/// The protocol's JSON Schema, pretty, with a trailing newline: as stored in
/// `docs/plugin-protocol.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Messages<'static>);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
