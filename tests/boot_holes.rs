//! Issue 8, points 7–10 and 16's key half: what happens before the first request — the state
//! directory and its lock, the store on a full disk, the log file, and reading keys — through
//! the real binary (CLI and PTY) against the sandbox.
#![cfg(feature = "sandbox")]

mod common;

use common::run::{handoff, setup};
use common::term::{Term, config, dir_with_config, runtime};
use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

/// The sandbox's config with `from` replaced by `to` (e.g. one account's key source).
fn edit_config(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} is in the config");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

// 9. An unwritable log: warned about once, the command works.

#[tokio::test(flavor = "multi_thread")]
async fn a_log_that_cannot_be_written_is_warned_about_and_the_command_works() {
    let h = quiet(4).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    std::fs::create_dir(dir.path().join("handoff.log")).unwrap();
    let run = handoff(&config, dir.path(), &["list"], None).await;
    assert_ne!(run.code, 101, "no panic:\n{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.is_empty(), "the conversations are listed");
    let warnings: Vec<&str> = run.stderr.lines().filter(|l| l.contains("handoff.log")).collect();
    assert_eq!(warnings.len(), 1, "one warning naming the log:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

// 16 (config half). A key with a line break inside is a config error, before any request.

#[tokio::test(flavor = "multi_thread")]
async fn a_key_with_a_line_break_inside_is_a_config_error_and_nothing_is_sent() {
    let h = quiet(4).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let key_file = dir.path().join("raia.key");
    let key = h.keys().raia.clone();
    std::fs::write(&key_file, format!("{key}\nsecond-line\n")).unwrap();
    clear_received(&h).await;
    let run = handoff(&config, dir.path(), &["show", "raia/anything"], None).await;
    assert_eq!(run.code, 2, "a config error:\n{}", run.stderr);
    let want = format!(
        "the key from api_key_file {} contains a line break; a key is one line",
        key_file.display()
    );
    assert!(run.stderr.contains(&want), "{}", run.stderr);
    assert!(!run.stderr.contains(&key), "the key is never printed");
    assert!(!run.stderr.contains("HTTP 0"), "{}", run.stderr);
    assert!(received(&h).await.is_empty(), "no request was made");

    // A control character is refused the same way; from a command too.
    edit_config(
        &config,
        &format!("api_key_file = \"{}\"", key_file.display()),
        "api_key_cmd = \"printf 'abc\\\\033def'\"",
    );
    let run = handoff(&config, dir.path(), &["show", "raia/anything"], None).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("the key from api_key_cmd contains a control character; a key is one line"),
        "{}",
        run.stderr
    );
}

// 10. A key command that hangs, and a missing key file, stop only their own accounts.

/// The sandbox's config where `volt`'s key command hangs (with a short timeout) and `dash`'s
/// key file is missing.
fn hanging_and_missing(config: &Path, dir: &Path) {
    edit_config(
        config,
        &format!("api_key_file = \"{}/volt.key\"", dir.display()),
        "api_key_cmd = \"sleep 1000\"\napi_key_timeout = \"1s\"",
    );
    std::fs::remove_file(dir.join("dash.key")).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_with_the_good_account_and_names_the_two_whose_keys_cannot_be_read() {
    let h = quiet(4).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    hanging_and_missing(&config, dir.path());
    let run = tokio::time::timeout(WAIT, handoff(&config, dir.path(), &["list"], None))
        .await
        .expect("list returns");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("raia/"), "the good account's rows:\n{}", run.stdout);
    assert!(!run.stdout.contains("volt/") && !run.stdout.contains("dash/"));
    assert!(
        run.stderr.contains("account volt:") && run.stderr.contains("api_key_cmd timed out after 1s"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("account dash:") && run.stderr.contains("cannot read key file"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_reports_a_hanging_key_command_and_carries_on() {
    let h = quiet(4).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    hanging_and_missing(&config, dir.path());
    let run = tokio::time::timeout(WAIT, handoff(&config, dir.path(), &["doctor"], None))
        .await
        .expect("doctor returns");
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("key      MISSING: api_key_cmd timed out after 1s"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("reachable, key accepted"),
        "raia is still checked:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("cannot read key file"), "{}", run.stdout);
}

/// A key command's whole process group goes on timeout: nothing it started holds on.
#[tokio::test(flavor = "multi_thread")]
async fn a_timed_out_key_command_leaves_no_process_behind() {
    let h = quiet(2).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    // A duration no other process has: sh and its sleep both carry it on their command lines.
    let marker = format!("sleep 1000.{}", std::process::id());
    edit_config(
        &config,
        &format!("api_key_file = \"{}/volt.key\"", dir.path().display()),
        &format!("api_key_cmd = \"{marker}; true\"\napi_key_timeout = \"1s\""),
    );
    let run = handoff(&config, dir.path(), &["list", "--account", "volt"], None).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let left = std::process::Command::new("pgrep")
        .args(["-f", &marker])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "the command's processes are gone: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}

// 7. One inbox per state directory.

/// Waits for the program to end and returns its exit code.
fn exit_code(t: &mut Term) -> u32 {
    let start = Instant::now();
    loop {
        if let Some(status) = t.child.try_wait().unwrap() {
            return status.exit_code();
        }
        assert!(start.elapsed() < WAIT, "the program did not end:\n{}", t.screen());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_inbox_on_the_same_state_directory_says_who_has_it_and_exits_2() {
    let rt = runtime();
    let h = rt.block_on(quiet(4));
    let mut first = Term::start(&config(&h, ""), 120, 40);
    first.wait_for("raia ✓", WAIT);
    let pid = first.child.process_id().expect("a pid");

    let mut second = first.restart();
    let want = format!(
        "another handoff (pid {pid}) is already using the state directory {} — close it, or start this one with --state-dir",
        first.dir.path().display()
    );
    assert_eq!(exit_code(&mut second), 2);
    let said = second.screen().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(said.contains(&want), "{said}");
    assert!(first.running(), "the first keeps running");
    first.keys("j");
    assert!(first.running());

    // The headless commands do not use the store: they work beside the inbox.
    let list = rt.block_on(common::run::handoff(
        &first.dir.path().join("config.toml"),
        first.dir.path(),
        &["list"],
        None,
    ));
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.contains("raia/"), "{}", list.stdout);

    first.keys("q");
    assert_eq!(exit_code(&mut first), 0);
    let third = first.restart();
    third.wait_for("raia ✓", WAIT);
}

/// The lock is the OS's: a holder killed with SIGKILL leaves it free.
#[test]
fn a_lock_left_by_a_killed_inbox_does_not_block_the_next() {
    let rt = runtime();
    let h = rt.block_on(quiet(4));
    let mut first = Term::start(&config(&h, ""), 120, 40);
    first.wait_for("raia ✓", WAIT);
    let pid = first.child.process_id().unwrap();
    let lock = first.dir.path().join("handoff.lock");
    assert_eq!(std::fs::read_to_string(&lock).unwrap().trim(), pid.to_string());
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    exit_code(&mut first);
    assert!(lock.exists(), "the file stays, naming the last holder");
    let next = first.restart();
    next.wait_for("raia ✓", WAIT);
}
