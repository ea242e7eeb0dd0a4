//! The keymap: named actions per context, loaded from the embedded `keymap.toml` and merged with
//! the user's file. Keys are data (gurk-rs, yazi, aerc): the help overlay is generated from the
//! live keymap, and a user file never stops the program — its problems come back as warnings.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::key::{Key, KeyCode};

/// The default keymap; `defaults()` parses it, and a test keeps it free of warnings.
const DEFAULT_TOML: &str = include_str!("../../keymap.toml");
const DEFAULT_ORIGIN: &str = "built-in keymap.toml";

/// A section of the keymap: where a key press lands ([`Place`]), or `Global`, whose bindings
/// apply in every other context unless that context binds the key itself (and, in the
/// text-input contexts, only for Ctrl/Alt/function keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    Global,
    List,
    Thread,
    Compose,
    Filter,
    Help,
    Confirm,
}

impl Context {
    pub const ALL: [Context; 7] = [
        Context::Global,
        Context::List,
        Context::Thread,
        Context::Compose,
        Context::Filter,
        Context::Help,
        Context::Confirm,
    ];

    /// The section name in `keymap.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Thread => "thread",
            Context::Compose => "compose",
            Context::Filter => "filter",
            Context::Help => "help",
            Context::Confirm => "confirm",
        }
    }

    /// The heading in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Global",
            Context::List => "List",
            Context::Thread => "Thread",
            Context::Compose => "Compose",
            Context::Filter => "Filter",
            Context::Help => "Help",
            Context::Confirm => "Confirm",
        }
    }

    pub fn from_name(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Contexts where plain keys are typed text, so plain global keys (`q`, `1`, Tab…) must not fire.
    fn takes_text(self) -> bool {
        matches!(self, Context::Compose | Context::Filter | Context::Confirm)
    }
}

/// Where the focus can be when a key is pressed: every context but `Global`, which only holds
/// the bindings the others share. `update` dispatches on this, so it needs no arm for `Global`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    List,
    Thread,
    Compose,
    Filter,
    Help,
    Confirm,
}

impl From<Place> for Context {
    fn from(place: Place) -> Context {
        match place {
            Place::List => Context::List,
            Place::Thread => Context::Thread,
            Place::Compose => Context::Compose,
            Place::Filter => Context::Filter,
            Place::Help => Context::Help,
            Place::Confirm => Context::Confirm,
        }
    }
}

/// Declares every action once — variant, name in `keymap.toml`, description in the help, and
/// how the description reads in particular contexts — and derives from that one list the enum,
/// `Action::ALL`, the names both ways and the descriptions. A `macro_rules!` rather than
/// `strum`: the table is the whole need, and it keeps names and per-context wording together.
macro_rules! actions {
    ($(
        $variant:ident = $name:literal, $description:literal
            $({ $($context:ident: $wording:literal),+ $(,)? })?;
    )+) => {
        /// What a key asks the application to do. The app decides what each means in its
        /// context. Declaration order is the row order in the help overlay.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)+
        }

        impl Action {
            /// Every action, in declaration order; generated, so none can be left out.
            pub const ALL: [Action; [$($name),+].len()] = [$(Action::$variant),+];

            /// The stable snake_case name used in `keymap.toml`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)+
                }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name {
                    $($name => Some(Action::$variant),)+
                    _ => None,
                }
            }

            /// One line for the help overlay.
            pub fn description(self) -> &'static str {
                match self {
                    $(Action::$variant => $description,)+
                }
            }

            /// Contexts where the description reads differently.
            fn wordings(self) -> &'static [(Context, &'static str)] {
                match self {
                    $(Action::$variant => &[$($((Context::$context, $wording)),+)?],)+
                }
            }
        }
    };
}

