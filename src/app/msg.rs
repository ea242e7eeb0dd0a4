//! What flows into `update` (Msg) and out of it (Cmd). Everything the program does passes
//! through these two types: terminal input, sync results and timers come in as `Msg`; HTTP and
//! other effects go out as `Cmd` and come back, later, as `Msg`.

use super::alerts::Notification;
use super::key::Key;
use crate::domain::{Conversation, ConversationKey, Message, Note, NotePlace, ReadMark, SendBaseline};
use chrono::{DateTime, Utc};

/// How an account's connection stands, as the status bar shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum Connection {
    /// The account's key is being read (a key command may take seconds); nothing is polled yet.
    ReadingKey,
    /// The key could not be read (missing file, failing or hanging command): never polled.
    NoKey(String),
    /// No answer yet since start.
    Connecting,
    Ok,
    /// The last request failed; the next try is at `at`.
    Retrying {
        at: DateTime<Utc>,
        error: String,
    },
    /// 401/403: polling stopped until the key is fixed (hammering a bad key helps nobody).
    BadKey(String),
    /// Answered, but something is off (e.g. a server repeating its pages): why.
    Degraded(String),
}

impl Connection {
    /// Not answered yet, and nothing wrong so far: its key is being read, or the first request
    /// is on its way.
    pub fn is_pending(&self) -> bool {
        matches!(self, Connection::ReadingKey | Connection::Connecting)
    }
}

/// The operations an operator starts on a conversation.
/// Not `Copy`: an assignment carries its email.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    TakeOver,
    HandBack,
    Resolve,
    /// Opens a resolved conversation again (an undone resolve, or before a takeover).
    Reopen,
    MarkRead,
    // Point 5 (Chatvolt from the inbox): assign by email, set the priority.
    Assign(String),
    SetPriority(crate::domain::Priority),
}

impl Op {
    pub fn doing(&self) -> &'static str {
        match self {
            Op::TakeOver => "taking over",
            Op::HandBack => "handing back to the AI",
            Op::Resolve => "resolving",
            Op::Reopen => "reopening",
            Op::MarkRead => "marking read",
            Op::Assign(_) => "assigning",
            Op::SetPriority(_) => "setting the priority",
        }
    }

    pub fn done(&self) -> String {
        match self {
            Op::TakeOver => "taken over — you hold it now".into(),
            Op::HandBack => "handed back to the AI".into(),
            Op::Resolve => "resolved".into(),
            Op::Reopen => "reopened".into(),
            Op::MarkRead => "marked read".into(),
            Op::Assign(email) => format!("assigned to {email}"),
            Op::SetPriority(p) => format!("priority set to {}", p.name()),
        }
    }
}

/// Why a send did not succeed, and whether it may have arrived anyway (no answer came: a
/// timeout, a dropped connection, a server error), or did (`accepted`: the platform answered
/// 2xx, but not with the message; then it is never called not sent, only not seen yet).
#[derive(Clone, Debug, PartialEq)]
pub struct SendFailure {
    pub reason: String,
    pub ambiguous: bool,
    pub accepted: bool,
}

pub use crate::domain::OutboxState;

