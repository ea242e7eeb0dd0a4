//! The state of the inbox. Owned by one task; changed only by `update`.

use super::alerts::Alerts;
use super::compose::Composer;
use super::keymap::Keymap;
use super::msg::{Connection, Op};
use super::outgoing::Sends;
use super::screen;
use crate::domain::{
    Capabilities, Conversation, ConversationKey, Holder, OnHangup, OnQuit, PlatformKind, ReadMark, Status, queue_rank,
};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, HashSet};

mod overlay;
mod pending;
mod thread;

pub use overlay::{Confirm, Focus, MUTE_CHOICES, Overlay, View};
pub use pending::{AfterReopen, Leaving, Reminder, UNDO_RESOLVE, Undo};
pub use thread::{Item, Thread};

#[derive(Clone, Debug)]
pub struct Account {
    pub name: String,
    pub label: Option<String>,
    pub kind: PlatformKind,
    pub capabilities: Capabilities,
    pub connection: Connection,
    /// The first sync completed: until then the list is incomplete and says so.
    pub synced: bool,
    /// When the cached conversations shown until the first sync were written; `None` when
    /// nothing of this account was cached.
    pub cached_at: Option<DateTime<Utc>>,
    /// Conversations shown from the cache that no sync of this run has mentioned yet. When the
    /// first complete walk of the account's history ends, those still here are gone.
    pub unconfirmed: std::collections::HashSet<ConversationKey>,
    /// What sets the pace of this account's sync when its request budget does, not the network
    /// ("each agent every 30 s — …"); `None` while the budget is not what delays it.
    pub paced: Option<String>,
}

impl Account {
    /// Until the account answers, what is shown of it comes from the cache and nothing can be
    /// done to it: the operator would be acting on a picture that may be hours old.
    pub fn read_only(&self) -> Option<String> {
        if let Connection::NoKey(why) = &self.connection {
            return Some(format!("the key of account {} could not be read: {why}", self.name));
        }
        (!self.synced).then(|| match self.cached_at {
            Some(_) => format!("{} has not answered yet — its cached copy is read-only", self.name),
            None => format!("{} has not answered yet", self.name),
        })
    }
}

/// A message in the status bar, gone at `until`.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    pub until: DateTime<Utc>,
}

/// A draft reaches the store at most this long after it was typed.
pub const DRAFT_SAVE_DELAY: TimeDelta = TimeDelta::seconds(1);

/// While the store cannot be written, how often drafts are tried again.
pub const DRAFT_RETRY: TimeDelta = TimeDelta::seconds(5);

/// How long a notice stays: errors longer, so they can be read.
pub const NOTICE: TimeDelta = TimeDelta::seconds(5);
pub const ERROR_NOTICE: TimeDelta = TimeDelta::seconds(12);

