//! Holes in the terminal's edges (issue 8): a signal or a hangup while a reply is being written,
//! in the inbox or in the operator's editor, and a burst of typing larger than one read.
//! The real binary on a pseudo-terminal against the sandbox.
#![cfg(feature = "sandbox")]

mod common;

use common::term::{Term, config, dir_with_config, editor_script, runtime, wait_exit};
use common::*;
use handoff::sandbox::SandboxHandle;
use serde_json::json;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

/// A conversation waiting for a human, with one customer message.
fn waiting(rt: &tokio::runtime::Runtime, h: &SandboxHandle, name: &str) {
    rt.block_on(create(
        h,
        "raia",
        name,
        "needs_human",
        json!([{"author": "customer", "text": "hello?"}]),
    ));
}

/// Finds `name` with the filter and opens the conversation.
fn open(t: &mut Term, name: &str) {
    t.wait_for(name, WAIT);
    t.keys(&format!("/{name}\r"));
    t.wait_for(&format!("filter: \"{name}\""), WAIT);
    t.keys("\r");
    t.wait_for("hello?", WAIT);
}

fn signal(t: &Term, name: &str) {
    let pid = t.child.process_id().expect("a pid");
    let sent = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// The drafts the store holds, as (conversation id, text).
fn stored_drafts(t: &Term) -> Vec<String> {
    let db = rusqlite::Connection::open(t.dir.path().join("handoff.db")).unwrap();
    let mut q = db.prepare("SELECT text FROM drafts ORDER BY conversation").unwrap();
    q.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn reply_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("reply-"))
        .map(|e| e.path())
        .collect()
}

/// Typing, then at once a signal: the draft is written before the program ends, well inside
/// the second it would otherwise wait.
fn a_signal_right_after_typing_keeps_the_draft(signal_name: &str) {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let name = format!("Sig {signal_name}");
    waiting(&rt, &h, &name);
    let mut t = Term::start(&config(&h, ""), 120, 40);
    open(&mut t, &name);
    t.keys("i");
    let draft = format!("Typed just before {signal_name} — 李 👋");
    t.type_now(&draft);
    t.wait_for(&draft, WAIT);
    signal(&t, signal_name);
    wait_exit(&mut t);
    assert_eq!(stored_drafts(&t), vec![draft.clone()], "saved on the way out");
    let screen = String::from_utf8_lossy(&t.bytes.lock().unwrap()).into_owned();
    assert!(
        screen.ends_with("\u{1b}[23;0t"),
        "the terminal was restored (title popped last)"
    );

    let mut again = t.restart();
    open(&mut again, &name);
    again.wait_for(&draft, WAIT);
}

#[test]
fn sigterm_right_after_typing_keeps_the_draft() {
    a_signal_right_after_typing_keeps_the_draft("TERM");
}

#[test]
fn sighup_right_after_typing_keeps_the_draft() {
    a_signal_right_after_typing_keeps_the_draft("HUP");
}

#[test]
fn an_editor_killed_by_a_hangup_leaves_what_it_saved_in_the_draft() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    waiting(&rt, &h, "Hana Hangup");
    let dir = dir_with_config(&config(&h, ""));
    // The SSH session drops: the editor has saved, then dies of the hangup (exit non-zero).
    let script = editor_script(
        &dir,
        "printf 'Saved in the editor before the hangup\\n' > \"$1\"\nkill -HUP $$",
    );
    let mut t = Term::start_with_env(dir.clone(), 120, 40, &[("VISUAL", &script)]);
    open(&mut t, "Hana Hangup");
    t.keys("i");
    t.keys("typed first");
    t.keys("\x07"); // Ctrl+G
    let screen = t.wait_for("exited abnormally", WAIT);
    assert!(screen.contains("what it had saved"), "{screen}");
    t.wait_for("Saved in the editor before the hangup", WAIT);
    assert!(
        reply_files(dir.path()).is_empty(),
        "the file goes once its text is the draft"
    );
    t.keys("\x1b");
    t.keys("q");
    wait_exit(&mut t);
    assert_eq!(
        stored_drafts(&t),
        vec!["Saved in the editor before the hangup".to_string()]
    );

    let mut again = t.restart();
    open(&mut again, "Hana Hangup");
    again.wait_for("Saved in the editor before the hangup", WAIT);
}

