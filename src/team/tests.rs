//! The team store against real SQLite files: claims (a race, force, orphans, release), peers
//! expiring, leases, leaving; the team dir's checks; fingerprints.

use super::schema;
use super::store::{Claimed, Instance, LIVE_FOR, Millis, Shared, SqliteTeam, TeamStore, Watching};
use crate::config::TeamSettings;
use crate::domain::{ApiKey, PlatformKind};
use std::path::Path;

const T0: Millis = 1_800_000_000_000;

fn store(dir: &Path) -> SqliteTeam {
    SqliteTeam::new(schema::open(dir).unwrap())
}

fn instance(id: &str, started_at: Millis) -> Instance {
    Instance {
        id: id.into(),
        operator_name: Some(format!("{id} name")),
        operator_email: None,
        display_name: id.to_uppercase(),
        started_at,
        accounts: vec!["fp1".into()],
        viewing: None,
        typing: false,
        watching: vec![],
    }
}

fn conv(id: &str) -> Shared {
    Shared {
        account: "fp1".into(),
        conversation: id.into(),
    }
}

#[test]
fn two_connections_racing_for_one_conversation_make_exactly_one_claim() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..20 {
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let racers: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|id| {
                let (path, barrier) = (dir.path().to_path_buf(), barrier.clone());
                std::thread::spawn(move || {
                    let mut s = store(&path);
                    let me = instance(id, T0);
                    s.heartbeat(&me, T0).unwrap();
                    barrier.wait();
                    s.claim(&me, &conv(&format!("c{round}")), false, T0).unwrap()
                })
            })
            .collect();
        let answers: Vec<Claimed> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        let made = answers.iter().filter(|a| **a == Claimed::Made).count();
        assert_eq!(made, 1, "round {round}: {answers:?}");
        let claims = store(dir.path()).claims(T0).unwrap();
        let this_round: Vec<_> = claims
            .iter()
            .filter(|c| c.conversation == conv(&format!("c{round}")))
            .collect();
        assert_eq!(this_round.len(), 1);
        let loser = answers.iter().find_map(|a| match a {
            Claimed::HeldBy(row) => Some(row.instance.clone()),
            Claimed::Made => None,
        });
        assert_eq!(
            loser.as_deref(),
            Some(this_round[0].instance.as_str()),
            "the refusal names the winner"
        );
    }
}

#[test]
fn a_live_claim_is_refused_unless_forced_and_its_holder_may_claim_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let (a, b) = (instance("a", T0), instance("b", T0));
    s.heartbeat(&a, T0).unwrap();
    s.heartbeat(&b, T0).unwrap();
    assert_eq!(s.claim(&a, &conv("1"), false, T0).unwrap(), Claimed::Made);
    assert_eq!(s.claim(&a, &conv("1"), false, T0 + 1).unwrap(), Claimed::Made);
    match s.claim(&b, &conv("1"), false, T0 + 2).unwrap() {
        Claimed::HeldBy(row) => {
            assert_eq!((row.instance.as_str(), row.name.as_str(), row.since), ("a", "A", T0));
            assert_eq!(row.orphaned_since, None);
        }
        Claimed::Made => panic!("b took a's live claim without force"),
    }
    assert_eq!(s.claim(&b, &conv("1"), true, T0 + 3).unwrap(), Claimed::Made);
    let claims = s.claims(T0 + 3).unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!((claims[0].instance.as_str(), claims[0].since), ("b", T0 + 3));
}

#[test]
fn a_claim_whose_holder_stopped_beating_is_orphaned_and_anyones() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let (a, b) = (instance("a", T0), instance("b", T0));
    s.heartbeat(&a, T0).unwrap();
    s.claim(&a, &conv("1"), false, T0).unwrap();
    let live = T0 + LIVE_FOR - 1;
    s.heartbeat(&b, live).unwrap();
    assert_eq!(s.claims(live).unwrap()[0].orphaned_since, None);
    let stale = T0 + LIVE_FOR + 1;
    assert_eq!(
        s.claims(stale).unwrap()[0].orphaned_since,
        Some(T0),
        "orphaned since a's last beat"
    );
    // b's beat finds a dead: a's row goes, its claim stays, orphaned since the same beat.
    s.heartbeat(&b, stale).unwrap();
    let ids: Vec<String> = s.peers(stale).unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(ids, ["b"]);
    let claims = s.claims(stale + 60_000).unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].orphaned_since, Some(T0));
    assert_eq!(s.claim(&b, &conv("1"), false, stale).unwrap(), Claimed::Made);
}