pub struct Model {
    pub now: DateTime<Utc>,
    pub width: u16,
    pub height: u16,
    pub keymap: Keymap,
    /// Shown in the banner: this is the embedded demo, not real accounts.
    pub demo: bool,
    /// No `[operator] email` in the config: the platforms cannot record who took a
    /// conversation over, so nobody, this program included, can tell "you" apart.
    pub anonymous: bool,
    /// The operator's email, `[operator] email`: the assign prompt starts from it.
    pub me: Option<String>,
    /// The details panel is shown (`D`); kept while moving between conversations.
    pub details: bool,
    /// `[session]`: what `q` and a dropped session do with the conversations held.
    pub on_quit: OnQuit,
    pub on_hangup: OnHangup,
    /// Quitting, after the conversations held are handed back.
    pub leaving: Option<Leaving>,
    /// What needs the operator and has not been acknowledged; `[alerts]`.
    pub alerts: Alerts,
    /// In team mode, the team's picture as the team store last sent it; alone, `None`.
    pub team: Option<crate::domain::team::TeamView>,
    /// What the team was last told this operator looks at and types in.
    pub presence_told: Option<(Option<ConversationKey>, bool, u64)>,
    pub accounts: Vec<Account>,
    pub conversations: HashMap<ConversationKey, Box<Conversation>>,
    /// While the cache is written: the resolved conversations are on disk, not all held here
    /// (`app::archive`). `None`: every conversation is held.
    pub archive: Option<crate::app::archive::Archive>,
    pub threads: HashMap<ConversationKey, Thread>,
    pub drafts: HashMap<ConversationKey, Composer>,
    /// Drafts changed since they were last written to the store, and when they are due.
    pub unsaved: HashSet<ConversationKey>,
    pub save_due: Option<DateTime<Utc>>,
    /// The last write to the store failed (a full disk): drafts are kept here and written
    /// again every [`DRAFT_RETRY`] until one succeeds.
    pub store_failing: bool,
    /// The last message seen per conversation, as the store has them; a thread opened for the
    /// first time in this run puts its "new" divider after it.
    pub read_marks: HashMap<ConversationKey, ReadMark>,
    /// Conversations this operator holds, and since when: taken over here and confirmed by the
    /// platform, or reported as mine. Where the platform cannot name the holder (raia), they
    /// count as held by me; the store keeps them, so that holds across a restart or a crash.
    pub mine: HashMap<ConversationKey, DateTime<Utc>>,
    /// What the store has of `mine`: `update` writes the difference.
    pub holds_saved: HashSet<ConversationKey>,
    /// What the sync engine was last told of `mine` (it reads their threads when they change).
    pub holds_told: HashSet<ConversationKey>,
    /// The start-up reminder of what the last run left held, until it is shown (once).
    pub reminder: Option<Reminder>,
    /// The current view's conversations, in queue order, filtered.
    pub rows: Vec<ConversationKey>,
    /// Per view, among the conversations the filter lets through.
    pub counts: HashMap<View, usize>,
    /// Only the cache's first rows are in; the rest is being read (the counts say "at least").
    pub cache_reading: bool,
    /// Conversations that need a human, whatever the filter (the window title says it).
    pub needs_human: usize,
    pub view: View,
    /// The text filter applied to the list (empty = none).
    pub filter: String,
    /// The filter being typed, while the filter line is open.
    pub filter_input: Option<String>,
    /// The selected conversation: selection follows it when rows move.
    pub selected: Option<ConversationKey>,
    pub cursor: usize,
    /// The first list row on screen.
    pub list_top: usize,
    /// How the list scrolls (`[ui] scroll`).
    pub scroll: screen::Scroll,
    /// How the selected row shows (`[ui] selection`).
    pub selection: screen::Selection,
    pub open: Option<ConversationKey>,
    pub focus: Focus,
    pub overlay: Option<Overlay>,
    /// Operations on their way, per conversation (one at a time).
    pub busy: HashMap<ConversationKey, Op>,
    /// The last resolve, while it can be undone.
    pub undo: Option<Undo>,
    /// Conversations being reopened, and what follows once the platform confirms it.
    pub after_reopen: HashMap<ConversationKey, AfterReopen>,
    /// Client ids, and how many sends await an answer.
    pub sends: Sends,
    pub notice: Option<Notice>,
    /// `[ui] mouse`: the terminal reports clicks and the wheel.
    pub mouse: bool,
    /// Every notice shown, with its time (`L`).
    pub log: crate::app::log::Log,
    pub quit: bool,
    /// The operator's snippets (issue 13, point 1), loaded at start.
    pub snippets: crate::app::snippets::Snippets,
    /// Point 3: team mode is on, so notes on platforms without their own go to the team.
    pub team_notes: bool,
    /// The conversations whose compose box writes a note, not a reply.
    pub note_mode: HashSet<ConversationKey>,
}

