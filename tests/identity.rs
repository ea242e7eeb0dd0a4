//! Who "you" are: without `[operator] email` the platforms cannot record a takeover as yours,
//! so `doctor` fails that check with the fix (the inbox's side is in tests/update.rs and
//! tests/ui.rs).
#![cfg(feature = "sandbox")]

mod common;

use common::fixtures::{self, Config, config};
use common::run::handoff;
use common::*;
use handoff::domain::PlatformKind;

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
