//! One portfolio across brokers ([`load`]): every broker at once, each
//! under its own budget; positions with their value in the base currency; cash per
//! currency; totals; what each broker left out. [`PortfolioReport`]
//! serialises as the `portfolio` JSON contract of the README.

use rust_decimal::Decimal;
use serde::Serialize;
use stonks::fx::RateTable;
use stonks::v2::PortfolioSnapshot;
use stonks::{AssetClass, Currency, Isin, Money};

use crate::app::App;
use crate::error::{Error, Result};
use crate::identity::Identities;

/// One broker's answer: its snapshot, or why there is none.
pub type BrokerResult = (String, Result<PortfolioSnapshot, String>);

/// What [`load`] read: the merged report, and what was shown but could
/// not be stored (each one sentence).
#[derive(Debug)]
pub struct Loaded {
    /// Every broker's answer, merged.
    pub report: PortfolioReport,
    /// Snapshots shown but not stored (`--offline` will not have them).
    pub not_stored: Vec<String>,
    /// What asking the resolver about new instruments did.
    pub identity: crate::identity::ResolveOutcome,
    /// Positions a broker sent without a price, valued at the latest
    /// stored close instead (one sentence each).
    pub priced_from_history: Vec<String>,
}

/// The portfolio of every active broker: live, each within its budget and
/// each answer kept in the store (one point of value over time), or
/// `offline` from the store. A broker that failed is in the report with
/// its error; the others stand.
pub async fn load(app: &App, offline: bool) -> Result<Loaded> {
    let store = app.open_store();
    let mut not_stored = Vec::new();
    let mut results: Vec<BrokerResult> = app
        .failed
        .iter()
        .map(|(id, why)| (id.clone(), Err(why.clone())))
        .collect();
    if offline {
        let store = store
            .as_ref()
            .map_err(|e| Error::Store(format!("--offline answers from the store: {e}")))?;
        for (id, _) in app.active_brokers() {
            let r = match store.portfolio(&id) {
                Ok(Some(s)) => Ok(s),
                Ok(None) => Err("nothing stored yet: run `stonks sync`".to_owned()),
                Err(e) => Err(e.to_string()),
            };
            results.push((id, r));
        }
    } else {
        let live = crate::sync::portfolios(app).await;
        match &store {
            Ok(s) => {
                // One read of every broker: one point of value over time.
                let read_at = chrono::Utc::now();
                for (id, r) in &live {
                    if let Ok(snap) = r
                        && let Err(e) = s.record_portfolio(id, snap, read_at)
                    {
                        not_stored
                            .push(format!("{id}: the portfolio was shown but not stored: {e}"));
                    }
                }
            }
            Err(e) => not_stored.push(format!(
                "the portfolio is shown but not stored (`--offline` will not have it): {e}"
            )),
        }
        results.extend(live);
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    results.dedup_by(|a, b| a.0 == b.0);
    // New instruments (recorded with the snapshots) are asked about now;
    // then every position carries the key the store has learned.
    let identity = match &store {
        Ok(s) => crate::identity::resolve(app, s, offline).await,
        Err(_) => Default::default(),
    };
    let ids = Identities::load(app, store.as_ref().ok());
    // The whole price history is read only when a broker left a position
    // without a price: most answers price every one.
    let unpriced = results.iter().any(|(_, r)| {
        r.as_ref().is_ok_and(|s| {
            s.positions
                .iter()
                .any(|p| p.price.is_none() && p.market_value.is_none())
        })
    });
    let mut book = store
        .as_ref()
        .ok()
        .filter(|_| unpriced)
        .and_then(|s| s.price_book().ok())
        .map(crate::analytics::PriceBook::new)
        .unwrap_or_default();
    let mut priced_from_history = Vec::new();
    for (broker, r) in &mut results {
        if let Ok(snapshot) = r {
            ids.apply_snapshot(broker, snapshot);
            for p in &snapshot.positions {
                book.learn(&p.instrument.key(broker), &p.instrument);
            }
            priced_from_history.extend(crate::prices::fill_missing(&book, broker, snapshot));
        }
    }
    let rates = app.rates(store.as_ref().ok(), offline).await;
    let report = PortfolioReport::build(app.config.base_currency, &results, rates.as_ref());
    Ok(Loaded {
        report,
        not_stored,
        identity,
        priced_from_history,
    })
}

/// Whether a broker answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It answered.
    Ok,
    /// It failed; `error` says why.
    Error,
}

