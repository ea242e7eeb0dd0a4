//! Full-text search over what the cache holds: every conversation (its customer's name, its id,
//! email or phone, channel and preview) and every cached message, in SQLite FTS5 with
//! diacritics removed (`chloe` finds Chloé). `search_rows` holds one row per (account,
//! conversation, message) — `message` empty for the conversation itself — and the index is
//! external-content over it, kept by triggers; the cache writer changes only the rows whose
//! text changed, so a poll that brings nothing new writes nothing here. Messages that leave the
//! cache's window stay searchable until their conversation goes.

use super::{Store, StoreError};
use crate::domain::{Conversation, ConversationKey, Message};
use rusqlite::{Transaction, params};

/// Migration 8: the rows, the index, its triggers, and what the cache already holds.
pub(super) const MIGRATION: &str = "
    CREATE TABLE IF NOT EXISTS search_rows (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        conversation TEXT NOT NULL,
        message TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (account, conversation, message)
    );
    CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
        name, body, content = 'search_rows', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER IF NOT EXISTS search_rows_insert AFTER INSERT ON search_rows BEGIN
        INSERT INTO search (rowid, name, body) VALUES (new.id, new.name, new.body);
    END;
    CREATE TRIGGER IF NOT EXISTS search_rows_delete AFTER DELETE ON search_rows BEGIN
        INSERT INTO search (search, rowid, name, body) VALUES ('delete', old.id, old.name, old.body);
    END;
    CREATE TRIGGER IF NOT EXISTS search_rows_update AFTER UPDATE ON search_rows BEGIN
        INSERT INTO search (search, rowid, name, body) VALUES ('delete', old.id, old.name, old.body);
        INSERT INTO search (rowid, name, body) VALUES (new.id, new.name, new.body);
    END;
    INSERT OR IGNORE INTO search_rows (account, conversation, message, name, body)
        SELECT account, conversation, '', coalesce(json_extract(json, '$.customer_name'), ''),
               concat_ws(' ', conversation, json_extract(json, '$.customer_contact'),
                         json_extract(json, '$.channel'), json_extract(json, '$.preview'))
        FROM cached_conversations WHERE json_valid(json);
    INSERT OR IGNORE INTO search_rows (account, conversation, message, name, body)
        SELECT t.account, t.conversation, json_extract(m.value, '$.id'), '',
               coalesce(json_extract(m.value, '$.text'), '')
        FROM cached_threads t, json_each(t.json) m
        WHERE json_valid(t.json) AND json_extract(m.value, '$.id') IS NOT NULL;
";

/// Writes a row, only when its text changed (the update trigger then re-indexes it).
const PUT: &str = "INSERT INTO search_rows (account, conversation, message, name, body)
    VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT (account, conversation, message) DO UPDATE SET name = excluded.name, body = excluded.body
    WHERE name IS NOT excluded.name OR body IS NOT excluded.body";

/// Marks around the matched words in a snippet: control characters, which sanitised text never
/// holds, so they cannot be confused with the text.
const START: char = '\u{2}';
const END: char = '\u{3}';
/// How many words around the match a snippet shows.
const SNIPPET_WORDS: i64 = 12;

/// The conversation's own row.
pub(super) fn put_conversation(tx: &Transaction, account: &str, c: &Conversation) -> rusqlite::Result<()> {
    let body: Vec<&str> = [
        Some(c.key.id.as_str()),
        c.customer_contact.as_deref(),
        c.channel.as_deref(),
        c.preview.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    tx.prepare_cached(PUT)?
        .execute(params![account, c.key.id, "", c.customer_name, body.join(" ")])?;
    Ok(())
}

/// A thread's messages, each its own row.
pub(super) fn put_messages(tx: &Transaction, key: &ConversationKey, messages: &[Message]) -> rusqlite::Result<()> {
    let mut put = tx.prepare_cached(PUT)?;
    for m in messages {
        put.execute(params![key.account, key.id, m.id, "", m.text])?;
    }
    Ok(())
}

/// A conversation that is gone, with its messages.
pub(super) fn forget(tx: &Transaction, account: &str, conversation: &str) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM search_rows WHERE account = ?1 AND conversation = ?2",
        params![account, conversation],
    )?;
    Ok(())
}

