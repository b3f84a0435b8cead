//! The rate service: today's table, and every day's table of a range.

use async_trait::async_trait;
use chrono::{NaiveDate, TimeDelta, Utc};
use stonks_core::fx::{RateService, RateTable};
use stonks_core::{PluginContext, Result, Services};

use crate::client::{self, Client};
use crate::{convert, wire};

pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    Ok(Services::new().fx_v1(Ecb {
        client: Client::new(ctx)?,
    }))
}

/// How far back the 90-day file surely reaches (it holds 90 calendar
/// days of business days; a margin for the day it was published).
const SHORT_FILE_DAYS: i64 = 85;

struct Ecb {
    client: Client,
}

#[async_trait]
impl RateService for Ecb {
    async fn rates(&self) -> Result<RateTable> {
        let (xml, resp) = self.client.file(client::DAILY).await?;
        let day = wire::latest_day(&xml)
            .ok_or_else(|| resp.protocol_error("no <Cube time=...> day in the file"))?;
        convert::rate_table(&day, &format!("GET {}", client::DAILY))
            .map_err(|p| resp.protocol_error(p.to_string()))
    }

    /// The 90-day file when `from` is recent, else the whole history. A
    /// day that cannot be read is left out (and logged); the nearest
    /// earlier day then serves for it.
    async fn history(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<RateTable>> {
        let recent = Utc::now().date_naive() - TimeDelta::days(SHORT_FILE_DAYS) <= from;
        let path = if recent {
            client::LAST_90_DAYS
        } else {
            client::HISTORY
        };
        let (xml, resp) = self.client.file(path).await?;
        let (first, last) = (from.to_string(), to.to_string());
        let days = wire::days(&xml, |d| *d >= *first && *d <= *last, usize::MAX)
            .map_err(|e| resp.protocol_error(e))?;
        let file = format!("GET {path}");
        let mut tables: Vec<RateTable> = Vec::with_capacity(days.len());
        let mut lost: Vec<stonks_core::ReadProblem> = Vec::new();
        for d in &days {
            match convert::rate_table(d, &file) {
                Ok(t) => tables.push(t),
                Err(why) => {
                    tracing::warn!("ECB rates of {} left out: {why}", d.time);
                    lost.push(why.problem(&file, Some(&d.time)));
                }
            }
        }
        tables.sort_by_key(|t| t.date);
        // A day left out whole is told on the newest table read (the one
        // every later value leans on).
        if let Some(last) = tables.last_mut() {
            last.problems.extend(lost);
        }
        Ok(tables)
    }
}
