//! The real binary in a pseudo-terminal against the sandbox, read back through a terminal
//! emulator (vt100), driven as an operator would.
#![cfg(feature = "sandbox")]

mod common;

use common::term::{Term, config, dir_with_config, editor_script, outbox_states, runtime, wait_exit};
use common::*;
use handoff::sandbox::SandboxHandle;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn an_operator_takes_over_replies_and_hands_back() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let id = rt.block_on(create(
        &h,
        "raia",
        "Wanda Waiting",
        "needs_human",
        json!([{"author": "customer", "text": "Can I talk to a person?"}]),
    ));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    t.wait_for("Wanda Waiting", WAIT);
    rt.block_on(clear_received(&h));
    // Find her as an operator would: filter the list, open the conversation.
    t.keys("/Wanda\r");
    t.wait_for("filter: \"Wanda\"", WAIT);
    t.keys("\r");
    t.wait_for("Can I talk to a person?", WAIT);
    t.keys("t");
    t.wait_for("taken over", WAIT);
    t.keys("i");
    t.keys("Hi Wanda, Dana here.");
    t.keys("\r");
    t.wait_for("sent to Wanda Waiting", WAIT);
    let screen = t.wait_for("Hi Wanda, Dana here.", WAIT);
    assert!(!screen.contains("sending…"), "the message shows as sent:\n{screen}");
    t.keys("\x1b"); // leave the compose box
    t.keys("a");
    t.wait_for("handed back to the AI", WAIT);

    let log = rt.block_on(received(&h));
    let writes: Vec<(String, String, Value)> = log
        .iter()
        .filter(|r| r["method"] != "GET")
        .map(|r| {
            (
                r["method"].as_str().unwrap().into(),
                r["path"].as_str().unwrap().into(),
                r["body"].clone(),
            )
        })
        .collect();
    let base = format!("/raia/external/conversations/{id}");
    let flow: Vec<_> = writes.iter().filter(|w| w.1 != base).cloned().collect();
    assert_eq!(
        flow,
        vec![
            ("PUT".into(), format!("{base}/mode"), json!({"mode": "manual"})),
            (
                "POST".into(),
                format!("{base}/send-manual-message"),
                json!({"message": "Hi Wanda, Dana here."})
            ),
            ("PUT".into(), format!("{base}/mode"), json!({"mode": "ai"})),
        ]
    );
    t.keys("q");
}

#[test]
fn nothing_happening_draws_nothing() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let t = Term::start(&config(&h, ""), 100, 30);
    t.wait_for("raia ✓", WAIT);
    std::thread::sleep(Duration::from_secs(1));
    let before = t.written();
    std::thread::sleep(Duration::from_secs(4));
    // Relative times on screen change at minute boundaries: at most one such frame.
    let frames = t.frames_since(before);
    assert!(
        frames <= 1,
        "{frames} frames drawn while idle ({} bytes)",
        t.written() - before
    );
}

#[test]
fn a_customer_message_appears_without_a_keypress() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let id = rt.block_on(create(
        &h,
        "raia",
        "Pat Patient",
        "needs_human",
        json!([{"author": "customer", "text": "hello?"}]),
    ));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    t.wait_for("Pat Patient", WAIT);
    t.keys("/Pat\r");
    t.wait_for("filter: \"Pat\"", WAIT);
    t.keys("\r");
    t.wait_for("hello?", WAIT);
    rt.block_on(control(
        &h,
        reqwest::Method::POST,
        "say",
        Some(json!({"platform": "raia", "id": id, "text": "still there? it's urgent"})),
    ));
    // Within a thread interval (300 ms here) and a list interval, with no key pressed.
    let screen = t.wait_for("still there? it's urgent", Duration::from_secs(3));
    assert!(
        screen.matches("still there? it's urgent").count() >= 2,
        "in the thread and as the list preview:\n{screen}"
    );
}

