//! What is under way beyond one message: leaving after the hand-backs, the start-up reminder
//! of what the last run left held, a resolve that can still be undone.

use crate::domain::ConversationKey;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashSet;

/// The last resolve, undoable until `until` by reopening the conversation; `why_not` when its
/// platform cannot reopen (then `undo` says so instead); `held_since` when it was mine.
#[derive(Clone, Debug, PartialEq)]
pub struct Undo {
    pub key: ConversationKey,
    pub until: DateTime<Utc>,
    pub why_not: Option<String>,
    pub held_since: Option<DateTime<Utc>>,
}

/// What follows a reopen once the platform confirms it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterReopen {
    /// `t` on a resolved conversation: take it over.
    TakeOver,
    /// An undone resolve of a conversation I held (since then): mine again, where the platform
    /// cannot name the holder (raia keeps manual mode through a resolve).
    Hold(DateTime<Utc>),
}

/// How long a resolve can be undone.
pub const UNDO_RESOLVE: TimeDelta = TimeDelta::seconds(8);

/// Quitting after handing back what the operator holds: the program ends once every hand-back
/// is answered, or at `deadline`, whichever comes first. A conversation with a reply still on
/// its way is handed back only once that reply is settled: a hand-back never races it.
#[derive(Clone, Debug, PartialEq)]
pub struct Leaving {
    /// Hand-backs asked for and not yet answered.
    pub waiting: HashSet<ConversationKey>,
    /// To hand back once no reply is on its way.
    pub later: Vec<ConversationKey>,
    pub deadline: DateTime<Utc>,
}

/// The conversations held when the last run stopped, until the reminder about them is due:
/// once every account holding one has answered its first sync, so the count is the platforms'.
#[derive(Clone, Debug, PartialEq)]
pub struct Reminder {
    pub held: HashSet<ConversationKey>,
    /// The accounts of `held` still to answer.
    pub waiting_for: HashSet<String>,
}