/// One broker's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct BrokerStatus {
    /// The broker.
    pub id: String,
    /// Whether it answered.
    pub status: Status,
    /// Why it did not.
    pub error: Option<String>,
}

/// One holding, with its value in the base currency.
#[derive(Debug, Clone, Serialize)]
pub struct PositionRow {
    /// The broker holding it.
    pub broker: String,
    /// The broker's account, when it names one.
    pub account: Option<String>,
    /// Ticker or asset code (the broker's id when it has none).
    pub symbol: String,
    /// ISIN, when known.
    pub isin: Option<Isin>,
    /// The key instruments are told apart by across brokers
    /// ([`stonks::identity::instrument_key`]: `isin:…`, `crypto:BTC`, ...).
    pub instrument_key: String,
    /// Name for people.
    pub name: String,
    /// What kind of instrument.
    pub asset_class: AssetClass,
    /// Units held.
    pub quantity: Decimal,
    /// Currency of `price` and `market_value`.
    pub currency: Option<Currency>,
    /// Last price, as the broker sent it.
    pub price: Option<Decimal>,
    /// Market value, as the broker sent it.
    pub market_value: Option<Decimal>,
    /// Market value in the base currency (cents); `None` when no rate.
    pub market_value_base: Option<Decimal>,
}

/// Cash in one currency at one broker.
#[derive(Debug, Clone, Serialize)]
pub struct CashRow {
    /// The broker.
    pub broker: String,
    /// The broker's account, when it names one.
    pub account: Option<String>,
    /// The currency.
    pub currency: Currency,
    /// The amount, as the broker sent it.
    pub amount: Decimal,
    /// In the base currency (cents); `None` when no rate.
    pub amount_base: Option<Decimal>,
}

/// What the known values add up to.
#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    /// Positions, in the base currency.
    pub market_value_base: Decimal,
    /// Cash, in the base currency.
    pub cash_base: Decimal,
    /// Both.
    pub total_base: Decimal,
    /// Holdings left out of the totals: no value, or no rate.
    pub unvalued: usize,
}

/// A row a broker sent that could not be read, and was left out.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemRow {
    /// The broker.
    pub broker: String,
    /// The endpoint it came from.
    pub endpoint: String,
    /// The broker's id of the row.
    pub item: Option<String>,
    /// The field that was wrong.
    pub field: Option<String>,
    /// What was wrong.
    pub message: String,
}

/// The merged portfolio: the `portfolio` JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct PortfolioReport {
    /// The currency of every `_base` figure.
    pub base_currency: Currency,
    /// When the newest answer was valid (RFC 3339, UTC, seconds).
    pub as_of: String,
    /// Each broker's outcome.
    pub brokers: Vec<BrokerStatus>,
    /// Every holding.
    pub positions: Vec<PositionRow>,
    /// Cash per broker and currency.
    pub cash: Vec<CashRow>,
    /// The totals of what has a value.
    pub totals: Totals,
    /// Rows the brokers sent that could not be read.
    pub problems: Vec<ProblemRow>,
}

fn in_base(m: Option<&Money>, base: &Currency, rates: Option<&RateTable>) -> Option<Decimal> {
    let m = m?;
    let amount = if &m.currency == base {
        m.amount
    } else {
        rates?.convert(m, base)?.amount
    };
    // Values in the base currency are for adding up: cents.
    Some(amount.round_dp(2))
}

impl Totals {
    fn zero() -> Self {
        Totals {
            market_value_base: Decimal::ZERO,
            cash_base: Decimal::ZERO,
            total_base: Decimal::ZERO,
            unvalued: 0,
        }
    }

    /// Adds a position's value in the base currency (`None`: unvalued).
    fn add_position(&mut self, value_base: Option<Decimal>) {
        match value_base.and_then(|v| self.market_value_base.checked_add(v)) {
            Some(sum) => self.market_value_base = sum,
            None => self.unvalued += 1,
        }
    }

