//! Hostile text against every output path: one corpus (tests/common/hostile.rs), planted on
//! every platform through the sandbox (customer names, contacts, channels, titles, message
//! texts, assignees, error bodies, ids), then read back through the adapters into the inbox's
//! screen, through the real binary's `list`/`show` in text and JSON, its error messages, and its
//! log file. None of it may carry a terminal control out; every marker must arrive.
//!
//! Adding an output path: get its text (plant the corpus with [`plant`] if it shows
//! conversations), pass it to `assert_clean(label, text)` (or `assert_clean_json`), and check
//! the markers it should show with [`assert_shows`].
#![cfg(feature = "sandbox")]

mod common;

use chrono::{TimeDelta, Utc};
use common::fixtures::account_name;
use common::hostile::{Hostile, assert_clean, assert_clean_json, corpus};
use common::inbox::{self, draw, feed, open, press, screen};
use common::run::{handoff, setup};
use common::*;
use handoff::app::key::KeyCode;
use handoff::app::{Connection, Model, Msg, Op};
use handoff::domain::{ConversationKey, PlatformKind};
use handoff::platform::Platform;
use handoff::sandbox::SandboxHandle;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use std::sync::Arc;

/// A hostile conversation as the adapters list it.
struct Planted {
    kind: PlatformKind,
    key: ConversationKey,
    entry: usize,
}

/// One conversation per corpus string on every platform, the string in every field the
/// control API sets and as the customer's message; on Chatvolt and ChatDash it is also the
/// assignee (through the platforms' own APIs). Returns them with the keys the adapters use.
async fn plant(h: &SandboxHandle) -> Vec<Planted> {
    let corpus = corpus();
    let mut created = Vec::new();
    for kind in PlatformKind::ALL {
        for (entry, hostile) in corpus.iter().enumerate() {
            let v = control(
                h,
                reqwest::Method::POST,
                "conversations",
                Some(json!({
                    "platform": kind.name(),
                    "customer_name": hostile.text,
                    "email": hostile.text,
                    "phone": hostile.text,
                    "title": hostile.text,
                    "channel": hostile.text,
                    "status": "needs_human",
                    "messages": [{"author": "customer", "text": hostile.text}],
                })),
            )
            .await;
            created.push((kind, v["id"].as_str().unwrap().to_string(), entry));
        }
    }
    // Find the adapters' keys (ChatDash's include the agent).
    let mut planted = Vec::new();
    for kind in PlatformKind::ALL {
        let listing = adapter(settings(h, kind)).list_conversations(None).await.unwrap();
        for (k, id, entry) in created.iter().filter(|(k, ..)| *k == kind) {
            let key = listing
                .conversations
                .iter()
                .map(|c| &c.key)
                .find(|key| key.id == *id || key.id.ends_with(&format!(":{id}")))
                .unwrap_or_else(|| panic!("{kind}: {id} is listed"))
                .clone();
            planted.push(Planted {
                kind: *k,
                key,
                entry: *entry,
            });
        }
    }
    let client = common::http_client();
    for p in &planted {
        let text = &corpus[p.entry].text;
        let request = match p.kind {
            PlatformKind::Raia => continue,
            PlatformKind::Chatvolt => client
                .post(format!("{}/conversations/{}/assign", h.chatvolt_base(), p.key.id))
                .bearer_auth(&h.keys().chatvolt)
                .json(&json!({"email": text})),
            PlatformKind::Chatdash => {
                let (agent, id) = p.key.id.split_once(':').unwrap();
                client
                    .put(format!("{}/agents/{agent}/conversations/{id}", h.chatdash_base()))
                    .header("Authorization", &h.keys().chatdash)
                    .json(&json!({"status": "human", "liveAgentName": text}))
            }
        };
        let status = request.send().await.unwrap().status();
        assert!(status.is_success(), "{}: assign: {status}", p.key);
    }
    planted
}

/// Each marker must be somewhere in `out`.
fn assert_shows(label: &str, out: &str, markers: &[&str]) {
    for m in markers {
        assert!(out.contains(m), "{label}: {m:?} did not arrive in:\n{out}");
    }
}

