//! `prices@1` over Bitvavo's daily candles: against `MockBitvavo` (paging,
//! exact closes oldest first, an unknown market) and against wiremock (a
//! candle row that cannot be read, the exact request).

use chrono::{Days, NaiveDate, Utc};
use serde_json::json;
use stonks_broker_bitvavo::{CANDLE_LIMIT, RECORD};
use stonks_core::{AssetClass, Currency, Instrument, Registry};
use stonks_testkit::MockBitvavo;
use stonks_testkit::fixture;
use stonks_testkit::support::{self, d, mount_get, requests_to};
use wiremock::MockServer;

fn crypto(symbol: &str) -> Instrument {
    let mut i = Instrument::new(symbol, symbol, AssetClass::Crypto);
    i.symbol = Some(symbol.to_owned());
    i
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn setup() -> (MockBitvavo, Registry) {
    let mock = MockBitvavo::start().await;
    let r = support::registry(RECORD, &mock.config());
    (mock, r)
}

async fn candle_requests(mock: &MockBitvavo, market: &str) -> Vec<wiremock::Request> {
    let at = format!("/v2/{market}/candles");
    mock.received_requests()
        .await
        .into_iter()
        .filter(|r| r.url.path() == at)
        .collect()
}

#[tokio::test]
async fn three_years_are_one_request_and_every_close_is_exact_oldest_first() {
    let (mock, r) = setup().await;
    let prices = r.prices("bitvavo").unwrap();
    let (from, to) = (day("2021-01-01"), day("2023-12-31"));
    let s = prices
        .history(&crypto("BTC"), from, to)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((s.symbol.as_str(), s.currency), ("BTC-EUR", Currency::EUR));
    assert_eq!(s.closes.len(), 1095, "every day of three years");
    assert_eq!((s.closes[0].date, s.closes[1094].date), (from, to));
    assert!(s.closes.windows(2).all(|w| w[0].date < w[1].date));
    for c in &s.closes {
        assert_eq!(Some(c.close), mock.daily_close("BTC", c.date), "{}", c.date);
    }
    assert!(s.problems.is_empty());
    let sent = candle_requests(&mock, "BTC-EUR").await;
    assert_eq!(
        sent.len(),
        1,
        "1095 candles fit in one answer of {CANDLE_LIMIT}"
    );
    let q: Vec<(String, String)> = sent[0].url.query_pairs().into_owned().collect();
    let ms = |d: &str| {
        day(d)
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    assert_eq!(
        q,
        vec![
            ("interval".into(), "1d".into()),
            ("start".into(), ms("2021-01-01").to_string()),
            ("end".into(), ms("2024-01-01").to_string()),
            ("limit".into(), "1440".into()),
        ]
    );
    assert!(
        sent[0].headers.get("bitvavo-access-key").is_none(),
        "public: not signed"
    );
}

#[tokio::test]
async fn the_whole_history_pages_backwards_by_end_and_ends_at_todays_price() {
    let (mock, r) = setup().await;
    let prices = r.prices("bitvavo").unwrap();
    let today = Utc::now().date_naive();
    let from = day("2020-01-01");
    let s = prices
        .history(&crypto("SHIB"), from, today)
        .await
        .unwrap()
        .unwrap();
    let days = (today - from).num_days() as usize + 1;
    assert_eq!(s.closes.len(), days);
    assert_eq!(s.closes.first().unwrap().date, from);
    let last = s.closes.last().unwrap();
    assert_eq!(
        (last.date, last.close.to_string()),
        (today, "0.000008321".to_owned())
    );
    let sent = candle_requests(&mock, "SHIB-EUR").await;
    assert_eq!(sent.len(), days.div_ceil(CANDLE_LIMIT as usize));
    // The second request ends where the oldest candle of the first began.
    let end = |r: &wiremock::Request| {
        r.url
            .query_pairs()
            .find(|(k, _)| k == "end")
            .unwrap()
            .1
            .parse::<i64>()
            .unwrap()
    };
    let oldest_first = today
        .checked_sub_days(Days::new(u64::from(CANDLE_LIMIT) - 1))
        .unwrap();
    assert_eq!(
        end(&sent[1]),
        oldest_first
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    );
}

#[tokio::test]
async fn an_unknown_market_is_none_and_a_market_without_trades_is_empty() {
    let (_mock, r) = setup().await;
    let prices = r.prices("bitvavo").unwrap();
    let (from, to) = (day("2024-01-01"), day("2024-01-31"));
    // XNO has no EUR market at Bitvavo: error 205.
    assert_eq!(
        prices.history(&crypto("XNO"), from, to).await.unwrap(),
        None
    );
    assert_eq!(
        prices
            .history(&crypto("NOSUCHCOIN"), from, to)
            .await
            .unwrap(),
        None
    );
    // FET's market exists but has no trades: no candles, an empty series.
    let fet = prices
        .history(&crypto("FET"), from, to)
        .await
        .unwrap()
        .unwrap();
    assert!(fet.closes.is_empty());
    // Not crypto, or euros themselves: not Bitvavo's to price.
    let mut stock = Instrument::new("AAPL", "Apple", AssetClass::Stock);
    stock.symbol = Some("AAPL".into());
    assert_eq!(prices.history(&stock, from, to).await.unwrap(), None);
    assert_eq!(
        prices.history(&crypto("EUR"), from, to).await.unwrap(),
        None
    );
    // A pair as another broker writes it is the same asset.
    let s = prices
        .history(&crypto("BTC/USD"), from, to)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((s.symbol.as_str(), s.closes.len()), ("BTC-EUR", 31));
}

#[tokio::test]
async fn a_candle_that_cannot_be_read_is_a_problem_and_the_others_are_kept() {
    let server = MockServer::start().await;
    mount_get(
        &server,
        "/v2/BTC-EUR/candles",
        fixture!("tests/fixtures/candles_one_broken.json"),
    )
    .await;
    let r = support::registry(
        RECORD,
        &json!({"api_key": "k", "api_secret": "s", "base_url": format!("{}/v2", server.uri())}),
    );
    let s = r
        .prices("bitvavo")
        .unwrap()
        .history(&crypto("BTC"), day("2024-01-01"), day("2024-01-03"))
        .await
        .unwrap()
        .unwrap();
    let closes: Vec<(String, String)> = s
        .closes
        .iter()
        .map(|c| (c.date.to_string(), c.close.to_string()))
        .collect();
    assert_eq!(
        closes,
        vec![
            ("2024-01-01".to_owned(), "40210".to_owned()),
            ("2024-01-03".to_owned(), "41712.40".to_owned()),
        ],
        "oldest first, the text's own digits"
    );
    assert_eq!(s.closes[1].close, d("41712.40"));
    assert_eq!(s.problems.len(), 1);
    let p = &s.problems[0];
    assert_eq!(
        (p.item.as_deref(), p.field.as_deref()),
        (Some("BTC-EUR"), Some("[1]"))
    );
    assert!(p.message.contains("not-a-price"), "{}", p.message);
    assert_eq!(
        requests_to(&server, "/v2/BTC-EUR/candles").await.len(),
        1,
        "a short page is the last"
    );
}
