//! Notes (issue 13, point 3): `update` as a table for the compose box switched between a reply
//! and a note, a note through the outbox, and notes among the messages; then the real binary on
//! a PTY against the sandbox (`notes_terminal.rs`).

mod common;

use chrono::TimeDelta;
use common::fixtures::{self, now as t0};
use handoff::app::key::{Key, KeyCode};
use handoff::app::model::{Focus, Item};
use handoff::app::{Cmd, Model, Msg, Net, OutboxState, SendFailure, Store, Team, update};
use handoff::domain::{Author, ConversationKey, Note, NotePlace, NoteState, PlatformKind, Status};

fn key(s: &str) -> ConversationKey {
    ConversationKey::parse(s).unwrap()
}

fn run(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    update(m, msg, t0())
}

fn press(m: &mut Model, keys: &str) -> Vec<Cmd> {
    keys.chars()
        .flat_map(|c| run(m, Msg::Key(Key::new(KeyCode::Char(c)))))
        .collect()
}

fn enter(m: &mut Model) -> Vec<Cmd> {
    run(m, Msg::Key(Key::new(KeyCode::Enter)))
}

/// An inbox with a raia conversation (`r/c1`, the AI has it) and a Chatvolt one (`v/c2`).
fn inbox(team: bool) -> Model {
    let mut m = fixtures::model(vec![
        fixtures::account("r", PlatformKind::Raia),
        fixtures::account("v", PlatformKind::Chatvolt),
    ]);
    m.team_notes = team;
    let mut volt = fixtures::conversation("v", "c2", Status::NeedsHuman);
    volt.platform = PlatformKind::Chatvolt;
    let raia = fixtures::conversation("r", "c1", Status::Ai);
    for (account, c) in [("r", raia), ("v", volt)] {
        run(
            &mut m,
            Msg::Synced {
                account: account.into(),
                changed: vec![c],
                removed: vec![],
            },
        );
    }
    m
}

fn select(m: &mut Model, k: &str) {
    let at = m.rows.iter().position(|r| *r == key(k)).unwrap();
    m.select_index(at);
}

fn saved(id: &str, text: &str, minute: i64, place: NotePlace) -> Note {
    Note {
        id: id.into(),
        text: text.into(),
        author: Some("Sam".into()),
        created_at: t0() + TimeDelta::minutes(minute),
        place,
        state: NoteState::Saved,
    }
}

#[test]
fn n_opens_the_box_as_a_note_and_ctrl_n_switches_it_keeping_the_words() {
    let mut m = inbox(false);
    select(&mut m, "r/c1");
    let cmds = press(&mut m, "N");
    assert_eq!(m.open, Some(key("r/c1")));
    assert_eq!(m.focus, Focus::Compose);
    assert!(handoff::app::notes::writing_note(&m, &key("r/c1")));
    // Opening reads the notes where they live: alone, on raia, the local store.
    assert!(cmds.contains(&Cmd::Store(Store::LoadNotes(key("r/c1")))), "{cmds:?}");
    press(&mut m, "hi");
    assert!(cmds.contains(&Cmd::Store(Store::NoteMode {
        key: key("r/c1"),
        note: true
    })));
    let toggle = Key::ctrl('n');
    let cases = [(false, "reply"), (true, "note"), (false, "reply")];
    for (note, what) in cases {
        let cmds = run(&mut m, Msg::Key(toggle));
        assert_eq!(handoff::app::notes::writing_note(&m, &key("r/c1")), note, "{what}");
        // Kept with the draft: a restart never turns a note's words into a reply.
        assert_eq!(
            cmds,
            vec![Cmd::Store(Store::NoteMode { key: key("r/c1"), note })],
            "{what}"
        );
        assert_eq!(m.drafts[&key("r/c1")].text(), "hi", "the words stay ({what})");
        assert_eq!(m.focus, Focus::Compose);
    }
    // `n` typed in the box is a letter, not the next conversation.
    press(&mut m, "n");
    assert_eq!(m.drafts[&key("r/c1")].text(), "hin");
}

