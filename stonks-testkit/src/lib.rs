//! # stonks-testkit
//!
//! Mock broker servers that behave like the real APIs, and the conformance
//! suite every broker plugin runs against itself.
//!
//! * [`MockBitvavo`]: Bitvavo's REST API v2 with signature checks, paging,
//!   rate-limit headers and a realistic account.
//! * [`MockDegiro`]: DEGIRO's web trader API with sessions, TOTP and in-app
//!   second factors, session expiry and a three-year account.
//! * [`MockAlpaca`]: Alpaca's Trading API v2 with key checks, activity
//!   filters and paging, rate-limit headers and a paper account with a year
//!   of history.
//! * [`MockIbkr`]: Interactive Brokers' Flex Web Service (both steps,
//!   statements still being generated, token errors, throttling) serving
//!   statements of two accounts over nearly three years, and the Client
//!   Portal Web API's portfolio endpoints.
//! * [`MockOpenFigi`]: OpenFIGI's mapping API v3 with its per-request job
//!   limits, a rolling rate window (25 requests a minute keyless), API key
//!   checks and real FIGIs of the instruments the other mocks hold.
//! * [`MockYahoo`]: Yahoo Finance's chart and symbol-search endpoints with
//!   the real answer shapes (nulls, integer and single-precision prices,
//!   split events, "Not Found" errors) and daily closes since 2015 of every
//!   stock and ETF the broker mocks hold, ending at their prices.
//! * [`Faults`]: latency, 429 and 5xx bursts, malformed and truncated bodies,
//!   a broken row (by the mock author's rule, [`faults::BreakRow`]), for any
//!   mock; [`faults::HttpFaults`] switches the faults of a mock in another
//!   process through the control endpoint [`faults`] describes.
//! * [`synthetic::ledger`]: ledgers of any length for benches and load
//!   tests; [`synthetic::flex_statement`]: IBKR Flex statements of any size.
//! * [`conformance::run`]: the behaviour suite, chosen by the manifest's
//!   declared capabilities.
//! * [`support`]: what tests keep needing: [`support::d`] for exact
//!   decimals, [`fixture!`] for files by a crate-relative path, wiremock
//!   answers in one line, a registry holding one plugin.
//!
//! App developers use the mocks to test their own code without an account:
//!
//! ```no_run
//! # async fn demo() {
//! let mock = stonks_testkit::MockBitvavo::start().await;
//! let config = mock.config(); // api_key, api_secret, base_url pointing at the mock
//! mock.faults().rate_limit_burst(3, 1); // the next 3 calls get 429
//! # let _ = config;
//! # }
//! ```

pub mod alpaca;
pub mod bitvavo;
pub mod conformance;
pub mod degiro;
pub mod ecb;
pub mod example_broker;
pub mod faults;
pub mod ibkr;
pub mod openfigi;
pub mod price_file;
pub mod support;
pub mod synthetic;
pub mod yahoo;

pub use alpaca::MockAlpaca;
pub use bitvavo::MockBitvavo;
pub use degiro::MockDegiro;
pub use ecb::MockEcb;
pub use example_broker::MockExampleBroker;
pub use faults::{Fault, Faults};
pub use ibkr::MockIbkr;
pub use openfigi::MockOpenFigi;
/// The mock servers' HTTP library, for reading what a mock received.
pub use wiremock;
pub use yahoo::MockYahoo;
