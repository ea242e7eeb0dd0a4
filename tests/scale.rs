//! Requests per account per minute, counted by the sandbox, at real sizes: the sync's cost must
//! follow the budget, not the history. Time is compressed twentyfold (a "minute" of 3 s, the
//! list every 250 ms, the thread every 100 ms: the defaults' 5 s and 2 s at the same ratio), so
//! the counts are those of real minutes; what is checked is counts, never durations.
//!
//! `cargo test --release --test scale -- --ignored --nocapture` runs 100,000 conversations and
//! prints the table that is in the README.
#![cfg(feature = "sandbox")]

mod common;

use common::*;
use handoff::app::{Msg, Net};
use handoff::domain::{Conversation, ConversationKey, PlatformKind, Status};
use handoff::platform::Platform;
use handoff::sandbox::SandboxHandle;
use handoff::sync::{Engine, Intervals};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver};
use tokio::time::Instant;

/// The compressed minute, and the default intervals compressed alike.
const MINUTE: Duration = Duration::from_secs(3);
const LIST: Duration = Duration::from_millis(250);
const THREAD: Duration = Duration::from_millis(100);
const BUDGET: u32 = 60;
/// The sandbox's names for the three platforms, in `PlatformKind::ALL`'s order.
const PLATFORMS: [&str; 3] = ["raia", "chatvolt", "chatdash"];
const ACCOUNTS: [&str; 3] = ["raia", "volt", "dash"];

/// Requests per platform, minute by minute, in three phases.
#[derive(Debug, Default)]
struct Counts {
    /// Until every account has walked its history once.
    backfill: Vec<[u64; 3]>,
    /// After it, nothing open.
    idle: Vec<[u64; 3]>,
    /// After it, one conversation open on each account in turn (one at a time).
    thread: Vec<[u64; 3]>,
}

fn adapters_with_budget(h: &SandboxHandle) -> Vec<Arc<dyn Platform>> {
    PlatformKind::ALL
        .into_iter()
        .map(|kind| {
            let mut s = settings(h, kind);
            s.requests_per_minute = BUDGET;
            s.minute = MINUTE;
            adapter(s)
        })
        .collect()
}

/// Requests each platform received since `since`; and the sequence number to count from next.
async fn count(h: &SandboxHandle, since: u64) -> ([u64; 3], u64) {
    let s = summary(h, Some(since)).await;
    let counts = PLATFORMS.map(|p| s["platforms"][p]["total"].as_u64().unwrap_or(0));
    (counts, s["last_seq"].as_u64().unwrap_or(since))
}

/// Notes what the engine said: which accounts have walked their history, and the latest of
/// every conversation.
fn note(msg: Msg, walked: &mut HashSet<String>, seen: &mut HashMap<ConversationKey, Conversation>) {
    match msg {
        Msg::Walked { account } => {
            walked.insert(account);
        }
        Msg::Synced { changed, removed, .. } => {
            for c in changed {
                seen.insert(c.key.clone(), c);
            }
            for key in removed {
                seen.remove(&key);
            }
        }
        _ => {}
    }
}

struct Run {
    h: SandboxHandle,
    engine: Engine,
    rx: UnboundedReceiver<Msg>,
    walked: HashSet<String>,
    seen: HashMap<ConversationKey, Conversation>,
    seq: u64,
}

impl Run {
    async fn start(conversations: usize) -> Run {
        let h = quiet(conversations).await;
        let (tx, rx) = mpsc::unbounded_channel();
        let intervals = Intervals {
            list: LIST,
            thread: THREAD,
        };
        let engine = Engine::start(adapters_with_budget(&h), intervals, tx);
        Run {
            h,
            engine,
            rx,
            walked: HashSet::new(),
            seen: HashMap::new(),
            seq: 0,
        }
    }

    /// One compressed minute: what each platform received during it.
    async fn minute(&mut self) -> [u64; 3] {
        tokio::time::sleep(MINUTE).await;
        let (counts, seq) = count(&self.h, self.seq).await;
        self.seq = seq;
        while let Ok(msg) = self.rx.try_recv() {
            note(msg, &mut self.walked, &mut self.seen);
        }
        counts
    }

