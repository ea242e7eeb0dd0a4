//! The simulation: customers write, ask for a human and nudge, the AI and customers answer
//! when their delay is up, new conversations open; and the task that ticks it while the
//! sandbox's speed is above zero.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use rand::{Rng, rngs::StdRng, seq::IndexedRandom};

use crate::sandbox::Shared;

use super::{
    World,
    model::{Author, Conversation, Handling, Message, PlatformExt},
    platform::{Platform, now},
    script::{AFTER_OPERATOR, HUMAN_ASKS, NUDGES, TOPICS},
};

impl World {
    /// Advances the simulation by `dt` of wall time at `speed` (> 0).
    pub(in crate::sandbox) fn tick(&mut self, at: DateTime<Utc>, dt: Duration, speed: f64) {
        for platform in Platform::ALL {
            with_list!(self, platform, list => due_replies(list, &mut self.rng, at, speed));
        }

        let p = 1.0 - (-dt.as_secs_f64() * speed / MEAN_SECS_BETWEEN_EVENTS).exp();
        if p.is_finite() && self.rng.random_bool(p.clamp(0.0, 1.0)) {
            self.random_event(at, speed);
        }
    }

    fn random_event(&mut self, at: DateTime<Utc>, speed: f64) {
        let roll = self.rng.random_range(0..100);
        if roll < 15 && self.total() < self.max_conversations {
            self.open_new_conversation(at);
        } else if roll < 25 {
            self.nudge(at, speed);
        } else {
            self.customer_writes(at);
        }
    }

    /// A customer in an AI conversation (whose last word was the AI's) writes again; sometimes
    /// they ask for a human.
    fn customer_writes(&mut self, at: DateTime<Utc>) {
        let idle =
            |h: Handling, last: Option<&Message>| h == Handling::Ai && last.is_some_and(|m| m.author == Author::Ai);
        let Some((platform, index)) = self.pick(|h, last, _| idle(h, last)) else {
            return;
        };
        // Customers ask for a person now and then, but the queue does not grow without end
        // while nobody works it.
        let waiting = self.count(Handling::HumanRequested);
        let asks = self.rng.random_bool(ASK_FOR_HUMAN) && waiting < self.max_waiting;
        let rng = &mut self.rng;
        with_list!(self, platform, list => if let Some(c) = list.get_mut(index) {
            speak(c, rng, asks, at);
        });
    }

    /// A customer who asked for a human and has waited a while says so again (at most twice).
    fn nudge(&mut self, at: DateTime<Utc>, speed: f64) {
        let waited = |last: Option<&Message>| {
            last.is_some_and(|m| {
                m.author == Author::Customer
                    && (at - m.created_at).num_milliseconds() as f64 / 1000.0 * speed >= NUDGE_AFTER_SECS
            })
        };
        let Some((platform, index)) =
            self.pick(|h, last, nudges| h == Handling::HumanRequested && nudges < 2 && waited(last))
        else {
            return;
        };
        let text = NUDGES.choose(&mut self.rng).copied().unwrap_or("Hello?").to_owned();
        let rng = &mut self.rng;
        with_list!(self, platform, list => if let Some(c) = list.get_mut(index) {
            c.script.nudges += 1;
            c.customer_says(rng, text, false, at);
        });
    }

    fn open_new_conversation(&mut self, at: DateTime<Utc>) {
        let platform = Platform::ALL.choose(&mut self.rng).copied().unwrap_or(Platform::Raia);
        let index = self.total();
        let mut spec = self.scripted(platform, Handling::Ai, index);
        // Only the opening line: the AI answers it after its usual delay.
        if let Some(topic) = spec.topic.and_then(|t| TOPICS.get(t)) {
            spec.messages = vec![(Author::Customer, topic.lines[0].to_owned())];
            spec.script_pos = 2;
            spec.next_ai_line = Some(topic.lines[1].to_owned());
        }
        self.insert(platform, spec, at, &[0]);
    }

