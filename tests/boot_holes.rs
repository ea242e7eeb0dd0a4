//! Issue 8, points 7–10 and 16's key half: what happens before the first request — the state
//! directory and its lock, the store on a full disk, the log file, and reading keys — through
//! the real binary (CLI and PTY) against the sandbox.
#![cfg(feature = "sandbox")]

mod common;

use common::run::{handoff, setup};
use common::term::{Term, config, dir_with_config, exit_code, runtime};
use common::*;
use std::path::Path;
use std::time::Duration;

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
        run.stderr
            .contains("the key from api_key_cmd contains a control character; a key is one line"),
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
    let marker = format!("sleep 1000.{}1", std::process::id());
    edit_config(
        &config,
        &format!("api_key_file = \"{}/volt.key\"", dir.path().display()),
        &format!("api_key_cmd = \"{marker}; true\"\napi_key_timeout = \"1s\""),
    );
    let run = handoff(&config, dir.path(), &["list", "--account", "volt"], None).await;
    // Its only account has no key: a config error, as for `show`.
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("api_key_cmd timed out after 1s"), "{}", run.stderr);
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

// 8. A full disk: drafts kept in memory, said so, written again when there is room.

#[test]
fn a_draft_save_that_fails_is_kept_unsaved_retried_and_said_when_it_works_again() {
    use handoff::app::compose::Composer;
    use handoff::app::{Cmd, Msg, Store, update};
    use handoff::domain::ConversationKey;
    let t0 = fixtures::now();
    let mut model = fixtures::model(vec![]);
    let k = ConversationKey::new("raia", "c1");
    model.drafts.insert(k.clone(), Composer::with_text("half a reply"));

    update(&mut model, Msg::StoreFailed("the disk is full".into()), t0);
    let notice = model.notice.clone().expect("a notice");
    assert_eq!(
        notice.text,
        "the disk is full: drafts are kept in memory and saved when there is room"
    );
    assert!(model.unsaved.contains(&k), "the draft is unsaved");
    let retry = model.next_deadline().expect("the loop wakes to retry");
    assert!(retry <= t0 + chrono::TimeDelta::seconds(5), "{retry} vs {t0}");

    let cmds = update(&mut model, Msg::Tick, retry);
    assert!(
        cmds.contains(&Cmd::Store(Store::SaveDraft {
            key: k.clone(),
            text: "half a reply".into()
        })),
        "{cmds:?}"
    );
    // It failed again: tried again later, still said.
    update(&mut model, Msg::StoreFailed("the disk is full".into()), retry);
    assert!(model.unsaved.contains(&k));
    let again = model.next_deadline().unwrap();
    assert!(again > retry);
    let cmds = update(&mut model, Msg::Tick, again);
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    update(&mut model, Msg::StoreSaved, again);
    assert_eq!(model.notice.as_ref().unwrap().text, "drafts are saved again");
    assert!(model.unsaved.is_empty() && model.save_due.is_none());
    update(&mut model, Msg::StoreSaved, again);
    assert_eq!(model.notice.as_ref().unwrap().text, "drafts are saved again");
}

/// A small tmpfs, unmounted when dropped; `None` (and why) where mounting is not allowed.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(size: &str) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(SmallDisk(dir))
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.0.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 4096];
        while file.write_all(&block).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy: the program on it may still be exiting.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

/// Through the binary on a real full disk (a 2 MB tmpfs as the state directory). Where
/// mounting is not allowed it says why and returns: the same path is tested above, and in the
/// store's unit tests with SQLite's page cap.
#[test]
fn on_a_full_disk_the_inbox_keeps_the_draft_says_so_and_saves_it_when_there_is_room() {
    let disk = match SmallDisk::mount("2m") {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("skipped: cannot mount a small tmpfs here ({why})");
            return;
        }
    };
    let rt = runtime();
    let h = rt.block_on(quiet(4));
    rt.block_on(create(
        &h,
        "raia",
        "Fay Full",
        "needs_human",
        serde_json::json!([{"author": "customer", "text": "hello?"}]),
    ));
    let dir = dir_with_config(&config(&h, ""));
    let state = disk.0.path();
    let mut t = Term::start_with_env(dir.clone(), 120, 40, &[("HANDOFF_STATE_DIR", state)]);
    t.wait_for("Fay Full", WAIT);
    t.keys("/Fay\r");
    t.wait_for("filter: \"Fay\"", WAIT);
    t.keys("\r");
    t.wait_for("hello?", WAIT);
    let filler = disk.fill();
    // More than the write-ahead log has room for, so the write needs new space.
    let draft = format!("{} the end", "a long reply ".repeat(40_000));
    t.keys("i");
    t.type_now(&format!("\x1b[200~{draft}\x1b[201~"));
    t.wait_for("the disk is full: drafts are kept in memory", WAIT);
    assert!(t.running());
    let names: Vec<String> = std::fs::read_dir(state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("unusable")), "{names:?}");

    std::fs::remove_file(filler).unwrap();
    t.wait_for("drafts are saved again", WAIT);
    t.keys("\x1b");
    t.keys("q");
    exit_code(&mut t);
    let db = rusqlite::Connection::open(state.join("handoff.db")).unwrap();
    let saved: String = db.query_row("SELECT text FROM drafts", [], |r| r.get(0)).unwrap();
    assert_eq!(saved, draft);
}

