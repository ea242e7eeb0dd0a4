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

#[cfg(test)]
mod tests {
    use super::super::schema;
    use super::super::store::{Instance, SqliteTeam, TeamStore};
    use super::*;

    fn me(name: &str) -> Instance {
        Instance {
            id: name.to_lowercase(),
            operator_name: Some(name.into()),
            operator_email: None,
            display_name: name.into(),
            started_at: 0,
            accounts: vec!["fp1".into()],
            viewing: None,
            typing: false,
            watching: vec![],
        }
    }

    fn shared(account: &str, id: &str) -> Shared {
        Shared {
            account: account.into(),
            conversation: id.into(),
        }
    }

    #[test]
    fn a_team_note_by_one_instance_is_read_by_another_cleaned_per_conversation_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut ann = SqliteTeam::new(schema::open(dir.path()).unwrap());
        let mut ben = SqliteTeam::new(schema::open(dir.path()).unwrap());
        let c1 = shared("fp1", "c1");
        let kept = ann.add_note(&me("Ann"), &c1, "second", 2_000).unwrap();
        assert_eq!((kept.place, kept.author.as_deref()), (NotePlace::Team, Some("Ann")));
        ann.add_note(&me("Ann"), &c1, "first \u{1b}[2Jwiped", 1_000).unwrap();
        ann.add_note(&me("Ann"), &shared("fp2", "c1"), "another account", 500)
            .unwrap();
        ann.add_note(&me("Ann"), &shared("fp1", "c2"), "another conversation", 500)
            .unwrap();
        let notes = ben.notes(&c1).unwrap();
        let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts, ["first wiped", "second"]);
        assert_eq!(notes[1].id, kept.id);
        assert_eq!(notes[0].created_at.timestamp_millis(), 1_000);
    }
}
