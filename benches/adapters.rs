//! A v2 consumer reading a 10,000-position portfolio from a v1 plugin through
//! `V1AsV2`, against the same data from a native v2 plugin, and the v1
//! plugin's own answer alone (so the adapter's share can be told apart).

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use stonks::adapt::V1AsV2;
use stonks::v1::{self, PortfolioEntry};
use stonks::v2::{self, PortfolioQuery, PortfolioService as _, PortfolioSnapshot};
use stonks::{AssetClass, Currency, Decimal, Instrument, Isin, Money, Result};

const N: usize = 10_000;
const ISINS: [&str; 4] = [
    "US0378331005",
    "NL0010273215",
    "IE00B4L5Y983",
    "US5949181045",
];

fn entries() -> Vec<PortfolioEntry> {
    (0..N)
        .map(|i| PortfolioEntry {
            name: format!("Instrument {i}"),
            symbol: format!("SYM{i}"),
            isin: Some(Isin::new(ISINS[i % 4]).unwrap()),
            shares: Decimal::new(i as i64 + 1, 0),
            price: Some(Decimal::new(12_345 + i as i64, 2)),
            value: Some(Decimal::new((12_345 + i as i64) * (i as i64 + 1), 2)),
            currency: if i % 3 == 0 {
                Currency::USD
            } else {
                Currency::EUR
            },
            break_even_price: Some(Decimal::new(11_000, 2)),
            unrealized_gain: Some(Decimal::new(1_345 * (i as i64 + 1), 2)),
            product_type: AssetClass::Stock,
        })
        .collect()
}

/// The same portfolio, built natively in the v2 shape.
fn snapshot(entries: &[PortfolioEntry]) -> PortfolioSnapshot {
    let positions = entries
        .iter()
        .map(|e| {
            let cur = e.currency;
            let m = |d: Decimal| Money::new(d, cur);
            let mut inst =
                Instrument::new(e.isin.unwrap().as_str(), e.name.clone(), AssetClass::Stock);
            inst.symbol = Some(e.symbol.clone());
            inst.isin = e.isin;
            inst.currency = Some(cur);
            let mut p = v2::Position::new(inst, e.shares);
            p.price = e.price.map(m);
            p.market_value = e.value.map(m);
            p.cost_basis = e.break_even_price.map(|b| m(b * e.shares));
            p.unrealized_pnl = e.unrealized_gain.map(m);
            p
        })
        .collect();
    let mut snap = PortfolioSnapshot::new(Utc.with_ymd_and_hms(2026, 11, 20, 17, 0, 0).unwrap());
    snap.positions = positions;
    snap
}

struct LegacyPlugin(Vec<PortfolioEntry>);

#[async_trait]
impl v1::PortfolioService for LegacyPlugin {
    async fn portfolio(&self) -> Result<Vec<PortfolioEntry>> {
        Ok(self.0.clone())
    }
}

struct NativePlugin(PortfolioSnapshot);

#[async_trait]
impl v2::PortfolioService for NativePlugin {
    async fn snapshot(&self, _: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        Ok(self.0.clone())
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let data = entries();
    let adapted = V1AsV2(LegacyPlugin(data.clone()));
    let native = NativePlugin(snapshot(&data));
    let q = PortfolioQuery::new();
    assert_eq!(
        rt.block_on(adapted.snapshot(&q)).unwrap().positions,
        rt.block_on(native.snapshot(&q)).unwrap().positions,
        "both plugins serve the same portfolio"
    );

    let mut g = c.benchmark_group("portfolio_10000_positions");
    g.sample_size(30);
    g.bench_function("native_v2", |b| {
        b.iter(|| black_box(rt.block_on(native.snapshot(&q)).unwrap()))
    });
    g.bench_function("v1_through_V1AsV2", |b| {
        b.iter(|| black_box(rt.block_on(adapted.snapshot(&q)).unwrap()))
    });
    // The v1 plugin's own answer, without the adapter: what V1AsV2 adds is
    // the difference.
    g.bench_function("v1_plugin_alone", |b| {
        b.iter(|| {
            black_box(
                rt.block_on(v1::PortfolioService::portfolio(&adapted.0))
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