actions! {
    Down = "down", "move down" { Thread: "scroll down" };
    Up = "up", "move up" { Thread: "scroll up" };
    First = "first", "go to the top" { Thread: "scroll to the oldest message" };
    Last = "last", "go to the bottom";
    PageDown = "page_down", "page down" { Thread: "scroll a page down" };
    PageUp = "page_up", "page up" { Thread: "scroll a page up" };
    JumpLatest = "jump_latest", "jump to the latest message";
    Open = "open", "open the conversation" { Filter: "apply the filter" };
    Back = "back", "go back" {
        Thread: "back to the list",
        Filter: "cancel the filter",
        Help: "close the help",
    };
    FocusNext = "focus_next", "switch between the list and the thread";
    NextNeedingHuman = "next_needing_human", "next conversation that needs a human";
    ViewNeedsYou = "view_needs_you", "view: needs you";
    ViewMine = "view_mine", "view: mine";
    ViewAll = "view_all", "view: all";
    ViewResolved = "view_resolved", "view: resolved";
    Filter = "filter", "filter the list";
    Compose = "compose", "write a reply";
    TakeOver = "take_over", "take over from the AI (manual mode)";
    HandBack = "hand_back", "hand back to the AI";
    Resolve = "resolve", "mark the conversation resolved";
    Editor = "edit_in_editor", "write the reply in $EDITOR";
    Copy = "copy", "copy the message to the clipboard";
    RestoreUnsent = "restore_unsent", "put an unsent reply back in the draft";
    Refresh = "refresh", "ask every account now";
    Accounts = "accounts", "every account's state and errors";
    Send = "send", "send the reply";
    NewLine = "new_line", "new line in the reply";
    LeaveCompose = "leave_compose", "leave the reply box";
    Yes = "yes", "yes, go ahead";
    No = "no", "no, cancel";
    Help = "help", "show or hide this help";
    Quit = "quit", "quit";
    ForceQuit = "force_quit", "quit now, from anywhere";
}

impl Action {
    /// The description as it reads in one context (e.g. `back` in the filter cancels it).
    pub fn description_in(self, context: Context) -> &'static str {
        self.wordings()
            .iter()
            .find(|(c, _)| *c == context)
            .map_or(self.description(), |&(_, wording)| wording)
    }
}

/// One block of the help overlay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpSection {
    pub title: &'static str,
    /// (keys as labels joined by spaces, e.g. `"j ↓"`; description)
    pub rows: Vec<(String, &'static str)>,
}

/// The contexts the help overlay shows, in order. Help and Confirm describe themselves on screen.
const HELP_CONTEXTS: [Context; 5] = [
    Context::Global,
    Context::List,
    Context::Thread,
    Context::Compose,
    Context::Filter,
];

#[derive(Clone, Debug, Default)]
pub struct Keymap {
    /// Consulted on every keystroke.
    lookup: HashMap<(Context, Key), Action>,
    /// Each context's own keys per action, in the order written (the first one is the hint).
    bindings: HashMap<(Context, Action), Vec<Key>>,
}

impl Keymap {
    /// The built-in keymap alone.
    pub fn defaults() -> Keymap {
        // Warnings here would be a bug in keymap.toml; a unit test keeps it clean.
        Keymap::build(None).0
    }

