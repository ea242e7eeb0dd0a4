//! Who "you" are: without `[operator] email` the platforms cannot record a takeover as yours,
//! so `doctor` fails that check with the fix, and two such operators on one account each see
//! only their own takeovers as theirs (the rest of the inbox's side is in tests/update.rs and
//! tests/ui.rs).
#![cfg(feature = "sandbox")]

mod common;

use common::fixtures::{self, Config, config};
use common::run::handoff;
use common::term::{Term, runtime};
use common::*;
use handoff::domain::PlatformKind;
use serde_json::json;
use std::time::Duration;

/// The sandbox's raia account's config, and its `[operator]` section as written there.
fn raia_config(h: &handoff::sandbox::SandboxHandle) -> (String, String) {
    let text = config(
        h,
        &Config {
            accounts: &[PlatformKind::Raia],
            key_files: None,
            fast_sync: false,
            experimental: None,
            extra: "",
        },
    );
    let operator = format!(
        "\n[operator]\nname = \"{}\"\nemail = \"{}\"\n",
        fixtures::OPERATOR_NAME,
        fixtures::OPERATOR_EMAIL
    );
    (text, operator)
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_fails_without_an_identity_and_says_how_to_add_one() {
    let h = quiet(6).await;
    let dir = tempfile::tempdir().unwrap();
    let (with, operator) = raia_config(&h);
    assert!(with.contains(&operator), "{with}");
    let path = dir.path().join("config.toml");

    std::fs::write(&path, &with).unwrap();
    let run = handoff(&path, dir.path(), &["doctor"], None).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let who = format!("operator {} <{}>", fixtures::OPERATOR_NAME, fixtures::OPERATOR_EMAIL);
    assert!(run.stdout.contains(&who), "{}", run.stdout);

    std::fs::write(&path, with.replace(&operator, "\n")).unwrap();
    let run = handoff(&path, dir.path(), &["doctor"], None).await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("operator MISSING: no [operator] email"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("email = \"you@example.com\""),
        "the fix: {}",
        run.stdout
    );
    assert!(run.stderr.contains("1 problem(s) found"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn take_with_no_identity_asks_for_force_and_takes_nothing() {
    let h = quiet(6).await;
    let dir = tempfile::tempdir().unwrap();
    let id = create(
        &h,
        "raia",
        "Nadia Nobody",
        "needs_human",
        serde_json::json!([{"author": "customer", "text": "hello?"}]),
    )
    .await;
    let (text, operator) = raia_config(&h);
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text.replace(&operator, "\n")).unwrap();
    clear_received(&h).await;
    let target = format!("raia/{id}");
    let run = handoff(&path, dir.path(), &["take", &target], None).await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("no [operator] email"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    let writes = received(&h).await.iter().filter(|r| r["method"] != "GET").count();
    assert_eq!(writes, 0, "nothing taken");
    let run = handoff(&path, dir.path(), &["take", &target, "--force"], None).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

const WAIT: Duration = Duration::from_secs(15);

/// The sandbox's three accounts, polled fast, ChatDash with its experimental takeover (the
/// sandbox lets a conversation be held there), and no `[operator]` section.
fn anonymous_config(h: &handoff::sandbox::SandboxHandle) -> String {
    let text = config(
        h,
        &Config {
            accounts: &[PlatformKind::Raia, PlatformKind::Chatvolt, PlatformKind::Chatdash],
            key_files: None,
            fast_sync: true,
            experimental: Some(true),
            extra: "",
        },
    );
    let (_, operator) = raia_config(h);
    assert!(text.contains(&operator), "{text}");
    text.replace(&operator, "\n")
}

/// Finds `name` with the filter and opens the conversation.
fn open(t: &mut Term, name: &str) {
    common::term::open_by_name(t, name, "a person please", WAIT);
}

/// Two operators, neither with `[operator]`, on the same accounts (each its own state): both
/// are warned, and what one takes over on raia, Chatvolt and ChatDash is "held by you" on that
/// one's screen only; the other sees it held by a human, never by themselves.
#[test]
fn two_operators_without_an_identity_what_one_takes_over_is_never_the_others() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let names = ["Rita Raia", "Vera Volt", "Dora Dash"];
    for (platform, name) in ["raia", "chatvolt", "chatdash"].into_iter().zip(names) {
        rt.block_on(create(
            &h,
            platform,
            name,
            "needs_human",
            json!([{"author": "customer", "text": "a person please"}]),
        ));
    }
    let text = anonymous_config(&h);
    let mut ann = Term::start(&text, 120, 40);
    let mut ben = Term::start(&text, 120, 40);
    assert_ne!(ann.dir.path(), ben.dir.path());
    for t in [&ann, &ben] {
        t.wait_for("⚠ no [operator]", WAIT);
    }

    for name in names {
        open(&mut ann, name);
        ann.keys("t");
        ann.wait_for("No [operator] email is set", WAIT);
        ann.keys("y");
        ann.wait_for("taken over", WAIT);
        ann.wait_for("held by you", WAIT);
    }
    ann.keys("\x1b");
    ann.keys("\x1b");
    ann.wait_for("2 Mine (3)", WAIT);

    // Ben's inbox learns of each takeover by itself: it is held, and not by him.
    let never_mine = |s: &str| {
        assert!(!s.contains("held by you"), "both would say \"held by you\":\n{s}");
        s.contains("held by a human")
    };
    for name in names {
        open(&mut ben, name);
        ben.wait_until(&format!("{name} held by a human"), WAIT, never_mine);
    }
    ben.keys("\x1b");
    ben.keys("\x1b");
    let screen = ben.wait_for("2 Mine (0)", WAIT);
    assert!(!screen.contains(" YOU "), "{screen}");
    // And Ann still holds all three.
    let screen = ann.wait_for("2 Mine (3)", WAIT);
    assert!(screen.contains("⚠ no [operator]"), "{screen}");
}
