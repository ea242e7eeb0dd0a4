//! Who holds what survives the program: a takeover is on disk once the platform confirms it,
//! so after `kill -9` a raia conversation (raia cannot say who holds it) is still yours, and
//! the reply goes out without taking it over from yourself.
#![cfg(feature = "sandbox")]

mod common;

use common::term::{Term, config, runtime};
use common::*;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

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
    t.wait_for("Hana Held", WAIT);
    t.keys("/Hana\r");
    t.wait_for("filter: \"Hana\"", WAIT);
    t.keys("\r");
    t.wait_for("anyone?", WAIT);
    t.keys("t");
    t.wait_for("taken over", WAIT);
    t.wait_for("held by you", WAIT);
    // The hold reaches the disk with the round that learnt it.
    std::thread::sleep(Duration::from_millis(500));
    let pid = t.child.process_id().expect("a pid");
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    rt.block_on(clear_received(&h));
    let mut again = t.restart();
    again.wait_for("Hana Held", WAIT);
    again.keys("/Hana\r");
    again.wait_for("filter: \"Hana\"", WAIT);
    again.keys("\r");
    let screen = again.wait_for("held by you", WAIT);
    assert!(!screen.contains("another human holds it"), "{screen}");
    again.keys("i");
    again.keys("Still here, Hana.");
    again.keys("\r");
    again.wait_for("sent to Hana Held", WAIT);
    let log = rt.block_on(received(&h));
    let writes: Vec<String> = log
        .iter()
        .filter(|r| r["method"] != "GET")
        .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        writes,
        [format!("POST /raia/external/conversations/{id}/send-manual-message")],
        "the reply, and no takeover from myself"
    );
    let sent: Vec<&Value> = log.iter().filter(|r| r["method"] == "POST").collect();
    assert_eq!(sent[0]["body"], json!({"message": "Still here, Hana."}));
    again.keys("\x1b");
    again.keys("q");
}
