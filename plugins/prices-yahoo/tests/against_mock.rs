//! The Yahoo plugin against `MockYahoo`.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use serde_json::Value;
use stonks_core::prices::{PriceSeries, SplitEvent};
use stonks_core::v2::Ratio;
use stonks_core::{AssetClass, Currency, Decimal, ErrorKind, Instrument};
use stonks_testkit::MockYahoo;
use stonks_testkit::support::{self, d};

const ID: &str = "prices-yahoo";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// An instrument with what a broker might know of it.
fn instrument(
    isin: Option<&str>,
    ticker: Option<&str>,
    mic: Option<&str>,
    currency: Option<Currency>,
) -> Instrument {
    let mut i = Instrument::new("42", "a security", AssetClass::Stock);
    i.isin = isin.map(|s| s.parse().unwrap());
    i.symbol = ticker.map(Into::into);
    i.ids.mic = mic.map(Into::into);
    i.currency = currency;
    i
}

fn apple() -> Instrument {
    instrument(Some("US0378331005"), None, None, None)
}

async fn history(
    config: &Value,
    i: &Instrument,
    from: NaiveDate,
    to: NaiveDate,
) -> stonks_core::Result<Option<PriceSeries>> {
    let r = support::registry(stonks_prices_yahoo::RECORD, config);
    r.prices(ID).unwrap().history(i, from, to).await
}

#[tokio::test]
async fn apple_by_isin_is_one_search_and_one_chart_read_exactly() {
    let mock = MockYahoo::start().await;
    let to = today();
    let from = to - Duration::days(120);
    let s = history(&mock.config(), &apple(), from, to)
        .await
        .unwrap()
        .expect("Yahoo knows Apple");
    assert_eq!(mock.search_requests().await, ["US0378331005"]);
    assert_eq!(
        mock.chart_requests().await,
        ["AAPL"],
        "the symbol-less quote skipped, one chart request for the range"
    );
    assert_eq!(s.symbol, "AAPL");
    assert_eq!(s.currency, Currency::USD);
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert!(
        s.closes.windows(2).all(|w| w[0].date < w[1].date),
        "oldest first, one a day"
    );
    let last = s.closes.last().unwrap();
    assert_eq!(Some(last.date), MockYahoo::last_trading_day("AAPL"));
    assert_eq!(last.close, d("177.57"), "Alpaca's price of AAPL");
    assert_eq!(last.close.to_string(), "177.57", "not 177.57000732421875");

    // Every trading day: the mock's close exactly, or absent on a null row.
    let mut nulls = 0;
    let mut date = from;
    while date <= to {
        let got = s.closes.iter().find(|c| c.date == date).map(|c| c.close);
        let want = MockYahoo::close_on("AAPL", date);
        assert_eq!(got, want, "{date}");
        let weekday = !matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        if weekday && want.is_none() && (date.month(), date.day()) != (1, 1) {
            nulls += 1;
        }
        date += Duration::days(1);
    }
    assert!(nulls >= 1, "the range holds a null row, left out");
    assert!(
        s.closes.iter().any(|c| c.close.scale() == 0),
        "a JSON integer price read"
    );

    // The plugin looks like a browser, or Yahoo would answer 429.
    for r in mock.received_requests().await {
        let ua = r.headers.get("user-agent").unwrap().to_str().unwrap();
        assert_eq!(ua, stonks_prices_yahoo::USER_AGENT);
        assert!(ua.starts_with("Mozilla/5.0"));
    }
}

#[tokio::test]
async fn an_isin_is_searched_once_for_the_plugins_life() {
    let mock = MockYahoo::start().await;
    let r = support::registry(stonks_prices_yahoo::RECORD, &mock.config());
    let prices = r.prices(ID).unwrap();
    let (from, to) = (day("2024-09-02"), day("2024-09-06"));
    for _ in 0..2 {
        prices.history(&apple(), from, to).await.unwrap().unwrap();
    }
    let unknown = instrument(Some("US4592001014"), None, None, None);
    for _ in 0..2 {
        assert_eq!(prices.history(&unknown, from, to).await.unwrap(), None);
    }
    assert_eq!(
        mock.search_requests().await,
        ["US0378331005", "US4592001014"]
    );
    assert_eq!(mock.chart_requests().await, ["AAPL", "AAPL"]);
}

