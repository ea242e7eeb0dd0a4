//! How many requests an account may make in a minute, whoever makes them: the poller and the
//! operator's own actions share one [`Budget`], kept by the account's HTTP client, so no
//! minute (any sixty seconds, not only those starting on the clock) holds more than the limit.
//!
//! The budget is spent by priority: what asks is named by the task's [`Priority`] (set with
//! [`with_priority`]; outside one, a request is an operator's action). Each priority may fill
//! the window only up to its cap, so lower ones always leave room for the higher: an action
//! always finds room, the queue finds room while history is being read, and so on.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// Who is asking, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// What the operator did: take over, send, hand back, …
    Action,
    /// The small reads that show what can need the operator now.
    Queue,
    /// The conversation on screen.
    Thread,
    /// The threads of waiting customers, for their waiting time and last words.
    Preview,
    /// Everything else, read once in the background and refreshed rarely.
    History,
}

tokio::task_local! {
    static PRIORITY: Priority;
}

/// Runs `future` with every request it makes counted as `priority`.
pub async fn with_priority<F: Future>(priority: Priority, future: F) -> F::Output {
    PRIORITY.scope(priority, future).await
}

fn current() -> Priority {
    PRIORITY.try_with(|p| *p).unwrap_or(Priority::Action)
}

/// A `429` halves the limit for this many windows.
const LOWERED_FOR: u32 = 10;

/// The requests one account may make per window (a minute; shorter only in tests).
#[derive(Debug)]
pub struct Budget {
    per_window: u32,
    window: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// When each request of the last window was let through, oldest first.
    sent: VecDeque<Instant>,
    /// After a `429`: the lowered limit, and until when.
    lowered: Option<(u32, Instant)>,
}

impl Budget {
    /// `per_window` requests per `window`; at least one.
    pub fn new(per_window: u32, window: Duration) -> Budget {
        Budget {
            per_window: per_window.max(1),
            window: window.max(Duration::from_millis(1)),
            state: Mutex::default(),
        }
    }

    /// The budget's window: a minute, unless a test shortened it.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The configured limit per window.
    pub fn configured(&self) -> u32 {
        self.per_window
    }

    /// The limit in force now (lower for a while after a `429`).
    pub fn limit(&self) -> u32 {
        let mut state = self.state();
        self.limit_at(&mut state, Instant::now())
    }

    /// Requests let through in the last window.
    pub fn used(&self) -> u32 {
        let mut state = self.state();
        self.expire(&mut state, Instant::now());
        u32::try_from(state.sent.len()).unwrap_or(u32::MAX)
    }

    /// Waits until a request of the current task's priority fits in the window, and counts it.
    /// Returns how long it waited.
    pub async fn admit(&self) -> Duration {
        self.admit_as(current()).await
    }

    pub async fn admit_as(&self, priority: Priority) -> Duration {
        let started = Instant::now();
        loop {
            let wait = {
                let mut state = self.state();
                let now = Instant::now();
                self.expire(&mut state, now);
                let cap = cap(self.limit_at(&mut state, now), priority) as usize;
                if state.sent.len() < cap {
                    state.sent.push_back(now);
                    return now - started;
                }
                // One more fits once every request up to this one has left the window.
                let last_to_leave = state.sent[state.sent.len() - cap];
                (last_to_leave + self.window).saturating_duration_since(now)
            };
            tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
        }
    }

    /// The server said too many (`429`): half the limit for a while.
    pub fn lower(&self) {
        let mut state = self.state();
        let now = Instant::now();
        let lowered = (self.limit_at(&mut state, now) / 2).max(1);
        state.lowered = Some((lowered, now + self.window * LOWERED_FOR));
    }

    fn limit_at(&self, state: &mut State, now: Instant) -> u32 {
        match state.lowered {
            Some((limit, until)) if now < until => limit,
            Some(_) => {
                state.lowered = None;
                self.per_window
            }
            None => self.per_window,
        }
    }

    fn expire(&self, state: &mut State, now: Instant) {
        while state
            .sent
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= self.window)
        {
            state.sent.pop_front();
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How much of a window of `limit` a priority may fill: a tenth of the limit is kept for each
/// priority above it.
pub fn cap(limit: u32, priority: Priority) -> u32 {
    let reserve = (limit / 10).max(1);
    let kept = match priority {
        Priority::Action => 0,
        Priority::Queue | Priority::Thread => reserve,
        Priority::Preview => 2 * reserve,
        Priority::History => 3 * reserve,
    };
    limit.saturating_sub(kept).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_window_holds_more_than_the_limit_and_priorities_leave_room() {
        let budget = Budget::new(10, Duration::from_secs(60));
        // History may fill 10 - 3 = 7 of 10.
        for _ in 0..7 {
            assert_eq!(budget.admit_as(Priority::History).await, Duration::ZERO);
        }
        // The queue still gets in at once, up to 9; an action up to 10.
        assert_eq!(budget.admit_as(Priority::Queue).await, Duration::ZERO);
        assert_eq!(budget.admit_as(Priority::Queue).await, Duration::ZERO);
        assert_eq!(budget.admit_as(Priority::Action).await, Duration::ZERO);
        assert_eq!(budget.used(), 10);
        // The eleventh waits for the first to leave the window.
        assert_eq!(budget.admit_as(Priority::Action).await, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_halves_the_limit_for_ten_windows() {
        let budget = Budget::new(60, Duration::from_secs(60));
        budget.lower();
        assert_eq!(budget.limit(), 30);
        budget.lower();
        assert_eq!(budget.limit(), 15);
        tokio::time::advance(Duration::from_secs(601)).await;
        assert_eq!(budget.limit(), 60);
    }

    #[tokio::test]
    async fn outside_a_priority_a_request_is_an_action() {
        assert_eq!(current(), Priority::Action);
        with_priority(Priority::History, async { assert_eq!(current(), Priority::History) }).await;
    }

    #[test]
    fn caps_keep_a_tenth_per_priority_above() {
        assert_eq!(cap(60, Priority::Action), 60);
        assert_eq!(cap(60, Priority::Queue), 54);
        assert_eq!(cap(60, Priority::Preview), 48);
        assert_eq!(cap(60, Priority::History), 42);
        assert_eq!(cap(1, Priority::History), 1);
    }
}
