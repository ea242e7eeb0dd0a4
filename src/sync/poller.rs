//! One account's poller: the only code that polls that account, so there is never more than
//! one polling request in flight per account (platforms.md §7.10). It makes one request at a
//! time, the most urgent one due, and reads the engine's [`Control`] messages between them.
//!
//! What it reads costs the same whatever the size of the history (the queue first):
//! - the account's **queue reads** ([`Platform::queue`]): the urgent ones (what shows a new
//!   handoff) every list interval, the others in turn; a conversation that leaves a set read
//!   whole has changed, and is looked up (gone when the platform says 404);
//! - the conversation on screen, every thread interval;
//! - the threads of customers waiting for a human when they change (waiting time, last words);
//! - the **history**, a page at a time: walked once in the background (the backfill), then
//!   again every 20 minutes, slowly, for what the queue cannot show (deletions).
//!
//! Everything but the open thread and the backfill shares the steady pace of [`pace`]; every
//! request also meets the account's budget in its HTTP client, by the priority it runs with.

use super::pace::{self, Pace, Shares};
use super::{Intervals, backoff};
use crate::app::{Connection, Msg};
use crate::domain::{Conversation, ConversationKey};
use crate::platform::budget::{Priority, with_priority};
use crate::platform::{DEFAULT_REQUESTS_PER_MINUTE, HistoryPage, Listing, Platform, PlatformError, QueueRead};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, HashSet, VecDeque};
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
    /// The ids of this account's conversations the operator holds: their threads are read
    /// when they change, as a waiting customer's are.
    Held(HashSet<String>),
    /// An operation or a send succeeded: look again now so the inbox shows the platform's state.
    Nudge,
    /// Team mode, on the account's leader: the conversations other operators have on screen,
    /// whose threads it keeps as fresh as its own (each read every thread interval, within the
    /// steady pace).
    Viewed(HashSet<String>),
}

use super::pace::SWEEP_EVERY_MINUTES as SWEEP_EVERY;
/// While walking it again, one page per this part of a minute.
const SWEEP_PAGES_PER_MINUTE: u32 = 2;
/// The reads of the queue are asked for again (Chatvolt learns the operator's member id,
/// ChatDash's agents change) after this many minutes.
const READS_EVERY: u32 = 10;

/// The UI is gone (its receiver was dropped): the poller ends quietly.
struct Gone;
type Flow = Result<(), Gone>;

/// One request the poller can make.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Task {
    /// Ask the adapter which reads make up the queue.
    Reads,
    /// The urgent queue read at this index.
    Urgent(usize),
    /// Look up a conversation that left a set read whole.
    Lookup(String),
    /// The next queue read in turn.
    Turn,
    Thread,
    /// The thread another operator of the team has on screen.
    Viewed(String),
    /// The thread of a waiting customer, changed at this version.
    Preview(String, DateTime<Utc>),
    /// The next page of the history.
    History,
}

/// What is known of one queue read.
#[derive(Debug, Default)]
struct ReadState {
    /// When it was last answered (the next one asks for what changed since).
    since: Option<DateTime<Utc>>,
    /// The ids of the set it read whole last time.
    members: HashSet<String>,
    next_at: Option<Instant>,
}

