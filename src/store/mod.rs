//! Durable local state (design.md §6), in SQLite: the drafts and the outbox, so that nothing an
//! operator typed is lost to a crash, `kill -9` or a dropped SSH session; read marks; and a
//! cache of conversations and recent messages, so the inbox opens at once and can be read when
//! every platform is down. The database lives in the state directory (mode 0700) and never
//! holds a key.

use crate::domain::{ConversationKey, ReadMark};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

const FILE: &str = "handoff.db";
const LOCK_FILE: &str = "handoff.lock";

mod cache;
mod holds;
mod lock;
mod notes;
mod outbox;
mod schema;
mod search;
#[cfg(test)]
mod tests;

pub use cache::{After, CACHED_MESSAGES, Cached, ResolvedPage};
pub use lock::{DirLock, LockError};
pub use outbox::{OpenNote, OutboxEntry};
pub(crate) use schema::PAGE_CACHE_KIB;
use schema::{Unopened, open_and_migrate, open_patiently};
pub use search::{Hit, match_expression};

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
    /// This opening of the store, written on every cached conversation: a walk of an account's
    /// history that ends keeps only the rows written since (`cache_keep_only`).
    run: i64,
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
                run: chrono::Utc::now().timestamp_micros(),
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
