//! Two operators, Ann and Ben, each running the real binary on a PTY with their own state, on
//! one team dir and the same sandbox accounts: Ben sees what Ann looks at and types in, a
//! conversation Ann took is "held by Ann" on his screen and his `t` and his reply ask, naming her; when Ann is
//! killed while holding it, Ben's screen says her session ended, and after `orphan_after` it is
//! handed back to the AI on the platform.
#![cfg(feature = "sandbox")]

mod common;

use common::fixtures::{OPERATOR_EMAIL, OPERATOR_NAME};
use common::term::{Term, config, kill_9, runtime};
use common::*;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// Finds `name` with the filter and opens the conversation.
fn open(t: &mut Term, name: &str) {
    common::term::open_by_name(t, name, "a person please", WAIT);
}

/// A team dir (group-only, as `install -d -m 2770` makes it) and Ann's and Ben's configs for
/// the sandbox's accounts, `[team]` with `settings` added.
fn team_of_two(h: &handoff::sandbox::SandboxHandle, settings: &str) -> (tempfile::TempDir, String, String) {
    let team = tempfile::tempdir().unwrap();
    std::fs::set_permissions(team.path(), std::fs::Permissions::from_mode(0o770)).unwrap();
    let extra = format!("\n[team]\ndir = \"{}\"\n{settings}", team.path().display());
    let ann = config(h, &extra)
        .replace(OPERATOR_NAME, "Ann Archer")
        .replace(OPERATOR_EMAIL, "ann@example.com");
    let ben = config(h, &extra)
        .replace(OPERATOR_NAME, "Ben Baker")
        .replace(OPERATOR_EMAIL, "ben@example.com");
    (team, ann, ben)
}

#[test]
fn two_operators_see_each_other_and_a_crashed_ones_customer_goes_back_to_the_ai() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let id = rt.block_on(create(
        &h,
        "raia",
        "Tia Team",
        "needs_human",
        json!([{"author": "customer", "text": "a person please"}]),
    ));
    let (team, ann_config, ben_config) = team_of_two(&h, "orphan_after = \"20s\"\n");
    let mut ann = Term::start(&ann_config, 120, 40);
    let mut ben = Term::start(&ben_config, 120, 40);
    for t in [&ann, &ben] {
        t.wait_for("raia ✓", WAIT);
    }
    ben.keys("/Tia\r");
    ben.wait_for("filter: \"Tia\"", WAIT);

    // Ann opens it: Ben's list says so. Ann types: Ben sees her typing.
    open(&mut ann, "Tia Team");
    ben.wait_for("Ann Archer viewing", WAIT);
    ann.keys("ihel");
    ben.wait_for("Ann Archer typing…", WAIT);
    ann.keys("\x1b");
    ben.wait_until("no longer typing", WAIT, |s| s.contains("Ann Archer viewing"));

    // Ann takes it over: claimed in the team, so raia's "a human" is Ann on Ben's screen, and
    // Ben's t asks before taking it from her.
    ann.keys("t");
    ann.wait_for("held by you", WAIT);
    ben.keys("\r");
    ben.wait_for("held by Ann Archer", WAIT);
    ben.keys("t");
    let screen = ben.wait_for("Ann Archer holds this conversation", WAIT);
    assert!(screen.contains("Take it over?"), "{screen}");
    ben.keys("n");
    ben.wait_until("the question gone", WAIT, |s| !s.contains("Take it over?"));
    // Ben's reply into Ann's conversation asks before it goes over hers; he says no, and
    // nothing reaches the platform.
    rt.block_on(clear_received(&h));
    ben.keys("iover her");
    ben.wait_for("sending asks first", WAIT);
    ben.keys("\r");
    let screen = ben.wait_for("Send anyway?", WAIT);
    assert!(screen.contains("Ann Archer holds it"), "{screen}");
    ben.keys("n");
    ben.wait_until("the question gone", WAIT, |s| !s.contains("Send anyway?"));
    ben.keys("\x1b");
    let sent = rt.block_on(received(&h));
    assert!(
        !sent
            .iter()
            .any(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.contains("message"))),
        "a reply went out: {sent:?}"
    );

    // Ann's inbox is killed while she holds it: within 30 s Ben hears her session ended (her
    // heartbeat is 10 s stale), and once orphan_after has passed since her last beat his inbox
    // hands it back to the AI (raia's mode back to "ai").
    rt.block_on(clear_received(&h));
    kill_9(&ann);
    let screen = ben.wait_for(
        "Ann Archer's session ended — 1 conversation held by nobody",
        Duration::from_secs(30),
    );
    assert!(
        screen.contains("held by nobody (Ann Archer's session ended)"),
        "{screen}"
    );
    let path = format!("/raia/external/conversations/{id}/mode");
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let log = rt.block_on(received(&h));
        let handed_back = log
            .iter()
            .any(|r| r["method"] == "PUT" && r["path"] == path.as_str() && r["body"] == json!({"mode": "ai"}));
        if handed_back {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not handed back:\n{}",
            ben.screen()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    ben.wait_for("AI is answering", WAIT);
    // The team dir holds no key.
    for entry in std::fs::read_dir(team.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("sandbox-raia-key") && !text.contains("raia-key"),
            "a key in the team dir"
        );
    }
}

/// One sync for the team: Ann's inbox, started first, polls for both; when she quits, Ben's
/// takes the lease and goes on hearing the platform: a new customer shows on his screen within
/// 15 s.
#[test]
fn when_one_operator_quits_the_other_keeps_syncing() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let (team, ann_config, ben_config) = team_of_two(&h, "");
    // Ann first: her inbox takes the leases and polls for both; Ben's follows.
    let mut ann = Term::start(&ann_config, 120, 40);
    ann.wait_for("raia ✓", WAIT);
    let ben = Term::start(&ben_config, 120, 40);
    ben.wait_for("raia ✓", WAIT);
    let leaders: i64 = rusqlite::Connection::open(team.path().join("team.db"))
        .unwrap()
        .query_row("SELECT COUNT(DISTINCT instance) FROM leases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(leaders, 1, "one instance polls for both");
    rt.block_on(create(
        &h,
        "raia",
        "Una Before",
        "needs_human",
        json!([{"author": "customer", "text": "a person please"}]),
    ));
    for t in [&ann, &ben] {
        t.wait_for("Una Before", WAIT);
    }
    ann.keys("q");
    common::term::wait_exit(&mut ann);
    rt.block_on(create(
        &h,
        "raia",
        "Nia After",
        "needs_human",
        json!([{"author": "customer", "text": "anyone?"}]),
    ));
    ben.wait_for("Nia After", Duration::from_secs(15));
}

/// The inbox that polls for the team is killed (`kill -9`: it leaves nothing behind): once its
/// lease runs out (10 s after its last renewal) the other takes it, and a new customer shows on
/// the remaining screen within 25 s.
#[test]
fn when_the_polling_inbox_is_killed_the_other_takes_over_the_sync() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let (_team, ann_config, ben_config) = team_of_two(&h, "");
    let ann = Term::start(&ann_config, 120, 40);
    ann.wait_for("raia ✓", WAIT);
    let ben = Term::start(&ben_config, 120, 40);
    ben.wait_for("raia ✓", WAIT);
    kill_9(&ann);
    rt.block_on(create(
        &h,
        "raia",
        "Kai Killed",
        "needs_human",
        json!([{"author": "customer", "text": "hello?"}]),
    ));
    ben.wait_for("Kai Killed", Duration::from_secs(25));
}
