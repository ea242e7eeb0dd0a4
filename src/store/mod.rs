//! Durable local state (design.md §6), in SQLite: the drafts and the outbox, so that nothing an
//! operator typed is lost to a crash, `kill -9` or a dropped SSH session; read marks; and a
//! cache of conversations and recent messages, so the inbox opens at once and can be read when
//! every platform is down. The database lives in the state directory (mode 0700) and never
//! holds a key.

use crate::domain::{Conversation, ConversationKey, Message, OutboxState, ReadMark, SendBaseline};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

const FILE: &str = "handoff.db";
const LOCK_FILE: &str = "handoff.lock";

/// The schema, one step per version, in order: adding a version is adding an entry. Each
/// step runs once, inside the transaction that brings the file to [`SCHEMA_VERSION`].
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE IF NOT EXISTS drafts (
             account TEXT NOT NULL,
             conversation TEXT NOT NULL,
             text TEXT NOT NULL,
             updated_at TEXT NOT NULL,
             PRIMARY KEY (account, conversation)
         );",
    ),
    (
        2,
        "CREATE TABLE IF NOT EXISTS outbox (
             id INTEGER PRIMARY KEY,
             account TEXT NOT NULL,
             conversation TEXT NOT NULL,
             text TEXT NOT NULL,
             state TEXT NOT NULL,
             reason TEXT,
             created_at TEXT NOT NULL,
             updated_at TEXT NOT NULL
         );",
    ),
    (
        3,
        "CREATE TABLE IF NOT EXISTS read_marks (
             account TEXT NOT NULL,
             conversation TEXT NOT NULL,
             message_id TEXT NOT NULL,
             message_at TEXT NOT NULL,
             PRIMARY KEY (account, conversation)
         );
         CREATE TABLE IF NOT EXISTS cached_conversations (
             account TEXT NOT NULL,
             conversation TEXT NOT NULL,
             json TEXT NOT NULL,
             PRIMARY KEY (account, conversation)
         );
         CREATE TABLE IF NOT EXISTS cached_threads (
             account TEXT NOT NULL,
             conversation TEXT NOT NULL,
             json TEXT NOT NULL,
             PRIMARY KEY (account, conversation)
         );
         CREATE TABLE IF NOT EXISTS cached_accounts (
             account TEXT PRIMARY KEY,
             synced_at TEXT NOT NULL
         );",
    ),
    (4, "ALTER TABLE outbox ADD COLUMN prior INTEGER NOT NULL DEFAULT 0;"),
    // The ids of identical replies already in the thread at a send, to settle it by what is
    // newer rather than by a count (`prior`, still written for older builds).
    (5, "ALTER TABLE outbox ADD COLUMN earlier_ids TEXT;"),
];

/// The schema this build writes. A database from a newer build is moved aside, not used.
const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// How long an open waits for another process's write (another inbox migrating the same file).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}", sqlite_words(.0))]
    Sqlite(#[from] rusqlite::Error),
    #[error("local store: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// The disk (or the quota) is full: the data is fine, there is no room to add to it.
    pub fn is_full(&self) -> bool {
        matches!(self, StoreError::Sqlite(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull))
            || matches!(self, StoreError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull)
    }
}

