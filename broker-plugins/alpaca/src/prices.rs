//! `prices@1` over Alpaca's Market Data API v2: daily bars, not adjusted
//! (`adjustment=raw`), of a US stock or ETF by its ticker (IEX feed) or of
//! a crypto pair against USD, page after page until `next_page_token` is
//! null.
//!
//! Alpaca answers a symbol it does not know with no bars (or refuses it
//! with a 4xx): when a range has no bars at all, the Trading API's
//! `/v2/assets/{symbol}` tells "unknown" (404) from "no bars in the range".

use std::sync::Arc;

use chrono::NaiveDate;
use stonks_core::prices::{PriceSeries, PriceService};
use stonks_core::{AssetClass, Currency, Error, Instrument, Result, async_trait};

use crate::client::{Bars, Client};
use crate::{convert, wire};

/// The most pages one history reads: ten thousand bars a page, so far more
/// than any daily range needs; a source that never stops is refused.
const MAX_PAGES: usize = 100;

/// Alpaca's bars as a price source.
pub(crate) struct Prices {
    client: Arc<Client>,
}

impl Prices {
    pub(crate) fn new(client: Arc<Client>) -> Self {
        Prices { client }
    }
}

/// The US exchanges' MICs Alpaca's stock bars cover.
const US_MICS: [&str; 8] = [
    "XNAS", "XNGS", "XNYS", "ARCX", "XASE", "BATS", "IEXG", "XCHI",
];

/// Whether `i` is a US listing, so that its ticker names it at Alpaca: its
/// listing MIC says so, else its ISIN is a US one, else (neither known) it
/// is quoted in USD. `SAP` on Xetra is not the SAP ADR Alpaca would price.
fn us_listed(i: &Instrument) -> bool {
    if let Some(mic) = stonks_core::identity::listing_mic(i) {
        return US_MICS.contains(&mic);
    }
    match &i.isin {
        Some(isin) => isin.as_str().starts_with("US"),
        None => i.currency == Some(Currency::USD),
    }
}

/// What Alpaca's bars of `instrument` are asked by: the ticker of a US
/// stock or ETF, the `<ASSET>/USD` pair of a crypto asset.
pub fn bars_symbol(instrument: &Instrument) -> Option<(bool, String)> {
    match instrument.asset_class {
        AssetClass::Crypto => {
            let asset = instrument
                .symbol
                .as_deref()
                .and_then(stonks_core::identity::crypto_asset)
                .or_else(|| stonks_core::identity::crypto_asset(&instrument.broker_id))?;
            (asset != "USD").then(|| (true, format!("{asset}/USD")))
        }
        AssetClass::Stock | AssetClass::Etf if us_listed(instrument) => {
            let ticker = instrument.symbol.as_deref()?.trim();
            (!ticker.is_empty()).then(|| (false, ticker.to_ascii_uppercase()))
        }
        _ => None,
    }
}

#[async_trait]
impl PriceService for Prices {
    async fn history(
        &self,
        instrument: &Instrument,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<PriceSeries>> {
        let Some((crypto, symbol)) = bars_symbol(instrument) else {
            return Ok(None);
        };
        let mut series = PriceSeries::new(symbol.clone(), Currency::USD);
        if from > to {
            return Ok(Some(series));
        }
        let which = if crypto {
            Bars::Crypto(&symbol)
        } else {
            Bars::Stock(&symbol)
        };
        // Whole days: a stock's bar stamps midnight New York (04:00 or
        // 05:00 UTC), a pair's midnight UTC; both of `to` fall before its
        // end in UTC, neither of the day after.
        let (start, end) = (format!("{from}T00:00:00Z"), format!("{to}T23:59:59Z"));
        let mut token: Option<String> = None;
        let mut bars_seen = 0usize;
        for _ in 0..MAX_PAGES {
            let Some(answer) = self
                .client
                .daily_bars(&which, &start, &end, token.as_deref())
                .await?
            else {
                return Ok(None);
            };
            let (rows, next) = if crypto {
                let mut page: wire::CryptoBars<'_> = answer.json()?;
                let rows = page.bars.as_mut().and_then(|b| b.remove(symbol.as_str()));
                (rows, page.next_page_token.map(|t| t.into_owned()))
            } else {
                let page: wire::StockBars<'_> = answer.json()?;
                (page.bars, page.next_page_token.map(|t| t.into_owned()))
            };
            if let Some(rows) = &rows {
                bars_seen += rows.ok.len() + rows.bad.len();
                let (closes, problems) =
                    convert::bar_closes(rows, &symbol, crypto, (from, to), answer.redactor());
                series.closes.extend(closes);
                series.problems.extend(problems);
            }
            match next.filter(|t| !t.is_empty()) {
                Some(t) if token.as_deref() == Some(t.as_str()) => {
                    return Err(answer.protocol_error("next_page_token repeats the page just read"));
                }
                Some(t) => token = Some(t),
                None => {
                    if bars_seen == 0 && self.client.asset(&symbol).await?.is_none() {
                        return Ok(None);
                    }
                    series.normalize();
                    return Ok(Some(series));
                }
            }
        }
        Err(Error::protocol(
            "GET bars",
            None,
            format!("{symbol}: more than {MAX_PAGES} pages of daily bars; not read further"),
            "",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stock(symbol: &str, isin: Option<&str>, mic: Option<&str>) -> Instrument {
        let mut i = Instrument::new(symbol, symbol, AssetClass::Stock);
        i.symbol = Some(symbol.to_owned());
        i.isin = isin.map(|s| s.parse().unwrap());
        i.ids.mic = mic.map(str::to_owned);
        i
    }

    #[test]
    fn only_us_listings_are_asked_by_ticker() {
        let apple = stock("AAPL", None, Some("XNAS"));
        assert_eq!(bars_symbol(&apple), Some((false, "AAPL".to_owned())));
        let adr = stock("SAP", Some("US8030542042"), None);
        assert_eq!(
            bars_symbol(&adr),
            Some((false, "SAP".to_owned())),
            "the ADR is a US security"
        );
        let share = stock("SAP", Some("DE0007164600"), None);
        assert_eq!(
            bars_symbol(&share),
            None,
            "SAP on Xetra is not Alpaca's SAP"
        );
        let xetra = stock("SAP", None, Some("XETR"));
        assert_eq!(bars_symbol(&xetra), None);
        let mut bare = stock("KO", None, None);
        assert_eq!(bars_symbol(&bare), None, "nothing says it is American");
        bare.currency = Some(Currency::USD);
        assert_eq!(bars_symbol(&bare), Some((false, "KO".to_owned())));
    }
}
