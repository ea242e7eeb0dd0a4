//! Notes on the platform (Chatvolt), carried out by the engine (issue 13, point 3): read once
//! as a conversation opens, at the open thread's priority, within the account's budget; and
//! written only once recorded in the outbox ([`RecordedNote`], as a reply's [`super::Recorded`]).

use super::{Engine, effects};
use crate::app::{Msg, SendFailure};
use crate::domain::{ConversationKey, NotePlace};
use crate::platform::budget::{Priority, with_priority};
use crate::store::{Store, StoreError};
use std::sync::atomic::Ordering;

/// A note already in the outbox: the only thing [`Engine::note`] takes, made only by
/// [`RecordedNote::write`], which writes the entry first.
#[derive(Debug)]
pub struct RecordedNote {
    key: ConversationKey,
    client_id: u64,
    text: String,
    earlier: Vec<String>,
}

impl RecordedNote {
    /// Records the note as `Sending` (kind `note`) before it leaves.
    pub fn write(
        store: Option<&Store>,
        key: ConversationKey,
        client_id: u64,
        text: String,
        place: NotePlace,
        earlier: Vec<String>,
    ) -> Result<RecordedNote, StoreError> {
        if let Some(store) = store {
            store.outbox_note(client_id, &key, &text, place)?;
        }
        Ok(RecordedNote {
            key,
            client_id,
            text,
            earlier,
        })
    }

    pub fn key(&self) -> &ConversationKey {
        &self.key
    }

    pub fn client_id(&self) -> u64 {
        self.client_id
    }

    /// The words, for a note kept elsewhere than the platform (the team, the local store).
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl Engine {
    /// Reads the conversation's notes on its platform; answers `Msg::Notes`.
    pub(super) fn notes(&self, key: ConversationKey) {
        let Ok((platform, _)) = self.account(&key.account) else {
            return;
        };
        if !platform.has_notes() {
            return;
        }
        let tx = self.tx.clone();
        self.spawn(async move {
            let result = with_priority(Priority::Thread, platform.list_notes(&key.id))
                .await
                .map_err(|e| e.to_string());
            let _ = tx.send(Msg::Notes {
                key,
                place: NotePlace::Platform,
                result,
            });
        });
    }

    /// Writes a note already in the outbox on its platform; answers `Msg::NoteSaved`.
    pub fn note(&self, note: RecordedNote) {
        if self.stopped.load(Ordering::Relaxed) {
            return;
        }
        let RecordedNote {
            key,
            client_id,
            text,
            earlier,
        } = note;
        let platform = match self.account(&key.account) {
            Ok((platform, _)) => platform,
            Err(reason) => {
                let result = Err(SendFailure {
                    reason,
                    ambiguous: false,
                    accepted: false,
                });
                let _ = self.tx.send(Msg::NoteSaved { key, client_id, result });
                return;
            }
        };
        let tx = self.tx.clone();
        self.spawn(async move {
            let result = effects::note(&*platform, &key.id, &text, &earlier).await;
            let _ = tx.send(Msg::NoteSaved { key, client_id, result });
        });
    }
}
