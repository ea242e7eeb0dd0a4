//! One account's poller: the only code that polls that account, so there is never more than
//! one polling request in flight per account (platforms.md §7.10). It awaits each request
//! itself and reads the engine's [`Control`] messages only between requests.
//!
//! Each cycle it lists the conversations (incrementally where the platform can), tells the UI
//! what changed, fetches the threads of conversations that need a human (for the waiting time
//! and preview) and, on its own schedule, the thread on screen.

use super::{Intervals, backoff};
use crate::app::{Connection, Msg};
use crate::domain::{Conversation, ConversationKey, Message, Status};
use crate::platform::{Listing, Platform, PlatformError};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

/// What the engine tells a poller.
#[derive(Debug)]
pub(super) enum Control {
    /// The id of the conversation on screen when it belongs to this account, else `None`.
    Watch(Option<String>),
    /// Poll now; also resumes an account stopped on a bad key.
    Refresh,
    /// An operation or a send succeeded: look again now so the inbox shows the platform's state.
    Nudge,
}

enum Event {
    Control(Control),
    Due,
}

/// At most this many needs-human threads are fetched per cycle, so a burst of handoffs does
/// not hold up the next list (the rest follow in the next cycles).
const PREVIEWS_PER_CYCLE: usize = 8;
/// A full list at least every this many lists: incremental answers cannot show deletions.
const FULL_LIST_EVERY: u32 = 12;

/// The UI is gone (its receiver was dropped): the poller ends quietly.
struct Gone;
type Flow = Result<(), Gone>;

pub(super) struct Poller {
    platform: Arc<dyn Platform>,
    account: String,
    intervals: Intervals,
    tx: UnboundedSender<Msg>,
    control: UnboundedReceiver<Control>,

    /// The state last told to the UI (the UI starts at `Connecting`).
    connection: Connection,
    /// Stopped on a rejected key until a `Refresh`.
    stopped: bool,
    /// The server's `Retry-After`: no polling request before this, whatever else is due.
    hold_until: Option<Instant>,

    next_list: Instant,
    list_failures: u32,
    /// When the last successful list started: the `since` of the next incremental one.
    since: Option<DateTime<Utc>>,
    incremental_lists: u32,
    want_full_list: bool,
    synced_once: bool,
    /// The conversations as last told to the UI, without the fields the adapters leave empty.
    snapshot: HashMap<String, Conversation>,

    watched: Option<String>,
    next_thread: Instant,
    thread_failures: u32,
    /// The messages last sent to the UI per conversation id.
    sent_threads: HashMap<String, Vec<Message>>,
    /// The conversation's `updated_at` when its messages were last fetched.
    fetched_at_version: HashMap<String, DateTime<Utc>>,
    /// Where what is learnt is also written, for the next start.
    pub(super) cache: Option<super::CacheWriter>,
}

impl Poller {
    pub(super) fn new(
        platform: Arc<dyn Platform>,
        intervals: Intervals,
        tx: UnboundedSender<Msg>,
        control: UnboundedReceiver<Control>,
    ) -> Poller {
        let now = Instant::now();
        Poller {
            account: platform.account().to_string(),
            platform,
            intervals,
            tx,
            control,
            connection: Connection::Connecting,
            stopped: false,
            hold_until: None,
            next_list: now,
            list_failures: 0,
            since: None,
            incremental_lists: 0,
            want_full_list: true,
            synced_once: false,
            snapshot: HashMap::new(),
            watched: None,
            next_thread: now,
            thread_failures: 0,
            sent_threads: HashMap::new(),
            fetched_at_version: HashMap::new(),
            cache: None,
        }
    }

