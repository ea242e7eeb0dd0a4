//! Issue 13, points 4 and 6 as tables (`update`: a message in, the model and commands out): the
//! live list filter, the search view, the message log. The terminal tests against the sandbox
//! are in tests/search_terminal.rs.

mod common;

use common::fixtures::{self, message, now};
use handoff::app::key::{Key, KeyCode};
use handoff::app::model::{Focus, Model, Overlay};
use handoff::app::search::{Search, SearchHit};
use handoff::app::{Cmd, Msg, Store, update};
use handoff::domain::{Author, Conversation, ConversationKey, PlatformKind, Status};

fn conv(id: &str, name: &str, contact: Option<&str>, minutes: i64) -> Conversation {
    Conversation {
        customer_name: name.into(),
        customer_contact: contact.map(Into::into),
        channel: None,
        waiting_since: Some(now() - chrono::TimeDelta::minutes(minutes)),
        ..fixtures::conversation("volt", id, Status::NeedsHuman)
    }
}

fn inbox() -> Model {
    let mut m = fixtures::model(vec![fixtures::account("volt", PlatformKind::Chatvolt)]);
    let changed = vec![
        conv("c1", "Chloé Dupont", Some("chloe.d@example.org"), 9),
        conv("c2", "Chris Lee", None, 8),
        conv("c3", "Vera Holm", Some("vera@example.org"), 7),
        conv("c4", "Christa Ørsted", Some("+45 1234"), 6),
    ];
    run(
        &mut m,
        Msg::Synced {
            account: "volt".into(),
            changed,
            removed: vec![],
        },
    );
    m
}

fn run(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    update(m, msg, now())
}

fn press(m: &mut Model, keys: &str) -> Vec<Cmd> {
    keys.chars()
        .flat_map(|c| run(m, Msg::Key(Key::new(KeyCode::Char(c)))))
        .collect()
}

fn special(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    run(m, Msg::Key(Key::new(code)))
}

fn ids(m: &Model) -> Vec<&str> {
    m.rows.iter().map(|k| k.id.as_str()).collect()
}

fn key(id: &str) -> ConversationKey {
    ConversationKey::new("volt", id)
}

#[test]
fn the_filter_narrows_the_list_with_each_character() {
    let mut m = inbox();
    press(&mut m, "/");
    let mut seen = vec![];
    for c in "christ".chars() {
        press(&mut m, &c.to_string());
        seen.push(ids(&m).len());
    }
    assert_eq!(
        seen,
        [3, 3, 2, 2, 2, 1],
        "each character applies at once, without Enter"
    );
    assert_eq!(ids(&m), ["c4"]);
    assert!(m.filter_input.is_some(), "the line is still open");
    special(&mut m, KeyCode::Backspace);
    assert_eq!(ids(&m), ["c2", "c4"], "Backspace widens it again");
}

/// As each key is typed, the rows and the views' counts are exactly what a rebuild lists,
/// through narrowing, widening (Backspace) and a new word.
#[test]
fn a_narrowing_filter_lists_what_a_rebuild_would() {
    let mut m = inbox();
    let mut more: Vec<Conversation> = (0..40)
        .map(|i| {
            conv(
                &format!("x{i}"),
                &format!("Chr{} {}", ["is", "ista", "oé"][i % 3], i),
                None,
                i as i64,
            )
        })
        .collect();
    more[7].status = Status::Ai;
    run(
        &mut m,
        Msg::Synced {
            account: "volt".into(),
            changed: more,
            removed: vec![],
        },
    );
    press(&mut m, "/");
    let typed: Vec<Option<char>> = "chri"
        .chars()
        .map(Some)
        .chain([None, Some('s'), Some('t'), None, None, Some('1')])
        .collect();
    for key in typed {
        match key {
            Some(c) => press(&mut m, &c.to_string()),
            None => special(&mut m, KeyCode::Backspace),
        };
        let shown = (m.rows.clone(), m.counts.clone());
        m.refresh_rows();
        assert_eq!(
            shown,
            (m.rows.clone(), m.counts.clone()),
            "after {key:?}, filter {:?}",
            m.filter
        );
    }
}