/// A hostile error message in each platform's own error shape, and the marker it must show.
const ERROR_TEXT: &str = "qqerror \x1b]0;pwned\x07\x1b[31mboom\x1b[0m \u{9b}2J\u{9d}2;pwned\u{9c}\u{202e}kcab\u{202c} \x1bP1$qpwned\x1b\\ errorqq";

fn error_body(kind: PlatformKind, status: u16) -> Value {
    match kind {
        PlatformKind::Raia => json!({"status": status, "name": "ERROR", "message": ERROR_TEXT, "details": []}),
        PlatformKind::Chatvolt => json!({"success": false, "error": {"message": ERROR_TEXT, "code": status}}),
        PlatformKind::Chatdash => json!({"error": ERROR_TEXT}),
    }
}

fn messages_path(key: &ConversationKey) -> String {
    let id = key.id.rsplit(':').next().unwrap();
    match &*key.account {
        "raia" => format!("/external/conversations/{id}/messages"),
        "volt" => format!("/conversation/{id}/messages/100"),
        _ => format!("/conversations/{id}/messages"),
    }
}

// ---------------------------------------------------------------------------------------------
// The screen

/// Every cell of the frame, one by one, then the frame as text.
fn assert_clean_screen(label: &str, terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            assert_clean(&format!("{label}: cell ({x},{y})"), buffer[(x, y)].symbol());
        }
    }
    let text = screen(terminal);
    assert_clean(label, &text);
    text
}

