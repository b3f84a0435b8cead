//! One page costs one page: the ledger pages by reporting window, and each
//! page asks DEGIRO for that window only, whatever the caller's page size.

use stonks_testkit::MockDegiro;
use stonks_testkit::conformance::ids_and_pages;
use stonks_testkit::support;

/// The reporting requests the mock received: (transactions, account overview).
async fn reporting_requests(mock: &MockDegiro) -> (usize, usize) {
    let reqs = mock.received_requests().await;
    let count = |part: &str| reqs.iter().filter(|r| r.url.path().contains(part)).count();
    (count("/transactions"), count("/accountoverview"))
}

#[tokio::test]
async fn each_page_asks_for_its_own_window_once() {
    let mock = MockDegiro::start().await;
    let r = support::registry(stonks_broker_degiro::RECORD, &mock.config());
    let ledger = r.transactions_v2("degiro").unwrap();
    let read = |limit: Option<u32>| {
        let ledger = ledger.clone();
        async move { ids_and_pages(&ledger, limit).await.unwrap() }
    };
    let before = reporting_requests(&mock).await;
    let (small, small_pages) = read(Some(10)).await;
    let mid = reporting_requests(&mock).await;
    let (whole, whole_pages) = read(None).await;
    let after = reporting_requests(&mock).await;
    assert_eq!(small, whole, "the same entries whatever the page size");
    assert_eq!(small.len(), 188);
    assert_eq!(small_pages, whole_pages);
    let per_read = |a: (usize, usize), b: (usize, usize)| (b.0 - a.0, b.1 - a.1);
    // One transactions and one account overview request per window page.
    assert_eq!(per_read(before, mid), (small_pages, small_pages));
    assert_eq!(per_read(mid, after), (whole_pages, whole_pages));
    // Windows of a year from the configured start to today.
    let since: chrono::NaiveDate = mock.config()["history_since"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let days = (chrono::Utc::now().date_naive() - since).num_days() + 1;
    assert_eq!(
        whole_pages as i64,
        days.div_euclid(365) + i64::from(days % 365 != 0)
    );
}
