//! Snippets in the compose box: expanding their `{variables}` for the open conversation, and
//! the picker (`/` at the start of an empty line, or the `snippets` key) that filters them as
//! the operator types and inserts the chosen one at the cursor — never sending it.
//!
//! Whose name is it? The adapters fall back to an email, a phone, a handle or "Visitor #…"
//! when the platform names nobody; greeting "Hi vera@example.org" or "Hi Visitor" reads worse
//! than the fallback, so such a `customer.name` has no value (see [`person_name`]).

use super::key::{Key, KeyCode};
use super::keymap::{Action, Context};
use super::model::{Focus, Model, Overlay};
use super::msg::Cmd;
use super::{drafts, notice};
use crate::domain::{Conversation, ConversationKey, Snippet};
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Matcher, Utf32Str};

/// What the model keeps of snippets: loaded at start (`boot`), with who the operator is.
#[derive(Clone, Debug, Default)]
pub struct Snippets {
    pub list: Vec<Snippet>,
    /// `[operator] name`, for `{operator.name}`.
    pub operator: Option<String>,
    /// Where the operator's own file is, to say where to write one when there is none.
    pub file: Option<String>,
}

/// The variables a snippet can use, in the order the help and the README list them.
pub const VARIABLES: [&str; 6] = [
    "customer.first_name",
    "customer.name",
    "operator.name",
    "operator.first_name",
    "account.label",
    "conversation.id",
];

/// What the variables stand for in one conversation (each `None` where nothing is known).
#[derive(Clone, Debug, Default)]
pub struct Vars {
    pub customer: Option<String>,
    pub operator: Option<String>,
    pub account: Option<String>,
    pub conversation: Option<String>,
}

impl Vars {
    /// The variables for `key` as the model knows it.
    pub fn of(model: &Model, key: &ConversationKey) -> Vars {
        let account = model.account(&key.account);
        Vars {
            customer: model
                .conversations
                .get(key)
                .map(|c| &**c)
                .and_then(person_name)
                .map(str::to_string),
            operator: model.snippets.operator.clone(),
            account: account.map(|a| a.label.clone().unwrap_or_else(|| a.name.clone())),
            conversation: Some(key.id.clone()),
        }
    }

    /// `None`: not a variable; `Some(None)`: a variable without a value here.
    fn value(&self, name: &str) -> Option<Option<String>> {
        let first = |s: &Option<String>| s.as_deref().and_then(first_name);
        let value = match name {
            "customer.name" => self.customer.clone(),
            "customer.first_name" => first(&self.customer),
            "operator.name" => self.operator.clone(),
            "operator.first_name" => first(&self.operator),
            "account.label" => self.account.clone(),
            "conversation.id" => self.conversation.clone(),
            _ => return None,
        };
        Some(value.filter(|v| !v.trim().is_empty()))
    }
}

/// The first word of a name (`José María` → `José`).
fn first_name(name: &str) -> Option<String> {
    name.split_whitespace().next().map(str::to_string)
}

/// The customer's name when it is a person's name, not what an adapter put in its place: an
/// email, a phone number, an `@handle`, the contact itself, or a placeholder ("Visitor #f12").
pub fn person_name(c: &Conversation) -> Option<&str> {
    let name = c.customer_name.trim();
    let stand_in = name.is_empty()
        || c.customer_contact.as_deref().map(str::trim) == Some(name)
        || name.contains('@')
        || looks_like_phone(name)
        || is_placeholder(name);
    (!stand_in).then_some(name)
}

fn looks_like_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    digits >= 5 && s.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// "Visitor", "Visitor #f123", "Guest 42", "Anonymous": a word platforms use for nobody in
/// particular, alone or followed by a number or an id.
fn is_placeholder(name: &str) -> bool {
    const WORDS: [&str; 7] = ["visitor", "guest", "anonymous", "unknown", "user", "customer", "client"];
    let words: Vec<&str> = name.split_whitespace().collect();
    let generic = words
        .first()
        .is_some_and(|w| WORDS.contains(&w.to_lowercase().as_str()));
    let numbered = |w: &str| w.starts_with('#') || w.starts_with(|c: char| c.is_ascii_digit());
    generic && (words.len() == 1 || (words.len() == 2 && numbered(words[1])))
}

/// A snippet's text for one conversation, and what could not be filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expanded {
    pub text: String,
    /// Variables left as written, in the operator's words ("no value for {customer.name}").
    pub problems: Vec<String>,
}

