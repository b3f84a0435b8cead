//! A broker's request budget, counted ahead: each request's cost (its
//! weight, or 1 where a broker counts requests) is taken from what is left
//! of the current window before the request is sent, and a request whose
//! cost would leave less than the reserve waits for the window to reset.
//!
//! What is left comes from the broker's last answer (its rate-limit
//! headers, read by the broker's [`BudgetReader`](super::BudgetReader)) and,
//! until an answer states it, from the limit the broker publishes
//! ([`HttpClientBuilder::budget_limit`](super::HttpClientBuilder::budget_limit)),
//! counted down locally by every request sent.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use super::{Budget, Request};

/// The weight of a request against its broker's budget: a broker that
/// weighs its endpoints gives a function of the request (its
/// [`path`](Request::path), say); the default, [`one_per_request`], counts
/// requests.
pub type RequestCost = fn(&Request) -> u64;

/// Every request costs 1: a budget counted in requests.
pub fn one_per_request(_: &Request) -> u64 {
    1
}

/// Two stated resets this close together name the same window (the time
/// left is measured when each answer is read, so it jitters by a few ms).
const SAME_WINDOW: Duration = Duration::from_millis(250);

/// The budget of one client. See the [module docs](self).
pub(crate) struct WeightBudget {
    /// The plugin whose budget it is, for the log.
    plugin: String,
    reserve: u64,
    cost: RequestCost,
    /// Points per window assumed where no answer has stated the budget.
    assumed: Option<(u64, Duration)>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    window: Option<Window>,
    /// The cost of requests sent and not answered yet.
    in_flight: u64,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    remaining: u64,
    resets_at: Instant,
    /// Whether an answer stated it (else it was assumed here).
    stated: bool,
}

/// A request's place in the budget, from the moment its cost is taken
/// until its answer has been read (or it failed, or its caller gave up).
pub(crate) struct Ticket<'a> {
    budget: &'a WeightBudget,
    cost: u64,
}