impl Model {
    pub fn new(accounts: Vec<Account>, keymap: Keymap, demo: bool, now: DateTime<Utc>) -> Model {
        let mut model = Model {
            now,
            width: 80,
            height: 24,
            keymap,
            demo,
            anonymous: false,
            me: None,
            details: false,
            on_quit: OnQuit::default(),
            on_hangup: OnHangup::default(),
            leaving: None,
            alerts: Alerts::default(),
            team: None,
            presence_told: None,
            accounts,
            conversations: HashMap::new(),
            archive: None,
            threads: HashMap::new(),
            drafts: HashMap::new(),
            unsaved: HashSet::new(),
            save_due: None,
            store_failing: false,
            read_marks: HashMap::new(),
            mine: HashMap::new(),
            holds_saved: HashSet::new(),
            holds_told: HashSet::new(),
            reminder: None,
            rows: Vec::new(),
            counts: HashMap::new(),
            cache_reading: false,
            needs_human: 0,
            view: View::All,
            filter: String::new(),
            filter_input: None,
            selected: None,
            cursor: 0,
            list_top: 0,
            scroll: screen::Scroll::default(),
            selection: screen::Selection::default(),
            open: None,
            focus: Focus::List,
            overlay: None,
            busy: HashMap::new(),
            undo: None,
            after_reopen: HashMap::new(),
            sends: Sends::default(),
            notice: None,
            mouse: false,
            log: Default::default(),
            quit: false,
            snippets: Default::default(),
            team_notes: false,
            note_mode: HashSet::new(),
        };
        model.refresh_rows();
        model
    }

    /// What the store says this operator held when the last run stopped: mine again, and
    /// the reminder about them due once their accounts have answered (accounts no longer
    /// configured are left out: they never will).
    pub fn restore_holds(&mut self, holds: Vec<(ConversationKey, DateTime<Utc>)>) {
        self.holds_saved = holds.iter().map(|(key, _)| key.clone()).collect();
        let held: HashSet<ConversationKey> = holds
            .iter()
            .map(|(key, _)| key.clone())
            .filter(|key| self.account(&key.account).is_some())
            .collect();
        self.mine = holds.into_iter().collect();
        if !held.is_empty() {
            let waiting_for = held.iter().map(|key| key.account.to_string()).collect();
            self.reminder = Some(Reminder { held, waiting_for });
        }
    }

    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    /// Conversation rows that fit in the list pane (title bar, status bar and borders aside).
    pub fn list_capacity(&self) -> usize {
        screen::list_capacity(self.height, self.alert_line())
    }

    /// Whether the alert line shows (alerts wait to be acknowledged).
    pub fn alert_line(&self) -> bool {
        !self.alerts.pending().is_empty()
    }

    pub fn selected_conversation(&self) -> Option<&Conversation> {
        self.selected
            .as_ref()
            .and_then(|k| self.conversations.get(k))
            .map(|c| &**c)
    }

    /// The conversation an action applies to: the open one while the thread has focus, else
    /// the selected row.
    pub fn target(&self) -> Option<ConversationKey> {
        match self.focus {
            Focus::Thread | Focus::Compose => self.open.clone().or_else(|| self.selected.clone()),
            Focus::List => self.selected.clone(),
        }
    }

    /// Rebuilds the current view's rows and the counts, keeping the selection on the same
    /// conversation when rows move. Cost: one pass and one sort over the conversations.
    pub fn refresh_rows(&mut self) {
        let mut counts = [0usize; View::ALL.len()];
        let needle = crate::present::fold(self.filter.trim());
        let mut folded = String::new();
        let mut rows: Vec<((u8, i64), &ConversationKey)> = Vec::new();
        let mut needs_human = 0;
        for c in self.conversations.values() {
            needs_human += usize::from(c.status == Status::NeedsHuman);
            if !needle.is_empty() && !matches_filter(c, &needle, &mut folded) {
                continue;
            }
            for (count, view) in counts.iter_mut().zip(View::ALL) {
                *count += usize::from(view.lists(c));
            }
            if self.view.lists(c) {
                rows.push((queue_rank(c), &c.key));
            }
        }
        // Ranks computed once per conversation, not once per comparison: this runs on every
        // sync batch. Ties fall back to the key, so the order is total (as `queue_order`).
        rows.sort_unstable();
        self.rows = rows.into_iter().map(|(_, key)| key.clone()).collect();
        self.counts = View::ALL.into_iter().zip(counts).collect();
        // The resolved conversations on disk count too; with a filter, once the cache answers.
        if let Some(n) = self.archive.as_ref().and_then(|a| a.count(&self.filter)) {
            self.counts.insert(View::Resolved, n);
        }
        self.needs_human = needs_human;
        let position = self
            .selected
            .as_ref()
            .and_then(|k| self.rows.iter().position(|r| r == k));
        match position {
            Some(i) => self.cursor = i,
            None => {
                // The selected conversation left this view: stay at the same place in the list.
                self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
                self.selected = self.rows.get(self.cursor).cloned();
            }
        }
        self.keep_cursor_visible();
    }

