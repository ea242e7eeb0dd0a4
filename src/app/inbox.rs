//! The inbox: the accounts' listings and the cache's copy taken in, the connection states,
//! the rows of the current view (views, filter, selection), and the operations on a
//! conversation (take over, hand back, resolve, mark read) with their answers.

use super::model::{Confirm, Focus, Model, Overlay, View};
use super::msg::{Cmd, Connection, Net, Op, Term};
use super::{customer, notice, thread};
use crate::domain::{Conversation, ConversationKey, Holder, Message, Status};
use chrono::{DateTime, Utc};

pub(super) fn on_resize(model: &mut Model, width: u16, height: u16) -> Vec<Cmd> {
    model.width = width;
    model.height = height;
    model.keep_cursor_visible();
    vec![]
}

/// An account's listing: conversations changed and removed; a customer newly asking for a
/// human rings the bell.
pub(super) fn on_synced(
    model: &mut Model,
    account: String,
    changed: Vec<Conversation>,
    removed: Vec<ConversationKey>,
) -> Vec<Cmd> {
    let first = model.accounts.iter().any(|a| a.name == account && !a.synced);
    let mut new_handoffs = 0;
    if let Some(a) = model.accounts.iter_mut().find(|a| a.name == account) {
        if !a.unconfirmed.is_empty() {
            for c in &changed {
                a.unconfirmed.remove(&c.key);
            }
        }
        // The account answers: its cached picture is not what is shown any more.
        a.cached_at = None;
    }
    for c in changed {
        let (needs_human, taken_by) = match &c.status {
            Status::Human { by: Holder::Other(who) } => (false, Some(who.clone())),
            status => (*status == Status::NeedsHuman, None),
        };
        let name = taken_by.as_ref().map(|_| c.customer_name.clone());
        let old = model.absorb(c);
        if needs_human && old != Some(Status::NeedsHuman) {
            new_handoffs += 1;
        }
        if let (Some(who), Some(name), Some(Status::Human { by: Holder::Me })) = (taken_by, name, old) {
            notice(model, format!("{name} was taken over by {who}"), true);
        }
    }
    for key in removed {
        model.conversations.remove(&key);
        model.threads.remove(&key);
    }
    if let Some(a) = model.accounts.iter_mut().find(|a| a.name == account) {
        a.synced = true;
    }
    if let Some(reminder) = &mut model.reminder {
        reminder.waiting_for.remove(&account);
    }
    model.refresh_rows();
    if first && model.open.is_none() {
        // While the accounts first load, the top of the queue (the longest wait) stays
        // selected, rather than whichever account happened to answer first.
        model.select_index(0);
    }
    // A customer newly asking for a human rings the bell (not on the first load).
    if new_handoffs > 0 && !first {
        vec![Cmd::Term(Term::Bell)]
    } else {
        vec![]
    }
}

/// The start-up reminder, once it is due (every account holding one of what the last run left
/// held has answered) and the operator is not in the middle of something (a question, the
/// filter line, a reply: a `y` typed there must not hand everything back). Counted then: what
/// a platform now shows otherwise is not mine any more. Once per start; nothing when none is.
pub(super) fn remind_when_due(model: &mut Model) {
    let due = model.reminder.as_ref().is_some_and(|r| r.waiting_for.is_empty());
    let busy = model.overlay.is_some()
        || model.filter_input.is_some()
        || model.focus == Focus::Compose
        || model.leaving.is_some()
        || model.quit;
    let Some(reminder) = model.reminder.take_if(|_| due && !busy) else {
        return;
    };
    let mut keys: Vec<ConversationKey> = reminder
        .held
        .into_iter()
        .filter(|key| model.mine.contains_key(key))
        .collect();
    keys.sort();
    if let Some(since) = keys.iter().filter_map(|key| model.mine.get(key)).min().copied() {
        model.overlay = Some(Overlay::Confirm(Confirm::StillHolding { keys, since }));
    }
}

