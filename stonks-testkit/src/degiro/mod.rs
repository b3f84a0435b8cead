//! `MockDegiro`: a stateful wiremock server that behaves like DEGIRO's web
//! trader API. It checks credentials, runs the TOTP and in-app second-factor
//! flows (TOTP codes are checked against [`TOTP_SECRET`] and the current
//! time window), issues and expires sessions, answers the config call with
//! service URLs that point at itself, and serves the account described in
//! `account.rs` at the paths DEGIRO's web trader (and degiro-connector) use.
//! Reporting windows of any length are answered, as DEGIRO does.

pub(crate) mod account;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::Faults;

/// The login name the mock accepts.
pub const USERNAME: &str = "jane.doe";
/// The password the mock accepts.
pub const PASSWORD: &str = "correct-horse-battery-staple";
/// The base32 TOTP secret the mock checks codes against.
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/// The account number.
pub const INT_ACCOUNT: i64 = 1_234_567;

/// How the mock asks for a second factor, or refuses to log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMode {
    /// Username and password are enough.
    Plain,
    /// A TOTP code is needed (status 6).
    Totp,
    /// Approval in the app is needed (status 12); approved after `polls` polls.
    InApp {
        /// Polls answered "waiting" before the approval.
        polls: u32,
    },
    /// The user refuses the in-app approval (status 4).
    InAppRefused,
    /// The account is blocked.
    Blocked,
    /// DEGIRO wants a captcha (`captchaRequired: true`).
    Captcha,
    /// The login is down for maintenance (HTTP 405, as degiro-connector
    /// expects it).
    Maintenance,
}

/// A running mock of DEGIRO.
pub struct MockDegiro {
    server: MockServer,
    state: Arc<Shared>,
}

struct Shared {
    uri: String,
    /// Where the config answer says the services live (default: here).
    advertised: Mutex<Option<String>>,
    faults: Faults,
    mode: Mutex<LoginMode>,
    sessions: Mutex<HashSet<String>>,
    logins: Mutex<u32>,
    in_app_polls: Mutex<u32>,
    history: account::Booked,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MockDegiro {
    /// Starts a mock with the standard account; plain login.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Shared {
            uri: server.uri(),
            advertised: Mutex::new(None),
            faults: Faults::new(),
            mode: Mutex::new(LoginMode::Plain),
            sessions: Mutex::new(HashSet::new()),
            logins: Mutex::new(0),
            in_app_polls: Mutex::new(0),
            history: account::history(),
        });
        Mock::given(any())
            .respond_with(Responder {
                state: state.clone(),
            })
            .mount(&server)
            .await;
        MockDegiro { server, state }
    }

    /// The value for the plugin's `base_url`.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// A plugin configuration that works against this mock (in any login mode).
    pub fn config(&self) -> Value {
        json!({"username": USERNAME, "password": PASSWORD, "totp_secret": TOTP_SECRET,
               "history_since": "2023-01-01", "in_app_timeout_secs": 10, "base_url": self.base_url()})
    }

    /// A configuration with a wrong password.
    pub fn bad_config(&self) -> Value {
        json!({"username": USERNAME, "password": "wrong-password-123", "history_since": "2023-01-01",
               "base_url": self.base_url()})
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Sets how the next logins go.
    pub fn set_login_mode(&self, mode: LoginMode) {
        *lock(&self.state.mode) = mode;
        *lock(&self.state.in_app_polls) = 0;
    }

    /// Makes the config answer name `origin` (say another server) as the
    /// home of every service, as a hostile or hijacked answer would.
    pub fn advertise_urls_at(&self, origin: &str) {
        *lock(&self.state.advertised) = Some(origin.trim_end_matches('/').to_owned());
    }

    /// Ends every session: the next call with one gets 401.
    pub fn expire_sessions(&self) {
        lock(&self.state.sessions).clear();
    }

    /// How many logins succeeded so far.
    pub fn logins(&self) -> u32 {
        *lock(&self.state.logins)
    }

    /// Number of trades and of cash movements the mock holds.
    pub fn history_size(&self) -> (usize, usize) {
        (
            self.state.history.trades.len(),
            self.state.history.movements.len(),
        )
    }

    /// The requests received so far.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }
}

struct Responder {
    state: Arc<Shared>,
}

type Answer = (u16, Value);

