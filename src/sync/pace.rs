//! How fast an account's poller may go, so that its cost follows the budget, not the history.
//!
//! The account's [`Budget`](crate::platform::budget::Budget) is the hard limit every request
//! meets (actions included). Within it, the poller keeps itself to a steady pace: the queue,
//! the lookups, previews and the history's refresh share **half the budget** when no thread is
//! open, and what the open thread leaves of five sixths when one is (a sixth always stays free
//! for the operator's actions). The one-time backfill of the history takes what is left.
//! At the default 60 a minute: 30 without a thread open, 20 beside a thread read every 2 s
//! (30 a minute), so no minute holds more than 30 or 50 polling requests.

use super::Intervals;
use crate::platform::QueueRead;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// A sliding-window count of requests: no window of `window` length holds more than a limit.
#[derive(Debug)]
pub(super) struct Pace {
    window: Duration,
    sent: VecDeque<Instant>,
}

impl Pace {
    pub(super) fn new(window: Duration) -> Pace {
        Pace {
            window,
            sent: VecDeque::new(),
        }
    }

    /// When one more request fits under `limit`; now or in the past when it fits already.
    pub(super) fn ready_at(&mut self, limit: u32, now: Instant) -> Instant {
        while self
            .sent
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= self.window)
        {
            self.sent.pop_front();
        }
        let limit = limit.max(1) as usize;
        if self.sent.len() < limit {
            return now;
        }
        self.sent[self.sent.len() - limit] + self.window
    }

    pub(super) fn record(&mut self, at: Instant) {
        self.sent.push_back(at);
    }
}

/// The per-window limits of one account's polling, from its budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Shares {
    /// Queue, lookups, previews and refreshing the history, together.
    pub steady: u32,
    /// The one-time backfill of the history.
    pub backfill: u32,
}

impl Shares {
    /// `limit`: the budget per window; `thread`: requests per window the open thread makes
    /// (0 with none open).
    pub(super) fn of(limit: u32, thread: u32) -> Shares {
        let actions = (limit / 6).max(1);
        let polling = limit.saturating_sub(actions);
        let steady = if thread == 0 {
            limit / 2
        } else {
            polling.saturating_sub(thread)
        }
        .max(limit / 6)
        .max(1);
        let backfill = polling.saturating_sub(thread).saturating_sub(steady).max(1);
        Shares { steady, backfill }
    }
}

/// How long between turns of the non-urgent reads: twice the list interval, three times
/// beside an open thread.
pub(super) fn turn_every(list: Duration, thread_open: bool) -> Duration {
    list * if thread_open { 3 } else { 2 }
}

/// What the budget does to the queue of an account with these `reads`, for the status bar
/// and `doctor`: `None` while every urgent read comes round each list interval.
pub(crate) fn queue_note(
    reads: &[QueueRead],
    intervals: Intervals,
    window: Duration,
    limit: u32,
    thread_open: bool,
) -> Option<String> {
    let thread = if thread_open {
        per_window(window, intervals.thread)
    } else {
        0
    };
    let steady = Shares::of(limit, thread).steady;
    // The urgent reads may fill the steady share (the others wait for them).
    let urgent: Vec<&QueueRead> = reads.iter().filter(|r| r.urgent).collect();
    let noun = urgent.first().map_or("read", |r| r.noun);
    note(urgent.len(), noun, intervals.list, window, steady, limit)
}

/// How `doctor` describes an account's sync: what is read how often, and the budget.
pub fn describe(reads: &[QueueRead], intervals: Intervals, limit: u32) -> Vec<String> {
    let minute = Duration::from_secs(60);
    let secs = |d: Duration| humantime::format_duration(Duration::from_secs(d.as_secs().max(1))).to_string();
    let urgent: Vec<&str> = reads.iter().filter(|r| r.urgent).map(|r| r.label.as_str()).collect();
    let in_turn = reads.len() - urgent.len();
    let reads_word = |n: usize| if n == 1 { "read" } else { "reads" };
    let mut queue = format!(
        "{} {} every {} ({})",
        urgent.len(),
        reads_word(urgent.len()),
        secs(intervals.list),
        urgent.join("; ")
    );
    if in_turn > 0 {
        queue.push_str(&format!(
            ", {in_turn} more in turn, one every {}",
            secs(turn_every(intervals.list, false))
        ));
    }
    let thread = per_window(minute, intervals.thread);
    let mut lines = vec![
        format!("queue: {queue}"),
        format!("history: read once in the background, then again every {SWEEP_EVERY_MINUTES} min, slowly"),
        format!(
            "budget: {limit} requests a minute (requests_per_minute); polling at most {} a minute, {} beside an open thread",
            Shares::of(limit, 0).steady,
            Shares::of(limit, thread).steady + thread
        ),
    ];
    if let Some(note) = queue_note(reads, intervals, minute, limit, false) {
        lines.push(format!("the budget sets the pace: {note}"));
    }
    lines
}

