//! `prices@1` over Alpaca's Market Data API v2 against `MockAlpaca`: pages
//! followed by `next_page_token`, raw closes around NVDA's split, the
//! crypto endpoint, the key headers on every data request, exact decimals,
//! unknown symbols.

use chrono::{NaiveDate, Utc};
use stonks_broker_alpaca::RECORD;
use stonks_core::{AssetClass, Currency, Decimal, Instrument, Registry};
use stonks_testkit::MockAlpaca;
use stonks_testkit::alpaca::{BARS_PAGE, KEY_ID, SECRET_KEY};
use stonks_testkit::support::{self, d};

/// An instrument as Alpaca's positions name it: the ticker on Nasdaq (a
/// US listing, so Alpaca's bars are its prices).
fn instrument(symbol: &str, class: AssetClass) -> Instrument {
    let mut i = Instrument::new(symbol, symbol, class);
    i.symbol = Some(symbol.to_owned());
    i.ids.mic = Some("XNAS".to_owned());
    i
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn setup() -> (MockAlpaca, Registry) {
    let mock = MockAlpaca::start().await;
    let r = support::registry(RECORD, &mock.config());
    (mock, r)
}

async fn sent(mock: &MockAlpaca, path: &str) -> Vec<wiremock::Request> {
    mock.received_requests()
        .await
        .into_iter()
        .filter(|r| r.url.path() == path)
        .collect()
}

fn param(r: &wiremock::Request, name: &str) -> Option<String> {
    r.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn four_years_of_aapl_take_three_pages_and_follow_the_tokens() {
    let (mock, r) = setup().await;
    let prices = r.prices("alpaca").unwrap();
    let (from, to) = (day("2021-01-01"), day("2024-12-31"));
    let s = prices
        .history(&instrument("AAPL", AssetClass::Stock), from, to)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((s.symbol.as_str(), s.currency), ("AAPL", Currency::USD));
    // Every weekday of the four years (the mock knows no holidays).
    assert_eq!(s.closes.len(), 1043);
    assert_eq!(
        (s.closes[0].date, s.closes[1042].date),
        (day("2021-01-01"), day("2024-12-31"))
    );
    assert!(s.closes.windows(2).all(|w| w[0].date < w[1].date));
    for c in &s.closes {
        assert_eq!(
            Some(c.close),
            mock.daily_close("AAPL", c.date),
            "{}",
            c.date
        );
    }
    let pages = sent(&mock, "/v2/stocks/AAPL/bars").await;
    assert_eq!(
        pages.len(),
        1043usize.div_ceil(BARS_PAGE),
        "pages of {BARS_PAGE}"
    );
    let tokens: Vec<Option<String>> = pages.iter().map(|p| param(p, "page_token")).collect();
    // The tokens the mock gave: base64 of `AAPL|D|<t>` of the last bar of
    // the page before (the 400th, 2022-07-14 at midnight EDT; the 800th,
    // 2024-01-25 at midnight EST).
    assert_eq!(
        (s.closes[399].date, s.closes[799].date),
        (day("2022-07-14"), day("2024-01-25"))
    );
    assert_eq!(tokens[0], None);
    assert_eq!(
        tokens[1].as_deref(),
        Some("QUFQTHxEfDIwMjItMDctMTRUMDQ6MDA6MDAuMDAwMDAwMDAwWg==")
    );
    assert_eq!(
        tokens[2].as_deref(),
        Some("QUFQTHxEfDIwMjQtMDEtMjVUMDU6MDA6MDAuMDAwMDAwMDAwWg==")
    );
    for p in &pages {
        assert_eq!(param(p, "timeframe").as_deref(), Some("1Day"));
        assert_eq!(param(p, "adjustment").as_deref(), Some("raw"));
        assert_eq!(param(p, "feed").as_deref(), Some("iex"));
        assert_eq!(param(p, "limit").as_deref(), Some("10000"));
        assert_eq!(param(p, "start").as_deref(), Some("2021-01-01T00:00:00Z"));
        assert_eq!(param(p, "end").as_deref(), Some("2024-12-31T23:59:59Z"));
        let header = |n: &str| {
            p.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(header("apca-api-key-id").as_deref(), Some(KEY_ID));
        assert_eq!(header("apca-api-secret-key").as_deref(), Some(SECRET_KEY));
    }
}

#[tokio::test]
async fn raw_closes_before_nvdas_split_are_four_times_and_closes_are_exact() {
    let (_mock, r) = setup().await;
    let prices = r.prices("alpaca").unwrap();
    let s = prices
        .history(
            &instrument("NVDA", AssetClass::Stock),
            day("2021-07-15"),
            day("2021-07-23"),
        )
        .await
        .unwrap()
        .unwrap();
    let on = |d: &str| s.closes.iter().find(|c| c.date == day(d)).unwrap().close;
    // 2021-07-19 (Monday) is the last day before the split; the ratio of
    // raw closes across it is about 4, not about 1.
    let ratio = on("2021-07-19") / on("2021-07-20");
    assert!(ratio > d("3.9") && ratio < d("4.1"), "{ratio}");
    assert!(
        s.closes
            .iter()
            .all(|c| c.date.format("%a").to_string() != "Sat")
    );
    assert!(s.splits.is_empty(), "bars report no splits");
    // The last bar is the position's price, digit for digit.
    let today = Utc::now().date_naive();
    let aapl = prices
        .history(
            &instrument("AAPL", AssetClass::Stock),
            today - chrono::Days::new(10),
            today,
        )
        .await
        .unwrap()
        .unwrap();
    let last = aapl.closes.last().unwrap().close;
    assert_eq!(last.to_string(), "177.57");
    assert_eq!(last, Decimal::new(17757, 2));
}

#[tokio::test]
async fn crypto_is_read_on_the_crypto_endpoint_every_day() {
    let (mock, r) = setup().await;
    let prices = r.prices("alpaca").unwrap();
    let today = Utc::now().date_naive();
    // Alpaca's position symbol `BTCUSD` is the pair BTC/USD.
    let s = prices
        .history(
            &instrument("BTCUSD", AssetClass::Crypto),
            day("2024-01-01"),
            today,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.symbol, "BTC/USD");
    assert_eq!(
        s.closes.len() as i64,
        (today - day("2024-01-01")).num_days() + 1,
        "every day"
    );
    assert_eq!(s.closes.last().unwrap().close.to_string(), "46306.45");
    assert_eq!(
        s.closes[0].close,
        mock.daily_close("BTC/USD", day("2024-01-01")).unwrap()
    );
    let pages = sent(&mock, "/v1beta3/crypto/us/bars").await;
    assert!(pages.len() >= 2, "{} pages", pages.len());
    assert!(
        pages
            .iter()
            .all(|p| param(p, "symbols").as_deref() == Some("BTC/USD"))
    );
    assert!(sent(&mock, "/v2/stocks/BTCUSD/bars").await.is_empty());
}

#[tokio::test]
async fn an_unknown_symbol_is_none_and_a_known_one_without_bars_is_empty() {
    let (mock, r) = setup().await;
    let prices = r.prices("alpaca").unwrap();
    let (from, to) = (day("2024-01-01"), day("2024-01-31"));
    assert_eq!(
        prices
            .history(&instrument("ZZZZ", AssetClass::Stock), from, to)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        prices
            .history(&instrument("DOGE", AssetClass::Crypto), from, to)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        sent(&mock, "/v2/assets/ZZZZ").await.len(),
        1,
        "asked once, 404"
    );
    // Before the mock's first bar: Alpaca knows MSFT, it has no bars then.
    let before = prices
        .history(
            &instrument("MSFT", AssetClass::Stock),
            day("2019-01-01"),
            day("2019-01-31"),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(before.closes.is_empty());
    // A fund or an instrument without a ticker is not Alpaca's to price.
    let mut fund = Instrument::new("X", "A fund", AssetClass::Fund);
    fund.symbol = Some("VTSAX".into());
    assert_eq!(prices.history(&fund, from, to).await.unwrap(), None);
}

#[tokio::test]
async fn wrong_keys_are_an_auth_error_not_an_unknown_symbol() {
    let mock = MockAlpaca::start().await;
    let r = support::registry(RECORD, &mock.bad_config());
    let err = r
        .prices("alpaca")
        .unwrap()
        .history(
            &instrument("AAPL", AssetClass::Stock),
            day("2024-01-01"),
            day("2024-01-31"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &stonks_core::ErrorKind::Auth, "{err}");
}
