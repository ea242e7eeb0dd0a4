//! Alerts through the real binary on a PTY against the sandbox: a new handoff writes the bell
//! and an OSC 777 notification, again after `repeat` while nobody acknowledges it, and not any
//! more once it is opened; unanswered past `escalate_after`, the distinct, escalated one.
#![cfg(feature = "sandbox")]

mod common;

use common::term::{Term, config, count, runtime};
use common::*;
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);
/// The bell, then the desktop notification, as the terminal runner writes them.
const HANDOFF: &[u8] = "\x07\x1b]777;notify;handoff;1 customer needs a person — raia\x07".as_bytes();

fn notifications(t: &Term, what: &[u8]) -> usize {
    count(&t.bytes.lock().unwrap(), what)
}

fn wait_for_count(t: &Term, what: &[u8], n: usize) {
    let deadline = std::time::Instant::now() + WAIT;
    while notifications(t, what) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "{n} × {:?} not written; screen:\n{}",
            String::from_utf8_lossy(what),
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_new_handoff_rings_and_notifies_until_it_is_opened() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let mut t = Term::start(&config(&h, "\n[alerts]\nrepeat = \"2s\"\n"), 120, 40);
    t.wait_for("raia ✓", WAIT);
    assert_eq!(notifications(&t, HANDOFF), 0, "the first load does not ring");
    rt.block_on(create(
        &h,
        "raia",
        "Zed Waits",
        "needs_human",
        json!([{"author": "customer", "text": "a person please"}]),
    ));
    wait_for_count(&t, HANDOFF, 1);
    let screen = t.wait_for("Zed Waits needs a person", WAIT);
    assert!(screen.contains("A acknowledge"), "{screen}");
    // Not acknowledged: said again after `repeat`.
    wait_for_count(&t, HANDOFF, 2);
    // Opened: acknowledged, the alert line goes, nothing more is said.
    t.keys("/Zed Waits\r");
    t.wait_for("filter: \"Zed Waits\"", WAIT);
    t.keys("\r");
    t.wait_for("a person please", WAIT);
    t.wait_until("the alert line gone", WAIT, |s| !s.contains("needs a person"));
    let said = notifications(&t, HANDOFF);
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(notifications(&t, HANDOFF), said, "nothing more once opened");
}

#[test]
fn unanswered_it_escalates_with_a_distinct_notification() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let extra = "\n[alerts]\nrepeat = \"60s\"\nescalate_after = \"2s\"\nnotify = [\"bell\", \"osc777\", \"osc9\"]\n";
    let mut t = Term::start(&config(&h, extra), 120, 40);
    t.wait_for("raia ✓", WAIT);
    rt.block_on(create(
        &h,
        "raia",
        "Yan Waits",
        "needs_human",
        json!([{"author": "customer", "text": "hello?"}]),
    ));
    wait_for_count(&t, b"\x1b]9;handoff: 1 customer needs a person", 1);
    // Long before the next repeat: the escalated form, two bells and its own title.
    wait_for_count(&t, "\x07\x07\x1b]777;notify;handoff — waiting ".as_bytes(), 1);
    assert_eq!(notifications(&t, "\x1b]9;handoff — waiting ".as_bytes()), 1);
    let bytes = t.bytes.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&bytes);
    let escalated = text.split("\x1b]9;handoff — waiting ").nth(1).unwrap_or_default();
    assert!(
        escalated.starts_with("2 s: 1 customer needs a person")
            || escalated.starts_with("3 s: 1 customer needs a person"),
        "{escalated:.60}"
    );
    // Acknowledged with A: the line goes.
    t.keys("A");
    t.wait_until("the alert line gone", WAIT, |s| !s.contains("needs a person"));
}
