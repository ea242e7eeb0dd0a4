//! The search view (`s`): a query line searched as it is typed, over everything the store has
//! indexed (`Store::Search`, answered by `Msg::SearchHits`; an answer to an older query is
//! dropped), the hits to move through, and Enter opening the conversation at the message found,
//! scrolled to it and marked.

use super::key::{Key, KeyCode};
use super::keymap::Action;
use super::model::{Model, Overlay};
use super::msg::{Cmd, Store};
use super::{input, notice, thread};
use crate::domain::{Conversation, ConversationKey};

/// A hit on a conversation neither the inbox nor its cache has any more.
const GONE: &str = "that conversation is no longer in the inbox";

/// How many hits a query asks for: more than a screen, fewer than make a query slow.
pub const HITS: usize = 100;

/// The search view's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Search {
    pub query: String,
    /// The query's number: only the answer to the latest one is shown.
    pub seq: u64,
    /// The latest query has been answered.
    pub answered: bool,
    pub hits: Vec<SearchHit>,
    /// The hit selected, and the first one on screen.
    pub cursor: usize,
    pub top: usize,
}

/// A hit as the view shows it: its conversation, the message (none: the conversation itself
/// matched, by its name, id or contact), and the matching text as (text, matched) pieces, clean.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    pub key: ConversationKey,
    pub message: Option<String>,
    pub snippet: Vec<(String, bool)>,
}

/// A message the search opened the thread at: scrolled into view once it is there.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub message: String,
    pub placed: bool,
}

pub(super) fn open_search(model: &mut Model) -> Vec<Cmd> {
    model.overlay = Some(Overlay::Search(Search::default()));
    vec![]
}

fn state(model: &mut Model) -> Option<&mut Search> {
    match &mut model.overlay {
        Some(Overlay::Search(search)) => Some(search),
        _ => None,
    }
}

/// A key in the search view: typing changes the query (and asks again), the arrows and pages
/// move through the hits, Enter opens one, Esc leaves.
pub(super) fn on_key(model: &mut Model, key: Key, action: Option<Action>) -> Vec<Cmd> {
    match action {
        Some(Action::Open) => return open_hit(model),
        Some(Action::Back) => {
            model.overlay = None;
            return vec![];
        }
        Some(Action::ForceQuit) => return input::quit(model, true),
        _ => {}
    }
    let page = hits_on_screen(model);
    let Some(search) = state(model) else {
        return vec![];
    };
    let last = search.hits.len().saturating_sub(1);
    let moved = match key.code {
        KeyCode::Down => Some(search.cursor + 1),
        KeyCode::Up => Some(search.cursor.saturating_sub(1)),
        KeyCode::PageDown => Some(search.cursor + page),
        KeyCode::PageUp => Some(search.cursor.saturating_sub(page)),
        _ => None,
    };
    if let Some(cursor) = moved {
        search.cursor = cursor.min(last);
        search.top = crate::app::screen::scroll_to(search.top, search.cursor, page);
        return vec![];
    }
    let before = search.query.len();
    match key.code {
        KeyCode::Char('u') if key.ctrl => search.query.clear(),
        KeyCode::Char(c) if !key.ctrl && !key.alt => search.query.push(c),
        KeyCode::Backspace => {
            search.query.pop();
        }
        _ => {}
    }
    if search.query.len() == before {
        return vec![];
    }
    ask(search)
}

/// Pasted into the query line.
pub(super) fn on_paste(model: &mut Model, text: &str) -> Vec<Cmd> {
    let Some(search) = state(model) else {
        return vec![];
    };
    search.query.push_str(&crate::domain::sanitize_line(text));
    ask(search)
}

/// The query changed: asks the store, or, with no words left, shows nothing.
fn ask(search: &mut Search) -> Vec<Cmd> {
    search.seq += 1;
    search.cursor = 0;
    search.top = 0;
    if search.query.trim().is_empty() {
        search.hits.clear();
        search.answered = true;
        return vec![];
    }
    search.answered = false;
    vec![Cmd::Store(Store::Search {
        query: search.query.clone(),
        seq: search.seq,
    })]
}

