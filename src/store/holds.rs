//! The conversations this operator holds: every takeover made here once the platform confirms
//! it, until it is handed back, resolved or taken by someone else. raia and ChatDash cannot
//! always say who holds a conversation, so after a restart (a crash, `kill -9`) this record is
//! what says "you".

use super::{Store, StoreError};
use crate::domain::ConversationKey;
use chrono::{DateTime, Utc};
use rusqlite::params;

impl Store {
    /// Every conversation held, with when it was taken.
    pub fn holds(&self) -> Result<Vec<(ConversationKey, DateTime<Utc>)>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare("SELECT account, conversation, since FROM holds")?;
        let rows = statement.query_map([], |row| {
            Ok((
                ConversationKey::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?),
                row.get::<_, String>(2)?,
            ))
        })?;
        let mut holds = Vec::new();
        for row in rows {
            let (key, since) = row?;
            // A time that cannot be read does not make the hold any less held.
            let since = DateTime::parse_from_rfc3339(&since).map_or(DateTime::UNIX_EPOCH, |t| t.with_timezone(&Utc));
            holds.push((key, since));
        }
        Ok(holds)
    }

    /// Records what changed: conversations now held (with since when), and ones no longer.
    pub fn save_holds(
        &self,
        held: &[(ConversationKey, DateTime<Utc>)],
        released: &[ConversationKey],
    ) -> Result<(), StoreError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        for (key, since) in held {
            tx.execute(
                "INSERT INTO holds (account, conversation, since) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account, conversation) DO NOTHING",
                params![key.account, key.id, since.to_rfc3339()],
            )?;
        }
        for key in released {
            tx.execute(
                "DELETE FROM holds WHERE account = ?1 AND conversation = ?2",
                params![key.account, key.id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
