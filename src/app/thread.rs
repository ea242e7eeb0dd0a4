//! A conversation's thread: its messages as the platform lists them, what the operator has
//! seen (the `new` divider, read marks), scrolling, opening and leaving it, and recognising
//! the operator's own messages in it (through `Outbox::claim`, which knows which are ours).

use super::keymap::Action;
use super::model::{Focus, Model};
use super::msg::{Cmd, Net, Op, Term};
use super::notice;
use crate::domain::{Author, ConversationKey, Holder, Message, PlatformKind, Status, waiting_since};

/// The longest preview kept for a list row.
const PREVIEW_CHARS: usize = 120;

/// A conversation's messages arrived: taken in, and the list re-sorted when that moved it. A
/// customer writing in a conversation the operator holds is an alert.
pub(super) fn on_messages(model: &mut Model, key: ConversationKey, messages: Vec<Message>) -> Vec<Cmd> {
    let news = customer_wrote(model, &key, &messages);
    let intruder = another_operator_wrote(model, &key, &messages);
    if on_thread(model, key.clone(), messages) {
        model.refresh_rows();
    }
    if intruder {
        return someone_else_holds_it(model, &key);
    }
    if news {
        return super::alerts::raise(model, &key, super::alerts::AlertKind::CustomerReplied);
    }
    vec![]
}

/// Whether another operator wrote in a conversation held here, where the platform cannot say
/// who holds it (raia; any platform with no `[operator]` email): an operator message new in
/// this thread since it was last read, written after the hold began, that is not one of ours
/// (by id, or by the words of one on its way). Not on first sight, nor from the cache.
fn another_operator_wrote(model: &Model, key: &ConversationKey, messages: &[Message]) -> bool {
    let Some(held_since) = model.mine.get(key) else {
        return false;
    };
    let unnamed = model.anonymous
        || model
            .account(&key.account)
            .is_some_and(|a| a.kind == PlatformKind::Raia);
    let Some(known) = model.threads.get(key).filter(|t| unnamed && t.loaded && !t.cached) else {
        return false;
    };
    let seen: std::collections::HashSet<&str> = known.messages.iter().map(|m| m.id.as_str()).collect();
    messages.iter().any(|m| {
        matches!(m.author, Author::Operator { is_me: false, .. })
            && m.created_at >= *held_since
            && !seen.contains(m.id.as_str())
            && !known.outbox.is_mine(&m.id)
            && !known.outbox.messages().any(|ours| ours.text.trim() == m.text.trim())
    })
}

/// Another operator is writing in a conversation this one held: it is theirs now (held by "a
/// human", as the platform says), and that is said until acknowledged.
fn someone_else_holds_it(model: &mut Model, key: &ConversationKey) -> Vec<Cmd> {
    model.mine.remove(key);
    if let Some(c) = model.conversations.get_mut(key)
        && c.status == (Status::Human { by: Holder::Me })
    {
        c.status = Status::Human { by: Holder::Unknown };
    }
    model.refresh_rows();
    let name = super::customer(model, key);
    notice(
        model,
        format!("another operator wrote to {name}: it is theirs now"),
        true,
    );
    super::alerts::raise(model, key, super::alerts::AlertKind::TakenFromYou)
}

/// Whether the customer wrote in a conversation the operator holds since its thread was last
/// read. Not on first sight: the thread may be years old (a wait there is a reply falling due).
fn customer_wrote(model: &Model, key: &ConversationKey, messages: &[Message]) -> bool {
    if !model.mine.contains_key(key) {
        return false;
    }
    let Some(known) = model.threads.get(key).filter(|t| t.loaded) else {
        return false;
    };
    let known: std::collections::HashSet<&str> = known.messages.iter().map(|m| m.id.as_str()).collect();
    messages
        .iter()
        .any(|m| m.author == Author::Customer && !known.contains(m.id.as_str()))
}

pub(super) fn on_failed(model: &mut Model, key: ConversationKey, error: String) -> Vec<Cmd> {
    let thread = model.threads.entry(key).or_default();
    thread.error = Some(error);
    vec![]
}

/// Takes in a conversation's messages; returns whether the list needs sorting again (the
/// waiting time changed, or a filter may match the new preview).
pub(super) fn on_thread(model: &mut Model, key: ConversationKey, messages: Vec<Message>) -> bool {
    let is_open = model.open.as_ref() == Some(&key);
    let watching = is_open && model.focus != Focus::List;
    let unread = model.conversations.get(&key).and_then(|c| c.unread).unwrap_or(0) as usize;
    let first_sight = model.threads.get(&key).is_none_or(|t| !t.loaded || t.cached);
    let mark = first_sight
        .then(|| model.current_mark(&key).or_else(|| model.read_marks.get(&key).cloned()))
        .flatten();
    let thread = model.threads.entry(key.clone()).or_default();
    if first_sight {
        // First sight (or the first live copy of a cached thread, which may hold more): what
        // the operator saw last time counts as seen; without a mark, the platform's unread
        // count says what is new.
        let seen = match &mark {
            Some(mark) => mark.seen_in(&messages),
            None => messages.len().saturating_sub(unread),
        };
        thread.seen = seen;
        thread.divider = None;
        thread.reply_base = thread.reply_base.map(|_| seen);
        thread.cached = false;
    }
    if messages.len() > thread.seen && thread.divider.is_none() {
        thread.divider = Some(thread.seen);
    }
    // A message on its way stays in `outgoing` until the platform answers the send, even once
    // the thread lists it: only the answer says how it ended (the outbox needs it), and a text
    // cannot tell it from an earlier message with the same words.
    // Ours shown under our own id (ChatDash's made-up one, or a local copy of a message the
    // thread check found) give way to the platform's copy, recognised by its text.
    let replaced: Vec<String> = thread
        .messages
        .iter()
        .filter(|m| thread.outbox.is_mine(&m.id) && !messages.iter().any(|n| n.id == m.id))
        .map(|m| m.text.clone())
        .collect();
    thread.messages = messages;
    for text in replaced {
        thread.outbox.claim(&mut thread.messages, &text);
    }
    for m in &mut thread.messages {
        if let Author::Operator { is_me, .. } = &mut m.author
            && thread.outbox.is_mine(&m.id)
        {
            *is_me = true;
        }
    }
    thread.loaded = true;
    thread.touched = Some(model.now);
    thread.error = None;
    super::search::place_found(thread);
    if watching && thread.scroll == 0 {
        thread.seen = thread.messages.len();
    }
    let preview = thread.messages.last().map(|m| preview_of(&m.text));
    let waiting = waiting_since(&thread.messages);
    let Some(c) = model.conversations.get_mut(&key) else {
        return false;
    };
    c.preview = preview;
    // The order depends on the wait (and a filter on the preview): re-sort only then.
    let reorder = c.waiting_since != waiting || !model.filter.is_empty();
    c.waiting_since = waiting;
    reorder
}

