//! Per-plugin request counters and latency figures, read by
//! `Registry::health`.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// How many recent latencies the percentiles are computed over.
const WINDOW: usize = 1024;

/// Counters shared by a plugin's HTTP client and its registry entry.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: AtomicU64,
    errors: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    recent: Mutex<Recent>,
    /// Endpoints of the attempts on the wire now, oldest first.
    in_flight: Mutex<Vec<String>>,
}

#[derive(Debug, Default)]
struct Recent {
    latencies_us: VecDeque<u64>,
    max_us: u64,
    total_us: u128,
    count: u64,
    last_success: Option<DateTime<Utc>>,
    last_error: Option<DateTime<Utc>>,
}

/// A point-in-time copy of [`Metrics`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    /// HTTP attempts sent.
    pub requests: u64,
    /// Attempts that failed (transport error or status >= 400).
    pub errors: u64,
    /// Attempts that were retries.
    pub retries: u64,
    /// Answers of 429.
    pub rate_limited: u64,
    /// When an attempt last succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// When an attempt last failed.
    pub last_error: Option<DateTime<Utc>>,
    /// Latency figures.
    pub latency: LatencySummary,
    /// Endpoints waiting for an answer now, oldest first: where a call that
    /// timed out was stuck.
    pub in_flight: Vec<String>,
}

/// An attempt on the wire; it leaves the in-flight list when dropped.
#[derive(Debug)]
pub struct InFlight<'a> {
    metrics: &'a Metrics,
    endpoint: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut list = self
            .metrics
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(i) = list.iter().position(|e| *e == self.endpoint) {
            list.remove(i);
        }
    }
}

/// Latency over all attempts (mean, max) and the recent window (percentiles).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Attempts measured.
    pub count: u64,
    /// Mean over all attempts.
    pub mean: Duration,
    /// Median of the recent window.
    pub p50: Duration,
    /// 95th percentile of the recent window.
    pub p95: Duration,
    /// Slowest attempt.
    pub max: Duration,
}

impl Metrics {
    /// Marks an attempt to `endpoint` as on the wire until the guard drops.
    pub fn begin(&self, endpoint: &str) -> InFlight<'_> {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(endpoint.to_owned());
        InFlight {
            metrics: self,
            endpoint: endpoint.to_owned(),
        }
    }

    /// Records one attempt.
    pub fn record(&self, latency: Duration, ok: bool, retry: bool, rate_limited: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        if retry {
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
        if rate_limited {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let mut r = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if r.latencies_us.len() == WINDOW {
            r.latencies_us.pop_front();
        }
        r.latencies_us.push_back(us);
        r.max_us = r.max_us.max(us);
        r.total_us += u128::from(us);
        r.count += 1;
        if ok {
            r.last_success = Some(Utc::now());
        } else {
            r.last_error = Some(Utc::now());
        }
    }

    /// The figures now.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let r = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let mut sorted: Vec<u64> = r.latencies_us.iter().copied().collect();
        sorted.sort_unstable();
        let pct = |p: usize| {
            if sorted.is_empty() {
                Duration::ZERO
            } else {
                Duration::from_micros(sorted[(sorted.len() - 1) * p / 100])
            }
        };
        let mean = if r.count == 0 {
            Duration::ZERO
        } else {
            Duration::from_micros(
                u64::try_from(r.total_us / u128::from(r.count)).unwrap_or(u64::MAX),
            )
        };
        MetricsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            last_success: r.last_success,
            last_error: r.last_error,
            latency: LatencySummary {
                count: r.count,
                mean,
                p50: pct(50),
                p95: pct(95),
                max: Duration::from_micros(r.max_us),
            },
            in_flight: self
                .in_flight
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_counts() {
        let m = Metrics::default();
        for ms in 1..=100 {
            m.record(Duration::from_millis(ms), ms % 10 != 0, ms > 95, ms == 50);
        }
        let s = m.snapshot();
        assert_eq!(
            (s.requests, s.errors, s.retries, s.rate_limited),
            (100, 10, 5, 1)
        );
        assert_eq!(s.latency.p50, Duration::from_millis(50));
        assert_eq!(s.latency.p95, Duration::from_millis(95));
        assert_eq!(s.latency.max, Duration::from_millis(100));
        assert_eq!(s.latency.mean, Duration::from_micros(50_500));
        let a = m.begin("GET /balance");
        let b = m.begin("GET /assets");
        drop(a);
        assert_eq!(m.snapshot().in_flight, vec!["GET /assets".to_owned()]);
        drop(b);
        assert!(m.snapshot().in_flight.is_empty());
    }
}
