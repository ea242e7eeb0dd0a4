//! What a team on one server shares, as the inbox sees it: who else is running, what they look
//! at and type in, and which conversations they have claimed. The team store (`src/team/`)
//! keeps it; the model only reads the picture it sends (`Msg::Team`) and asks it things
//! (`Cmd::Team`).

use super::ConversationKey;
use chrono::{DateTime, Utc};

/// Another operator's running inbox, as its last heartbeat said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// The instance (one per running inbox), stable for its life.
    pub instance: String,
    /// How they are named on screen: `[operator] name`, else email, else their login.
    pub name: String,
    /// The conversation on their screen, if it is one of an account this inbox shares.
    pub viewing: Option<ConversationKey>,
    /// They are typing a reply in `viewing`.
    pub typing: bool,
    /// The handoffs their inbox has alerted on, and whether they answered them.
    pub watching: Vec<Watch>,
    pub beat_at: DateTime<Utc>,
}

/// A handoff an inbox alerted its operator to, still needing a human: since when, and whether
/// the operator answered it (acknowledged it, opened it or took it). A handoff nobody in the
/// team answers for `escalate_after` is said on every screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    pub key: ConversationKey,
    pub since: DateTime<Utc>,
    pub answered: bool,
}

/// A conversation one operator of the team has claimed (a takeover in progress or made).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub key: ConversationKey,
    pub instance: String,
    pub name: String,
    pub since: DateTime<Utc>,
    /// This instance's own claim.
    pub mine: bool,
    /// Its holder's heartbeat has stopped: nobody is there (an orphan).
    pub orphaned: bool,
}

/// The team's picture, sent whenever it changes: every other live instance, and every claim on
/// an account this inbox shares (this instance's own included, marked `mine`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamView {
    pub peers: Vec<Peer>,
    pub claims: Vec<Claim>,
}

/// Why a claim was not made: someone else's live claim, or the team store failing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimRefused {
    HeldBy(Claim),
    Failed(String),
}