    /// Adds cash in the base currency (`None`: no rate).
    fn add_cash(&mut self, amount_base: Option<Decimal>) {
        match amount_base.and_then(|v| self.cash_base.checked_add(v)) {
            Some(sum) => self.cash_base = sum,
            None => self.unvalued += 1,
        }
    }

    fn finish(&mut self) {
        self.total_base = self.market_value_base.saturating_add(self.cash_base);
    }

    /// The totals of `snapshots` in `base` at `rates`, as
    /// [`PortfolioReport::build`] adds them, without building its rows.
    pub fn of<'a>(
        snapshots: impl IntoIterator<Item = &'a PortfolioSnapshot>,
        base: Currency,
        rates: Option<&RateTable>,
    ) -> Self {
        let mut t = Totals::zero();
        for snap in snapshots {
            for p in &snap.positions {
                t.add_position(in_base(p.market_value.as_ref(), &base, rates));
            }
            for c in &snap.cash {
                t.add_cash(in_base(Some(&c.amount), &base, rates));
            }
        }
        t.finish();
        t
    }
}

impl PortfolioReport {
    /// The report of `results` in `base`, converted with `rates`.
    pub fn build(base: Currency, results: &[BrokerResult], rates: Option<&RateTable>) -> Self {
        let mut report = PortfolioReport {
            base_currency: base,
            as_of: String::new(),
            brokers: Vec::with_capacity(results.len()),
            positions: Vec::new(),
            cash: Vec::new(),
            totals: Totals::zero(),
            problems: Vec::new(),
        };
        let mut as_of = None;
        for (id, result) in results {
            let snap = match result {
                Err(why) => {
                    report.brokers.push(BrokerStatus {
                        id: id.clone(),
                        status: Status::Error,
                        error: Some(why.clone()),
                    });
                    continue;
                }
                Ok(snap) => snap,
            };
            report.brokers.push(BrokerStatus {
                id: id.clone(),
                status: Status::Ok,
                error: None,
            });
            as_of = as_of.max(Some(snap.as_of));
            let t = &mut report.totals;
            for p in &snap.positions {
                let value_base = in_base(p.market_value.as_ref(), &base, rates);
                t.add_position(value_base);
                report.positions.push(PositionRow {
                    broker: id.clone(),
                    account: p.account.clone(),
                    symbol: p.instrument.label().to_owned(),
                    isin: p.instrument.isin,
                    instrument_key: p.instrument.key(id),
                    name: p.instrument.name.clone(),
                    asset_class: p.instrument.asset_class.clone(),
                    quantity: p.quantity,
                    currency: p
                        .price
                        .as_ref()
                        .or(p.market_value.as_ref())
                        .map(|m| m.currency)
                        .or(p.instrument.currency),
                    price: p.price.map(|m| m.amount),
                    market_value: p.market_value.map(|m| m.amount),
                    market_value_base: value_base,
                });
            }
            for c in &snap.cash {
                let amount_base = in_base(Some(&c.amount), &base, rates);
                t.add_cash(amount_base);
                report.cash.push(CashRow {
                    broker: id.clone(),
                    account: c.account.clone(),
                    currency: c.amount.currency,
                    amount: c.amount.amount,
                    amount_base,
                });
            }
            report
                .problems
                .extend(snap.problems.iter().map(|p| ProblemRow {
                    broker: id.clone(),
                    endpoint: p.endpoint.clone(),
                    item: p.item.clone(),
                    field: p.field.clone(),
                    message: p.message.clone(),
                }));
        }
        // What the rate source could not read is told like a broker's.
        report.problems.extend(
            rates
                .into_iter()
                .flat_map(|r| &r.problems)
                .map(|p| ProblemRow {
                    broker: crate::app::FX_PLUGIN.to_owned(),
                    endpoint: p.endpoint.clone(),
                    item: p.item.clone(),
                    field: p.field.clone(),
                    message: p.message.clone(),
                }),
        );
        report.totals.finish();
        report.as_of = as_of
            .unwrap_or_else(chrono::Utc::now)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        report
    }

    /// Whether any broker failed.
    pub fn any_failed(&self) -> bool {
        self.brokers.iter().any(|b| b.status == Status::Error)
    }
}