#[tokio::test]
async fn the_listing_on_the_instruments_exchange_is_preferred() {
    let mock = MockYahoo::start().await;
    let apple_on_xetra = instrument(Some("US0378331005"), Some("APC"), Some("XETR"), None);
    let to = today();
    let s = history(&mock.config(), &apple_on_xetra, to - Duration::days(10), to)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.symbol, "APC.DE");
    assert_eq!(s.currency, Currency::EUR);
    assert_eq!(s.closes.last().unwrap().close, d("164.07"));
}

#[tokio::test]
async fn sap_by_ticker_on_xetra_needs_no_search() {
    let mock = MockYahoo::start().await;
    let sap = instrument(None, Some("SAP"), Some("XETR"), Some(Currency::EUR));
    let to = today();
    let s = history(&mock.config(), &sap, to - Duration::days(14), to)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.symbol, "SAP.DE");
    assert_eq!(s.currency, Currency::EUR);
    assert_eq!(
        s.closes.last().unwrap().close,
        d("231.45"),
        "DEGIRO's price"
    );
    assert!(mock.search_requests().await.is_empty());
    assert_eq!(mock.chart_requests().await, ["SAP.DE"]);
}

#[tokio::test]
async fn a_ticker_without_a_mic_is_not_guessed() {
    let mock = MockYahoo::start().await;
    let bare = instrument(None, Some("AAPL"), None, Some(Currency::USD));
    let to = today();
    let got = history(&mock.config(), &bare, to - Duration::days(5), to).await;
    assert_eq!(got.unwrap(), None);
    assert!(mock.received_requests().await.is_empty(), "nothing asked");
}

#[tokio::test]
async fn an_unknown_isin_is_none_without_a_chart_request() {
    let mock = MockYahoo::start().await;
    let ibm = instrument(Some("US4592001014"), None, None, None);
    let to = today();
    let got = history(&mock.config(), &ibm, to - Duration::days(5), to).await;
    assert_eq!(got.unwrap(), None);
    assert_eq!(mock.search_requests().await, ["US4592001014"]);
    assert!(mock.chart_requests().await.is_empty());
}

#[tokio::test]
async fn an_unknown_symbol_is_none() {
    let mock = MockYahoo::start().await;
    // Activision Blizzard: delisted in 2023, "Not Found" with HTTP 404.
    let atvi = instrument(None, Some("ATVI"), Some("XNAS"), Some(Currency::USD));
    let got = history(&mock.config(), &atvi, day("2024-01-01"), day("2024-02-01")).await;
    assert_eq!(got.unwrap(), None);
    assert_eq!(mock.chart_requests().await, ["ATVI"]);
}

#[tokio::test]
async fn a_weekend_is_an_empty_series() {
    let mock = MockYahoo::start().await;
    let sap = instrument(Some("DE0007164600"), None, None, None);
    let s = history(&mock.config(), &sap, day("2024-11-16"), day("2024-11-17"))
        .await
        .unwrap()
        .expect("Yahoo knows SAP");
    assert_eq!(s.symbol, "SAP.DE");
    assert_eq!(s.currency, Currency::EUR);
    assert!(s.closes.is_empty() && s.splits.is_empty() && s.problems.is_empty());
}

