//! Durable local state (design.md §6), in SQLite: for now the drafts, so that nothing an
//! operator typed is lost to a crash, `kill -9` or a dropped SSH session. The database lives in
//! the state directory (mode 0700) and never holds a key.

use crate::domain::{ConversationKey, OutboxState};
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The schema this build writes. A database from a newer build is moved aside, not used.
const SCHEMA_VERSION: i64 = 2;
const FILE: &str = "handoff.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("local store: {0}")]
    Io(#[from] std::io::Error),
}

/// What opening the store had to do that the operator should know about.
#[derive(Debug, Default)]
pub struct Opened {
    /// A database that could not be used (corrupt, or from a newer version), kept here.
    pub moved_aside: Option<(PathBuf, String)>,
}

/// The store. Cheap to clone; every call is blocking I/O, so callers run it off the UI task.
#[derive(Clone)]
pub struct Store {
    db: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (or creates) the store in `dir`, migrating it to the current schema. A database
    /// that is corrupt or newer than this build is renamed (never deleted) and a fresh one made.
    pub fn open(dir: &Path) -> Result<(Store, Opened), StoreError> {
        crate::logging::create_private_dir(dir)?;
        let path = dir.join(FILE);
        let mut opened = Opened::default();
        let connection = match open_and_migrate(&path) {
            Ok(c) => c,
            Err(why) => {
                let aside = dir.join(format!(
                    "{FILE}.unusable-{}",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S")
                ));
                std::fs::rename(&path, &aside)?;
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::rename(
                        dir.join(format!("{FILE}{suffix}")),
                        dir.join(format!("{}{suffix}", aside.display())),
                    );
                }
                tracing::warn!(path = %aside.display(), %why, "local store moved aside");
                opened.moved_aside = Some((aside, why));
                open_and_migrate(&path).map_err(|why| StoreError::Io(std::io::Error::other(why)))?
            }
        };
        Ok((
            Store {
                db: Arc::new(Mutex::new(connection)),
            },
            opened,
        ))
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions), so
        // the connection is still good.
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every saved draft.
    pub fn drafts(&self) -> Result<Vec<(ConversationKey, String)>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare("SELECT account, conversation, text FROM drafts ORDER BY updated_at")?;
        let rows = statement.query_map([], |row| {
            Ok((
                ConversationKey::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?),
                row.get(2)?,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Saves a draft; an empty one is deleted.
    pub fn save_draft(&self, key: &ConversationKey, text: &str) -> Result<(), StoreError> {
        let db = self.db();
        if text.is_empty() {
            db.execute(
                "DELETE FROM drafts WHERE account = ?1 AND conversation = ?2",
                params![key.account, key.id],
            )?;
        } else {
            db.execute(
                "INSERT INTO drafts (account, conversation, text, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account, conversation) DO UPDATE SET text = ?3, updated_at = ?4",
                params![key.account, key.id, text, chrono::Utc::now().to_rfc3339()],
            )?;
        }
        Ok(())
    }
}

/// An outgoing message as the outbox last recorded it.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEntry {
    pub id: u64,
    pub key: ConversationKey,
    pub text: String,
    pub state: OutboxState,
}

impl Store {
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

    /// Messages whose fate is not settled (sending when the program stopped, or unknown).
    pub fn outbox_unsettled(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare(
            "SELECT id, account, conversation, text, state, reason FROM outbox
             WHERE state IN ('sending', 'unknown') ORDER BY id",
        )?;
        let rows = statement.query_map([], |row| {
            let reason: Option<String> = row.get(5)?;
            let state: String = row.get(4)?;
            let reason = match state.as_str() {
                "sending" => "the program stopped before the platform answered".to_string(),
                _ => reason.unwrap_or_default(),
            };
            Ok(OutboxEntry {
                id: row.get::<_, i64>(0)? as u64,
                key: ConversationKey::new(row.get::<_, String>(1)?, row.get::<_, String>(2)?),
                text: row.get(3)?,
                state: OutboxState::Unknown(reason),
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

/// Opens the file and brings its schema to [`SCHEMA_VERSION`]; an error says why it cannot be
/// used.
fn open_and_migrate(path: &Path) -> Result<Connection, String> {
    let db = Connection::open(path).map_err(|e| e.to_string())?;
    // WAL: a crash mid-write leaves the last committed state; readers never block the writer.
    db.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| format!("not a usable database: {e}"))?;
    db.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| e.to_string())?;
    let ok: String = db
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| format!("corrupt: {e}"))?;
    if ok != "ok" {
        return Err(format!("corrupt: {ok}"));
    }
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "written by a newer handoff (schema {version}, this build knows {SCHEMA_VERSION})"
        ));
    }
    if version < 1 {
        db.execute_batch(
            "BEGIN;
             CREATE TABLE IF NOT EXISTS drafts (
                 account TEXT NOT NULL,
                 conversation TEXT NOT NULL,
                 text TEXT NOT NULL,
                 updated_at TEXT NOT NULL,
                 PRIMARY KEY (account, conversation)
             );
             PRAGMA user_version = 1;
             COMMIT;",
        )
        .map_err(|e| e.to_string())?;
    }
    if version < 2 {
        db.execute_batch(
            "BEGIN;
             CREATE TABLE IF NOT EXISTS outbox (
                 id INTEGER PRIMARY KEY,
                 account TEXT NOT NULL,
                 conversation TEXT NOT NULL,
                 text TEXT NOT NULL,
                 state TEXT NOT NULL,
                 reason TEXT,
                 created_at TEXT NOT NULL,
                 updated_at TEXT NOT NULL
             );
             PRAGMA user_version = 2;
             COMMIT;",
        )
        .map_err(|e| e.to_string())?;
    }
    // Later schema versions add their steps here, each in its own transaction.
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_survive_a_reopen() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("state");
        let (store, opened) = Store::open(&dir).unwrap();
        assert!(opened.moved_aside.is_none());
        let k = ConversationKey::new("raia", "c1");
        store.save_draft(&k, "Hello, Ann — 李小龙 👋").unwrap();
        store.save_draft(&ConversationKey::new("volt", "c2"), "second").unwrap();
        store.save_draft(&ConversationKey::new("volt", "c2"), "").unwrap();
        drop(store);
        let (store, _) = Store::open(&dir).unwrap();
        assert_eq!(store.drafts().unwrap(), vec![(k, "Hello, Ann — 李小龙 👋".to_string())]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "the state dir is private");
        }
    }

    #[test]
    fn the_outbox_keeps_what_is_not_settled() {
        let root = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(root.path()).unwrap();
        let k = ConversationKey::new("raia", "c1");
        store.outbox_put(1, &k, "one", &OutboxState::Sending).unwrap();
        store.outbox_put(1, &k, "one", &OutboxState::Sent).unwrap();
        store.outbox_put(2, &k, "two", &OutboxState::Sending).unwrap();
        store
            .outbox_put(3, &k, "three", &OutboxState::Unknown("timed out".into()))
            .unwrap();
        store
            .outbox_put(4, &k, "four", &OutboxState::Failed("HTTP 400".into()))
            .unwrap();
        drop(store);
        let (store, _) = Store::open(root.path()).unwrap();
        let unsettled = store.outbox_unsettled().unwrap();
        assert_eq!(
            unsettled.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(),
            ["two", "three"]
        );
        assert_eq!(unsettled[1].state, OutboxState::Unknown("timed out".into()));
        assert_eq!(store.outbox_last_id().unwrap(), 4);
    }

    #[test]
    fn a_corrupt_or_newer_database_is_moved_aside_not_deleted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), b"this is not a database, it is a sentence").unwrap();
        let (store, opened) = Store::open(dir.path()).unwrap();
        let (aside, why) = opened.moved_aside.expect("moved aside");
        assert!(
            why.contains("not a usable database") || why.contains("corrupt"),
            "{why}"
        );
        assert_eq!(
            std::fs::read(&aside).unwrap(),
            b"this is not a database, it is a sentence"
        );
        store.save_draft(&ConversationKey::new("a", "b"), "works").unwrap();
        drop(store);

        let db = Connection::open(dir.path().join(FILE)).unwrap();
        db.pragma_update(None, "user_version", 99).unwrap();
        drop(db);
        let (_, opened) = Store::open(dir.path()).unwrap();
        assert!(opened.moved_aside.unwrap().1.contains("newer handoff"));
    }
}
