//! The cache: each account's conversations and the latest messages of the threads fetched,
//! so the inbox opens at once and can be read offline.

use super::{Store, StoreError};
use crate::domain::{Conversation, ConversationKey, Message, queue_rank};
use crate::present::filter_text;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;

/// How many of a conversation's latest messages the cache keeps: enough to read the context of
/// a conversation while offline, not a copy of the platform.
pub const CACHED_MESSAGES: usize = 200;

/// What the cache held at start.
#[derive(Debug, Default)]
pub struct Cached {
    pub conversations: Vec<Conversation>,
    pub threads: Vec<(ConversationKey, Vec<Message>)>,
    /// When each account's conversations were last written.
    pub synced_at: HashMap<String, DateTime<Utc>>,
    /// The resolved conversations, by key only: they stay on disk until their view shows them
    /// ([`Store::cache_resolved`]).
    pub resolved: Vec<ConversationKey>,
}

/// Where a page of resolved conversations ends, in their order (the most recent first): the
/// next page starts after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct After {
    pub queue_at: i64,
    pub key: ConversationKey,
}

impl After {
    pub fn of(c: &Conversation) -> After {
        After {
            queue_at: queue_rank(c).1,
            key: c.key.clone(),
        }
    }
}

/// A page of the cache's resolved conversations.
#[derive(Debug, Default)]
pub struct ResolvedPage {
    pub conversations: Vec<Conversation>,
    /// How many match the filter in all, asked only with a filter and on the first page.
    pub total: Option<usize>,
    /// More follow this page.
    pub more: bool,
}

/// The resolved rank of [`queue_rank`]: the resolved conversations' rows.
const RESOLVED: i64 = 4;

/// Rows the filter (folded, as a `LIKE` pattern) lets through; an empty pattern lets all.
const FILTERED: &str = "(?2 = '' OR folded LIKE ?2 ESCAPE '\\')";

/// The first rows in the queue's order: the index walked in its order, stopping at the limit.
/// Without `INDEXED BY` the planner picks the primary key for `account` and sorts the whole
/// cache, which is what reading the first rows first is meant to avoid.
pub(super) const FIRST_ROWS: &str = "SELECT json FROM cached_conversations INDEXED BY cached_queue
     WHERE queue_rank IS NOT NULL AND account IN (SELECT value FROM json_each(?1))
     ORDER BY queue_rank, queue_at LIMIT ?2";

