//! Daily price history, synced into the store ([`sync`]): for every
//! instrument ever held (by instrument key), the days from its first
//! acquisition to today, or to a week after it was last sold; only the days
//! not asked before; each instrument from the first source in the order of
//! preference that can price it (its manifest's `capabilities.prices`) and
//! knows it. `--offline` reads what the store holds.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{NaiveDate, TimeDelta, Utc};
use stonks::v2::LedgerKind;
use stonks::{AssetClass, Instrument, PluginType, Service};

use crate::analytics::lots::{self, Method, Scope};
use crate::analytics::{RateHistory, valuation::MAX_CARRY_DAYS};
use crate::app::App;
use crate::config::price_plugin;
use crate::identity::Identities;
use crate::store::{Coverage, Store};
use crate::sync::Budget;

/// How long one source may take for one sync, all its instruments
/// together; what it answered before is kept.
const SOURCE_BUDGET: Duration = Duration::from_secs(180);

/// How far back an instrument known only from a position (no ledger entry)
/// is priced.
const POSITION_ONLY_DAYS: i64 = 365;

/// What one [`sync`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PricesOutcome {
    /// Instruments asked about.
    pub asked: usize,
    /// Requests of a range (one per instrument and missing range).
    pub requests: usize,
    /// Closes received.
    pub closes: usize,
    /// One sentence per instrument no source priced (or not all of it).
    pub problems: Vec<String>,
    /// What was priced but is worth a look: rows a source sent that could
    /// not be read, splits a source reports that the ledger lacks.
    pub notes: Vec<String>,
}

impl PricesOutcome {
    /// One line for the sync's output; `None` when nothing happened.
    pub fn summary(&self) -> Option<String> {
        if self.asked == 0 && self.problems.is_empty() {
            return None;
        }
        let mut s = format!(
            "prices: {} instrument{} brought up to date, {} closes",
            self.asked,
            if self.asked == 1 { "" } else { "s" },
            self.closes
        );
        if !self.problems.is_empty() {
            s.push_str(&format!(", {} not priced", self.problems.len()));
        }
        Some(s)
    }
}

/// One instrument to price: what is known of it, and the days wanted.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// Its instrument key.
    pub key: String,
    /// The richest description any broker gave (identities applied).
    pub instrument: Instrument,
    /// The first day wanted.
    pub from: NaiveDate,
    /// The last day wanted.
    pub to: NaiveDate,
    /// Days the ledger has a split or reverse split of it.
    pub ledger_splits: Vec<NaiveDate>,
}

/// How much an instrument description says: an ISIN, a ticker with its
/// listing, a FIGI, a currency.
fn richness(i: &Instrument) -> usize {
    usize::from(i.isin.is_some()) * 4
        + usize::from(stonks::identity::listing_mic(i).is_some()) * 2
        + usize::from(i.ids.share_class_figi.is_some())
        + usize::from(i.currency.is_some())
        + usize::from(i.symbol.is_some())
}

