//! Notes (issue 13, point 3) on a real terminal against the sandbox: a Chatvolt note reaches the
//! notes endpoint and shows as a note, not a message; a raia note alone is a local note that
//! survives a restart (and a half-written one stays a note); a raia team note written by Ann
//! shows on Ben's screen.
#![cfg(feature = "sandbox")]

mod common;

use common::fixtures::{OPERATOR_EMAIL, OPERATOR_NAME};
use common::term::{Term, config, open_by_name, outbox_states, runtime, wait_exit};
use common::*;
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
    // Kept by the platform as a private note (the sandbox's control API).
    let state = rt.block_on(control(
        &h,
        reqwest::Method::GET,
        &format!("conversations/chatvolt/{id}"),
        None,
    ));
    let notes = state["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{state}");
    assert_eq!(
        (&notes[0]["note"], &notes[0]["isPrivate"]),
        (&json!("refund approved by Sam"), &json!(true))
    );
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
    assert_eq!(
        endpoint_count(&summary, "chatvolt", "POST /conversations/{id}/notes"),
        1
    );
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
    // Saved, the empty box is a reply again; Ctrl+N makes it a note, and a half-written note
    // is kept as a note draft.
    t.wait_until("a reply box again", WAIT, |s| {
        !s.contains("Note — not sent to the customer")
    });
    t.keys("\x0e");
    t.wait_for("Note — not sent to the customer", WAIT);
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
    assert!(
        screen.contains("Note — not sent to the customer · N to write"),
        "{screen}"
    );
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
