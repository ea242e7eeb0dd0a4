//! Who "you" are: without `[operator] email` the platforms cannot record a takeover as yours,
//! so `doctor` fails that check with the fix (the inbox's side is in tests/update.rs and
//! tests/ui.rs).
#![cfg(feature = "sandbox")]

mod common;

use common::fixtures::{self, Config, config};
use common::run::handoff;
use common::*;
use handoff::domain::PlatformKind;

#[tokio::test(flavor = "multi_thread")]
async fn doctor_fails_without_an_identity_and_says_how_to_add_one() {
    let h = quiet(6).await;
    let dir = tempfile::tempdir().unwrap();
    let with = config(
        &h,
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
