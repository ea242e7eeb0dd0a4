//! Who holds what survives the program: a takeover is on disk once the platform confirms it,
//! so after `kill -9` a raia conversation (raia cannot say who holds it) is still yours, and
//! the reply goes out without taking it over from yourself.
#![cfg(feature = "sandbox")]

mod common;

use common::term::{Term, config, kill_9, runtime};
use common::*;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

/// Takes over the conversation of `name` (filtering the list for it).
fn take(t: &mut Term, name: &str, first_words: &str) {
    t.wait_for(name, WAIT);
    t.keys(&format!("/{name}\r"));
    t.wait_for(&format!("filter: \"{name}\""), WAIT);
    t.keys("\r");
    t.wait_for(first_words, WAIT);
    t.keys("t");
    t.wait_for("taken over", WAIT);
    t.wait_for("held by you", WAIT);
}

/// The holds on disk: (conversation id, since), in the operator's time of day as the screen
/// says it.
fn holds_on_disk(t: &Term) -> Vec<(String, String)> {
    let db = rusqlite::Connection::open(t.dir.path().join("handoff.db")).unwrap();
    let mut q = db.prepare("SELECT conversation, since FROM holds").unwrap();
    q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|row| {
            let (id, since) = row.unwrap();
            let since = chrono::DateTime::parse_from_rfc3339(&since).unwrap();
            (id, since.with_timezone(&chrono::Local).format("%H:%M").to_string())
        })
        .collect()
}

/// The writes the sandbox received, as "METHOD path".
fn writes(rt: &tokio::runtime::Runtime, h: &handoff::sandbox::SandboxHandle) -> Vec<String> {
    rt.block_on(received(h))
        .iter()
        .filter(|r| r["method"] != "GET")
        .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect()
}

/// After `kill -9`, the next start reminds the operator of what is still held (once the account
/// has answered), lists it in Mine as theirs, and the reply goes out without a takeover; the
/// start after that hands it back with one key.
#[test]
fn a_raia_conversation_taken_here_is_still_yours_after_kill_9() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let id = rt.block_on(create(
        &h,
        "raia",
        "Hana Held",
        "needs_human",
        json!([{"author": "customer", "text": "anyone?"}]),
    ));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    take(&mut t, "Hana Held", "anyone?");
    // The hold reaches the disk with the round that learnt it.
    std::thread::sleep(Duration::from_millis(500));
    kill_9(&t);
    let held = holds_on_disk(&t);
    assert_eq!(held.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>(), [id.as_str()]);

    rt.block_on(clear_received(&h));
    let mut again = t.restart();
    let reminder = format!("You still hold one conversation (since {})", held[0].1);
    let screen = again.wait_for(&reminder, WAIT);
    assert!(screen.contains("2 Mine (1)"), "{screen}");
    // Review: Mine, Hana's selected; it opens as mine.
    again.keys("v");
    again.wait_until("the reminder gone", WAIT, |s| !s.contains("You still hold"));
    again.wait_for("Mine (1)", WAIT);
    again.keys("\r");
    let screen = again.wait_for("held by you", WAIT);
    assert!(screen.contains("anyone?"), "{screen}");
    assert!(!screen.contains("another human holds it"), "{screen}");
    again.keys("i");
    again.keys("Still here, Hana.");
    again.keys("\r");
    again.wait_for("sent to Hana Held", WAIT);
    assert_eq!(
        writes(&rt, &h),
        [format!("POST /raia/external/conversations/{id}/send-manual-message")],
        "the reply, and no takeover from myself"
    );
    let log = rt.block_on(received(&h));
    let sent: Vec<&Value> = log.iter().filter(|r| r["method"] == "POST").collect();
    assert_eq!(sent[0]["body"], json!({"message": "Still here, Hana."}));
    std::thread::sleep(Duration::from_millis(500));
    kill_9(&again);

    // Once per start: the next one says it again, and `y` gives it back to the AI.
    rt.block_on(clear_received(&h));
    let mut third = again.restart();
    third.wait_for("You still hold one conversation", WAIT);
    third.keys("y");
    third.wait_for("handed back to the AI", WAIT);
    assert_eq!(writes(&rt, &h), [format!("PUT /raia/external/conversations/{id}/mode")]);
    let log = rt.block_on(received(&h));
    assert_eq!(
        log.iter().find(|r| r["method"] == "PUT").unwrap()["body"],
        json!({"mode": "ai"})
    );
    let state = rt.block_on(control(
        &h,
        reqwest::Method::GET,
        &format!("conversations/raia/{id}"),
        None,
    ));
    assert_eq!(state["conversation"]["mode"], "ai", "the AI answers again: {state}");
    third.wait_until("nothing held", WAIT, |s| s.contains("2 Mine (0)"));
    third.keys("q");
    common::term::wait_exit(&mut third);
    assert!(holds_on_disk(&third).is_empty());
}