fn query(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn date_param(req: &Request, name: &str) -> Result<NaiveDate, Answer> {
    query(req, name)
        .and_then(|v| NaiveDate::parse_from_str(&v, "%d/%m/%Y").ok())
        .ok_or_else(|| {
            (
                400,
                json!({"errors": [{"text": format!("{name} is required as DD/MM/YYYY")}]}),
            )
        })
}

fn in_window(date: &str, from: NaiveDate, to: NaiveDate) -> bool {
    DateTime::parse_from_rfc3339(date)
        .map(|d| d.date_naive())
        .is_ok_and(|d| d >= from && d <= to)
}

impl Responder {
    fn session_ok(&self, id: Option<&str>) -> bool {
        id.is_some_and(|id| lock(&self.state.sessions).contains(id))
    }

    fn new_session(&self) -> Answer {
        let mut n = lock(&self.state.logins);
        *n += 1;
        let id = format!("{:032X}", 0xDE61_0000_0000_u64 + u64::from(*n) * 7919);
        lock(&self.state.sessions).insert(id.clone());
        (
            200,
            json!({"isPassCodeEnabled": false, "locale": "nl_NL", "redirectUrl": "https://trader.degiro.nl/trader/",
                     "sessionId": id, "status": 0, "statusText": "success"}),
        )
    }

    fn login(&self, req: &Request, path: &str) -> Answer {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let mode = *lock(&self.state.mode);
        if mode == LoginMode::Maintenance {
            return (
                405,
                json!({"status": 405, "statusText": "Method Not Allowed"}),
            );
        }
        if body["username"] != USERNAME || body["password"] != PASSWORD {
            return (400, json!({"status": 3, "statusText": "badCredentials"}));
        }
        match (mode, path) {
            (LoginMode::Blocked, _) => (400, json!({"status": 4, "statusText": "accountBlocked"})),
            (LoginMode::Captcha, _) => (
                400,
                json!({"loginFailures": 5, "status": 3, "statusText": "badCredentials", "captchaRequired": true}),
            ),
            (LoginMode::Plain, "/login/secure/login") => self.new_session(),
            (LoginMode::Totp, "/login/secure/login") => {
                (202, json!({"status": 6, "statusText": "totpNeeded"}))
            }
            (LoginMode::Totp, "/login/secure/login/totp") => {
                let given = body["oneTimePassword"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let secret = stonks_core::totp::decode_base32(TOTP_SECRET).unwrap_or_default();
                let now = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
                // The current window and the one before, as authenticators drift.
                let valid = [now, now.saturating_sub(30)]
                    .iter()
                    .any(|t| stonks_core::totp::code_at(&secret, *t) == given);
                if valid {
                    self.new_session()
                } else {
                    (400, json!({"status": 6, "statusText": "totpNeeded"}))
                }
            }
            (LoginMode::InApp { .. } | LoginMode::InAppRefused, "/login/secure/login") => (
                202,
                json!({"status": 12, "statusText": "inAppTOTPNeeded", "inAppToken": "3f6c2a1e-9b8d-4c7a-a5e4-0d1c2b3a4f5e"}),
            ),
            (LoginMode::InApp { polls }, "/login/secure/login/in-app") => {
                if body["inAppToken"] != "3f6c2a1e-9b8d-4c7a-a5e4-0d1c2b3a4f5e" {
                    return (400, json!({"status": 3, "statusText": "badCredentials"}));
                }
                let mut done = lock(&self.state.in_app_polls);
                *done += 1;
                if *done > polls {
                    drop(done);
                    self.new_session()
                } else {
                    (202, json!({"status": 3, "statusText": "inAppTOTPNeeded"}))
                }
            }
            (LoginMode::InAppRefused, "/login/secure/login/in-app") => {
                (400, json!({"status": 4, "statusText": "blocked"}))
            }
            _ => (400, json!({"status": 3, "statusText": "badCredentials"})),
        }
    }

    fn route(&self, req: &Request) -> Answer {
        let path = req.url.path().to_owned();
        let method = req.method.as_str();
        if method == "POST" && path.starts_with("/login/secure/login") {
            return self.login(req, &path);
        }
        let unauthorized = (401, json!({"errors": [{"text": "Session expired"}]}));
        if path == "/login/secure/config" {
            let cookie = req
                .headers
                .get("cookie")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let id = cookie
                .split(';')
                .find_map(|c| c.trim().strip_prefix("JSESSIONID="));
            if !self.session_ok(id) {
                return unauthorized;
            }
            let u = lock(&self.state.advertised)
                .clone()
                .unwrap_or_else(|| self.state.uri.clone());
            return (
                200,
                json!({"data": {
                    "clientId": 9_876_543, "sessionId": id,
                    "paUrl": format!("{u}/pa/secure/"),
                    "tradingUrl": format!("{u}/trading/secure/"),
                    "productSearchUrl": format!("{u}/product_search/secure/"),
                    "reportingUrl": format!("{u}/portfolio-reports/secure/"),
                    "dictionaryUrl": format!("{u}/product_search/config/dictionary/"),
                    "i18nUrl": format!("{u}/i18n/"),
                    "landingPath": "/trader/"
                }}),
            );
        }
        // Calls that carry the session in the path (`;jsessionid=`).
        for (prefix, answer) in [
            (
                "/trading/secure/v5/update/",
                account::update_json as fn(&account::Booked) -> Value,
            ),
            ("/trading/secure/v5/account/info/", |_: &account::Booked| {
                account::account_info_json()
            }),
        ] {
            if let Some(rest) = path.strip_prefix(prefix) {
                let Some((account, session)) = rest.split_once(";jsessionid=") else {
                    return unauthorized;
                };
                if !self.session_ok(Some(session)) {
                    return unauthorized;
                }
                if account != INT_ACCOUNT.to_string() {
                    return (404, json!({"errors": [{"text": "Unknown account"}]}));
                }
                return (200, answer(&self.state.history));
            }
        }
        if !self.session_ok(query(req, "sessionId").as_deref()) {
            return unauthorized;
        }
        match (method, path.as_str()) {
            ("GET", "/pa/secure/client") => (
                200,
                json!({"data": {
                    "id": 9_876_543, "intAccount": INT_ACCOUNT, "loggedInPersonId": 1_111_111, "clientRole": "basic",
                    "effectiveClientRole": "basic", "contractType": "PRIVATE", "username": USERNAME,
                    "displayName": "Jane Doe", "email": "jane@example.com", "culture": "NL",
                    "bankAccount": {"iban": "NL91ABNA0417164300", "bic": "ABNANL2A", "name": "J Doe"}
                }}),
            ),
            ("POST", "/product_search/secure/v5/products/info") => {
                // Ids come as strings (the web trader) or integers
                // (degiro-connector 3.x).
                let ids: Vec<String> = serde_json::from_slice::<Vec<Value>>(&req.body)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|v| match v {
                        Value::String(s) => Some(s),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect();
                if ids.is_empty() || ids.len() > 1000 {
                    return (
                        400,
                        json!({"errors": [{"text": "a list of 1 to 1000 product ids is required"}]}),
                    );
                }
                let data: serde_json::Map<String, Value> = account::PRODUCTS
                    .iter()
                    .filter(|p| ids.iter().any(|i| i == p.id))
                    .map(|p| (p.id.to_owned(), account::product_json(p)))
                    .collect();
                (200, json!({"data": data}))
            }
            ("GET", "/portfolio-reports/secure/v4/transactions")
            | ("GET", "/portfolio-reports/secure/v6/accountoverview") => {
                let (from, to) = match (date_param(req, "fromDate"), date_param(req, "toDate")) {
                    (Ok(f), Ok(t)) => (f, t),
                    (Err(e), _) | (_, Err(e)) => return e,
                };
                if to < from {
                    return (
                        400,
                        json!({"errors": [{"text": "toDate is before fromDate"}]}),
                    );
                }
                let h = &self.state.history;
                if path.ends_with("transactions") {
                    let rows: Vec<&Value> = h
                        .trades
                        .iter()
                        .filter(|t| in_window(t["date"].as_str().unwrap_or_default(), from, to))
                        .collect();
                    (200, json!({"data": rows}))
                } else {
                    let rows: Vec<&Value> = h
                        .movements
                        .iter()
                        .filter(|m| in_window(m["date"].as_str().unwrap_or_default(), from, to))
                        .collect();
                    (200, json!({"data": {"cashMovements": rows}}))
                }
            }
            _ => (404, json!({"errors": [{"text": "Not found"}]})),
        }
    }
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.state.faults.answer(|| {
            let (status, body) = self.route(req);
            (status, body.to_string())
        })
    }
}
