use std::io::Write;

use super::*;

fn key(s: &str) -> Key {
    Key::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Load `text` as the user's keymap from a real file, as the program does.
fn load_user(text: &str) -> (Keymap, Vec<String>, String) {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().expect("temp file");
    file.write_all(text.as_bytes()).expect("write temp file");
    let (keymap, warnings) = Keymap::load(Some(file.path()));
    (keymap, warnings, file.path().display().to_string())
}

fn assert_warned(warnings: &[String], parts: &[&str]) {
    assert!(
        warnings.iter().any(|w| parts.iter().all(|p| w.contains(p))),
        "no warning contains all of {parts:?}: {warnings:#?}"
    );
}

#[test]
fn defaults_load_cleanly_and_reach_every_action() {
    let (keymap, warnings) = Keymap::load(None);
    assert!(warnings.is_empty(), "{warnings:#?}");
    for action in Action::ALL {
        assert!(
            Context::ALL.iter().any(|&c| !keymap.keys(c, action).is_empty()),
            "{} has no key in any context",
            action.name()
        );
    }
    // Names round-trip, so every action can be written in a user file.
    for action in Action::ALL {
        assert_eq!(Action::from_name(action.name()), Some(action));
    }
    for context in Context::ALL {
        assert_eq!(Context::from_name(context.name()), Some(context));
    }
}

/// Actions that deliberately have no default key (a user file can still bind them).
const UNBOUND_BY_DEFAULT: &[Action] = &[];

/// The `name = …` lines of keymap.toml, read as text rather than through the parser under
/// test, so a name the parser would drop still counts against it.
fn names_in_default_toml() -> HashSet<&'static str> {
    DEFAULT_TOML
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#') && !line.starts_with('['))
        .filter_map(|line| line.split_once('='))
        .map(|(name, _)| name.trim())
        .collect()
}

#[test]
fn every_declared_action_can_be_bound() {
    // `Action::ALL` is generated from the declarations, so it holds every variant; checked
    // here against the embedded file, which is kept by hand.
    let bound = names_in_default_toml();
    for action in Action::ALL {
        let name = action.name();
        assert_eq!(Action::from_name(name), Some(action), "{name} does not parse back");
        let unbound = UNBOUND_BY_DEFAULT.contains(&action);
        assert!(
            bound.contains(name) || unbound,
            "{name} has no default key in keymap.toml and is not in UNBOUND_BY_DEFAULT"
        );
        assert!(
            !(bound.contains(name) && unbound),
            "{name} is bound but listed as unbound"
        );
    }
    for name in bound {
        assert!(
            Action::from_name(name).is_some(),
            "keymap.toml binds unknown action {name:?}"
        );
    }
}

#[test]
fn default_bindings_per_context() {
    let keymap = Keymap::defaults();
    let cases: &[(Context, &str, Option<Action>)] = &[
        (Context::List, "j", Some(Action::Down)),
        (Context::List, "Down", Some(Action::Down)),
        (Context::List, "G", Some(Action::Last)),
        (Context::List, "Ctrl+d", Some(Action::PageDown)),
        (Context::List, "Right", Some(Action::Open)),
        (Context::List, "t", Some(Action::TakeOver)), // global
        (Context::List, "q", Some(Action::Quit)),
        (Context::List, "Tab", Some(Action::FocusNext)),
        (Context::List, "x", None),
        (Context::Thread, "G", Some(Action::JumpLatest)),
        (Context::Thread, "End", Some(Action::JumpLatest)),
        (Context::Thread, "h", Some(Action::Back)),
        (Context::Thread, "i", Some(Action::Compose)),
        (Context::Compose, "Enter", Some(Action::Send)),
        (Context::Compose, "Alt+Enter", Some(Action::NewLine)),
        (Context::Compose, "Ctrl+j", Some(Action::NewLine)),
        (Context::Compose, "Esc", Some(Action::LeaveCompose)),
        // Typed text, not commands.
        (Context::Compose, "q", None),
        (Context::Compose, "t", None),
        (Context::Compose, "?", None),
        (Context::Compose, "Tab", None),
        (Context::Compose, "Down", None),
        // Ctrl/Alt/function keys still reach the global map.
        (Context::Compose, "Ctrl+c", Some(Action::ForceQuit)),
        (Context::Compose, "F1", Some(Action::Help)),
        (Context::Filter, "Enter", Some(Action::Open)),
        (Context::Filter, "Esc", Some(Action::Back)),
        (Context::Filter, "n", None),
        (Context::Filter, "Ctrl+c", Some(Action::ForceQuit)),
        (Context::Help, "q", Some(Action::Back)),
        (Context::Help, "?", Some(Action::Back)),
        (Context::Confirm, "y", Some(Action::Yes)),
        (Context::Confirm, "n", Some(Action::No)),
        (Context::Confirm, "q", None),
        (Context::Global, "j", None),
        (Context::Global, "Ctrl+c", Some(Action::ForceQuit)),
    ];
    for &(context, k, want) in cases {
        assert_eq!(keymap.action(context, key(k)), want, "{k} in {context:?}");
    }
}

