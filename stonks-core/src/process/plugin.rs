//! A runtime plugin as the registry sees it: a v2 portfolio and ledger
//! service whose calls go to a process, which is started on the first call,
//! initialised with the plugin's settings, and started again (after a
//! growing pause) when it has died.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::child::{Child, Spec};
use super::protocol::{Initialize, Initialized, PROTOCOL, PageAnswer, PageParams, SnapshotParams};
use crate::error::{Error, Result};
use crate::http::{HttpClient, Redactor};
use crate::manifest::Interface;
use crate::plugin::{PluginContext, Services};
use crate::v2::{
    Cursor, LedgerEntry, Page, PortfolioQuery, PortfolioService, PortfolioSnapshot,
    TransactionQuery, TransactionService,
};

/// The first pause before starting a dead process again; each failure in
/// a row doubles it, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// The longest pause between starts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The default memory cap, MiB.
const DEFAULT_MEMORY_MB: u32 = 1024;

/// The default time one call may take.
const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// How long `initialize` may take.
const INIT_TIMEOUT: Duration = Duration::from_secs(30);

enum Slot {
    /// Not started yet, or stopped cleanly.
    Idle,
    Running(Arc<Child>),
    /// Died (or failed to start) at `at`, for `why`.
    Failed {
        at: Instant,
        why: String,
    },
}

/// One runtime plugin instance.
pub struct ProcessPlugin {
    spec: Spec,
    /// `initialize`'s settings, secrets as values: sent to the process,
    /// never logged.
    config: Value,
    http: Option<HttpClient>,
    redactor: Redactor,
    call_timeout: Duration,
    slot: tokio::sync::Mutex<Slot>,
    /// Deaths and failed starts since the last call that succeeded: the
    /// pause before the next start doubles with each.
    streak: std::sync::atomic::AtomicU32,
}

impl std::fmt::Debug for ProcessPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessPlugin")
            .field("plugin", &self.spec.plugin)
            .field("command", &self.spec.command)
            .finish_non_exhaustive()
    }
}

fn backoff(failures: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
        .min(MAX_BACKOFF)
}

impl ProcessPlugin {
    /// The plugin of `ctx`'s manifest (its `process` section) and settings.
    pub fn new(ctx: &PluginContext) -> Result<ProcessPlugin> {
        let manifest = ctx.manifest();
        let process = manifest
            .process
            .as_ref()
            .ok_or_else(|| Error::config("a runtime plugin's manifest needs a process section"))?;
        let dir = process
            .dir
            .clone()
            .ok_or_else(|| Error::config("a runtime plugin runs from its folder: none is known"))?;
        let spec = Spec {
            plugin: manifest.id().to_owned(),
            command: process.command.clone(),
            dir,
            memory_mb: process.memory_mb.unwrap_or(DEFAULT_MEMORY_MB),
        };
        // Requests through the host: only to the manifest's hosts (and a
        // configured base_url), at its rate limit, with core's retries and
        // redaction. The first host is the default base.
        let hosts = manifest.network.as_ref().map(|n| &n.hosts);
        let base = hosts
            .and_then(|h| h.first())
            .map(|h| format!("https://{}", h.as_str()));
        let http = match (&base, process.own_network) {
            (Some(base), false) => Some(ctx.http_client(base)?),
            _ => None,
        };
        let mut redactor = Redactor::new();
        for secret in ctx.settings().secret_texts() {
            redactor.add(secret);
        }
        Ok(ProcessPlugin {
            spec,
            config: ctx.settings().deserialize_into::<Value>()?,
            http,
            redactor,
            call_timeout: process
                .call_timeout_secs
                .map_or(DEFAULT_CALL_TIMEOUT, |s| Duration::from_secs(u64::from(s))),
            slot: tokio::sync::Mutex::new(Slot::Idle),
            streak: std::sync::atomic::AtomicU32::new(0),
        })
    }