#[test]
fn the_filter_folds_case_and_diacritics_and_reads_contacts() {
    for (typed, expected) in [
        ("chloe", vec!["c1"]),
        ("CHLOÉ", vec!["c1"]),
        ("orsted", vec!["c4"]),
        ("vera@example", vec!["c3"]),
        ("example.org", vec!["c1", "c3"]),
        ("+45", vec!["c4"]),
    ] {
        let mut m = inbox();
        press(&mut m, "/");
        press(&mut m, typed);
        assert_eq!(ids(&m), expected, "{typed}");
    }
}

#[test]
fn the_filter_starts_empty_enter_keeps_it_ctrl_u_and_esc_clear_it() {
    let mut m = inbox();
    press(&mut m, "/vera");
    special(&mut m, KeyCode::Enter);
    assert_eq!(
        (m.filter.as_str(), m.filter_input.is_none()),
        ("vera", true),
        "Enter keeps it"
    );
    assert_eq!(ids(&m), ["c3"]);
    // `/` again starts from nothing: the old filter is neither kept nor appended to.
    press(&mut m, "/");
    assert_eq!(m.filter_input.as_deref(), Some(""));
    assert_eq!(ids(&m).len(), 4);
    press(&mut m, "chri");
    assert_eq!(ids(&m), ["c2", "c4"]);
    run(&mut m, Msg::Key(Key::ctrl('u')));
    assert_eq!(
        (m.filter_input.as_deref(), ids(&m).len()),
        (Some(""), 4),
        "Ctrl+U empties the line"
    );
    press(&mut m, "lee");
    assert_eq!(ids(&m), ["c2"]);
    special(&mut m, KeyCode::Esc);
    assert_eq!(
        (m.filter.as_str(), m.filter_input.is_none(), ids(&m).len()),
        ("", true, 4),
        "Esc clears it"
    );
    press(&mut m, "/");
    run(&mut m, Msg::Paste("vera".into()));
    assert_eq!(ids(&m), ["c3"], "a paste filters too");
}

fn search(m: &Model) -> &Search {
    match &m.overlay {
        Some(Overlay::Search(s)) => s,
        other => panic!("not searching: {other:?}"),
    }
}

fn queries(cmds: &[Cmd]) -> Vec<(String, u64)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Store(Store::Search { query, seq }) => Some((query.clone(), *seq)),
            _ => None,
        })
        .collect()
}

fn hit(id: &str, message: Option<&str>) -> SearchHit {
    SearchHit {
        key: key(id),
        message: message.map(Into::into),
        snippet: vec![
            ("the \u{1b}[31m".into(), false),
            ("parcel".into(), true),
            (" went".into(), false),
        ],
    }
}

#[test]
fn search_asks_on_each_change_and_shows_only_the_latest_answer() {
    let mut m = inbox();
    press(&mut m, "s");
    assert_eq!(search(&m).query, "");
    let cmds = press(&mut m, "par");
    assert_eq!(
        queries(&cmds),
        [("p".into(), 1), ("pa".into(), 2), ("par".into(), 3)],
        "each change asks, numbered"
    );
    assert!(press(&mut m, "j").len() == 1, "letters are typed, not list keys");
    special(&mut m, KeyCode::Backspace);
    assert_eq!(search(&m).seq, 5);
    // An older answer arriving late is dropped.
    run(
        &mut m,
        Msg::SearchHits {
            seq: 3,
            hits: vec![hit("c1", None)],
        },
    );
    assert!(search(&m).hits.is_empty() && !search(&m).answered);
    let hits = vec![hit("c3", Some("m1")), hit("c1", None)];
    run(&mut m, Msg::SearchHits { seq: 5, hits });
    assert_eq!(search(&m).hits.len(), 2);
    let pieces: Vec<&str> = search(&m).hits[0].snippet.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        pieces,
        ["the ", "parcel", " went"],
        "cleaned, the spaces between pieces kept"
    );
    assert!(search(&m).answered);
    special(&mut m, KeyCode::Down);
    assert_eq!(search(&m).cursor, 1);
    special(&mut m, KeyCode::Down);
    assert_eq!(search(&m).cursor, 1, "stops at the last hit");
    // Ctrl+U empties the query: nothing to ask, nothing shown.
    let cmds = run(&mut m, Msg::Key(Key::ctrl('u')));
    assert!(queries(&cmds).is_empty());
    assert!(search(&m).hits.is_empty() && search(&m).query.is_empty());
    // Words that would be FTS5 syntax go to the store as typed; the store quotes them.
    let cmds = press(&mut m, "\"(");
    assert_eq!(queries(&cmds).last().unwrap().0, "\"(");
    special(&mut m, KeyCode::Esc);
    assert_eq!(m.overlay, None, "Esc leaves");
}