#[test]
fn a_hangup_of_editor_and_program_together_keeps_the_reply() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    waiting(&rt, &h, "Hugo Hungup");
    let dir = dir_with_config(&config(&h, ""));
    // Both get the hangup, as when the SSH session drops: the program (its pid is in the
    // file's name), then the editor itself.
    let script = editor_script(
        &dir,
        "printf 'Both hung up, the reply stays\\n' > \"$1\"\n\
         pid=$(basename \"$1\" | cut -d- -f2)\nkill -HUP \"$pid\"\nkill -HUP $$",
    );
    let mut t = Term::start_with_env(dir.clone(), 120, 40, &[("VISUAL", &script)]);
    open(&mut t, "Hugo Hungup");
    t.keys("i");
    t.keys("\x07"); // Ctrl+G
    wait_exit(&mut t);
    assert_eq!(stored_drafts(&t), vec!["Both hung up, the reply stays".to_string()]);

    let mut again = t.restart();
    open(&mut again, "Hugo Hungup");
    again.wait_for("Both hung up, the reply stays", WAIT);
}

#[test]
fn an_editor_that_fails_without_saving_leaves_the_draft_as_it_was() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    waiting(&rt, &h, "Fay Failed");
    let dir = dir_with_config(&config(&h, ""));
    let script = editor_script(&dir, "exit 3");
    let mut t = Term::start_with_env(dir.clone(), 120, 40, &[("VISUAL", &script)]);
    open(&mut t, "Fay Failed");
    t.keys("i");
    t.keys("kept as typed");
    t.keys("\x07"); // Ctrl+G
    let screen = t.wait_for("the editor failed", WAIT);
    assert!(screen.contains("kept as typed"), "{screen}");
    assert!(reply_files(dir.path()).is_empty());
}

#[test]
fn an_editor_file_that_cannot_be_read_back_is_left_where_it_is_and_named() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    waiting(&rt, &h, "Una Unreadable");
    let dir = dir_with_config(&config(&h, ""));
    // The file cannot be read back (a directory stands in its place), and the editor is hung up.
    let script = editor_script(&dir, "rm \"$1\"\nmkdir \"$1\"\nkill -HUP $$");
    let mut t = Term::start_with_env(dir.clone(), 120, 40, &[("VISUAL", &script)]);
    open(&mut t, "Una Unreadable");
    t.keys("i");
    t.keys("still here");
    t.keys("\x07"); // Ctrl+G
    let screen = t.wait_for("its file is kept as", WAIT);
    assert!(screen.contains("still here"), "the draft is as it was:\n{screen}");
    let left = reply_files(dir.path());
    assert_eq!(left.len(), 1, "{left:?}");
    let name = left[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(screen.contains(&name[..20]), "the notice names it ({name}):\n{screen}");
}

#[test]
fn a_burst_of_typing_larger_than_one_read_arrives_whole() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    waiting(&rt, &h, "Bea Burst");
    let mut t = Term::start(&config(&h, ""), 120, 40);
    open(&mut t, "Bea Burst");
    t.keys("i");
    // 1,500 keys in one write, no key after them: every one is applied and saved.
    let burst: String = (0..1500).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    t.type_now(&burst);
    let start = Instant::now();
    loop {
        if stored_drafts(&t).first().is_some_and(|d| d.len() == burst.len()) {
            break;
        }
        let got = stored_drafts(&t).first().map_or(0, String::len);
        assert!(
            start.elapsed() < WAIT,
            "{got} of {} keys arrived:\n{}",
            burst.len(),
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(stored_drafts(&t), vec![burst]);
}

#[test]
fn with_more_accounts_than_fit_the_failing_ones_are_counted_and_listed() {
    let rt = runtime();
    let h = rt.block_on(quiet(3));
    let good = &h.keys().raia;
    let extra: String = (1..=10)
        .map(|i| {
            let key = if [3, 6, 9].contains(&i) { "wrong" } else { good.as_str() };
            format!(
                "\n[[accounts]]\nname = \"shop-{i:02}\"\nplatform = \"raia\"\nbase_url = \"{}\"\napi_key_cmd = \"echo {key}\"\n",
                h.raia_base()
            )
        })
        .collect();
    let mut t = Term::start(&config(&h, &extra), 80, 24);
    let screen = t.wait_for("✗ 3 failing", WAIT);
    let status = screen.lines().last().unwrap_or_default().to_string();
    assert!(!status.contains("shop-"), "counted, not named: {status}");
    t.keys("C");
    let screen = t.wait_for("Accounts — 3 failing of 12", WAIT);
    let lines: Vec<&str> = screen.lines().collect();
    let row = |name: &str| lines.iter().position(|l| l.contains(name)).unwrap_or(usize::MAX);
    // The failing ones first, each with its error under it.
    let first_ok = lines.iter().position(|l| l.contains(" ✓ ")).unwrap_or(0);
    for name in ["shop-03", "shop-06", "shop-09"] {
        assert!(row(name) < first_ok, "{name} before the working ones:\n{screen}");
        assert!(lines[row(name) + 1].contains("HTTP 403"), "{name}'s error:\n{screen}");
    }
    t.keys("\x1b");
    t.wait_until("the overlay closed", WAIT, |s| !s.contains("Accounts — 3 failing"));
    t.keys("q");
    wait_exit(&mut t);
}
