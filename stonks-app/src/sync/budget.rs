//! A time budget: a deadline and what it is for. Everything one command
//! asks of a broker (or of the exchange-rate source) runs under that one
//! budget, every request made meanwhile knows the deadline (a rate-limit
//! wait beyond it is refused at once), and a call that runs out says which
//! step it was on and where it was stuck.

use std::future::Future;
use std::time::Duration;

use futures::future::Either;
use stonks::Registry;
use tokio::time::Instant;

/// A deadline, and the plugin instance it is for (a broker's id, or the
/// fx plugin's).
#[derive(Debug, Clone)]
pub struct Budget {
    id: String,
    total: Duration,
    deadline: Instant,
}

impl Budget {
    /// A budget of `total` for plugin instance `id`, starting now.
    pub fn start(id: impl Into<String>, total: Duration) -> Self {
        Budget {
            id: id.into(),
            total,
            deadline: Instant::now() + total,
        }
    }

    /// The plugin instance it is for.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs `call` until the deadline. `step` says what it is doing
    /// ("reading the portfolio"); a timeout names it and the endpoints still
    /// waiting for an answer. Every request `call` makes sees the deadline
    /// ([`stonks::http::with_deadline`]).
    pub async fn run<T>(
        &self,
        registry: &Registry,
        step: &str,
        call: impl Future<Output = stonks::Result<T>>,
    ) -> Result<T, String> {
        let call = std::pin::pin!(stonks::http::with_deadline(self.deadline, call));
        let timer = std::pin::pin!(tokio::time::sleep_until(self.deadline));
        match futures::future::select(call, timer).await {
            Either::Left((result, _)) => result.map_err(|e| e.to_string()),
            // The call is still alive here: ask where it is stuck before it
            // is dropped.
            Either::Right(((), _call)) => {
                let stuck = registry
                    .health(&self.id)
                    .map(|h| h.http.in_flight)
                    .unwrap_or_default();
                let waiting = if stuck.is_empty() {
                    String::new()
                } else {
                    format!(", waiting for {}", stuck.join(" and "))
                };
                Err(format!(
                    "timed out after {} s {step}{waiting}",
                    seconds(self.total)
                ))
            }
        }
    }
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}
