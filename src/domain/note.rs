//! Notes: words about a conversation for the operators, never sent to the customer. Where a
//! note lives depends on the platform and the mode, and the screen always says which.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a note is kept: on the platform (Chatvolt's notes API), in the team's database (team
/// mode, a platform without notes), or only in this operator's store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NotePlace {
    Platform,
    Team,
    Local,
}

impl NotePlace {
    /// The label shown on every note, so nobody mistakes who can read it.
    pub fn label(self) -> &'static str {
        match self {
            NotePlace::Platform => "note — on Chatvolt",
            NotePlace::Team => "team note — not on the platform",
            NotePlace::Local => "local note — only on this machine",
        }
    }

    /// The name the outbox and the stores record it under.
    pub fn name(self) -> &'static str {
        match self {
            NotePlace::Platform => "platform",
            NotePlace::Team => "team",
            NotePlace::Local => "local",
        }
    }

    pub fn parse(name: &str) -> Option<NotePlace> {
        [NotePlace::Platform, NotePlace::Team, NotePlace::Local]
            .into_iter()
            .find(|p| p.name() == name)
    }
}

/// Where a note the operator wrote stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteState {
    Saved,
    /// Recorded in the outbox, its answer not in yet.
    Saving,
    /// No readable answer, and reading the notes back could not settle it: it may be there.
    Unknown(String),
}

/// One note, its text already clean (sanitised where it was read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The platform's or the store's id; `local-<client id>` while it is on its way.
    pub id: String,
    pub text: String,
    /// Who wrote it, when the place says so (an email, an operator's name).
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
    pub place: NotePlace,
    pub state: NoteState,
}
