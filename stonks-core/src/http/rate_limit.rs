//! The gate every request of a client passes: a token bucket fed by the
//! manifest's `network.rate_limit`, and a hold set when the server says its
//! budget is spent (rate-limit headers, `Retry-After`). A request never
//! waits longer than its caller's budget: it is refused at once with the
//! time to wait instead.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::manifest::RateLimit;

/// Spaces requests to stay within a budget, and holds them while the server
/// asked for a pause.
#[derive(Debug)]
pub struct RateLimiter {
    /// `(capacity, tokens per second)`; `None` when the plugin declares no limit.
    bucket: Option<(f64, f64)>,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
    hold_until: Option<Instant>,
}

impl RateLimiter {
    /// A gate for `limit` (bursts of up to `limit.requests` are allowed), or
    /// one that only holds when told to.
    pub fn new(limit: Option<RateLimit>) -> Self {
        let bucket = limit.map(|l| {
            let capacity = f64::from(l.requests.max(1));
            (capacity, capacity / f64::from(l.per_seconds.max(1)))
        });
        RateLimiter {
            bucket,
            state: Mutex::new(Bucket {
                tokens: bucket.map_or(0.0, |b| b.0),
                last: Instant::now(),
                hold_until: None,
            }),
        }
    }

    /// How long until a request may go, taking its token when it may go now.
    fn try_take(&self) -> Duration {
        let mut b = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if let Some(until) = b.hold_until {
            if until > now {
                return until - now;
            }
            b.hold_until = None;
        }
        let Some((capacity, per_second)) = self.bucket else {
            return Duration::ZERO;
        };
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * per_second).min(capacity);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - b.tokens) / per_second)
        }
    }

    /// Waits until a request may be sent, then takes its token.
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
        let mut b = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if b.hold_until.is_none_or(|h| h < until) {
            b.hold_until = Some(until);
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