/// Fills in `{variable}` and `{variable|fallback}`. A known variable without a value takes its
/// fallback; without one, and an unknown variable always (a typo should be seen before it is
/// sent), it stays in the text as written and is named in `problems`. Braces around anything
/// that is not a variable name (`{`, `{}`, `{"a": 1}`) are plain text.
pub fn expand(template: &str, vars: &Vars) -> Expanded {
    let mut text = String::with_capacity(template.len());
    let mut problems = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        // A `{` before the closing brace starts again from there: `{{x}}` is `{`, `{x}`, `}`.
        let Some(close) = after.find(['{', '}']).filter(|&i| after.as_bytes()[i] == b'}') else {
            text.push('{');
            rest = after;
            continue;
        };
        let written = &rest[open..open + close + 2];
        match placeholder(&after[..close]) {
            None => text.push_str(written),
            Some((name, fallback)) => match (vars.value(name), fallback) {
                (Some(Some(value)), _) => text.push_str(&value),
                (Some(None), Some(fallback)) => text.push_str(fallback),
                (Some(None), None) => {
                    text.push_str(written);
                    problems.push(format!("no value for {{{name}}}"));
                }
                (None, _) => {
                    text.push_str(written);
                    problems.push(format!("unknown variable {{{name}}}"));
                }
            },
        }
        rest = &after[close + 1..];
    }
    text.push_str(rest);
    problems.dedup();
    Expanded { text, problems }
}

/// `name` or `name|fallback` when `name` looks like a variable (`word.word`, ASCII).
fn placeholder(inside: &str) -> Option<(&str, Option<&str>)> {
    let (name, fallback) = match inside.split_once('|') {
        Some((name, fallback)) => (name.trim(), Some(fallback)),
        None => (inside.trim(), None),
    };
    let word = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    name.split('.').all(word).then_some((name, fallback))
}

/// The picker: what is typed, the snippets it matches (best first, indices into the list) and
/// the chosen row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    pub query: String,
    pub matches: Vec<usize>,
    pub chosen: usize,
    /// Opened by `/` in the box: a second `/` on an empty query types the `/` after all.
    pub by_slash: bool,
}

/// The snippets matching `query` with nucleo (case-insensitive, accents folded), best first:
/// the name fuzzily (`grt` finds `greet`), the text by its words (each typed word somewhere in
/// it: fuzzy over a long text matches nearly anything); a match on the name ranks above one in
/// the text. Everything, by name, when the query is empty.
pub fn matching(list: &[Snippet], query: &str) -> Vec<usize> {
    if query.trim().is_empty() {
        return (0..list.len()).collect();
    }
    let name = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let words = Pattern::new(query, CaseMatching::Ignore, Normalization::Smart, AtomKind::Substring);
    let mut matcher = Matcher::new(nucleo_matcher::Config::DEFAULT);
    let mut buf = Vec::new();
    let mut score = |pattern: &Pattern, s: &str| pattern.score(Utf32Str::new(s, &mut buf), &mut matcher);
    let mut scored: Vec<(u32, usize)> = list
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let by_name = score(&name, &s.name).map(|n| n.saturating_mul(2));
            // The trailing space: nucleo-matcher 0.3.1's substring search over non-ASCII text
            // never tries the last position (`haystack[start..end]`, not `..=end`), so a word
            // ending the text would not be found.
            let by_text = score(&words, &format!("{} ", s.text));
            by_name.max(by_text).map(|best| (best, i))
        })
        .collect();
    // Best first; equal scores keep the list's (name) order.
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

/// Why no snippet can go into this conversation's reply: its account or platform cannot send
/// here at all. Its status is no reason (a draft may wait for a takeover).
fn cannot_reply(model: &Model, key: &ConversationKey) -> Option<String> {
    if let Some(account) = model.account(&key.account) {
        if let Some(why) = account.read_only() {
            return Some(why);
        }
        if let Some(why) = account.capabilities.send.reason() {
            return Some(why.to_string());
        }
    }
    model.conversations.get(key)?.no_reply.clone()
}

/// `/` typed in the compose box: opens the picker when the cursor is on an empty line and
/// there are snippets to pick; `false`, the `/` is typed.
pub(super) fn slash(model: &mut Model) -> bool {
    let Some(key) = model.open.as_ref() else {
        return false;
    };
    // No draft yet is an empty line too.
    let empty_line = model.drafts.get(key).is_none_or(|d| d.cursor_line_is_empty());
    if !empty_line || cannot_reply(model, key).is_some() || model.snippets.list.is_empty() {
        return false;
    }
    open_picker(model, true);
    true
}

