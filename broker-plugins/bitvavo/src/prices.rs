//! `prices@1` over Bitvavo's public daily candles: the closes of an
//! asset's `<ASSET>-EUR` market.
//!
//! Bitvavo answers at most [`CANDLE_LIMIT`] candles a request, newest
//! first: a longer range is read backwards, each request ending where the
//! oldest candle of the last one began. A day without trades has no candle
//! (Bitvavo leaves a gap), so it has no close.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use stonks_core::prices::{PriceSeries, PriceService};
use stonks_core::wire::Rows;
use stonks_core::{AssetClass, Currency, Instrument, Result, async_trait};

use crate::client::{CANDLE_LIMIT, Client};
use crate::{convert, wire};

/// Bitvavo's candles as a price source.
pub(crate) struct Prices {
    client: Arc<Client>,
}

impl Prices {
    pub(crate) fn new(client: Arc<Client>) -> Self {
        Prices { client }
    }
}

/// Midnight UTC of `day`, in Unix ms: where Bitvavo's daily candles begin.
fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .timestamp_millis()
}

#[async_trait]
impl PriceService for Prices {
    async fn history(
        &self,
        instrument: &Instrument,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<PriceSeries>> {
        let Some(market) = convert::eur_market(instrument) else {
            return Ok(None);
        };
        let mut series = PriceSeries::new(market.clone(), Currency::EUR);
        if from > to {
            return Ok(Some(series));
        }
        let start = day_start_ms(from);
        // Bitvavo's `end` is the end of the last interval wanted.
        let mut end = day_start_ms(to.checked_add_days(Days::new(1)).unwrap_or(to));
        loop {
            let Some(answer) = self.client.daily_candles(&market, start, end).await? else {
                return Ok(None);
            };
            let rows: Rows<'_, wire::Candle> = answer.json_at_most(2 * CANDLE_LIMIT as usize)?;
            let (closes, problems) =
                convert::candle_closes(&rows, &market, (start, end), answer.redactor());
            series.closes.extend(closes);
            series.problems.extend(problems);
            let full = rows.ok.len() + rows.bad.len() >= CANDLE_LIMIT as usize;
            let oldest = rows.ok.iter().map(|c| c.0.0.timestamp_millis()).min();
            match oldest {
                // Older candles are left: ask again up to the oldest read.
                Some(oldest) if full && oldest > start && oldest < end => end = oldest,
                _ => break,
            }
        }
        series.normalize();
        Ok(Some(series))
    }
}

/// Whether `instrument` is one Bitvavo may price: a crypto asset.
pub(crate) fn is_crypto(instrument: &Instrument) -> bool {
    instrument.asset_class == AssetClass::Crypto
}
