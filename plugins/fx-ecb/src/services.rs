//! The rate service.

use async_trait::async_trait;
use stonks_core::fx::{RateService, RateTable};
use stonks_core::{PluginContext, Result, Services};

use crate::client::Client;
use crate::{convert, wire};

pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    Ok(Services::new().fx_v1(Ecb {
        client: Client::new(ctx)?,
    }))
}

struct Ecb {
    client: Client,
}

#[async_trait]
impl RateService for Ecb {
    async fn rates(&self) -> Result<RateTable> {
        let (xml, resp) = self.client.daily().await?;
        let day = wire::latest_day(&xml)
            .ok_or_else(|| resp.protocol_error("no <Cube time=...> day in the file"))?;
        convert::rate_table(&day).map_err(|p| resp.protocol_error(p.to_string()))
    }
}
