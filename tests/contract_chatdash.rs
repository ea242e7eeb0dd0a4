//! ChatDash answers its specs allow (issue 10): no field is required there, so one odd
//! conversation, message or agent is skipped or degraded, never the whole listing, thread or
//! account; and the `createdAt` window the account reads, shown by `doctor`.
#![cfg(feature = "sandbox")]

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::run::{handoff, setup};
use common::*;
use handoff::domain::{Author, PlatformKind};
use handoff::sandbox::SandboxHandle;
use serde_json::{Value, json};

const CREATED: &str = "2026-11-20T10:00:00.000Z";
const UPDATED: &str = "2026-11-20T10:05:00.000Z";

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// The conversation list of the sandbox's first agent answers `body`, once.
async fn serve_list(h: &SandboxHandle, body: Value) {
    let agent = h.chatdash_agents()[0].clone();
    arm(
        h,
        "GET",
        &format!("/agents/{agent}/conversations"),
        json!({"status": 200, "body": body}),
    )
    .await;
}

/// One good conversation and every odd shape the spec allows, beside it.
fn odd_conversations() -> Value {
    json!([
        {"_id": "good", "name": "Gus", "status": "pending", "createdAt": CREATED, "updatedAt": UPDATED},
        {"name": "No Id", "status": "pending", "createdAt": CREATED, "updatedAt": UPDATED},
        {"_id": "created-only", "name": "Cora", "createdAt": CREATED},
        {"_id": "updated-only", "name": "Ugo", "updatedAt": UPDATED, "createdAt": null},
        {"_id": "no-dates", "name": "Nadia"},
        {"_id": "bad-id\u{1b}]0;x\u{7}", "createdAt": CREATED, "updatedAt": UPDATED},
        "not a conversation"
    ])
}