#[tokio::test]
async fn splits_are_read_and_closes_before_are_not_adjusted() {
    let mock = MockYahoo::start().await;
    let nvda = instrument(Some("US67066G1040"), Some("NVDA"), Some("XNAS"), None);
    let s = history(&mock.config(), &nvda, day("2024-06-01"), day("2024-06-30"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.splits,
        [SplitEvent {
            date: day("2024-06-10"),
            ratio: Ratio::new(d("10"), d("1")),
        }]
    );
    let before = s
        .closes
        .iter()
        .rfind(|c| c.date < day("2024-06-10"))
        .unwrap();
    let after = s
        .closes
        .iter()
        .find(|c| c.date >= day("2024-06-10"))
        .unwrap();
    let jump = before.close / after.close;
    assert!(jump > d("9") && jump < d("11"), "{jump}");

    let s = history(&mock.config(), &nvda, day("2021-07-01"), day("2021-07-31"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.splits,
        [SplitEvent {
            date: day("2021-07-20"),
            ratio: Ratio::new(d("4"), d("1")),
        }],
        "the split in Alpaca's ledger"
    );
}

#[tokio::test]
async fn a_whole_history_is_read_exactly() {
    let mock = MockYahoo::start().await;
    let nvda = instrument(None, Some("NVDA"), Some("XNAS"), Some(Currency::USD));
    let (from, to) = (day("2015-01-01"), today());
    let s = history(&mock.config(), &nvda, from, to)
        .await
        .unwrap()
        .unwrap();
    assert!(s.closes.len() > 2_500, "{}", s.closes.len());
    let served: Vec<(NaiveDate, Decimal)> = MockYahoo::series("NVDA")
        .unwrap()
        .into_iter()
        .filter_map(|b| Some((b.date, b.close?)))
        .collect();
    let read: Vec<(NaiveDate, Decimal)> = s.closes.iter().map(|c| (c.date, c.close)).collect();
    assert_eq!(read, served, "every close exactly, null rows left out");
    assert_eq!(s.splits.len(), 2);
    assert_eq!(mock.chart_requests().await.len(), 1, "one request");
}

#[tokio::test]
async fn a_429_is_retried() {
    let mock = MockYahoo::start().await;
    mock.faults().rate_limit_burst(1, 1);
    let sap = instrument(None, Some("SAP"), Some("XETR"), Some(Currency::EUR));
    let to = today();
    let s = history(&mock.config(), &sap, to - Duration::days(7), to)
        .await
        .unwrap()
        .unwrap();
    assert!(!s.closes.is_empty());
    assert_eq!(mock.chart_requests().await, ["SAP.DE", "SAP.DE"]);
}

#[tokio::test]
async fn without_a_currency_the_own_listings_or_an_error() {
    let mock = MockYahoo::start().await;
    mock.null_currency("SAP.DE");
    let to = today();
    let own = instrument(None, Some("SAP"), Some("XETR"), Some(Currency::EUR));
    let s = history(&mock.config(), &own, to - Duration::days(7), to)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.currency, Currency::EUR, "the instrument's own listing");

    let by_isin = instrument(Some("DE0007164600"), None, None, Some(Currency::EUR));
    let e = history(&mock.config(), &by_isin, to - Duration::days(7), to)
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Protocol), "{e}");
    assert!(e.to_string().contains("SAP.DE"), "{e}");
}

#[tokio::test]
async fn an_answer_that_is_not_a_chart_is_a_protocol_error() {
    let mock = MockYahoo::start().await;
    mock.faults().error_objects_after(0, 1);
    let sap = instrument(None, Some("SAP"), Some("XETR"), None);
    let e = history(&mock.config(), &sap, day("2024-11-01"), day("2024-11-08"))
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Protocol), "{e}");
    assert!(e.to_string().contains("SAP.DE"), "{e}");
}

#[tokio::test]
async fn crypto_is_not_asked() {
    let mock = MockYahoo::start().await;
    let mut btc = Instrument::new("BTC", "Bitcoin", AssetClass::Crypto);
    btc.symbol = Some("BTC".into());
    btc.ids.mic = Some("XNAS".into());
    let got = history(&mock.config(), &btc, day("2024-11-01"), day("2024-11-08")).await;
    assert_eq!(got.unwrap(), None);
    assert!(mock.received_requests().await.is_empty());
}

#[tokio::test]
async fn a_yahoo_key_names_the_listing_with_no_search() {
    let mock = MockYahoo::start().await;
    // What `[returns] benchmark = "SAP.DE"` asks: the symbol as the key.
    let mut sap = instrument(None, Some("SAP.DE"), None, None);
    sap.asset_class = AssetClass::Etf;
    sap.ids.assigned_key = Some("yahoo:SAP.DE".into());
    let to = today();
    let s = history(&mock.config(), &sap, to - Duration::days(14), to)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((s.symbol.as_str(), s.currency), ("SAP.DE", Currency::EUR));
    assert!(mock.search_requests().await.is_empty());
    assert_eq!(mock.chart_requests().await, ["SAP.DE"]);
}
