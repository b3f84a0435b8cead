//! The one call: the daily reference rates file.

use stonks_core::http::{HttpClient, Request};
use stonks_core::{PluginContext, Result};

use crate::DEFAULT_BASE_URL;

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

    /// `GET /stats/eurofxref/eurofxref-daily.xml` as text, with the response
    /// for error reporting.
    pub async fn daily(&self) -> Result<(String, stonks_core::http::Response)> {
        let resp = self
            .http
            .send(Request::get("/stats/eurofxref/eurofxref-daily.xml"))
            .await?;
        Ok((String::from_utf8_lossy(resp.body()).into_owned(), resp))
    }
}
