//! Team notes: on raia and ChatDash in team mode, a note is kept in the team database ("team
//! note — not on the platform"), under the account's fingerprint, so every inbox of the team
//! with that account reads it. Read back cleaned, like every shared row: another instance wrote
//! it.

use super::store::{Millis, Shared, TeamError};
use crate::domain::{Note, NotePlace, NoteState, sanitize, sanitize_line};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

/// Keeps a note by `author` on the conversation; the note as kept.
pub(super) fn add(
    db: &mut Connection,
    what: &Shared,
    author: &str,
    text: &str,
    now: Millis,
) -> Result<Note, TeamError> {
    db.execute(
        "INSERT INTO team_notes (account, conversation, author, text, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![what.account, what.conversation, author, text, now],
    )?;
    Ok(note(
        db.last_insert_rowid(),
        Some(author.to_string()),
        text.to_string(),
        now,
    ))
}

/// The conversation's team notes, oldest first.
pub(super) fn list(db: &mut Connection, what: &Shared) -> Result<Vec<Note>, TeamError> {
    let mut statement = db.prepare(
        "SELECT id, author, text, created_at FROM team_notes WHERE account = ?1 AND conversation = ?2
         ORDER BY created_at, id",
    )?;
    let rows = statement.query_map(params![what.account, what.conversation], |row| {
        Ok(note(row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn note(id: i64, author: Option<String>, text: String, at: Millis) -> Note {
    Note {
        id: format!("team-{id}"),
        text: sanitize(&text),
        author: author.map(|a| sanitize_line(&a)).filter(|a| !a.is_empty()),
        created_at: DateTime::from_timestamp_millis(at).unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        place: NotePlace::Team,
        state: NoteState::Saved,
    }
}