#[test]
fn lookup_normalises_hand_built_keys() {
    let keymap = Keymap::defaults();
    let shifted_g = Key {
        code: KeyCode::Char('G'),
        ctrl: false,
        alt: false,
        shift: true,
    };
    assert_eq!(keymap.action(Context::List, shifted_g), Some(Action::Last));
    let ctrl_upper_c = Key {
        code: KeyCode::Char('C'),
        ctrl: true,
        alt: false,
        shift: true,
    };
    assert_eq!(keymap.action(Context::Compose, ctrl_upper_c), Some(Action::ForceQuit));
}

#[test]
fn keys_and_hints_include_reachable_globals() {
    let keymap = Keymap::defaults();
    assert_eq!(keymap.keys(Context::List, Action::Down), vec![key("j"), key("Down")]);
    assert_eq!(keymap.keys(Context::List, Action::TakeOver), vec![key("t")]);
    assert_eq!(keymap.hint(Context::List, Action::TakeOver), "t");
    assert_eq!(keymap.hint(Context::Thread, Action::PageDown), "PgDn");
    assert_eq!(keymap.hint(Context::Compose, Action::ForceQuit), "Ctrl+C");
    // `?` is text while composing, but F1 still opens the help.
    assert_eq!(keymap.keys(Context::Compose, Action::Help), vec![key("F1")]);
    // In the help, `?` closes it (own binding shadows the global one).
    assert_eq!(keymap.keys(Context::Help, Action::Help), vec![key("F1")]);
    assert_eq!(keymap.hint(Context::Compose, Action::Quit), "(unbound)");
    assert_eq!(keymap.hint(Context::List, Action::Send), "(unbound)");
}

#[test]
fn user_file_replaces_unbinds_and_adds_keys() {
    let (keymap, warnings, _) = load_user(
        r#"
        [global]
        take_over = ["t", "T"]   # several keys
        quit = ""                # unbind
        resolve = []             # unbind, the other way
        hand_back = "b"          # a single string

        [list]
        down = ["Ctrl+n"]        # replaces j and Down
        "#,
    );
    assert!(warnings.is_empty(), "{warnings:#?}");
    let cases: &[(Context, &str, Option<Action>)] = &[
        (Context::List, "t", Some(Action::TakeOver)),
        (Context::List, "T", Some(Action::TakeOver)),
        (Context::List, "q", None),
        (Context::List, "r", None),
        (Context::List, "b", Some(Action::HandBack)),
        (Context::List, "a", None),
        (Context::List, "Ctrl+n", Some(Action::Down)),
        (Context::List, "j", None),
        (Context::List, "Down", None),
        // Untouched defaults remain, and other contexts keep their own `down`.
        (Context::List, "k", Some(Action::Up)),
        (Context::Thread, "j", Some(Action::Down)),
        (Context::Help, "q", Some(Action::Back)),
    ];
    for &(context, k, want) in cases {
        assert_eq!(keymap.action(context, key(k)), want, "{k} in {context:?}");
    }
    assert_eq!(keymap.keys(Context::Global, Action::TakeOver), vec![key("t"), key("T")]);
    assert_eq!(keymap.hint(Context::List, Action::Quit), "(unbound)");
}

#[test]
fn conflict_with_a_default_is_reported_and_the_user_wins() {
    let (keymap, warnings, path) = load_user("[list]\nresolve = [\"j\"]\n");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_warned(
        &warnings,
        &[&format!("{path}:2"), "[list]", "\"j\"", "down", "resolve", "default"],
    );
    assert_eq!(keymap.action(Context::List, key("j")), Some(Action::Resolve));
    // The loser keeps its other keys, and no longer claims `j` in help or hints.
    assert_eq!(keymap.keys(Context::List, Action::Down), vec![key("Down")]);
    // Global `r` is untouched: the list binding is an addition in that context only.
    assert_eq!(keymap.action(Context::List, key("r")), Some(Action::Resolve));
}

#[test]
fn conflict_between_user_bindings_the_later_wins() {
    let (keymap, warnings, path) = load_user("[global]\ntake_over = \"x\"\nresolve = \"x\"\n");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_warned(
        &warnings,
        &[&format!("{path}:3"), "take_over (line 2)", "resolve", "later"],
    );
    assert_eq!(keymap.action(Context::List, key("x")), Some(Action::Resolve));
    assert_eq!(keymap.hint(Context::List, Action::TakeOver), "(unbound)");
}