    /// The defaults merged with the user's file (`$XDG_CONFIG_HOME/handoff/keymap.toml` when it
    /// exists), plus warnings in plain words. Never fails: a bad file falls back to the defaults.
    pub fn load(user_file: Option<&Path>) -> (Keymap, Vec<String>) {
        let Some(path) = user_file else {
            return Keymap::build(None);
        };
        let origin = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Keymap::with_user_toml(&text, &origin),
            Err(e) => {
                let (keymap, mut warnings) = Keymap::build(None);
                warnings.push(format!("{origin}: could not read it ({e}); using the default keymap"));
                (keymap, warnings)
            }
        }
    }

    /// Like [`Keymap::load`] for text already in memory; `origin` names it in warnings.
    pub fn with_user_toml(text: &str, origin: &str) -> (Keymap, Vec<String>) {
        Keymap::build(Some((text, origin)))
    }

    /// The action for a key pressed in `context`: the context's own binding first, then `Global`.
    pub fn action(&self, context: Context, key: Key) -> Option<Action> {
        let key = key.normalized();
        if let Some(&action) = self.lookup.get(&(context, key)) {
            return Some(action);
        }
        if context == Context::Global || (context.takes_text() && is_plain(key)) {
            return None;
        }
        self.lookup.get(&(Context::Global, key)).copied()
    }

    /// Every key that triggers `action` when pressed in `context`, including reachable global
    /// ones, own bindings first (for hints like "press t to take over").
    pub fn keys(&self, context: Context, action: Action) -> Vec<Key> {
        let mut keys = self.own_keys(context, action).to_vec();
        if context != Context::Global {
            for &key in self.own_keys(Context::Global, action) {
                if self.action(context, key) == Some(action) && !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        keys
    }

    /// The first key's label, or `"(unbound)"`.
    pub fn hint(&self, context: Context, action: Action) -> String {
        match self.keys(context, action).first() {
            Some(key) => key.label(),
            None => "(unbound)".to_string(),
        }
    }

    /// The help overlay's content, from the live keymap: per context its own bindings (global
    /// ones appear once, under Global). Unbound actions and empty sections are left out.
    pub fn help(&self) -> Vec<HelpSection> {
        HELP_CONTEXTS
            .into_iter()
            .map(|context| HelpSection {
                title: context.title(),
                rows: Action::ALL
                    .into_iter()
                    .filter_map(|action| {
                        let keys = self.own_keys(context, action);
                        (!keys.is_empty()).then(|| {
                            let labels: Vec<String> = keys.iter().map(Key::label).collect();
                            (labels.join(" "), action.description_in(context))
                        })
                    })
                    .collect(),
            })
            .filter(|section| !section.rows.is_empty())
            .collect()
    }

    fn own_keys(&self, context: Context, action: Action) -> &[Key] {
        self.bindings.get(&(context, action)).map_or(&[], Vec::as_slice)
    }

    fn build(user: Option<(&str, &str)>) -> (Keymap, Vec<String>) {
        let mut warnings = Vec::new();
        // A broken built-in file is reported rather than panicking; the unit test catches it.
        let defaults = parse_entries(DEFAULT_TOML, DEFAULT_ORIGIN, &mut warnings).unwrap_or_else(|e| {
            warnings.push(e);
            Vec::new()
        });
        let user_entries = match user {
            None => Vec::new(),
            Some((text, origin)) => parse_entries(text, origin, &mut warnings).unwrap_or_else(|e| {
                warnings.push(format!("{e}; using the default keymap"));
                Vec::new()
            }),
        };
        // The user's list replaces the default one for that (context, action).
        let replaced: HashSet<(Context, Action)> = user_entries.iter().map(|e| (e.context, e.action)).collect();

        let mut builder = Builder::default();
        for entry in defaults
            .into_iter()
            .filter(|e| !replaced.contains(&(e.context, e.action)))
        {
            builder.bind(entry, DEFAULT_ORIGIN, false, &mut warnings);
        }
        // In file order, so that between two user bindings of one key the later one wins.
        if let Some((_, origin)) = user {
            for entry in user_entries {
                builder.bind(entry, origin, true, &mut warnings);
            }
        }
        let lookup = builder
            .owners
            .into_iter()
            .map(|(slot, owner)| (slot, owner.action))
            .collect();
        (
            Keymap {
                lookup,
                bindings: builder.bindings,
            },
            warnings,
        )
    }
}

/// Keys that produce text; in the text-input contexts they must reach the input.
fn is_plain(key: Key) -> bool {
    !(key.ctrl || key.alt || matches!(key.code, KeyCode::F(_)))
}

/// One `action = [...]` line of a keymap file, already validated.
struct Entry {
    context: Context,
    action: Action,
    keys: Vec<Key>,
    line: usize,
}

/// Who holds a key in a context while building, to word conflicts.
#[derive(Clone, Copy)]
struct Owner {
    action: Action,
    user: bool,
    line: usize,
}

#[derive(Default)]
struct Builder {
    owners: HashMap<(Context, Key), Owner>,
    bindings: HashMap<(Context, Action), Vec<Key>>,
}

impl Builder {
    /// Bind an entry's keys; a key already held by another action moves to this one, with a warning.
    fn bind(&mut self, entry: Entry, origin: &str, user: bool, warnings: &mut Vec<String>) {
        let Entry {
            context,
            action,
            keys,
            line,
        } = entry;
        for &key in &keys {
            let slot = (context, key);
            if let Some(prev) = self.owners.get(&slot).copied()
                && prev.action != action
            {
                let theirs = if prev.user {
                    format!("line {}", prev.line)
                } else {
                    "default".to_string()
                };
                let winner = if prev.user { "the later one" } else { "yours" };
                warnings.push(format!(
                    "{origin}:{line}: in [{}], \"{key}\" is bound to both {} ({theirs}) and {}; {winner}, {}, wins",
                    context.name(),
                    prev.action.name(),
                    action.name(),
                    action.name(),
                ));
                if let Some(list) = self.bindings.get_mut(&(context, prev.action)) {
                    list.retain(|k| *k != key);
                }
            }
            self.owners.insert(slot, Owner { action, user, line });
        }
        // An empty list is kept: it records the unbinding (and hides the action from help).
        self.bindings.insert((context, action), keys);
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Read a keymap file into entries in file order. Problems with single lines become warnings and
/// the line is skipped; `Err` is a TOML syntax error (the whole file is unusable).
fn parse_entries(text: &str, origin: &str, warnings: &mut Vec<String>) -> Result<Vec<Entry>, String> {
    let document = DeTable::parse(text).map_err(|e| {
        let at = e.span().map(|s| {
            // Bytes, not str slicing: a span off a char boundary must not panic.
            let before = &text.as_bytes()[..s.start.min(text.len())];
            let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
            format!(":{}:{column}", line_of(text, s.start))
        });
        format!(
            "{origin}{}: not valid TOML: {}",
            at.unwrap_or_default(),
            e.message().trim()
        )
    })?;

    let mut entries = Vec::new();
    let mut sections: Vec<_> = document.get_ref().iter().collect();
    sections.sort_by_key(|(name, _)| name.span().start);
    for (section, body) in sections {
        let line = line_of(text, section.span().start);
        let section_name: &str = section.get_ref();
        let Some(context) = Context::from_name(section_name) else {
            let known: Vec<_> = Context::ALL.iter().map(|c| c.name()).collect();
            warnings.push(format!(
                "{origin}:{line}: unknown section [{section_name}] (known: {}); ignored",
                known.join(", ")
            ));
            continue;
        };
        let Some(table) = body.get_ref().as_table() else {
            warnings.push(format!(
                "{origin}:{line}: \"{section_name}\" should be a section like [{section_name}]; ignored"
            ));
            continue;
        };
        let mut rows: Vec<_> = table.iter().collect();
        rows.sort_by_key(|(name, _)| name.span().start);
        for (name, value) in rows {
            let line = line_of(text, name.span().start);
            let action_name: &str = name.get_ref();
            let Some(action) = Action::from_name(action_name) else {
                warnings.push(format!(
                    "{origin}:{line}: unknown action \"{action_name}\" in [{section_name}]; ignored"
                ));
                continue;
            };
            let at = Where {
                text,
                origin,
                section: section_name,
                action: action_name,
            };
            if let Some(keys) = parse_keys(value, &at, warnings) {
                entries.push(Entry {
                    context,
                    action,
                    keys,
                    line,
                });
            }
        }
    }
    Ok(entries)
}

/// A binding's value: `"t"`, `["t", "T"]`, `""` or `[]` (unbind). `None` leaves the action as it
/// was: the value was of the wrong type, or every key in it was unparsable (an unbinding by
/// accident would be worse than the warning alone).
fn parse_keys(value: &Spanned<DeValue<'_>>, at: &Where<'_>, warnings: &mut Vec<String>) -> Option<Vec<Key>> {
    let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
        DeValue::String(_) => vec![value],
        DeValue::Array(array) => array.iter().collect(),
        other => {
            warnings.push(at.warn(
                value,
                &format!(
                    "expected a key like \"t\" or a list like [\"t\", \"T\"], found {}; ignored",
                    other.type_str()
                ),
            ));
            return None;
        }
    };
    let (mut keys, mut tried) = (Vec::new(), 0);
    for item in items {
        let Some(s) = item.get_ref().as_str() else {
            warnings.push(at.warn(item, "a key must be a string like \"t\"; ignored"));
            tried += 1;
            continue;
        };
        if s.trim().is_empty() {
            continue; // "" is the unbinding marker
        }
        tried += 1;
        match Key::parse(s) {
            Ok(key) if !keys.contains(&key) => keys.push(key),
            Ok(_) => {}
            Err(e) => warnings.push(at.warn(item, &format!("{e}; ignored"))),
        }
    }
    if tried > 0 && keys.is_empty() {
        warnings.push(at.warn(value, "no usable key, so the previous binding stays"));
        None
    } else {
        Some(keys)
    }
}

/// Names one binding in warnings: `file:line: [section] action: problem`.
struct Where<'a> {
    text: &'a str,
    origin: &'a str,
    section: &'a str,
    action: &'a str,
}

impl Where<'_> {
    fn warn<T>(&self, at: &Spanned<T>, problem: &str) -> String {
        let line = line_of(self.text, at.span().start);
        format!("{}:{line}: [{}] {}: {problem}", self.origin, self.section, self.action)
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(row(&defaults, "Filter", "cancel the filter").as_deref(), Some("Esc"));
        let take_over = "take over from the AI (manual mode)";
        assert_eq!(row(&defaults, "Global", take_over).as_deref(), Some("t"));

        let (keymap, warnings) = Keymap::with_user_toml("[global]\ntake_over = [\"T\", \"F2\"]\nquit = \"\"\n", "mine");
        assert!(warnings.is_empty(), "{warnings:#?}");
        let remapped = keymap.help();
        assert_eq!(row(&remapped, "Global", take_over).as_deref(), Some("T F2"));
        assert_eq!(row(&remapped, "Global", "quit"), None);
    }
}
