//! The caller's time budget, seen by every request made on its behalf.
//!
//! An app that gives a broker 30 seconds wraps the call in
//! [`with_deadline`]; a request that would have to wait past it (for a rate
//! limit reset, a `Retry-After`, a backoff) is refused at once with
//! [`crate::ErrorKind::RateLimited`] and the time to wait, rather than
//! sleeping until the caller gives up.

use std::future::Future;

use tokio::time::Instant;

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Runs `fut` with `deadline` as the budget of every request it makes.
/// Nested deadlines keep the earlier one.
pub async fn with_deadline<F: Future>(deadline: Instant, fut: F) -> F::Output {
    let effective = self::deadline().map_or(deadline, |outer| outer.min(deadline));
    DEADLINE.scope(effective, fut).await
}

/// The deadline of the current task, if a caller set one.
pub fn deadline() -> Option<Instant> {
    DEADLINE.try_with(|d| *d).ok()
}