#[test]
fn enter_on_a_note_records_it_in_the_outbox_and_never_sends_it() {
    let mut m = inbox(false);
    select(&mut m, "r/c1");
    press(&mut m, "N");
    press(&mut m, "VIP customer");
    let status = m.conversations[&key("r/c1")].status.clone();
    let cmds = enter(&mut m);
    // The AI holds this conversation: a reply would be refused, a note is not.
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Store(Store::Send { .. }))),
        "{cmds:?}"
    );
    let note = cmds.iter().find_map(|c| match c {
        Cmd::Store(Store::Note {
            key,
            client_id,
            text,
            place,
            earlier,
        }) => Some((key.clone(), *client_id, text.clone(), *place, earlier.clone())),
        _ => None,
    });
    let (k, client_id, text, place, earlier) = note.expect("a note command");
    assert_eq!(
        (k, text.as_str(), place),
        (key("r/c1"), "VIP customer", NotePlace::Local)
    );
    assert!(earlier.is_empty());
    // The draft is cleared in the store before the note leaves.
    assert!(cmds.contains(&Cmd::Store(Store::SaveDraft {
        key: key("r/c1"),
        text: String::new()
    })));
    let thread = &m.threads[&key("r/c1")];
    assert_eq!(thread.notes.len(), 1);
    assert_eq!(thread.notes[0].state, NoteState::Saving);
    assert!(
        thread.messages.is_empty() && thread.outbox.is_empty(),
        "never a message"
    );
    assert_eq!(m.sends.in_flight(), 1, "quitting waits for it like a reply");
    // Kept: the store's copy replaces ours; the outbox entry is settled; nothing else changed.
    let kept = saved("note-1", "VIP customer", 0, NotePlace::Local);
    let cmds = run(
        &mut m,
        Msg::NoteSaved {
            key: key("r/c1"),
            client_id,
            result: Ok(kept.clone()),
        },
    );
    assert_eq!(
        cmds,
        vec![Cmd::Store(Store::Outbox {
            client_id,
            key: key("r/c1"),
            text: "VIP customer".into(),
            state: OutboxState::Sent,
        })]
    );
    assert_eq!(m.threads[&key("r/c1")].notes, vec![kept]);
    assert_eq!(m.conversations[&key("r/c1")].status, status, "a note answers nobody");
    assert_eq!(m.sends.in_flight(), 0);
}

#[test]
fn where_a_note_lives_follows_the_platform_and_the_mode() {
    let cases = [
        ("v/c2", false, NotePlace::Platform, Cmd::Net(Net::Notes(key("v/c2")))),
        ("v/c2", true, NotePlace::Platform, Cmd::Net(Net::Notes(key("v/c2")))),
        ("r/c1", true, NotePlace::Team, Cmd::Team(Team::Notes(key("r/c1")))),
        (
            "r/c1",
            false,
            NotePlace::Local,
            Cmd::Store(Store::LoadNotes(key("r/c1"))),
        ),
    ];
    for (k, team, place, load) in cases {
        let mut m = inbox(team);
        assert_eq!(handoff::app::notes::place(&m, &key(k)), place, "{k} team={team}");
        select(&mut m, k);
        let cmds = press(&mut m, "N");
        assert!(cmds.contains(&load), "{k} team={team}: {cmds:?}");
        press(&mut m, "x");
        let cmds = enter(&mut m);
        assert!(
            cmds.iter()
                .any(|c| matches!(c, Cmd::Store(Store::Note { place: p, .. }) if *p == place)),
            "{k} team={team}: {cmds:?}"
        );
    }
}

fn written(m: &mut Model, k: &str, text: &str) -> u64 {
    run(m, Msg::Key(Key::new(KeyCode::Esc)));
    select(m, k);
    press(m, "N");
    press(m, text);
    enter(m)
        .iter()
        .find_map(|c| match c {
            Cmd::Store(Store::Note { client_id, .. }) => Some(*client_id),
            _ => None,
        })
        .unwrap()
}