async fn synced_inbox(h: &SandboxHandle) -> (Model, Vec<Arc<dyn Platform>>) {
    let platforms = adapters(h);
    let mut model = inbox::model(&platforms);
    inbox::sync(&mut model, &platforms).await;
    (model, platforms)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_screen_shows_the_text_and_nothing_else() {
    let h = quiet(3).await;
    let planted = plant(&h).await;
    let corpus = corpus();
    let (mut model, _) = synced_inbox(&h).await;
    for p in &planted {
        let hostile: &Hostile = &corpus[p.entry];
        open(&mut model, &p.key);
        let label = format!("{} {}", p.key.account, hostile.label);
        // Two panes: the list (names), the thread (title, header, the message).
        let wide = assert_clean_screen(&format!("{label} 200x60"), &draw(&mut model, 200, 60));
        assert_shows(&label, &wide, &[&hostile.head, &hostile.tail]);
        if !hostile.is_long() {
            // The message whole: its start after its label, so twice with the title.
            assert!(wide.matches(hostile.head.as_str()).count() >= 2, "{label}:\n{wide}");
        }
        // One pane, the thread alone; and the list alone.
        let narrow = assert_clean_screen(&format!("{label} 80x24"), &draw(&mut model, 80, 24));
        assert_shows(&label, &narrow, &[&hostile.tail]);
        press(&mut model, KeyCode::Esc);
        assert_clean_screen(&format!("{label} list 80x24"), &draw(&mut model, 80, 24));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn error_bodies_reach_the_screen_as_words_only() {
    let h = quiet(3).await;
    let planted = plant(&h).await;
    let (mut model, platforms) = synced_inbox(&h).await;
    for p in &platforms {
        let kind = p.kind();
        let key = &planted.iter().find(|x| x.kind == kind && x.entry == 0).unwrap().key;
        open(&mut model, key);

        // A thread refresh fails: the error stands above the messages.
        let path = format!("{}{}", kind_prefix(kind), messages_path(key));
        arm(&h, "GET", &path, json!({"status": 502, "body": error_body(kind, 502)})).await;
        let error = p.list_messages(&key.id).await.unwrap_err();
        feed(
            &mut model,
            Msg::ThreadFailed {
                key: key.clone(),
                error: error.to_string(),
            },
        );
        let out = assert_clean_screen(&format!("{kind} thread error"), &draw(&mut model, 200, 60));
        assert_shows(&format!("{kind} thread error"), &out, &["qqerror", "errorqq"]);

        // A listing fails: the account retries (the status bar shows the countdown).
        arm(
            &h,
            "GET",
            list_path(kind),
            json!({"status": 500, "body": error_body(kind, 500)}),
        )
        .await;
        let error = p.list_conversations(None).await.unwrap_err();
        feed(
            &mut model,
            Msg::Connection {
                account: p.account().to_string(),
                state: Connection::Retrying {
                    at: Utc::now() + TimeDelta::seconds(12),
                    error: error.to_string(),
                },
            },
        );
        assert_clean_screen(&format!("{kind} list error"), &draw(&mut model, 200, 60));

        // An operation is refused: the notice says why, in the platform's words. (ChatDash's
        // takeover is off by default: its refusal comes from marking read, also a PUT.)
        let conversation_path = key.id.replace(':', "/conversations/");
        let (method, op_path) = match kind {
            PlatformKind::Raia => ("PUT", "/mode"),
            PlatformKind::Chatvolt => ("POST", "/set-ai-enabled"),
            PlatformKind::Chatdash => ("PUT", conversation_path.as_str()),
        };
        arm(
            &h,
            method,
            op_path,
            json!({"status": 400, "body": error_body(kind, 400)}),
        )
        .await;
        let (op, result) = match kind {
            PlatformKind::Chatdash => (Op::MarkRead, p.mark_read(&key.id).await.map(|()| None)),
            _ => (Op::TakeOver, p.take_over(&key.id).await.map(Some)),
        };
        let error = result.unwrap_err().to_string();
        assert_clean(&format!("{kind} operation error"), &error);
        assert_shows(&format!("{kind} operation error"), &error, &["qqerror"]);
        feed(
            &mut model,
            Msg::Done {
                key: key.clone(),
                op,
                result: Err(error),
            },
        );
        let out = assert_clean_screen(&format!("{kind} notice"), &draw(&mut model, 200, 60));
        assert_shows(&format!("{kind} notice"), &out, &["qqerror"]);
        control(&h, reqwest::Method::DELETE, "faults", None).await;
    }
}

fn kind_prefix(kind: PlatformKind) -> &'static str {
    match kind {
        PlatformKind::Raia => "/raia",
        PlatformKind::Chatvolt => "/chatvolt",
        PlatformKind::Chatdash => "",
    }
}

// ---------------------------------------------------------------------------------------------
// The command line: text, JSON, error messages, the log

#[tokio::test(flavor = "multi_thread")]
async fn list_and_show_in_text_and_json() {
    let h = quiet(3).await;
    let planted = plant(&h).await;
    let corpus = corpus();
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);

    let list = handoff(&config, dir.path(), &["list"], None).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_clean("list", &list.stdout);
    assert_clean("list stderr", &list.stderr);
    for h in &corpus {
        assert!(
            list.stdout.matches(h.head.as_str()).count() >= 3,
            "{} on every platform:\n{}",
            h.head,
            list.stdout
        );
    }
    // One line per conversation: a line break in a name cannot forge a row.
    let rows = list.stdout.lines().skip(1).count();
    assert_eq!(rows, planted.len() + 3, "{}", list.stdout);
    assert!(
        !list.stdout.lines().any(|l| l.starts_with("NEED  Forged")),
        "{}",
        list.stdout
    );

    let json = handoff(&config, dir.path(), &["list", "--json"], None).await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert_clean_json("list --json", &json.stdout);
    let rows: Vec<Value> = serde_json::from_str(&json.stdout).unwrap();
    for h in &corpus {
        let named = rows
            .iter()
            .filter(|r| r["customer_name"].as_str().is_some_and(|n| n.starts_with(&h.head)))
            .collect::<Vec<_>>();
        assert_eq!(named.len(), 3, "{}", h.label);
        for r in named {
            let name = r["customer_name"].as_str().unwrap();
            assert!(name.contains(&h.tail), "{}: {name:?}", h.label);
        }
    }

    for p in &planted {
        let hostile = &corpus[p.entry];
        let target = p.key.to_string();
        let label = format!("show {target} ({})", hostile.label);
        let show = handoff(&config, dir.path(), &["show", &target], None).await;
        assert_eq!(show.code, 0, "{label}: {}", show.stderr);
        assert_clean(&label, &show.stdout);
        assert_shows(&label, &show.stdout, &[&hostile.head, &hostile.tail]);
        // The header is one line: a line break in the name cannot start another.
        let header = show.stdout.lines().next().unwrap_or_default();
        assert_shows(&format!("{label}: header"), header, &[&hostile.head, &hostile.tail]);
        let show = handoff(&config, dir.path(), &["show", "--json", &target], None).await;
        assert_eq!(show.code, 0, "{label}: {}", show.stderr);
        assert_clean_json(&format!("{label} --json"), &show.stdout);
        let v: Value = serde_json::from_str(&show.stdout).unwrap();
        let text = v["messages"][0]["text"].as_str().unwrap();
        assert!(
            text.starts_with(&hostile.head) && text.contains(&hostile.tail),
            "{label}: {text:?}"
        );
    }
    let log = std::fs::read_to_string(dir.path().join("handoff.log")).unwrap();
    assert!(log.contains("request"), "the log has the requests (debug level)");
    assert_clean("log", &log);
}

#[tokio::test(flavor = "multi_thread")]
async fn error_messages_and_the_log_stay_clean() {
    let h = quiet(3).await;
    let planted = plant(&h).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), true);
    for kind in PlatformKind::ALL {
        let account = account_name(kind);
        let key = &planted.iter().find(|p| p.kind == kind && p.entry == 0).unwrap().key;
        let target = key.to_string();
        let mut outputs = Vec::new();

        // The platform's error body, on a listing, a thread and a write.
        arm(
            &h,
            "GET",
            list_path(kind),
            json!({"status": 500, "body": error_body(kind, 500)}),
        )
        .await;
        outputs.push((
            "list",
            handoff(&config, dir.path(), &["list", "--account", account], None).await,
        ));
        let path = format!("{}{}", kind_prefix(kind), messages_path(key));
        arm(&h, "GET", &path, json!({"status": 404, "body": error_body(kind, 404)})).await;
        outputs.push(("show", handoff(&config, dir.path(), &["show", &target], None).await));
        let write = match kind {
            PlatformKind::Raia => ("PUT", "/mode"),
            PlatformKind::Chatvolt => ("POST", "/set-ai-enabled"),
            PlatformKind::Chatdash => ("PUT", ""),
        };
        let write_path = if kind == PlatformKind::Chatdash {
            key.id.rsplit(':').next().unwrap().to_string()
        } else {
            write.1.to_string()
        };
        arm(
            &h,
            write.0,
            &write_path,
            json!({"status": 409, "body": error_body(kind, 409)}),
        )
        .await;
        outputs.push((
            "take",
            handoff(&config, dir.path(), &["take", "--force", &target], None).await,
        ));
        for (what, run) in &outputs {
            let label = format!("{kind} {what} with a hostile error body");
            assert_eq!(run.code, 1, "{label}: {}", run.stderr);
            assert_clean(&label, &run.stderr);
            assert_clean(&label, &run.stdout);
            assert_shows(&label, &run.stderr, &["qqerror", "errorqq"]);
        }

        // A raw 8-bit CSI (byte 0x9B, not UTF-8) in a body; an id carrying an OSC title.
        let mut raw = br#"[{"id":"c1","name":"x"#.to_vec();
        raw.extend([0x9b, b'2', b'J']);
        raw.extend(br#""}]"#);
        let bodies = [
            json!({"status": 200, "raw": raw}),
            json!({"status": 500, "raw": raw}),
            json!({"status": 200, "body": hostile_id_page(kind)}),
        ];
        for body in bodies {
            arm(&h, "GET", list_path(kind), body.clone()).await;
            let run = handoff(&config, dir.path(), &["list", "--account", account], None).await;
            let label = format!("{kind} list with {body}");
            assert_clean(&label, &run.stderr);
            assert_clean(&label, &run.stdout);
            // Lists are read one item at a time: the odd item is skipped (and logged, cleanly:
            // checked below), not the listing. Only raia's page is an object around the list,
            // so a bare array there is still a malformed answer.
            let list_shaped = kind != PlatformKind::Raia || body["body"].is_object();
            if body["status"] == 200 && list_shaped {
                assert_eq!(run.code, 0, "{label}: {}", run.stderr);
                continue;
            }
            assert_eq!(run.code, 1, "{label}: {}", run.stderr);
            if body["body"].is_object() || body["body"].is_array() {
                assert!(
                    run.stderr.contains("malformed response: field `"),
                    "{label}: {}",
                    run.stderr
                );
                assert!(
                    run.stderr.contains("id`: an id with terminal control"),
                    "{label}: {}",
                    run.stderr
                );
            }
        }
        // And the account works right after.
        let run = handoff(&config, dir.path(), &["list", "--account", account], None).await;
        assert_eq!(run.code, 0, "{kind}: {}", run.stderr);
    }
    let log = std::fs::read_to_string(dir.path().join("handoff.log")).unwrap();
    assert_clean("log", &log);
}

