//! Ten years of daily closes for 200 instruments (about 520,000 closes):
//! stored once, then read back into the valuation's price book (target:
//! under 100 ms), and a valuation of one day over them.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use stonks::Currency;
use stonks::prices::{Close, PriceSeries};
use stonks_app::analytics::PriceBook;
use stonks_app::store::Store;

const INSTRUMENTS: u32 = 200;
const YEARS: i64 = 10;

/// Every weekday of ten years, a close moving around 100 by cents.
fn series(n: u32, first: NaiveDate, last: NaiveDate) -> PriceSeries {
    let mut s = PriceSeries::new(format!("SYM{n}"), Currency::USD);
    let mut day = first;
    let mut i: i64 = 0;
    while day <= last {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            s.closes.push(Close {
                date: day,
                close: Decimal::new(10_000 + (i * 37 + i64::from(n) * 11) % 2_000, 2),
            });
        }
        day += TimeDelta::days(1);
        i += 1;
    }
    s
}

fn bench(c: &mut Criterion) {
    let last: NaiveDate = "2026-12-04".parse().unwrap();
    let first = last - TimeDelta::days(365 * YEARS);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    let keys: Vec<String> = (0..INSTRUMENTS)
        .map(|n| format!("isin:XS{n:010}"))
        .collect();
    let mut total = 0;
    for (n, key) in keys.iter().enumerate() {
        let s = series(n as u32, first, last);
        total += s.closes.len();
        store.save_prices(key, "bench", &s, first, last).unwrap();
    }
    println!("{total} closes stored for {INSTRUMENTS} instruments");
    let mut g = c.benchmark_group("prices_10y_200");
    g.sample_size(20);
    g.bench_function("read_into_price_book", |b| {
        b.iter(|| PriceBook::new(store.price_book().unwrap()))
    });
    let book = PriceBook::new(store.price_book().unwrap());
    g.bench_function("close_on_every_key_one_day", |b| {
        let day: NaiveDate = "2021-06-13".parse().unwrap();
        b.iter(|| keys.iter().filter_map(|k| book.close_on(k, day)).count())
    });
    // One more day for every instrument: what a daily sync writes.
    let next = last + TimeDelta::days(1);
    g.bench_function("store_one_new_day_each", |b| {
        b.iter(|| {
            for (n, key) in keys.iter().enumerate() {
                let mut s = PriceSeries::new(format!("SYM{n}"), Currency::USD);
                s.closes.push(Close {
                    date: next,
                    close: Decimal::new(10_123, 2),
                });
                store.save_prices(key, "bench", &s, next, next).unwrap();
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
