//! The prices service: finds Yahoo's symbol of an instrument (searching by
//! ISIN once per plugin instance, else from its ticker and listing MIC) and
//! reads its chart, one request for the whole range.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::NaiveDate;
use stonks_core::identity::listing_mic;
use stonks_core::prices::{PriceSeries, PriceService};
use stonks_core::{AssetClass, Error, Instrument, PluginContext, Result, Services};

use crate::client::{CHART, Client, SEARCH};
use crate::convert::{self, Asked, ChartRead};
use crate::wire::SearchQuote;

pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    Ok(Services::new().prices_v1(Yahoo {
        client: Client::new(ctx)?,
        searched: Mutex::new(HashMap::new()),
        remembered: Mutex::new(HashMap::new()),
    }))
}

struct Yahoo {
    client: Client,
    /// Search answers by ISIN, kept for the plugin's life (a listing's
    /// symbol does not change from one day to the next); an ISIN Yahoo
    /// does not know is kept too, as no quotes.
    searched: Mutex<HashMap<String, Arc<Vec<SearchQuote>>>>,
    /// Symbols the app kept from earlier answers, by [`lookup_key`]: the
    /// search is not asked again in a later run.
    remembered: Mutex<HashMap<String, String>>,
}

/// What an instrument's symbol is remembered by: its ISIN, else its
/// ticker on its listing.
fn lookup_key(i: &Instrument) -> Option<String> {
    match (&i.isin, i.symbol.as_deref(), listing_mic(i)) {
        (Some(isin), _, _) => Some(isin.as_str().to_owned()),
        (None, Some(ticker), Some(mic)) => Some(format!("{ticker}@{mic}")),
        _ => None,
    }
}

/// The Yahoo symbol chosen for an instrument.
struct Listing {
    symbol: String,
    /// Whether it is the instrument's own listing (its exchange), so its
    /// currency may stand in when Yahoo names none.
    own: bool,
}

impl Yahoo {
    /// The quotes Yahoo's search answers for `isin`, asked once.
    async fn quotes(&self, isin: &str) -> Result<Arc<Vec<SearchQuote>>> {
        let cached = self
            .searched
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(isin)
            .cloned();
        if let Some(quotes) = cached {
            return Ok(quotes);
        }
        let answer = self.client.search(isin).await?;
        // The classifier lets a 404 through (for the chart's "Not Found"):
        // here too it means Yahoo knows nothing by that name.
        let quotes = Arc::new(if answer.status() == 404 {
            Vec::new()
        } else {
            convert::search_quotes(answer.body()).map_err(|why| {
                Error::protocol(
                    format!("GET {SEARCH}"),
                    Some(answer.status()),
                    self.client.redact(&why),
                    "",
                )
            })?
        });
        self.searched
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(isin.to_owned(), quotes.clone());
        Ok(quotes)
    }

    /// Yahoo's symbol of `i`: the one its `yahoo:<symbol>` key names, else
    /// from its ISIN through the search (the listing on its MIC when Yahoo
    /// has it), else from its ticker on a known MIC.
    /// `None` when neither finds one: a symbol is never guessed from a
    /// ticker alone.
    async fn listing(&self, i: &Instrument) -> Result<Option<Listing>> {
        // The key `yahoo:<symbol>` names Yahoo's own listing (a benchmark
        // the user named by its Yahoo symbol).
        if let Some(symbol) = i
            .ids
            .assigned_key
            .as_deref()
            .and_then(|k| k.strip_prefix("yahoo:"))
        {
            return Ok(Some(Listing {
                symbol: symbol.to_owned(),
                own: true,
            }));
        }
        let mic = listing_mic(i);
        let from_ticker = i
            .symbol
            .as_deref()
            .zip(mic)
            .and_then(|(ticker, mic)| convert::yahoo_symbol(ticker, mic));
        if let Some(symbol) = lookup_key(i).and_then(|k| {
            self.remembered
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&k)
                .cloned()
        }) {
            let own = from_ticker.as_deref() == Some(symbol.as_str());
            return Ok(Some(Listing { symbol, own }));
        }
        if let Some(isin) = &i.isin {
            let quotes = self.quotes(isin.as_str()).await?;
            if let Some((symbol, own)) = convert::pick(&quotes, mic) {
                return Ok(Some(Listing {
                    symbol: symbol.to_owned(),
                    own,
                }));
            }
        }
        Ok(from_ticker.map(|symbol| Listing { symbol, own: true }))
    }
}

#[async_trait]
impl PriceService for Yahoo {
    /// One search per ISIN for the plugin's life (none for an instrument
    /// found by ticker and MIC), then one chart request for the whole range.
    fn remember(&self, instrument: &Instrument, symbol: &str) {
        if let Some(k) = lookup_key(instrument) {
            self.remembered
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(k, symbol.to_owned());
        }
    }

    async fn history(
        &self,
        instrument: &Instrument,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<PriceSeries>> {
        if from > to {
            return Err(Error::config(format!(
                "price history asked from {from} to {to}: the first day is after the last"
            )));
        }
        if matches!(
            instrument.asset_class,
            AssetClass::Crypto | AssetClass::Cash
        ) {
            return Ok(None);
        }
        let Some(listing) = self.listing(instrument).await? else {
            tracing::debug!("Yahoo has no listing of {}", instrument.label());
            return Ok(None);
        };
        let answer = self.client.chart(&listing.symbol, from, to).await?;
        let endpoint = format!("GET {CHART}/{{symbol}}");
        let asked = Asked {
            symbol: &listing.symbol,
            from,
            to,
            currency: instrument.currency.filter(|_| listing.own),
            endpoint: &endpoint,
        };
        match convert::chart(answer.body(), answer.status(), &asked) {
            Ok(ChartRead::Series(series)) => Ok(Some(series)),
            Ok(ChartRead::Unknown(said)) => {
                tracing::debug!("Yahoo does not know {}: {said}", listing.symbol);
                Ok(None)
            }
            Err(why) => {
                let why = self.client.redact(&why);
                Err(Error::protocol(
                    endpoint,
                    Some(answer.status()),
                    why,
                    &self.client.redact(&String::from_utf8_lossy(answer.body())),
                ))
            }
        }
    }
}