/// One hit: the conversation, the message (none: the conversation itself matched), and a
/// snippet of the matching text as (text, matched) pieces.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub key: ConversationKey,
    pub message: Option<String>,
    pub snippet: Vec<(String, bool)>,
}

impl Store {
    /// The latest `limit` hits for what the operator typed (the rows indexed last first: FTS5
    /// walks them in that order and stops at the limit, where ranking would score every match —
    /// 190 ms for a word in 200k messages, on every key); nothing for a query without words.
    /// The words are quoted, so no input is an FTS5 syntax error; the last one matches as a
    /// prefix, since it may still be being typed.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, StoreError> {
        let Some(expression) = match_expression(query) else {
            return Ok(vec![]);
        };
        let db = self.db();
        let mut statement = db.prepare_cached(
            "SELECT r.account, r.conversation, r.message, snippet(search, -1, char(2), char(3), '…', ?3)
             FROM search JOIN search_rows r ON r.id = search.rowid
             WHERE search MATCH ?1 ORDER BY search.rowid DESC LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map(params![expression, limit, SNIPPET_WORDS], |row| {
            let message: String = row.get(2)?;
            Ok(Hit {
                key: ConversationKey::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?),
                message: (!message.is_empty()).then_some(message),
                snippet: pieces(&row.get::<_, String>(3)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The operator's words as an FTS5 expression: each word a quoted string (a `"` in it
/// doubled), all of them required, the last a prefix. Words with nothing to index (`-`, `@`)
/// are left out; none left, none at all.
pub fn match_expression(query: &str) -> Option<String> {
    let words: Vec<String> = query
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    let last = words.len().checked_sub(1)?;
    let mut expression = String::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            expression.push(' ');
        }
        expression.push_str(word);
        if i == last {
            expression.push('*');
        }
    }
    Some(expression)
}

/// A snippet split at its marks into (text, matched) pieces, empty ones left out.
fn pieces(snippet: &str) -> Vec<(String, bool)> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut matched = false;
    for c in snippet.chars() {
        if c == START || c == END {
            if !current.is_empty() {
                pieces.push((std::mem::take(&mut current), matched));
            }
            matched = c == START;
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        pieces.push((current, matched));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_and_the_last_is_a_prefix() {
        assert_eq!(match_expression("chloe"), Some("\"chloe\"*".into()));
        assert_eq!(
            match_expression(" refund  NOT \"x "),
            Some("\"refund\" \"NOT\" \"\"\"x\"*".into())
        );
        assert_eq!(match_expression("a\"b) OR"), Some("\"a\"\"b)\" \"OR\"*".into()));
        assert_eq!(match_expression("  - @ "), None);
        assert_eq!(match_expression(""), None);
    }

    #[test]
    fn marks_split_a_snippet() {
        let s = format!("…the {START}refund{END} for {START}Chloé{END}");
        assert_eq!(
            pieces(&s),
            vec![
                ("…the ".to_string(), false),
                ("refund".to_string(), true),
                (" for ".to_string(), false),
                ("Chloé".to_string(), true)
            ]
        );
    }

    fn conversation(id: &str, name: &str, contact: Option<&str>) -> Conversation {
        Conversation {
            key: ConversationKey::new("volt", id),
            platform: crate::domain::PlatformKind::Chatvolt,
            customer_name: name.into(),
            customer_contact: contact.map(Into::into),
            channel: Some("website".into()),
            status: crate::domain::Status::Ai,
            assignee: None,
            unread: None,
            preview: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            waiting_since: None,
            no_reply: None,
            details: None,
        }
    }

    fn message(id: &str, text: &str) -> Message {
        Message {
            id: id.into(),
            author: crate::domain::Author::Customer,
            author_name: None,
            text: text.into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            attachments: vec![],
            delivery: crate::domain::Delivery::Sent,
        }
    }

    fn found(store: &Store, query: &str) -> Vec<(String, Option<String>)> {
        let hits = store.search(query, 50).unwrap();
        hits.into_iter().map(|h| (h.key.id, h.message)).collect()
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path()).unwrap();
        let now = chrono::DateTime::UNIX_EPOCH;
        let changed = [
            conversation("c1", "Chloé Dupont", Some("chloe.d@example.org")),
            conversation("c2", "Vera", Some("+33 6 12 34 56 78")),
        ];
        store.cache_conversations("volt", &changed, &[], now).unwrap();
        let old = message("m1", "My parcel to Zanzibar never came");
        let new = message("m2", "Any news?");
        store
            .cache_thread(&ConversationKey::new("volt", "c2"), &[old, new])
            .unwrap();
        (dir, store)
    }

    #[test]
    fn names_contacts_ids_and_messages_are_found_without_diacritics() {
        let (_dir, store) = store();
        assert_eq!(found(&store, "chloe"), [("c1".to_string(), None)]);
        assert_eq!(
            found(&store, "CHLO"),
            [("c1".to_string(), None)],
            "the last word is a prefix"
        );
        assert_eq!(found(&store, "chloe.d@example.org"), [("c1".to_string(), None)]);
        assert_eq!(found(&store, "c2"), [("c2".to_string(), None)]);
        assert_eq!(found(&store, "zanzibar"), [("c2".to_string(), Some("m1".to_string()))]);
        let hit = &store.search("parcel zanzi", 5).unwrap()[0];
        let marked: Vec<&str> = hit.snippet.iter().filter(|p| p.1).map(|p| p.0.as_str()).collect();
        assert_eq!(marked, ["parcel", "Zanzibar"]);
        for odd in ["\"", "(", "NOT", "a OR", "*", "chloe\"", "NEAR(x", "^", "-", ""] {
            assert!(store.search(odd, 5).is_ok(), "{odd:?} is no error");
        }
    }

    #[test]
    fn an_unchanged_write_changes_nothing_and_a_removed_conversation_goes() {
        let (_dir, store) = store();
        let before = store.db().total_changes();
        let key = ConversationKey::new("volt", "c2");
        let old = message("m1", "My parcel to Zanzibar never came");
        store.cache_thread(&key, &[old, message("m2", "Any news?")]).unwrap();
        // Only the cached thread's own row is written again.
        assert_eq!(store.db().total_changes() - before, 1);
        store
            .cache_thread(&key, &[message("m2", "Any news from Oslo?")])
            .unwrap();
        assert_eq!(found(&store, "oslo"), [("c2".to_string(), Some("m2".to_string()))]);
        assert_eq!(found(&store, "news").len(), 1, "changed, not doubled");
        assert_eq!(found(&store, "zanzibar").len(), 1, "out of the window, still found");
        let now = chrono::DateTime::UNIX_EPOCH;
        store.cache_conversations("volt", &[], &[key], now).unwrap();
        assert!(found(&store, "zanzibar").is_empty());
        assert!(found(&store, "vera").is_empty());
        assert_eq!(found(&store, "chloe").len(), 1);
    }

    #[test]
    fn the_migration_indexes_what_the_cache_already_held() {
        let (_dir, store) = store();
        store.db().execute("DELETE FROM search_rows", []).unwrap();
        assert!(found(&store, "zanzibar").is_empty());
        store.db().execute_batch(MIGRATION).unwrap();
        assert_eq!(found(&store, "zanzibar").len(), 1);
        assert_eq!(found(&store, "chloe").len(), 1);
        assert_eq!(found(&store, "56 78").len(), 1);
    }
}
