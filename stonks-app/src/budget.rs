//! A broker's time budget: everything one command asks of a broker runs
//! under it, every request made meanwhile knows the deadline (a rate-limit
//! wait beyond it is refused at once), and a call that runs out says where
//! it was stuck.

use std::future::Future;
use std::time::Duration;

use futures::future::Either;
use stonks::Registry;

/// Runs `call` for broker `id` within `budget`. `step` says what it was
/// doing ("reading the portfolio"); a timeout names it and the endpoints
/// still waiting for an answer.
pub async fn within<T>(
    registry: &Registry,
    id: &str,
    budget: Duration,
    step: &str,
    call: impl Future<Output = stonks::Result<T>>,
) -> Result<T, String> {
    let deadline = tokio::time::Instant::now() + budget;
    until(registry, id, (deadline, budget), step, call).await
}

/// Runs `call` until `deadline`, one step of several sharing a `budget`
/// (the budget is only for the message: "timed out after 30 s ...").
pub async fn until<T>(
    registry: &Registry,
    id: &str,
    (deadline, budget): (tokio::time::Instant, Duration),
    step: &str,
    call: impl Future<Output = stonks::Result<T>>,
) -> Result<T, String> {
    let call = std::pin::pin!(stonks::http::with_deadline(deadline, call));
    let timer = std::pin::pin!(tokio::time::sleep_until(deadline));
    match futures::future::select(call, timer).await {
        Either::Left((result, _)) => result.map_err(|e| e.to_string()),
        // The call is still alive here: ask where it is stuck before it is
        // dropped.
        Either::Right(((), _call)) => {
            let stuck = registry
                .health(id)
                .map(|h| h.http.in_flight)
                .unwrap_or_default();
            let waiting = if stuck.is_empty() {
                String::new()
            } else {
                format!(", waiting for {}", stuck.join(" and "))
            };
            Err(format!(
                "timed out after {} s {step}{waiting}",
                seconds(budget)
            ))
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
