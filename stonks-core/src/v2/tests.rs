use super::*;
use crate::ErrorKind;
use crate::{Currency, Money};
use chrono::TimeZone;
use chrono::Utc;
use rust_decimal::Decimal;

fn entry(i: i64) -> LedgerEntry {
    LedgerEntry::new(
        i.to_string(),
        Utc.timestamp_opt(1_700_000_000 + i, 0).unwrap(),
        LedgerKind::Deposit,
        Money::new(Decimal::from(i), Currency::new("EUR").unwrap()),
    )
}

struct Fixed(Vec<LedgerEntry>);

#[async_trait]
impl TransactionService for Fixed {
    async fn transactions(&self, q: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let filtered: Vec<_> = self.0.iter().filter(|e| q.matches(e)).cloned().collect();
        page_from_vec(filtered, q)
    }
}

#[tokio::test]
async fn stream_reads_every_page_once() {
    let svc = Fixed((0..25).map(entry).collect());
    let all = collect_ledger(&svc, TransactionQuery::new().limit(7))
        .await
        .unwrap()
        .items;
    let ids: Vec<_> = all.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids, (0..25).map(|i| i.to_string()).collect::<Vec<_>>());
}

#[tokio::test]
async fn repeated_cursor_is_a_plugin_error() {
    struct Stuck;
    #[async_trait]
    impl TransactionService for Stuck {
        async fn transactions(&self, _: &TransactionQuery) -> Result<Page<LedgerEntry>> {
            Ok(Page::new(vec![entry(1)], Some(Cursor("same".into()))))
        }
    }
    let err = collect_ledger(&Stuck, TransactionQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Plugin);
}

#[test]
fn query_range_is_half_open() {
    let q = TransactionQuery::new().range(entry(5).timestamp, entry(8).timestamp);
    let hits: Vec<i64> = (0..10).filter(|&i| q.matches(&entry(i))).collect();
    assert_eq!(hits, vec![5, 6, 7]);
}

#[test]
fn ledger_entries_round_trip_with_decimals_as_strings() {
    let mut e = entry(3);
    e.amount = Money::new(
        "-1234.567890123456789".parse().unwrap(),
        Currency::new("EUR").unwrap(),
    );
    e.fees = vec![Money::new(
        "0.000000001".parse().unwrap(),
        Currency::new("BTC").unwrap(),
    )];
    e.kind = LedgerKind::Other("airdrop".into());
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["amount"]["amount"], "-1234.567890123456789");
    assert_eq!(json["fees"][0]["amount"], "0.000000001");
    assert_eq!(json["kind"], "airdrop");
    assert_eq!(json["timestamp"], "2023-11-14T22:13:23Z");
    let back: LedgerEntry = serde_json::from_value(json).unwrap();
    assert_eq!(back, e);
    let q = TransactionQuery::new()
        .kinds([LedgerKind::Dividend])
        .limit(5);
    let back: TransactionQuery = serde_json::from_str(&serde_json::to_string(&q).unwrap()).unwrap();
    assert_eq!(back, q);
}

#[test]
fn kind_names_round_trip() {
    for k in LedgerKind::NAMED {
        assert_eq!(LedgerKind::from_name(k.as_str()), k);
    }
    assert_eq!(
        LedgerKind::from_name("airdrop"),
        LedgerKind::Other("airdrop".into())
    );
}

#[tokio::test]
async fn pages_stream_carries_problems_and_ends_on_a_repeated_cursor() {
    use futures::StreamExt;
    struct Twice;
    #[async_trait]
    impl TransactionService for Twice {
        async fn transactions(&self, q: &TransactionQuery) -> Result<Page<LedgerEntry>> {
            let page = Page::new(vec![entry(1)], Some(Cursor("again".into())))
                .with_problems(vec![ReadProblem::new("GET /x", "bad row").item("7")]);
            let _ = q;
            Ok(page)
        }
    }
    let got: Vec<_> = Twice.pages(TransactionQuery::new()).collect().await;
    assert_eq!(got.len(), 3, "two pages, then the error");
    assert_eq!(
        got[0].as_ref().unwrap().problems[0].item.as_deref(),
        Some("7")
    );
    assert!(got[1].as_ref().unwrap().next_cursor.is_none());
    assert_eq!(got[2].as_ref().unwrap_err().kind(), &ErrorKind::Plugin);
    let all = collect_ledger(&Twice, TransactionQuery::new()).await;
    assert!(all.is_err());
}

#[test]
fn range_cursor_pins_the_end_and_slices_by_value() {
    let q = TransactionQuery::new().limit(4);
    let start = RangeCursor::start(&q).unwrap();
    assert!(start.is_first());
    let all: Vec<i64> = (0..10).collect();
    let p1 = start.page(all.clone(), &q);
    assert_eq!(p1.items, vec![0, 1, 2, 3]);
    let q2 = q.clone().cursor(p1.next_cursor.clone());
    let c2 = RangeCursor::start(&q2).unwrap();
    assert_eq!((c2.position, c2.until), (4, start.until));
    let p3 = RangeCursor::start(&q.clone().cursor(Some(c2.at(8))))
        .unwrap()
        .page(all, &q);
    assert_eq!((p3.items, p3.next_cursor), (vec![8, 9], None));
    assert!(RangeCursor::start(&q.cursor(Some(Cursor("nope".into())))).is_err());
}

#[test]
fn sort_by_time_orders_by_time_then_id_in_any_starting_order() {
    let ids = |v: &[LedgerEntry]| v.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    let mut shuffled: Vec<LedgerEntry> = [5, 1, 9, 3, 3, 0, 7].iter().map(|&i| entry(i)).collect();
    shuffled[4].id = "3b".into();
    sort_by_time(&mut shuffled);
    assert_eq!(ids(&shuffled), vec!["0", "1", "3", "3b", "5", "7", "9"]);
    let mut newest_first: Vec<LedgerEntry> = (0..6).rev().map(entry).collect();
    sort_by_time(&mut newest_first);
    assert_eq!(ids(&newest_first), vec!["0", "1", "2", "3", "4", "5"]);
    let mut empty: Vec<LedgerEntry> = Vec::new();
    sort_by_time(&mut empty);
}