#[test]
fn failing_platforms_show_in_the_status_bar_and_the_rest_keeps_working() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let extra = format!(
        r#"
[[accounts]]
name = "down"
platform = "chatvolt"
base_url = "http://127.0.0.1:{closed}"
api_key_cmd = "echo x"

[[accounts]]
name = "badkey"
platform = "raia"
base_url = "{}"
api_key_cmd = "echo wrong"
"#,
        h.raia_base()
    );
    // Every list on Chatvolt answers 500 for a while: that account retries, the others work.
    for _ in 0..50 {
        rt.block_on(arm(&h, "GET", "/chatvolt/conversation", json!({"status": 500})));
    }
    let mut t = Term::start(&config(&h, &extra), 120, 40);
    // The good account works beside them (whichever answers first).
    t.wait_until("a rejected key beside a working account", WAIT, |s| {
        s.contains("key rejected") && s.contains("raia ✓")
    });
    t.wait_for("down ⟳", WAIT);
    t.wait_for("volt ⟳", WAIT);
    // The UI still answers keys.
    t.keys("?");
    t.wait_for("take over", WAIT);
    t.keys("\x1b");
    t.keys("q");
}

#[test]
fn too_small_a_terminal_says_so() {
    let rt = runtime();
    let h = rt.block_on(quiet(3));
    let t = Term::start(&config(&h, ""), 40, 10);
    t.wait_for("too small", WAIT);
}

#[test]
fn a_draft_survives_kill_9_to_the_character() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(create(
        &h,
        "raia",
        "Kim Killed",
        "needs_human",
        json!([{"author": "customer", "text": "hello?"}]),
    ));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    t.wait_for("Kim Killed", WAIT);
    t.keys("/Kim\r");
    t.wait_for("filter: \"Kim\"", WAIT);
    t.keys("\r");
    t.wait_for("hello?", WAIT);
    t.keys("i");
    let draft = "Half a reply — typed before the crash, 李 👋 & co.";
    t.keys(draft);
    t.wait_for(draft, WAIT);
    // Drafts reach the disk within a second of typing.
    std::thread::sleep(Duration::from_millis(1500));
    let pid = t.child.process_id().expect("a pid");
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let mut again = t.restart();
    again.wait_for("Kim Killed", WAIT);
    again.keys("/Kim\r");
    again.wait_for("filter: \"Kim\"", WAIT);
    again.keys("\r");
    again.wait_for(draft, WAIT);
    // And it sends as typed.
    again.keys("t");
    again.wait_for("taken over", WAIT);
    again.keys("i\r");
    again.wait_for("sent to Kim Killed", WAIT);
    let log = rt.block_on(received(&h));
    let sent: Vec<&Value> = log
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/send-manual-message"))
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["body"], json!({"message": draft}));
}

/// Opens Kim's conversation, takes it over and sends `text` with a one-shot fault armed on the
/// send: returns the terminal and the conversation id.
fn send_through_a_fault(
    rt: &tokio::runtime::Runtime,
    h: &SandboxHandle,
    name: &str,
    drop: &str,
    text: &str,
) -> (Term, String) {
    let id = rt.block_on(create(
        h,
        "raia",
        name,
        "needs_human",
        json!([{"author": "customer", "text": "hello?"}]),
    ));
    let mut t = Term::start(&config(h, ""), 120, 40);
    t.wait_for(name, WAIT);
    t.keys(&format!("/{name}\r"));
    t.keys("\r");
    t.wait_for("hello?", WAIT);
    t.keys("t");
    t.wait_for("taken over", WAIT);
    rt.block_on(arm(h, "POST", "/send-manual-message", json!({"drop": drop})));
    t.keys("i");
    t.keys(text);
    t.keys("\r");
    (t, id)
}

#[test]
fn a_send_whose_answer_was_lost_is_found_in_the_thread_not_repeated() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let text = "Your refund is on its way.";
    let (t, id) = send_through_a_fault(&rt, &h, "Lou Lost", "after", text);
    // The request arrived, the answer did not: the thread is checked, and it is there.
    t.wait_for("it did arrive", WAIT);
    assert_eq!(copies_on_server(&rt, &h, "raia", &id, text), 1);
    let screen = t.screen();
    assert!(!screen.contains("not sent"), "{screen}");
    assert_eq!(
        outbox_states(&t),
        vec![("sent".to_string(), text.to_string())],
        "the outbox settled it as sent"
    );
}

