//! The HTTP layer and the adapters against a server that misbehaves on purpose, through the
//! real binary: escapes in a malformed answer's field names, redirects, lone surrogates, a
//! `Retry-After` of days, and paging that never ends (issue 8: 1, 2, 12, 13, 14).
#![cfg(feature = "sandbox")]

mod common;

use common::run::{handoff, setup};
use common::term::{Term, config, runtime};
use common::*;
use handoff::sandbox::SandboxHandle;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

/// A JSON object key made of terminal controls: window title, clipboard write, and a request
/// that makes the terminal type an answer.
const HOSTILE_KEY: &str = r"\u001b]0;PWNED\u0007\u001b]52;c;UFdORUQ=\u0007\u001b[6n";

/// A raw fault body: these bytes exactly, as the server's answer.
fn raw(status: u16, body: &str) -> Value {
    json!({"status": status, "raw": body.as_bytes()})
}

/// What a test sees of the sandbox's API, authenticated as the binary would be.
async fn api_get(h: &SandboxHandle, platform: &str, path: &str) -> String {
    let keys = h.keys();
    let client = common::http_client();
    let req = match platform {
        "raia" => client
            .get(format!("{}{path}", h.raia_base()))
            .header("agent-secret-key", &keys.raia),
        "chatvolt" => client
            .get(format!("{}{path}", h.chatvolt_base()))
            .bearer_auth(&keys.chatvolt),
        _ => client
            .get(format!("{}{path}", h.chatdash_base()))
            .header("authorization", &keys.chatdash),
    };
    let resp = req.send().await.unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.text().await.unwrap()
}

/// No ESC, BEL or C1 control, as bytes or as characters.
fn assert_no_controls(label: &str, text: &str) {
    let bad = text
        .chars()
        .find(|c| matches!(c, '\x1b' | '\x07' | '\u{80}'..='\u{9f}'));
    assert!(bad.is_none(), "{label}: {bad:?} in {text:?}");
    assert!(!text.contains("PWNED"), "{label}: the title payload leaked: {text:?}");
}

fn requests_to(log: &[Value], method: &str, path: &str) -> usize {
    log.iter()
        .filter(|r| r["method"] == method && r["path"] == path)
        .count()
}

// ---------------------------------------------------------------------------------------------
// 1. Escapes through error text

