//! Threads of conversations off screen, released after a while: over a shift an operator opens
//! hundreds of conversations, and each thread kept is up to thousands of messages. Opening one
//! again shows it from the cache at once (`Store::LoadThread`) while the platform is asked.

use super::model::Thread;
use super::msg::{Cmd, Store};
use super::{Model, thread};
use crate::domain::{ConversationKey, Message, Status};
use chrono::TimeDelta;

/// A thread not open and not arrived for this long is released, unless the operator still
/// needs it (see [`needed`]).
pub const RELEASE_AFTER: TimeDelta = TimeDelta::minutes(10);

/// Releases the threads nobody needs: on every tick (at least once a minute while times show).
pub(super) fn release_idle(model: &mut Model) {
    let idle: Vec<ConversationKey> = (model.threads.iter())
        .filter(|(key, t)| !needed(model, key, t))
        .map(|(key, _)| key.clone())
        .collect();
    for key in idle {
        model.threads.remove(&key);
    }
}

/// Whether a thread must stay in memory: open, touched lately, or one whose conversation still
/// needs the operator or whose messages the alerts and the waiting times are derived from: a
/// customer waiting for a human, a hold, a draft, something on its way, a search's mark.
pub(super) fn needed(model: &Model, key: &ConversationKey, t: &Thread) -> bool {
    model.open.as_ref() == Some(key)
        || t.touched.is_some_and(|at| model.now - at < RELEASE_AFTER)
        || !t.outbox.is_empty()
        || t.found.is_some()
        || model.mine.contains_key(key)
        || model.busy.contains_key(key)
        || model.drafts.get(key).is_some_and(|d| !d.is_empty())
        || model.note_mode.contains(key)
        || (model.conversations.get(key)).is_some_and(|c| c.status == Status::NeedsHuman)
}

/// Opening a conversation whose thread is not in memory: read back from the cache.
pub(super) fn reread(model: &Model, key: &ConversationKey) -> Option<Cmd> {
    let missing = model.threads.get(key).is_none_or(|t| !t.loaded);
    missing.then(|| Cmd::Store(Store::LoadThread(key.clone())))
}

/// The cache's copy of a thread asked for by [`reread`], as the start's cached threads are
/// shown; none (nothing cached) leaves the thread waiting for the platform's.
pub(super) fn on_cached_thread(model: &mut Model, key: ConversationKey, messages: Vec<Message>) -> Vec<Cmd> {
    if !messages.is_empty() {
        thread::on_cached_thread(model, key, messages);
    }
    vec![]
}