#[test]
fn peers_are_the_live_instances_oldest_first_with_their_presence() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let mut a = instance("a", T0 + 5);
    let b = instance("b", T0);
    a.viewing = Some(conv("7"));
    a.typing = true;
    a.watching = vec![Watching {
        conversation: conv("8"),
        since: T0 - 5,
        answered: false,
    }];
    s.heartbeat(&a, T0).unwrap();
    s.heartbeat(&b, T0 + 8_000).unwrap();
    let peers = s.peers(T0 + 9_000).unwrap();
    assert_eq!(peers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(peers[1].viewing, Some(conv("7")));
    assert!(peers[1].typing);
    assert_eq!(peers[1].watching, a.watching);
    assert_eq!(peers[1].beat_at, T0);
    let later = s.peers(T0 + LIVE_FOR + 1).unwrap();
    assert_eq!(
        later.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["b"],
        "a expired"
    );
}

#[test]
fn release_removes_only_ones_own_claim() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let (a, b) = (instance("a", T0), instance("b", T0));
    s.heartbeat(&a, T0).unwrap();
    s.claim(&a, &conv("1"), false, T0).unwrap();
    s.release(&b, &conv("1")).unwrap();
    assert_eq!(s.claims(T0).unwrap().len(), 1, "b cannot release a's claim");
    s.release(&a, &conv("1")).unwrap();
    assert!(s.claims(T0).unwrap().is_empty());
}

#[test]
fn leaving_keeps_the_claims_as_orphans_and_orphans_are_released_after_their_wait() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let (a, b) = (instance("a", T0), instance("b", T0));
    s.heartbeat(&a, T0).unwrap();
    s.heartbeat(&b, T0).unwrap();
    s.claim(&a, &conv("1"), false, T0).unwrap();
    s.claim(&a, &conv("2"), false, T0).unwrap();
    let other_account = Shared {
        account: "fp2".into(),
        conversation: "3".into(),
    };
    s.claim(&a, &other_account, false, T0).unwrap();
    s.claim(&b, &conv("4"), false, T0).unwrap();
    s.leave(&a, T0 + 1_000).unwrap();
    assert_eq!(s.peers(T0 + 1_000).unwrap().len(), 1);
    let claims = s.claims(T0 + 1_000).unwrap();
    let orphaned: Vec<_> = claims.iter().filter(|c| c.orphaned_since == Some(T0 + 1_000)).collect();
    assert_eq!(orphaned.len(), 3, "{claims:?}");
    // c, started after b, has the account too: b, the oldest live one that has it, acts.
    let c = instance("c", T0 + 500);
    s.heartbeat(&c, T0 + 1_500).unwrap();
    s.heartbeat(&b, T0 + 1_500).unwrap();
    assert!(
        s.release_orphans(&b, T0 + 999, T0 + 2_000).unwrap().is_empty(),
        "not yet"
    );
    assert!(
        s.release_orphans(&c, T0 + 1_000, T0 + 2_000).unwrap().is_empty(),
        "b's to do"
    );
    let released = s.release_orphans(&b, T0 + 1_000, T0 + 2_000).unwrap();
    let mut ids: Vec<&str> = released.iter().map(|c| c.conversation.conversation.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["1", "2"]);
    let left: Vec<String> = s
        .claims(T0 + 2_000)
        .unwrap()
        .into_iter()
        .map(|c| c.conversation.conversation)
        .collect();
    assert_eq!(
        left,
        ["3", "4"],
        "the orphan of an account no live instance has, and b's live claim, stay"
    );
    // Once b is gone too, c is the oldest that has fp1.
    s.claim(&b, &conv("5"), false, T0 + 2_000).unwrap();
    s.leave(&b, T0 + 2_000).unwrap();
    s.heartbeat(&c, T0 + 3_000).unwrap();
    let released = s.release_orphans(&c, T0 + 2_000, T0 + 3_000).unwrap();
    let mut ids: Vec<&str> = released.iter().map(|c| c.conversation.conversation.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["4", "5"]);
}

#[test]
fn a_lease_is_taken_renewed_by_its_holder_only_and_lapses() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let (a, b) = (instance("a", T0), instance("b", T0));
    assert!(s.take_lease("fp1", &a, T0, 10_000).unwrap());
    assert!(!s.take_lease("fp1", &b, T0 + 5_000, 10_000).unwrap(), "a holds it");
    assert!(s.take_lease("fp1", &a, T0 + 9_000, 10_000).unwrap(), "renewed");
    assert!(
        !s.take_lease("fp1", &b, T0 + 15_000, 10_000).unwrap(),
        "renewed until 19 s"
    );
    assert!(
        s.take_lease("fp1", &b, T0 + 19_001, 10_000).unwrap(),
        "lapsed: b takes it"
    );
    assert!(!s.take_lease("fp1", &a, T0 + 20_000, 10_000).unwrap());
    assert!(
        s.take_lease("fp2", &a, T0 + 20_000, 10_000).unwrap(),
        "one lease per account"
    );
}

