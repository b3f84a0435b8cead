//! Wire bytes to ledger entries, the whole parsing path of each broker, on
//! generated 100,000-row answers shaped like the real ones:
//!
//! * DEGIRO `v4/transactions` (JSON floats read exactly, fees, products);
//! * Bitvavo `/account/history` (decimal strings, ISO times, mixed types).
//!
//! Throughput is reported in bytes of answer per second. Targets: at least
//! 250 MB/s for DEGIRO and 150 MB/s for Bitvavo.

use std::collections::HashMap;

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use stonks::{AssetClass, Currency, Instrument, Isin};

const ROWS: usize = 100_000;
const PRODUCTS: i64 = 40;

/// A `v4/transactions` answer of `ROWS` trades over `PRODUCTS` products.
fn degiro_trades() -> String {
    let mut out = String::with_capacity(ROWS * 520);
    let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 2)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    out.push_str(r#"{"data":["#);
    for i in 0..ROWS {
        if i > 0 {
            out.push(',');
        }
        let product = 331_868 + (i as i64 % PRODUCTS);
        let buy = i % 3 != 0;
        let qty = 1 + i % 40;
        let price = format!("{}.{:02}", 20 + i % 300, i % 100);
        let total = format!(
            "{}{}.{:02}",
            if buy { "-" } else { "" },
            (20 + i % 300) * qty,
            (i % 100) * qty % 100
        );
        // One trade every five minutes, oldest first, as DEGIRO lists them.
        let date =
            (start + chrono::Duration::minutes(5 * i as i64)).format("%Y-%m-%dT%H:%M:%S+01:00");
        out.push_str(&format!(
            r#"{{"id":{id},"productId":{product},"date":"{date}","buysell":"{side}","price":{price},"quantity":{q},"total":{total},"orderTypeId":0,"counterParty":"MK","transfered":false,"fxRate":1.0764,"nettFxRate":1.0753,"autoFxFeeInBaseCurrency":-2.44,"totalInBaseCurrency":-2440.11,"feeInBaseCurrency":-0.54,"totalFeesInBaseCurrency":-2.98,"totalPlusFeeInBaseCurrency":-2440.65,"totalPlusAllFeesInBaseCurrency":-2443.09,"transactionTypeId":0,"tradingVenue":"XNAS","executingEntityId":"4PQUHN3JPFGFNF3BB653"}}"#,
            id = 188_000_000 + i,
            side = if buy { "B" } else { "S" },
            q = if buy { qty as i64 } else { -(qty as i64) },
        ));
    }
    out.push_str("]}");
    out
}

fn degiro_instruments() -> HashMap<i64, Instrument> {
    (0..PRODUCTS)
        .map(|i| {
            let id = 331_868 + i;
            let mut inst =
                Instrument::new(id.to_string(), format!("Product {i}"), AssetClass::Stock);
            inst.symbol = Some(format!("SYM{i}"));
            inst.isin = Isin::new("US0378331005").ok();
            inst.currency = Some(if i % 2 == 0 {
                Currency::USD
            } else {
                Currency::EUR
            });
            inst.exchange = Some("663".into());
            (id, inst)
        })
        .collect()
}

/// An `/account/history` answer of `ROWS` items: buys, sells, staking
/// rewards and deposits as Bitvavo sends them.
fn bitvavo_history() -> String {
    let mut out = String::with_capacity(ROWS * 330);
    let start = chrono::NaiveDate::from_ymd_opt(2025, 6, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    out.push_str(r#"{"items":["#);
    for i in 0..ROWS {
        if i > 0 {
            out.push(',');
        }
        // Newest first, as Bitvavo pages, an item every ~3 minutes.
        let at = (start - chrono::Duration::milliseconds(180_123 * i as i64))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ");
        let id = format!("8a7f4c1e-2b3d-4e5f-9a0b-{:012x}", i);
        out.push_str(&match i % 4 {
            0 => format!(
                r#"{{"transactionId":"{id}","executedAt":"{at}","type":"buy","priceCurrency":"EUR","priceAmount":"88001.{p}","sentCurrency":"EUR","sentAmount":"{e}.50","receivedCurrency":"BTC","receivedAmount":"0.00{r:06}","feesCurrency":"EUR","feesAmount":"0.{f:02}","address":null}}"#,
                p = i % 100,
                e = 10 + i % 500,
                r = 1 + i % 999_999,
                f = i % 100
            ),
            1 => format!(
                r#"{{"transactionId":"{id}","executedAt":"{at}","type":"sell","priceCurrency":"EUR","priceAmount":"2450.{p}","sentCurrency":"ETH","sentAmount":"0.{r:06}","receivedCurrency":"EUR","receivedAmount":"{e}.25","feesCurrency":"EUR","feesAmount":"0.{f:02}"}}"#,
                p = i % 100,
                e = 10 + i % 500,
                r = 1 + i % 999_999,
                f = i % 100
            ),
            2 => format!(
                r#"{{"transactionId":"{id}","executedAt":"{at}","type":"staking","receivedCurrency":"ETH","receivedAmount":"0.0000{r:04}","address":null}}"#,
                r = 1 + i % 9999
            ),
            _ => format!(
                r#"{{"transactionId":"{id}","executedAt":"{at}","type":"deposit","receivedCurrency":"EUR","receivedAmount":"{e}","feesCurrency":"EUR","feesAmount":"0","address":"NL91ABNA0417164300"}}"#,
                e = 100 + i % 900
            ),
        });
    }
    out.push_str(r#"],"currentPage":1,"totalPages":1,"maxItems":100000}"#);
    out
}

fn bench(c: &mut Criterion) {
    let degiro = degiro_trades();
    let instruments = degiro_instruments();
    let page =
        stonks::degiro::parse_trades(degiro.as_bytes(), &instruments, Currency::EUR, "1").unwrap();
    assert_eq!((page.items.len(), page.problems.len()), (ROWS, 0));
    let bitvavo = bitvavo_history();
    let page = stonks::bitvavo::parse_history_page(bitvavo.as_bytes()).unwrap();
    assert_eq!((page.items.len(), page.problems.len()), (ROWS, 0));

    let mut g = c.benchmark_group("ledger_parse_100k");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(degiro.len() as u64));
    g.bench_function("degiro_v4_transactions", |b| {
        b.iter(|| {
            black_box(
                stonks::degiro::parse_trades(
                    black_box(degiro.as_bytes()),
                    &instruments,
                    Currency::EUR,
                    "1",
                )
                .unwrap(),
            )
        })
    });
    g.throughput(Throughput::Bytes(bitvavo.len() as u64));
    g.bench_function("bitvavo_account_history", |b| {
        b.iter(|| {
            black_box(stonks::bitvavo::parse_history_page(black_box(bitvavo.as_bytes())).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
