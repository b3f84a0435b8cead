//! DEGIRO's session login (plain, TOTP, in-app approval), the session that
//! every later call carries, one function per endpoint, and the classifier
//! core's retry loop runs on every answer.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use serde_json::json;
use stonks_core::http::{HttpClient, Request, Response, classify_status};
use stonks_core::lifecycle::{NoticeKind, Notifier};
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::{Currency, Error, ErrorKind, PluginContext, Result};
use tokio::sync::Mutex;

use crate::config::Config;
use crate::wire;

/// DEGIRO's web trader host.
pub const DEFAULT_BASE_URL: &str = "https://trader.degiro.nl";

/// A browser's User-Agent: without one DEGIRO's firewall may answer with
/// an HTML page instead of JSON (degiro-connector sends the same kind).
const USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 stonks";

/// A logged-in session: its id, the service URLs and the account.
#[derive(Debug)]
pub struct Session {
    id: SecretString,
    /// Bumped at every login, so concurrent callers that hit the same
    /// expired session share one re-login.
    generation: u64,
    pub urls: wire::ServiceUrls,
    pub int_account: i64,
}

impl Session {
    fn id(&self) -> &str {
        self.id.expose_secret()
    }
}

/// A DEGIRO client for one account.
pub struct Client {
    http: HttpClient,
    config: Config,
    base_currency: Currency,
    notifier: Notifier,
    session: Mutex<Option<Arc<Session>>>,
    /// How often to ask whether an in-app login was approved.
    in_app_poll: Duration,
}

/// DEGIRO's login statuses.
mod status {
    pub const SUCCESS: i64 = 0;
    pub const BAD_CREDENTIALS_OR_WAITING: i64 = 3;
    pub const BLOCKED: i64 = 4;
    pub const TOTP_NEEDED: i64 = 6;
    pub const IN_APP_NEEDED: i64 = 12;
}

/// The classifier of every call after login: the usual status meanings.
/// A 401 is an expired session (`Auth`, status 401), which the client
/// answers by logging in once more.
pub fn classify(resp: &Response) -> Option<Error> {
    classify_status(resp)
}

/// The classifier of the login endpoints. DEGIRO answers a refused login
/// with a JSON body whose `status` says why (on 400, 401 or 202), which the
/// login reads; maintenance answers 503 or 405.
fn classify_login(resp: &Response) -> Option<Error> {
    match resp.status() {
        405 | 503 => Some(
            Error::auth(format!(
                "DEGIRO's login is unavailable (maintenance, HTTP {})",
                resp.status()
            ))
            .with_operation(resp.endpoint().to_owned())
            .with_status(resp.status()),
        ),
        s if s < 300 => None,
        400..=499 if has_login_status(resp) => None,
        _ => classify_status(resp),
    }
}

fn has_login_status(resp: &Response) -> bool {
    serde_json::from_slice::<wire::LoginAnswer>(resp.body()).is_ok_and(|a| a.status.is_some())
}

impl Client {
    /// A client from the plugin's checked configuration. Nothing is sent
    /// until the first call, which logs in; a TOTP secret that cannot be a
    /// secret is refused here, before the password is ever sent.
    pub fn new(ctx: &PluginContext) -> Result<Self> {
        let config: Config = ctx.config()?;
        let base_currency = Currency::new(&config.base_currency)
            .map_err(|e| Error::config(format!("base_currency: {}", e.message())))?;
        if let Some(secret) = &config.totp_secret {
            stonks_core::totp::decode_base32(secret.expose_secret()).map_err(|e| {
                Error::config(format!(
                    "totp_secret is not a base32 secret: {}",
                    e.message()
                ))
            })?;
        }
        let http = ctx
            .http_client_builder(DEFAULT_BASE_URL)?
            .user_agent(USER_AGENT)
            .classifier(classify)
            .build()?;
        Ok(Client {
            http,
            config,
            base_currency,
            notifier: ctx.notifier(),
            session: Mutex::new(None),
            in_app_poll: Duration::from_millis(1000),
        })
    }

    /// The account's base currency.
    pub fn base_currency(&self) -> Currency {
        self.base_currency
    }

    /// Where the ledger starts when a query gives none.
    pub fn history_since(&self) -> NaiveDate {
        self.config.history_since
    }

