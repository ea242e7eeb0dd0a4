use super::schema::SCHEMA_VERSION;
use super::*;
use crate::domain::{Conversation, Message, OutboxState, SendBaseline};

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
        no_reply: None,
        details: None,
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
        .cache_conversations("raia", &[a.clone(), b.clone(), c.clone()], &[], at)
        .unwrap();
    store
        .cache_conversations("volt", &[conversation("volt", "v")], &[], at)
        .unwrap();
    let messages: Vec<Message> = (0..CACHED_MESSAGES + 50).map(message).collect();
    store.cache_thread(&b.key, &messages).unwrap();
    store.cache_thread(&c.key, &messages[..3]).unwrap();
    // A later sync removes c; b changes.
    let mut b2 = b.clone();
    b2.customer_name = "renamed".into();
    store
        .cache_conversations("raia", &[b2.clone()], std::slice::from_ref(&c.key), at)
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
    // One thread read back alone (a released thread opened again); none for an unknown one.
    assert_eq!(&store.cached_thread(&b.key).unwrap(), kept);
    assert!(store.cached_thread(&c.key).unwrap().is_empty());

    // A walk of the whole history found only a (written again in this run, as the sync writes
    // what it first hears of): the rest of that account is gone.
    store
        .cache_conversations("raia", std::slice::from_ref(&a), &[], at)
        .unwrap();
    store.cache_keep_only("raia").unwrap();
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

#[test]
fn holds_are_kept_across_opens_until_released() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path()).unwrap();
    let (a, b) = (ConversationKey::new("raia", "a"), ConversationKey::new("raia", "b"));
    let since = chrono::Utc::now();
    store
        .save_holds(&[(a.clone(), since), (b.clone(), since)], &[])
        .unwrap();
    // Holding again keeps the first time.
    store
        .save_holds(
            &[(a.clone(), since + chrono::TimeDelta::hours(1))],
            std::slice::from_ref(&b),
        )
        .unwrap();
    drop(store);
    let (store, _) = Store::open(dir.path()).unwrap();
    let holds = store.holds().unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].0, a);
    assert_eq!(holds[0].1.timestamp(), since.timestamp());
}

/// Writes garbage over the root page of `table` in the closed database in `dir`.
fn damage(dir: &std::path::Path, table: &str) {
    let db = Connection::open(dir.join(FILE)).unwrap();
    let page: i64 = db
        .query_row("SELECT rootpage FROM sqlite_master WHERE name = ?1", [table], |r| {
            r.get(0)
        })
        .unwrap();
    let size: i64 = db.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    drop(db);
    let mut file = std::fs::OpenOptions::new().write(true).open(dir.join(FILE)).unwrap();
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(((page - 1) * size) as u64)).unwrap();
    std::io::Write::write_all(&mut file, &vec![0x55; size as usize]).unwrap();
}

/// Issue 14: the start does not walk the whole cache (most of the file at 100,000
/// conversations); a damaged cache page costs the cache, not the drafts. Damage where the
/// drafts are still moves the file aside.
#[test]
fn a_damaged_cache_is_no_reason_to_move_the_drafts_aside() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path()).unwrap();
    let k = ConversationKey::new("raia", "c1");
    store.save_draft(&k, "keep me").unwrap();
    let many: Vec<Conversation> = (0..2000).map(|i| conversation("raia", &format!("c{i}"))).collect();
    store.cache_conversations("raia", &many, &[], Utc::now()).unwrap();
    drop(store);
    damage(dir.path(), "cached_conversations");

    let (store, opened) = Store::open(dir.path()).unwrap();
    assert!(opened.moved_aside.is_none(), "{:?}", opened.moved_aside);
    assert_eq!(store.drafts().unwrap(), vec![(k.clone(), "keep me".to_string())]);
    // The cache says it cannot be read (the inbox then starts without it).
    assert!(store.cache_load(&["raia"]).is_err());
    drop(store);

    damage(dir.path(), "drafts");
    let (_, opened) = Store::open(dir.path()).unwrap();
    let (_, why) = opened.moved_aside.expect("moved aside");
    assert!(why.contains("corrupt"), "{why}");
}