    /// Polls until the engine or the UI goes away.
    pub(super) async fn run(mut self) {
        loop {
            let wake = self.next_wake();
            let event = tokio::select! {
                // Commands first: a watch change should not wait behind a due list.
                biased;
                () = self.tx.closed() => None,
                control = self.control.recv() => control.map(Event::Control),
                () = sleep_until(wake) => Some(Event::Due),
            };
            let flow = match event {
                Some(Event::Control(control)) => self.apply(control),
                Some(Event::Due) => self.poll_due().await,
                // The UI or the engine is gone.
                None => Err(Gone),
            };
            if flow.is_err() {
                return;
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Scheduling

    fn apply(&mut self, control: Control) -> Flow {
        match control {
            Control::Watch(id) => {
                self.watch(id);
                Ok(())
            }
            Control::Refresh => self.refresh(),
            Control::Nudge => {
                let now = Instant::now();
                self.next_list = now;
                self.next_thread = now;
                Ok(())
            }
        }
    }

    fn watch(&mut self, id: Option<String>) {
        if id == self.watched {
            return;
        }
        if let Some(id) = &id {
            // Opening a conversation always delivers its thread, even one the UI saw before.
            self.sent_threads.remove(id);
        }
        self.watched = id;
        self.thread_failures = 0;
        self.next_thread = Instant::now();
    }

    /// The operator asked: poll now, past any backoff and a server's `Retry-After` (one request
    /// is what they asked for), with a full list, and try a rejected key again.
    fn refresh(&mut self) -> Flow {
        let now = Instant::now();
        self.hold_until = None;
        self.next_list = now;
        self.next_thread = now;
        self.want_full_list = true;
        if self.stopped {
            self.stopped = false;
            // The status bar shows the new attempt, not the old verdict, until it is answered.
            self.set_connection(Connection::Connecting)?;
        }
        Ok(())
    }

    /// When the next request is due, or `None` when nothing is (stopped on a bad key).
    fn next_wake(&self) -> Option<Instant> {
        if self.stopped {
            return None;
        }
        let list = self.not_before(self.next_list);
        let thread = self.watched.as_ref().map(|_| self.not_before(self.next_thread));
        Some(thread.map_or(list, |thread| thread.min(list)))
    }

    fn not_before(&self, at: Instant) -> Instant {
        self.hold_until.map_or(at, |hold| hold.max(at))
    }

    fn is_due(&self, at: Instant) -> bool {
        !self.stopped && self.not_before(at) <= Instant::now()
    }

    async fn poll_due(&mut self) -> Flow {
        // The thread on screen first: it is what the operator is looking at.
        if self.watched.is_some() && self.is_due(self.next_thread) {
            self.poll_thread().await?;
        }
        if self.is_due(self.next_list) {
            self.poll_list().await?;
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Lists

    async fn poll_list(&mut self) -> Flow {
        let full = self.want_full_list || self.since.is_none() || self.incremental_lists + 1 >= FULL_LIST_EVERY;
        let since = if full { None } else { self.since };
        let started = Utc::now();
        match self.platform.list_conversations(since).await {
            Ok(listing) => {
                self.since = Some(started);
                self.incremental_lists = if full { 0 } else { self.incremental_lists + 1 };
                self.want_full_list &= !full;
                self.list_failures = 0;
                self.set_connection(match &listing.warning {
                    Some(warning) => {
                        tracing::warn!(account = %self.account, %warning, "listing");
                        Connection::Degraded(warning.clone())
                    }
                    None => Connection::Ok,
                })?;
                self.apply_listing(listing)?;
                self.fetch_previews().await?;
                self.next_list = Instant::now() + self.intervals.list;
                Ok(())
            }
            Err(error) => self.list_failed(&error),
        }
    }

    fn list_failed(&mut self, error: &PlatformError) -> Flow {
        tracing::debug!(account = %self.account, %error, "listing failed");
        if is_bad_key(error) {
            return self.stop_on_bad_key(error);
        }
        // Malformed answers and the like are retried the same way: they may be a passing
        // fault (a truncated body), and the status bar says what is wrong meanwhile.
        self.list_failures += 1;
        let delay = self.back_off(self.list_failures, error);
        self.next_list = Instant::now() + delay;
        self.set_connection(Connection::Retrying {
            at: wall_clock_in(delay),
            error: error.to_string(),
        })
    }

    /// Sends what changed since the last listing. The first one is always sent (the UI stops
    /// showing "syncing"); after that, nothing when nothing changed.
    fn apply_listing(&mut self, listing: Listing) -> Flow {
        let mut listed = HashSet::new();
        let mut changed = Vec::new();
        for conversation in listing.conversations {
            let comparable = comparable(&conversation);
            let id = conversation.key.id.clone();
            if self.snapshot.get(&id) != Some(&comparable) {
                self.snapshot.insert(id.clone(), comparable);
                changed.push(conversation);
            }
            listed.insert(id);
        }
        let removed = if listing.complete {
            self.forget_unlisted(&listed)
        } else {
            Vec::new()
        };
        if self.synced_once && changed.is_empty() && removed.is_empty() {
            return Ok(());
        }
        if let Some(cache) = &self.cache {
            cache.conversations(&self.account, !self.synced_once, &changed, &removed);
        }
        self.synced_once = true;
        self.send(Msg::Synced {
            account: self.account.clone(),
            changed,
            removed,
        })
    }

    /// Drops what a complete listing no longer has; returns their keys.
    fn forget_unlisted(&mut self, listed: &HashSet<String>) -> Vec<ConversationKey> {
        let gone: Vec<String> = self
            .snapshot
            .keys()
            .filter(|id| !listed.contains(*id))
            .cloned()
            .collect();
        for id in &gone {
            self.snapshot.remove(id);
            self.sent_threads.remove(id);
            self.fetched_at_version.remove(id);
        }
        gone.iter().map(|id| self.key(id)).collect()
    }

    // -----------------------------------------------------------------------------------------
    // Threads

    async fn poll_thread(&mut self) -> Flow {
        let Some(id) = self.watched.clone() else {
            return Ok(());
        };
        match self.platform.list_messages(&id).await {
            Ok(messages) => {
                self.thread_failures = 0;
                self.next_thread = Instant::now() + self.intervals.thread;
                if let Some(version) = self.snapshot.get(&id).map(|c| c.updated_at) {
                    self.fetched_at_version.insert(id.clone(), version);
                }
                self.deliver_thread(&id, messages)
            }
            Err(error) => self.thread_failed(&id, &error),
        }
    }

    fn thread_failed(&mut self, id: &str, error: &PlatformError) -> Flow {
        tracing::debug!(account = %self.account, id, %error, "thread fetch failed");
        self.thread_failures += 1;
        if self.thread_failures == 1 {
            self.send(Msg::ThreadFailed {
                key: self.key(id),
                error: error.to_string(),
            })?;
        }
        if is_bad_key(error) {
            return self.stop_on_bad_key(error);
        }
        let delay = self.back_off(self.thread_failures, error);
        self.next_thread = Instant::now() + delay;
        Ok(())
    }

    /// The threads of conversations that need a human and changed since their messages were
    /// last fetched, oldest change first: the model derives the waiting time and preview.
    async fn fetch_previews(&mut self) -> Flow {
        for (id, version) in self.previews_due() {
            match self.platform.list_messages(&id).await {
                Ok(messages) => {
                    self.fetched_at_version.insert(id.clone(), version);
                    self.deliver_thread(&id, messages)?;
                }
                Err(error) if is_bad_key(&error) => return self.stop_on_bad_key(&error),
                Err(error) if error.is_transient() => {
                    // Try again next cycle; a `Retry-After` holds every request back.
                    tracing::debug!(account = %self.account, id, %error, "preview fetch failed");
                    self.hold(&error);
                    break;
                }
                Err(error) => {
                    // Gone or unreadable: not again until the conversation changes.
                    tracing::debug!(account = %self.account, id, %error, "preview fetch failed");
                    self.fetched_at_version.insert(id, version);
                }
            }
        }
        Ok(())
    }

    fn previews_due(&self) -> Vec<(String, DateTime<Utc>)> {
        let mut due: Vec<(String, DateTime<Utc>)> = self
            .snapshot
            .values()
            .filter(|c| c.status == Status::NeedsHuman)
            // The thread on screen is fetched on its own, faster schedule.
            .filter(|c| self.watched.as_ref() != Some(&c.key.id))
            .filter(|c| {
                self.fetched_at_version
                    .get(&c.key.id)
                    .is_none_or(|fetched| c.updated_at > *fetched)
            })
            .map(|c| (c.key.id.clone(), c.updated_at))
            .collect();
        due.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        due.truncate(PREVIEWS_PER_CYCLE);
        due
    }

    /// Sends the thread unless the UI already has exactly these messages.
    fn deliver_thread(&mut self, id: &str, messages: Vec<Message>) -> Flow {
        if self.sent_threads.get(id) == Some(&messages) {
            return Ok(());
        }
        self.sent_threads.insert(id.to_string(), messages.clone());
        if let Some(cache) = &self.cache {
            cache.thread(self.key(id), &messages);
        }
        self.send(Msg::Thread {
            key: self.key(id),
            messages,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Errors and the connection state

    /// A rejected key will not fix itself: hammering it helps nobody, so polling stops until
    /// the operator refreshes.
    fn stop_on_bad_key(&mut self, error: &PlatformError) -> Flow {
        self.stopped = true;
        self.set_connection(Connection::BadKey(error.to_string()))
    }

    /// The wait after `failures` failures in a row; a `Retry-After` also holds back every
    /// other polling request of this account.
    fn back_off(&mut self, failures: u32, error: &PlatformError) -> Duration {
        self.hold(error);
        backoff::delay(failures, error.retry_after())
    }

    fn hold(&mut self, error: &PlatformError) {
        if let Some(asked) = backoff::asked(error.retry_after()) {
            let until = Instant::now() + asked;
            self.hold_until = Some(self.hold_until.map_or(until, |held| held.max(until)));
        }
    }

    /// Tells the UI, but only when the state changed (a new retry time is a change).
    fn set_connection(&mut self, state: Connection) -> Flow {
        if self.connection == state {
            return Ok(());
        }
        self.connection = state.clone();
        self.send(Msg::Connection {
            account: self.account.clone(),
            state,
        })
    }

    fn send(&self, msg: Msg) -> Flow {
        self.tx.send(msg).map_err(|_| Gone)
    }

    fn key(&self, id: &str) -> ConversationKey {
        ConversationKey::new(self.account.clone(), id)
    }
}

fn is_bad_key(error: &PlatformError) -> bool {
    matches!(error, PlatformError::BadKey { .. })
}

/// A conversation as compared between listings: without the fields the adapters leave empty
/// and the model fills in from the messages.
fn comparable(conversation: &Conversation) -> Conversation {
    Conversation {
        waiting_since: None,
        preview: None,
        ..conversation.clone()
    }
}

/// The wall-clock time `delay` from now, for the status bar.
fn wall_clock_in(delay: Duration) -> DateTime<Utc> {
    let now = Utc::now();
    TimeDelta::from_std(delay)
        .ok()
        .and_then(|delay| now.checked_add_signed(delay))
        .unwrap_or(now)
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