/// Every instrument ever held in `store` (the configured brokers), keyed as
/// `ids` says, with the days wanted up to `today`.
pub fn wanted(app: &App, store: &Store, ids: &Identities, today: NaiveDate) -> Vec<Wanted> {
    let brokers: Vec<String> = app.config.enabled().map(|(id, _)| id.clone()).collect();
    let mut ledger = store.ledger(None).unwrap_or_else(|e| {
        tracing::warn!("prices: the ledger cannot be read: {e}");
        Vec::new()
    });
    ledger.retain(|(b, _)| brokers.contains(b));
    ids.apply_entries(&mut ledger);
    let replay = lots::replay(
        &ledger,
        lots::Options {
            method: Method::Fifo,
            scope: Scope::Pooled,
            base: app.config.base_currency,
            rates: &RateHistory::default(),
        },
    );
    let mut out: BTreeMap<String, Wanted> = BTreeMap::new();
    fn consider(
        out: &mut BTreeMap<String, Wanted>,
        key: &str,
        i: &Instrument,
        from: NaiveDate,
        to: NaiveDate,
    ) {
        if matches!(i.asset_class, AssetClass::Cash) {
            return;
        }
        let w = out.entry(key.to_owned()).or_insert_with(|| Wanted {
            key: key.to_owned(),
            instrument: i.clone(),
            from,
            to,
            ledger_splits: Vec::new(),
        });
        w.from = w.from.min(from);
        w.to = w.to.max(to);
        if richness(i) > richness(&w.instrument) {
            w.instrument = i.clone();
        }
    }
    for h in replay.holdings.values() {
        let (Some(first), Some(last)) = (h.trail.first(), h.trail.last()) else {
            continue;
        };
        let to = if last.quantity.is_zero() {
            (last.at.date_naive() + TimeDelta::days(MAX_CARRY_DAYS)).min(today)
        } else {
            today
        };
        consider(
            &mut out,
            &h.key.instrument,
            &h.instrument,
            first.at.date_naive(),
            to,
        );
    }
    for (broker, e) in &ledger {
        if matches!(e.kind, LedgerKind::Split | LedgerKind::ReverseSplit)
            && let Some(i) = &e.instrument
            && let Some(w) = out.get_mut(&i.key(broker))
        {
            w.ledger_splits.push(e.timestamp.date_naive());
        }
    }
    for id in &brokers {
        let Ok(Some(mut snap)) = store.portfolio(id) else {
            continue;
        };
        ids.apply_snapshot(id, &mut snap);
        for p in &snap.positions {
            let key = p.instrument.key(id);
            let from = out
                .get(&key)
                .map_or(today - TimeDelta::days(POSITION_ONLY_DAYS), |w| w.from);
            consider(&mut out, &key, &p.instrument, from, today);
        }
    }
    out.into_values().collect()
}

/// The key `w`'s history may be stored under from before its key changed:
/// its ISIN's key, when that is not its key now.
fn earlier_key(
    w: &Wanted,
    coverage: &std::collections::HashMap<String, Coverage>,
) -> Option<String> {
    let isin = format!("isin:{}", w.instrument.isin?);
    (isin != w.key && coverage.contains_key(&isin)).then_some(isin)
}

/// A split the source reports with no split or reverse split of the
/// instrument in the ledger within [`SPLIT_DAYS`]: a note (the ledger may
/// lack it, and quantities before it would be off).
fn unmatched_splits(w: &Wanted, series: &stonks::prices::PriceSeries) -> Vec<String> {
    series
        .splits
        .iter()
        .filter(|s| {
            !w.ledger_splits
                .iter()
                .any(|d| (*d - s.date).num_days().abs() <= SPLIT_DAYS)
        })
        .map(|s| {
            format!(
                "{} reports a {}:{} split on {}, the ledger has none",
                series.symbol,
                s.ratio.new.normalize(),
                s.ratio.old.normalize(),
                s.date
            )
        })
        .collect()
}

/// How far apart a source's split and the ledger's may be (brokers book
/// a split a few days after it takes effect).
const SPLIT_DAYS: i64 = 5;

/// The ranges of `w` not asked before: before what `c` covers, and from
/// its last day on (that day again: its close may have been intraday).
fn missing(w: &Wanted, c: Option<&Coverage>) -> Vec<(NaiveDate, NaiveDate)> {
    let Some(c) = c else {
        return vec![(w.from, w.to)];
    };
    let mut out = Vec::new();
    if w.from < c.first_day {
        out.push((w.from, c.first_day - TimeDelta::days(1)));
    }
    if w.to >= c.last_day {
        out.push((c.last_day.max(w.from), w.to));
    }
    out.retain(|(a, b)| a <= b);
    out
}

/// A price source, looked up once per sync.
struct Source {
    /// Its name in `[prices]` (a broker's, `yahoo`, `file`).
    name: String,
    /// What its manifest says it prices.
    caps: stonks::manifest::PriceCapabilities,
    /// Its service.
    service: std::sync::Arc<dyn stonks::prices::PriceService>,
    /// Everything this sync asks of it.
    budget: Budget,
}

