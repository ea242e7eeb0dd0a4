//! Chatvolt's notes API (`/conversations/{id}/notes`): the operators' private notes on a
//! conversation, read with the open thread and written through the outbox.
//!
//! From the docs (create-note): `POST` with `{note, isPrivate}`, `note` at most 500
//! characters, answered 201 with the note (`id`, `note`, `isPrivate`, `userEmail`,
//! `createdAt`, …). Where the docs are silent, our decisions (the sandbox does the same):
//! - every note written here is private (`isPrivate: true`): notes are for the team;
//! - `GET` answers an array of notes in the create answer's shape; an object holding the array
//!   under `notes` or `data` is read too; the order is ours to make (oldest first);
//! - a note over 500 characters is refused before anything is sent.

use super::Chatvolt;
use crate::domain::{Note, NotePlace, NoteState, sanitize};
use crate::platform::http::segment;
use crate::platform::json::Each;
use crate::platform::{PlatformError, Result, field};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

/// The longest note Chatvolt takes, in characters (create-note).
pub const MAX_NOTE_CHARS: usize = 500;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireNote {
    #[serde(deserialize_with = "crate::platform::http::id")]
    pub id: String,
    pub note: Option<String>,
    pub user_email: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The list's answer: an array, or an object holding it (the docs do not show it).
#[derive(Deserialize, Debug)]
#[serde(untagged)]
enum WireNotes {
    List(Each<WireNote>),
    Notes { notes: Each<WireNote> },
    Data { data: Each<WireNote> },
}

fn map_note(wire: WireNote) -> Note {
    Note {
        id: wire.id,
        text: sanitize(wire.note.as_deref().unwrap_or_default()),
        author: field(wire.user_email.as_deref()),
        created_at: wire.created_at,
        place: NotePlace::Platform,
        state: NoteState::Saved,
    }
}

fn path(id: &str) -> String {
    format!("/conversations/{}/notes", segment(id))
}

impl Chatvolt {
    pub(super) async fn notes(&self, id: &str) -> Result<Vec<Note>> {
        let wire: WireNotes = self.http.get(&path(id), &[]).await?;
        let each = match wire {
            WireNotes::List(each) | WireNotes::Notes { notes: each } | WireNotes::Data { data: each } => each,
        };
        let mut notes: Vec<Note> = each
            .items(&self.settings.name, "note")
            .into_iter()
            .map(map_note)
            .collect();
        // Oldest first; notes of the same instant keep the server's order (ids say nothing of
        // order: two notes written in one millisecond must not swap at random).
        notes.sort_by_key(|n| n.created_at);
        Ok(notes)
    }

    pub(super) async fn note(&self, id: &str, text: &str) -> Result<Note> {
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(PlatformError::NotAllowed {
                reason: format!("Chatvolt notes hold at most {MAX_NOTE_CHARS} characters"),
            });
        }
        let body = json!({"note": text, "isPrivate": true});
        let answer: serde_json::Value = self.http.send(Method::POST, &path(id), &body).await?;
        // Taken (a 2xx); without the note in the answer it is settled by reading the notes.
        let wire = WireNote::deserialize(&answer)
            .map_err(|_| PlatformError::Unconfirmed("its answer did not include the note".into()))?;
        Ok(map_note(wire))
    }
}
