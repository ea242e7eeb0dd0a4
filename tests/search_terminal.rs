//! Issue 13, point 4 on a real terminal against the sandbox: a word only in an old message is
//! found by the search view and opens the thread scrolled to it; `chloe` finds Chloé (in the
//! search and in the list filter); the list filter narrows the list as each character is typed.
#![cfg(feature = "sandbox")]

mod common;

use common::term::{Term, config, runtime};
use common::*;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// A thread whose first message holds `first`, then `more` messages after it.
fn long_thread(first: &str, more: usize) -> Value {
    let mut messages = vec![json!({"author": "customer", "text": first})];
    for i in 0..more {
        let author = if i % 2 == 0 { "ai" } else { "customer" };
        messages.push(json!({"author": author, "text": format!("later message {i}")}));
    }
    Value::Array(messages)
}

#[test]
fn a_word_only_in_an_old_message_is_found_and_opens_the_thread_there() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(create(
        &h,
        "chatvolt",
        "Olga Oldword",
        "needs_human",
        long_thread("my parcel went to Xylocarp island", 40),
    ));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    t.wait_for("volt ✓", WAIT);
    // Waiting: its thread is read for the preview, cached, and indexed.
    t.wait_for("later message 39", WAIT);
    let screen = t.screen();
    assert!(
        !screen.contains("Xylocarp"),
        "the old message is not on screen:\n{screen}"
    );
    t.keys("s");
    t.wait_for("search: ", WAIT);
    t.keys("xyloc");
    let screen = t.wait_for("1 match", WAIT);
    assert!(screen.contains("Olga Oldword"), "{screen}");
    assert!(screen.contains("went to Xylocarp island"), "the snippet:\n{screen}");
    t.keys("\r");
    let screen = t.wait_for("◆ found", WAIT);
    assert!(
        screen.contains("my parcel went to Xylocarp island"),
        "scrolled to it:\n{screen}"
    );
    assert!(screen.contains("newer"), "the newer messages are below:\n{screen}");
    t.keys("\x03");
}

#[test]
fn chloe_finds_chloe_with_its_accent_in_the_search_and_the_filter() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(create(
        &h,
        "chatvolt",
        "Chloé Martin",
        "ai",
        json!([{"author": "customer", "text": "bonjour"}]),
    ));
    let mut t = Term::start(&config(&h, ""), 120, 40);
    t.wait_for("volt ✓", WAIT);
    t.wait_for("Chloé Martin", WAIT);
    t.keys("s");
    t.wait_for("search: ", WAIT);
    t.keys("chloe");
    let screen = t.wait_for("1 match", WAIT);
    assert!(screen.contains("Chloé Martin"), "{screen}");
    t.keys("\r");
    t.wait_for("bonjour", WAIT);
    t.keys("\x1b");
    t.keys("/chloe");
    let screen = t.wait_until("the list narrowed to Chloé", WAIT, |s| {
        s.contains("Chloé Martin") && s.contains("All (1)")
    });
    assert!(screen.contains("/chloe"), "{screen}");
    t.keys("\x03");
}

#[test]
fn the_list_filter_narrows_as_each_character_is_typed() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let first = json!([{"author": "customer", "text": "hello"}]);
    for name in ["Zyx Aardvark", "Zyx Abacus", "Zyq Bolt"] {
        rt.block_on(create(&h, "chatvolt", name, "ai", first.clone()));
    }
    let mut t = Term::start(&config(&h, ""), 120, 40);
    t.wait_for("volt ✓", WAIT);
    t.wait_for("Zyq Bolt", WAIT);
    t.keys("/");
    // After each character, without Enter: which of the three are still listed.
    for (typed, listed) in [
        ("z", [true, true, true]),
        ("zy", [true, true, true]),
        ("zyx", [true, true, false]),
        ("zyx ", [true, true, false]),
        ("zyx a", [true, true, false]),
        ("zyx ab", [false, true, false]),
    ] {
        let last = typed.chars().last().unwrap();
        t.keys(&last.to_string());
        let screen = t.wait_until(&format!("the list for {typed:?}"), WAIT, |s| {
            s.contains(&format!("/{typed}▏"))
                && [
                    s.contains("Zyx Aardvark"),
                    s.contains("Zyx Abacus"),
                    s.contains("Zyq Bolt"),
                ] == listed
        });
        assert!(screen.contains(&format!("/{typed}")), "{screen}");
    }
    // Ctrl+U empties the line: all three again.
    t.keys("\x15");
    t.wait_until("all three again", WAIT, |s| {
        s.contains("Zyx Aardvark") && s.contains("Zyx Abacus") && s.contains("Zyq Bolt")
    });
    t.keys("\x03");
}

#[test]
fn with_the_mouse_on_a_click_moves_the_selection_and_a_second_opens() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    rt.block_on(create(
        &h,
        "chatvolt",
        "Mona Mouse",
        "ai",
        json!([{"author": "customer", "text": "clicked open"}]),
    ));
    let mut t = Term::start(&config(&h, "\n[ui]\nmouse = true\n"), 120, 40);
    t.wait_for("volt ✓", WAIT);
    let screen = t.wait_for("Mona Mouse", WAIT);
    let line = screen.lines().position(|l| l.contains("Mona Mouse")).unwrap();
    let before = t.selected_row(10);
    assert_ne!(
        before,
        Some(u16::try_from(line).unwrap()),
        "not selected yet:\n{screen}"
    );
    // SGR mouse: ESC [ < button ; column ; row M (press) / m (release), 1-based.
    let click = format!("\x1b[<0;10;{row}M\x1b[<0;10;{row}m", row = line + 1);
    t.keys(&click);
    let deadline = std::time::Instant::now() + WAIT;
    while t.selected_row(10) != Some(u16::try_from(line).unwrap()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the selection did not move:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    t.keys(&click);
    t.wait_for("clicked open", WAIT);
    t.keys("q");
    common::term::wait_exit(&mut t);
    let written = t.bytes.lock().unwrap().clone();
    let on = common::term::count(&written, b"\x1b[?1000h");
    let off = common::term::count(&written, b"\x1b[?1000l");
    assert!(on >= 1 && off >= 1, "capture turned on, and off at exit ({on}, {off})");
}

#[test]
fn a_start_up_warning_cut_in_the_status_bar_reads_whole_in_the_message_log() {
    let rt = runtime();
    let h = rt.block_on(quiet(6));
    let dir = common::term::dir_with_config(&config(&h, ""));
    std::fs::create_dir_all(dir.path().join("handoff")).unwrap();
    let action = "an_action_nobody_declared_with_a_long_name";
    let keymap = format!("[global]\n{action} = [\"x\"]\n");
    std::fs::write(dir.path().join("handoff/keymap.toml"), keymap).unwrap();
    let mut t = Term::start_with_env(dir, 80, 24, &[]);
    let screen = t.wait_for("…  L", WAIT);
    assert!(!screen.contains(action), "cut in the status bar:\n{screen}");
    t.keys("L");
    let screen = t.wait_for("Messages — ", WAIT);
    assert!(screen.contains(action), "the whole warning:\n{screen}");
    t.keys("\x1b");
    t.wait_until("the log closed", WAIT, |s| !s.contains("Messages — "));
    t.keys("\x03");
}
