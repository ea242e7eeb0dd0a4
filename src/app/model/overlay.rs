//! What the screen is showing and asking: the list's view, where the keys go, the overlays and
//! the questions they ask.

use crate::app::msg::Op;
use crate::domain::{ConversationKey, Holder, Status};
use chrono::{DateTime, Utc};

/// The list's views, switched with 1–4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    NeedsYou,
    Mine,
    All,
    Resolved,
}

impl View {
    pub const ALL: [View; 4] = [View::NeedsYou, View::Mine, View::All, View::Resolved];

    pub fn title(self) -> &'static str {
        match self {
            View::NeedsYou => "Needs you",
            View::Mine => "Mine",
            View::All => "All",
            View::Resolved => "Resolved",
        }
    }

    /// Whether `c` is in this view: Mine also has what the platform assigns to the operator,
    /// whoever holds it now (not once resolved).
    pub fn lists(self, c: &crate::domain::Conversation) -> bool {
        self.shows(&c.status)
            || (self == View::Mine
                && c.status != Status::Resolved
                && c.details.as_ref().is_some_and(|d| d.assigned_to_me))
    }

    pub fn shows(self, status: &Status) -> bool {
        match self {
            View::NeedsYou => *status == Status::NeedsHuman,
            View::Mine => *status == Status::Human { by: Holder::Me },
            View::All => *status != Status::Resolved,
            View::Resolved => *status == Status::Resolved,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    List,
    Thread,
    Compose,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Confirm {
    /// Someone else holds it: taking it from them needs a yes.
    TakeFrom { key: ConversationKey, holder: String },
    /// No identity is configured: the platform cannot record who took it over.
    TakeAnonymous { key: ConversationKey },
    /// Quitting while holding conversations: hand them back, keep them, or stay.
    QuitHolding { count: usize },
    /// The conversation moved on while the reply was being written: what changed.
    SendOver { key: ConversationKey, what: String },
    /// Messages are still on their way.
    Quit,
    /// Handing back or resolving while the conversation has an unsent draft, or while its
    /// customer waits for a reply (`why`, in words): go ahead only on a yes.
    Guarded { key: ConversationKey, op: Op, why: String },
    /// At start: conversations held when the last run stopped (a crash, `kill -9`, a quit that
    /// kept them) are still held, the earliest `since` then: review them, hand them back, or later.
    StillHolding {
        keys: Vec<ConversationKey>,
        since: DateTime<Utc>,
    },
}
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    /// The keys and marks; `top`: the first line shown when it is scrolled (a small screen).
    Help {
        top: usize,
    },
    Confirm(Confirm),
    /// Every account with its state and full error, failing ones first; `top` is the first
    /// account shown (scrolled with the list's keys).
    Accounts {
        top: usize,
    },
    /// How long to mute alerts for: a digit picks one of [`MUTE_CHOICES`], 0 unmutes.
    Mute,
    // Point 5: assign by email (Tab completes from the assignees seen), set the priority.
    Assign {
        key: ConversationKey,
        input: String,
    },
    Priority {
        key: ConversationKey,
    },
    /// The snippet picker over the compose box (issue 13, point 1).
    Snippets(crate::app::snippets::Picker),
    // Issue 13, point 4 and 6 (search, the message log).
    /// The search view (`s`).
    Search(crate::app::search::Search),
    /// The message log (`L`); `top` is the first line shown.
    Log {
        top: usize,
    },
}

/// The mute overlay's choices, in minutes, on keys 1, 2, 3, 4.
pub const MUTE_CHOICES: [i64; 4] = [5, 15, 30, 60];