/// The `snippets` action, from the thread or the compose box (the list's selected row opens
/// first): the picker, or why not.
pub(super) fn open(model: &mut Model) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    if model.open.is_none() {
        match model.selected.clone() {
            Some(key) => cmds = super::thread::open(model, key),
            None => return cmds,
        }
    }
    let Some(key) = model.open.clone() else {
        return cmds;
    };
    if let Some(why) = cannot_reply(model, &key) {
        notice(model, format!("no snippets here: {why}"), true);
        return cmds;
    }
    if model.snippets.list.is_empty() {
        let file = model.snippets.file.as_deref().unwrap_or("snippets.toml");
        notice(model, format!("no snippets yet — write them in {file}"), false);
        return cmds;
    }
    model.focus = Focus::Compose;
    open_picker(model, false);
    cmds
}

fn open_picker(model: &mut Model, by_slash: bool) {
    model.overlay = Some(Overlay::Snippets(Picker {
        query: String::new(),
        matches: matching(&model.snippets.list, ""),
        chosen: 0,
        by_slash,
    }));
}

/// A key while the picker is open: typing filters, Up/Down choose, Enter inserts, Esc closes.
pub(super) fn on_key(model: &mut Model, key: Key) -> Vec<Cmd> {
    let action = model.keymap.action(Context::Filter, key);
    match action {
        Some(Action::Open) => return insert_chosen(model),
        Some(Action::Back) => {
            model.overlay = None;
            return vec![];
        }
        Some(Action::ForceQuit) => return super::input::quit(model, true),
        _ => {}
    }
    let Some(Overlay::Snippets(picker)) = &mut model.overlay else {
        return vec![];
    };
    let last = picker.matches.len().saturating_sub(1);
    match key.code {
        KeyCode::Up => picker.chosen = picker.chosen.saturating_sub(1),
        KeyCode::Down => picker.chosen = (picker.chosen + 1).min(last),
        KeyCode::Char('u') if key.ctrl => picker.query.clear(),
        // `//`: the operator meant a `/`.
        KeyCode::Char('/') if picker.by_slash && picker.query.is_empty() => {
            model.overlay = None;
            type_text(model, "/");
            return vec![];
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => picker.query.push(c),
        // Backspace past the start closes it, as if the `/` were deleted.
        KeyCode::Backspace if picker.query.is_empty() => {
            model.overlay = None;
            return vec![];
        }
        KeyCode::Backspace => {
            picker.query.pop();
        }
        _ => return vec![],
    }
    refilter(model);
    vec![]
}

/// Pasted text goes into the picker's query, on one line.
pub(super) fn on_paste(model: &mut Model, text: &str) {
    if let Some(Overlay::Snippets(picker)) = &mut model.overlay {
        picker.query.push_str(&crate::domain::sanitize_line(text));
    }
    refilter(model);
}

fn refilter(model: &mut Model) {
    let list = &model.snippets.list;
    if let Some(Overlay::Snippets(picker)) = &mut model.overlay {
        let matches = matching(list, &picker.query);
        if matches != picker.matches {
            picker.chosen = 0;
            picker.matches = matches;
        }
    }
}

/// Enter: the chosen snippet, expanded, at the cursor; what could not be filled in is said.
fn insert_chosen(model: &mut Model) -> Vec<Cmd> {
    let Some(Overlay::Snippets(picker)) = model.overlay.take() else {
        return vec![];
    };
    let (Some(key), Some(&index)) = (model.open.clone(), picker.matches.get(picker.chosen)) else {
        return vec![];
    };
    let expanded = expand(&model.snippets.list[index].text, &Vars::of(model, &key));
    type_text(model, &expanded.text);
    if !expanded.problems.is_empty() {
        notice(model, expanded.problems.join("; "), true);
    }
    vec![]
}

fn type_text(model: &mut Model, text: &str) {
    model.focus = Focus::Compose;
    if let Some(draft) = drafts::open_draft(model) {
        draft.insert(text);
        drafts::draft_changed(model);
    }
}

/// How much of a snippet's text a picker row can show, at most.
const PREVIEW_CHARS: usize = 300;

/// The picker's rows `shown` (a range of `picker.matches`) for the view: (name, the start of
/// the text as it would be inserted, on one line). Only these are expanded.
pub fn rows(model: &Model, picker: &Picker, shown: std::ops::Range<usize>) -> Vec<(String, String)> {
    let vars = model.open.as_ref().map(|key| Vars::of(model, key)).unwrap_or_default();
    let end = shown.end.min(picker.matches.len());
    picker.matches[shown.start.min(end)..end]
        .iter()
        .filter_map(|&i| model.snippets.list.get(i))
        .map(|s| {
            let text = expand(&s.text, &vars).text;
            let start: String = text.chars().take(PREVIEW_CHARS).collect();
            (s.name.clone(), start.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .collect()
}

#[cfg(test)]
mod tests;
