//! The command line keeps the holder rules: `send`, `release` and `resolve` (like `take`) do
//! nothing to a conversation another operator holds unless forced, and the JSON says who holds
//! what and the key the other commands take. The real binary against the sandbox, whose
//! generated world has one conversation per platform held by another operator (Sam Lee).
#![cfg(feature = "sandbox")]

mod common;

use common::run::{Run, handoff, setup};
use common::*;
use serde_json::{Value, json};
use std::path::Path;

/// The conversations `list --json` shows held by someone else, as (key, holder).
async fn held_by_others(config: &Path, state: &Path) -> Vec<(String, String)> {
    let list = handoff(config, state, &["list", "--status", "human", "--json"], None).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    let rows: Vec<Value> = serde_json::from_str(&list.stdout).unwrap();
    rows.iter()
        .filter(|r| r["held_by"].is_string() && r["held_by"] != "me")
        .map(|r| {
            let key = format!("{}/{}", r["account"].as_str().unwrap(), r["id"].as_str().unwrap());
            (key, r["held_by"].as_str().unwrap().to_string())
        })
        .collect()
}

fn writes(log: &[Value]) -> Vec<Value> {
    log.iter().filter(|r| r["method"] != "GET").cloned().collect()
}

fn refused(run: &Run, key: &str, holder: &str) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!("{key} is held by {holder}")) && run.stderr.contains("pass --force"),
        "{}",
        run.stderr
    );
}

/// `handoff COMMAND KEY ARGS` on each conversation a colleague holds (Chatvolt's and ChatDash's):
/// exit 1 naming the holder, and not one write request; nothing changed hands.
async fn refuses(command: &str, args: &[&str]) {
    let h = quiet(12).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), true);
    let others = held_by_others(&config, dir.path()).await;
    let accounts: Vec<&str> = others.iter().map(|(k, _)| k.split('/').next().unwrap()).collect();
    assert_eq!(accounts, ["volt", "dash"], "the world holds one each: {others:?}");
    for (key, holder) in &others {
        clear_received(&h).await;
        let run = handoff(&config, dir.path(), &[&[command, key.as_str()], args].concat(), None).await;
        refused(&run, key, holder);
        assert_eq!(
            writes(&received(&h).await),
            Vec::<Value>::new(),
            "{command} {key}: nothing written"
        );
    }
    assert_eq!(held_by_others(&config, dir.path()).await, others);
}