    pub fn select_index(&mut self, index: usize) {
        if self.rows.is_empty() {
            self.cursor = 0;
            self.selected = None;
            return;
        }
        self.cursor = index.min(self.rows.len() - 1);
        self.selected = Some(self.rows[self.cursor].clone());
        self.keep_cursor_visible();
    }

    pub fn keep_cursor_visible(&mut self) {
        let capacity = self.list_capacity().max(1);
        self.list_top = screen::scroll_by(self.scroll, self.list_top, self.cursor, capacity);
        self.list_top = self.list_top.min(self.rows.len().saturating_sub(capacity));
    }

    /// Takes in a conversation as the platform reports it, and returns the status it had
    /// before (`None` if it is new). A human-held conversation whose holder the platform
    /// cannot name counts as mine if I took it over; any other status ends that.
    pub fn absorb(&mut self, mut c: Conversation) -> Option<Status> {
        // A resolved conversation nobody needs stays on disk, counted.
        if !crate::app::archive::holds(self, &c) {
            return None;
        }
        // A listing read before an answer we already have (a poll in flight while a takeover
        // was made) is older than it: it must not undo it ("mine" lost, the AI back on screen).
        if let Some(old) = self.conversations.get(&c.key)
            && c.updated_at < old.updated_at
        {
            return Some(old.status.clone());
        }
        match &c.status {
            Status::Human { by: Holder::Unknown } if self.mine.contains_key(&c.key) => {
                c.status = Status::Human { by: Holder::Me };
            }
            // The platform names nobody; the team knows who claimed it.
            Status::Human { by: Holder::Unknown } if self.team.is_some() => {
                if let Some(claim) = self.claim_by_other(&c.key) {
                    c.status = Status::Human {
                        by: super::team::holder_named(claim),
                    };
                }
            }
            Status::Human { by: Holder::Me } => {
                self.mine.entry(c.key.clone()).or_insert(self.now);
            }
            _ if !self.mine.is_empty() => {
                self.mine.remove(&c.key);
            }
            _ => {}
        }
        // One lookup per conversation: this runs for every conversation of a sync batch.
        match self.conversations.get_mut(&c.key) {
            Some(old) => {
                // What the adapters cannot know from a list (waiting time, preview) stays as
                // the messages told us.
                c.waiting_since = c.waiting_since.or(old.waiting_since);
                if c.preview.is_none() {
                    c.preview = old.preview.take();
                }
                Some(std::mem::replace(&mut **old, c).status)
            }
            None => {
                self.conversations.insert(c.key.clone(), Box::new(c));
                None
            }
        }
    }

    /// Whether a conversation has messages the operator has not seen: the platform's unread
    /// count where it keeps one, else the thread against what was seen, else activity after the
    /// read mark.
    pub fn is_unread(&self, c: &Conversation) -> bool {
        if let Some(count) = c.unread {
            return count > 0;
        }
        match self.threads.get(&c.key) {
            Some(t) if t.loaded => t.messages[t.seen.min(t.messages.len())..]
                .iter()
                .any(|m| !matches!(m.author, crate::domain::Author::Operator { is_me: true, .. })),
            _ => self.read_marks.get(&c.key).is_some_and(|mark| c.updated_at > mark.at),
        }
    }

    /// The read mark a thread's `seen` stands for now, if it has loaded and anything was seen.
    pub fn current_mark(&self, key: &ConversationKey) -> Option<ReadMark> {
        self.threads.get(key)?.last_seen().map(ReadMark::of)
    }