    async fn measure(&mut self, idle_minutes: usize, max_backfill_minutes: usize) -> Counts {
        let mut counts = Counts::default();
        while self.walked.len() < ACCOUNTS.len() {
            assert!(
                counts.backfill.len() < max_backfill_minutes,
                "the history was not walked within {max_backfill_minutes} minutes: {:?} walked; {counts:?}",
                self.walked
            );
            counts.backfill.push(self.minute().await);
        }
        // The minute the last walk ended in is still busy; steady state starts after it.
        self.minute().await;
        for _ in 0..idle_minutes {
            counts.idle.push(self.minute().await);
        }
        for account in ACCOUNTS {
            let key = self
                .seen
                .keys()
                .find(|k| *k.account == *account)
                .cloned()
                .expect("each account has conversations");
            self.engine.handle(Net::Watch(Some(key)));
            self.minute().await;
            counts.thread.push(self.minute().await);
        }
        self.engine.handle(Net::Watch(None));
        counts
    }
}

fn assert_bounded(counts: &Counts) {
    for (i, minute) in counts
        .backfill
        .iter()
        .chain(&counts.idle)
        .chain(&counts.thread)
        .enumerate()
    {
        for (p, n) in PLATFORMS.iter().zip(minute) {
            assert!(
                *n <= u64::from(BUDGET),
                "minute {i}: {p} made {n} requests, over the budget of {BUDGET}"
            );
        }
    }
    for minute in &counts.idle {
        for (p, n) in PLATFORMS.iter().zip(minute) {
            assert!(*n <= 30, "{p} made {n} requests in an idle minute: {counts:?}");
            assert!(*n >= 8, "{p} kept polling: {n} requests in a minute: {counts:?}");
        }
    }
    for (open, minute) in counts.thread.iter().enumerate() {
        for (p, (i, n)) in PLATFORMS.iter().zip(minute.iter().enumerate()) {
            let limit = if i == open { 50 } else { 30 };
            assert!(
                *n <= limit,
                "{p} made {n} requests in a minute (thread open on {}): {counts:?}",
                PLATFORMS[open]
            );
        }
    }
}

/// The highest count of each platform over `minutes`.
fn peak(minutes: &[[u64; 3]]) -> [u64; 3] {
    let mut peak = [0; 3];
    for minute in minutes {
        for (p, n) in peak.iter_mut().zip(minute) {
            *p = (*p).max(*n);
        }
    }
    peak
}