/// The history is walked again this many minutes after the last walk ended.
pub(super) const SWEEP_EVERY_MINUTES: u32 = 20;

/// How many requests per `window` something every `every` makes (rounded up).
pub(super) fn per_window(window: Duration, every: Duration) -> u32 {
    let every = every.as_secs_f64().max(0.001);
    u32::try_from((window.as_secs_f64() / every).ceil() as u64).unwrap_or(u32::MAX)
}

/// When the steady share cannot read every urgent read each list interval, how often each
/// comes round, said for the status bar: "each agent every 30 s — 30 agents, 60 requests a
/// minute". `None` when the interval holds.
pub(super) fn note(
    urgent: usize,
    noun: &str,
    list: Duration,
    window: Duration,
    steady_for_urgent: u32,
    limit: u32,
) -> Option<String> {
    if urgent == 0 {
        return None;
    }
    let wanted = per_window(window, list).saturating_mul(urgent as u32);
    if wanted <= steady_for_urgent {
        return None;
    }
    let period = window.as_secs_f64() * urgent as f64 / f64::from(steady_for_urgent.max(1));
    let period = Duration::from_secs_f64(period).as_secs().max(1);
    let minute = if window == Duration::from_secs(60) {
        "a minute".to_string()
    } else {
        format!("per {}", humantime::format_duration(window))
    };
    Some(if urgent == 1 {
        format!("the queue is read every {period} s — {limit} requests {minute}")
    } else {
        format!("each {noun} every {period} s — {urgent} {noun}s, {limit} requests {minute}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_at_the_default_budget() {
        assert_eq!(
            Shares::of(60, 0),
            Shares {
                steady: 30,
                backfill: 20
            }
        );
        // Beside a thread read every 2 s: 20 + 30 = 50 of 60, a sixth kept for actions.
        assert_eq!(
            Shares::of(60, 30),
            Shares {
                steady: 20,
                backfill: 1
            }
        );
        // A lowered budget (after a 429) still polls.
        assert_eq!(Shares::of(1, 30), Shares { steady: 1, backfill: 1 });
    }

    #[tokio::test(start_paused = true)]
    async fn a_pace_lets_no_window_hold_more_than_its_limit() {
        let mut pace = Pace::new(Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(pace.ready_at(3, start), start);
            pace.record(start);
        }
        assert_eq!(pace.ready_at(3, start), start + Duration::from_secs(60));
        assert_eq!(pace.ready_at(4, start), start);
    }

    fn agents(n: usize) -> Vec<QueueRead> {
        (0..n)
            .flat_map(|i| {
                [
                    QueueRead::new(format!("agent {i}, recent"), "agent", true),
                    QueueRead::new(format!("agent {i}, whole"), "agent", false),
                ]
            })
            .collect()
    }

    #[test]
    fn doctor_says_when_the_budget_sets_the_pace() {
        let intervals = Intervals {
            list: Duration::from_secs(5),
            thread: Duration::from_secs(2),
        };
        let one = describe(&agents(1), intervals, 60);
        assert_eq!(
            one[0],
            "queue: 1 read every 5s (agent 0, recent), 1 more in turn, one every 10s"
        );
        assert!(
            one[2].ends_with("polling at most 30 a minute, 50 beside an open thread"),
            "{one:?}"
        );
        assert_eq!(one.len(), 3, "one agent is read every 5 s: {one:?}");
        let many = describe(&agents(30), intervals, 60);
        assert_eq!(
            many.last().unwrap(),
            "the budget sets the pace: each agent every 60 s — 30 agents, 60 requests a minute"
        );
    }

    #[test]
    fn the_note_says_what_the_budget_does_to_the_queue() {
        let minute = Duration::from_secs(60);
        let five = Duration::from_secs(5);
        assert_eq!(note(1, "agent", five, minute, 20, 60), None);
        assert_eq!(
            note(30, "agent", five, minute, 60, 60).as_deref(),
            Some("each agent every 30 s — 30 agents, 60 requests a minute")
        );
    }
}
