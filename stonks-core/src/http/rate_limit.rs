//! The gate every request of a client passes: the manifest's
//! `network.rate_limit` as a GCRA rate limiter (`governor`), and a hold set
//! when the server says its budget is spent (rate-limit headers,
//! `Retry-After`). A request never waits longer than its caller's budget:
//! it is refused at once with the time to wait instead.

use std::num::NonZeroU32;
use std::ops::Add;
use std::sync::Mutex;
use std::time::Duration;

use governor::Quota;
use governor::clock::{Clock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use tokio::time::Instant;

use crate::manifest::RateLimit;

/// tokio's clock as governor's: the gate sleeps on tokio's timer, so it
/// must read tokio's time (a paused test clock then pauses both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct TokioInstant(Instant);

impl Add<Nanos> for TokioInstant {
    type Output = Self;

    fn add(self, n: Nanos) -> Self {
        TokioInstant(self.0 + Duration::from(n))
    }
}

impl Reference for TokioInstant {
    fn duration_since(&self, earlier: Self) -> Nanos {
        self.0.saturating_duration_since(earlier.0).into()
    }

    fn saturating_sub(&self, d: Nanos) -> Self {
        TokioInstant(self.0.checked_sub(d.into()).unwrap_or(self.0))
    }
}

/// See [`TokioInstant`].
#[derive(Debug, Clone, Copy, Default)]
struct TokioClock;

impl Clock for TokioClock {
    type Instant = TokioInstant;

    fn now(&self) -> TokioInstant {
        TokioInstant(Instant::now())
    }
}

type Gcra =
    governor::RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<TokioInstant>>;

/// Spaces requests to stay within a budget, and holds them while the server
/// asked for a pause.
pub struct RateLimiter {
    /// `None` when the plugin declares no limit.
    limiter: Option<Gcra>,
    hold_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limited", &self.limiter.is_some())
            .field("hold_until", &self.hold_until)
            .finish()
    }
}

impl RateLimiter {
    /// A gate for `limit` (bursts of up to `limit.requests`, then one
    /// request every `per_seconds / requests`), or one that only holds when
    /// told to.
    pub fn new(limit: Option<RateLimit>) -> Self {
        let limiter = limit.map(|l| {
            let burst = NonZeroU32::new(l.requests).unwrap_or(NonZeroU32::MIN);
            let period = Duration::from_secs(u64::from(l.per_seconds.max(1))) / burst.get();
            let quota = Quota::with_period(period)
                .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
                .allow_burst(burst);
            Gcra::direct_with_clock(quota, TokioClock)
        });
        RateLimiter {
            limiter,
            hold_until: Mutex::new(None),
        }
    }

    /// How long until a request may go, taking its place when it may go now.
    fn try_take(&self) -> Duration {
        let now = Instant::now();
        {
            let mut hold = self.hold_until.lock().unwrap_or_else(|p| p.into_inner());
            match *hold {
                Some(until) if until > now => return until - now,
                Some(_) => *hold = None,
                None => {}
            }
        }
        match self.limiter.as_ref().map(Gcra::check) {
            None | Some(Ok(())) => Duration::ZERO,
            Some(Err(not_until)) => not_until.wait_time_from(TokioClock.now()),
        }
    }

    /// Waits until a request may be sent, then takes its place.
    pub async fn acquire(&self) {
        loop {
            let wait = self.try_take();
            if wait.is_zero() {
                return;
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Like [`RateLimiter::acquire`], but gives up when the wait would end
    /// after `deadline`: `Err` holds how long the wait would have been.
    pub async fn acquire_before(&self, deadline: Option<Instant>) -> Result<(), Duration> {
        loop {
            let wait = self.try_take();
            if wait.is_zero() {
                return Ok(());
            }
            if deadline.is_some_and(|d| Instant::now() + wait > d) {
                return Err(wait);
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends nothing before `until` (a server said its window resets then).
    pub fn hold_until(&self, until: Instant) {
        let mut hold = self.hold_until.lock().unwrap_or_else(|p| p.into_inner());
        if hold.is_none_or(|h| h < until) {
            *hold = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_after_the_burst() {
        let rl = RateLimiter::new(Some(RateLimit {
            requests: 2,
            per_seconds: 1,
        }));
        let start = Instant::now();
        for _ in 0..6 {
            rl.acquire().await;
        }
        // 2 at once, then one every 500 ms.
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(2000) && took < Duration::from_millis(2100),
            "{took:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn hold_pauses_everything_even_without_a_bucket() {
        let rl = RateLimiter::new(None);
        let start = Instant::now();
        rl.hold_until(start + Duration::from_secs(3));
        rl.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_beyond_the_deadline_is_refused_at_once() {
        let rl = RateLimiter::new(None);
        let start = Instant::now();
        rl.hold_until(start + Duration::from_secs(60));
        let refused = rl
            .acquire_before(Some(start + Duration::from_secs(5)))
            .await
            .unwrap_err();
        assert!(refused > Duration::from_secs(59));
        assert_eq!(start.elapsed(), Duration::ZERO, "nothing waited");
        rl.acquire_before(Some(start + Duration::from_secs(61)))
            .await
            .unwrap();
        assert!(start.elapsed() >= Duration::from_secs(60));
    }
}