    /// Whether the operator can send in this conversation now, or what to do first.
    pub fn can_send(&self, key: &ConversationKey) -> Result<(), String> {
        let Some(c) = self.conversations.get(key) else {
            return Err("this conversation is no longer listed".into());
        };
        if let Some(account) = self.account(&key.account) {
            if let Some(why) = account.read_only() {
                return Err(why);
            }
            if let Some(why) = account.capabilities.send.reason() {
                return Err(why.to_string());
            }
        }
        if let Some(why) = &c.no_reply {
            return Err(why.clone());
        }
        let take = self
            .keymap
            .hint(super::keymap::Context::Global, super::keymap::Action::TakeOver);
        match &c.status {
            // Another human's: a colleague may help out, after saying yes (`held_by_other`).
            Status::Human { .. } => Ok(()),
            Status::Resolved => Err("resolved — nothing to send".into()),
            Status::Ai | Status::NeedsHuman => Err(format!("the AI has it — press {take} to take over")),
        }
    }

    /// Who else holds this conversation, when a human other than this operator does: a reply
    /// there goes out only after the operator says yes (they reply over a colleague).
    pub fn held_by_other(&self, key: &ConversationKey) -> Option<String> {
        let take = self
            .keymap
            .hint(super::keymap::Context::Global, super::keymap::Action::TakeOver);
        match &self.conversations.get(key)?.status {
            Status::Human { by: Holder::Other(who) } => Some(format!("{who} holds it ({take} takes it over)")),
            Status::Human { by: Holder::Unknown } => Some(format!("another human holds it ({take} takes it over)")),
            _ => None,
        }
    }

    /// The next moment the screen changes without any input: a notice expiring, a relative
    /// time on screen ticking over to the next minute, a retry countdown. `None`: nothing
    /// changes on its own (a static screen draws no frames).
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        let mut next: Option<DateTime<Utc>> = self.notice.as_ref().map(|n| n.until);
        for due in self
            .save_due
            .into_iter()
            .chain(self.leaving.as_ref().map(|l| l.deadline))
            .chain(self.alerts.deadline(self))
        {
            next = Some(next.map_or(due, |n| n.min(due)));
        }
        let mut consider = |t: DateTime<Utc>| {
            if t > self.now && next.is_none_or(|n| t < n) {
                next = Some(t);
            }
        };
        if self
            .accounts
            .iter()
            .any(|a| matches!(a.connection, Connection::Retrying { .. }))
        {
            consider(self.now + TimeDelta::seconds(1));
        }
        let visible = self.rows.iter().skip(self.list_top).take(self.list_capacity());
        for key in visible.chain(self.open.iter()) {
            if let Some(c) = self.conversations.get(key) {
                consider(next_minute(shown_time(c), self.now));
                // A reply due on a row of yours counts its own minutes.
                if let (Status::Human { by: Holder::Me }, Some(w)) = (&c.status, c.waiting_since) {
                    consider(next_minute(w, self.now));
                }
            }
        }
        next
    }
}

/// The time a row shows as "how long": waiting since, or the last activity.
pub fn shown_time(c: &Conversation) -> DateTime<Utc> {
    match (&c.status, c.waiting_since) {
        (Status::NeedsHuman, Some(since)) => since,
        _ => c.updated_at,
    }
}

/// When `now - since` next crosses a whole minute.
fn next_minute(since: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let elapsed = (now - since).num_seconds().max(0);
    since + TimeDelta::seconds((elapsed / 60 + 1) * 60)
}

/// Whether the row, the customer's email or phone, or the assignee contains `needle` (folded),
/// both sides folded (`chloe` finds Chloé). `folded` is a buffer reused across conversations:
/// this runs on every key of the filter line, over every conversation.
fn matches_filter(c: &Conversation, needle: &str, folded: &mut String) -> bool {
    (crate::present::filter_fields(c).into_iter().flatten()).any(|s| crate::present::folded_contains(s, needle, folded))
}