#[test]
fn enter_opens_the_conversation_at_the_message_found_and_marks_it() {
    let mut m = inbox();
    press(&mut m, "s");
    press(&mut m, "zanzibar");
    let seq = search(&m).seq;
    run(
        &mut m,
        Msg::SearchHits {
            seq,
            hits: vec![hit("c3", Some("m2"))],
        },
    );
    let cmds = special(&mut m, KeyCode::Enter);
    assert_eq!(m.overlay, None);
    assert_eq!((m.open.clone(), m.focus), (Some(key("c3")), Focus::Thread));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Net(handoff::app::Net::Watch(Some(k))) if *k == key("c3")))
    );
    // The thread arrives: it is scrolled so the message found is at the bottom, marked.
    let messages: Vec<_> = (1..=6)
        .map(|i| message(&format!("m{i}"), Author::Customer, &format!("line {i}"), now()))
        .collect();
    run(
        &mut m,
        Msg::Thread {
            key: key("c3"),
            messages: messages.clone(),
        },
    );
    let t = &m.threads[&key("c3")];
    assert_eq!(t.scroll, 4, "m2 at the bottom, four newer below it");
    assert_eq!(t.found.as_ref().map(|f| f.message.as_str()), Some("m2"));
    // Placed once: the next copy of the thread leaves the operator's scrolling alone.
    special(&mut m, KeyCode::Char('j'));
    run(
        &mut m,
        Msg::Thread {
            key: key("c3"),
            messages,
        },
    );
    assert_eq!(m.threads[&key("c3")].scroll, 3);
}

#[test]
fn a_hit_whose_conversation_is_gone_says_so_and_stays() {
    let mut m = inbox();
    press(&mut m, "sx");
    let seq = search(&m).seq;
    run(
        &mut m,
        Msg::SearchHits {
            seq,
            hits: vec![hit("gone", None)],
        },
    );
    special(&mut m, KeyCode::Enter);
    assert!(matches!(m.overlay, Some(Overlay::Search(_))));
    assert!(
        m.notice
            .as_ref()
            .is_some_and(|n| n.error && n.text.contains("no longer"))
    );
}

#[test]
fn every_notice_is_logged_with_its_time_and_the_log_scrolls() {
    let mut m = inbox();
    m.height = 10;
    assert!(m.log.is_empty());
    // Notices: `z` with nothing to undo, then many `R`.
    press(&mut m, "z");
    let later = now() + chrono::TimeDelta::minutes(3);
    update(&mut m, Msg::Key(Key::new(KeyCode::Char('R'))), later);
    let entries: Vec<_> = m.log.entries().map(|e| (e.at, e.text.clone())).collect();
    assert_eq!(
        entries,
        [
            (now(), "nothing to undo".to_string()),
            (later, "asking every account now…".to_string())
        ]
    );
    for _ in 0..600 {
        press(&mut m, "z");
    }
    assert_eq!(m.log.len(), handoff::app::log::LOG_KEPT, "bounded");
    // `L` opens it at its end; j/k, g/G scroll; Esc closes.
    press(&mut m, "L");
    let page = handoff::app::log::page(&m);
    let last = handoff::app::log::LOG_KEPT - page;
    assert_eq!(m.overlay, Some(Overlay::Log { top: last }));
    press(&mut m, "k");
    assert_eq!(m.overlay, Some(Overlay::Log { top: last - 1 }));
    press(&mut m, "g");
    assert_eq!(m.overlay, Some(Overlay::Log { top: 0 }));
    special(&mut m, KeyCode::PageDown);
    assert_eq!(m.overlay, Some(Overlay::Log { top: page }));
    press(&mut m, "G");
    press(&mut m, "j");
    assert_eq!(m.overlay, Some(Overlay::Log { top: last }), "not past the end");
    special(&mut m, KeyCode::Esc);
    assert_eq!(m.overlay, None);
    press(&mut m, "C");
    assert_eq!(m.overlay, Some(Overlay::Accounts { top: 0 }), "the accounts moved to C");
}

