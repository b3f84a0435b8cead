//! Properties of the replay over generated ledgers: units are conserved;
//! when everything is sold, every method realizes the same total; the
//! rows add up to the totals.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use stonks::v2::{LedgerEntry, LedgerKind};
use stonks::{AssetClass, Currency, Instrument, Money};
use stonks_app::analytics::{
    Analysis, GainsOptions, GainsReport, Inputs, Method, RateHistory, Scope,
};

/// One generated trade: instrument index, buy or sell, units, price in cents.
type Trade = (usize, bool, u32, u32);

fn ledger(trades: &[Trade], sell_all: bool) -> Vec<(String, LedgerEntry)> {
    let start: DateTime<Utc> = "2023-01-02T10:00:00Z".parse().unwrap();
    let mut held = [0u32; 3];
    let mut out = Vec::new();
    let mut at = start;
    let mut push = |kind: LedgerKind, i: usize, q: u32, cents: u32, at: DateTime<Utc>| {
        let id = format!("e{}", out.len());
        let value = Decimal::new(i64::from(q) * i64::from(cents), 2);
        let amount = if kind == LedgerKind::Buy {
            -value
        } else {
            value
        };
        let mut e = LedgerEntry::new(id, at, kind, Money::new(amount, Currency::EUR));
        let mut inst = Instrument::new(format!("I{i}"), format!("I{i}"), AssetClass::Stock);
        inst.symbol = Some(format!("I{i}"));
        e.instrument = Some(inst);
        e.quantity = Some(Decimal::from(q));
        e.fees = vec![Money::new(
            Decimal::new(i64::from(q % 7) + 1, 1),
            Currency::EUR,
        )];
        e.account = Some("A".to_owned());
        out.push(("demo".to_owned(), e));
    };
    for &(i, buy, q, cents) in trades {
        at += TimeDelta::hours(1);
        if buy {
            held[i] += q;
            push(LedgerKind::Buy, i, q, cents, at);
        } else if held[i] > 0 {
            let q = q.min(held[i]);
            held[i] -= q;
            push(LedgerKind::Sell, i, q, cents, at);
        }
    }
    if sell_all {
        for (i, h) in held.iter().enumerate() {
            if *h > 0 {
                at += TimeDelta::hours(1);
                push(LedgerKind::Sell, i, *h, 5_000, at);
            }
        }
    }
    out
}

fn analysis(ledger: Vec<(String, LedgerEntry)>) -> Analysis {
    Analysis::new(Inputs {
        base: Currency::EUR,
        ledger,
        snapshots: Vec::new(),
        today: None,
        history: RateHistory::default(),
        now: "2025-01-01T00:00:00Z".parse().unwrap(),
    })
}

fn trades() -> impl Strategy<Value = Vec<Trade>> {
    prop::collection::vec((0usize..3, any::<bool>(), 1u32..50, 100u32..100_000), 0..60)
}

proptest! {
    #[test]
    fn units_are_conserved(trades in trades()) {
        let l = ledger(&trades, false);
        let a = analysis(l.clone());
        for method in [Method::Fifo, Method::Lifo, Method::Average] {
            let replayed = a.replayed(method, Scope::Account);
            let r = &replayed.replay;
            prop_assert!(r.problems.is_empty(), "{:?}", r.problems);
            for i in 0..3 {
                let symbol = format!("I{i}");
                let signed: Decimal = l
                    .iter()
                    .filter(|(_, e)| e.instrument.as_ref().and_then(|x| x.symbol.as_deref()) == Some(symbol.as_str()))
                    .map(|(_, e)| match e.kind {
                        LedgerKind::Buy => e.quantity.unwrap_or_default(),
                        _ => -e.quantity.unwrap_or_default(),
                    })
                    .sum();
                let held: Decimal = r
                    .holdings
                    .values()
                    .filter(|h| h.instrument.label() == symbol)
                    .map(|h| h.quantity())
                    .sum();
                prop_assert_eq!(held, signed, "{} under {}", symbol, method);
                let sold: Decimal = r.sales.iter().filter(|s| s.instrument.label() == symbol).map(|s| s.quantity).sum();
                let consumed: Decimal = r.sales.iter().filter(|s| s.instrument.label() == symbol)
                    .flat_map(|s| &s.lots).map(|l| l.quantity).sum();
                prop_assert_eq!(sold, consumed, "every unit sold came out of a lot");
            }
            for h in r.holdings.values() {
                let counted: Option<Decimal> = h.lots.iter().map(|l| l.cost_base).sum();
                prop_assert_eq!(h.cost_base(), counted, "the running base cost is the lots' under {}", method);
                prop_assert_eq!(h.trail.last().and_then(|s| s.cost_base), counted);
            }
        }
    }

    #[test]
    fn selling_everything_realizes_the_same_total_under_every_method(trades in trades()) {
        let a = analysis(ledger(&trades, true));
        let totals: Vec<Decimal> = [Method::Fifo, Method::Lifo, Method::Average]
            .into_iter()
            .map(|m| a.replayed(m, Scope::Account).replay.sales.iter().map(|s| s.gain().unwrap()).sum())
            .collect();
        prop_assert_eq!(totals[0], totals[1]);
        prop_assert_eq!(totals[0], totals[2]);
        // And pooling changes nothing when there is one account.
        let pooled: Decimal = a.replayed(Method::Fifo, Scope::Pooled).replay.sales.iter().map(|s| s.gain().unwrap()).sum();
        prop_assert_eq!(totals[0], pooled);
    }

    #[test]
    fn rows_add_up_to_the_totals(trades in trades()) {
        let a = analysis(ledger(&trades, false));
        for method in [Method::Fifo, Method::Lifo, Method::Average] {
            let g = GainsReport::build(&a, &GainsOptions { method, ..Default::default() });
            let rows: Decimal = g.realized.iter().filter_map(|r| r.gain_base).sum();
            prop_assert_eq!(rows, g.totals.realized_base);
            let years: Decimal = g.by_year.iter().map(|y| y.realized_base).sum();
            prop_assert_eq!(years, g.totals.realized_base);
            let sales: usize = g.by_year.iter().map(|y| y.sales).sum();
            prop_assert_eq!(sales, g.realized.len());
        }
    }
}