impl WeightBudget {
    pub(crate) fn new(
        plugin: String,
        reserve: u64,
        cost: RequestCost,
        assumed: Option<(u64, Duration)>,
    ) -> Self {
        WeightBudget {
            plugin,
            reserve,
            cost,
            assumed,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What `req` costs.
    pub(crate) fn cost_of(&self, req: &Request) -> u64 {
        (self.cost)(req)
    }

    /// Takes `cost` now, or says how long until the window resets.
    fn try_take(&self, cost: u64, now: Instant) -> Result<(), Duration> {
        let mut s = self.lock();
        if s.window.is_some_and(|w| w.resets_at <= now) {
            s.window = None;
        }
        if s.window.is_none() {
            s.window = self.assumed.map(|(limit, length)| Window {
                remaining: limit,
                resets_at: now + length,
                stated: false,
            });
        }
        // Nothing stated and nothing assumed: nothing to count against.
        if let Some(w) = s.window.as_mut() {
            if w.remaining < cost.saturating_add(self.reserve) {
                return Err(w.resets_at - now);
            }
            w.remaining -= cost;
        }
        s.in_flight = s.in_flight.saturating_add(cost);
        Ok(())
    }

    /// Waits until `cost` fits the budget and takes it; `Err` holds how
    /// long the wait would have been when it would end after `deadline`.
    /// A cost that never fits a window (more than the limit less the
    /// reserve) is refused once the wait passes the deadline.
    pub(crate) async fn acquire_before(
        &self,
        cost: u64,
        deadline: Option<Instant>,
    ) -> Result<Ticket<'_>, Duration> {
        loop {
            match self.try_take(cost, Instant::now()) {
                Ok(()) => return Ok(Ticket { budget: self, cost }),
                Err(wait) => {
                    if deadline.is_some_and(|d| Instant::now() + wait > d) {
                        return Err(wait);
                    }
                    tracing::debug!(
                        plugin = %self.plugin,
                        cost,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "request budget: waiting for the window to reset"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Learns what an answer to a request of `cost` states is left.
    ///
    /// Requests still in flight may not be counted in the answer yet, so
    /// their cost is taken off what it states. Within one window the lower
    /// of what is known and what is stated stands (answers can arrive out
    /// of order); an answer naming a later reset starts a new window, and
    /// one naming an earlier reset than the window stated is stale.
    fn observe(&self, cost: u64, stated: Budget, now: Instant) {
        let mut s = self.lock();
        let others = s.in_flight.saturating_sub(cost);
        let told = Window {
            remaining: stated.remaining.saturating_sub(others),
            resets_at: now + stated.resets_in,
            stated: true,
        };
        s.window = Some(match s.window {
            Some(w) if w.stated && told.resets_at + SAME_WINDOW < w.resets_at => w,
            Some(w) if w.stated && told.resets_at <= w.resets_at + SAME_WINDOW => Window {
                remaining: w.remaining.min(told.remaining),
                ..w
            },
            _ => told,
        });
    }
}

impl Ticket<'_> {
    /// The request was answered; `stated` is what the answer says is left.
    pub(crate) fn answered(self, stated: Option<Budget>) {
        if let Some(b) = stated {
            self.budget.observe(self.cost, b, Instant::now());
        }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        let mut s = self.budget.lock();
        s.in_flight = s.in_flight.saturating_sub(self.cost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn weight(req: &Request) -> u64 {
        match req.path() {
            "/heavy" => 5,
            _ => 1,
        }
    }

    fn stated(remaining: u64, resets_in: Duration) -> Budget {
        Budget {
            remaining,
            resets_in,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn weights_are_counted_down_from_the_assumed_limit_without_answers() {
        let b = WeightBudget::new("t".into(), 25, weight, Some((1000, MINUTE)));
        let heavy = b.cost_of(&Request::get("/heavy"));
        assert_eq!(heavy, 5);
        let start = Instant::now();
        // 1000 points, 25 kept back: 195 requests of weight 5 go at once.
        for _ in 0..195 {
            b.acquire_before(heavy, None).await.unwrap().answered(None);
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        // 25 left: a weight-5 request would leave 20, below the reserve.
        let refused = b
            .acquire_before(heavy, Some(start + Duration::from_secs(30)))
            .await
            .err()
            .unwrap();
        assert_eq!(refused, MINUTE);
        b.acquire_before(heavy, None).await.unwrap().answered(None);
        assert_eq!(start.elapsed(), MINUTE, "waited for the window to reset");
    }

    #[tokio::test(start_paused = true)]
    async fn what_an_answer_states_decides_which_weight_still_fits() {
        let b = WeightBudget::new("t".into(), 25, weight, Some((1000, MINUTE)));
        let start = Instant::now();
        let t = b.acquire_before(1, None).await.unwrap();
        t.answered(Some(stated(31, Duration::from_millis(1500))));
        // 31 left: weight 5 fits once (26), the next would leave 21.
        b.acquire_before(5, None).await.unwrap().answered(None);
        b.acquire_before(1, None).await.unwrap().answered(None);
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "25 left: weight 1 still fits"
        );
        let t = b.acquire_before(5, None).await.unwrap();
        assert_eq!(
            start.elapsed(),
            Duration::from_millis(1500),
            "waited for the stated reset"
        );
        // After the reset nothing is stated: the assumed limit again.
        t.answered(None);
        for _ in 0..100 {
            b.acquire_before(5, None).await.unwrap().answered(None);
        }
        assert_eq!(start.elapsed(), Duration::from_millis(1500));
    }

    #[tokio::test(start_paused = true)]
    async fn requests_in_flight_are_taken_off_what_an_answer_states() {
        let b = WeightBudget::new("t".into(), 0, weight, None);
        // Nothing known: both go.
        let first = b.acquire_before(5, None).await.unwrap();
        let second = b.acquire_before(5, None).await.unwrap();
        // The first's answer may not count the second yet: 12 - 5.
        first.answered(Some(stated(12, MINUTE)));
        // The second's, counting both, states 7; a late, stale 12 changes nothing.
        second.answered(Some(stated(7, MINUTE)));
        let t = b.acquire_before(1, None).await.unwrap();
        t.answered(Some(stated(12, MINUTE)));
        let s = b.lock();
        assert_eq!(s.window.unwrap().remaining, 6);
        assert_eq!(s.in_flight, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_reset_starts_a_new_window_and_an_earlier_one_is_stale() {
        let b = WeightBudget::new("t".into(), 0, weight, None);
        b.acquire_before(1, None)
            .await
            .unwrap()
            .answered(Some(stated(3, Duration::from_secs(2))));
        b.acquire_before(1, None)
            .await
            .unwrap()
            .answered(Some(stated(900, Duration::from_secs(62))));
        assert_eq!(b.lock().window.unwrap().remaining, 900);
        b.acquire_before(1, None)
            .await
            .unwrap()
            .answered(Some(stated(2, Duration::from_secs(2))));
        assert_eq!(
            b.lock().window.unwrap().remaining,
            899,
            "an answer from the window before is stale"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_dropped_before_its_answer_leaves_nothing_in_flight() {
        let b = WeightBudget::new("t".into(), 0, weight, Some((10, MINUTE)));
        drop(b.acquire_before(5, None).await.unwrap());
        let s = b.lock();
        assert_eq!(s.in_flight, 0);
        assert_eq!(s.window.unwrap().remaining, 5, "the cost stays spent");
    }
}