#[derive(Clone, Debug)]
pub enum Msg {
    Key(Key),
    /// Bracketed paste: the text arrives whole, never as keystrokes.
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// A deadline passed (a relative time on screen changed, a message expired, a retry).
    Tick,
    /// What changed in an account's conversations since the last sync: new or updated ones,
    /// and ones that are gone. Sent after every first sync, then only when something changed.
    Synced {
        account: String,
        changed: Vec<Conversation>,
        removed: Vec<ConversationKey>,
    },
    /// The first complete walk of an account's history since start has ended: whatever of
    /// it this run has not heard of (shown from the cache) is gone.
    Walked {
        account: String,
    },
    /// Whether the account's request budget is what sets its pace, and how (for the status bar).
    Paced {
        account: String,
        note: Option<String>,
    },
    /// A conversation's messages, oldest first (the whole thread as the platform returns it);
    /// sent when they differ from the last ones sent for it.
    Thread {
        key: ConversationKey,
        messages: Vec<Message>,
    },
    /// Fetching a thread failed.
    ThreadFailed {
        key: ConversationKey,
        error: String,
    },
    Connection {
        account: String,
        state: Connection,
    },
    /// The platform's answer to an operation: the conversation as it now is, or why not.
    Done {
        key: ConversationKey,
        op: Op,
        result: Result<Option<Conversation>, String>,
    },
    /// The platform's answer to a send.
    Sent {
        key: ConversationKey,
        client_id: u64,
        result: Result<Message, SendFailure>,
    },
    /// What the thread says of an outgoing message whose fate was unknown: the ids of the
    /// messages that can be it having arrived (newer than the send, not there before it),
    /// none when it did not arrive.
    Reconciled {
        key: ConversationKey,
        client_id: u64,
        result: Result<Vec<String>, String>,
    },
    /// The local store could not save (drafts are then only in memory, and tried again).
    StoreFailed(String),
    /// A draft was written after the store had failed: drafts are saved again.
    StoreSaved,
    /// The reply as the operator's editor left it (already sanitised), or why the editor failed.
    Edited {
        key: ConversationKey,
        result: Result<String, String>,
    },
    /// The editor exited abnormally (a hangup, a crash) after saving a reply that differs from
    /// the draft it was given: the reply becomes the draft, and the operator is asked to check it.
    Salvaged {
        key: ConversationKey,
        reply: String,
        why: String,
    },
    /// The team's picture changed (team mode): who else is on, what they look at, what is
    /// claimed and by whom.
    Team(crate::domain::team::TeamView),
    /// Conversations whose holder's session ended `orphan_after` ago, given to this instance
    /// to hand back to the AI (the team store picks exactly one instance for each).
    Orphans(Vec<ConversationKey>),
    /// The answer to `Team::Claim`.
    Claimed {
        key: ConversationKey,
        result: Result<(), crate::domain::team::ClaimRefused>,
    },
    /// The program is asked to end (SIGTERM, SIGHUP) or its terminal is gone: it quits at once,
    /// every unsaved draft written first.
    Terminate,
    /// What the local cache held at start: shown, marked as cached, until each account's first
    /// sync replaces it. `synced_at`: when each account's part was last written.
    Cached {
        conversations: Vec<Conversation>,
        threads: Vec<(ConversationKey, Vec<Message>)>,
        synced_at: Vec<(String, DateTime<Utc>)>,
        /// The resolved conversations' keys: they stay on disk (`app::archive`).
        resolved: Vec<ConversationKey>,
    },
    /// A page of the cache's resolved conversations (`Store::Resolved` with `seq`); `total`:
    /// how many match the filter, on a filter's first page.
    ResolvedPage {
        seq: u64,
        conversations: Vec<Conversation>,
        total: Option<usize>,
        more: bool,
    },
    /// One conversation from the cache (`Store::LoadConversation`): a search's hit on a resolved
    /// one, opened at `message`; `None` when the cache no longer has it.
    CachedConversation {
        key: ConversationKey,
        conversation: Option<Box<Conversation>>,
        message: Option<String>,
    },
    /// The cache's copy of a thread (`Store::LoadThread`); empty when it has none.
    CachedThread {
        key: ConversationKey,
        messages: Vec<Message>,
    },
    /// The cache's first rows in the queue's order, read before the rest (issue 14: the first
    /// screen does not wait for 100,000 conversations); `Cached`, with everything, follows.
    CachedFirst {
        conversations: Vec<Conversation>,
        synced_at: Vec<(String, DateTime<Utc>)>,
    },
    // Point 3, notes.
    /// A conversation's notes as `place` keeps them (all of them, oldest first), or why they
    /// could not be read.
    Notes {
        key: ConversationKey,
        place: NotePlace,
        result: Result<Vec<Note>, String>,
    },
    /// The answer to writing a note: the note as it was kept, or why not (`ambiguous`: it may
    /// be there all the same, and reading the notes back did not say).
    NoteSaved {
        key: ConversationKey,
        client_id: u64,
        result: Result<Note, SendFailure>,
    },
    /// The store's answer to `Store::Search` number `seq`.
    SearchHits {
        seq: u64,
        hits: Vec<crate::app::search::SearchHit>,
    },
    /// A click or the wheel, with `[ui] mouse = true`.
    Mouse(crate::app::mouse::Mouse),
}

impl Msg {
    /// How many conversations the message brings (a listing, the cache), for the loop to give
    /// freed memory back after a large one.
    pub fn conversations_carried(&self) -> usize {
        match self {
            Msg::Synced { changed, .. } => changed.len(),
            Msg::Cached { conversations, .. }
            | Msg::CachedFirst { conversations, .. }
            | Msg::ResolvedPage { conversations, .. } => conversations.len(),
            _ => 0,
        }
    }
}

/// What `update` asks for, grouped by who carries it out. Each group has exactly one runner,
/// and no runner sees another's commands: `Net` goes to the sync engine, `Store` and `Term` to
/// the loop's runners (`tui::runner`). Quitting is not a command: it is `Model::quit`.
#[derive(Clone, Debug, PartialEq)]
pub enum Cmd {
    Net(Net),
    Store(Store),
    Term(Term),
    /// For the team store, in team mode (`[team] dir`); nothing runs them alone.
    Team(Team),
}