/// The reminder's review: the conversations held, in Mine (no filter hiding any), the first
/// selected.
pub(super) fn review_held(model: &mut Model) -> Vec<Cmd> {
    model.filter.clear();
    model.focus = Focus::List;
    switch_view(model, View::Mine);
    model.select_index(0);
    vec![]
}

/// The reminder's yes: each conversation still held goes back to the AI as the hand-back key
/// sends it, each answered as that one is.
pub(super) fn hand_back_all(model: &mut Model, keys: Vec<ConversationKey>) -> Vec<Cmd> {
    let held: Vec<ConversationKey> = keys.into_iter().filter(|key| model.mine.contains_key(key)).collect();
    held.into_iter()
        .flat_map(|key| start(model, key, Op::HandBack))
        .collect()
}

pub(super) fn on_connection(model: &mut Model, account: String, state: Connection) -> Vec<Cmd> {
    if let Some(a) = model.accounts.iter_mut().find(|a| a.name == account) {
        a.connection = state;
    }
    vec![]
}

/// An operation's answer: the conversation as the platform now has it, or why it failed.
pub(super) fn on_done(
    model: &mut Model,
    key: ConversationKey,
    op: Op,
    result: Result<Option<Conversation>, String>,
) -> Vec<Cmd> {
    model.busy.remove(&key);
    let name = customer(model, &key);
    match result {
        Ok(conversation) => {
            if let Some(c) = conversation {
                if op == Op::TakeOver && matches!(c.status, Status::Human { .. }) {
                    model.mine.entry(key.clone()).or_insert(model.now);
                }
                model.absorb(c);
            } else if op == Op::MarkRead
                && let Some(c) = model.conversations.get_mut(&key)
            {
                c.unread = c.unread.map(|_| 0);
            }
            if op != Op::MarkRead {
                notice(model, format!("{name}: {}", op.done()), false);
            }
            model.refresh_rows();
        }
        Err(e) => notice(model, format!("{name}: {} failed — {e}", op.doing()), true),
    }
    vec![]
}

/// The cache's copy at start: shown until each account's first sync, never over live data.
pub(super) fn on_cached(
    model: &mut Model,
    conversations: Vec<Conversation>,
    threads: Vec<(ConversationKey, Vec<Message>)>,
    synced_at: Vec<(String, DateTime<Utc>)>,
) {
    for (name, at) in synced_at {
        if let Some(a) = model.accounts.iter_mut().find(|a| a.name == name && !a.synced) {
            a.cached_at = Some(at);
        }
    }
    // The cache may arrive after the account's first answers (the queue is read first): what
    // a sync already said is newer, and stays; the rest waits to be confirmed by the walk of
    // the account's history.
    for c in conversations {
        if model.conversations.contains_key(&c.key) {
            continue;
        }
        let Some(a) = model.accounts.iter_mut().find(|a| a.name == c.key.account) else {
            continue;
        };
        a.unconfirmed.insert(c.key.clone());
        model.absorb(c);
    }
    for (key, messages) in threads {
        let fresh = model.threads.get(&key).is_some_and(|t| t.loaded);
        if fresh || !model.conversations.contains_key(&key) {
            continue;
        }
        thread::on_thread(model, key.clone(), messages);
        if let Some(t) = model.threads.get_mut(&key) {
            t.cached = true;
        }
    }
    model.refresh_rows();
    if model.open.is_none() {
        model.select_index(0);
    }
}

/// Drops the conversations of `account` that came from the cache and its first listing does
/// not have; a thread with messages of ours on their way stays (the outbox still needs it).
/// The account's history has been walked once: what the cache showed of it and no sync has
/// mentioned since is gone.
pub(super) fn on_walked(model: &mut Model, account: &str) -> Vec<Cmd> {
    let Some(a) = model.accounts.iter_mut().find(|a| a.name == account) else {
        return vec![];
    };
    let gone = std::mem::take(&mut a.unconfirmed);
    if gone.is_empty() {
        return vec![];
    }
    model.conversations.retain(|key, _| !gone.contains(key));
    model
        .threads
        .retain(|key, thread| !gone.contains(key) || !thread.outbox.is_empty());
    model.refresh_rows();
    vec![]
}