/// The price sources to ask, in order: `[prices] sources`, else `yahoo`
/// (the consolidated close of a listing), then every active broker that
/// declares prices (Bitvavo's EUR candles for crypto; Alpaca's bars are
/// IEX's trades only), then `file`. Only those active and declaring prices.
fn sources(app: &App) -> Vec<Source> {
    let names: Vec<String> = match &app.config.prices.sources {
        Some(list) => list.clone(),
        None => std::iter::once("yahoo".to_owned())
            .chain(app.active_brokers().into_iter().map(|(id, _)| id))
            .chain(["file".to_owned()])
            .collect(),
    };
    names
        .into_iter()
        .filter_map(|name| {
            let plugin = price_plugin(&name);
            let manifest = app.registry.entry(&plugin)?.manifest?;
            if !manifest.declares(Service::Prices) {
                return None;
            }
            Some(Source {
                caps: manifest.capabilities.prices.clone()?,
                service: app.registry.prices(&plugin).ok()?,
                budget: Budget::start(&plugin, SOURCE_BUDGET),
                name,
            })
        })
        .collect()
}

/// Brings the stored price history of every instrument ever held up to
/// today. Offline, or with `[prices] enabled = false`, nothing is asked.
pub async fn sync(app: &App, store: &Store, offline: bool) -> PricesOutcome {
    if offline || !app.config.prices.enabled {
        return PricesOutcome::default();
    }
    let today = Utc::now().date_naive();
    let ids = Identities::load(app, Some(store));
    let mut wanted = wanted(app, store, &ids, today);
    let from = wanted.iter().map(|w| w.from).min();
    if let Some(b) = benchmark_wanted(app, from, today)
        && !wanted.iter().any(|w| w.key == b.key)
    {
        wanted.push(b);
    }
    fetch(app, store, &wanted).await
}

/// The configured benchmark's closes (`[returns] benchmark`), from the
/// first day anything was held (a year back when nothing was) to today;
/// what is stored already is not asked again. Nothing when `offline`.
pub async fn sync_benchmark(app: &App, store: &Store, offline: bool) -> PricesOutcome {
    if offline || !app.config.prices.enabled {
        return PricesOutcome::default();
    }
    let today = Utc::now().date_naive();
    let from = store.first_day().ok().flatten();
    match benchmark_wanted(app, from, today) {
        Some(w) => fetch(app, store, &[w]).await,
        None => PricesOutcome::default(),
    }
}

/// The benchmark as one more instrument to price, a week before `from`
/// (the day before a period starts needs its close too).
fn benchmark_wanted(app: &App, from: Option<NaiveDate>, today: NaiveDate) -> Option<Wanted> {
    let b = app.config.returns.benchmark.as_ref()?;
    let from = from.unwrap_or(today - TimeDelta::days(365)) - TimeDelta::days(MAX_CARRY_DAYS);
    Some(Wanted {
        key: b.key.clone(),
        instrument: b.instrument.clone(),
        from,
        to: today,
        ledger_splits: Vec::new(),
    })
}