/// The team's commands, carried out by the team runner (`team::Runner`) against the team store.
#[derive(Clone, Debug, PartialEq)]
pub enum Team {
    /// What this operator has on screen and whether they type a reply in it; the heartbeat
    /// carries the latest until it changes.
    Presence {
        viewing: Option<ConversationKey>,
        typing: bool,
        /// The handoffs alerted on here (team escalation).
        watching: Vec<crate::domain::team::Watch>,
    },
    /// Claim the conversation before taking it over (`force`: over another's live claim, once
    /// the operator said yes); answered by `Msg::Claimed`.
    Claim { key: ConversationKey, force: bool },
    /// The conversation is not this operator's any more (handed back, resolved, taken by
    /// someone else, or the takeover failed).
    Release(ConversationKey),
    // Point 3, notes: the team's notes on a platform without its own (raia, ChatDash), kept
    // under the account's fingerprint, which only the team runner knows.
    /// Write a team note (already in the outbox); answered by `Msg::NoteSaved`.
    Note {
        key: ConversationKey,
        client_id: u64,
        text: String,
    },
    /// Read the conversation's team notes; answered by `Msg::Notes`.
    Notes(ConversationKey),
}

/// The network's commands, carried out by the sync engine (`sync::Engine::handle`).
#[derive(Clone, Debug, PartialEq)]
pub enum Net {
    Act {
        key: ConversationKey,
        op: Op,
    },
    /// The conversation on screen changed: the sync engine polls it fast (or none).
    Watch(Option<ConversationKey>),
    /// Poll every account now (after the operator asked, or a reconnect).
    Refresh,
    /// The conversations this operator holds (all of them, each time it changes): their
    /// threads are read when they change, so a customer's reply there is heard.
    Held(Vec<ConversationKey>),
    /// Read the thread to learn whether a message whose send got no answer arrived.
    Reconcile {
        key: ConversationKey,
        client_id: u64,
        baseline: SendBaseline,
        text: String,
    },
    // Point 3, notes.
    /// Read the conversation's notes on the platform (Chatvolt), once as it is opened.
    Notes(ConversationKey),
}

/// Durable local state, written by the store runner before the loop moves on.
#[derive(Clone, Debug, PartialEq)]
pub enum Store {
    /// Put a reply in the outbox, then hand it to the sync engine; if the outbox cannot be
    /// written, it is not sent. A store command because the write comes first: the engine is
    /// given only a reply already recorded (`sync::Recorded`).
    /// `baseline`: what the thread held when it was sent, so that an earlier identical reply
    /// ("Thanks!") is never taken for this one arriving.
    Send {
        key: ConversationKey,
        client_id: u64,
        baseline: SendBaseline,
        text: String,
    },
    /// Record an outgoing message's state in the outbox (`Sending` before it leaves).
    Outbox {
        client_id: u64,
        key: ConversationKey,
        text: String,
        state: OutboxState,
    },
    /// Remember the last message the operator has seen in a conversation.
    SaveReadMark { key: ConversationKey, mark: ReadMark },
    /// Write a draft to the local store (an empty one is deleted).
    SaveDraft { key: ConversationKey, text: String },
    /// Record which conversations this operator now holds (since when), and which no longer.
    Holds {
        held: Vec<(ConversationKey, DateTime<Utc>)>,
        released: Vec<ConversationKey>,
    },
    // Point 3, notes.
    /// Put a note in the outbox, then write it where `place` says (the platform through the
    /// engine, the team database, or the local store). `earlier`: the ids of notes with the
    /// same words already there, so that one is never taken for this one arriving.
    Note {
        key: ConversationKey,
        client_id: u64,
        text: String,
        place: NotePlace,
        earlier: Vec<String>,
    },
    /// Read the conversation's local notes; answered by `Msg::Notes`.
    LoadNotes(ConversationKey),
    /// Read a released thread back from the cache; answered by `Msg::CachedThread`.
    LoadThread(ConversationKey),
    /// Whether the conversation's draft is a note (kept, so a restart never makes it a reply).
    NoteMode { key: ConversationKey, note: bool },
    /// Search the cache for the operator's words; answered by `Msg::SearchHits` with `seq`.
    Search { query: String, seq: u64 },
    /// A page of the cache's resolved conversations after `after`, matching `filter` (folded);
    /// answered by `Msg::ResolvedPage` with `seq`.
    Resolved {
        seq: u64,
        filter: String,
        after: Option<crate::store::After>,
        limit: usize,
    },
    /// Read one conversation from the cache; answered by `Msg::CachedConversation`.
    LoadConversation {
        key: ConversationKey,
        message: Option<String>,
    },
}

/// The terminal's commands, carried out by the terminal runner.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// Hand the terminal to the operator's editor with this draft and, below the scissors line,
    /// this context; the reply comes back as `Msg::Edited`.
    Edit {
        key: ConversationKey,
        draft: String,
        context: String,
    },
    /// Put this text on the clipboard (OSC 52: works over SSH and in tmux).
    Copy(String),
    /// Tell the operator: the bell and desktop notifications, as `[alerts] notify` says.
    Notify(Notification),
}