#[test]
fn the_help_scrolls_where_it_does_not_fit_and_stops_at_its_end() {
    let mut m = inbox();
    m.width = 80;
    m.height = 24;
    press(&mut m, "?");
    assert_eq!(m.overlay, Some(Overlay::Help { top: 0 }));
    let mut sections = handoff::app::help::sections(&m);
    let lines = handoff::app::help::arranged(&m, &mut sections).lines;
    let page = handoff::app::help::page(&m);
    assert!(lines > page, "80×24 does not hold it: {lines} lines, {page} on screen");
    // (keys, where the help's top is afterwards)
    let table: Vec<(&str, Option<KeyCode>, usize)> = vec![
        ("jj", None, 2),
        ("k", None, 1),
        ("", Some(KeyCode::PageDown), 1 + page),
        ("G", None, lines - page),
        ("j", None, lines - page),
        ("", Some(KeyCode::PageUp), lines - 2 * page),
        ("g", None, 0),
        ("k", None, 0),
    ];
    for (keys, code, top) in table {
        press(&mut m, keys);
        if let Some(code) = code {
            special(&mut m, code);
        }
        assert_eq!(m.overlay, Some(Overlay::Help { top }), "{keys:?} {code:?}");
    }
    press(&mut m, "?");
    assert_eq!(m.overlay, None);
    // Where everything fits, there is nothing to scroll.
    m.width = 200;
    m.height = 60;
    press(&mut m, "?j");
    assert_eq!(m.overlay, Some(Overlay::Help { top: 0 }));
}

fn mouse(m: &mut Model, kind: handoff::app::mouse::MouseKind, column: u16, row: u16) -> Vec<Cmd> {
    run(m, Msg::Mouse(handoff::app::mouse::Mouse { kind, column, row }))
}

#[test]
fn a_click_selects_a_row_a_second_opens_it_and_the_wheel_scrolls() {
    use handoff::app::mouse::MouseKind::{Click, WheelDown, WheelUp};
    let mut m = inbox();
    m.width = 120;
    m.height = 24;
    assert_eq!(m.selected, Some(key("c1")));
    // (what, column, line) → selected, open, focus. Rows start on line 2, two lines each.
    mouse(&mut m, Click, 5, 6);
    assert_eq!(
        (m.selected.clone(), m.open.clone()),
        (Some(key("c3")), None),
        "line 6: the third row"
    );
    mouse(&mut m, Click, 5, 7);
    assert_eq!(m.open, Some(key("c3")), "its second line, clicked again: opened");
    assert_eq!(m.focus, Focus::Thread);
    mouse(&mut m, Click, 5, 0);
    mouse(&mut m, Click, 5, 20);
    assert_eq!(m.selected, Some(key("c3")), "the title bar and below the rows: nothing");
    mouse(&mut m, Click, 5, 2);
    assert_eq!((m.selected.clone(), m.focus), (Some(key("c1")), Focus::List));
    mouse(&mut m, WheelDown, 5, 10);
    mouse(&mut m, WheelDown, 5, 10);
    assert_eq!(m.selected, Some(key("c3")), "the wheel on the list moves through it");
    mouse(&mut m, WheelUp, 5, 10);
    assert_eq!(m.selected, Some(key("c2")));
    // The wheel over the thread scrolls it.
    let messages: Vec<_> = (1..=9)
        .map(|i| message(&format!("m{i}"), Author::Customer, &format!("line {i}"), now()))
        .collect();
    run(
        &mut m,
        Msg::Thread {
            key: key("c3"),
            messages,
        },
    );
    mouse(&mut m, WheelUp, 100, 10);
    mouse(&mut m, WheelUp, 100, 10);
    assert_eq!(m.threads[&key("c3")].scroll, 2);
    mouse(&mut m, WheelDown, 100, 10);
    assert_eq!(m.threads[&key("c3")].scroll, 1);
    assert_eq!(m.selected, Some(key("c2")), "the list stays");
    // Over an overlay, the wheel scrolls it as its arrows do; a click does nothing.
    m.width = 80;
    press(&mut m, "?");
    mouse(&mut m, WheelDown, 40, 10);
    mouse(&mut m, WheelDown, 40, 10);
    mouse(&mut m, Click, 40, 10);
    assert_eq!(m.overlay, Some(Overlay::Help { top: 2 }));
}

