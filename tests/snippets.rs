//! Snippets end to end: `handoff snippets` lists the personal and the team file's, a malformed
//! file is named with its line; in a real terminal against the sandbox, a snippet picked with
//! `/` (or Ctrl+p) lands in the draft expanded and, sent, reaches the platform with the
//! customer's first name, or the fallback where the platform names nobody. Also the shell
//! completions and the man page, through the binary.
#![cfg(feature = "sandbox")]

mod common;

use common::run::{handoff_with_env, setup};
use common::term::{Term, config, dir_with_config, open_by_name, runtime};
use common::*;
use handoff::sandbox::SandboxHandle;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

const GREET: &str = "[snippets]\ngreet = \"Hi {customer.first_name|there}, {operator.first_name} here.\"\nrefund = \"Your refund is on its way.\"\n";

/// Writes `text` as `<config home>/handoff/snippets.toml`.
fn write_snippets(config_home: &Path, text: &str) {
    std::fs::create_dir_all(config_home.join("handoff")).unwrap();
    std::fs::write(config_home.join("handoff/snippets.toml"), text).unwrap();
}

/// The messages the sandbox was asked to send, as their JSON bodies.
async fn sent(h: &SandboxHandle) -> Vec<Value> {
    received(h)
        .await
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.ends_with("/send-manual-message")))
        .map(|r| r["body"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_has_personal_and_team_snippets_and_the_personal_wins_by_name() {
    let h = quiet(2).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let team = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("\n[team]\ndir = \"{}\"\n", team.path().display()));
    std::fs::write(&config, text).unwrap();
    write_snippets(dir.path(), GREET);
    std::fs::write(
        team.path().join("snippets.toml"),
        "[snippets]\ngreet = \"the team's greeting\"\nhours = \"We answer 9–17.\\nMonday to Friday.\"\n",
    )
    .unwrap();
    let env = [("XDG_CONFIG_HOME", dir.path())];

    let table = handoff_with_env(&config, dir.path(), &["snippets"], None, &env).await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "NAME   SOURCE   TEXT",
            "greet  personal Hi {customer.first_name|there}, {operator.first_name} here.",
            "hours  team     We answer 9–17. ⏎ Monday to Friday.",
            "refund personal Your refund is on its way.",
        ]
    );

    let json = handoff_with_env(&config, dir.path(), &["snippets", "--json"], None, &env).await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    let list: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        list[1],
        json!({"name": "hours", "source": "team", "text": "We answer 9–17.\nMonday to Friday."})
    );
    assert_eq!(list.as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_file_is_an_error_naming_file_line_and_field() {
    let h = quiet(2).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    write_snippets(dir.path(), "[snippets]\ngreet = \"hi\"\nrefund = 42\n");
    let env = [("XDG_CONFIG_HOME", dir.path())];
    let run = handoff_with_env(&config, dir.path(), &["snippets"], None, &env).await;
    assert_eq!(run.code, 2, "a config error: {}", run.stdout);
    let file = dir.path().join("handoff/snippets.toml");
    assert!(
        run.stderr
            .contains(&format!("{}:3:10: snippet `refund`", file.display())),
        "{}",
        run.stderr
    );
    // No snippets at all is no error: it says where to write them.
    std::fs::remove_file(&file).unwrap();
    let none = handoff_with_env(&config, dir.path(), &["snippets"], None, &env).await;
    assert_eq!(none.code, 0);
    assert!(
        none.stderr.contains("no snippets") && none.stderr.contains(&file.display().to_string()),
        "{}",
        none.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_and_the_man_page_come_from_the_binary() {
    let h = quiet(2).await;
    let dir = tempfile::tempdir().unwrap();
    let config = setup(&h, dir.path(), false);
    let run = |args: &'static [&'static str]| {
        let (config, dir) = (config.clone(), dir.path().to_path_buf());
        async move { handoff_with_env(&config, &dir, args, None, &[]).await }
    };
    let bash = run(&["completions", "bash"]).await;
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    assert!(bash.stdout.contains("complete -F _handoff"), "a bash completion script");
    for sub in [
        "list",
        "show",
        "take",
        "send",
        "snippets",
        "completions",
        "man",
        "--config",
    ] {
        assert!(bash.stdout.contains(sub), "names {sub}");
    }
    let zsh = run(&["completions", "zsh"]).await;
    assert!(
        zsh.code == 0 && zsh.stdout.starts_with("#compdef handoff"),
        "{}",
        zsh.stdout
    );
    let fish = run(&["completions", "fish"]).await;
    assert!(
        fish.code == 0 && fish.stdout.contains("complete -c handoff"),
        "{}",
        fish.stdout
    );
    let man = run(&["man"]).await;
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(
        man.stdout.contains(".TH handoff 1"),
        "roff: {}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    assert!(man.stdout.contains(".SH SUBCOMMANDS") && man.stdout.contains("handoff\\-snippets(1)"));
    let pages = tempfile::tempdir().unwrap();
    let dir_arg = pages.path().to_str().unwrap().to_string();
    let written = handoff_with_env(&config, dir.path(), &["man", "--dir", &dir_arg], None, &[]).await;
    assert_eq!(written.code, 0, "{}", written.stderr);
    let send_page = std::fs::read_to_string(pages.path().join("handoff-send.1")).unwrap();
    assert!(send_page.contains(".TH handoff-send 1") && send_page.contains("reads it from stdin"));
}

/// Takes the conversation of `name` over, opens the compose box and picks `query` with `open`
/// (the keys that open the picker), Enter; returns the screen once the draft shows `expect`.
fn pick(t: &mut Term, name: &str, first_words: &str, open: &str, query: &str, expect: &str) {
    open_by_name(t, name, first_words, WAIT);
    t.keys("t");
    t.wait_for("taken over", WAIT);
    t.keys("i");
    t.keys(open);
    t.wait_for("Snippets", WAIT);
    t.keys(query);
    t.wait_for(expect, WAIT);
    t.keys("\r");
    t.wait_until("the picker closed", WAIT, |s| !s.contains("Snippets"));
}

#[test]
fn a_snippet_picked_with_slash_and_sent_carries_the_customers_first_name() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(create(
        &h,
        "raia",
        "Wanda Waiting",
        "needs_human",
        json!([{"author": "customer", "text": "Can I talk to a person?"}]),
    ));
    let dir = dir_with_config(&config(&h, ""));
    write_snippets(dir.path(), GREET);
    let mut t = Term::start_with_env(dir, 120, 40, &[]);
    t.wait_for("raia ✓", WAIT);
    // The picker shows each snippet's text as it would be inserted here.
    pick(&mut t, "Wanda", "Can I talk", "/", "gre", "Hi Wanda, Dana here.");
    let screen = t.screen();
    assert!(
        !screen.contains("sent to Wanda"),
        "Enter in the picker inserts, never sends:\n{screen}"
    );
    rt.block_on(clear_received(&h));
    t.keys("\r");
    t.wait_for("sent to Wanda Waiting", WAIT);
    assert_eq!(rt.block_on(sent(&h)), [json!({"message": "Hi Wanda, Dana here."})]);
    t.keys("\x03");
}

#[test]
fn a_customer_the_platform_does_not_name_gets_the_fallback() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    // No name: the adapter shows the email in its place, which is nobody's first name.
    rt.block_on(control(
        &h,
        reqwest::Method::POST,
        "conversations",
        Some(
            json!({"platform": "raia", "customer_name": "", "email": "nobody@example.org",
            "status": "needs_human", "messages": [{"author": "customer", "text": "hello anyone"}]}),
        ),
    ));
    let dir = dir_with_config(&config(&h, ""));
    write_snippets(dir.path(), GREET);
    let mut t = Term::start_with_env(dir, 120, 40, &[]);
    t.wait_for("raia ✓", WAIT);
    // Ctrl+p, the global key, this time.
    pick(
        &mut t,
        "nobody",
        "hello anyone",
        "\x10",
        "greet",
        "Hi there, Dana here.",
    );
    rt.block_on(clear_received(&h));
    t.keys("\r");
    t.wait_for("sent to nobody@example.org", WAIT);
    assert_eq!(rt.block_on(sent(&h)), [json!({"message": "Hi there, Dana here."})]);
    t.keys("\x03");
}

#[test]
fn a_variable_without_value_is_named_and_a_bad_file_is_a_start_up_warning() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(create(
        &h,
        "raia",
        "Visitor",
        "needs_human",
        json!([{"author": "customer", "text": "who am i"}]),
    ));
    let dir = dir_with_config(&config(&h, ""));
    write_snippets(dir.path(), "[snippets]\nbad = 1\n");
    let mut t = Term::start_with_env(dir.clone(), 120, 40, &[]);
    let screen = t.wait_for("snippets not loaded", WAIT);
    assert!(screen.contains("snippets.toml:2:7"), "file and line:\n{screen}");
    t.wait_for("Visitor", WAIT);
    t.keys("\x03");
    common::term::wait_exit(&mut t);

    write_snippets(dir.path(), "[snippets]\nname = \"Dear {customer.name}\"\n");
    let mut t = t.restart();
    t.wait_for("raia ✓", WAIT);
    pick(&mut t, "Visitor", "who am i", "/", "name", "Dear {customer.name}");
    t.wait_for("no value for {customer.name}", WAIT);
    t.keys("\x03");
}