#[test]
fn moving_a_key_between_actions_is_not_a_conflict() {
    // `t` leaves take_over and goes to resolve in the same file: no warning.
    let (keymap, warnings, _) = load_user("[global]\ntake_over = \"T\"\nresolve = \"t\"\n");
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert_eq!(keymap.action(Context::List, key("t")), Some(Action::Resolve));
    assert_eq!(keymap.action(Context::List, key("T")), Some(Action::TakeOver));
}

#[test]
fn bad_lines_warn_and_the_rest_still_applies() {
    let (keymap, warnings, path) = load_user(
        r#"[lst]
down = ["x"]

[list]
tak_over = ["x"]
down = ["Hyper+x", "J"]
up = ["Ctrl+"]
first = 3
last = ["Z"]

[thread]
back = ["Backspace"]
"#,
    );
    assert_warned(&warnings, &[&format!("{path}:1"), "unknown section [lst]"]);
    assert_warned(&warnings, &[&format!("{path}:5"), "unknown action \"tak_over\""]);
    assert_warned(&warnings, &[&format!("{path}:6"), "[list] down", "Hyper"]);
    assert_warned(&warnings, &[&format!("{path}:7"), "[list] up", "missing key"]);
    assert_warned(&warnings, &[&format!("{path}:8"), "[list] first", "found integer"]);
    // The good parts applied.
    assert_eq!(keymap.action(Context::List, key("J")), Some(Action::Down));
    assert_eq!(keymap.action(Context::List, key("j")), None);
    assert_eq!(keymap.action(Context::List, key("Z")), Some(Action::Last));
    assert_eq!(keymap.action(Context::Thread, key("Backspace")), Some(Action::Back));
    // Nothing usable in `up` and `first`: they keep their defaults instead of going unbound.
    assert_eq!(keymap.action(Context::List, key("k")), Some(Action::Up));
    assert_eq!(keymap.action(Context::List, key("g")), Some(Action::First));
    assert_eq!(keymap.action(Context::List, key("x")), None);
}

#[test]
fn a_toml_syntax_error_falls_back_to_the_defaults() {
    let (keymap, warnings, path) = load_user("[list]\ndown = [\"j\"\nup = \"k\"\n");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_warned(&warnings, &[&path, "not valid TOML", "default keymap"]);
    assert!(warnings[0].starts_with(&format!("{path}:")), "{warnings:#?}");
    assert_eq!(keymap.action(Context::List, key("j")), Some(Action::Down));
    assert_eq!(keymap.action(Context::List, key("t")), Some(Action::TakeOver));
}

#[test]
fn an_unreadable_file_falls_back_to_the_defaults() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("keymap.toml");
    let (keymap, warnings) = Keymap::load(Some(&missing));
    assert_warned(&warnings, &[&missing.display().to_string(), "could not read"]);
    assert_eq!(keymap.action(Context::List, key("j")), Some(Action::Down));
}

#[test]
fn help_is_generated_from_the_live_keymap() {
    let defaults = Keymap::defaults().help();
    let titles: Vec<_> = defaults.iter().map(|s| s.title).collect();
    assert_eq!(titles, ["Global", "List", "Thread", "Compose", "Filter"]);
    let row = |help: &[HelpSection], title: &str, desc: &str| {
        help.iter()
            .find(|s| s.title == title)
            .and_then(|s| s.rows.iter().find(|(_, d)| *d == desc))
            .map(|(keys, _)| keys.clone())
    };
    assert_eq!(row(&defaults, "List", "move down").as_deref(), Some("j ↓"));
    assert_eq!(
        row(&defaults, "Thread", "jump to the latest message").as_deref(),
        Some("G End")
    );
    assert_eq!(
        row(&defaults, "Global", "quit now, from anywhere").as_deref(),
        Some("Ctrl+C")
    );
    assert_eq!(
        row(&defaults, "Filter", "clear the filter · search: leave").as_deref(),
        Some("Esc")
    );
    let take_over = "take over from the AI (manual mode)";
    assert_eq!(row(&defaults, "Global", take_over).as_deref(), Some("t"));

    let (keymap, warnings) = Keymap::with_user_toml("[global]\ntake_over = [\"T\", \"F2\"]\nquit = \"\"\n", "mine");
    assert!(warnings.is_empty(), "{warnings:#?}");
    let remapped = keymap.help();
    assert_eq!(row(&remapped, "Global", take_over).as_deref(), Some("T F2"));
    assert_eq!(row(&remapped, "Global", "quit"), None);
}