#[test]
fn the_mouse_is_off_unless_the_config_says_so() {
    let path = std::path::Path::new("config.toml");
    let off = handoff::config::Config::parse(path, "").unwrap();
    assert!(!off.mouse);
    let on = handoff::config::Config::parse(path, "[ui]\nmouse = true\n").unwrap();
    assert!(on.mouse);
    let wrong = handoff::config::Config::parse(path, "[ui]\nmouse = \"yes\"\n").unwrap_err();
    assert!(wrong.to_string().contains("config.toml:2"), "file and line: {wrong}");
}

/// Issue 14: a hit on a resolved conversation, which stays on disk, reads it from the cache and
/// then opens it at the message found; one the cache no longer has is said so.
#[test]
fn a_hit_on_a_resolved_conversation_on_disk_reads_it_then_opens_it() {
    let mut m = fixtures::model(vec![fixtures::account("volt", PlatformKind::Chatvolt)]);
    m.archive = Some(Default::default());
    let old = Conversation {
        status: Status::Resolved,
        ..conv("old", "Ann Old", None, 600)
    };
    run(
        &mut m,
        Msg::Synced {
            account: "volt".into(),
            changed: vec![old.clone(), conv("c1", "Chloé Dupont", None, 9)],
            removed: vec![],
        },
    );
    assert!(!m.conversations.contains_key(&key("old")), "resolved: on disk only");
    press(&mut m, "s");
    press(&mut m, "parcel");
    let seq = search(&m).seq;
    run(
        &mut m,
        Msg::SearchHits {
            seq,
            hits: vec![hit("old", Some("m2"))],
        },
    );
    let cmds = special(&mut m, KeyCode::Enter);
    assert_eq!(
        cmds,
        [Cmd::Store(Store::LoadConversation {
            key: key("old"),
            message: Some("m2".into()),
        })]
    );
    let cmds = run(
        &mut m,
        Msg::CachedConversation {
            key: key("old"),
            conversation: Some(Box::new(old)),
            message: Some("m2".into()),
        },
    );
    assert_eq!((m.open.clone(), m.focus), (Some(key("old")), Focus::Thread));
    assert_eq!(
        m.threads[&key("old")].found.as_ref().map(|f| f.message.as_str()),
        Some("m2")
    );
    assert!(!cmds.is_empty(), "the thread is asked for");
    // Held while open, whatever the ticks.
    run(&mut m, Msg::Tick);
    assert!(m.conversations.contains_key(&key("old")));
    // Gone from the cache meanwhile: said, nothing opened.
    special(&mut m, KeyCode::Esc);
    let cmds = run(
        &mut m,
        Msg::CachedConversation {
            key: key("c9"),
            conversation: None,
            message: None,
        },
    );
    assert!(cmds.is_empty());
    assert!(m.notice.as_ref().is_some_and(|n| n.text.contains("no longer")));
}