#[test]
fn a_send_that_never_arrived_is_offered_back_and_sent_once_by_hand() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let text = "Checking your order now.";
    let (mut t, id) = send_through_a_fault(&rt, &h, "Nia Nothing", "before", text);
    // Nothing arrived: unknown, then after the check, not sent, with the words back in the draft.
    t.wait_for("it did not arrive", WAIT);
    assert_eq!(copies_on_server(&rt, &h, "raia", &id, text), 0);
    // The operator sends it again (the draft holds it): exactly one copy on the server.
    t.keys("\r");
    t.wait_for("sent to Nia Nothing", WAIT);
    assert_eq!(copies_on_server(&rt, &h, "raia", &id, text), 1);
    let states = outbox_states(&t);
    assert_eq!(
        states,
        vec![
            ("restored".to_string(), text.to_string()),
            ("sent".to_string(), text.to_string())
        ]
    );
}

#[test]
fn the_next_run_opens_from_the_cache_divides_at_what_was_seen_and_reads_offline() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let id = rt.block_on(create(
        &h,
        "raia",
        "Olga Offline",
        "needs_human",
        json!([
            {"author": "customer", "text": "first question"},
            {"author": "customer", "text": "second question"}
        ]),
    ));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    t.wait_for("Olga Offline", WAIT);
    t.keys("/Olga\r");
    t.wait_for("filter: \"Olga\"", WAIT);
    t.keys("\r");
    t.wait_for("second question", WAIT);
    t.keys("\x1b");
    t.keys("q");
    wait_exit(&mut t);

    // A customer writes while the inbox is closed: the next run shows it after a "new" line.
    rt.block_on(control(
        &h,
        reqwest::Method::POST,
        "say",
        Some(json!({"platform": "raia", "id": id, "text": "written while you were away"})),
    ));
    let mut t = t.restart();
    t.wait_for("Olga Offline", WAIT);
    t.keys("/Olga\r");
    t.wait_for("filter: \"Olga\"", WAIT);
    t.keys("\r");
    let screen = t.wait_for("written while you were away", WAIT);
    let lines: Vec<&str> = screen.lines().collect();
    let at = |needle: &str| lines.iter().rposition(|l| l.contains(needle)).unwrap();
    let divider = lines.iter().position(|l| l.contains("─ new ─")).expect(&screen);
    assert!(
        at("second question") < divider && divider < at("written while you were away"),
        "the divider stands after what was seen last time:\n{screen}"
    );
    std::thread::sleep(Duration::from_millis(1500)); // the cache writer catches up
    t.keys("\x1b");
    t.keys("q");
    wait_exit(&mut t);

    // Every platform down: the inbox still opens, from the cache, and says what it is.
    rt.block_on(h.shutdown());
    let mut t = t.restart();
    let screen = t.wait_for("Olga Offline", WAIT);
    assert!(screen.contains("cached"), "{screen}");
    t.wait_for("OFFLINE", WAIT);
    t.keys("/Olga\r");
    t.wait_for("filter: \"Olga\"", WAIT);
    t.keys("\r");
    let screen = t.wait_for("written while you were away", WAIT);
    assert!(screen.contains("first question"), "{screen}");
    t.wait_for("cached copy", WAIT);
    t.keys("t");
    t.wait_for("read-only", WAIT);
}