    /// The running process, started (and initialised) if need be. A
    /// process that died is started again once its pause is over; before
    /// that, the call fails at once and says when.
    async fn child(&self) -> Result<Arc<Child>> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut slot = self.slot.lock().await;
        if let Slot::Running(c) = &*slot {
            match c.death() {
                None => return Ok(c.clone()),
                Some(why) => {
                    self.streak.fetch_add(1, Relaxed);
                    *slot = Slot::Failed {
                        at: Instant::now(),
                        why,
                    };
                }
            }
        }
        if let Slot::Failed { at, why } = &*slot {
            let wait = backoff(self.streak.load(Relaxed));
            let since = at.elapsed();
            if since < wait {
                return Err(Error::plugin_fault(format!(
                    "{why}; started again in {} ms",
                    (wait - since).as_millis()
                )));
            }
        }
        match self.start().await {
            Ok(child) => {
                *slot = Slot::Running(child.clone());
                Ok(child)
            }
            Err(e) => {
                self.streak.fetch_add(1, Relaxed);
                *slot = Slot::Failed {
                    at: Instant::now(),
                    why: e.message().to_owned(),
                };
                Err(e)
            }
        }
    }

    async fn start(&self) -> Result<Arc<Child>> {
        let child = Child::spawn(&self.spec, self.http.clone(), self.redactor.clone())?;
        let init = Initialize {
            protocol: PROTOCOL,
            api_version: crate::registry::PLUGIN_API_VERSION.to_string(),
            plugin: &self.spec.plugin,
            config: &self.config,
        };
        let answer = child.call("initialize", init, INIT_TIMEOUT).await?;
        let said: Initialized = serde_json::from_str(answer.get()).map_err(|e| {
            Error::plugin_fault(format!("initialize: the answer is not {{protocol}}: {e}"))
        })?;
        if said.protocol != PROTOCOL {
            let why = format!(
                "speaks {:?}, this host speaks {PROTOCOL:?}",
                crate::error::excerpt_of(&said.protocol, 64)
            );
            child.kill(why.clone());
            return Err(Error::new(crate::error::ErrorKind::Incompatible, why));
        }
        Ok(child)
    }

    /// Calls `method` on the process and reads its answer as `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: impl serde::Serialize,
    ) -> Result<T> {
        let child = self.child().await?;
        let answer = child.call(method, params, self.call_timeout).await?;
        // An answer: the process works, the next failure pauses shortly.
        self.streak.store(0, std::sync::atomic::Ordering::Relaxed);
        serde_json::from_str(answer.get())
            .map_err(|e| Error::plugin_fault(format!("{method}: the answer does not read: {e}")))
    }

    /// Stops the process, if one runs: `shutdown`, then a kill if it does
    /// not go within a second.
    pub async fn stop(&self) {
        let mut slot = self.slot.lock().await;
        if let Slot::Running(child) = &*slot {
            let _ = child
                .call("shutdown", Value::Null, Duration::from_secs(1))
                .await;
            child.kill("stopped by the host".to_owned());
        }
        *slot = Slot::Idle;
    }
}

#[async_trait]
impl PortfolioService for ProcessPlugin {
    async fn snapshot(&self, query: &PortfolioQuery) -> Result<PortfolioSnapshot> {
        self.call("portfolio.snapshot", SnapshotParams { query })
            .await
    }
}

#[async_trait]
impl TransactionService for ProcessPlugin {
    async fn transactions(&self, query: &TransactionQuery) -> Result<Page<LedgerEntry>> {
        let mut plain = query.clone();
        let cursor = plain.cursor.take();
        let params = PageParams {
            query: &plain,
            cursor: cursor.as_ref().map(|c| c.0.as_str()),
        };
        let answer: PageAnswer = self.call("transactions.page", params).await?;
        let (items, next, problems) = answer.entries(&self.spec.plugin);
        Ok(Page::new(items, next.map(Cursor)).with_problems(problems))
    }
}

#[async_trait]
impl crate::middleware::Middleware for ProcessPlugin {
    async fn snapshot(
        &self,
        broker: &str,
        snapshot: PortfolioSnapshot,
    ) -> Result<PortfolioSnapshot> {
        let params = super::protocol::MiddlewareSnapshotParams {
            broker,
            snapshot: &snapshot,
        };
        self.call("middleware.snapshot", params).await
    }

    async fn page(&self, broker: &str, page: Page<LedgerEntry>) -> Result<Page<LedgerEntry>> {
        let params = super::protocol::MiddlewarePageParams {
            broker,
            page: super::protocol::PageOut {
                items: &page.items,
                next: page.next_cursor.as_ref().map(|c| c.0.as_str()),
                problems: &page.problems,
            },
        };
        let answer: PageAnswer = self.call("middleware.page", params).await?;
        let (items, _, problems) = answer.entries(&self.spec.plugin);
        Ok(Page::new(items, page.next_cursor.clone()).with_problems(problems))
    }
}

/// The factory of every runtime plugin: its services are the process's.
pub fn factory(ctx: &PluginContext) -> Result<Services> {
    let plugin = Arc::new(ProcessPlugin::new(ctx)?);
    let mut services = Services::new();
    let m = ctx.manifest();
    if m.lists(Interface::PortfolioV2) {
        services = services.portfolio_v2(plugin.clone());
    }
    if m.lists(Interface::TransactionsV2) {
        services = services.transactions_v2(plugin.clone());
    }
    if m.lists(Interface::MiddlewareV1) {
        services = services.middleware_v1(plugin);
    }
    Ok(services)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_doubles_up_to_a_minute() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_secs(1));
        assert_eq!(backoff(4), Duration::from_secs(4));
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
