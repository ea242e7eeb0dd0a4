//! The database's schema: the migrations, and opening a file to bring it to this build's
//! version, telling a file that cannot be used (moved aside) from a machine that cannot write.

use rusqlite::Connection;
use std::path::Path;

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
    // The conversations this operator holds (store/holds.rs).
    (
        6,
        "CREATE TABLE IF NOT EXISTS holds (
             account TEXT NOT NULL,
             conversation TEXT NOT NULL,
             since TEXT NOT NULL,
             PRIMARY KEY (account, conversation)
         );",
    ),
    // Notes (issue 13, point 3): local notes (store/notes.rs), the drafts that are notes (so a
    // note never comes back as a reply), and the outbox telling a note from a reply (`kind`),
    // with where the note goes (`place`).
    (
        7,
        "CREATE TABLE IF NOT EXISTS notes (
             id INTEGER PRIMARY KEY AUTOINCREMENT,
             account TEXT NOT NULL,
             conversation TEXT NOT NULL,
             text TEXT NOT NULL,
             created_at TEXT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS notes_conversation ON notes (account, conversation);
         CREATE TABLE IF NOT EXISTS note_drafts (
             account TEXT NOT NULL,
             conversation TEXT NOT NULL,
             PRIMARY KEY (account, conversation)
         );
         ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'reply';
         ALTER TABLE outbox ADD COLUMN place TEXT;",
    ),
    // Full-text search (store/search.rs): one row per cached conversation (`message` empty:
    // its name, id, contact, channel, preview) and per cached message, kept by the cache
    // writer; the FTS5 index is external-content over it, kept by the triggers. Filled once
    // here from what the cache already holds.
    (8, super::search::MIGRATION),
    // The cache read in the queue's order (issue 14): the first screen's rows come first.
    // Rows written by older builds have none and come with the rest.
    (
        9,
        "ALTER TABLE cached_conversations ADD COLUMN queue_rank INTEGER;
         ALTER TABLE cached_conversations ADD COLUMN queue_at INTEGER;
         CREATE INDEX IF NOT EXISTS cached_queue ON cached_conversations (queue_rank, queue_at);",
    ),
    // Resolved conversations are read from the cache when their view shows them (issue 14):
    // what the list filter matches, folded, so that `chloe` finds Chloé there too. Rows written
    // by older builds have none; their JSON, lowered, stands in until the next sync writes them.
    (10, "ALTER TABLE cached_conversations ADD COLUMN folded TEXT;"),
    // Which opening of the store last wrote a row: a walk of the history that ends keeps the
    // rows written since the inbox started (every conversation the sync hears of is written
    // once), without the sync sending the cache every id it knows (issue 14: at 100,000 that
    // list and the SQL over it were the peak of the inbox's memory).
    (11, "ALTER TABLE cached_conversations ADD COLUMN run INTEGER;"),
    // The filter over resolved conversations on disk reads this index alone (it holds what the
    // filter looks at and the order), not every row's JSON: at 100,000, 190 ms a key before.
    // Rows from before schema 10 get their JSON, lowered, as what the filter looks in.
    (
        12,
        "UPDATE cached_conversations SET folded = lower(json) WHERE folded IS NULL;
         CREATE INDEX IF NOT EXISTS cached_filter
             ON cached_conversations (queue_rank, queue_at, account, conversation, folded);",
    ),
];

/// The schema this build writes. A database from a newer build is moved aside, not used.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// How long an open waits for another process's write (another inbox migrating the same file).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Why a database file could not be opened.
pub(super) enum Unopened {
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

/// [`open_and_migrate`], again while another connection is still setting the same file up:
/// switching a fresh file to WAL can answer "database is locked" without waiting for the busy
/// timeout, and a busy file is no reason to start without the drafts.
pub(super) fn open_patiently(path: &Path, max_pages: Option<u32>) -> Result<Connection, Unopened> {
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

/// SQLite's page cache per connection, KiB.
pub(crate) const PAGE_CACHE_KIB: i64 = 512;

/// Opens the file and brings its schema to [`SCHEMA_VERSION`].
pub(super) fn open_and_migrate(path: &Path, max_pages: Option<u32>) -> Result<Connection, Unopened> {
    let mut db = Connection::open(path)?;
    // Another inbox may be migrating this very file: wait for it rather than fail.
    db.busy_timeout(BUSY_TIMEOUT)?;
    if let Some(pages) = max_pages {
        db.pragma_update(None, "max_page_count", pages)?;
    }
    // WAL: a crash mid-write leaves the last committed state; readers never block the writer.
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    // SQLite's page cache is 2 MB a connection by default, resident in every operator's
    // process; the cache is read and written in sequential batches that gain little from it
    // (the kernel's file cache is shared). KiB, negative by SQLite's convention.
    db.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
    check_own_state(&db)?;
    migrate(&mut db)?;
    Ok(db)
}

/// The cache's tables and the search index over it: a copy of what the platforms hold,
/// rewritten by the next sync.
const CACHE_TABLES: &[&str] = &[
    "cached_conversations",
    "cached_threads",
    "cached_accounts",
    "search_rows",
];

/// Checks the tables that hold what only this machine has (drafts, the outbox, read marks,
/// holds, notes), each with its indexes. Not the cache: at 100,000 conversations it is most of
/// the file, and walking every page of it cost 270–340 ms of every start (issue 14). A damaged
/// cache page is found when the cache is read, which then starts without it; it is no reason
/// to move the drafts aside.
fn check_own_state(db: &Connection) -> Result<(), Unopened> {
    let mut statement =
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search%'")?;
    let tables: Vec<String> = statement.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for table in tables.iter().filter(|t| !CACHE_TABLES.contains(&t.as_str())) {
        let quoted = table.replace('"', "\"\"");
        let ok: String = db.query_row(&format!("PRAGMA quick_check(\"{quoted}\")"), [], |r| r.get(0))?;
        if ok != "ok" {
            return Err(Unopened::Unusable(format!("corrupt: {ok}")));
        }
    }
    Ok(())
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