impl Store {
    /// The cached conversations and threads of these accounts; other accounts' entries (an
    /// account renamed or removed from the config) are deleted. A row that cannot be read
    /// (written by a different build) is skipped: the cache is only a head start.
    pub fn cache_load(&self, accounts: &[&str]) -> Result<Cached, StoreError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let keep = serde_json::to_string(accounts).unwrap_or_else(|_| "[]".into());
        for table in [
            "cached_conversations",
            "cached_threads",
            "cached_accounts",
            "search_rows",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE account NOT IN (SELECT value FROM json_each(?1))"),
                [&keep],
            )?;
        }
        let mut cached = Cached::default();
        {
            let mut statement = tx.prepare(&format!(
                "SELECT json FROM cached_conversations WHERE queue_rank IS NOT {RESOLVED}"
            ))?;
            let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
            for json in rows {
                if let Ok(c) = serde_json::from_str::<Conversation>(&json?) {
                    cached.conversations.push(c);
                }
            }
            let mut statement = tx.prepare(&format!(
                "SELECT account, conversation FROM cached_conversations WHERE queue_rank = {RESOLVED}"
            ))?;
            let rows = statement.query_map([], |row| {
                Ok(ConversationKey::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?;
            for key in rows {
                cached.resolved.push(key?);
            }
            // The threads of what is on disk only stay there too (read back when opened).
            let mut statement = tx.prepare(&format!(
                "SELECT account, conversation, t.json FROM cached_threads t
                 JOIN cached_conversations c USING (account, conversation)
                 WHERE c.queue_rank IS NOT {RESOLVED}"
            ))?;
            let rows = statement.query_map([], |row| {
                Ok((
                    ConversationKey::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?),
                    row.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (key, json) = row?;
                if let Ok(messages) = serde_json::from_str::<Vec<Message>>(&json) {
                    cached.threads.push((key, messages));
                }
            }
        }
        cached.synced_at = synced_at(&tx, &keep)?;
        tx.commit()?;
        Ok(cached)
    }

    /// The first `limit` cached conversations of these accounts in the queue's order, and when
    /// each account was written: the first screen, read before the rest ([`Store::cache_load`]
    /// reads everything, these included). A few milliseconds, however large the cache.
    pub fn cache_load_first(&self, accounts: &[&str], limit: usize) -> Result<Cached, StoreError> {
        let db = self.db();
        let keep = serde_json::to_string(accounts).unwrap_or_else(|_| "[]".into());
        let mut cached = Cached::default();
        let mut statement = db.prepare(FIRST_ROWS)?;
        let rows = statement.query_map(params![keep, limit as i64], |row| row.get::<_, String>(0))?;
        for json in rows {
            if let Ok(c) = serde_json::from_str::<Conversation>(&json?) {
                cached.conversations.push(c);
            }
        }
        cached.synced_at = synced_at(&db, &keep)?;
        Ok(cached)
    }

    /// A page of these accounts' resolved conversations, the most recent first, after `after`
    /// (from the start when `None`), matching `filter` (folded, as the list filter; empty for
    /// all). Off the queue index: a few milliseconds a page without a filter; with one, the
    /// total is counted too (a scan of a short column).
    pub fn cache_resolved(
        &self,
        accounts: &[&str],
        filter: &str,
        after: Option<&After>,
        limit: usize,
    ) -> Result<ResolvedPage, StoreError> {
        let db = self.db();
        let keep = serde_json::to_string(accounts).unwrap_or_else(|_| "[]".into());
        let pattern = like_pattern(filter);
        let (at, account, id) = match after {
            Some(a) => (a.queue_at, a.key.account.to_string(), a.key.id.clone()),
            None => (i64::MIN, String::new(), String::new()),
        };
        let mut page = ResolvedPage::default();
        let mut statement = db.prepare(&format!(
            "SELECT json FROM cached_conversations INDEXED BY cached_filter
             WHERE queue_rank = {RESOLVED} AND account IN (SELECT value FROM json_each(?1)) AND {FILTERED}
               AND (queue_at, account, conversation) > (?3, ?4, ?5)
             ORDER BY queue_at, account, conversation LIMIT ?6"
        ))?;
        let rows = statement.query_map(params![keep, pattern, at, account, id, limit as i64 + 1], |row| {
            row.get::<_, String>(0)
        })?;
        for json in rows {
            if page.conversations.len() == limit {
                page.more = true;
                break;
            }
            if let Ok(c) = serde_json::from_str::<Conversation>(&json?) {
                page.conversations.push(c);
            }
        }
        if !filter.is_empty() && after.is_none() {
            let total: i64 = db.query_row(
                &format!(
                    "SELECT count(*) FROM cached_conversations INDEXED BY cached_filter
                     WHERE queue_rank = {RESOLVED} AND account IN (SELECT value FROM json_each(?1)) AND {FILTERED}"
                ),
                params![keep, pattern],
                |row| row.get(0),
            )?;
            page.total = Some(total as usize);
        }
        Ok(page)
    }

    /// One cached conversation (a search's hit on a resolved one, which stays on disk).
    pub fn cached_conversation(&self, key: &ConversationKey) -> Result<Option<Conversation>, StoreError> {
        let json: Option<String> = self
            .db()
            .query_row(
                "SELECT json FROM cached_conversations WHERE account = ?1 AND conversation = ?2",
                params![key.account, key.id],
                |row| row.get(0),
            )
            .optional()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// A walk of the account's whole history ended: whatever the cache has of this account
    /// that was not written since the store was opened is gone (the sync writes every
    /// conversation it hears of once in a run, the first time it hears of it).
    pub fn cache_keep_only(&self, account: &str) -> Result<(), StoreError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        tx.execute(
            "DELETE FROM cached_conversations WHERE account = ?1 AND run IS NOT ?2",
            params![account, self.run],
        )?;
        for table in ["cached_threads", "search_rows"] {
            tx.execute(
                // Row by row off the primary key: no temporary copy of every id.
                &format!(
                    "DELETE FROM {table} WHERE account = ?1 AND NOT EXISTS (SELECT 1 FROM cached_conversations c
                     WHERE c.account = {table}.account AND c.conversation = {table}.conversation)"
                ),
                params![account],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Writes what an account's sync changed.
    pub fn cache_conversations(
        &self,
        account: &str,
        changed: &[Conversation],
        removed: &[ConversationKey],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        {
            let mut put = tx.prepare(
                "INSERT INTO cached_conversations (account, conversation, json, queue_rank, queue_at, folded, run)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (account, conversation)
                 DO UPDATE SET json = ?3, queue_rank = ?4, queue_at = ?5, folded = ?6, run = ?7",
            )?;
            for c in changed {
                let json = serde_json::to_string(c).map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
                let (rank, at) = queue_rank(c);
                put.execute(params![account, c.key.id, json, rank, at, filter_text(c), self.run])?;
                super::search::put_conversation(&tx, account, c)?;
            }
            for key in removed {
                tx.execute(
                    "DELETE FROM cached_conversations WHERE account = ?1 AND conversation = ?2",
                    params![account, key.id],
                )?;
                tx.execute(
                    "DELETE FROM cached_threads WHERE account = ?1 AND conversation = ?2",
                    params![account, key.id],
                )?;
                super::search::forget(&tx, account, &key.id)?;
            }
        }
        tx.execute(
            "INSERT INTO cached_accounts (account, synced_at) VALUES (?1, ?2)
             ON CONFLICT (account) DO UPDATE SET synced_at = ?2",
            params![account, at.to_rfc3339()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Keeps a conversation's latest [`CACHED_MESSAGES`] messages, and makes them searchable.
    pub fn cache_thread(&self, key: &ConversationKey, messages: &[Message]) -> Result<(), StoreError> {
        let recent = &messages[messages.len().saturating_sub(CACHED_MESSAGES)..];
        let json = serde_json::to_string(recent).map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
        let mut db = self.db();
        let tx = db.transaction()?;
        tx.execute(
            "INSERT INTO cached_threads (account, conversation, json) VALUES (?1, ?2, ?3)
             ON CONFLICT (account, conversation) DO UPDATE SET json = ?3",
            params![key.account, key.id, json],
        )?;
        super::search::put_messages(&tx, key, recent)?;
        tx.commit()?;
        Ok(())
    }

    /// A conversation's cached messages (none when it has none, or they cannot be read: the
    /// cache is only a head start).
    pub fn cached_thread(&self, key: &ConversationKey) -> Result<Vec<Message>, StoreError> {
        let json: Option<String> = self
            .db()
            .query_row(
                "SELECT json FROM cached_threads WHERE account = ?1 AND conversation = ?2",
                params![key.account, key.id],
                |row| row.get(0),
            )
            .optional()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
    }
}

/// The list filter, folded, as a `LIKE` pattern: its own `%`, `_` and `\` taken literally.
fn like_pattern(filter: &str) -> String {
    if filter.is_empty() {
        return String::new();
    }
    let mut pattern = String::from("%");
    for c in filter.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// When each of these accounts' conversations (a JSON list of names) were last written.
fn synced_at(db: &rusqlite::Connection, accounts: &str) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
    let mut statement = db
        .prepare("SELECT account, synced_at FROM cached_accounts WHERE account IN (SELECT value FROM json_each(?1))")?;
    let rows = statement.query_map([accounts], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut synced = HashMap::new();
    for row in rows {
        let (account, at) = row?;
        if let Ok(at) = DateTime::parse_from_rfc3339(&at) {
            synced.insert(account, at.with_timezone(&Utc));
        }
    }
    Ok(synced)
}