/// The inbox opens at once while keys are read; the account whose key command hangs and the
/// one whose key file is missing show as failed with their reasons, the good one works.
#[test]
fn the_inbox_opens_the_good_account_and_shows_the_two_whose_keys_cannot_be_read() {
    let rt = runtime();
    let h = rt.block_on(quiet(4));
    rt.block_on(create(
        &h,
        "raia",
        "Gus Good",
        "needs_human",
        serde_json::json!([{"author": "customer", "text": "hello?"}]),
    ));
    let volt_key = format!("api_key_cmd = \"echo {}\"", h.keys().chatvolt);
    let base = config(
        &h,
        &format!(
            r#"
[[accounts]]
name = "dash"
platform = "chatdash"
base_url = "{}"
api_key_file = "/nonexistent/dash.key"
"#,
            h.chatdash_base()
        ),
    );
    assert!(base.contains(&volt_key));
    let text = base.replace(&volt_key, "api_key_cmd = \"sleep 1000\"\napi_key_timeout = \"3s\"");
    // Wide enough for every account's words in the status bar (narrower, it keeps the symbols).
    let t = Term::start(&text, 280, 40);
    // At once: the good account's conversations, the hanging one still reading its key.
    let screen = t.wait_for("Gus Good", WAIT);
    assert!(screen.contains("volt … reading key"), "{screen}");
    let screen = t.wait_for("api_key_cmd timed out after 3s", WAIT);
    assert!(screen.contains("volt ✗ api_key_cmd timed out after 3s"), "{screen}");
    assert!(
        screen.contains("dash ✗ cannot read key file /nonexistent/dash.key"),
        "{screen}"
    );
    assert!(screen.contains("raia ✓"), "{screen}");
}

/// What the operator tries on an account without a key says why it cannot be done.
#[test]
fn an_account_whose_key_could_not_be_read_says_why_nothing_can_be_done() {
    use handoff::app::{Connection, Msg, update};
    use handoff::domain::{ApiKey, PlatformKind};
    use handoff::platform::{self, AccountSettings};
    let settings = AccountSettings::new("volt", PlatformKind::Chatvolt, "http://127.0.0.1:9", ApiKey::new(""));
    let keyless = platform::connect(settings, common::http_client());
    let shown = handoff::tui::account(&*keyless, None, Connection::ReadingKey);
    assert!(shown.capabilities.send.is_yes(), "capabilities need no key");
    let t0 = fixtures::now();
    let mut model = fixtures::model(vec![shown]);
    let reason = "api_key_cmd timed out after 10s".to_string();
    update(
        &mut model,
        Msg::Connection {
            account: "volt".into(),
            state: Connection::NoKey(reason),
        },
        t0,
    );
    assert_eq!(
        model.account("volt").unwrap().read_only().as_deref(),
        Some("the key of account volt could not be read: api_key_cmd timed out after 10s")
    );
}

/// Quitting while a key command still runs: the program leaves at once and takes the
/// command's whole process group with it.
#[test]
fn quitting_while_a_key_is_read_leaves_at_once_and_leaves_no_process_behind() {
    let rt = runtime();
    let h = rt.block_on(quiet(2));
    // As in the CLI test above, a duration of its own (the tests share a process id).
    let marker = format!("sleep 1000.{}2", std::process::id());
    let volt_key = format!("api_key_cmd = \"echo {}\"", h.keys().chatvolt);
    let text = config(&h, "").replace(
        &volt_key,
        &format!("api_key_cmd = \"{marker}; true\"\napi_key_timeout = \"10m\""),
    );
    let mut t = Term::start(&text, 200, 40);
    t.wait_for("volt … reading key", WAIT);
    t.keys("q");
    assert_eq!(exit_code(&mut t), 0);
    let left = std::process::Command::new("pgrep")
        .args(["-f", &marker])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "the key command is gone: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}