#[tokio::test(flavor = "multi_thread")]
async fn escapes_in_a_malformed_answers_field_names_reach_no_output() {
    let h = quiet(3).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(&h, dir.path(), false);
    let id = create(&h, "raia", "Ann Lee", "ai", json!([])).await;
    // A syntax error inside the value of the hostile key: the decoder's path names the key.
    let conversation = format!(
        r#"{{"id":"{id}","createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z","{HOSTILE_KEY}":[1,]}}"#
    );
    let page = format!(r#"{{"data":[{conversation}],"hasNextPage":false}}"#);
    let target = format!("raia/{id}");

    arm(&h, "GET", "/raia/external/conversations", raw(200, &page)).await;
    let list = handoff(&cfg, dir.path(), &["list", "--account", "raia"], None).await;
    arm(
        &h,
        "GET",
        &format!("/external/conversations/{id}"),
        raw(200, &conversation),
    )
    .await;
    let show = handoff(&cfg, dir.path(), &["show", &target], None).await;
    arm(
        &h,
        "GET",
        &format!("/external/conversations/{id}"),
        raw(200, &conversation),
    )
    .await;
    let take = handoff(&cfg, dir.path(), &["take", &target], None).await;

    for (label, run) in [("list", &list), ("show", &show), ("take", &take)] {
        assert_ne!(run.code, 0, "{label} fails on the malformed answer: {}", run.stdout);
        assert!(
            run.stderr.contains("malformed response: field `data[0].?`")
                || run.stderr.contains("malformed response: field `?`"),
            "{label} names the field: {}",
            run.stderr
        );
        assert_no_controls(label, &run.stderr);
        assert_no_controls(label, &run.stdout);
    }
    let log = std::fs::read_to_string(dir.path().join("handoff.log")).unwrap();
    assert_no_controls("handoff.log", &log);
}

#[test]
fn escapes_in_a_field_name_reach_neither_the_inbox_nor_its_log() {
    let rt = runtime();
    let h = rt.block_on(quiet(3));
    let page = format!(
        r#"{{"data":[{{"id":"x","createdAt":"2026-11-20T10:00:00Z","updatedAt":"2026-11-20T10:00:00Z","{HOSTILE_KEY}":[1,]}}],"hasNextPage":false}}"#
    );
    let fault = json!({"method": "GET", "path": "/raia/external/conversations", "action": raw(200, &page), "times": 5});
    rt.block_on(control(&h, reqwest::Method::POST, "faults", Some(fault)));
    let dir = common::term::dir_with_config(&config(&h, ""));
    let mut t = Term::start_with_env(dir.clone(), 120, 40, &[("HANDOFF_LOG", std::path::Path::new("debug"))]);
    t.wait_for("raia ⟳", WAIT);
    t.keys("q");
    let deadline = Instant::now() + WAIT;
    while t.running() {
        assert!(Instant::now() < deadline, "the program did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
    let written = String::from_utf8_lossy(&t.bytes.lock().unwrap()).into_owned();
    assert!(
        !written.contains("PWNED") && !written.contains("UFdORUQ="),
        "a payload reached the terminal"
    );
    assert!(
        !written.contains("\x1b[6n"),
        "a cursor-position request reached the terminal"
    );
    let log = std::fs::read_to_string(dir.path().join("handoff.log")).unwrap();
    assert_no_controls("handoff.log", &log);
    assert!(
        log.contains("malformed response: field `data[0].?`"),
        "the failure is logged:\n{log}"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Redirects

/// A loopback listener that records every byte sent to it (and answers nothing).
struct Trap {
    port: u16,
    bytes: Arc<Mutex<Vec<u8>>>,
}

async fn trap() -> Trap {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let seen = bytes.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = seen.clone();
            // Something arrived: that alone is the failure, even before a byte.
            seen.lock().unwrap().extend_from_slice(b"<connect>");
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    seen.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    Trap { port, bytes }
}

fn redirect(status: u16, port: u16) -> Value {
    json!({"status": status, "headers": {"Location": format!("http://127.0.0.1:{port}/x")}})
}

#[tokio::test(flavor = "multi_thread")]
async fn no_redirect_is_followed_and_the_error_says_why() {
    let h = quiet(3).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(&h, dir.path(), true);
    let trap = trap().await;
    let raia = create(&h, "raia", "Rae", "human", json!([])).await;
    let volt = create(&h, "chatvolt", "Val", "human", json!([])).await;
    let dash = create(&h, "chatdash", "Dot", "human", json!([])).await;
    let agent = &h.chatdash_agents()[0];
    let cases = [
        (
            "raia",
            "/raia/external/conversations".to_string(),
            format!("/external/conversations/{raia}/send-manual-message"),
            format!("raia/{raia}"),
        ),
        (
            "volt",
            "/chatvolt/conversation".to_string(),
            format!("/conversation/message/conversationId/{volt}"),
            format!("volt/{volt}"),
        ),
        (
            "dash",
            format!("/agents/{agent}/conversations"),
            format!("/agents/{agent}/conversations/{dash}/messages"),
            format!("dash/{agent}:{dash}"),
        ),
    ];
    for (account, list_path, send_path, target) in cases {
        arm(&h, "GET", &list_path, redirect(302, trap.port)).await;
        let list = handoff(&cfg, dir.path(), &["list", "--account", account], None).await;
        assert_ne!(list.code, 0, "{account}: {}", list.stdout);
        let words = format!(
            "the server redirected to 127.0.0.1:{} (HTTP 302) — not followed",
            trap.port
        );
        assert!(list.stderr.contains(&words), "{account} list: {}", list.stderr);
        assert!(
            list.stderr.contains("check base_url"),
            "{account} list: {}",
            list.stderr
        );

        let platform = if account == "volt" {
            "chatvolt"
        } else if account == "dash" {
            "chatdash"
        } else {
            "raia"
        };
        let id = target.rsplit([':', '/']).next().unwrap().to_string();
        let before = control(
            &h,
            reqwest::Method::GET,
            &format!("conversations/{platform}/{id}"),
            None,
        )
        .await;
        arm(&h, "POST", &send_path, redirect(307, trap.port)).await;
        let send = handoff(&cfg, dir.path(), &["send", &target, "Hello from Dana"], None).await;
        assert_eq!(
            send.code, 1,
            "{account} send fails definitely: {}{}",
            send.stdout, send.stderr
        );
        assert!(
            send.stderr.contains("(HTTP 307) — not followed"),
            "{account} send: {}",
            send.stderr
        );
        let after = control(
            &h,
            reqwest::Method::GET,
            &format!("conversations/{platform}/{id}"),
            None,
        )
        .await;
        assert_eq!(
            before["messages"], after["messages"],
            "{account}: the reply was not stored"
        );
    }
    let arrived = trap.bytes.lock().unwrap().clone();
    assert!(
        arrived.is_empty(),
        "the redirect target received: {}",
        String::from_utf8_lossy(&arrived)
    );
}

// ---------------------------------------------------------------------------------------------
// 12. Lone surrogates

#[tokio::test(flavor = "multi_thread")]
async fn a_lone_surrogate_in_a_name_or_message_becomes_a_replacement_character() {
    let h = quiet(0).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(&h, dir.path(), false);
    let lone = |json: String| json.replace("LONE", r"\ud83d");
    for (platform, account) in [("raia", "raia"), ("chatvolt", "volt")] {
        let id = create(
            &h,
            platform,
            "Smith LONE",
            "ai",
            json!([{"author": "customer", "text": "Smith LONE"}]),
        )
        .await;
        let (list_path, one_path, messages_path) = if platform == "raia" {
            (
                "/external/conversations?page=1&pageSize=100".to_string(),
                format!("/external/conversations/{id}"),
                format!("/external/conversations/{id}/messages"),
            )
        } else {
            (
                "/conversation?limit=100".to_string(),
                format!("/conversation/{id}"),
                format!("/conversation/{id}/messages/100"),
            )
        };
        let list_body = lone(api_get(&h, platform, &list_path).await);
        let one_body = lone(api_get(&h, platform, &one_path).await);
        let messages_body = lone(api_get(&h, platform, &messages_path).await);
        assert!(
            list_body.contains(r"Smith \ud83d") || list_body.contains(r#"\ud83d""#),
            "{list_body}"
        );

        let list_suffix = list_path.split('?').next().unwrap();
        arm(&h, "GET", list_suffix, raw(200, &list_body)).await;
        let list = handoff(&cfg, dir.path(), &["list", "--account", account], None).await;
        assert_eq!(list.code, 0, "{platform} list: {}", list.stderr);
        assert!(
            list.stdout.contains("Smith \u{fffd}"),
            "{platform} list:\n{}",
            list.stdout
        );

        arm(&h, "GET", &one_path, raw(200, &one_body)).await;
        arm(&h, "GET", &messages_path, raw(200, &messages_body)).await;
        let show = handoff(&cfg, dir.path(), &["show", &format!("{account}/{id}")], None).await;
        assert_eq!(show.code, 0, "{platform} show: {}", show.stderr);
        let shown = show.stdout.matches("Smith \u{fffd}").count();
        assert!(
            shown >= 2,
            "{platform} show has the name and the message:\n{}",
            show.stdout
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 13. Retry-After

/// The seconds the status bar shows for `account` (`raia ⟳ 299s`).
fn retry_secs(screen: &str, account: &str) -> Option<u64> {
    let at = screen.find(&format!("{account} ⟳ "))? + account.len() + " ⟳ ".len();
    let digits: String = screen[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[test]
fn a_retry_after_of_days_waits_minutes_and_refresh_asks_now() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(arm(
        &h,
        "GET",
        "/raia/external/conversations",
        json!({"status": 429, "retry_after": 999_999}),
    ));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    let screen = t.wait_until("raia retrying", WAIT, |s| retry_secs(s, "raia").is_some());
    let secs = retry_secs(&screen, "raia").unwrap();
    assert!(secs <= 300, "the wait is capped at 5 minutes, not {secs}s:\n{screen}");
    t.wait_for("volt ✓", WAIT);
    rt.block_on(clear_received(&h));
    t.keys("R");
    let deadline = Instant::now() + WAIT;
    loop {
        let log = rt.block_on(received(&h));
        if requests_to(&log, "GET", "/raia/external/conversations") > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "R made no raia list request: {log:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    t.wait_for("raia ✓", WAIT);
    t.keys("q");
}

// ---------------------------------------------------------------------------------------------
// 14. Paging that never ends

fn ids_in(stdout: &str) -> Vec<String> {
    let rows: Vec<Value> = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    rows.iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn assert_each_once(label: &str, ids: &[String], want: usize) {
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), want, "{label}: {ids:?}");
    assert_eq!(ids.len(), want, "{label}: each conversation once");
}

#[tokio::test(flavor = "multi_thread")]
async fn chatvolt_ignoring_the_cursor_stops_after_the_repeat() {
    let h = quiet(0).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(&h, dir.path(), false);
    // A full page (100) that the server answers whatever the cursor says.
    let page: Vec<Value> = (0..100)
        .map(|i| {
            json!({"id": format!("cv{i:03}"), "title": format!("Guest {i}"), "status": "UNRESOLVED", "isAiEnabled": true,
                   "createdAt": format!("2026-11-20T10:{:02}:{:02}.000Z", 59 - i / 60, 59 - i % 60),
                   "updatedAt": "2026-11-20T11:00:00.000Z"})
        })
        .collect();
    let body = serde_json::to_string(&page).unwrap();
    control(
        &h,
        reqwest::Method::POST,
        "faults",
        Some(json!({"method": "GET", "path": "/chatvolt/conversation", "action": raw(200, &body), "times": 300})),
    )
    .await;
    let list = handoff(&cfg, dir.path(), &["list", "--json", "--account", "volt"], None).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_each_once("volt", &ids_in(&list.stdout), 100);
    assert!(
        list.stderr
            .contains("handoff: volt: warning: the server repeated page 2"),
        "{}",
        list.stderr
    );
    assert!(list.stderr.contains("the list may be incomplete"), "{}", list.stderr);
    let asked = requests_to(&received(&h).await, "GET", "/chatvolt/conversation");
    assert!(asked <= 3, "{asked} list requests");
}

#[tokio::test(flavor = "multi_thread")]
async fn raia_has_next_page_always_true_stops_when_a_page_adds_nothing() {
    let h = quiet(0).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(&h, dir.path(), false);
    let conversation = |id: &str| {
        json!({"id": id, "mode": "ai", "user": {"firstName": "Pat", "lastName": id},
               "createdAt": "2026-11-20T10:00:00.000Z", "updatedAt": "2026-11-20T10:00:00.000Z"})
    };
    let body = json!({"data": [conversation("r1"), conversation("r2")], "hasNextPage": true}).to_string();
    control(
        &h,
        reqwest::Method::POST,
        "faults",
        Some(
            json!({"method": "GET", "path": "/raia/external/conversations", "action": raw(200, &body), "times": 2000}),
        ),
    )
    .await;
    let list = handoff(&cfg, dir.path(), &["list", "--json", "--account", "raia"], None).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_each_once("raia", &ids_in(&list.stdout), 2);
    assert!(
        list.stderr
            .contains("handoff: raia: warning: the server repeated page 2"),
        "{}",
        list.stderr
    );
    let asked = requests_to(&received(&h).await, "GET", "/raia/external/conversations");
    assert!(asked <= 3, "{asked} list requests");
}

#[tokio::test(flavor = "multi_thread")]
async fn chatdash_listing_a_conversation_twice_shows_it_once() {
    let h = quiet(0).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = setup(&h, dir.path(), false);
    let agent = h.chatdash_agents()[0].clone();
    let one = json!({"_id": "d1", "name": "Dee", "status": "ai", "createdAt": "2026-11-20T10:00:00.000Z",
                     "updatedAt": "2026-11-20T10:00:00.000Z"});
    let body = json!([one, one]).to_string();
    arm(&h, "GET", &format!("/agents/{agent}/conversations"), raw(200, &body)).await;
    let list = handoff(&cfg, dir.path(), &["list", "--json", "--account", "dash"], None).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_each_once("dash", &ids_in(&list.stdout), 1);
    assert!(list.stderr.contains("handoff: dash: warning:"), "{}", list.stderr);
}
