//! The real binary against the sandbox: the headless commands as a script would use them, the
//! requests they produce, and what must never come out of them (keys; escape sequences are
//! tests/hostile.rs's, for every output path).
#![cfg(feature = "sandbox")]

mod common;

use common::run::{handoff, setup};
use common::*;
use handoff::sandbox::{SandboxHandle, SandboxKeys, SandboxOptions};
use serde_json::{Value, json};

async fn secret_world() -> SandboxHandle {
    let keys = SandboxKeys {
        raia: "raia-SECRET-7f3a9c".into(),
        chatvolt: "volt-SECRET-2b8e41".into(),
        chatdash: "CD.dash-SECRET-95d0e7".into(),
    };
    handoff::sandbox::start(SandboxOptions {
        speed: 0.0,
        conversations: 12,
        keys,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn only(log: &[Value], method: &str, part: &str) -> Vec<Value> {
    log.iter()
        .filter(|r| r["method"] == method && r["path"].as_str().is_some_and(|p| p.contains(part)))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn raia_take_send_release_produce_exactly_the_documented_requests() {
    let h = quiet(6).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let id = create(
        &h,
        "raia",
        "Ann Lee",
        "needs_human",
        json!([{"author": "customer", "text": "A person please"}]),
    )
    .await;
    let target = format!("raia/{id}");
    clear_received(&h).await;

    let take = handoff(&config, dir.path(), &["take", &target], None).await;
    assert_eq!(take.code, 0, "{}", take.stderr);
    let send = handoff(&config, dir.path(), &["send", &target, "Hi Ann, Dana here."], None).await;
    assert_eq!(send.code, 0, "{}", send.stderr);
    let release = handoff(&config, dir.path(), &["release", &target], None).await;
    assert_eq!(release.code, 0, "{}", release.stderr);

    let log = received(&h).await;
    let writes: Vec<(String, String, Value)> = log
        .iter()
        .filter(|r| r["method"] != "GET")
        .map(|r| {
            assert_eq!(
                r["headers"]["agent-secret-key"], "[redacted]",
                "sent with the raia key header"
            );
            (
                r["method"].as_str().unwrap().into(),
                r["path"].as_str().unwrap().into(),
                r["body"].clone(),
            )
        })
        .collect();
    let base = format!("/raia/external/conversations/{id}");
    assert_eq!(
        writes[0],
        ("PUT".into(), format!("{base}/mode"), json!({"mode": "manual"}))
    );
    // (a takeover also moves the conversation out of "Needs human": a PUT of the state)
    let rest: Vec<_> = writes.iter().filter(|w| w.1 != base).cloned().collect();
    assert_eq!(
        rest,
        vec![
            ("PUT".into(), format!("{base}/mode"), json!({"mode": "manual"})),
            (
                "POST".into(),
                format!("{base}/send-manual-message"),
                json!({"message": "Hi Ann, Dana here."})
            ),
            ("PUT".into(), format!("{base}/mode"), json!({"mode": "ai"})),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn chatvolt_and_chatdash_equivalents() {
    let h = quiet(12).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), true);

    let volt_id = create(
        &h,
        "chatvolt",
        "Ben",
        "needs_human",
        json!([{"author": "customer", "text": "help"}]),
    )
    .await;
    let volt = format!("volt/{volt_id}");
    clear_received(&h).await;
    for args in [vec!["take", &volt], vec!["send", &volt, "-"], vec!["release", &volt]] {
        let run = handoff(&config, dir.path(), &args, Some("From stdin\n")).await;
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    let log = received(&h).await;
    assert_eq!(
        only(&log, "POST", "/set-ai-enabled")
            .iter()
            .map(|r| r["body"].clone())
            .collect::<Vec<_>>(),
        vec![json!({"enabled": false}), json!({"enabled": true})]
    );
    let sent = only(&log, "POST", &format!("/conversation/message/conversationId/{volt_id}"));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["body"], json!({"message": "From stdin"}));
    assert_eq!(sent[0]["headers"]["authorization"], "[redacted]");

    let list = handoff(&config, dir.path(), &["list", "--account", "dash", "--json"], None).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    let rows: Vec<Value> = serde_json::from_str(&list.stdout).unwrap();
    let dash = format!("dash/{}", rows[0]["id"].as_str().unwrap());
    clear_received(&h).await;
    for args in [
        vec!["take", &dash],
        vec!["send", &dash, "A person here"],
        vec!["release", &dash],
    ] {
        let run = handoff(&config, dir.path(), &args, None).await;
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    let log = received(&h).await;
    let puts = only(&log, "PUT", "/conversations/");
    assert_eq!(puts.first().unwrap()["body"]["status"], "human");
    assert_eq!(puts.last().unwrap()["body"], json!({"status": "ai"}));
    assert_eq!(
        only(&log, "POST", "/messages")[0]["body"],
        json!({"messages": [{"sender": "agent", "type": "text", "content": {"text": "A person here"}}]})
    );
}

/// raia refuses a manual message on a voice call (`aiCallId` set): `send` says why, exits 1, and
/// sends nothing.
#[tokio::test(flavor = "multi_thread")]
async fn send_refuses_a_voice_call_and_sends_nothing() {
    let h = quiet(4).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let created = control(
        &h,
        reqwest::Method::POST,
        "conversations",
        Some(
            json!({"platform": "raia", "customer_name": "Ann Lee", "status": "human", "channel": "voice",
                    "messages": [{"author": "customer", "text": "(call transcript)"}]}),
        ),
    )
    .await;
    let target = format!("raia/{}", created["id"].as_str().unwrap());
    clear_received(&h).await;
    let send = handoff(&config, dir.path(), &["send", &target, "Hello Ann"], None).await;
    assert_eq!(send.code, 1, "{}\n{}", send.stdout, send.stderr);
    assert!(
        send.stderr.contains("not sent") && send.stderr.contains("a voice call"),
        "{}",
        send.stderr
    );
    let log = received(&h).await;
    assert!(only(&log, "POST", "/send-manual-message").is_empty(), "{log:?}");
}

/// `show --json` carries each message's attachments (name and reference, sanitised like any
/// text the server sends), and a conversation's reason to take no reply.
#[tokio::test(flavor = "multi_thread")]
async fn show_json_has_the_attachments() {
    let h = quiet(4).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let id = create(&h, "raia", "Ann Lee", "ai", json!([])).await;
    let messages = json!({"messages": [
        {"id": "m1", "message": "my receipt", "conversationId": id, "senderRole": "conversation_user",
         "conversationMessageId": "m1", "source": "live_chat", "createdAt": "2026-11-20T10:00:00.000Z",
         "isAnonymized": false,
         "files": [{"id": "f1", "fileName": "\u{1b}[2Jreceipt\u{202e}.pdf", "openAIFileId": "x",
                    "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:00:00.000Z"}]},
        {"id": "m2", "message": "thanks", "conversationId": id, "senderRole": "assistant",
         "conversationMessageId": "m1", "source": "live_chat", "createdAt": "2026-11-20T10:01:00.000Z",
         "isAnonymized": false},
    ]});
    arm(
        &h,
        "GET",
        &format!("/conversations/{id}/messages"),
        json!({"status": 200, "body": messages}),
    )
    .await;
    let shown = handoff(&config, dir.path(), &["show", "--json", &format!("raia/{id}")], None).await;
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let shown: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(
        shown["messages"][0]["attachments"],
        json!([{"name": "receipt.pdf", "reference": "f1"}])
    );
    assert_eq!(shown["messages"][1]["attachments"], json!([]));
    assert_eq!(shown["conversation"]["no_reply"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_never_appear_in_output_errors_or_logs() {
    let h = secret_world().await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), true);
    let id = create(
        &h,
        "raia",
        "Kim",
        "needs_human",
        json!([{"author": "customer", "text": "hi"}]),
    )
    .await;
    let target = format!("raia/{id}");
    let mut everything = String::new();
    let runs: Vec<Vec<&str>> = vec![
        vec!["doctor"],
        vec!["list"],
        vec!["list", "--json"],
        vec!["show", &target],
        vec!["send", &target, "refused outside manual mode"],
        vec!["take", &target],
        vec!["send", &target, "hello"],
        vec!["release", &target],
        vec!["show", "raia/does-not-exist"],
    ];
    for args in &runs {
        let run = handoff(&config, dir.path(), args, None).await;
        everything.push_str(&run.stdout);
        everything.push_str(&run.stderr);
    }
    // Now with a wrong key everywhere: the errors must not echo what was sent.
    let wrong = dir.path().join("raia.key");
    std::fs::write(&wrong, "raia-SECRET-wrong-0000").unwrap();
    let run = handoff(&config, dir.path(), &["list"], None).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("key rejected by raia"), "{}", run.stderr);
    everything.push_str(&run.stdout);
    everything.push_str(&run.stderr);
    let doctor = handoff(&config, dir.path(), &["doctor"], None).await;
    assert!(doctor.stdout.contains("KEY REJECTED"), "{}", doctor.stdout);
    everything.push_str(&doctor.stdout);

    let log = std::fs::read_to_string(dir.path().join("handoff.log")).unwrap();
    assert!(log.contains("request"), "the log has the requests (debug level): {log}");
    everything.push_str(&log);
    for key in [
        "raia-SECRET-7f3a9c",
        "volt-SECRET-2b8e41",
        "CD.dash-SECRET-95d0e7",
        "raia-SECRET-wrong-0000",
        "SECRET",
    ] {
        assert!(!everything.contains(key), "{key} leaked:\n{everything}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_config_and_usage_exit_2_with_a_located_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[accounts]]\nname = \"x\"\nplatform = \"slack\"\napi_key_env = \"K\"\n",
    )
    .unwrap();
    let run = handoff(&config, dir.path(), &["list"], None).await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains(&format!("{}:3:12: unknown platform `slack`", config.display())),
        "{}",
        run.stderr
    );

    std::fs::write(
        &config,
        "[[accounts]]\nname = \"x\"\nplatform = \"raia\"\napi_key_env = \"HANDOFF_TEST_UNSET_KEY\"\n",
    )
    .unwrap();
    let run = handoff(&config, dir.path(), &["list"], None).await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("4:15: account `x`: environment variable HANDOFF_TEST_UNSET_KEY is not set"),
        "{}",
        run.stderr
    );

    let run = handoff(&config, dir.path(), &["show", "no-slash"], None).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is not ACCOUNT/ID"), "{}", run.stderr);

    let run = handoff(&dir.path().join("missing.toml"), dir.path(), &["list"], None).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no config file at"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_command_serves_and_prints_a_working_config() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["sandbox", "--port", "0", "--speed", "0", "--raia-key", "cli-raia-key"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("Press Ctrl+C") {
            break;
        }
    }
    assert!(
        printed.contains("cli-raia-key"),
        "it prints the keys it accepts:\n{printed}"
    );
    let url = printed
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .expect("it prints its address")
        .trim_end_matches('/')
        .to_string();
    let base = url.trim_end_matches("/raia");
    let answer = common::http_client()
        .get(format!("{base}/raia/external/conversations"))
        .header("Agent-Secret-Key", "cli-raia-key")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let log: Vec<Value> = reqwest::get(format!("{base}/_sandbox/received"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["headers"]["agent-secret-key"], "[redacted]");
    child.kill().await.unwrap();
}

/// `handoff reopen`: a resolved conversation open again on the platform; `take` on a resolved
/// one never says "taken over" while it stays resolved; and a colleague's conversation is not
/// touched without `--force`, as with take, release and resolve.
#[tokio::test(flavor = "multi_thread")]
async fn reopen_opens_a_resolved_conversation_and_keeps_the_holder_rules() {
    let h = quiet(12).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), true);
    let id = create(
        &h,
        "raia",
        "Rae Reopen",
        "resolved",
        json!([{"author": "customer", "text": "one more thing"}]),
    )
    .await;
    let target = format!("raia/{id}");
    let path = format!("conversations/raia/{id}");
    let handling = async |h: &SandboxHandle| {
        let view = control(h, reqwest::Method::GET, &path, None).await;
        view["handling"].as_str().unwrap().to_string()
    };

    let take = handoff(&config, dir.path(), &["take", &target], None).await;
    assert_eq!(take.code, 1, "{}\n{}", take.stdout, take.stderr);
    assert!(
        take.stderr.contains("it is resolved — nothing was done") && take.stderr.contains("handoff reopen"),
        "{}",
        take.stderr
    );
    assert!(!take.stdout.contains("taken over"), "{}", take.stdout);
    assert_eq!(handling(&h).await, "resolved", "nothing written");

    let reopen = handoff(&config, dir.path(), &["reopen", &target], None).await;
    assert_eq!(reopen.code, 0, "{}", reopen.stderr);
    assert!(
        reopen.stdout.contains(&format!("{target}: reopened — now")),
        "{}",
        reopen.stdout
    );
    assert_ne!(handling(&h).await, "resolved");
    let take = handoff(&config, dir.path(), &["take", &target], None).await;
    assert_eq!(take.code, 0, "{}", take.stderr);
    assert_eq!(handling(&h).await, "human");

    // A colleague's (the generated world has one on Chatvolt, held by Sam Lee).
    let list = handoff(&config, dir.path(), &["list", "--status", "human", "--json"], None).await;
    let rows: Vec<Value> = serde_json::from_str(&list.stdout).unwrap();
    let theirs = rows
        .iter()
        .find(|r| r["account"] == "volt" && r["held_by"].is_string() && r["held_by"] != "me")
        .expect("a colleague's conversation");
    let key = theirs["key"].as_str().unwrap();
    clear_received(&h).await;
    let refused = handoff(&config, dir.path(), &["reopen", key], None).await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(&format!("{key} is held by")) && refused.stderr.contains("--force to reopen it"),
        "{}",
        refused.stderr
    );
    let log = received(&h).await;
    assert!(log.iter().all(|r| r["method"] == "GET"), "nothing written: {log:?}");
}

/// `handoff assign` and `handoff priority` on Chatvolt: the documented requests, read back; a
/// lost answer that was applied is settled by reading it back (exit 0); raia says why not
/// (exit 1, nothing written); a bad priority or email is a usage error (exit 2).
#[tokio::test(flavor = "multi_thread")]
async fn assign_and_priority_from_the_command_line() {
    let h = quiet(6).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let id = create(
        &h,
        "chatvolt",
        "Cleo",
        "ai",
        json!([{"author": "customer", "text": "hi"}]),
    )
    .await;
    let volt = format!("volt/{id}");
    clear_received(&h).await;

    let mine = handoff(&config, dir.path(), &["assign", &volt], None).await;
    assert_eq!(mine.code, 0, "{}", mine.stderr);
    assert!(mine.stdout.contains("assigned to dana@example.com"), "{}", mine.stdout);
    let high = handoff(&config, dir.path(), &["priority", &volt, "high"], None).await;
    assert_eq!(high.code, 0, "{}", high.stderr);
    assert!(high.stdout.contains("priority set to high"), "{}", high.stdout);
    let log = received(&h).await;
    assert_eq!(
        only(&log, "POST", "/assign")[0]["body"],
        json!({"email": "dana@example.com"})
    );
    assert_eq!(
        only(&log, "POST", "/set-priority")[0]["body"],
        json!({"priority": "HIGH"})
    );
    let state = control(&h, reqwest::Method::GET, &format!("conversations/chatvolt/{id}"), None).await;
    assert_eq!(state["conversation"]["priority"], "HIGH");

    // Applied, then the connection dropped: the conversation read back says it was done.
    arm(
        &h,
        "POST",
        &format!("/conversations/{id}/assign"),
        json!({"drop": "after"}),
    )
    .await;
    let lost = handoff(&config, dir.path(), &["assign", &volt, "sam@example.com"], None).await;
    assert_eq!(lost.code, 0, "{}", lost.stderr);
    let state = control(&h, reqwest::Method::GET, &format!("conversations/chatvolt/{id}"), None).await;
    assert_eq!(state["conversation"]["assignees"][0]["email"], "sam@example.com");

    let raia = create(&h, "raia", "Rae", "ai", json!([{"author": "customer", "text": "hi"}])).await;
    clear_received(&h).await;
    let refused = handoff(&config, dir.path(), &["priority", &format!("raia/{raia}"), "low"], None).await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("raia's API has no priority"),
        "{}",
        refused.stderr
    );
    let refused = handoff(
        &config,
        dir.path(),
        &["assign", &format!("raia/{raia}"), "sam@example.com"],
        None,
    )
    .await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("no assignment"), "{}", refused.stderr);
    assert!(
        received(&h).await.iter().all(|r| r["method"] == "GET"),
        "nothing written"
    );

    let bad = handoff(&config, dir.path(), &["priority", &volt, "urgent"], None).await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let bad = handoff(&config, dir.path(), &["assign", &volt, "not an email"], None).await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("not an email"), "{}", bad.stderr);
}
