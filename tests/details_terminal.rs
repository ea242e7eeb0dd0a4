//! The details panel and Chatvolt's assign on a real terminal against the sandbox (issue 13,
//! "What must be shown"): `D` shows the frustration, summary and country the sandbox serves;
//! assigning to me from the inbox reaches the sandbox and puts the conversation in Mine (2).
#![cfg(feature = "sandbox")]

mod common;

use common::fixtures::{self, Config, OPERATOR_EMAIL};
use common::term::{Term, open_by_name, runtime, wait_exit};
use common::*;
use handoff::domain::{Conversation, PlatformKind};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

/// A config with all three of the sandbox's accounts, polled fast.
fn all_accounts(h: &handoff::sandbox::SandboxHandle) -> String {
    fixtures::config(
        h,
        &Config {
            accounts: &PlatformKind::ALL,
            key_files: None,
            fast_sync: true,
            experimental: None,
            extra: "",
        },
    )
}

/// The first conversation of `kind` whose details pass `wanted`, as the adapter reads it.
fn find(
    rt: &tokio::runtime::Runtime,
    h: &handoff::sandbox::SandboxHandle,
    kind: PlatformKind,
    wanted: impl Fn(&Conversation) -> bool,
) -> Conversation {
    let list = rt
        .block_on(adapter(settings(h, kind)).list_conversations(None))
        .unwrap()
        .conversations;
    list.into_iter().find(|c| wanted(c)).expect("the sandbox serves one")
}

#[test]
fn d_shows_the_frustration_summary_and_country_the_sandbox_serves() {
    let rt = runtime();
    let h = rt.block_on(quiet(24));
    let frustrated = find(&rt, &h, PlatformKind::Chatvolt, |c| {
        c.details.as_ref().is_some_and(|d| d.frustrated())
    });
    let served = rt.block_on(control(
        &h,
        reqwest::Method::GET,
        &format!("conversations/chatvolt/{}", frustrated.key.id),
        None,
    ));
    let frustration = served["conversation"]["frustration"].as_f64().unwrap();
    let analysed = find(&rt, &h, PlatformKind::Chatdash, |c| {
        c.details
            .as_ref()
            .is_some_and(|d| d.get("Country").is_some() && d.get("Summary").is_some())
    });
    let (_, dash_id) = analysed.key.id.split_once(':').unwrap();
    let served = rt.block_on(control(
        &h,
        reqwest::Method::GET,
        &format!("conversations/chatdash/{dash_id}"),
        None,
    ));
    let country = served["conversation"]["countryCode"].as_str().unwrap().to_string();
    let summary = served["conversation"]["summary"].as_str().unwrap().to_string();

    let mut t = Term::start(&all_accounts(&h), 200, 50);
    t.wait_for("dash ✓", WAIT);
    // The frustrated customer is marked in the list before anything is opened.
    t.wait_for("▲", WAIT);
    let name = frustrated.customer_name.clone();
    open_by_name(&mut t, &name, "", WAIT);
    t.keys("D");
    let screen = t.wait_for("Frustration", WAIT);
    assert!(screen.contains(&format!("{frustration:.2}")), "{screen}");
    assert!(screen.contains("#needs-attention"), "the tags in the header: {screen}");

    // Kept open while another conversation is opened: its own details show.
    let name = analysed.customer_name.clone();
    open_by_name(&mut t, &name, "", WAIT);
    t.wait_for(&format!("Country       {country}"), WAIT);
    let first_words: String = summary.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
    t.wait_for(&format!("Summary       {first_words}"), WAIT);
    t.keys("D");
    t.wait_until("the panel hidden", WAIT, |s| !s.contains("Country       "));
    t.keys("\x1b");
    t.keys("q");
    wait_exit(&mut t);
}

#[test]
fn assigning_to_me_reaches_the_sandbox_and_puts_it_in_mine() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let id = rt.block_on(create(
        &h,
        "chatvolt",
        "Amy Assign",
        "ai",
        json!([{"author": "customer", "text": "who looks after me?"}]),
    ));
    let mut t = Term::start(&common::term::config(&h, ""), 120, 40);
    t.wait_for("volt ✓", WAIT);
    t.wait_for("2 Mine (0)", WAIT);
    open_by_name(&mut t, "Amy", "who looks after me?", WAIT);
    rt.block_on(clear_received(&h));
    t.keys("@");
    t.wait_for(&format!("> {OPERATOR_EMAIL}"), WAIT);
    t.keys("\r");
    t.wait_for(&format!("Amy Assign: assigned to {OPERATOR_EMAIL}"), WAIT);
    let served = rt.block_on(control(
        &h,
        reqwest::Method::GET,
        &format!("conversations/chatvolt/{id}"),
        None,
    ));
    assert_eq!(served["conversation"]["assignees"][0]["email"], json!(OPERATOR_EMAIL));
    let log = rt.block_on(received(&h));
    let assigns: Vec<_> = log
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.ends_with("/assign")))
        .collect();
    assert_eq!(assigns.len(), 1, "one write");
    assert_eq!(assigns[0]["body"], json!({"email": OPERATOR_EMAIL}));

    t.keys("\x1b");
    t.keys("\x1b");
    t.keys("2");
    let screen = t.wait_for("2 Mine (1)", WAIT);
    assert!(screen.contains("Amy Assign"), "{screen}");
    t.keys("q");
    wait_exit(&mut t);
}

#[test]
fn on_raia_assign_and_priority_say_why_not() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(create(
        &h,
        "raia",
        "Rob Raia",
        "ai",
        json!([{"author": "customer", "text": "hello there"}]),
    ));
    let mut t = Term::start(&common::term::config(&h, ""), 120, 40);
    t.wait_for("raia ✓", WAIT);
    open_by_name(&mut t, "Rob", "hello there", WAIT);
    rt.block_on(clear_received(&h));
    t.keys("@");
    t.wait_for("cannot do this here: raia's API has no assignment", WAIT);
    t.keys("p");
    t.wait_for("cannot do this here: raia's API has no priority", WAIT);
    let writes = rt
        .block_on(received(&h))
        .into_iter()
        .filter(|r| r["method"] != "GET")
        .count();
    assert_eq!(writes, 0);
    t.keys("\x1b");
    t.keys("q");
    wait_exit(&mut t);
}