pub(super) fn on_paced(model: &mut Model, account: &str, note: Option<String>) -> Vec<Cmd> {
    if let Some(a) = model.accounts.iter_mut().find(|a| a.name == account) {
        a.paced = note;
    }
    vec![]
}

pub(super) fn move_cursor(model: &mut Model, delta: isize) -> Vec<Cmd> {
    let target = (model.cursor as isize + delta).max(0) as usize;
    model.select_index(target);
    vec![]
}

/// Takes the conversation over; from another operator only once `confirmed`.
pub(super) fn take_over(model: &mut Model, key: ConversationKey, confirmed: bool) -> Vec<Cmd> {
    if !confirmed
        && let Some(Conversation {
            status: Status::Human { by: Holder::Other(who) },
            ..
        }) = model.conversations.get(&key)
    {
        model.overlay = Some(Overlay::Confirm(Confirm::TakeFrom {
            key,
            holder: who.clone(),
        }));
        return vec![];
    }
    if !confirmed && model.anonymous {
        model.overlay = Some(Overlay::Confirm(Confirm::TakeAnonymous { key }));
        return vec![];
    }
    if model
        .conversations
        .get(&key)
        .is_some_and(|c| c.status == Status::Human { by: Holder::Me })
    {
        notice(model, "you already hold this conversation".into(), false);
        return vec![];
    }
    start(model, key, Op::TakeOver)
}

/// Starts an operation if the platform offers it and nothing else is on its way for this
/// conversation; otherwise says why.
pub(super) fn start(model: &mut Model, key: ConversationKey, op: Op) -> Vec<Cmd> {
    if let Some(other) = model.busy.get(&key) {
        notice(model, format!("still {} — wait for the answer", other.doing()), true);
        return vec![];
    }
    if let Some(why) = model.account(&key.account).and_then(|a| a.read_only()) {
        notice(model, format!("cannot do this yet: {why}"), true);
        return vec![];
    }
    let availability = model.account(&key.account).map(|a| match op {
        Op::TakeOver => a.capabilities.take_over.clone(),
        Op::HandBack => a.capabilities.hand_back.clone(),
        Op::Resolve => a.capabilities.resolve.clone(),
        Op::MarkRead => a.capabilities.mark_read.clone(),
    });
    if let Some(why) = availability.as_ref().and_then(|a| a.reason()) {
        notice(model, format!("cannot do this here: {why}"), true);
        return vec![];
    }
    model.busy.insert(key.clone(), op);
    notice(model, format!("{}…", op.doing()), false);
    vec![Cmd::Net(Net::Act { key, op })]
}

pub(super) fn next_needing_human(model: &mut Model) -> Vec<Cmd> {
    let mut waiting: Vec<&Conversation> = model
        .conversations
        .values()
        .filter(|c| c.status == Status::NeedsHuman)
        .collect();
    waiting.sort_by(|a, b| crate::domain::queue_order(a, b));
    let Some(key) = waiting.first().map(|c| c.key.clone()) else {
        notice(model, "nobody is waiting for a human".into(), false);
        return vec![];
    };
    if !model.view.shows(&Status::NeedsHuman) || !model.filter.is_empty() {
        model.view = View::NeedsYou;
        model.filter.clear();
    }
    model.selected = Some(key.clone());
    model.refresh_rows();
    thread::open(model, key)
}

pub(super) fn switch_view(model: &mut Model, view: View) -> Vec<Cmd> {
    model.view = view;
    model.refresh_rows();
    vec![]
}