fn report(conversations: usize, counts: &Counts) {
    let total: [u64; 3] = counts.backfill.iter().fold([0; 3], |mut t, m| {
        for (t, n) in t.iter_mut().zip(m) {
            *t += n;
        }
        t
    });
    println!(
        "{conversations} conversations: backfill {} minutes, {total:?} requests; peaks per minute — backfill {:?}, idle {:?}, thread open {:?}",
        counts.backfill.len(),
        peak(&counts.backfill),
        peak(&counts.idle),
        peak(&counts.thread),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_per_minute_stay_within_budget_and_do_not_grow_with_history() {
    let mut steady = Vec::new();
    for conversations in [1_000, 10_000] {
        let mut run = Run::start(conversations).await;
        let counts = run.measure(2, 30).await;
        report(conversations, &counts);
        assert_bounded(&counts);
        steady.push(peak(&counts.idle));
        run.engine.shutdown();
    }
    // Ten times the history, and the idle cost is the same (a poll or two of jitter).
    for p in 0..3 {
        assert!(
            steady[1][p] <= steady[0][p] + 2,
            "{}: {} a minute at 10,000 against {} at 1,000",
            PLATFORMS[p],
            steady[1][p],
            steady[0][p]
        );
    }
}

/// At 10,000 conversations: an old conversation asking for a human, and a new message in the
/// open thread, are in the inbox within a poll or two.
#[tokio::test(flavor = "multi_thread")]
async fn handoffs_and_the_open_thread_are_seen_at_once_whatever_the_history() {
    let mut run = Run::start(10_000).await;
    run.measure(0, 30).await;
    run.check_latency().await;
    run.engine.shutdown();
}

/// The AI conversation of `account` created longest ago (or, with `within`, the oldest one
/// created within that many days).
fn oldest_ai(run: &Run, account: &str, within: Option<i64>) -> Conversation {
    let since = within.map(|days| chrono::Utc::now() - chrono::TimeDelta::days(days));
    run.seen
        .values()
        .filter(|c| *c.key.account == *account && c.status == Status::Ai)
        .filter(|c| since.is_none_or(|since| c.created_at > since))
        .min_by_key(|c| c.created_at)
        .unwrap_or_else(|| panic!("{account} has an AI conversation"))
        .clone()
}

impl Run {
    /// Waits for `done` to hold of what the engine says, failing after `within`.
    async fn until(&mut self, what: &str, within: Duration, done: impl Fn(&Msg) -> bool) {
        let deadline = Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => {
                    let hit = done(&msg);
                    note(msg, &mut self.walked, &mut self.seen);
                    if hit {
                        return;
                    }
                }
                _ => panic!("{what}: not within {within:?}"),
            }
        }
    }

    async fn ask_for_a_human(&mut self, platform: &str, old: &Conversation, within: Duration) {
        // ChatDash's ids in the inbox are `agent:id`; the sandbox knows the id.
        let id = old.key.id.rsplit(':').next().unwrap_or_default().to_string();
        control(
            &self.h,
            reqwest::Method::POST,
            "say",
            Some(json!({"platform": platform, "id": id, "text": "a person please", "asks_for_human": true})),
        )
        .await;
        let key = old.key.clone();
        let what = format!("{platform}: {} (created {}) asking for a human", key, old.created_at);
        self.until(&what, within, |msg| match msg {
            Msg::Synced { changed, .. } => changed.iter().any(|c| c.key == key && c.status == Status::NeedsHuman),
            _ => false,
        })
        .await;
    }

    async fn check_latency(&mut self) {
        // One list interval and a request, with room for a loaded machine.
        let poll = LIST * 3 + Duration::from_secs(1);
        for (platform, account) in [("raia", "raia"), ("chatvolt", "volt")] {
            let old = oldest_ai(self, account, None);
            assert!(
                old.created_at < chrono::Utc::now() - chrono::TimeDelta::days(60),
                "{platform}: the oldest is from {}",
                old.created_at
            );
            self.ask_for_a_human(platform, &old, poll).await;
        }
        // ChatDash: created today, its agent's recent window every poll; created this week, its
        // agent's whole lookback in turn (two agents: each every four list intervals).
        let today = oldest_ai(self, "dash", Some(1));
        self.ask_for_a_human("chatdash", &today, poll).await;
        let this_week = oldest_ai(self, "dash", Some(6));
        assert!(this_week.created_at < chrono::Utc::now() - chrono::TimeDelta::days(1));
        self.ask_for_a_human("chatdash", &this_week, LIST * 8 + Duration::from_secs(1))
            .await;

        // The open thread: a new message within a thread interval or two.
        let open = oldest_ai(self, "raia", Some(1)).key;
        self.engine.handle(Net::Watch(Some(open.clone())));
        let key = open.clone();
        self.until(
            "the open thread",
            Duration::from_secs(5),
            |msg| matches!(msg, Msg::Thread { key: k, .. } if *k == key),
        )
        .await;
        control(
            &self.h,
            reqwest::Method::POST,
            "say",
            Some(json!({"platform": "raia", "id": open.id, "text": "are you there?"})),
        )
        .await;
        self.until("the new message in the open thread", THREAD * 3 + Duration::from_secs(1), |msg| {
            matches!(msg, Msg::Thread { key: k, messages } if *k == key && messages.iter().any(|m| m.text == "are you there?"))
        })
        .await;
        self.engine.handle(Net::Watch(None));
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a scale measurement: run with --release --ignored --nocapture"]
async fn at_100000_conversations() {
    let mut run = Run::start(100_000).await;
    let counts = run.measure(3, 60).await;
    report(100_000, &counts);
    assert_bounded(&counts);
    run.check_latency().await;
    run.engine.shutdown();
}
