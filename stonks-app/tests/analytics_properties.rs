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

/// Returns over generated days: a price that moves by `moves` (per mille
/// around 1), money deposited each day at the start (bought at the close
/// before, so it moves with the rest) and a share of the holding sold and
/// withdrawn at some days' close.
mod returns {
    use super::*;
    use chrono::NaiveDate;
    use stonks::fx::RateTable;
    use stonks_app::analytics::PriceBook;
    use stonks_app::analytics::returns::{ReturnsOptions, ReturnsReport};
    use stonks_app::store::StoredSeries;

    /// One day: the price's move in per mille (900 = -10 %), the deposit,
    /// and the share withdrawn at its end in percent.
    type Move = (u32, u32, u32);

    fn day0() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
    }

    /// The analysis of `moves`, and the price's growth over them.
    fn world(moves: &[Move]) -> (Analysis, Decimal) {
        let mut price = Decimal::from(100);
        let (mut dates, mut closes) = (vec![day0().pred_opt().unwrap()], vec![price]);
        let mut ledger = Vec::new();
        let mut units = Decimal::ZERO;
        let instrument = {
            let mut i = Instrument::new("X", "X", AssetClass::Stock);
            i.symbol = Some("X".into());
            i
        };
        for (k, &(permille, deposit, out_pct)) in moves.iter().enumerate() {
            let day = day0() + TimeDelta::days(k as i64);
            let at = |h: u32| day.and_hms_opt(h, 0, 0).unwrap().and_utc();
            let entry = |id: String, h, kind, amount: Decimal, q: Option<Decimal>| {
                let mut e = LedgerEntry::new(id, at(h), kind, Money::new(amount, Currency::EUR));
                e.account = Some("A".into());
                if let Some(q) = q {
                    e.instrument = Some(instrument.clone());
                    e.quantity = Some(q);
                }
                ("demo".to_owned(), e)
            };
            if deposit > 0 {
                let money = Decimal::from(deposit);
                let bought = money / price;
                units += bought;
                ledger.push(entry(format!("d{k}"), 8, LedgerKind::Deposit, money, None));
                ledger.push(entry(
                    format!("b{k}"),
                    9,
                    LedgerKind::Buy,
                    -money,
                    Some(bought),
                ));
            }
            price = (price * Decimal::from(permille) / Decimal::from(1000)).round_dp(6);
            dates.push(day);
            closes.push(price);
            if out_pct > 0 && !units.is_zero() {
                let sold = (units * Decimal::from(out_pct) / Decimal::from(100)).round_dp(8);
                units -= sold;
                let cash = sold * price;
                ledger.push(entry(
                    format!("s{k}"),
                    20,
                    LedgerKind::Sell,
                    cash,
                    Some(sold),
                ));
                ledger.push(entry(
                    format!("w{k}"),
                    21,
                    LedgerKind::Withdrawal,
                    -cash,
                    None,
                ));
            }
        }
        let growth = price / Decimal::from(100) - Decimal::ONE;
        let series = StoredSeries {
            currency: Some(Currency::EUR),
            dates,
            closes,
        };
        let book = PriceBook::new([("broker:demo:X".to_owned(), series)].into());
        let a = Analysis::new(Inputs {
            base: Currency::EUR,
            ledger,
            snapshots: Vec::new(),
            today: None,
            history: RateHistory::new(Vec::<RateTable>::new()),
            now: "2025-01-01T00:00:00Z".parse().unwrap(),
        })
        .with_prices(book);
        (a, growth)
    }

    fn twr(a: &Analysis, from: NaiveDate, to: NaiveDate) -> Decimal {
        let r = ReturnsReport::build(
            a,
            &ReturnsOptions {
                from: Some(from),
                to: Some(to),
                ..Default::default()
            },
        );
        r.rows[0].twr
    }

    fn moves() -> impl Strategy<Value = Vec<Move>> {
        // The first day always brings money.
        (
            (900u32..1100, 1_000u32..50_000),
            prop::collection::vec(
                (
                    900u32..1100,
                    prop_oneof![Just(0u32), 1_000u32..50_000],
                    prop_oneof![Just(0u32), 1u32..60],
                ),
                1..40,
            ),
        )
            .prop_map(|((m, d), rest)| {
                let mut all = vec![(m, d, 0)];
                all.extend(rest);
                all
            })
    }

    proptest! {
        /// When everything held moves alike, the time-weighted return is
        /// the price's, whatever was deposited or withdrawn when.
        #[test]
        fn twr_is_the_price_move_whatever_the_flows(moves in moves()) {
            let (a, growth) = world(&moves);
            let last = day0() + TimeDelta::days(moves.len() as i64 - 1);
            let got = twr(&a, day0(), last);
            // Values are kept to the cent each day: a few millionths.
            prop_assert!((got - growth).abs() < Decimal::new(5, 4), "{got} vs {growth}");
        }

        /// A period cut in two and chained gives the whole.
        #[test]
        fn two_halves_chain_into_the_whole(moves in moves(), cut in 0usize..40) {
            let (a, _) = world(&moves);
            let n = moves.len() as i64;
            let last = day0() + TimeDelta::days(n - 1);
            let mid = day0() + TimeDelta::days((cut as i64) % n);
            let whole = twr(&a, day0(), last);
            let first = twr(&a, day0(), mid);
            let chained = if mid < last {
                (Decimal::ONE + first) * (Decimal::ONE + twr(&a, mid.succ_opt().unwrap(), last)) - Decimal::ONE
            } else {
                first
            };
            prop_assert!((chained - whole).abs() < Decimal::new(5, 6), "{chained} vs {whole}");
        }
    }
}
