//! Guarded actions on a real terminal against the sandbox: a resolve undone with `z` reopens
//! the conversation on the platform, and `t` on a resolved conversation reopens it before
//! taking it over, never reporting a takeover while it stays resolved.
#![cfg(feature = "sandbox")]

mod common;

use common::term::{Term, config, runtime};
use common::*;
use handoff::sandbox::SandboxHandle;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

/// The sandbox's own reading of who handles the conversation (ai, needs_human, human, resolved).
async fn handling(h: &SandboxHandle, platform: &str, id: &str) -> String {
    let view = control(h, reqwest::Method::GET, &format!("conversations/{platform}/{id}"), None).await;
    view["handling"]
        .as_str()
        .expect("the view says who handles it")
        .to_string()
}

/// The writes the sandbox received, as `METHOD path`.
async fn writes(h: &SandboxHandle) -> Vec<String> {
    received(h)
        .await
        .iter()
        .filter(|r| r["method"] != "GET")
        .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect()
}

/// Opens the conversation of `name` in the given view (`3` all, `4` resolved).
fn open(t: &mut Term, view: &str, name: &str) {
    t.keys(view);
    t.wait_for(name, WAIT);
    t.keys(&format!("/{name}\r"));
    t.wait_for(&format!("filter: \"{name}\""), WAIT);
    t.keys("\r");
}

#[test]
fn t_on_a_resolved_raia_conversation_reopens_it_and_takes_it_over() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let id = rt.block_on(create(
        &h,
        "raia",
        "Rita Resolved",
        "resolved",
        json!([{"author": "customer", "text": "one more thing"}]),
    ));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    t.wait_for("raia ✓", WAIT);
    open(&mut t, "4", "Rita");
    t.wait_for("one more thing", WAIT);
    rt.block_on(clear_received(&h));
    t.keys("t");
    // Two writes and their read-backs, one after the other: on a loaded machine (CI runs the
    // PTY tests side by side) this has taken over 15 s.
    t.wait_for("held by you", WAIT * 2);
    assert_eq!(rt.block_on(handling(&h, "raia", &id)), "human", "open again, and held");
    let base = format!("/raia/external/conversations/{id}");
    assert_eq!(
        rt.block_on(writes(&h)),
        [format!("PUT {base}"), format!("PUT {base}/mode")],
        "reopened (its state), then taken over (manual mode)"
    );
    let log = rt.block_on(received(&h));
    let reopen: Vec<&Value> = log.iter().filter(|r| r["path"] == base.as_str()).collect();
    assert!(reopen[0]["body"]["conversationStateId"].is_string(), "{:?}", reopen[0]);
    t.keys("\x1b");
    t.keys("\x03");
}

#[test]
fn a_resolve_undone_with_z_is_open_again_on_the_platform() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    // The AI answered last: nobody waits, so r asks nothing.
    let answered = json!([{"author": "customer", "text": "thanks"}, {"author": "ai", "text": "glad to help"}]);
    let raia = rt.block_on(create(&h, "raia", "Uma Undo", "ai", answered.clone()));
    let volt = rt.block_on(create(&h, "chatvolt", "Vic Undo", "ai", answered));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    t.wait_for("volt ✓", WAIT);
    for (platform, id, name) in [("raia", &raia, "Uma"), ("chatvolt", &volt, "Vic")] {
        open(&mut t, "3", name);
        t.wait_for("glad to help", WAIT);
        t.keys("r");
        t.wait_for(&format!("{name} Undo: resolved — z to undo"), WAIT);
        assert_eq!(rt.block_on(handling(&h, platform, id)), "resolved", "{platform}");
        t.keys("z");
        t.wait_for(&format!("{name} Undo: reopened"), WAIT);
        assert_eq!(rt.block_on(handling(&h, platform, id)), "ai", "{platform}: open again");
        t.keys("\x1b");
        t.keys("\x1b");
        t.wait_until("the filter cleared", WAIT, |s| !s.contains("filter: "));
    }
    t.keys("q");
    common::term::wait_exit(&mut t);
}

#[test]
fn r_with_a_waiting_customer_asks_first_and_n_changes_nothing() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let id = rt.block_on(create(
        &h,
        "raia",
        "Wes Waiting",
        "needs_human",
        json!([{"author": "customer", "text": "is anyone there?"}]),
    ));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    t.wait_for("raia ✓", WAIT);
    open(&mut t, "3", "Wes");
    t.wait_for("is anyone there?", WAIT);
    rt.block_on(clear_received(&h));
    t.keys("r");
    t.wait_for("Wes Waiting is waiting for your reply", WAIT);
    t.wait_for("resolve anyway? y / n", WAIT);
    t.keys("n");
    t.wait_until("the question closed", WAIT, |s| !s.contains("resolve anyway?"));
    assert_eq!(rt.block_on(writes(&h)), Vec::<String>::new(), "n: nothing written");
    assert_eq!(rt.block_on(handling(&h, "raia", &id)), "needs_human");
    t.keys("r");
    t.wait_for("resolve anyway? y / n", WAIT);
    t.keys("y");
    t.wait_for("Wes Waiting: resolved — z to undo", WAIT);
    assert_eq!(rt.block_on(handling(&h, "raia", &id)), "resolved");
    t.keys("\x1b");
    t.keys("q");
    common::term::wait_exit(&mut t);
}