/// The store's answer: shown if it answers the latest query, else dropped. The snippets are
/// cleaned again (they come from a file).
pub(super) fn on_hits(model: &mut Model, seq: u64, hits: Vec<SearchHit>) -> Vec<Cmd> {
    let Some(search) = state(model).filter(|s| s.seq == seq) else {
        return vec![];
    };
    search.hits = hits
        .into_iter()
        .map(|mut hit| {
            for piece in &mut hit.snippet {
                piece.0 = clean_piece(&piece.0);
            }
            hit
        })
        .collect();
    search.answered = true;
    search.cursor = 0;
    search.top = 0;
    vec![]
}

/// A piece of a snippet cleaned as one line, keeping a space at either end (the words
/// beside a matched one are separate pieces).
fn clean_piece(piece: &str) -> String {
    let kept = crate::domain::sanitize(piece);
    let clean = crate::domain::sanitize_line(&kept);
    let before = if kept.starts_with(char::is_whitespace) { " " } else { "" };
    let after = if kept.ends_with(char::is_whitespace) && !clean.is_empty() {
        " "
    } else {
        ""
    };
    format!("{before}{clean}{after}")
}

/// Enter: the conversation of the selected hit opens, its thread at the message found.
fn open_hit(model: &mut Model) -> Vec<Cmd> {
    let Some(hit) = state(model).and_then(|s| s.hits.get(s.cursor).cloned()) else {
        return vec![];
    };
    if !model.conversations.contains_key(&hit.key) {
        // Resolved, it is on disk: read, then opened.
        if model.archive.as_ref().is_some_and(|a| a.knows(&hit.key)) {
            return vec![Cmd::Store(Store::LoadConversation {
                key: hit.key,
                message: hit.message,
            })];
        }
        notice(model, GONE.into(), true);
        return vec![];
    }
    open_found(model, hit.key, hit.message)
}

/// A resolved conversation a hit was on, read from the cache: held (as needed while open), then
/// opened at the message found.
pub(super) fn on_cached_conversation(
    model: &mut Model,
    key: ConversationKey,
    conversation: Option<Box<Conversation>>,
    message: Option<String>,
) -> Vec<Cmd> {
    match conversation {
        Some(c) if !model.conversations.contains_key(&key) => {
            model.conversations.insert(key.clone(), c);
        }
        Some(_) => {}
        None => {
            notice(model, GONE.into(), true);
            return vec![];
        }
    }
    open_found(model, key, message)
}

/// Opens the conversation of a hit at the message found.
fn open_found(model: &mut Model, key: ConversationKey, message: Option<String>) -> Vec<Cmd> {
    model.overlay = None;
    if model.rows.contains(&key) {
        model.selected = Some(key.clone());
        model.refresh_rows();
    }
    let cmds = thread::open(model, key.clone());
    if let Some(t) = model.threads.get_mut(&key) {
        t.found = message.map(|message| Found { message, placed: false });
        place_found(t);
    }
    cmds
}

/// Scrolls a thread to the message the search found, once it is in the thread (the cache
/// may not have it; the platform's copy then brings it): placed once, then the operator
/// scrolls as they like.
pub(super) fn place_found(t: &mut super::model::Thread) {
    let Some(found) = t.found.as_mut().filter(|f| !f.placed) else {
        return;
    };
    let Some(index) = t.messages.iter().position(|m| m.id == found.message) else {
        return;
    };
    found.placed = true;
    t.scroll = t.len() - 1 - index;
}

/// How many hits fit on the screen (two lines each, inside the overlay's frame and its query).
pub fn hits_on_screen(model: &Model) -> usize {
    (usize::from(model.height).saturating_sub(2 + 2 + 2) / 2).max(1)
}
