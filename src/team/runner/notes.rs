//! Team notes through the team runner (issue 13, point 3): the runner is the one that knows each
//! account's fingerprint, under which the team keeps its notes, and it owns the store.

use super::Task;
use crate::app::{Msg, SendFailure};
use crate::domain::{ConversationKey, NotePlace};

/// Before an account's key is read, the team cannot name its conversations.
const NOT_YET: &str = "the team cannot be asked yet: this account's key is still being read";

impl Task {
    /// Writes a team note (already in the outbox) and answers `Msg::NoteSaved`.
    pub(super) async fn note(&self, key: ConversationKey, client_id: u64, text: String) {
        let result = match self.shared(&key) {
            None => Err(NOT_YET.to_string()),
            Some(what) => {
                let now = super::millis(chrono::Utc::now());
                let core = self.core.clone();
                tokio::task::spawn_blocking(move || core.with(|s| s.store.add_note(&s.me, &what, &text, now)))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.map_err(|e| e.to_string()))
            }
        };
        // A write to a local file either committed or did not: never unknown.
        let result = result.map_err(|reason| SendFailure {
            reason,
            ambiguous: false,
            accepted: false,
        });
        let _ = self.tx.send(Msg::NoteSaved { key, client_id, result });
    }

    /// Reads the conversation's team notes and answers `Msg::Notes`.
    pub(super) async fn notes(&self, key: ConversationKey) {
        let result = match self.shared(&key) {
            None => Err(NOT_YET.to_string()),
            Some(what) => self
                .blocking(move |s| s.store.notes(&what), "reading team notes")
                .await
                .ok_or_else(|| "the team database could not be read".to_string()),
        };
        let _ = self.tx.send(Msg::Notes {
            key,
            place: NotePlace::Team,
            result,
        });
    }
}
