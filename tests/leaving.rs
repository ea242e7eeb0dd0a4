//! Nobody is stranded by the operator leaving: `q` while holding conversations asks, and "hand
//! back" gives every one back to the AI on the platform before the program ends; a dropped
//! session (SIGHUP) hands them back by itself.
#![cfg(feature = "sandbox")]

mod common;

use common::term::{Term, config, runtime, wait_exit};
use common::*;
use handoff::sandbox::SandboxHandle;
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

fn open_and_take(t: &mut Term, name: &str, first_words: &str) {
    t.keys("\x1b");
    t.keys("\x1b");
    t.wait_for(name, WAIT);
    t.keys(&format!("/{name}\r"));
    t.wait_for(&format!("filter: \"{name}\""), WAIT);
    t.keys("\r");
    t.wait_for(first_words, WAIT);
    t.keys("t");
    t.wait_for("taken over", WAIT);
    t.wait_for("held by you", WAIT);
}

async fn waiting(h: &SandboxHandle, name: &str) -> String {
    create(
        h,
        "raia",
        name,
        "needs_human",
        json!([{"author": "customer", "text": "a person please"}]),
    )
    .await
}

/// The hand-backs the sandbox received, by conversation id.
fn handed_back(rt: &tokio::runtime::Runtime, h: &SandboxHandle) -> Vec<String> {
    let mut ids: Vec<String> = rt
        .block_on(received(h))
        .iter()
        .filter(|r| r["method"] == "PUT" && r["body"] == json!({"mode": "ai"}))
        .filter_map(|r| {
            r["path"]
                .as_str()?
                .strip_prefix("/raia/external/conversations/")?
                .strip_suffix("/mode")
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn quitting_while_holding_two_asks_and_hands_both_back() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let mut ids = vec![
        rt.block_on(waiting(&h, "Ada Asks")),
        rt.block_on(waiting(&h, "Bo Asks")),
    ];
    ids.sort();
    let mut t = Term::start(&config(&h, ""), 120, 40);
    open_and_take(&mut t, "Ada Asks", "a person please");
    open_and_take(&mut t, "Bo Asks", "a person please");
    t.keys("\x1b");
    t.keys("\x1b");
    rt.block_on(clear_received(&h));
    t.keys("q");
    let screen = t.wait_for("You hold 2 conversations", WAIT);
    assert!(screen.contains("keeps them and quits"), "{screen}");
    // "Stay" first: nothing happens, the inbox goes on.
    t.keys("n");
    t.wait_until("the question gone", WAIT, |s| !s.contains("You hold 2"));
    assert!(handed_back(&rt, &h).is_empty());
    t.keys("q");
    t.wait_for("You hold 2 conversations", WAIT);
    t.keys("y");
    wait_exit(&mut t);
    assert_eq!(handed_back(&rt, &h), ids, "both handed back before the end");
}

#[test]
fn a_dropped_session_hands_back_what_it_held_before_the_program_ends() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let id = rt.block_on(waiting(&h, "Cy Hangup"));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    open_and_take(&mut t, "Cy Hangup", "a person please");
    rt.block_on(clear_received(&h));
    let pid = t.child.process_id().expect("a pid");
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    wait_exit(&mut t);
    assert_eq!(handed_back(&rt, &h), [id], "handed back before the end");
}

#[test]
fn keep_on_hangup_keeps_them() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(waiting(&h, "Di Kept"));
    let mut t = Term::start(&config(&h, "\n[session]\non_hangup = \"keep\"\n"), 120, 40);
    open_and_take(&mut t, "Di Kept", "a person please");
    rt.block_on(clear_received(&h));
    let pid = t.child.process_id().expect("a pid");
    std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    wait_exit(&mut t);
    assert!(handed_back(&rt, &h).is_empty());
}