#[tokio::test(flavor = "multi_thread")]
async fn send_refuses_a_colleagues_conversation_and_sends_nothing() {
    refuses("send", &["Hi, I'll take it from here"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn release_refuses_a_colleagues_conversation() {
    refuses("release", &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn resolve_refuses_a_colleagues_conversation() {
    refuses("resolve", &[]).await;
}

/// `take` asked for `--force` already; the others now share its check and its words.
#[tokio::test(flavor = "multi_thread")]
async fn take_refuses_as_before() {
    refuses("take", &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_force_they_act_as_before() {
    let h = quiet(12).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), true);
    let others = held_by_others(&config, dir.path()).await;
    let [(volt, _), (dash, _)] = &others[..] else {
        panic!("one held by another on Chatvolt and ChatDash: {others:?}");
    };

    clear_received(&h).await;
    let send = handoff(
        &config,
        dir.path(),
        &["send", volt, "Dana here, covering", "--force"],
        None,
    )
    .await;
    assert_eq!(send.code, 0, "{}", send.stderr);
    let id = volt.strip_prefix("volt/").unwrap();
    assert_eq!(count_on_server(&h, "chatvolt", id, "Dana here, covering").await, 1);
    let release = handoff(&config, dir.path(), &["release", "--force", volt], None).await;
    assert_eq!(release.code, 0, "{}", release.stderr);
    assert!(release.stdout.contains("handed back to the AI"), "{}", release.stdout);
    let resolve = handoff(&config, dir.path(), &["resolve", "--force", dash], None).await;
    assert_eq!(resolve.code, 0, "{}", resolve.stderr);
    assert!(resolve.stdout.contains("resolved"), "{}", resolve.stdout);
    assert_eq!(writes(&received(&h).await).len(), 3, "one write each");
}

/// A human holds it but the platform names nobody (a conversation made human with no
/// assignee): `send` and `release` are not refused (it may well be yours: raia never names
/// anyone), `take` is — taking it could take a colleague's customer, and if it is yours you
/// hold it already.
#[tokio::test(flavor = "multi_thread")]
async fn a_holder_nobody_names_is_not_refused() {
    let h = quiet(4).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), true);
    let id = create(
        &h,
        "chatvolt",
        "Uma Unnamed",
        "human",
        json!([{"author": "customer", "text": "hello?"}]),
    )
    .await;
    let key = format!("volt/{id}");
    clear_received(&h).await;
    let take = handoff(&config, dir.path(), &["take", &key], None).await;
    assert_eq!(take.code, 1, "{}", take.stderr);
    assert!(
        take.stderr.contains("a human already holds it") && take.stderr.contains("--force"),
        "{}",
        take.stderr
    );
    assert_eq!(writes(&received(&h).await), Vec::<Value>::new(), "nothing written");
    let shown = handoff(&config, dir.path(), &["show", "--json", &key], None).await;
    let shown: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(shown["conversation"]["status"], "human");
    assert_eq!(shown["conversation"]["held_by"], Value::Null);
    let send = handoff(&config, dir.path(), &["send", &key, "Still here"], None).await;
    assert_eq!(send.code, 0, "{}", send.stderr);
    let release = handoff(&config, dir.path(), &["release", &key], None).await;
    assert_eq!(release.code, 0, "{}", release.stderr);
}

/// `list --json` and `show --json`: `key` is what the other commands take, `held_by_me` says
/// whether it is ours — true for the one just taken, false for a colleague's and the rest.
#[tokio::test(flavor = "multi_thread")]
async fn json_carries_the_key_and_held_by_me() {
    let h = quiet(12).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), true);
    let id = create(
        &h,
        "chatdash",
        "Mo Mine",
        "needs_human",
        json!([{"author": "customer", "text": "a person please"}]),
    )
    .await;
    let list = handoff(&config, dir.path(), &["list", "--account", "dash", "--json"], None).await;
    let rows: Vec<Value> = serde_json::from_str(&list.stdout).unwrap();
    let mine = rows
        .iter()
        .find(|r| r["id"].as_str().is_some_and(|i| i.ends_with(&id)))
        .expect("the new conversation is listed")["key"]
        .as_str()
        .unwrap()
        .to_string();
    let take = handoff(&config, dir.path(), &["take", &mine], None).await;
    assert_eq!(take.code, 0, "{}", take.stderr);

    let list = handoff(&config, dir.path(), &["list", "--json"], None).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    let rows: Vec<Value> = serde_json::from_str(&list.stdout).unwrap();
    assert!(rows.len() > 3, "{rows:?}");
    for r in &rows {
        let key = format!("{}/{}", r["account"].as_str().unwrap(), r["id"].as_str().unwrap());
        assert_eq!(r["key"], key.as_str(), "{r}");
        assert_eq!(r["held_by_me"], r["held_by"] == "me", "{r}");
    }
    let ours: Vec<&Value> = rows
        .iter()
        .filter(|r| r["held_by_me"] == true)
        .map(|r| &r["key"])
        .collect();
    assert_eq!(ours, [&json!(mine)]);
    assert!(
        rows.iter()
            .any(|r| r["held_by"].is_string() && r["held_by_me"] == false)
    );

    for (key, by_me) in [
        (mine.clone(), true),
        (held_by_others(&config, dir.path()).await[0].0.clone(), false),
    ] {
        let shown = handoff(&config, dir.path(), &["show", "--json", &key], None).await;
        assert_eq!(shown.code, 0, "{}", shown.stderr);
        let shown: Value = serde_json::from_str(&shown.stdout).unwrap();
        assert_eq!(shown["conversation"]["key"], key.as_str());
        assert_eq!(shown["conversation"]["held_by_me"], by_me, "{key}");
        // The key as printed is the key `show` was given: it works as an argument again.
        let again = handoff(
            &config,
            dir.path(),
            &["show", shown["conversation"]["key"].as_str().unwrap()],
            None,
        )
        .await;
        assert_eq!(again.code, 0, "{}", again.stderr);
    }
}

/// Who holds it cannot be read (the conversation answers 503): not sent blind, exit 1 saying
/// so; with `--force` it is sent as before.
#[tokio::test(flavor = "multi_thread")]
async fn send_does_not_go_blind_when_the_holder_cannot_be_read() {
    let h = quiet(4).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let id = create(
        &h,
        "raia",
        "Bo Blind",
        "needs_human",
        json!([{"author": "customer", "text": "a person please"}]),
    )
    .await;
    let key = format!("raia/{id}");
    let take = handoff(&config, dir.path(), &["take", &key], None).await;
    assert_eq!(take.code, 0, "{}", take.stderr);
    let conversation = format!("/external/conversations/{id}");
    clear_received(&h).await;
    arm(&h, "GET", &conversation, json!({"status": 503})).await;
    let send = handoff(&config, dir.path(), &["send", &key, "Are you there?"], None).await;
    assert_eq!(send.code, 1, "{}\n{}", send.stdout, send.stderr);
    assert!(
        send.stderr.contains("nothing was done") && send.stderr.contains("pass --force to send anyway"),
        "{}",
        send.stderr
    );
    assert_eq!(writes(&received(&h).await), Vec::<Value>::new());
    arm(&h, "GET", &conversation, json!({"status": 503})).await;
    let send = handoff(&config, dir.path(), &["send", &key, "Are you there?", "--force"], None).await;
    assert_eq!(send.code, 0, "{}", send.stderr);
    assert_eq!(count_on_server(&h, "raia", &id, "Are you there?").await, 1);
}
