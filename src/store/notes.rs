//! Local notes: on raia and ChatDash without team mode, a note stays in this operator's store
//! ("local note — only on this machine"), read back when the conversation is opened.

use super::{Store, StoreError};
use crate::domain::{ConversationKey, Note, NotePlace, NoteState};
use chrono::{DateTime, Utc};
use rusqlite::params;

impl Store {
    /// Keeps a note; the note as it is now kept.
    pub fn add_note(&self, key: &ConversationKey, text: &str, at: DateTime<Utc>) -> Result<Note, StoreError> {
        let db = self.db();
        db.execute(
            "INSERT INTO notes (account, conversation, text, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![key.account, key.id, text, at.to_rfc3339()],
        )?;
        Ok(local(db.last_insert_rowid(), text.to_string(), at))
    }

    /// The conversation's local notes, oldest first.
    pub fn notes(&self, key: &ConversationKey) -> Result<Vec<Note>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare(
            "SELECT id, text, created_at FROM notes WHERE account = ?1 AND conversation = ?2 ORDER BY created_at, id",
        )?;
        let rows = statement.query_map(params![key.account, key.id], |row| {
            let at: String = row.get(2)?;
            let at = DateTime::parse_from_rfc3339(&at).map_or(DateTime::UNIX_EPOCH, |t| t.with_timezone(&Utc));
            Ok(local(row.get(0)?, row.get(1)?, at))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Store {
    /// Whether the conversation's draft is a note: kept with the draft, so that after a restart
    /// a note's words are never offered as a reply to send.
    pub fn save_note_mode(&self, key: &ConversationKey, note: bool) -> Result<(), StoreError> {
        let sql = if note {
            "INSERT OR IGNORE INTO note_drafts (account, conversation) VALUES (?1, ?2)"
        } else {
            "DELETE FROM note_drafts WHERE account = ?1 AND conversation = ?2"
        };
        self.db().execute(sql, params![key.account, key.id])?;
        Ok(())
    }

    /// The conversations whose draft is a note.
    pub fn note_modes(&self) -> Result<Vec<ConversationKey>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare("SELECT account, conversation FROM note_drafts")?;
        let rows = statement.query_map([], |row| {
            Ok(ConversationKey::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn local(id: i64, text: String, created_at: DateTime<Utc>) -> Note {
    Note {
        id: format!("note-{id}"),
        text,
        author: None,
        created_at,
        place: NotePlace::Local,
        state: NoteState::Saved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_kept_per_conversation_oldest_first_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let key = ConversationKey::new("acct", "c1");
        let other = ConversationKey::new("acct", "c2");
        let at = |s: i64| DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap();
        {
            let (store, _) = Store::open(dir.path()).unwrap();
            store.add_note(&key, "second", at(20)).unwrap();
            store.add_note(&key, "first", at(10)).unwrap();
            store.add_note(&other, "elsewhere", at(5)).unwrap();
        }
        let (store, _) = Store::open(dir.path()).unwrap();
        let notes = store.notes(&key).unwrap();
        let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts, ["first", "second"]);
        assert!(
            notes
                .iter()
                .all(|n| n.place == NotePlace::Local && n.state == NoteState::Saved)
        );
    }

    #[test]
    fn a_draft_that_is_a_note_stays_one_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let key = ConversationKey::new("raia", "c1");
        {
            let (store, _) = Store::open(dir.path()).unwrap();
            store.save_note_mode(&key, true).unwrap();
            store.save_note_mode(&key, true).unwrap();
            store
                .save_note_mode(&ConversationKey::new("raia", "c2"), false)
                .unwrap();
        }
        let (store, _) = Store::open(dir.path()).unwrap();
        assert_eq!(store.note_modes().unwrap(), std::slice::from_ref(&key));
        store.save_note_mode(&key, false).unwrap();
        assert!(store.note_modes().unwrap().is_empty());
    }

    #[test]
    fn a_note_in_the_outbox_is_never_restored_as_a_reply_and_comes_back_until_settled() {
        use crate::domain::OutboxState;
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path()).unwrap();
        let key = ConversationKey::new("volt", "c1");
        store
            .outbox_note(7, &key, "call back at 5", NotePlace::Platform)
            .unwrap();
        store.outbox_note(8, &key, "saved one", NotePlace::Platform).unwrap();
        store.outbox_put(8, &key, "saved one", &OutboxState::Sent).unwrap();
        assert!(store.outbox_open().unwrap().is_empty(), "a note is not a reply");
        let open = store.outbox_open_notes().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].id, open[0].text.as_str()), (7, "call back at 5"));
        assert_eq!(open[0].place, NotePlace::Platform);
        assert!(open[0].reason.contains("stopped"), "{}", open[0].reason);
        assert_eq!(
            store.outbox_last_id().unwrap(),
            8,
            "notes and replies share the numbering"
        );
        store.outbox_put(7, &key, "call back at 5", &OutboxState::Sent).unwrap();
        assert!(store.outbox_open_notes().unwrap().is_empty());
    }
}
