//! The store runner's part in notes (issue 13, point 3): a note goes into the outbox first, then
//! to where it is kept — the platform through the engine, the team runner, or the local store.

use super::Runner;
use crate::app::{Msg, SendFailure, Team};
use crate::domain::{ConversationKey, NotePlace};
use crate::sync::RecordedNote;

impl Runner {
    pub(super) fn note(
        &self,
        key: ConversationKey,
        client_id: u64,
        text: String,
        place: NotePlace,
        earlier: Vec<String>,
        later: &mut Vec<Msg>,
    ) {
        let store = self.store.as_ref();
        let note = match RecordedNote::write(store, key.clone(), client_id, text, place, earlier) {
            Ok(note) => note,
            Err(e) => {
                let reason = format!("could not record it locally first, so it was not saved ({e})");
                return later.push(not_saved(key, client_id, reason));
            }
        };
        match place {
            NotePlace::Platform => self.engine.note(note),
            NotePlace::Team => match &self.team {
                Some(team) => team.handle(Team::Note {
                    key,
                    client_id,
                    text: note.text().to_string(),
                }),
                None => later.push(not_saved(key, client_id, "team mode is off".into())),
            },
            NotePlace::Local => {
                let result = match store {
                    Some(store) => store
                        .add_note(note.key(), note.text(), chrono::Utc::now())
                        .map_err(|e| failure(e.to_string())),
                    None => Err(failure("no local store could be opened".into())),
                };
                later.push(Msg::NoteSaved {
                    key,
                    client_id: note.client_id(),
                    result,
                });
            }
        }
    }

    /// The local notes of the conversation, read for the model.
    pub(super) fn load_notes(&self, key: ConversationKey, later: &mut Vec<Msg>) {
        let result = match self.store.as_ref() {
            Some(store) => store.notes(&key).map_err(|e| e.to_string()),
            None => Ok(vec![]),
        };
        later.push(Msg::Notes {
            key,
            place: NotePlace::Local,
            result,
        });
    }
}

fn failure(reason: String) -> SendFailure {
    SendFailure {
        reason,
        ambiguous: false,
        accepted: false,
    }
}

fn not_saved(key: ConversationKey, client_id: u64, reason: String) -> Msg {
    Msg::NoteSaved {
        key,
        client_id,
        result: Err(failure(reason)),
    }
}
