//! The outbox: every reply recorded before its request leaves, and how each one ended.

use super::{Store, StoreError};
use crate::domain::{ConversationKey, NotePlace, OutboxState, SendBaseline};
use chrono::{DateTime, Utc};
use rusqlite::params;

/// An outgoing message as the outbox last recorded it.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEntry {
    pub id: u64,
    pub key: ConversationKey,
    pub text: String,
    pub state: OutboxState,
    /// What the thread held when it was sent: settles an unanswered send.
    pub baseline: SendBaseline,
}

/// A note the outbox recorded whose fate is not settled.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenNote {
    pub id: u64,
    pub key: ConversationKey,
    pub text: String,
    pub reason: String,
    pub place: NotePlace,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Records a message about to be sent (`Sending`), before the request leaves, with what the
    /// thread held then (its time is the entry's `created_at`).
    pub fn outbox_send(
        &self,
        id: u64,
        key: &ConversationKey,
        text: &str,
        baseline: &SendBaseline,
    ) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339();
        let earlier = serde_json::to_string(&baseline.earlier).map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
        self.db().execute(
            "INSERT INTO outbox (id, account, conversation, text, state, reason, created_at, updated_at, earlier_ids)
             VALUES (?1, ?2, ?3, ?4, 'sending', NULL, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET state = 'sending', reason = NULL, updated_at = ?6",
            params![
                id as i64,
                key.account,
                key.id,
                text,
                baseline.sent_at.to_rfc3339(),
                now,
                earlier
            ],
        )?;
        Ok(())
    }

    /// Records a note about to be written (`Sending`, kind `note`), before it leaves for where
    /// it is kept: it is never restored as a reply, and its words are on disk if the answer is lost.
    pub fn outbox_note(&self, id: u64, key: &ConversationKey, text: &str, place: NotePlace) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339();
        self.db().execute(
            "INSERT INTO outbox (id, account, conversation, text, state, reason, created_at, updated_at, kind, place)
             VALUES (?1, ?2, ?3, ?4, 'sending', NULL, ?5, ?5, 'note', ?6)
             ON CONFLICT (id) DO UPDATE SET state = 'sending', reason = NULL, updated_at = ?5",
            params![id as i64, key.account, key.id, text, now, place.name()],
        )?;
        Ok(())
    }

    /// Records an outgoing message's state; `Sending` is written before the request leaves.
    pub fn outbox_put(
        &self,
        id: u64,
        key: &ConversationKey,
        text: &str,
        state: &OutboxState,
    ) -> Result<(), StoreError> {
        let (name, reason) = match state {
            OutboxState::Sending => ("sending", None),
            OutboxState::Sent => ("sent", None),
            OutboxState::Unknown(r) => ("unknown", Some(r.as_str())),
            OutboxState::Failed(r) => ("failed", Some(r.as_str())),
            OutboxState::Restored => ("restored", None),
        };
        let now = chrono::Utc::now().to_rfc3339();
        self.db().execute(
            "INSERT INTO outbox (id, account, conversation, text, state, reason, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
             ON CONFLICT (id) DO UPDATE SET state = ?5, reason = ?6, updated_at = ?7",
            params![id as i64, key.account, key.id, text, name, reason, now],
        )?;
        Ok(())
    }

    /// Replies the operator still has to know about (notes are never restored as replies): those whose fate is not settled (sending
    /// when the program stopped, or unknown), as unknown; and those not sent whose words were
    /// not put back in a draft, as failed.
    pub fn outbox_open(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare(
            "SELECT id, account, conversation, text, state, reason, created_at, earlier_ids FROM outbox
             WHERE state IN ('sending', 'unknown', 'failed') AND kind = 'reply' ORDER BY id",
        )?;
        let rows = statement.query_map([], |row| {
            let reason: Option<String> = row.get(5)?;
            let state: String = row.get(4)?;
            let state = match state.as_str() {
                "sending" => OutboxState::Unknown("the program stopped before the platform answered".to_string()),
                "failed" => OutboxState::Failed(reason.unwrap_or_default()),
                _ => OutboxState::Unknown(reason.unwrap_or_default()),
            };
            let created_at: String = row.get(6)?;
            let earlier: Option<String> = row.get(7)?;
            Ok(OutboxEntry {
                id: row.get::<_, i64>(0)? as u64,
                key: ConversationKey::new(row.get::<_, String>(1)?, row.get::<_, String>(2)?),
                text: row.get(3)?,
                state,
                baseline: SendBaseline {
                    // An entry from before baselines were kept is settled by time alone.
                    sent_at: DateTime::parse_from_rfc3339(&created_at)
                        .map(|t| t.with_timezone(&Utc))
                        .unwrap_or_else(|_| Utc::now()),
                    earlier: earlier
                        .and_then(|json| serde_json::from_str(&json).ok())
                        .unwrap_or_default(),
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Notes whose fate is not settled (being written when the program stopped, or unknown):
    /// shown again as unknown until the notes read back show them.
    pub fn outbox_open_notes(&self) -> Result<Vec<OpenNote>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare(
            "SELECT id, account, conversation, text, state, reason, created_at, place FROM outbox
             WHERE kind = 'note' AND state IN ('sending', 'unknown') ORDER BY id",
        )?;
        let rows = statement.query_map([], |row| {
            let state: String = row.get(4)?;
            let reason: Option<String> = row.get(5)?;
            let created_at: String = row.get(6)?;
            let place: Option<String> = row.get(7)?;
            Ok(OpenNote {
                id: row.get::<_, i64>(0)? as u64,
                key: ConversationKey::new(row.get::<_, String>(1)?, row.get::<_, String>(2)?),
                text: row.get(3)?,
                reason: match state.as_str() {
                    "sending" => "the program stopped before it was saved".to_string(),
                    _ => reason.unwrap_or_default(),
                },
                place: place.as_deref().and_then(NotePlace::parse).unwrap_or(NotePlace::Local),
                created_at: DateTime::parse_from_rfc3339(&created_at)
                    .map_or_else(|_| Utc::now(), |t| t.with_timezone(&Utc)),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The highest outbox id so far: new messages number on from it, across restarts.
    pub fn outbox_last_id(&self) -> Result<u64, StoreError> {
        let id: Option<i64> = self.db().query_row("SELECT MAX(id) FROM outbox", [], |r| r.get(0))?;
        Ok(id.unwrap_or(0).max(0) as u64)
    }
}