#[test]
fn in_team_mode_the_picker_offers_the_team_dirs_snippets_under_the_personal_ones() {
    use std::os::unix::fs::PermissionsExt;
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(create(
        &h,
        "raia",
        "Tia Team",
        "needs_human",
        json!([{"author": "customer", "text": "a person please"}]),
    ));
    let team = tempfile::tempdir().unwrap();
    std::fs::set_permissions(team.path(), std::fs::Permissions::from_mode(0o770)).unwrap();
    std::fs::write(
        team.path().join("snippets.toml"),
        "[snippets]\ngreet = \"the team's greeting\"\nhours = \"We answer 9 to 17, {customer.first_name}.\"\n",
    )
    .unwrap();
    let extra = format!("\n[team]\ndir = \"{}\"\n", team.path().display());
    let dir = dir_with_config(&config(&h, &extra));
    write_snippets(dir.path(), GREET);
    let mut t = Term::start_with_env(dir, 120, 40, &[]);
    t.wait_for("raia ✓", WAIT);
    open_by_name(&mut t, "Tia", "a person please", WAIT);
    t.keys("\x10");
    let screen = t.wait_for("We answer 9 to 17, Tia.", WAIT);
    assert!(screen.contains("Hi Tia, Dana here."), "the personal greet:\n{screen}");
    assert!(!screen.contains("the team's greeting"), "overridden by name:\n{screen}");
    t.keys("\x03");
}
