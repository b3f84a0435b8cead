//! When and how long to wait before trying a request again.

use std::time::Duration;

use backon::BackoffBuilder;

use chrono::{DateTime, Utc};

/// Retry with exponential backoff and jitter (the schedule is `backon`'s),
/// bounded in attempts and in total time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Ceiling of the first backoff.
    pub base_delay: Duration,
    /// Ceiling of any single backoff.
    pub max_delay: Duration,
    /// No retry starts after this much time since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the number of attempts.
    pub fn attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the base and maximum delay.
    pub fn delays(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// Sets the total time budget.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// The waits between attempts, from `backon`: exponential from
    /// `base_delay` (doubling, capped at `max_delay`), each plus a random
    /// jitter of up to itself; one fewer than `max_attempts`. The loop stops when it runs out, or when the
    /// next wait would pass `max_elapsed` or the caller's deadline.
    pub fn schedule(&self) -> impl Iterator<Item = Duration> + use<> {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_jitter()
            .build()
    }

    /// The wait a server asked for with `Retry-After` (or its error), plus
    /// up to 10 % so that clients told the same time do not return together.
    pub fn server_wait(retry_after: Duration) -> Duration {
        retry_after + retry_after.mul_f64(fastrand::f64() * 0.1)
    }
}

/// Parses a `Retry-After` value: delay seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retry_after_forms() {
        let now = Utc.with_ymd_and_hms(2015, 10, 21, 7, 27, 0).unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn the_schedule_grows_is_capped_and_ends() {
        let p = RetryPolicy::default()
            .attempts(6)
            .delays(Duration::from_millis(100), Duration::from_secs(1));
        let waits: Vec<Duration> = p.schedule().collect();
        assert_eq!(waits.len(), 5, "one wait between each two of six attempts");
        // 100, 200, 400, 800, then capped at 1000 ms; jitter adds up to as
        // much again.
        for (wait, floor) in waits.iter().zip([100, 200, 400, 800, 1000]) {
            let floor = Duration::from_millis(floor);
            assert!(*wait >= floor && *wait <= floor * 2, "{wait:?}");
        }
        assert_eq!(RetryPolicy::none().schedule().count(), 0);
        let ra = RetryPolicy::server_wait(Duration::from_secs(2));
        assert!(ra >= Duration::from_secs(2) && ra <= Duration::from_millis(2200));
    }
}