/// A walk of the history under way.
#[derive(Debug, Default)]
struct Walk {
    cursor: Option<String>,
    cursors: HashSet<String>,
    /// Every id heard of since the walk began (from any read), by a 64-bit hash: a walk of
    /// 100,000 held 100,000 more strings. Two ids of one hash (a chance in 10^9 at 100,000)
    /// would leave one deletion unnoticed until the next walk.
    heard: HashSet<u64>,
    /// Cut short (a warning, a repeated cursor): nothing may be believed gone.
    cut: bool,
}

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
    /// The budget's minute (shorter only in tests).
    minute: Duration,

    reads: Vec<QueueRead>,
    read_state: Vec<ReadState>,
    /// When the reads are asked for (again); `None` while they are known.
    next_reads: Option<Instant>,
    reads_fetched_at: Instant,
    /// The queue after failures: no queue request before this.
    queue_retry_at: Option<Instant>,
    queue_failures: u32,
    /// Which non-urgent read is next, and when.
    turn: usize,
    next_turn: Instant,
    /// Conversations that left a set read whole, to look up.
    lookups: VecDeque<String>,
    synced_once: bool,
    /// What was last told to the UI of each conversation: a fingerprint, not a copy (the
    /// model holds the conversations; a second copy here doubled the listing's memory).
    snapshot: HashMap<String, Seen>,

    walk: Option<Walk>,
    walks: u32,
    next_history: Instant,
    history_failures: u32,

    watched: Option<String>,
    /// The conversations the operator holds (`Control::Held`).
    held: HashSet<String>,
    /// What the team's other operators have on screen, and when each is read next.
    viewed: HashMap<String, Instant>,
    next_thread: Instant,
    thread_failures: u32,
    /// A fingerprint of the messages last sent to the UI per conversation id (the model
    /// holds the messages themselves).
    sent_threads: HashMap<String, u64>,
    /// The conversation's `updated_at` when its messages were last fetched.
    fetched_at_version: HashMap<String, DateTime<Utc>>,

    steady: Pace,
    backfill: Pace,
    /// The pace note last told to the UI.
    paced: Option<String>,
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
        let minute = platform.budget().map_or(Duration::from_secs(60), |b| b.window());
        Poller {
            account: platform.account().to_string(),
            platform,
            intervals,
            tx,
            control,
            connection: Connection::Connecting,
            stopped: false,
            hold_until: None,
            minute,
            reads: Vec::new(),
            read_state: Vec::new(),
            next_reads: Some(now),
            reads_fetched_at: now,
            queue_retry_at: None,
            queue_failures: 0,
            turn: 0,
            next_turn: now,
            lookups: VecDeque::new(),
            synced_once: false,
            snapshot: HashMap::new(),
            walk: Some(Walk::default()),
            walks: 0,
            next_history: now,
            history_failures: 0,
            watched: None,
            held: HashSet::new(),
            viewed: HashMap::new(),
            next_thread: now,
            thread_failures: 0,
            sent_threads: HashMap::new(),
            fetched_at_version: HashMap::new(),
            steady: Pace::new(minute),
            backfill: Pace::new(minute),
            paced: None,
            cache: None,
        }
    }

    /// Polls until the engine or the UI goes away.
    pub(super) async fn run(mut self) {
        loop {
            let next = self.plan();
            let wake = next.as_ref().map(|(_, at)| *at);
            let due = tokio::select! {
                // Commands first: a watch change should not wait behind a due request.
                biased;
                () = self.tx.closed() => return,
                control = self.control.recv() => match control {
                    Some(control) => {
                        if self.apply(control).is_err() {
                            return;
                        }
                        continue;
                    }
                    None => return,
                },
                () = sleep_until(wake) => next,
            };
            if let Some((task, _)) = due
                && self.perform(task).await.is_err()
            {
                return;
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Controls

    fn apply(&mut self, control: Control) -> Flow {
        match control {
            Control::Watch(id) => {
                self.watch(id);
                self.tell_pace()
            }
            Control::Refresh => self.refresh(),
            Control::Held(ids) => {
                self.held = ids;
                Ok(())
            }
            Control::Nudge => {
                self.queue_now();
                self.next_thread = Instant::now();
                Ok(())
            }
            Control::Viewed(ids) => {
                let now = Instant::now();
                self.viewed.retain(|id, _| ids.contains(id));
                for id in ids {
                    self.viewed.entry(id).or_insert(now);
                }
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

    /// The operator asked: poll now, past any backoff and a server's `Retry-After` (one round
    /// is what they asked for), and try a rejected key again.
    fn refresh(&mut self) -> Flow {
        self.hold_until = None;
        self.queue_retry_at = None;
        self.queue_now();
        self.next_thread = Instant::now();
        // And the history again, at its slow pace, unless a walk is under way.
        if self.walk.is_none() {
            self.next_history = Instant::now();
        }
        if self.stopped {
            self.stopped = false;
            // The status bar shows the new attempt, not the old verdict, until it is answered.
            self.set_connection(Connection::Connecting)?;
        }
        Ok(())
    }

    /// Every queue read is due now.
    fn queue_now(&mut self) {
        let now = Instant::now();
        for state in &mut self.read_state {
            state.next_at = Some(now);
        }
        self.next_turn = now;
    }

    // -----------------------------------------------------------------------------------------
    // Scheduling

    /// The next request and when it may go: the most urgent of those due now, else the one
    /// due first. `None` when nothing is (stopped on a bad key).
    fn plan(&mut self) -> Option<(Task, Instant)> {
        if self.stopped {
            return None;
        }
        let now = Instant::now();
        let mut candidates: Vec<(Task, Instant)> = Vec::new();
        let queue_from = self.queue_retry_at.unwrap_or(now);
        if let Some(at) = self.next_reads {
            candidates.push((Task::Reads, at.max(queue_from)));
        } else {
            let steady = self.steady_ready(now, Priority::Queue);
            // The longest due first: when the budget holds them back (many agents), they
            // take turns rather than the first ones in the list going again and again.
            let mut urgent: Vec<(usize, Instant)> = (0..self.reads.len())
                .filter(|i| self.reads[*i].urgent)
                .map(|i| (i, self.read_state[i].next_at.unwrap_or(now)))
                .collect();
            urgent.sort_by_key(|(i, due)| (*due, *i));
            for (i, due) in urgent {
                candidates.push((Task::Urgent(i), due.max(queue_from).max(steady)));
            }
            if let Some(id) = self.lookups.front() {
                candidates.push((
                    Task::Lookup(id.clone()),
                    queue_from.max(self.steady_ready(now, Priority::Preview)),
                ));
            }
            if self.reads.iter().any(|r| !r.urgent) {
                let at = self
                    .next_turn
                    .max(queue_from)
                    .max(self.steady_ready(now, Priority::Preview));
                candidates.push((Task::Turn, at));
            }
        }
        if self.watched.is_some() {
            candidates.push((Task::Thread, self.next_thread));
        }
        if let Some((id, due)) = self.viewed_due() {
            candidates.push((Task::Viewed(id), due.max(self.steady_ready(now, Priority::Preview))));
        }
        if let Some((id, version)) = self.preview_due() {
            candidates.push((Task::Preview(id, version), self.steady_ready(now, Priority::Preview)));
        }
        if let Some(at) = self.history_at(now) {
            candidates.push((Task::History, at));
        }
        let hold = |at: Instant| self.hold_until.map_or(at, |hold| hold.max(at));
        let candidates: Vec<(Task, Instant)> = candidates.into_iter().map(|(t, at)| (t, hold(at))).collect();
        // In the order pushed, which is the order of priority.
        candidates
            .iter()
            .find(|(_, at)| *at <= now)
            .or_else(|| candidates.iter().min_by_key(|(_, at)| *at))
            .cloned()
    }

    /// When the steady share has room for one more request of `priority`: the queue's urgent
    /// reads may fill it; the rest leave them three places.
    fn steady_ready(&mut self, now: Instant, priority: Priority) -> Instant {
        let steady = self.shares().steady;
        let limit = if priority == Priority::Queue {
            steady
        } else {
            steady.saturating_sub(3).max(1)
        };
        self.steady.ready_at(limit, now)
    }

    /// When the next history page may be asked for: the backfill as fast as its share lets
    /// it, a later walk a page at a time, slowly.
    fn history_at(&mut self, now: Instant) -> Option<Instant> {
        let at = self.next_history;
        Some(if self.walks == 0 {
            at.max(self.backfill.ready_at(self.shares().backfill, now))
        } else {
            at.max(self.steady_ready(now, Priority::History))
        })
    }

    fn limit(&self) -> u32 {
        self.platform
            .budget()
            .map_or(DEFAULT_REQUESTS_PER_MINUTE, |budget| budget.limit())
    }

    fn thread_rate(&self) -> u32 {
        if self.watched.is_some() {
            pace::per_window(self.minute, self.intervals.thread)
        } else {
            0
        }
    }

    fn shares(&self) -> Shares {
        Shares::of(self.limit(), self.thread_rate())
    }

    fn turn_every(&self) -> Duration {
        pace::turn_every(self.intervals.list, self.watched.is_some())
    }

    async fn perform(&mut self, task: Task) -> Flow {
        let now = Instant::now();
        match &task {
            Task::Urgent(_) | Task::Lookup(_) | Task::Turn | Task::Preview(..) | Task::Viewed(_) => {
                self.steady.record(now)
            }
            Task::History if self.walks > 0 => self.steady.record(now),
            Task::History => self.backfill.record(now),
            Task::Reads | Task::Thread => {}
        }
        match task {
            Task::Reads => self.fetch_reads().await,
            Task::Urgent(i) => self.read(i).await,
            Task::Lookup(id) => self.look_up(id).await,
            Task::Turn => self.read_in_turn().await,
            Task::Thread => self.poll_thread().await,
            Task::Preview(id, version) => self.preview(id, version).await,
            Task::Viewed(id) => self.poll_viewed(id).await,
            Task::History => self.history_page().await,
        }
    }

    // -----------------------------------------------------------------------------------------
    // The queue

    async fn fetch_reads(&mut self) -> Flow {
        match with_priority(Priority::Queue, self.platform.queue()).await {
            Ok(reads) => {
                let now = Instant::now();
                // What was known of a read that is still there is kept.
                let mut old: HashMap<String, ReadState> = self
                    .reads
                    .drain(..)
                    .map(|r| r.label)
                    .zip(self.read_state.drain(..))
                    .collect();
                self.read_state = reads.iter().map(|r| old.remove(&r.label).unwrap_or_default()).collect();
                self.reads = reads;
                self.reads_fetched_at = now;
                self.next_reads = None;
                self.turn %= self.reads.iter().filter(|r| !r.urgent).count().max(1);
                self.tell_pace()
            }
            Err(error) => {
                let flow = self.queue_failed(&error);
                self.next_reads = Some(self.queue_retry_at.unwrap_or_else(Instant::now));
                flow
            }
        }
    }

    async fn read(&mut self, index: usize) -> Flow {
        let Some(read) = self.reads.get(index).cloned() else {
            return Ok(());
        };
        let since = self.read_state[index].since;
        let started = Utc::now();
        let answer = with_priority(Priority::Queue, self.platform.read_queue(&read, since)).await;
        match answer {
            Ok(listing) => {
                let state = &mut self.read_state[index];
                state.since = Some(started);
                state.next_at = Some(Instant::now() + self.intervals.list);
                self.queue_answered(listing.warning.as_ref())?;
                self.absorb_read(index, listing)?;
                self.ask_reads_again_when_due();
                // A 429 may have lowered the budget.
                self.tell_pace()
            }
            Err(error) => self.queue_failed(&error),
        }
    }

    async fn read_in_turn(&mut self) -> Flow {
        let in_turn: Vec<usize> = (0..self.reads.len()).filter(|i| !self.reads[*i].urgent).collect();
        self.next_turn = Instant::now() + self.turn_every();
        let Some(&index) = in_turn.get(self.turn % in_turn.len().max(1)) else {
            return Ok(());
        };
        self.turn = (self.turn + 1) % in_turn.len();
        let read = self.reads[index].clone();
        let since = self.read_state[index].since;
        let started = Utc::now();
        match with_priority(Priority::Queue, self.platform.read_queue(&read, since)).await {
            Ok(listing) => {
                self.read_state[index].since = Some(started);
                self.queue_answered(listing.warning.as_ref())?;
                self.absorb_read(index, listing)
            }
            Err(error) => self.queue_failed(&error),
        }
    }

    fn ask_reads_again_when_due(&mut self) {
        if self.reads_fetched_at.elapsed() >= self.minute * READS_EVERY {
            self.next_reads = Some(Instant::now());
        }
    }

    /// A queue read answered: the account is reachable (or degraded, as the answer says).
    fn queue_answered(&mut self, warning: Option<&String>) -> Flow {
        self.queue_failures = 0;
        self.queue_retry_at = None;
        self.set_connection(match warning {
            Some(warning) => {
                tracing::warn!(account = %self.account, %warning, "listing");
                Connection::Degraded(warning.clone())
            }
            None => Connection::Ok,
        })
    }

    fn queue_failed(&mut self, error: &PlatformError) -> Flow {
        tracing::debug!(account = %self.account, %error, "queue read failed");
        if is_bad_key(error) {
            return self.stop_on_bad_key(error);
        }
        // Malformed answers and the like are retried the same way: they may be a passing
        // fault (a truncated body), and the status bar says what is wrong meanwhile.
        self.queue_failures += 1;
        let delay = self.back_off(self.queue_failures, error);
        self.queue_retry_at = Some(Instant::now() + delay);
        self.set_connection(Connection::Retrying {
            at: wall_clock_in(delay),
            error: error.to_string(),
        })
    }

    /// Takes in a queue read's answer; a conversation that was in the set it read whole and is
    /// not any more is looked up.
    fn absorb_read(&mut self, index: usize, listing: Listing) -> Flow {
        if listing.complete && listing.warning.is_none() {
            let members: HashSet<String> = listing.conversations.iter().map(|c| c.key.id.clone()).collect();
            let left: Vec<String> = self.read_state[index]
                .members
                .difference(&members)
                .filter(|id| self.snapshot.contains_key(*id))
                .cloned()
                .collect();
            for id in left {
                self.look_up_later(id);
            }
            self.read_state[index].members = members;
        }
        self.absorb(listing.conversations, Vec::new())
    }

    fn look_up_later(&mut self, id: String) {
        if !self.lookups.contains(&id) {
            self.lookups.push_back(id);
        }
    }

    async fn look_up(&mut self, id: String) -> Flow {
        self.lookups.retain(|queued| *queued != id);
        match with_priority(Priority::Queue, self.platform.get_conversation(&id)).await {
            Ok(conversation) => self.absorb(vec![conversation], Vec::new()),
            Err(PlatformError::NotFound { .. }) => {
                let removed = self.forget(&id).into_iter().collect();
                self.absorb(Vec::new(), removed)
            }
            Err(error) if is_bad_key(&error) => self.stop_on_bad_key(&error),
            Err(error) if error.is_transient() => {
                tracing::debug!(account = %self.account, id, %error, "lookup failed; again later");
                self.hold(&error);
                self.lookups.push_back(id);
                Ok(())
            }
            Err(error) => {
                tracing::debug!(account = %self.account, id, %error, "lookup failed");
                Ok(())
            }
        }
    }

    /// Sends what changed. The first time always (the UI stops showing "syncing"); after that,
    /// nothing when nothing changed.
    fn absorb(&mut self, conversations: Vec<Conversation>, removed: Vec<ConversationKey>) -> Flow {
        let mut changed = Vec::new();
        for conversation in conversations {
            let seen = Seen::of(&conversation);
            let id = &conversation.key.id;
            if let Some(walk) = &mut self.walk {
                walk.heard.insert(heard(id));
            }
            if self.snapshot.get(id) != Some(&seen) {
                self.snapshot.insert(id.clone(), seen);
                changed.push(conversation);
            }
        }
        if self.synced_once && changed.is_empty() && removed.is_empty() {
            return Ok(());
        }
        if let Some(cache) = &self.cache {
            cache.conversations(&self.account, &changed, &removed);
        }
        self.synced_once = true;
        self.send(Msg::Synced {
            account: self.account.clone(),
            changed,
            removed,
        })
    }

    /// Forgets a conversation the platform says is gone; its key, when it was known.
    fn forget(&mut self, id: &str) -> Option<ConversationKey> {
        self.sent_threads.remove(id);
        self.fetched_at_version.remove(id);
        for state in &mut self.read_state {
            state.members.remove(id);
        }
        self.snapshot.remove(id).map(|_| self.key(id))
    }

    // -----------------------------------------------------------------------------------------
    // The history

    async fn history_page(&mut self) -> Flow {
        // The time for the next walk has come.
        let cursor = self.walk.get_or_insert_with(Walk::default).cursor.clone();
        match with_priority(Priority::History, self.platform.history(cursor.as_deref())).await {
            Ok(page) => {
                self.history_failures = 0;
                self.next_history = Instant::now()
                    + if self.walks == 0 {
                        Duration::ZERO
                    } else {
                        self.minute / SWEEP_PAGES_PER_MINUTE
                    };
                self.history_answered(page)
            }
            Err(error) if is_bad_key(&error) => self.stop_on_bad_key(&error),
            Err(error) => {
                tracing::debug!(account = %self.account, %error, "history page failed");
                self.history_failures += 1;
                let delay = self.back_off(self.history_failures, &error);
                self.next_history = Instant::now() + delay;
                Ok(())
            }
        }
    }

    fn history_answered(&mut self, page: HistoryPage) -> Flow {
        let HistoryPage {
            conversations,
            next,
            warning,
        } = page;
        if let Some(warning) = &warning {
            tracing::warn!(account = %self.account, %warning, "history");
        }
        self.absorb(conversations, Vec::new())?;
        let Some(walk) = &mut self.walk else {
            return Ok(());
        };
        walk.cut |= warning.is_some();
        match next {
            Some(next) if walk.cursors.insert(next.clone()) => {
                walk.cursor = Some(next);
                Ok(())
            }
            Some(next) => {
                tracing::warn!(account = %self.account, cursor = %crate::domain::sanitize_line(&next), "the server repeated a history page; the walk stops here");
                walk.cut = true;
                self.walk_ended()
            }
            None => self.walk_ended(),
        }
    }

    /// A walk of the whole history ended. When it was not cut short, what the poller knows
    /// and the walk never heard of may be gone: each is looked up (404 is gone).
    fn walk_ended(&mut self) -> Flow {
        let Some(walk) = self.walk.take() else {
            return Ok(());
        };
        self.walks += 1;
        self.next_history = Instant::now() + self.minute * SWEEP_EVERY;
        if walk.cut {
            return Ok(());
        }
        let unheard: Vec<String> = self
            .snapshot
            .keys()
            .filter(|id| !walk.heard.contains(&heard(id)))
            .cloned()
            .collect();
        for id in unheard {
            self.look_up_later(id);
        }
        if let Some(cache) = &self.cache {
            cache.keep_only(&self.account);
        }
        self.send(Msg::Walked {
            account: self.account.clone(),
        })
    }

    // -----------------------------------------------------------------------------------------
    // Errors, the connection state and the pace

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

    /// Tells the UI when the budget, not the network, sets how often the queue is read.
    fn tell_pace(&mut self) -> Flow {
        let note = pace::queue_note(
            &self.reads,
            self.intervals,
            self.minute,
            self.limit(),
            self.watched.is_some(),
        );
        if note == self.paced {
            return Ok(());
        }
        self.paced = note.clone();
        self.send(Msg::Paced {
            account: self.account.clone(),
            note,
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

/// What the poller keeps of a conversation it told the UI about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    /// Of everything the UI was told but the fields the adapters leave empty (the model
    /// derives them from the thread): a change in any other field changes it.
    fingerprint: u64,
    updated_at: DateTime<Utc>,
    needs_human: bool,
}

/// An id as a walk remembers it heard of.
fn heard(id: &str) -> u64 {
    std::hash::BuildHasher::hash_one(
        &std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default(),
        id,
    )
}

/// A fingerprint of anything serialisable: equal values, equal fingerprints; a different one
/// differs but by a 1 in 2^64 chance.
fn fingerprint(value: &impl serde::Serialize) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    // Serialised into the hasher (no buffer): what is compared holds floats (details), so it
    // has no `Hash` of its own. A derived `Serialize` cannot fail into a writer that cannot.
    let _ = serde_json::to_writer(HashWriter(&mut hasher), value);
    std::hash::Hasher::finish(&hasher)
}

impl Seen {
    fn of(conversation: &Conversation) -> Seen {
        let comparable = Conversation {
            waiting_since: None,
            preview: None,
            ..conversation.clone()
        };
        Seen {
            fingerprint: fingerprint(&comparable),
            updated_at: conversation.updated_at,
            needs_human: conversation.status == crate::domain::Status::NeedsHuman,
        }
    }
}

/// Bytes written into a hasher.
struct HashWriter<'a>(&'a mut std::hash::DefaultHasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        std::hash::Hasher::write(self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
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

mod threads;

#[cfg(test)]
mod tests;
