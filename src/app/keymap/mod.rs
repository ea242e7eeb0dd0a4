//! The keymap: named actions per context, loaded from the embedded `keymap.toml` and merged with
//! the user's file. Keys are data (gurk-rs, yazi, aerc): the help overlay is generated from the
//! live keymap, and a user file never stops the program — its problems come back as warnings.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::key::{Key, KeyCode};

mod action;
mod file;
#[cfg(test)]
mod tests;

pub use action::Action;
use file::{Entry, parse_entries};

/// The default keymap; `defaults()` parses it, and a test keeps it free of warnings.
const DEFAULT_TOML: &str = include_str!("../../../keymap.toml");
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