/// Every OSC sequence in what the program wrote: only its own title and clipboard may be there.
fn oscs(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.split("\u{1b}]")
        .skip(1)
        .map(|rest| rest.split(['\u{7}', '\u{1b}']).next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn the_reply_is_written_in_the_editor_and_hostile_text_reaches_neither_file_nor_terminal() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let hostile = "MARK-ED \u{1b}[31mred\u{1b}[0m \u{1b}]0;pwned\u{7} \u{1b}]52;c;ZXZpbA==\u{7} \
                   \u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\ \u{1b}P+q\u{1b}\\ \u{9b}2J \u{9d}0;x\u{7} \u{202e}txt.exe";
    let id = rt.block_on(create(
        &h,
        "raia",
        "Eddie Editor",
        "needs_human",
        json!([{"author": "customer", "text": hostile}]),
    ));
    let dir = dir_with_config(&config(&h, ""));
    let seen = dir.path().join("seen.txt");
    let script = editor_script(
        &dir,
        &format!(
            "cp \"$1\" '{}'\n{{ printf 'Typed in the editor\\nline two\\n'; cat \"$1\"; }} > \"$1.new\" && mv \"$1.new\" \"$1\"",
            seen.display()
        ),
    );
    let mut t = Term::start_with_env(dir.clone(), 120, 40, &[("VISUAL", &script)]);

    t.wait_for("Eddie Editor", WAIT);
    t.keys("/Eddie\r");
    t.wait_for("filter: \"Eddie\"", WAIT);
    t.keys("\r");
    t.wait_for("MARK-ED", WAIT);
    t.keys("t");
    t.wait_for("taken over", WAIT);
    t.keys("i");
    t.keys("draft first");
    t.keys("\x07"); // Ctrl+G
    t.wait_for("Typed in the editor", WAIT);
    let file = std::fs::read_to_string(&seen).unwrap();
    assert!(file.starts_with("draft first\n"), "{file}");
    assert!(file.contains("MARK-ED red"), "the message is quoted:\n{file}");
    for bad in ['\u{1b}', '\u{9b}', '\u{9d}', '\u{90}', '\u{202e}', '\u{7}'] {
        assert!(!file.contains(bad), "{bad:?} survived into the editor file:\n{file:?}");
    }
    // The file held a customer's words: it is gone once read.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("reply-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    t.keys("\r");
    t.wait_for("sent to Eddie Editor", WAIT);
    assert_eq!(
        copies_on_server(&rt, &h, "raia", &id, "draft first\\nTyped"),
        0,
        "the editor's version replaced the draft, it was not appended"
    );
    // (Compared as JSON text: newlines are `\n` there.)
    assert_eq!(
        copies_on_server(&rt, &h, "raia", &id, "Typed in the editor\\nline two\\ndraft first"),
        1
    );

    // Nothing hostile reached the terminal: the only OSCs are the title and the clipboard.
    t.keys("\x1b");
    t.keys("y");
    t.wait_for("copied", WAIT);
    let written = t.bytes.lock().unwrap().clone();
    let oscs = oscs(&written);
    assert!(
        oscs.iter().any(|o| o.starts_with("0;handoff")),
        "the title is set: {oscs:?}"
    );
    for osc in &oscs {
        assert!(
            osc.starts_with("0;handoff") || osc.starts_with("52;c;"),
            "an OSC the program did not mean to write: {osc:?}"
        );
    }
    let text = String::from_utf8_lossy(&written);
    assert!(!text.contains("\u{1b}P"), "a DCS reached the terminal");
    assert!(
        !text.contains(['\u{9b}', '\u{9d}', '\u{90}', '\u{202e}']),
        "C1 or bidi reached the terminal"
    );
}

#[test]
fn a_reply_being_written_in_the_editor_survives_the_program_being_killed() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(create(
        &h,
        "raia",
        "Cora Crash",
        "needs_human",
        json!([{"author": "customer", "text": "hello?"}]),
    ));
    let dir = dir_with_config(&config(&h, ""));
    // The editor writes, then the program is killed under it (its pid is in the file's name).
    let script = editor_script(
        &dir,
        "printf 'Written in the editor, then the crash\\n' > \"$1\"\n\
         pid=$(basename \"$1\" | cut -d- -f2)\nkill -9 \"$pid\"",
    );
    let mut t = Term::start_with_env(dir.clone(), 120, 40, &[("VISUAL", &script)]);
    t.wait_for("Cora Crash", WAIT);
    t.keys("/Cora\r");
    t.wait_for("filter: \"Cora\"", WAIT);
    t.keys("\r");
    t.wait_for("hello?", WAIT);
    t.keys("i");
    t.keys("\x07"); // Ctrl+G
    wait_exit(&mut t); // killed by the editor

    let mut again = t.restart();
    again.wait_for("recovered the reply you were writing in your editor", WAIT);
    again.keys("/Cora\r");
    again.wait_for("filter: \"Cora\"", WAIT);
    again.keys("\r");
    again.wait_for("Written in the editor, then the crash", WAIT);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("reply-"))
        .collect();
    assert!(left.is_empty(), "the file is gone once its reply is a draft: {left:?}");
}