#[test]
fn a_corrupt_team_database_is_moved_aside_and_the_instance_goes_on_alone() {
    let dir = tempfile::tempdir().unwrap();
    let junk = b"this is not a database, it is forty-odd bytes of text......".repeat(100);
    std::fs::write(dir.path().join("team.db"), &junk).unwrap();
    let settings = TeamSettings {
        dir: dir.path().to_path_buf(),
        orphan_after: None,
    };
    let why = super::prepare(&settings).err().expect("a corrupt database is not used");
    assert!(why.starts_with("team mode is off, this inbox works alone: "), "{why}");
    assert!(why.contains("team.db.corrupt-"), "{why}");
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("team.db.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(aside[0].path()).unwrap(), junk, "kept as it was");
    // The next start makes a fresh one.
    assert!(super::prepare(&settings).is_ok());
}

#[cfg(unix)]
#[test]
fn a_missing_plain_or_world_writable_team_dir_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("team");
    let why = super::dir::refusal(&missing).unwrap();
    assert!(
        why.contains("does not exist") && why.contains("sudo install -d -m 2770 -g GROUP"),
        "{why}"
    );
    std::fs::write(&missing, "").unwrap();
    assert!(super::dir::refusal(&missing).unwrap().contains("is not a directory"));
    let dir = root.path().join("shared");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let why = super::dir::refusal(&dir).unwrap();
    assert!(why.contains(&format!("chmod o-w {}", dir.display())), "{why}");
    let settings = TeamSettings {
        dir: dir.clone(),
        orphan_after: None,
    };
    assert!(super::prepare(&settings).is_err());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written in a refused dir"
    );
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o2770)).unwrap();
    assert_eq!(super::dir::refusal(&dir), None);
}