#[test]
fn an_unknown_answer_stays_unknown_and_a_failure_puts_the_words_back_in_the_note_box() {
    let mut m = inbox(false);
    let client_id = written(&mut m, "v/c2", "call back at 5");
    let cmds = run(
        &mut m,
        Msg::NoteSaved {
            key: key("v/c2"),
            client_id,
            result: Err(SendFailure {
                reason: "timed out".into(),
                ambiguous: true,
                accepted: false,
            }),
        },
    );
    assert!(
        matches!(
            &cmds[..],
            [Cmd::Store(Store::Outbox {
                state: OutboxState::Unknown(_),
                ..
            })]
        ),
        "{cmds:?}"
    );
    let thread = &m.threads[&key("v/c2")];
    assert!(matches!(thread.notes[0].state, NoteState::Unknown(_)));
    assert!(
        m.drafts[&key("v/c2")].is_empty(),
        "never offered again while it may be there"
    );
    // The notes read later show it: ours is replaced by the platform's copy, once, and the
    // outbox entry is settled.
    let cmds = run(
        &mut m,
        Msg::Notes {
            key: key("v/c2"),
            place: NotePlace::Platform,
            result: Ok(vec![saved("n1", "call back at 5", 0, NotePlace::Platform)]),
        },
    );
    let notes = &m.threads[&key("v/c2")].notes;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].state, NoteState::Saved);
    assert_eq!(
        cmds,
        vec![Cmd::Store(Store::Outbox {
            client_id,
            key: key("v/c2"),
            text: "call back at 5".into(),
            state: OutboxState::Sent,
        })]
    );

    // Refused: the words go back to the box, still a note.
    let client_id = written(&mut m, "v/c2", "too long");
    run(
        &mut m,
        Msg::NoteSaved {
            key: key("v/c2"),
            client_id,
            result: Err(SendFailure {
                reason: "Chatvolt notes hold at most 500 characters".into(),
                ambiguous: false,
                accepted: false,
            }),
        },
    );
    assert_eq!(m.drafts[&key("v/c2")].text(), "too long");
    assert!(handoff::app::notes::writing_note(&m, &key("v/c2")));
    assert_eq!(m.threads[&key("v/c2")].notes.len(), 1);
    assert!(m.notice.as_ref().unwrap().text.contains("back in the box"));
}

