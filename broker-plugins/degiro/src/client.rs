//! DEGIRO's session login (plain, TOTP, in-app approval), the session that
//! every later call carries, one function per endpoint, and error mapping.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde_json::json;
use stonks_core::http::{HttpClient, Request};
use stonks_core::lifecycle::{NoticeKind, Notifier};
use stonks_core::secrecy::{ExposeSecret, SecretString};
use stonks_core::{Error, ErrorKind, PluginContext, Result};
use tokio::sync::Mutex;

use crate::wire;
use crate::{DEFAULT_BASE_URL, DegiroConfig};

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
    config: DegiroConfig,
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

impl Client {
    /// A client from the plugin's checked configuration. Nothing is sent
    /// until the first call, which logs in.
    pub fn new(ctx: &PluginContext) -> Result<Self> {
        let config = DegiroConfig::from_plugin_config(ctx.config())?;
        let http = ctx.http_client(DEFAULT_BASE_URL)?;
        Ok(Client {
            http,
            config,
            notifier: ctx.notifier(),
            session: Mutex::new(None),
            in_app_poll: Duration::from_millis(1000),
        })
    }

    /// The account's base currency.
    pub fn base_currency(&self) -> stonks_core::Currency {
        self.config.base_currency.clone()
    }

    /// Where the ledger starts when a query gives none.
    pub fn history_since(&self) -> chrono::DateTime<chrono::Utc> {
        self.config
            .history_since
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
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

    async fn post_login(&self, path: &str, body: &serde_json::Value) -> Result<wire::LoginAnswer> {
        let req = Request::post(path).json_body(body)?;
        let resp = match self.http.send(req).await {
            Ok(r) => r,
            // The core retried a 503 and gave up: DEGIRO's maintenance page.
            // (A connection failure stays what it is: temporary.)
            Err(e) if e.kind() == &ErrorKind::Temporary && e.message() == "HTTP 503" => {
                return Err(Error::auth(format!(
                    "DEGIRO's login is unavailable (maintenance): {}",
                    e.message()
                )));
            }
            Err(e) => return Err(e),
        };
        if matches!(resp.status(), 405 | 503) {
            return Err(Error::auth(format!(
                "DEGIRO's login is unavailable (maintenance, HTTP {})",
                resp.status()
            ))
            .with_operation(resp.endpoint().to_owned()));
        }
        let answer: wire::LoginAnswer = resp.json()?;
        if resp.is_success() || answer.status.is_some() {
            Ok(answer)
        } else {
            Err(resp.status_error(None))
        }
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
                body["oneTimePassword"] = json!(code);
                answer = self.post_login("/login/secure/login/totp", &body).await?;
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
        let session_id = match (answer.status, answer.session_id) {
            (Some(status::SUCCESS) | None, Some(id)) if !id.is_empty() => id,
            (status, _) => return Err(login_refused(status, answer.status_text.as_deref())),
        };
        self.http.add_secret(&session_id);
        let config: wire::ConfigAnswer = self
            .checked(
                Request::get("/login/secure/config")
                    .secret_header("Cookie", format!("JSESSIONID={session_id}")),
            )
            .await?;
        let urls = config.data;
        let int_account = match self.config.int_account {
            Some(a) => a,
            None => {
                let client: wire::ClientAnswer = self
                    .checked(
                        Request::get(format!("{}client", urls.pa_url))
                            .secret_query("sessionId", session_id.clone()),
                    )
                    .await?;
                client.data.int_account
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
        let deadline = tokio::time::Instant::now() + self.config.in_app_timeout;
        loop {
            let answer = self.post_login("/login/secure/login/in-app", &body).await?;
            match answer.status {
                Some(status::SUCCESS) => return Ok(answer),
                Some(status::BAD_CREDENTIALS_OR_WAITING) | Some(status::IN_APP_NEEDED) => {}
                Some(status::BLOCKED) => {
                    return Err(Error::auth("DEGIRO: the login was refused in the app"));
                }
                other => return Err(login_refused(other, answer.status_text.as_deref())),
            }
            if tokio::time::Instant::now() + self.in_app_poll > deadline {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "DEGIRO: the login was not approved in the app within {} s",
                        self.config.in_app_timeout.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(self.in_app_poll).await;
        }
    }

    /// Sends `req` and reads its JSON, mapping failed statuses.
    async fn checked<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        let resp = self.http.send(req).await?;
        if !resp.is_success() {
            return Err(resp.status_error(None));
        }
        resp.json()
    }

    /// Sends a request built for the current session; on 401 logs in once
    /// more and repeats it, never more.
    async fn with_session<T: DeserializeOwned>(
        &self,
        build: impl Fn(&Session) -> Result<Request>,
    ) -> Result<T> {
        let session = self.session().await?;
        let resp = self.http.send(build(&session)?).await?;
        let resp = if resp.status() == 401 {
            let fresh = self.relogin(&session).await?;
            let again = self.http.send(build(&fresh)?).await?;
            if again.status() == 401 {
                return Err(Error::auth("DEGIRO refused a session it had just issued"));
            }
            again
        } else {
            resp
        };
        if !resp.is_success() {
            return Err(resp.status_error(None));
        }
        resp.json()
    }

    /// `GET {tradingUrl}v5/update/{intAccount};jsessionid={id}?portfolio=0&totalPortfolio=0`.
    pub async fn portfolio(&self) -> Result<wire::UpdateAnswer> {
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

    /// `POST {productSearchUrl}v5/products/info` for a batch of ids.
    pub async fn products(&self, ids: &[String]) -> Result<wire::ProductsAnswer> {
        self.with_session(|s| {
            Request::post(format!("{}v5/products/info", s.urls.product_search_url))
                .query("intAccount", s.int_account.to_string())
                .secret_query("sessionId", s.id())
                .endpoint_name("POST v5/products/info")
                .json_body(&ids)
        })
        .await
    }

    /// `GET {reportingUrl}v4/transactions` for whole days `from..=to`.
    pub async fn trades(&self, from: NaiveDate, to: NaiveDate) -> Result<wire::TradesAnswer> {
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
    pub async fn account_overview(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<wire::AccountOverviewAnswer> {
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

/// The `Auth` error for a login DEGIRO did not accept, with its reason.
fn login_refused(status: Option<i64>, text: Option<&str>) -> Error {
    let reason = match text.unwrap_or_default() {
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
            status.map_or("none".into(), |s| s.to_string())
        ),
        other => format!("login refused: {other}"),
    };
    Error::auth(format!("DEGIRO: {reason}"))
}
