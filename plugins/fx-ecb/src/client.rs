//! The ECB's three files: the day's rates, the last 90 days, the whole
//! history since 1999.

use stonks_core::http::{HttpClient, Request, Response};
use stonks_core::{PluginContext, Result};

use crate::DEFAULT_BASE_URL;

/// The daily reference rates.
pub const DAILY: &str = "/stats/eurofxref/eurofxref-daily.xml";
/// The last 90 days.
pub const LAST_90_DAYS: &str = "/stats/eurofxref/eurofxref-hist-90d.xml";
/// Every day since 4 January 1999.
pub const HISTORY: &str = "/stats/eurofxref/eurofxref-hist.xml";

/// The ECB client.
pub struct Client {
    http: HttpClient,
}

impl Client {
    /// A client from the plugin's configuration.
    pub fn new(ctx: &PluginContext) -> Result<Self> {
        Ok(Client {
            http: ctx.http_client(DEFAULT_BASE_URL)?,
        })
    }

    /// `GET path` as text, with the response for error reporting.
    pub async fn file(&self, path: &str) -> Result<(String, Response)> {
        let resp = self.http.send(Request::get(path)).await?;
        Ok((String::from_utf8_lossy(resp.body()).into_owned(), resp))
    }
}