#[test]
fn a_note_left_unsettled_by_the_last_run_shows_as_unknown_until_the_notes_show_it() {
    let mut m = inbox(false);
    m.restore_note(
        4,
        key("v/c2"),
        "call back at 5".into(),
        NotePlace::Platform,
        "the program stopped before it was saved".into(),
        t0(),
    );
    let notes = &m.threads[&key("v/c2")].notes;
    assert!(matches!(&notes[0].state, NoteState::Unknown(why) if why.contains("stopped")));
    // Not there (yet): still unknown, never written again on its own.
    let cmds = run(
        &mut m,
        Msg::Notes {
            key: key("v/c2"),
            place: NotePlace::Platform,
            result: Ok(vec![]),
        },
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(m.threads[&key("v/c2")].notes.len(), 1);
    let cmds = run(
        &mut m,
        Msg::Notes {
            key: key("v/c2"),
            place: NotePlace::Platform,
            result: Ok(vec![saved("n9", "call back at 5", 0, NotePlace::Platform)]),
        },
    );
    assert!(
        matches!(
            &cmds[..],
            [Cmd::Store(Store::Outbox {
                client_id: 4,
                state: OutboxState::Sent,
                ..
            })]
        ),
        "{cmds:?}"
    );
    assert_eq!(m.threads[&key("v/c2")].notes[0].id, "n9");
}

#[test]
fn notes_show_by_time_among_the_messages_and_are_never_counted_as_messages() {
    let mut m = inbox(false);
    let k = key("r/c1");
    let at = |minute| t0() + TimeDelta::minutes(minute);
    let messages = vec![
        fixtures::message("m1", Author::Customer, "hello", at(1)),
        fixtures::message("m2", Author::Ai, "hi there", at(3)),
    ];
    run(
        &mut m,
        Msg::Thread {
            key: k.clone(),
            messages,
        },
    );
    run(
        &mut m,
        Msg::Notes {
            key: k.clone(),
            place: NotePlace::Local,
            result: Ok(vec![
                saved("a", "before all", 0, NotePlace::Local),
                saved("b", "between", 2, NotePlace::Local),
                saved("c", "after all", 4, NotePlace::Local),
            ]),
        },
    );
    let thread = &m.threads[&k];
    let order: Vec<String> = (0..thread.shown_len())
        .map(|i| match thread.item(i).unwrap() {
            Item::Message(m, _) => m.text.clone(),
            Item::Note(n) => format!("note: {}", n.text),
        })
        .collect();
    assert_eq!(
        order,
        [
            "note: before all",
            "hello",
            "note: between",
            "hi there",
            "note: after all"
        ]
    );
    assert_eq!(thread.len(), 2, "notes are not messages");
    assert!(thread.item(5).is_none());
    // A message's own index among the messages (the divider's) is kept.
    assert!(matches!(thread.item(3), Some(Item::Message(_, Some(1)))));
}

/// The real binary on a PTY against the sandbox.
#[cfg(feature = "sandbox")]
mod terminal {
    use super::common::fixtures::{OPERATOR_EMAIL, OPERATOR_NAME};
    use super::common::term::{Term, config, open_by_name, outbox_states, runtime, wait_exit};
    use super::common::*;
    use serde_json::json;
    use std::os::unix::fs::PermissionsExt;
    use std::time::Duration;

    const WAIT: Duration = Duration::from_secs(20);

    /// What the sandbox received on `path`, as `METHOD`s with their bodies.
    fn on(log: &[serde_json::Value], method: &str, path: &str) -> Vec<serde_json::Value> {
        log.iter()
            .filter(|r| r["method"] == method && r["path"] == path)
            .map(|r| r["body"].clone())
            .collect()
    }

    /// The screen row holding `text`.
    fn row_of(t: &Term, text: &str) -> String {
        t.lines().into_iter().find(|l| l.contains(text)).unwrap_or_default()
    }

    #[test]
    fn a_chatvolt_note_reaches_the_notes_endpoint_and_shows_as_a_note_not_a_message() {
        let rt = runtime();
        let h = rt.block_on(quiet(4));
        let id = rt.block_on(create(
            &h,
            "chatvolt",
            "Vera Volt",
            "needs_human",
            json!([{"author": "customer", "text": "a person please"}]),
        ));
        let mut t = Term::start(&config(&h, ""), 120, 40);
        t.wait_for("volt ✓", WAIT);
        rt.block_on(clear_received(&h));
        open_by_name(&mut t, "Vera", "a person please", WAIT);
        // Not held by anyone here: a note needs no takeover.
        t.keys("N");
        t.wait_for("Note — not sent to the customer", WAIT);
        t.wait_for("type your note — it is never sent to the customer", WAIT);
        t.keys("refund approved by Sam\r");
        t.wait_for("note — on Chatvolt", WAIT);
        t.wait_until("the note saved", WAIT, |s| {
            s.contains("refund approved by Sam") && !s.contains("saving…")
        });
        let row = row_of(&t, "refund approved by Sam");
        assert!(row.contains("┃ refund approved by Sam"), "drawn as a note: {row:?}");
        let log = rt.block_on(received(&h));
        let path = format!("/chatvolt/conversations/{id}/notes");
        assert_eq!(
            on(&log, "POST", &path),
            [json!({"note": "refund approved by Sam", "isPrivate": true})]
        );
        // Never a message to the customer.
        let sends: Vec<_> = log
            .iter()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.contains("/conversation/message/")))
            .collect();
        assert!(sends.is_empty(), "{sends:?}");
        assert_eq!(rt.block_on(count_on_server(&h, "chatvolt", &id, "refund approved")), 0);
        // The notes are read once as the thread opens, not on every poll of it: the thread was
        // read several times meanwhile.
        let thread_reads = log
            .iter()
            .filter(|r| {
                r["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with(&format!("/chatvolt/conversation/{id}/messages")))
            })
            .count();
        assert!(thread_reads >= 2, "{thread_reads}");
        assert_eq!(on(&log, "GET", &path).len(), 1);
        // The sandbox's summary counts them by endpoint: one list, one create.
        let summary = rt.block_on(summary(&h, None));
        assert_eq!(endpoint_count(&summary, "chatvolt", "GET /conversations/{id}/notes"), 1);
        assert_eq!(endpoint_count(&summary, "chatvolt", "POST /conversations/{id}/notes"), 1);
        // The outbox recorded it, and how it ended.
        assert_eq!(
            outbox_states(&t),
            [("sent".to_string(), "refund approved by Sam".to_string())]
        );
        t.keys("\x1b");
        t.keys("\x03");
    }

    #[test]
    fn a_raia_note_alone_is_a_local_note_that_survives_a_restart() {
        let rt = runtime();
        let h = rt.block_on(quiet(4));
        rt.block_on(create(
            &h,
            "raia",
            "Rita Local",
            "needs_human",
            json!([{"author": "customer", "text": "a person please"}]),
        ));
        let mut t = Term::start(&config(&h, ""), 120, 40);
        t.wait_for("raia ✓", WAIT);
        open_by_name(&mut t, "Rita", "a person please", WAIT);
        rt.block_on(clear_received(&h));
        t.keys("N");
        t.keys("prefers email\r");
        t.wait_for("local note — only on this machine", WAIT);
        t.wait_until("the note saved", WAIT, |s| !s.contains("saving…"));
        // raia heard nothing of it.
        let writes: Vec<_> = rt
            .block_on(received(&h))
            .into_iter()
            .filter(|r| r["method"] != "GET")
            .collect();
        assert!(writes.is_empty(), "{writes:?}");
        // The box is still a note: a half-written one is kept as a note draft.
        t.keys("half a thought");
        t.keys("\x1b");
        t.keys("\x03");
        wait_exit(&mut t);

        let mut again = t.restart();
        again.wait_for("raia ✓", WAIT);
        open_by_name(&mut again, "Rita", "a person please", WAIT);
        again.wait_for("local note — only on this machine", WAIT);
        let row = row_of(&again, "prefers email");
        assert!(row.contains("┃ prefers email"), "{row:?}");
        let screen = again.wait_for("half a thought", WAIT);
        assert!(screen.contains("Note — not sent to the customer"), "{screen}");
        again.keys("\x1b");
        again.keys("\x03");
    }

    #[test]
    fn a_raia_team_note_written_by_ann_shows_on_bens_screen() {
        let rt = runtime();
        let h = rt.block_on(quiet(4));
        rt.block_on(create(
            &h,
            "raia",
            "Tess Team",
            "needs_human",
            json!([{"author": "customer", "text": "a person please"}]),
        ));
        let team = tempfile::tempdir().unwrap();
        std::fs::set_permissions(team.path(), std::fs::Permissions::from_mode(0o770)).unwrap();
        let extra = format!("\n[team]\ndir = \"{}\"\n", team.path().display());
        let as_who = |name: &str, email: &str| {
            config(&h, &extra)
                .replace(OPERATOR_NAME, name)
                .replace(OPERATOR_EMAIL, email)
        };
        let mut ann = Term::start(&as_who("Ann Archer", "ann@example.com"), 120, 40);
        let mut ben = Term::start(&as_who("Ben Baker", "ben@example.com"), 120, 40);
        for t in [&ann, &ben] {
            t.wait_for("raia ✓", WAIT);
        }
        open_by_name(&mut ann, "Tess", "a person please", WAIT);
        ann.keys("N");
        ann.keys("VIP — escalate billing\r");
        ann.wait_for("team note — not on the platform", WAIT);
        ann.wait_until("the note saved", WAIT, |s| !s.contains("saving…"));

        open_by_name(&mut ben, "Tess", "a person please", WAIT);
        let screen = ben.wait_for("VIP — escalate billing", WAIT);
        assert!(
            screen.contains("team note — not on the platform · Ann Archer"),
            "{screen}"
        );
        // Not on the platform, and not in either operator's own store.
        assert!(
            rt.block_on(received(&h))
                .iter()
                .all(|r| !r.to_string().contains("escalate billing"))
        );
        for t in [&ann, &ben] {
            let db = rusqlite::Connection::open(t.dir.path().join("handoff.db")).unwrap();
            let local: i64 = db.query_row("SELECT COUNT(*) FROM notes", [], |r| r.get(0)).unwrap();
            assert_eq!(local, 0);
        }
        for t in [&mut ann, &mut ben] {
            t.keys("\x1b");
            t.keys("\x03");
        }
    }
}