    /// The current session, logging in when there is none.
    pub async fn session(&self) -> Result<Arc<Session>> {
        let mut slot = self.session.lock().await;
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let fresh = Arc::new(self.login(1).await?);
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    /// A new session after `stale` was refused. Callers that saw the same
    /// stale session wait for one login and share its result.
    async fn relogin(&self, stale: &Session) -> Result<Arc<Session>> {
        let mut slot = self.session.lock().await;
        if let Some(s) = slot.as_ref()
            && s.generation != stale.generation
        {
            return Ok(s.clone());
        }
        *slot = None;
        let fresh = Arc::new(self.login(stale.generation + 1).await?);
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    fn login_body(&self) -> serde_json::Value {
        json!({
            "username": self.config.username,
            "password": self.config.password.expose_secret(),
            "isPassCodeReset": false,
            "isRedirectToMobile": false,
            "queryParams": {}
        })
    }

    /// One login POST. It carries the password (and maybe a one-time code):
    /// it is sent once and never repeated on our own.
    async fn post_login(&self, path: &str, body: &serde_json::Value) -> Result<wire::LoginAnswer> {
        let req = Request::post(path)
            .json_body(body)?
            .once()
            .classifier(Arc::new(classify_login));
        let resp = self.http.send(req).await?;
        resp.json()
    }

    /// Logs in, going through whichever second factor DEGIRO asks for.
    async fn login(&self, generation: u64) -> Result<Session> {
        let mut body = self.login_body();
        let mut answer = self.post_login("/login/secure/login", &body).await?;
        match answer.status {
            Some(status::TOTP_NEEDED) => {
                let code = match (&self.config.one_time_password, &self.config.totp_secret) {
                    (Some(code), _) => code.expose_secret().to_owned(),
                    (None, Some(secret)) => stonks_core::totp::code_now(secret.expose_secret())?,
                    (None, None) => {
                        return Err(Error::auth(
                            "DEGIRO asks for a one-time password: set totp_secret (or one_time_password)",
                        ));
                    }
                };
                self.http.add_secret(&code);
                body["oneTimePassword"] = json!(code);
                answer = self.post_login("/login/secure/login/totp", &body).await?;
                if answer.status != Some(status::SUCCESS) && answer.session_id.is_none() {
                    return Err(totp_refused(&answer));
                }
            }
            Some(status::IN_APP_NEEDED) => {
                let token = answer.in_app_token.clone().ok_or_else(|| {
                    Error::auth("DEGIRO asked for in-app approval without a token")
                })?;
                self.http.add_secret(&token);
                answer = self.await_in_app(&body, &token).await?;
            }
            _ => {}
        }
        let session_id = match (answer.status, answer.session_id.as_deref()) {
            (Some(status::SUCCESS) | None, Some(id)) if !id.is_empty() => id.to_owned(),
            _ => return Err(login_refused(&answer)),
        };
        self.http.add_secret(&session_id);
        let config: wire::ConfigAnswer = self
            .http
            .send(
                Request::get("/login/secure/config")
                    .secret_header("Cookie", format!("JSESSIONID={session_id}")),
            )
            .await?
            .json()?;
        let urls = config.data;
        let int_account = match self.config.int_account {
            Some(a) => a,
            None => {
                let client: wire::ClientAnswer = self
                    .http
                    .send(
                        Request::get(format!("{}client", urls.pa_url))
                            .secret_query("sessionId", session_id.clone()),
                    )
                    .await?
                    .json()?;
                client.data.int_account.0
            }
        };
        Ok(Session {
            id: SecretString::from(session_id),
            generation,
            urls,
            int_account,
        })
    }

    /// Polls the in-app endpoint until the user approves on their phone,
    /// bounded by `in_app_timeout_secs`.
    async fn await_in_app(
        &self,
        body: &serde_json::Value,
        token: &str,
    ) -> Result<wire::LoginAnswer> {
        self.notifier.notify(
            NoticeKind::ApproveOnDevice,
            "DEGIRO: open the DEGIRO app on your phone and approve this login",
        );
        let mut body = body.clone();
        body["inAppToken"] = json!(token);
        let timeout = Duration::from_secs(self.config.in_app_timeout_secs);
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let answer = self.post_login("/login/secure/login/in-app", &body).await?;
            match answer.status {
                Some(status::SUCCESS) => return Ok(answer),
                Some(status::BAD_CREDENTIALS_OR_WAITING) | Some(status::IN_APP_NEEDED) => {}
                Some(status::BLOCKED) => {
                    return Err(Error::auth("DEGIRO: the login was refused in the app"));
                }
                _ => return Err(login_refused(&answer)),
            }
            if tokio::time::Instant::now() + self.in_app_poll > deadline {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "DEGIRO: the login was not approved in the app within {} s",
                        timeout.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(self.in_app_poll).await;
        }
    }

    /// Sends a request built for the current session; when DEGIRO says the
    /// session expired (401), logs in once more and repeats it, never more.
    async fn with_session(&self, build: impl Fn(&Session) -> Result<Request>) -> Result<Response> {
        let session = self.session().await?;
        match self.http.send(build(&session)?).await {
            Err(e) if e.status() == Some(401) => {
                let fresh = self.relogin(&session).await?;
                self.http.send(build(&fresh)?).await.map_err(|e| {
                    if e.status() == Some(401) {
                        Error::auth("DEGIRO refused a session it had just issued")
                    } else {
                        e
                    }
                })
            }
            other => other,
        }
    }

    /// The account number of the current session.
    pub async fn int_account(&self) -> Result<i64> {
        Ok(self.session().await?.int_account)
    }

    /// `GET {tradingUrl}v5/update/{intAccount};jsessionid={id}?portfolio=0&totalPortfolio=0`.
    pub async fn portfolio(&self) -> Result<Response> {
        self.with_session(|s| {
            Ok(Request::get(format!(
                "{}v5/update/{};jsessionid={}",
                s.urls.trading_url,
                s.int_account,
                s.id()
            ))
            .query("portfolio", "0")
            .query("totalPortfolio", "0")
            .endpoint_name("GET v5/update"))
        })
        .await
    }

    /// `POST {productSearchUrl}v5/products/info` for a batch of ids: a POST
    /// that only reads, so it may be repeated.
    pub async fn products(&self, ids: &[i64]) -> Result<Response> {
        self.with_session(|s| {
            Request::post(format!("{}v5/products/info", s.urls.product_search_url))
                .query("intAccount", s.int_account.to_string())
                .secret_query("sessionId", s.id())
                .endpoint_name("POST v5/products/info")
                .json_body(&ids.iter().map(i64::to_string).collect::<Vec<_>>())
                .map(Request::read_only)
        })
        .await
    }

    /// `GET {reportingUrl}v4/transactions` for whole days `from..=to`.
    pub async fn trades(&self, from: NaiveDate, to: NaiveDate) -> Result<Response> {
        self.with_session(|s| {
            Ok(
                Request::get(format!("{}v4/transactions", s.urls.reporting_url))
                    .query("fromDate", from.format("%d/%m/%Y").to_string())
                    .query("toDate", to.format("%d/%m/%Y").to_string())
                    .query("groupTransactionsByOrder", "false")
                    .query("intAccount", s.int_account.to_string())
                    .secret_query("sessionId", s.id())
                    .endpoint_name("GET v4/transactions"),
            )
        })
        .await
    }

    /// `GET {reportingUrl}v6/accountoverview` for whole days `from..=to`.
    pub async fn account_overview(&self, from: NaiveDate, to: NaiveDate) -> Result<Response> {
        self.with_session(|s| {
            Ok(
                Request::get(format!("{}v6/accountoverview", s.urls.reporting_url))
                    .query("fromDate", from.format("%d/%m/%Y").to_string())
                    .query("toDate", to.format("%d/%m/%Y").to_string())
                    .query("intAccount", s.int_account.to_string())
                    .secret_query("sessionId", s.id())
                    .endpoint_name("GET v6/accountoverview"),
            )
        })
        .await
    }
}

/// The `Auth` error for a one-time code DEGIRO did not accept: the password
/// was right (DEGIRO asked for the second factor), the code was not.
fn totp_refused(answer: &wire::LoginAnswer) -> Error {
    Error::auth(format!(
        "DEGIRO: the one-time password was not accepted (status {}{}): check totp_secret and the clock",
        answer.status.map_or("none".into(), |s| s.to_string()),
        answer
            .status_text
            .as_deref()
            .map_or(String::new(), |t| format!(", {t}"))
    ))
}

/// The `Auth` error for a login DEGIRO did not accept, with its reason.
fn login_refused(answer: &wire::LoginAnswer) -> Error {
    if answer.captcha_required == Some(true) {
        return Error::auth(
            "DEGIRO: DEGIRO wants a captcha; log in once in the browser, then try again",
        );
    }
    let reason = match answer.status_text.as_deref().unwrap_or_default() {
        "badCredentials" => "bad username or password".to_owned(),
        "accountBlocked" | "blocked" => {
            "the account is blocked; unblock it on DEGIRO's website".to_owned()
        }
        "captchaRequired" => {
            "DEGIRO wants a captcha; log in once in the browser, then try again".to_owned()
        }
        "totpNeeded" | "inAppTOTPNeeded" => "the second factor was not accepted".to_owned(),
        "" => format!(
            "login refused (status {})",
            answer.status.map_or("none".into(), |s| s.to_string())
        ),
        other => format!("login refused: {other}"),
    };
    Error::auth(format!("DEGIRO: {reason}"))
}