/// A listing page whose one conversation has an id with an OSC title in it.
fn hostile_id_page(kind: PlatformKind) -> Value {
    let id = "\u{1b}]0;pwned\u{7}c1\u{1b}[2J";
    let at = "2026-11-22T10:00:00.000Z";
    match kind {
        PlatformKind::Raia => json!({
            "currentPage": 1, "pageSize": 100, "totalItems": 1, "totalPages": 1,
            "hasNextPage": false, "hasPreviousPage": false,
            "data": [{"id": id, "mode": "ai", "createdAt": at, "updatedAt": at}],
        }),
        PlatformKind::Chatvolt => json!([{"id": id, "createdAt": at, "updatedAt": at}]),
        PlatformKind::Chatdash => json!([{"_id": id, "createdAt": at, "updatedAt": at}]),
    }
}

/// Attachment names come only in answers the control API cannot shape: planted with a 200
/// answer on the messages endpoint (raia's `files`, Chatvolt's `attachments`; ChatDash has none).
#[tokio::test(flavor = "multi_thread")]
async fn attachment_names_reach_the_thread_and_show_as_words_only() {
    let h = quiet(3).await;
    let planted = plant(&h).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let name = "qqfile \u{1b}]0;pwned\u{7}invoice\u{202e}fdp.exe\u{202c} \u{9b}2J\u{1b}[31mred fileqq";
    let at = "2026-11-22T10:00:00.000Z";
    let (mut model, _) = synced_inbox(&h).await;
    for kind in [PlatformKind::Raia, PlatformKind::Chatvolt] {
        let key = &planted.iter().find(|p| p.kind == kind && p.entry == 0).unwrap().key;
        let answer = match kind {
            PlatformKind::Raia => json!({"messages": [{
                "id": "m1", "message": "see the file", "senderRole": "conversation_user", "createdAt": at,
                "files": [{"id": "f1", "fileName": name}],
            }]}),
            _ => json!({"messages": [{
                "id": "m1", "text": "see the file", "from": "human", "createdAt": at,
                "attachments": [{"name": name, "url": "https://evil.example/x"}],
            }]}),
        };
        let path = format!("{}{}", kind_prefix(kind), messages_path(key));
        arm(&h, "GET", &path, json!({"status": 200, "body": answer.clone()})).await;
        let show = handoff(&config, dir.path(), &["show", &key.to_string()], None).await;
        assert_eq!(show.code, 0, "{kind}: {}", show.stderr);
        assert_clean(&format!("{kind} show with an attachment"), &show.stdout);
        assert_shows(
            &format!("{kind} show"),
            &show.stdout,
            &["[attachment: qqfile", "fileqq]"],
        );

        arm(&h, "GET", &path, json!({"status": 200, "body": answer})).await;
        let messages = adapter(settings(&h, kind)).list_messages(&key.id).await.unwrap();
        feed(
            &mut model,
            Msg::Thread {
                key: key.clone(),
                messages,
            },
        );
        open(&mut model, key);
        let out = assert_clean_screen(&format!("{kind} attachment"), &draw(&mut model, 200, 60));
        assert_shows(&format!("{kind} attachment"), &out, &["[attachment: qqfile", "fileqq]"]);
    }
}