#[test]
fn fingerprints_tell_accounts_apart_under_one_salt_made_once() {
    let dir = tempfile::tempdir().unwrap();
    let salt = super::Salt::load_or_create(dir.path()).unwrap();
    let again = super::Salt::load_or_create(dir.path()).unwrap();
    let key = ApiKey::new("k-1");
    let fp = salt.fingerprint(PlatformKind::Raia, "https://raia.example/api", &key);
    assert_eq!(fp.len(), 64);
    assert!(fp.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        again.fingerprint(PlatformKind::Raia, "https://raia.example/api/", &key),
        fp
    );
    for other in [
        salt.fingerprint(PlatformKind::Chatvolt, "https://raia.example/api", &key),
        salt.fingerprint(PlatformKind::Raia, "https://other.example/api", &key),
        salt.fingerprint(PlatformKind::Raia, "https://raia.example/api", &ApiKey::new("k-2")),
    ] {
        assert_ne!(other, fp);
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let other_team = super::Salt::load_or_create(elsewhere.path()).unwrap();
    assert_ne!(
        other_team.fingerprint(PlatformKind::Raia, "https://raia.example/api", &key),
        fp
    );
    assert_eq!(std::fs::read(dir.path().join("salt")).unwrap().len(), 32);
    assert!(
        !format!("{salt:?}").contains(|c: char| c.is_ascii_digit()),
        "the salt is not printed"
    );
}

#[test]
fn an_operator_is_named_by_name_then_email_then_login_and_cleaned() {
    use crate::platform::Operator;
    let named = super::Identity::new(&Operator {
        name: Some("  Dana\x1b[31m Reyes ".into()),
        email: Some("dana@example.com".into()),
    });
    assert_eq!(named.display_name, "Dana Reyes");
    let by_email = super::Identity::new(&Operator {
        name: Some("   ".into()),
        email: Some("dana@example.com".into()),
    });
    assert_eq!(by_email.display_name, "dana@example.com");
    assert_eq!(by_email.name, None);
    let nobody = super::Identity::new(&Operator::default());
    assert!(!nobody.display_name.is_empty());
}

mod shared_sync {
    use super::super::shared::{self, Write};
    use super::*;
    use crate::domain::{Author, Conversation, ConversationKey, Delivery, Message, Status};

    fn conversation(id: &str, name: &str) -> Conversation {
        let at = chrono::DateTime::from_timestamp_millis(T0).unwrap();
        Conversation {
            key: ConversationKey::new("leaders-name", id),
            platform: PlatformKind::Raia,
            customer_name: name.into(),
            customer_contact: None,
            channel: None,
            status: Status::Ai,
            assignee: None,
            unread: None,
            preview: Some("hi".into()),
            created_at: at,
            updated_at: at,
            waiting_since: None,
            no_reply: None,
            details: None,
        }
    }

    fn write(c: &Conversation) -> Write {
        Write::Conversation {
            id: c.key.id.clone(),
            json: serde_json::to_string(c).unwrap(),
        }
    }

    #[test]
    fn rows_are_read_since_a_sequence_and_each_account_apart() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        let first = s
            .publish(
                "fp1",
                &[write(&conversation("c1", "Ann")), write(&conversation("c2", "Bo"))],
            )
            .unwrap();
        s.publish("fp2", &[write(&conversation("x", "Other"))]).unwrap();
        let second = s.publish("fp1", &[write(&conversation("c2", "Bo B."))]).unwrap();
        assert!(second > first);

        let all = s.shared_since("fp1", 0).unwrap();
        assert_eq!(all.conversations.len(), 2, "{all:?}");
        assert_eq!(all.last, second);
        let newer = s.shared_since("fp1", first).unwrap();
        assert_eq!(newer.conversations.len(), 1);
        let c = shared::conversation("mine", "c2", newer.conversations[0].1.as_deref().unwrap(), &[]).unwrap();
        assert_eq!(c.customer_name, "Bo B.");
        assert_eq!(
            c.key,
            ConversationKey::new("mine", "c2"),
            "named by the reader's account"
        );
        assert_eq!(s.shared_since("fp1", second).unwrap().conversations, vec![]);
        // Another instance's connection sees the same rows.
        assert_eq!(store(dir.path()).shared_since("fp1", 0).unwrap(), all);
    }

    #[test]
    fn assigned_to_the_leader_is_not_assigned_to_the_reader() {
        let mut c = conversation("c1", "Ann");
        c.details = Some(Box::new(crate::domain::Details {
            assignees: vec!["lead@example.com".into()],
            assigned_to_me: true,
            ..Default::default()
        }));
        let json = serde_json::to_string(&c).unwrap();
        let read = |me: &[String]| shared::conversation("mine", "c1", &json, me).unwrap().details.unwrap();
        assert!(!read(&["reader@example.com".into()]).assigned_to_me);
        assert!(read(&["LEAD@example.com".into()]).assigned_to_me);
    }

    #[test]
    fn removals_and_walk_ends_reach_a_reader() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        let seen = s
            .publish(
                "fp1",
                &[
                    write(&conversation("c1", "Ann")),
                    write(&conversation("c2", "Bo")),
                    write(&conversation("c3", "Cy")),
                ],
            )
            .unwrap();
        s.publish("fp1", &[Write::Removed("c1".into())]).unwrap();
        let changes = s.shared_since("fp1", seen).unwrap();
        assert_eq!(changes.conversations, vec![("c1".into(), None)]);
        assert!(!changes.walked);

        // A walk that heard only c2: c3 is gone too (an earlier leader's row nobody removed).
        let before = changes.last;
        s.publish(
            "fp1",
            &[Write::Walked {
                kept: vec!["c2".into()],
            }],
        )
        .unwrap();
        let changes = s.shared_since("fp1", before).unwrap();
        assert!(changes.walked);
        assert_eq!(changes.conversations, vec![("c3".into(), None)]);
    }

    #[test]
    fn threads_are_shared_and_read_back_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        let message = Message {
            id: "m1".into(),
            author: Author::Operator {
                name: Some("Ann".into()),
                is_me: true,
            },
            author_name: Some("Ann\x1b[2J".into()),
            text: "hello\x1b]0;pwned\x07".into(),
            created_at: chrono::DateTime::from_timestamp_millis(T0).unwrap(),
            attachments: vec![],
            delivery: Delivery::Sent,
        };
        let json = serde_json::to_string(&vec![message]).unwrap();
        s.publish("fp1", &[Write::Thread { id: "c1".into(), json }]).unwrap();
        let changes = s.shared_since("fp1", 0).unwrap();
        let (id, json) = &changes.threads[0];
        assert_eq!(id, "c1");
        let read = shared::messages(json).unwrap();
        assert!(!read[0].text.contains('\x1b') && !read[0].author_name.as_ref().unwrap().contains('\x1b'));
        assert!(
            matches!(read[0].author, Author::Operator { is_me: false, .. }),
            "the leader's own message is not the reader's"
        );
        // A row whose id is not its conversation's is nobody's.
        let c = serde_json::to_string(&conversation("c1", "Ann")).unwrap();
        assert!(shared::conversation("mine", "c9", &c, &[]).is_none());
    }
}

/// Any member of the group can write the team db: a watching column that does not read is
/// nothing watched, not an error.
#[test]
fn unreadable_watching_is_nothing_watched() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    s.heartbeat(&instance("a", T0), T0).unwrap();
    let db = rusqlite::Connection::open(dir.path().join("team.db")).unwrap();
    db.execute("UPDATE instances SET watching = '{not json'", []).unwrap();
    let peers = s.peers(T0 + 1).unwrap();
    assert_eq!(peers.len(), 1);
    assert!(peers[0].watching.is_empty());
}
