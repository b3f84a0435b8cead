//! `prices@1` over the configured files.
//!
//! Each file is read once per change (its size and modification time are
//! checked on every call) and kept parsed, so asking about many
//! instruments reads a file once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::NaiveDate;
use stonks_core::prices::{PriceSeries, PriceService};
use stonks_core::{Instrument, PluginContext, Result, Services, async_trait};

use crate::config::Config;
use crate::convert::{PriceTable, series_of};
use crate::{client, wire};

/// The plugin factory. A file that cannot be read yet is not an error here
/// (it is at the first call).
pub(crate) fn build(ctx: &PluginContext) -> Result<Services> {
    let config: Config = ctx.config()?;
    Ok(Services::new().prices_v1(PriceFiles {
        config: Arc::new(config),
        cache: Arc::new(Mutex::new(HashMap::new())),
    }))
}

type Stamp = (u64, Option<SystemTime>);

/// Each file's table and the file's state it was read at.
type Cache = HashMap<PathBuf, (Stamp, Arc<PriceTable>)>;

#[derive(Clone)]
struct PriceFiles {
    config: Arc<Config>,
    cache: Arc<Mutex<Cache>>,
}

impl PriceFiles {
    /// Every file's table, each read again only when it changed. A file
    /// that cannot be read fails the call, naming it.
    fn tables(&self) -> Result<Vec<Arc<PriceTable>>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::with_capacity(self.config.files.len());
        for path in &self.config.files {
            let now = client::stamp(path);
            if let Some((stamp, table)) = cache.get(path)
                && *stamp == now
                && now.1.is_some()
            {
                out.push(table.clone());
                continue;
            }
            let bytes = client::read(path)?;
            let source = client::source(path);
            let (rows, bad) = wire::read_table(&bytes, &source)?;
            let table = Arc::new(PriceTable { rows, bad, source });
            cache.insert(path.clone(), (now, table.clone()));
            out.push(table);
        }
        Ok(out)
    }
}

#[async_trait]
impl PriceService for PriceFiles {
    async fn history(
        &self,
        instrument: &Instrument,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<PriceSeries>> {
        let tables = self.tables()?;
        let refs: Vec<&PriceTable> = tables.iter().map(Arc::as_ref).collect();
        Ok(series_of(&refs, instrument, from, to))
    }
}