/// Asks the sources for what `wanted` lacks and stores what they answer.
async fn fetch(app: &App, store: &Store, wanted: &[Wanted]) -> PricesOutcome {
    let mut out = PricesOutcome::default();
    let sources = sources(app);
    if sources.is_empty() {
        if !wanted.is_empty() {
            out.problems.push(format!(
                "{} instruments have no price history: no price source is active (see [prices])",
                wanted.len()
            ));
        }
        return out;
    }
    let coverage = store.price_coverage().unwrap_or_else(|e| {
        out.problems.push(format!("prices: {e}"));
        Default::default()
    });
    let mut coverage = coverage;
    for w in wanted {
        if !coverage.contains_key(&w.key)
            && let Some(old) = earlier_key(w, &coverage)
        {
            // The instrument's key changed (the resolver answered, the
            // user named it): its history moves with it, not fetched again.
            match store.rekey_prices(&old, &w.key) {
                Ok(()) => {
                    if let Some(mut c) = coverage.remove(&old) {
                        c.key = w.key.clone();
                        coverage.insert(w.key.clone(), c);
                    }
                }
                Err(e) => out.notes.push(format!("{}: {e}", w.key)),
            }
        }
        let cov = coverage.get(&w.key);
        let ranges = missing(w, cov);
        if ranges.is_empty() {
            continue;
        }
        // The user's source, else the one that answered before, else each
        // in order that can price it.
        let per = &app.config.prices.per_instrument;
        let chosen = per
            .get(&w.key)
            .or_else(|| {
                let isin = w.instrument.isin?;
                per.get(&format!("isin:{isin}"))
            })
            .map(String::as_str)
            // A Yahoo symbol is Yahoo's name for a listing.
            .or(w
                .key
                .starts_with(crate::benchmark::YAHOO_KEY)
                .then_some("yahoo"));
        let mut order: Vec<&Source> = sources
            .iter()
            .filter(|s| chosen.is_none_or(|c| c == s.name))
            .collect();
        if let Some(c) = cov {
            order.sort_by_key(|s| s.name != c.source);
        }
        tracing::debug!(
            "prices: {} from {:?}, asked of {:?}",
            w.key,
            ranges,
            order.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
        let mut priced = false;
        let mut why: Vec<String> = Vec::new();
        'sources: for Source {
            name,
            caps,
            service,
            budget,
        } in order
        {
            if !caps.can_price(&w.instrument) {
                tracing::debug!("prices: {name} does not price {} (its capabilities)", w.key);
                continue;
            }
            if let Some(c) = cov.filter(|c| &c.source == name) {
                service.remember(&w.instrument, &c.symbol);
            }
            for &(from, to) in &ranges {
                out.requests += 1;
                let step = format!("reading prices of {}", w.key);
                match budget
                    .run(
                        &app.registry,
                        &step,
                        service.history(&w.instrument, from, to),
                    )
                    .await
                {
                    Ok(Some(mut series)) => {
                        series.normalize();
                        out.closes += series.closes.len();
                        why.extend(unmatched_splits(w, &series));
                        for p in &series.problems {
                            why.push(format!("{name}: {p}"));
                        }
                        match store.save_prices(&w.key, name, &series, from, to) {
                            Ok(()) => priced = true,
                            Err(e) => {
                                why.push(e.to_string());
                                break 'sources;
                            }
                        }
                    }
                    // Not known here: the next source may, unless this one
                    // answered a range already (never two sources' closes
                    // in one series).
                    Ok(None) if priced => {
                        why.push(format!("{name} stopped knowing it part-way"));
                        break 'sources;
                    }
                    Ok(None) => {
                        tracing::debug!(
                            "prices: {name} does not know {} ({:?})",
                            w.key,
                            w.instrument
                        );
                        continue 'sources;
                    }
                    Err(e) => {
                        why.push(format!("{name}: {e}"));
                        break 'sources;
                    }
                }
            }
            if priced {
                break;
            }
        }
        out.asked += 1;
        if !priced {
            let label = w.instrument.label();
            out.problems.push(if why.is_empty() {
                format!("{} ({label}): no price source knows it", w.key)
            } else {
                format!("{} ({label}): {}", w.key, why.join("; "))
            });
        } else if !why.is_empty() {
            out.notes.push(format!(
                "{} ({}): {}",
                w.key,
                w.instrument.label(),
                why.join("; ")
            ));
        }
    }
    out
}

