//! The team database's schema and opening it: WAL (readers never block the writer, and several
//! processes on one host share it), a busy timeout, the migrations applied once in one
//! `BEGIN IMMEDIATE` (as `store::schema` does), and a file that cannot be used moved aside.

use super::dir;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub const FILE: &str = "team.db";

/// Times are milliseconds since the epoch (UTC): compared in SQL, the same on every instance.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE IF NOT EXISTS instances (
         id TEXT PRIMARY KEY,
         operator_name TEXT,
         operator_email TEXT,
         display_name TEXT NOT NULL,
         started_at INTEGER NOT NULL,
         beat_at INTEGER NOT NULL,
         viewing_account TEXT,
         viewing_conversation TEXT,
         typing INTEGER NOT NULL DEFAULT 0
     );
     -- The accounts each instance has (fingerprints): who may act on an account's orphans.
     CREATE TABLE IF NOT EXISTS instance_accounts (
         instance TEXT NOT NULL,
         account TEXT NOT NULL,
         PRIMARY KEY (instance, account)
     );
     CREATE TABLE IF NOT EXISTS claims (
         account TEXT NOT NULL,
         conversation TEXT NOT NULL,
         instance TEXT NOT NULL,
         name TEXT NOT NULL,
         since INTEGER NOT NULL,
         -- When its holder left or was found dead (its last beat); NULL while it runs.
         left_at INTEGER,
         PRIMARY KEY (account, conversation)
     );
     CREATE TABLE IF NOT EXISTS leases (
         account TEXT PRIMARY KEY,
         instance TEXT NOT NULL,
         until INTEGER NOT NULL
     );",
    ),
    (
        2,
        // One sync for the team: what each account's leader learns (shared.rs).
        "CREATE TABLE IF NOT EXISTS shared_seq (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
     CREATE TABLE IF NOT EXISTS shared_conversations (
         account TEXT NOT NULL,
         id TEXT NOT NULL,
         seq INTEGER NOT NULL,
         -- The domain's JSON; NULL once removed.
         conversation TEXT,
         PRIMARY KEY (account, id)
     );
     CREATE INDEX IF NOT EXISTS shared_conversations_seq ON shared_conversations (account, seq);
     CREATE TABLE IF NOT EXISTS shared_threads (
         account TEXT NOT NULL,
         id TEXT NOT NULL,
         seq INTEGER NOT NULL,
         messages TEXT NOT NULL,
         PRIMARY KEY (account, id)
     );
     CREATE INDEX IF NOT EXISTS shared_threads_seq ON shared_threads (account, seq);
     CREATE TABLE IF NOT EXISTS shared_walks (account TEXT PRIMARY KEY, seq INTEGER NOT NULL);",
    ),
    (
        3,
        // Team escalation: the handoffs each instance alerted on (JSON, `store::Watching`).
        "ALTER TABLE instances ADD COLUMN watching TEXT NOT NULL DEFAULT '[]';",
    ),
    (
        4,
        // Team notes (notes.rs): on platforms without notes of their own.
        "CREATE TABLE IF NOT EXISTS team_notes (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         account TEXT NOT NULL,
         conversation TEXT NOT NULL,
         author TEXT,
         text TEXT NOT NULL,
         created_at INTEGER NOT NULL
     );
     CREATE INDEX IF NOT EXISTS team_notes_conversation ON team_notes (account, conversation);",
    ),
];

const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// How long a write waits for another instance's.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Why the team database is not used this run.
#[derive(Debug)]
pub enum Unopened {
    /// Corrupt or not a database: kept at this path.
    MovedAside(PathBuf, String),
    /// Something else failed (permissions, I/O, busy); the file is left as it is.
    Failed(String),
}

impl std::fmt::Display for Unopened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unopened::MovedAside(aside, why) => write!(
                f,
                "the team database could not be used ({why}); it was moved to {}",
                aside.display()
            ),
            Unopened::Failed(why) => write!(f, "the team database could not be opened: {why}"),
        }
    }
}

enum Failure {
    Unusable(String),
    Other(String),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Failure::Unusable(format!("corrupt: {e}")),
            _ => Failure::Other(e.to_string()),
        }
    }
}

/// Opens `team.db` in `team_dir` (created with the team's mode), migrated. A corrupt one is
/// moved aside (`team.db.corrupt-<time>`), never deleted, and this instance goes on alone.
pub fn open(team_dir: &Path) -> Result<Connection, Unopened> {
    let path = team_dir.join(FILE);
    let failed = |e: std::io::Error| Unopened::Failed(format!("{}: {e}", path.display()));
    dir::create_shared(&path).map_err(failed)?;
    match open_patiently(&path) {
        Ok(db) => {
            for suffix in ["-wal", "-shm"] {
                dir::share(&team_dir.join(format!("{FILE}{suffix}"))).map_err(failed)?;
            }
            Ok(db)
        }
        Err(Failure::Other(why)) => Err(Unopened::Failed(why)),
        Err(Failure::Unusable(why)) => {
            let aside = team_dir.join(format!("{FILE}.corrupt-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S")));
            std::fs::rename(&path, &aside).map_err(failed)?;
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::rename(
                    team_dir.join(format!("{FILE}{suffix}")),
                    team_dir.join(format!("{}{suffix}", aside.display())),
                );
            }
            tracing::warn!(path = %aside.display(), %why, "team database moved aside");
            Err(Unopened::MovedAside(aside, why))
        }
    }
}

/// Switching a fresh file to WAL can answer "locked" at once while another instance sets it
/// up; that is retried for as long as the busy timeout.
fn open_patiently(path: &Path) -> Result<Connection, Failure> {
    let give_up = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match open_and_migrate(path) {
            Err(Failure::Other(_)) if std::time::Instant::now() < give_up && busy_now(path) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            result => return result,
        }
    }
}

/// Whether another connection holds the file right now (what a retry can wait out).
fn busy_now(path: &Path) -> bool {
    let Ok(db) = Connection::open(path) else {
        return false;
    };
    matches!(
        db.execute_batch("BEGIN IMMEDIATE; ROLLBACK;")
            .err()
            .and_then(|e| e.sqlite_error_code()),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn open_and_migrate(path: &Path) -> Result<Connection, Failure> {
    let mut db = Connection::open(path)?;
    db.busy_timeout(BUSY_TIMEOUT)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    // As the store's: a small page cache, since every operator's process has one.
    db.pragma_update(None, "cache_size", -crate::store::PAGE_CACHE_KIB)?;
    let ok: String = db.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(Failure::Unusable(format!("corrupt: {ok}")));
    }
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    // A newer build's database is the team's, not ours to move: this instance goes on alone.
    if version > SCHEMA_VERSION {
        return Err(Failure::Other(format!(
            "a newer handoff uses it (schema {version}, this build knows {SCHEMA_VERSION}); update handoff to join the team"
        )));
    }
    if version == SCHEMA_VERSION {
        drop(tx);
        return Ok(db);
    }
    for (_, step) in MIGRATIONS.iter().filter(|(v, _)| *v > version) {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(db)
}