/// SQLite's errors in the operator's words where they are about the machine, not the data.
fn sqlite_words(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => "the disk is full".into(),
        Some(ErrorCode::ReadOnly) => format!("the local store is read-only ({e})"),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            format!("the local store is busy: another program is writing it ({e})")
        }
        _ => format!("local store: {e}"),
    }
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
    /// Opens (or creates) the store in `dir`, migrating it to the current schema. Only a
    /// database that is corrupt or newer than this build is renamed (never deleted) and a
    /// fresh one made; a full disk, an I/O error, a read-only or busy file is an error and the
    /// file stays as it is, drafts and all, for the next start.
    pub fn open(dir: &Path) -> Result<(Store, Opened), StoreError> {
        Store::open_with(dir, None)
    }

    /// As [`Store::open`]; `max_pages` caps the file's size (SQLite's `max_page_count`), so
    /// tests meet a real full disk.
    fn open_with(dir: &Path, max_pages: Option<u32>) -> Result<(Store, Opened), StoreError> {
        crate::fs::private_dir(dir)?;
        let path = dir.join(FILE);
        let mut opened = Opened::default();
        let connection = match open_patiently(&path, max_pages) {
            Ok(c) => c,
            Err(Unopened::Failed(e)) => return Err(StoreError::Sqlite(e)),
            Err(Unopened::Unusable(why)) => {
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
                open_and_migrate(&path, max_pages).map_err(|e| match e {
                    Unopened::Failed(e) => StoreError::Sqlite(e),
                    Unopened::Unusable(why) => StoreError::Io(std::io::Error::other(why)),
                })?
            }
        };
        Ok((
            Store {
                db: Arc::new(Mutex::new(connection)),
            },
            opened,
        ))
    }

    /// Caps the file at its current size: every write that needs a page more fails as on a
    /// full disk. For tests.
    #[cfg(test)]
    fn fill_up(&self) {
        let db = self.db();
        let pages: i64 = db.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        db.pragma_update(None, "max_page_count", pages).unwrap();
    }

    #[cfg(test)]
    fn make_room(&self) {
        self.db().pragma_update(None, "max_page_count", 1_000_000).unwrap();
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
    /// What the thread held when it was sent: settles an unanswered send.
    pub baseline: SendBaseline,
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

    /// Messages the operator still has to know about: those whose fate is not settled (sending
    /// when the program stopped, or unknown), as unknown; and those not sent whose words were
    /// not put back in a draft, as failed.
    pub fn outbox_open(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare(
            "SELECT id, account, conversation, text, state, reason, created_at, earlier_ids FROM outbox
             WHERE state IN ('sending', 'unknown', 'failed') ORDER BY id",
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

    /// The highest outbox id so far: new messages number on from it, across restarts.
    pub fn outbox_last_id(&self) -> Result<u64, StoreError> {
        let id: Option<i64> = self.db().query_row("SELECT MAX(id) FROM outbox", [], |r| r.get(0))?;
        Ok(id.unwrap_or(0).max(0) as u64)
    }
}

impl Store {
    pub fn read_marks(&self) -> Result<Vec<(ConversationKey, ReadMark)>, StoreError> {
        let db = self.db();
        let mut statement = db.prepare("SELECT account, conversation, message_id, message_at FROM read_marks")?;
        let rows = statement.query_map([], |row| {
            Ok((
                ConversationKey::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?),
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?;
        let mut marks = Vec::new();
        for row in rows {
            let (key, message_id, at) = row?;
            // A mark whose time cannot be read is dropped: the platform's unread count stands in.
            if let Ok(at) = DateTime::parse_from_rfc3339(&at) {
                let at = at.with_timezone(&Utc);
                marks.push((key, ReadMark { message_id, at }));
            }
        }
        Ok(marks)
    }

    pub fn save_read_mark(&self, key: &ConversationKey, mark: &ReadMark) -> Result<(), StoreError> {
        self.db().execute(
            "INSERT INTO read_marks (account, conversation, message_id, message_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account, conversation) DO UPDATE SET message_id = ?3, message_at = ?4",
            params![key.account, key.id, mark.message_id, mark.at.to_rfc3339()],
        )?;
        Ok(())
    }
}

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
}

impl Store {
    /// The cached conversations and threads of these accounts; other accounts' entries (an
    /// account renamed or removed from the config) are deleted. A row that cannot be read
    /// (written by a different build) is skipped: the cache is only a head start.
    pub fn cache_load(&self, accounts: &[&str]) -> Result<Cached, StoreError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let keep = serde_json::to_string(accounts).unwrap_or_else(|_| "[]".into());
        for table in ["cached_conversations", "cached_threads", "cached_accounts"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE account NOT IN (SELECT value FROM json_each(?1))"),
                [&keep],
            )?;
        }
        let mut cached = Cached::default();
        {
            let mut statement = tx.prepare("SELECT json FROM cached_conversations")?;
            let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
            for json in rows {
                if let Ok(c) = serde_json::from_str::<Conversation>(&json?) {
                    cached.conversations.push(c);
                }
            }
            let mut statement = tx.prepare("SELECT account, conversation, json FROM cached_threads")?;
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
            let mut statement = tx.prepare("SELECT account, synced_at FROM cached_accounts")?;
            let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
            for row in rows {
                let (account, at) = row?;
                if let Ok(at) = DateTime::parse_from_rfc3339(&at) {
                    cached.synced_at.insert(account, at.with_timezone(&Utc));
                }
            }
        }
        tx.commit()?;
        Ok(cached)
    }

    /// Writes what an account's sync changed. `first`: this is the first listing since start,
    /// so whatever the cache has of this account and the listing does not is gone.
    pub fn cache_conversations(
        &self,
        account: &str,
        first: bool,
        changed: &[Conversation],
        removed: &[ConversationKey],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut db = self.db();
        let tx = db.transaction()?;
        if first {
            let listed: Vec<&str> = changed.iter().map(|c| c.key.id.as_str()).collect();
            let listed = serde_json::to_string(&listed).unwrap_or_else(|_| "[]".into());
            for table in ["cached_conversations", "cached_threads"] {
                tx.execute(
                    &format!(
                        "DELETE FROM {table} WHERE account = ?1
                         AND conversation NOT IN (SELECT value FROM json_each(?2))"
                    ),
                    params![account, listed],
                )?;
            }
        }
        {
            let mut put = tx.prepare(
                "INSERT INTO cached_conversations (account, conversation, json) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account, conversation) DO UPDATE SET json = ?3",
            )?;
            for c in changed {
                let json = serde_json::to_string(c).map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
                put.execute(params![account, c.key.id, json])?;
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

    /// Keeps a conversation's latest [`CACHED_MESSAGES`] messages.
    pub fn cache_thread(&self, key: &ConversationKey, messages: &[Message]) -> Result<(), StoreError> {
        let recent = &messages[messages.len().saturating_sub(CACHED_MESSAGES)..];
        let json = serde_json::to_string(recent).map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
        self.db().execute(
            "INSERT INTO cached_threads (account, conversation, json) VALUES (?1, ?2, ?3)
             ON CONFLICT (account, conversation) DO UPDATE SET json = ?3",
            params![key.account, key.id, json],
        )?;
        Ok(())
    }
}

/// Why a database file could not be opened.
enum Unopened {
    /// The file itself cannot be used (corrupt, not a database, a newer schema): moved aside.
    Unusable(String),
    /// Something around it failed (full disk, I/O, read-only, busy): the file is kept.
    Failed(rusqlite::Error),
}

impl From<rusqlite::Error> for Unopened {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Unopened::Unusable(format!("corrupt: {e}")),
            _ => Unopened::Failed(e),
        }
    }
}

/// Opens the file and brings its schema to [`SCHEMA_VERSION`].
/// [`open_and_migrate`], again while another connection is still setting the same file up:
/// switching a fresh file to WAL can answer "database is locked" without waiting for the busy
/// timeout, and a busy file is no reason to start without the drafts.
fn open_patiently(path: &Path, max_pages: Option<u32>) -> Result<Connection, Unopened> {
    let give_up = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match open_and_migrate(path, max_pages) {
            Err(Unopened::Failed(e)) if is_busy(&e) && std::time::Instant::now() < give_up => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            result => return result,
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn open_and_migrate(path: &Path, max_pages: Option<u32>) -> Result<Connection, Unopened> {
    let mut db = Connection::open(path)?;
    // Another inbox may be migrating this very file: wait for it rather than fail.
    db.busy_timeout(BUSY_TIMEOUT)?;
    if let Some(pages) = max_pages {
        db.pragma_update(None, "max_page_count", pages)?;
    }
    // WAL: a crash mid-write leaves the last committed state; readers never block the writer.
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    let ok: String = db.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(Unopened::Unusable(format!("corrupt: {ok}")));
    }
    migrate(&mut db)?;
    Ok(db)
}

/// Applies the steps this file lacks, in one transaction that takes the write lock first and
/// only then reads the version: concurrent openers take turns, and each sees what the one
/// before it did (no step runs twice).
fn migrate(db: &mut Connection) -> Result<(), Unopened> {
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Unopened::Unusable(format!(
            "written by a newer handoff (schema {version}, this build knows {SCHEMA_VERSION})"
        )));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    for (_, step) in MIGRATIONS.iter().filter(|(v, _)| *v > version) {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// The state directory, held by one inbox for its whole life: two would number outbox
/// entries from the same start and overwrite each other's. The OS lock goes with the
/// process, however it ends (`kill -9` included); the file stays, naming the last holder.
pub struct DirLock {
    _file: std::fs::File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another handoff{} is already using the state directory {} — close it, or start this one with --state-dir",
        .pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        .dir.display()
    )]
    Held { pid: Option<u32>, dir: PathBuf },
    #[error("cannot lock the state directory {}: {source}", .dir.display())]
    Io { dir: PathBuf, source: std::io::Error },
}

impl DirLock {
    /// Takes the lock on `dir` (created if need be) and writes this process's id in it, or
    /// says who holds it.
    pub fn take(dir: &Path) -> Result<DirLock, LockError> {
        use std::io::{Read, Seek, Write};
        let io = |source| LockError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        crate::fs::private_dir(dir).map_err(io)?;
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(dir.join(LOCK_FILE)).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0)
                    .and_then(|_| file.rewind())
                    .and_then(|_| writeln!(file, "{}", std::process::id()))
                    .map_err(io)?;
                Ok(DirLock { _file: file })
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                Err(LockError::Held {
                    pid: holder.trim().parse().ok(),
                    dir: dir.to_path_buf(),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }
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
        store
            .outbox_put(6, &k, "six", &OutboxState::Failed("HTTP 400".into()))
            .unwrap();
        store.outbox_put(6, &k, "six", &OutboxState::Restored).unwrap();
        let open = store.outbox_open().unwrap();
        assert_eq!(
            open.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(),
            ["two", "three", "four"],
            "sent and restored entries are done with"
        );
        assert_eq!(open[1].state, OutboxState::Unknown("timed out".into()));
        assert_eq!(open[2].state, OutboxState::Failed("HTTP 400".into()));
        assert!(open[0].baseline.earlier.is_empty());
        let at = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let baseline = SendBaseline {
            sent_at: at,
            earlier: vec!["m-1".into(), "m-7".into()],
        };
        store.outbox_send(5, &k, "Thanks!", &baseline).unwrap();
        let again = store.outbox_open().unwrap();
        assert_eq!((again[3].text.as_str(), &again[3].baseline), ("Thanks!", &baseline));
        assert_eq!(store.outbox_last_id().unwrap(), 6);
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

    /// An older database with a draft, opened on a full disk: the migration cannot write. The
    /// file is kept as it is, and once there is room the next open has the draft.
    #[test]
    fn a_full_disk_at_open_keeps_the_database_and_its_drafts() {
        let dir = tempfile::tempdir().unwrap();
        let db = Connection::open(dir.path().join(FILE)).unwrap();
        db.execute_batch(
            "CREATE TABLE drafts (account TEXT NOT NULL, conversation TEXT NOT NULL, text TEXT NOT NULL,
                 updated_at TEXT NOT NULL, PRIMARY KEY (account, conversation));
             INSERT INTO drafts VALUES ('raia', 'c1', 'half a reply', '2026-01-01T00:00:00Z');
             PRAGMA user_version = 1;",
        )
        .unwrap();
        let pages: u32 = db.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        drop(db);
        let error = Store::open_with(dir.path(), Some(pages))
            .err()
            .expect("no room to migrate");
        assert!(error.is_full(), "{error}");
        assert_eq!(error.to_string(), "the disk is full");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains("unusable")), "{names:?}");

        let (store, opened) = Store::open(dir.path()).unwrap();
        assert!(opened.moved_aside.is_none());
        assert_eq!(
            store.drafts().unwrap(),
            vec![(ConversationKey::new("raia", "c1"), "half a reply".to_string())]
        );
    }

    #[test]
    fn a_draft_that_finds_the_disk_full_is_written_once_there_is_room() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path()).unwrap();
        let k = ConversationKey::new("raia", "c1");
        store.fill_up();
        let long = "a reply longer than the room left ".repeat(400);
        let error = store.save_draft(&k, &long).unwrap_err();
        assert!(error.is_full(), "{error}");
        store.make_room();
        store.save_draft(&k, &long).unwrap();
        drop(store);
        let (store, _) = Store::open(dir.path()).unwrap();
        assert_eq!(store.drafts().unwrap(), vec![(k, long)]);
    }

    #[test]
    fn the_state_directory_is_held_by_one_at_a_time_and_names_its_holder() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("state");
        let held = DirLock::take(&dir).unwrap();
        let second = DirLock::take(&dir).err().expect("held");
        assert_eq!(
            second.to_string(),
            format!(
                "another handoff (pid {}) is already using the state directory {} — close it, or start this one with --state-dir",
                std::process::id(),
                dir.display()
            )
        );
        drop(held);
        DirLock::take(&dir).expect("free again");
    }

    /// Three inboxes starting at once on a fresh state directory take turns at the migration:
    /// none fails, none moves the database aside. Repeated, since a race shows only sometimes.
    #[test]
    fn concurrent_opens_of_a_fresh_directory_serialise_their_migrations() {
        for round in 0..40 {
            let root = tempfile::tempdir().unwrap();
            let dir = root.path().join("state");
            let start = std::sync::Arc::new(std::sync::Barrier::new(3));
            let openers: Vec<_> = (0..3)
                .map(|_| {
                    let (dir, start) = (dir.clone(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        Store::open(&dir).map(|(_, opened)| opened.moved_aside)
                    })
                })
                .collect();
            for opener in openers {
                match opener.join().unwrap() {
                    Ok(None) => {}
                    Ok(Some((_, why))) => panic!("round {round}: moved aside: {why}"),
                    Err(e) => panic!("round {round}: {e}"),
                }
            }
            let entries: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert!(!entries.iter().any(|e| e.contains("unusable")), "{entries:?}");
            let db = Connection::open(dir.join(FILE)).unwrap();
            let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
            assert_eq!(version, SCHEMA_VERSION);
        }
    }

    fn conversation(account: &str, id: &str) -> Conversation {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        Conversation {
            key: ConversationKey::new(account, id),
            platform: crate::domain::PlatformKind::Raia,
            customer_name: format!("customer {id}"),
            customer_contact: None,
            channel: Some("web".into()),
            status: crate::domain::Status::Human {
                by: crate::domain::Holder::Other("Sam".into()),
            },
            assignee: None,
            unread: None,
            preview: None,
            created_at: at,
            updated_at: at,
            waiting_since: None,
        }
    }

    fn message(i: usize) -> Message {
        Message {
            id: format!("m{i}"),
            author: crate::domain::Author::Customer,
            author_name: None,
            text: format!("message {i}"),
            created_at: chrono::DateTime::from_timestamp(1_700_000_000 + i as i64, 0).unwrap(),
            attachments: vec![],
            delivery: crate::domain::Delivery::Sent,
        }
    }

    #[test]
    fn read_marks_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path()).unwrap();
        let k = ConversationKey::new("raia", "c1");
        let first = ReadMark {
            message_id: "m1".into(),
            at: message(1).created_at,
        };
        let later = ReadMark {
            message_id: "m7".into(),
            at: message(7).created_at,
        };
        store.save_read_mark(&k, &first).unwrap();
        store.save_read_mark(&k, &later).unwrap();
        drop(store);
        let (store, _) = Store::open(dir.path()).unwrap();
        assert_eq!(store.read_marks().unwrap(), vec![(k, later)]);
    }

    #[test]
    fn the_cache_follows_the_syncs_and_forgets_what_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path()).unwrap();
        let at = chrono::Utc::now();
        let (a, b, c) = (
            conversation("raia", "a"),
            conversation("raia", "b"),
            conversation("raia", "c"),
        );
        store
            .cache_conversations("raia", true, &[a.clone(), b.clone(), c.clone()], &[], at)
            .unwrap();
        store
            .cache_conversations("volt", true, &[conversation("volt", "v")], &[], at)
            .unwrap();
        let messages: Vec<Message> = (0..CACHED_MESSAGES + 50).map(message).collect();
        store.cache_thread(&b.key, &messages).unwrap();
        store.cache_thread(&c.key, &messages[..3]).unwrap();
        // A later sync removes c; b changes.
        let mut b2 = b.clone();
        b2.customer_name = "renamed".into();
        store
            .cache_conversations("raia", false, &[b2.clone()], std::slice::from_ref(&c.key), at)
            .unwrap();
        drop(store);

        let (store, _) = Store::open(dir.path()).unwrap();
        // "volt" is no longer configured: its entries go.
        let cached = store.cache_load(&["raia"]).unwrap();
        let mut conversations = cached.conversations.clone();
        conversations.sort_by(|x, y| x.key.cmp(&y.key));
        assert_eq!(conversations, vec![a.clone(), b2]);
        assert_eq!(cached.threads.len(), 1);
        let (key, kept) = &cached.threads[0];
        assert_eq!(key, &b.key);
        assert_eq!(kept.len(), CACHED_MESSAGES, "only the latest are kept");
        assert_eq!(kept.last(), messages.last());
        assert_eq!(cached.synced_at.keys().collect::<Vec<_>>(), ["raia"]);

        // The first listing after a start replaces what the cache had of that account.
        store
            .cache_conversations("raia", true, std::slice::from_ref(&a), &[], at)
            .unwrap();
        let cached = store.cache_load(&["raia"]).unwrap();
        assert_eq!(cached.conversations, vec![a]);
        assert!(cached.threads.is_empty());
        assert!(store.cache_load(&[]).unwrap().conversations.is_empty());
    }

    #[test]
    fn an_older_database_is_migrated_with_what_it_held() {
        let dir = tempfile::tempdir().unwrap();
        let db = Connection::open(dir.path().join(FILE)).unwrap();
        db.execute_batch(
            "CREATE TABLE drafts (account TEXT NOT NULL, conversation TEXT NOT NULL, text TEXT NOT NULL,
                 updated_at TEXT NOT NULL, PRIMARY KEY (account, conversation));
             CREATE TABLE outbox (id INTEGER PRIMARY KEY, account TEXT NOT NULL, conversation TEXT NOT NULL,
                 text TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, created_at TEXT NOT NULL,
                 updated_at TEXT NOT NULL);
             INSERT INTO drafts VALUES ('raia', 'c1', 'half a reply', '2026-01-01T00:00:00Z');
             INSERT INTO outbox VALUES (7, 'raia', 'c1', 'on its way', 'sending', NULL, 'x', 'x');
             PRAGMA user_version = 2;",
        )
        .unwrap();
        drop(db);
        let (store, opened) = Store::open(dir.path()).unwrap();
        assert!(opened.moved_aside.is_none());
        assert_eq!(store.drafts().unwrap()[0].1, "half a reply");
        let open = store.outbox_open().unwrap();
        assert_eq!((open[0].id, open[0].baseline.earlier.len()), (7, 0));
        assert!(store.read_marks().unwrap().is_empty());
        assert!(store.cache_load(&["raia"]).unwrap().conversations.is_empty());
    }
}
