//! `MockEcb`: the European Central Bank's reference-rates files, as the
//! real host serves them (the daily file, the last 90 days, the whole
//! history), with fault switches.
//!
//! The history is generated: every weekday from 2015-01-01 to the daily
//! file's day, each currency swinging a few percent around the daily
//! file's rate (reached exactly on its day), rounded to the same decimals.

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::Faults;

/// The daily file the mock serves (rates of 2026-11-20, 30 currencies).
pub const DAILY_XML: &str = include_str!("eurofxref-daily.xml");

/// The first day of the generated history.
pub const HISTORY_START: &str = "2015-01-01";

/// A running mock of the ECB's rates host.
pub struct MockEcb {
    server: MockServer,
    faults: Faults,
}

struct Responder {
    faults: Faults,
    body: fn() -> &'static str,
}

impl Respond for Responder {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let body = self.body;
        self.faults
            .answer(|| (200, body().to_owned()))
            .insert_header("content-type", "text/xml")
    }
}

/// The daily file's day.
pub const DAILY_DAY: &str = "2026-11-20";

/// The daily file's rates, units per euro (a test checks the file says so).
pub const DAILY_RATES: [(&str, &str); 30] = [
    ("USD", "1.0542"),
    ("JPY", "162.41"),
    ("BGN", "1.9558"),
    ("CZK", "25.128"),
    ("DKK", "7.4589"),
    ("GBP", "0.8431"),
    ("HUF", "409.35"),
    ("PLN", "4.2618"),
    ("RON", "4.9767"),
    ("SEK", "11.5135"),
    ("CHF", "0.9352"),
    ("ISK", "146.10"),
    ("NOK", "11.7245"),
    ("TRY", "36.287"),
    ("AUD", "1.6187"),
    ("BRL", "6.0951"),
    ("CAD", "1.4722"),
    ("CNY", "7.6311"),
    ("HKD", "8.2047"),
    ("IDR", "16774.64"),
    ("ILS", "3.9243"),
    ("INR", "89.0215"),
    ("KRW", "1471.05"),
    ("MXN", "21.3988"),
    ("MYR", "4.7102"),
    ("NZD", "1.7953"),
    ("PHP", "61.854"),
    ("SGD", "1.4157"),
    ("THB", "36.391"),
    ("ZAR", "19.0856"),
];

/// The daily file's day and rates.
fn daily() -> (NaiveDate, Vec<(String, Decimal)>) {
    let day = DAILY_DAY.parse().unwrap_or_default();
    let rates = DAILY_RATES
        .iter()
        .filter_map(|(c, r)| Some(((*c).to_owned(), r.parse().ok()?)))
        .collect();
    (day, rates)
}

/// The rate of `base` `k` days before the daily file's day.
fn swung(base: Decimal, k: i64, phase: usize) -> Decimal {
    let x = k as f64 / 45.0 + phase as f64;
    let permille = (30.0 * x.sin() - 30.0 * (phase as f64).sin()).round() as i64;
    let mut r = base * Decimal::new(1000 + permille, 3);
    r = r.round_dp(base.scale());
    r.rescale(base.scale());
    r
}

/// The whole generated history as the ECB writes it, newest day first,
/// from the daily file's day back to `from`.
fn history_xml(from: NaiveDate) -> String {
    let (last, rates) = daily();
    let mut out = String::with_capacity(4 << 20);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gesmes:Envelope xmlns:gesmes=\"http://www.gesmes.org/xml/2002-08-01\" xmlns=\"http://www.ecb.int/vocabulary/2002-08-01/eurofxref\">\n\t<gesmes:subject>Reference rates</gesmes:subject>\n\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n\t</gesmes:Sender>\n\t<Cube>\n");
    let mut day = last;
    while day >= from {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            let k = (last - day).num_days();
            out.push_str(&format!("\t\t<Cube time=\"{day}\">\n"));
            for (i, (code, base)) in rates.iter().enumerate() {
                out.push_str(&format!(
                    "\t\t\t<Cube currency=\"{code}\" rate=\"{}\"/>\n",
                    swung(*base, k, i)
                ));
            }
            out.push_str("\t\t</Cube>\n");
        }
        day -= TimeDelta::days(1);
    }
    out.push_str("\t</Cube>\n</gesmes:Envelope>\n");
    out
}

/// The whole history since [`HISTORY_START`], generated once.
pub fn history() -> &'static str {
    static XML: OnceLock<String> = OnceLock::new();
    XML.get_or_init(|| history_xml(HISTORY_START.parse().unwrap_or_default()))
}

/// The last 90 days, generated once.
pub fn last_90_days() -> &'static str {
    static XML: OnceLock<String> = OnceLock::new();
    XML.get_or_init(|| history_xml(daily().0 - TimeDelta::days(90)))
}

/// The rate of `code` per euro on `day` in the generated history (the
/// nearest earlier weekday's on a weekend), for tests that check figures.
pub fn rate_on(code: &str, day: NaiveDate) -> Option<Decimal> {
    let (last, rates) = daily();
    let mut day = day.min(last);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day -= TimeDelta::days(1);
    }
    let (i, (_, base)) = rates.iter().enumerate().find(|(_, (c, _))| c == code)?;
    Some(swung(*base, (last - day).num_days(), i))
}

impl MockEcb {
    /// Starts the mock.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let faults = Faults::new();
        for (file, body) in [
            (
                "eurofxref-daily.xml",
                (|| DAILY_XML) as fn() -> &'static str,
            ),
            ("eurofxref-hist-90d.xml", last_90_days),
            ("eurofxref-hist.xml", history),
        ] {
            Mock::given(method("GET"))
                .and(path(format!("/stats/eurofxref/{file}")))
                .respond_with(Responder {
                    faults: faults.clone(),
                    body,
                })
                .mount(&server)
                .await;
        }
        MockEcb { server, faults }
    }

    /// A plugin configuration that works against this mock.
    pub fn config(&self) -> Value {
        json!({"base_url": self.server.uri()})
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Every request the mock received, oldest first.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daily_file_holds_the_listed_rates_and_the_history_ends_on_them() {
        assert!(DAILY_XML.contains(&format!("time='{DAILY_DAY}'")));
        for (code, rate) in DAILY_RATES {
            assert!(
                DAILY_XML.contains(&format!("currency='{code}' rate='{rate}'")),
                "{code}"
            );
            let on_the_day = rate_on(code, DAILY_DAY.parse().unwrap()).unwrap();
            assert_eq!(
                on_the_day.to_string(),
                rate,
                "the history ends on the daily file"
            );
        }
        let xml = last_90_days();
        assert!(xml.starts_with("<?xml") && xml.contains("<Cube time=\"2026-11-20\">"));
        assert!(!xml.contains("2026-11-21"), "no weekend days");
        let usd = rate_on("USD", "2021-03-15".parse().unwrap()).unwrap();
        assert!(
            usd > "0.98".parse().unwrap() && usd < "1.12".parse().unwrap(),
            "{usd}"
        );
        assert_eq!(usd.scale(), 4);
        assert_eq!(
            rate_on("USD", "2021-03-13".parse().unwrap()),
            rate_on("USD", "2021-03-12".parse().unwrap()),
            "a Saturday has Friday's rate"
        );
    }
}
