//! A token bucket fed by the manifest's `network.rate_limit`, which brokers
//! can also pause when the server says the budget is nearly spent.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::manifest::RateLimit;

/// Spaces requests to stay within a budget of `requests` per `per_seconds`.
#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
    hold_until: Option<Instant>,
}

impl RateLimiter {
    /// A limiter for `limit`; bursts of up to `limit.requests` are allowed.
    pub fn new(limit: RateLimit) -> Self {
        let capacity = f64::from(limit.requests.max(1));
        RateLimiter {
            capacity,
            per_second: capacity / f64::from(limit.per_seconds.max(1)),
            state: Mutex::new(Bucket {
                tokens: capacity,
                last: Instant::now(),
                hold_until: None,
            }),
        }
    }

    /// Waits until a request may be sent, then takes its token.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut b = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
                b.tokens = (b.tokens + elapsed * self.per_second).min(self.capacity);
                b.last = now;
                match b.hold_until {
                    Some(until) if until > now => until - now,
                    _ => {
                        b.hold_until = None;
                        if b.tokens >= 1.0 {
                            b.tokens -= 1.0;
                            return;
                        }
                        Duration::from_secs_f64((1.0 - b.tokens) / self.per_second)
                    }
                }
            };
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
        let rl = RateLimiter::new(RateLimit {
            requests: 2,
            per_seconds: 1,
        });
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
    async fn hold_pauses_everything() {
        let rl = RateLimiter::new(RateLimit {
            requests: 100,
            per_seconds: 1,
        });
        let start = Instant::now();
        rl.hold_until(start + Duration::from_secs(3));
        rl.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(3));
    }
}