/// Issue 14: the first screen's rows are read before the rest, in the queue's order (what
/// needs a human first, the longest waiting first), of the configured accounts only.
#[test]
fn the_cache_gives_its_first_rows_in_the_queue_order() {
    use crate::domain::Status;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path()).unwrap();
    let at = |minutes: i64| chrono::DateTime::from_timestamp(1_700_000_000 + minutes * 60, 0).unwrap();
    let with = |account: &str, id: &str, status: Status, minutes: i64| Conversation {
        status,
        updated_at: at(minutes),
        ..conversation(account, id)
    };
    let written = vec![
        with("raia", "ai-old", Status::Ai, 1),
        with("raia", "resolved", Status::Resolved, 9),
        with("raia", "ai-new", Status::Ai, 5),
        with("raia", "waits-less", Status::NeedsHuman, 8),
        with("raia", "waits-longest", Status::NeedsHuman, 2),
    ];
    store.cache_conversations("raia", &written, &[], at(10)).unwrap();
    store
        .cache_conversations("gone", &[with("gone", "x", Status::NeedsHuman, 0)], &[], at(10))
        .unwrap();

    let first = store.cache_load_first(&["raia"], 4).unwrap();
    let ids: Vec<&str> = first.conversations.iter().map(|c| c.key.id.as_str()).collect();
    assert_eq!(ids, ["waits-longest", "waits-less", "ai-new", "ai-old"]);
    assert_eq!(first.synced_at.keys().collect::<Vec<_>>(), ["raia"]);
    assert!(first.threads.is_empty());
    // Read off the index, not by sorting the whole cache.
    let plan: Vec<String> = store
        .db()
        .prepare(&format!("EXPLAIN QUERY PLAN {}", super::cache::FIRST_ROWS))
        .unwrap()
        .query_map(rusqlite::params!["[\"raia\"]", 4], |r| r.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(plan.iter().all(|step| !step.contains("TEMP B-TREE")), "{plan:?}");
    // The whole read has everything else, the first rows included; the resolved by key only.
    let all = store.cache_load(&["raia"]).unwrap();
    assert_eq!(all.conversations.len(), 4);
    assert_eq!(all.resolved, [ConversationKey::new("raia", "resolved")]);
}

/// Issue 14: resolved conversations stay on disk, read a page at a time in their order (the
/// most recent first), filtered as the list filter does (folded: `chloe` finds Chloé), counted
/// with a filter, of the configured accounts only.
#[test]
fn resolved_conversations_are_read_a_page_at_a_time() {
    use crate::domain::Status;
    use crate::store::After;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path()).unwrap();
    let at = |minutes: i64| chrono::DateTime::from_timestamp(1_700_000_000 + minutes * 60, 0).unwrap();
    let resolved = |account: &str, id: &str, name: &str, minutes: i64| Conversation {
        status: Status::Resolved,
        customer_name: name.into(),
        updated_at: at(minutes),
        ..conversation(account, id)
    };
    let written: Vec<Conversation> = (0..5)
        .map(|i| resolved("raia", &format!("r{i}"), if i % 2 == 0 { "Chloé" } else { "Ann" }, i))
        .chain([Conversation {
            status: Status::Ai,
            ..conversation("raia", "open")
        }])
        .collect();
    store.cache_conversations("raia", &written, &[], at(10)).unwrap();
    store
        .cache_conversations("gone", &[resolved("gone", "x", "Chloé", 9)], &[], at(10))
        .unwrap();
    let ids =
        |page: &crate::store::ResolvedPage| page.conversations.iter().map(|c| c.key.id.clone()).collect::<Vec<_>>();

    let first = store.cache_resolved(&["raia"], "", None, 2).unwrap();
    assert_eq!(ids(&first), ["r4", "r3"]);
    assert!(first.more);
    assert_eq!(first.total, None, "without a filter the inbox counts the keys itself");
    let after = After::of(first.conversations.last().unwrap());
    let second = store.cache_resolved(&["raia"], "", Some(&after), 2).unwrap();
    assert_eq!(ids(&second), ["r2", "r1"]);
    let after = After::of(second.conversations.last().unwrap());
    let last = store.cache_resolved(&["raia"], "", Some(&after), 2).unwrap();
    assert_eq!(ids(&last), ["r0"]);
    assert!(!last.more);

    let chloe = store.cache_resolved(&["raia"], "chloe", None, 10).unwrap();
    assert_eq!(ids(&chloe), ["r4", "r2", "r0"]);
    assert_eq!(chloe.total, Some(3));
    // The filter's own `%` is a character, not a wildcard.
    assert_eq!(store.cache_resolved(&["raia"], "%", None, 10).unwrap().total, Some(0));
    // The filter's count reads the index alone, not each row's JSON.
    let plan: Vec<String> = store
        .db()
        .prepare(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM cached_conversations INDEXED BY cached_filter
             WHERE queue_rank = 4 AND folded LIKE '%chloe%'",
        )
        .unwrap()
        .query_map([], |r| r.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter().any(|step| step.contains("COVERING INDEX cached_filter")),
        "{plan:?}"
    );
    let one = store.cached_conversation(&ConversationKey::new("raia", "r3")).unwrap();
    assert_eq!(one.map(|c| c.customer_name), Some("Ann".to_string()));
}
