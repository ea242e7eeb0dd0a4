//! Notes (issue 13, point 3): `update` as a table for the compose box switched between a reply
//! and a note, a note through the outbox, and notes among the messages; then the real binary on
//! a PTY against the sandbox in `notes_terminal.rs`.

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
    // `i` leaves a note holding words a note (they must never be sent by mistake); an empty
    // note box becomes a reply box.
    run(&mut m, Msg::Key(toggle));
    run(&mut m, Msg::Key(Key::new(KeyCode::Esc)));
    press(&mut m, "i");
    assert!(handoff::app::notes::writing_note(&m, &key("r/c1")));
    m.drafts.get_mut(&key("r/c1")).unwrap().clear();
    run(&mut m, Msg::Key(Key::new(KeyCode::Esc)));
    let cmds = press(&mut m, "i");
    assert!(!handoff::app::notes::writing_note(&m, &key("r/c1")));
    assert_eq!(
        cmds,
        vec![Cmd::Store(Store::NoteMode {
            key: key("r/c1"),
            note: false
        })]
    );
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
    // One note per N: the empty box is a reply box again.
    assert!(!handoff::app::notes::writing_note(&m, &key("r/c1")));
    assert!(cmds.contains(&Cmd::Store(Store::NoteMode {
        key: key("r/c1"),
        note: false
    })));
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
        // R reads them again (otherwise only opening does).
        run(&mut m, Msg::Key(Key::new(KeyCode::Esc)));
        let cmds = press(&mut m, "R");
        assert_eq!(cmds, vec![Cmd::Net(Net::Refresh), load.clone()], "{k} team={team}");
        press(&mut m, "N");
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
    // `y` copies the row where scrolling stands, notes counted as shown.
    m.open = Some(k.clone());
    m.focus = Focus::Thread;
    let copied = |m: &mut Model| {
        run(m, Msg::Key(Key::new(KeyCode::Char('y'))))
            .into_iter()
            .find_map(|c| match c {
                Cmd::Term(handoff::app::Term::Copy(text)) => Some(text),
                _ => None,
            })
    };
    assert_eq!(copied(&mut m).as_deref(), Some("after all"));
    m.threads.get_mut(&k).unwrap().scroll = 1;
    assert_eq!(copied(&mut m).as_deref(), Some("hi there"));
}