fn listed_ids(stdout: &str) -> Vec<String> {
    let rows: Vec<Value> = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    rows.iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_odd_conversation_is_skipped_or_degraded_and_the_listing_stands() {
    let h = quiet(0).await;
    let agent = h.chatdash_agents()[0].clone();
    serve_list(&h, odd_conversations()).await;
    let dash = adapter(settings(&h, PlatformKind::Chatdash));
    let listing = dash.list_conversations(None).await.expect("the listing stands");
    assert_eq!(listing.warning, None, "the account stays connected");
    let mut ids: Vec<&str> = listing.conversations.iter().map(|c| c.key.id.as_str()).collect();
    ids.sort();
    let want = ["created-only", "good", "updated-only"].map(|id| format!("{agent}:{id}"));
    assert_eq!(ids, want, "unaddressable or undated ones are skipped, the rest listed");
    let by_id = |id: &str| {
        listing
            .conversations
            .iter()
            .find(|c| c.key.id == format!("{agent}:{id}"))
            .unwrap()
    };
    let created_only = by_id("created-only");
    assert_eq!(
        (created_only.created_at, created_only.updated_at),
        (at(CREATED), at(CREATED))
    );
    let updated_only = by_id("updated-only");
    assert_eq!(
        (updated_only.created_at, updated_only.updated_at),
        (at(UPDATED), at(UPDATED))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_list_shows_the_rest_of_an_odd_listing() {
    let h = quiet(0).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(&h, dir.path(), false);
    serve_list(&h, odd_conversations()).await;
    let list = handoff(&cfg, dir.path(), &["list", "--json", "--account", "dash"], None).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(!list.stderr.contains("malformed"), "{}", list.stderr);
    let mut ids: Vec<String> = listed_ids(&list.stdout)
        .into_iter()
        .map(|id| id.rsplit(':').next().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, ["created-only", "good", "updated-only"]);
    // Each skipped one is in the log, by its field, and the log holds no control character.
    let log = std::fs::read_to_string(dir.path().join("handoff.log")).unwrap_or_default();
    assert!(log.contains("_id"), "{log}");
    assert!(!log.contains('\u{1b}'), "the log holds only clean text");
}

/// A thread with one message of each odd shape between ordinary ones.
fn odd_messages() -> Value {
    json!([
        {"sender": "user", "type": "text", "content": {"text": "first"}, "createdAt": "2026-11-20T10:01:00.000Z"},
        {"type": "text", "content": {"text": "who sent me"}, "createdAt": "2026-11-20T10:02:00.000Z"},
        {"sender": "bot", "type": "text", "content": {"text": "when was I"}},
        {"sender": null, "type": null, "content": null, "createdAt": null},
        {"sender": "user", "type": "text", "content": {"text": "last"}, "createdAt": "2026-11-20T10:03:00.000Z"}
    ])
}

/// A ChatDash conversation on the sandbox whose messages answer `odd_messages`, once.
async fn odd_thread(h: &SandboxHandle) -> String {
    let agent = h.chatdash_agents()[0].clone();
    let dash = adapter(settings(h, PlatformKind::Chatdash));
    create(
        h,
        "chatdash",
        "Tess",
        "needs_human",
        json!([{"author": "customer", "text": "hi"}]),
    )
    .await;
    let listing = dash.list_conversations(None).await.unwrap();
    let id = listing.conversations[0].key.id.clone();
    let (_, conversation) = id.split_once(':').unwrap();
    let path = format!("/agents/{agent}/conversations/{conversation}/messages");
    let fault = json!({"method": "GET", "path": path, "action": {"status": 200, "body": odd_messages()}, "times": 2});
    control(h, reqwest::Method::POST, "faults", Some(fault)).await;
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn one_odd_message_is_degraded_and_the_thread_stands() {
    let h = quiet(0).await;
    let id = odd_thread(&h).await;
    let dash = adapter(settings(&h, PlatformKind::Chatdash));
    let messages = dash.list_messages(&id).await.expect("the thread stands");
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        ["first", "who sent me", "when was I", "", "last"],
        "in the server's order"
    );
    assert_eq!(messages[1].author, Author::System, "no sender: a system line");
    assert_eq!(messages[2].author, Author::Ai);
    assert_eq!(messages[3].author, Author::System);
    assert_eq!(
        messages[2].created_at, messages[1].created_at,
        "no createdAt: the time of the message before it"
    );
    assert_eq!(messages[3].created_at, messages[1].created_at);
    let again = dash.list_messages(&id).await.unwrap();
    let ids = |ms: &[handoff::domain::Message]| ms.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&again), ids(&messages), "the same ids on every fetch");
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_show_shows_an_odd_thread() {
    let h = quiet(0).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(&h, dir.path(), false);
    let id = odd_thread(&h).await;
    let target = format!("dash/{id}");
    let show = handoff(&cfg, dir.path(), &["show", "--json", &target], None).await;
    assert_eq!(show.code, 0, "{}", show.stderr);
    let shown: Value = serde_json::from_str(&show.stdout).unwrap_or_else(|e| panic!("{e}: {}", show.stdout));
    let texts: Vec<&str> = shown["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["first", "who sent me", "when was I", "", "last"]);
    let show = handoff(&cfg, dir.path(), &["show", &target], None).await;
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(show.stdout.contains("who sent me"), "{}", show.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_without_an_id_or_a_name_are_skipped_not_the_account() {
    let h = quiet(0).await;
    create(
        &h,
        "chatdash",
        "Tess",
        "needs_human",
        json!([{"author": "customer", "text": "hi"}]),
    )
    .await;
    let agents: Vec<Value> = h
        .chatdash_agents()
        .into_iter()
        .map(|id| json!({"_id": id}))
        .chain([
            json!({"name": "nameless"}),
            json!({"_id": null, "name": null}),
            json!(7),
        ])
        .collect();
    arm(&h, "GET", "/agents", json!({"status": 200, "body": agents})).await;
    let dash = adapter(settings(&h, PlatformKind::Chatdash));
    let listing = dash.list_conversations(None).await.expect("the listing stands");
    assert_eq!(listing.conversations.len(), 1);
}

/// The sandbox's config with `lines` added to the ChatDash account (the last one).
fn with_dash_lines(h: &SandboxHandle, dir: &std::path::Path, lines: &str) -> std::path::PathBuf {
    let cfg = setup(h, dir, false);
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(lines);
    std::fs::write(&cfg, text).unwrap();
    cfg
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_shows_what_the_window_covers() {
    let h = quiet(0).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = with_dash_lines(&h, dir.path(), "lookback = \"3d\"\n");
    let before = Utc::now();
    let doctor = handoff(&cfg, dir.path(), &["doctor"], None).await;
    let after = Utc::now();
    assert_eq!(doctor.code, 0, "{}\n{}", doctor.stdout, doctor.stderr);
    let line = doctor
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("window"))
        .unwrap_or_else(|| panic!("no window line: {}", doctor.stdout));
    let since = line
        .split("created since ")
        .nth(1)
        .and_then(|rest| rest.split(" UTC").next())
        .unwrap_or_else(|| panic!("{line}"));
    let since = chrono::NaiveDateTime::parse_from_str(since, "%Y-%m-%d %H:%M")
        .unwrap_or_else(|e| panic!("{e}: {line}"))
        .and_utc();
    let three_days = TimeDelta::days(3);
    assert!(
        since >= before - three_days - TimeDelta::minutes(1) && since <= after - three_days,
        "{line}"
    );
    assert!(
        line.ends_with("UTC (lookback 3 days); older ones are not seen even when they ask for a human"),
        "{line}"
    );
    assert_eq!(
        doctor.stdout.matches("window").count(),
        1,
        "only the ChatDash account: {}",
        doctor.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_lookback_is_refused_with_its_file_and_line() {
    let h = quiet(0).await;
    for (value, says) in [("a week", "is not a duration"), ("0s", "more than zero")] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = with_dash_lines(&h, dir.path(), &format!("lookback = \"{value}\"\n"));
        let lines = std::fs::read_to_string(&cfg).unwrap().lines().count();
        let doctor = handoff(&cfg, dir.path(), &["doctor"], None).await;
        assert_eq!(doctor.code, 2, "{value}: {}\n{}", doctor.stdout, doctor.stderr);
        let at = format!("{}:{lines}:12: `lookback`", cfg.display());
        assert!(doctor.stderr.contains(&at), "{value}: want {at:?} in {}", doctor.stderr);
        assert!(doctor.stderr.contains(says), "{value}: {}", doctor.stderr);
    }
}