/// Activates the stand-alone price plugins (`prices-yahoo`, `prices-file`)
/// with their `[prices.<name>]` settings. One without settings that needs
/// some (the file source's `files`) stays inactive, silently.
pub(crate) fn activate(app_config: &crate::config::AppConfig, registry: &stonks::Registry) {
    if !app_config.prices.enabled {
        return;
    }
    for entry in registry.catalog() {
        let Some(m) = entry.manifest.as_deref() else {
            continue;
        };
        if m.plugin.kind != PluginType::Prices {
            continue;
        }
        let id = m.id().to_owned();
        let short = id.strip_prefix("prices-").unwrap_or(&id).to_owned();
        let given = app_config.prices.settings.get(&short);
        let settings = given
            .cloned()
            .unwrap_or_else(|| serde_json::Value::Object(Default::default()));
        if let Err(e) = registry.activate(&id, &settings) {
            if given.is_some() {
                tracing::warn!("no prices from {id}: {e}");
            } else {
                tracing::debug!("{id} not active: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_position_without_a_price_takes_the_latest_close_and_says_so() {
        use crate::analytics::PriceBook;
        use crate::store::StoredSeries;
        let mut ge = Instrument::new("80989", "GE Aerospace", AssetClass::Stock);
        ge.isin = Some("US3696043013".parse().unwrap());
        let mut snap = stonks::v2::PortfolioSnapshot::new(Utc::now());
        snap.positions
            .push(stonks::v2::Position::new(ge, "30".parse().unwrap()));
        let book = PriceBook::new(
            [(
                "isin:US3696043013".to_owned(),
                StoredSeries {
                    currency: Some(stonks::Currency::USD),
                    dates: vec![d("2026-12-02"), d("2026-12-03")],
                    closes: vec!["120.5".parse().unwrap(), "126.93".parse().unwrap()],
                },
            )]
            .into(),
        );
        let said = fill_missing(&book, "ibkr", &mut snap);
        let p = &snap.positions[0];
        // 30 x 126.93 = 3807.90 USD.
        assert_eq!(p.market_value.unwrap().amount, "3807.90".parse().unwrap());
        assert_eq!(p.price.unwrap().currency, stonks::Currency::USD);
        assert_eq!(said.len(), 1);
        assert!(
            said[0].contains("stored close of 2026-12-03"),
            "{}",
            said[0]
        );
        // A position the broker priced is left alone.
        assert!(fill_missing(&book, "ibkr", &mut snap).is_empty());
    }

    #[test]
    fn only_the_days_not_asked_are_asked() {
        let w = Wanted {
            key: "isin:US0378331005".into(),
            instrument: Instrument::new("1", "x", AssetClass::Stock),
            from: d("2024-01-02"),
            to: d("2026-12-04"),
            ledger_splits: Vec::new(),
        };
        assert_eq!(missing(&w, None), [(d("2024-01-02"), d("2026-12-04"))]);
        let c = Coverage {
            key: w.key.clone(),
            source: "yahoo".into(),
            symbol: "AAPL".into(),
            currency: stonks::Currency::USD,
            first_day: d("2024-01-02"),
            last_day: d("2026-12-01"),
        };
        assert_eq!(
            missing(&w, Some(&c)),
            [(d("2026-12-01"), d("2026-12-04"))],
            "the last day again, then the new ones"
        );
        let earlier = Wanted {
            from: d("2023-06-01"),
            ..w.clone()
        };
        assert_eq!(
            missing(&earlier, Some(&c)),
            [
                (d("2023-06-01"), d("2024-01-01")),
                (d("2026-12-01"), d("2026-12-04"))
            ],
            "a holding found to start earlier gets its head asked"
        );
        let sold = Wanted {
            to: d("2025-03-01"),
            ..w
        };
        assert!(missing(&sold, Some(&c)).is_empty(), "nothing new to ask");
    }
}

/// One instrument's stored history, as `stonks prices` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CoverageRow {
    /// The instrument key.
    pub instrument_key: String,
    /// The source that answers for it.
    pub source: String,
    /// The source's name for it.
    pub symbol: String,
    /// The currency of its closes.
    pub currency: stonks::Currency,
    /// The first and last day asked.
    pub asked_from: NaiveDate,
    /// The last day asked.
    pub asked_to: NaiveDate,
    /// Days with a close.
    pub days: usize,
    /// The first day with a close.
    pub first_close: Option<NaiveDate>,
    /// The last day with a close, and that close.
    pub last_close: Option<NaiveDate>,
    /// The latest close.
    pub latest: Option<rust_decimal::Decimal>,
    /// Stretches of more than a week without a close between the first
    /// and the last (a source's hole, not a weekend).
    pub gaps: Vec<(NaiveDate, NaiveDate)>,
    /// Every close, oldest first, when one instrument was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<Vec<stonks::prices::Close>>,
}

/// The `prices` JSON contract.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PricesReport {
    /// Every instrument with stored history (or the one asked for).
    pub instruments: Vec<CoverageRow>,
}

impl PricesReport {
    /// What `store` holds; with `only`, that instrument key with its series.
    pub fn build(store: &Store, only: Option<&str>) -> crate::error::Result<Self> {
        let coverage = store.price_coverage()?;
        let book = store.price_book()?;
        let mut instruments: Vec<CoverageRow> = coverage
            .into_values()
            .filter(|c| only.is_none_or(|k| k == c.key))
            .map(|c| {
                let s = book.get(&c.key);
                let dates = s.map(|s| s.dates.as_slice()).unwrap_or_default();
                let gaps = dates
                    .windows(2)
                    .filter(|w| (w[1] - w[0]).num_days() > MAX_CARRY_DAYS)
                    .map(|w| (w[0], w[1]))
                    .collect();
                CoverageRow {
                    series: only.map(|_| {
                        s.map(|s| {
                            s.dates
                                .iter()
                                .zip(&s.closes)
                                .map(|(d, c)| stonks::prices::Close {
                                    date: *d,
                                    close: *c,
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                    }),
                    instrument_key: c.key,
                    source: c.source,
                    symbol: c.symbol,
                    currency: c.currency,
                    asked_from: c.first_day,
                    asked_to: c.last_day,
                    days: dates.len(),
                    first_close: dates.first().copied(),
                    last_close: dates.last().copied(),
                    latest: s.and_then(|s| s.closes.last().copied()),
                    gaps,
                }
            })
            .collect();
        instruments.sort_by(|a, b| a.instrument_key.cmp(&b.instrument_key));
        if let Some(k) = only
            && instruments.is_empty()
        {
            return Err(crate::error::Error::Request(format!(
                "--instrument {k:?}: no price history is stored for it (see `stonks prices` for the keys)"
            )));
        }
        Ok(PricesReport { instruments })
    }
}

/// Gives every position of `broker`'s `snapshot` that came without a price
/// and a value the latest stored close of its instrument (quantity times
/// close, in the close's currency); one sentence per position so valued,
/// saying from which day. Keys must be applied first.
pub fn fill_missing(
    book: &crate::analytics::PriceBook,
    broker: &str,
    snapshot: &mut stonks::v2::PortfolioSnapshot,
) -> Vec<String> {
    let mut said = Vec::new();
    for p in &mut snapshot.positions {
        if p.price.is_some() || p.market_value.is_some() {
            continue;
        }
        let key = p.instrument.key(broker);
        // A close older than a week is not today's value (a delisted
        // holding's last close is years old): the value stays unknown.
        let Some(latest) = book
            .latest(&key)
            .filter(|l| (Utc::now().date_naive() - l.date).num_days() <= MAX_CARRY_DAYS)
        else {
            continue;
        };
        let Some(value) = latest.close.checked_mul(p.quantity) else {
            continue;
        };
        p.price = Some(stonks::Money::new(latest.close, latest.currency));
        p.market_value = Some(stonks::Money::new(value, latest.currency));
        said.push(format!(
            "{broker}: {} has no price from the broker: valued at the stored close of {} ({} {})",
            p.instrument.label(),
            latest.date,
            latest.close,
            latest.currency
        ));
    }
    said
}