    /// A random conversation (platform, index) among those matching `pred`.
    fn pick(&mut self, pred: impl Fn(Handling, Option<&Message>, u8) -> bool) -> Option<(Platform, usize)> {
        let mut candidates = Vec::new();
        collect(&mut candidates, Platform::Raia, &self.raia.conversations, &pred);
        collect(&mut candidates, Platform::Chatvolt, &self.chatvolt.conversations, &pred);
        collect(&mut candidates, Platform::Chatdash, &self.chatdash.conversations, &pred);
        candidates.choose(&mut self.rng).copied()
    }
}

/// Simulated seconds (wall seconds × speed) before the AI answers a customer.
const AI_DELAY_SECS: f64 = 2.5;
/// ... before a customer answers an operator.
const CUSTOMER_DELAY_SECS: f64 = 6.0;
/// ... before a waiting customer asks again.
const NUDGE_AFTER_SECS: f64 = 45.0;
/// Chance that a customer who writes asks for a human.
const ASK_FOR_HUMAN: f64 = 0.15;
/// No more customers ask for a human while this many already wait (in a small world; a
/// large one starts with a larger queue, and this many more).
pub(super) const MAX_WAITING: usize = 8;
/// Mean simulated seconds between random events (a customer writes, a conversation opens).
const MEAN_SECS_BETWEEN_EVENTS: f64 = 4.0;

fn collect<E: PlatformExt>(
    out: &mut Vec<(Platform, usize)>,
    platform: Platform,
    list: &[Conversation<E>],
    pred: &impl Fn(Handling, Option<&Message>, u8) -> bool,
) {
    out.extend(
        list.iter()
            .enumerate()
            .filter(|(_, c)| c.ext.simulated() && pred(c.ext.handling(), c.messages.last(), c.script.nudges))
            .map(|(i, _)| (platform, i)),
    );
}

fn speak<E: PlatformExt>(c: &mut Conversation<E>, rng: &mut StdRng, asks: bool, at: DateTime<Utc>) {
    let text = if asks {
        HUMAN_ASKS
            .choose(rng)
            .copied()
            .unwrap_or("Can I talk to a person?")
            .to_owned()
    } else {
        c.next_customer_line(rng)
    };
    c.customer_says(rng, text, asks, at);
}

/// Answers that are due: the AI answers customers in AI conversations, customers answer
/// operators. The AI never speaks in human mode or while a human was requested.
pub(super) fn due_replies<E: PlatformExt>(
    list: &mut [Conversation<E>],
    rng: &mut StdRng,
    at: DateTime<Utc>,
    speed: f64,
) {
    for c in list.iter_mut().filter(|c| c.ext.simulated()) {
        let Some(last) = c.messages.last() else {
            continue;
        };
        let waited = (at - last.created_at).num_milliseconds() as f64 / 1000.0 * speed;
        match (&last.author, c.ext.handling()) {
            (Author::Customer, Handling::Ai) if waited >= AI_DELAY_SECS => c.ai_answers(rng, at),
            (Author::Operator { .. }, h) if h != Handling::Resolved && waited >= CUSTOMER_DELAY_SECS => {
                let text = AFTER_OPERATOR.choose(rng).copied().unwrap_or("Thanks!").to_owned();
                c.customer_says(rng, text, false, at);
            }
            _ => {}
        }
    }
}

/// The simulation task: ticks the world while `speed > 0`; at speed 0 it changes nothing.
pub(in crate::sandbox) async fn simulate(shared: Arc<Shared>) {
    const TICK: Duration = Duration::from_millis(200);
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = tokio::time::Instant::now();
    loop {
        interval.tick().await;
        let now_instant = tokio::time::Instant::now();
        let dt = now_instant - last;
        last = now_instant;
        let speed = shared.settings().speed;
        if speed > 0.0 {
            shared.world().tick(now(), dt, speed);
        }
    }
}