/// The first line of a message, short enough for a list row.
/// The cache's copy of a thread: shown, marked cached, unless the platform's copy came first
/// or the conversation is not (or no longer) listed.
pub(super) fn on_cached_thread(model: &mut Model, key: ConversationKey, messages: Vec<Message>) {
    let fresh = model.threads.get(&key).is_some_and(|t| t.loaded);
    if fresh || !model.conversations.contains_key(&key) {
        return;
    }
    on_thread(model, key.clone(), messages);
    if let Some(t) = model.threads.get_mut(&key) {
        t.cached = true;
    }
}

pub(super) fn preview_of(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    line.chars().take(PREVIEW_CHARS).collect()
}

pub(super) fn scroll_thread(model: &mut Model, action: Action) {
    let page = (model.height as usize / 4).max(1);
    let Some(thread) = model.open.as_ref().and_then(|k| model.threads.get_mut(k)) else {
        return;
    };
    let max = thread.shown_len().saturating_sub(1);
    thread.scroll = match action {
        Action::Up => thread.scroll + 1,
        Action::Down => thread.scroll.saturating_sub(1),
        Action::PageUp => thread.scroll + page,
        Action::PageDown => thread.scroll.saturating_sub(page),
        Action::First => max,
        _ => 0,
    }
    .min(max);
    if thread.scroll == 0 {
        thread.seen = thread.messages.len();
    }
}

/// Back to the latest message: everything in the thread counts as seen.
pub(super) fn jump_latest(model: &mut Model) {
    if let Some(t) = model.open.as_ref().and_then(|k| model.threads.get_mut(k)) {
        t.scroll = 0;
        t.seen = t.messages.len();
    }
}

/// Opens a conversation in the thread pane: watched (polled fast), marked read where the
/// platform keeps read state.
pub(super) fn open(model: &mut Model, key: ConversationKey) -> Vec<Cmd> {
    if model.open.as_ref() != Some(&key) {
        leave_thread(model);
    }
    // Seen: its alerts are answered.
    super::alerts::acknowledge(model, &key);
    model.open = Some(key.clone());
    model.focus = Focus::Thread;
    // Its notes, where they live: read once as it opens.
    let notes = super::notes::load(model, &key);
    let reread = super::release::reread(model, &key);
    let thread = model.threads.entry(key.clone()).or_default();
    thread.scroll = 0;
    thread.touched = Some(model.now);
    let mut cmds = vec![Cmd::Net(Net::Watch(Some(key.clone()))), notes];
    cmds.extend(reread);
    // Messages whose fate is unknown (no answer, or the program stopped): check the thread.
    for (client_id, baseline, text) in thread.outbox.unknown() {
        cmds.push(Cmd::Net(Net::Reconcile {
            key: key.clone(),
            client_id,
            baseline: baseline.clone(),
            text: text.to_string(),
        }));
    }
    let unread = model.conversations.get(&key).and_then(|c| c.unread).unwrap_or(0);
    let can_mark = model
        .account(&key.account)
        .is_some_and(|a| a.synced && a.capabilities.mark_read.is_yes());
    if unread > 0 && can_mark {
        cmds.push(Cmd::Net(Net::Act { key, op: Op::MarkRead }));
    }
    cmds
}

/// Leaving a thread: everything in it counts as seen; the divider goes.
pub(super) fn leave_thread(model: &mut Model) {
    if let Some(t) = model.open.as_ref().and_then(|k| model.threads.get_mut(k)) {
        t.seen = t.messages.len();
        t.divider = None;
        t.touched = Some(model.now);
    }
}

/// Copies the message at the bottom of the thread pane (where scrolling stands).
pub(super) fn copy_message(model: &mut Model) -> Vec<Cmd> {
    let Some(thread) = model.open.as_ref().and_then(|k| model.threads.get(k)) else {
        return vec![];
    };
    // The row where scrolling stands, notes counted as they are shown.
    let at = thread.shown_len().checked_sub(thread.scroll + 1);
    let text = match at.and_then(|i| thread.item(i)) {
        Some(super::model::Item::Message(m, _)) => m.text.clone(),
        Some(super::model::Item::Note(n)) => n.text.clone(),
        None => return vec![],
    };
    let lines = text.lines().count().max(1);
    notice(
        model,
        format!(
            "copied {lines} line{} to the clipboard",
            if lines == 1 { "" } else { "s" }
        ),
        false,
    );
    vec![Cmd::Term(Term::Copy(text))]
}
