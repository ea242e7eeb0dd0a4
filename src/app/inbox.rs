//! The inbox: the accounts' listings and the cache's copy taken in, the connection states,
//! the rows of the current view (views, filter, selection), and the operations on a
//! conversation (take over, hand back, resolve, reopen, mark read) with their answers: `a` and
//! `r` asked first while a draft is unsent or the customer waits, a resolve undone by reopening.

use super::alerts::{self, AlertKind};
use super::keymap::{Action, Context};
use super::model::{AfterReopen, Confirm, Model, Notice, Overlay, UNDO_RESOLVE, Undo, View};
use super::msg::{Cmd, Connection, Net, Op};
use super::{customer, notice, team, thread};
use crate::domain::{Availability, Conversation, ConversationKey, Holder, Message, Status};
use chrono::{DateTime, Utc};

pub(super) fn on_resize(model: &mut Model, width: u16, height: u16) -> Vec<Cmd> {
    model.width = width;
    model.height = height;
    model.keep_cursor_visible();
    vec![]
}

/// An account's listing: conversations changed and removed; a customer newly asking for a
/// human, or a conversation of yours taken by someone else, raises an alert.
pub(super) fn on_synced(
    model: &mut Model,
    account: String,
    changed: Vec<Conversation>,
    removed: Vec<ConversationKey>,
) -> Vec<Cmd> {
    let first = model.accounts.iter().any(|a| a.name == account && !a.synced);
    let mut new_handoffs = Vec::new();
    let mut taken = Vec::new();
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
        // Only for the few an alert may be about: this runs for every conversation of a batch.
        let key = (needs_human || taken_by.is_some()).then(|| c.key.clone());
        let old = model.absorb(c);
        if let Some(key) = key.as_ref().filter(|_| needs_human && old != Some(Status::NeedsHuman)) {
            new_handoffs.push(key.clone());
        }
        if let (Some(who), Some(name), Some(Status::Human { by: Holder::Me }), Some(key)) = (taken_by, name, old, key) {
            notice(model, format!("{name} was taken over by {who}"), true);
            taken.push(key);
        }
    }
    if model.archive.is_some() && !removed.is_empty() {
        super::archive::forget(model, &removed.iter().cloned().collect());
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
    // A customer newly asking for a human is an alert (not on the first load: the list shows
    // them, and the title counts them).
    let mut cmds = Vec::new();
    if !first {
        for key in &new_handoffs {
            cmds.extend(alerts::raise(model, key, AlertKind::Handoff));
        }
    }
    for key in &taken {
        cmds.extend(alerts::raise(model, key, AlertKind::TakenFromYou));
    }
    cmds
}

pub(super) fn on_connection(model: &mut Model, account: String, state: Connection) -> Vec<Cmd> {
    // An account that cannot answer (its key unreadable or rejected) does not hold the
    // reminder back: what it held is still said, from the store.
    if matches!(state, Connection::NoKey(_) | Connection::BadKey(_))
        && let Some(reminder) = &mut model.reminder
    {
        reminder.waiting_for.remove(&account);
    }
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
    let after = model.after_reopen.remove(&key);
    let held_since = model.mine.get(&key).copied();
    let name = customer(model, &key);
    match result {
        Ok(conversation) => {
            // What the platform answered with, not what was asked: a takeover that leaves the
            // conversation resolved is no takeover.
            let status = conversation.as_ref().map(|c| c.status.clone());
            if let Some(c) = conversation {
                if op == Op::TakeOver && matches!(c.status, Status::Human { .. }) {
                    model.mine.entry(key.clone()).or_insert(model.now);
                }
                if let (Some(AfterReopen::Hold(since)), Status::Human { by: Holder::Unknown }) = (after, &c.status) {
                    model.mine.insert(key.clone(), since);
                }
                model.absorb(c);
            } else if op == Op::MarkRead
                && let Some(c) = model.conversations.get_mut(&key)
            {
                c.unread = c.unread.map(|_| 0);
            }
            model.refresh_rows();
            match (op.clone(), status) {
                (Op::MarkRead, _) => {}
                (Op::TakeOver, Some(status)) if !matches!(status, Status::Human { .. }) => {
                    let now = crate::present::status_words(&status);
                    notice(
                        model,
                        format!("{name}: not taken over — the platform shows it {now}"),
                        true,
                    );
                }
                (Op::Reopen, Some(Status::Resolved)) => {
                    notice(
                        model,
                        format!("{name}: not reopened — the platform still shows it resolved"),
                        true,
                    );
                }
                // Asked about already, unless reopening showed a colleague holding it.
                (Op::Reopen, Some(status)) if after == Some(AfterReopen::TakeOver) => {
                    let theirs = matches!(status, Status::Human { by: Holder::Other(_) });
                    return take_over(model, key, !theirs);
                }
                (Op::Resolve, Some(Status::Resolved)) => resolved(model, key.clone(), &name, held_since),
                _ => notice(model, format!("{name}: {}", op.done()), false),
            }
        }
        Err(e) => notice(model, format!("{name}: {} failed — {e}", op.doing()), true),
    }
    // A takeover that did not make it mine gives back the team claim it made first.
    if op == Op::TakeOver && !model.mine.contains_key(&key) {
        return team::released(model, std::slice::from_ref(&key));
    }
    vec![]
}

/// A resolve answered: undoable for a while where the platform can reopen, and the notice
/// says so for as long as it lasts.
fn resolved(model: &mut Model, key: ConversationKey, name: &str, held_since: Option<DateTime<Utc>>) {
    let until = model.now + UNDO_RESOLVE;
    let why_not = model
        .account(&key.account)
        .and_then(|a| a.capabilities.reopen.reason().map(str::to_string));
    let text = match why_not {
        Some(_) => format!("{name}: {}", Op::Resolve.done()),
        None => {
            let z = model.keymap.hint(Context::Global, Action::Undo);
            format!("{name}: {} — {z} to undo", Op::Resolve.done())
        }
    };
    model.undo = Some(Undo {
        key,
        until,
        why_not,
        held_since,
    });
    model.log.push(model.now, &text, false);
    model.notice = Some(Notice {
        text,
        error: false,
        until,
    });
}

/// `z`: reopens the conversation last resolved, while that can be undone.
pub(super) fn undo(model: &mut Model) -> Vec<Cmd> {
    let Some(undo) = model.undo.clone() else {
        notice(model, "nothing to undo".into(), false);
        return vec![];
    };
    if model.now >= undo.until {
        model.undo = None;
        let secs = UNDO_RESOLVE.num_seconds();
        notice(
            model,
            format!("too late to undo: a resolve can be undone for {secs} s"),
            false,
        );
        return vec![];
    }
    if let Some(why) = &undo.why_not {
        let name = customer(model, &undo.key);
        notice(model, format!("{name} cannot be reopened here: {why}"), true);
        return vec![];
    }
    model.undo = None;
    let cmds = start(model, undo.key.clone(), Op::Reopen);
    match (cmds.is_empty(), undo.held_since) {
        // Refused for now (another operation on its way): it can be tried again while it lasts.
        (true, _) => model.undo = Some(undo),
        (false, Some(since)) => {
            model.after_reopen.insert(undo.key, AfterReopen::Hold(since));
        }
        (false, None) => {}
    }
    cmds
}

/// `a` and `r`: asked first while the conversation has an unsent draft or its customer waits
/// for a reply (nobody else will answer them); at once otherwise, or when the operation would
/// be refused anyway (then `start` says why).
pub(super) fn guarded(model: &mut Model, key: ConversationKey, op: Op) -> Vec<Cmd> {
    match guard(model, &key) {
        Some(why) if refusal(model, &key, &op).is_none() => {
            model.overlay = Some(Overlay::Confirm(Confirm::Guarded { key, op, why }));
            vec![]
        }
        _ => start(model, key, op),
    }
}

/// Why handing back or resolving needs a yes: "Ana has an unsent draft", "Ana is waiting for
/// your reply (3 min)", or both; `None` when neither holds.
fn guard(model: &Model, key: &ConversationKey) -> Option<String> {
    let name = customer(model, key);
    let draft = model.drafts.get(key).is_some_and(|d| !d.text().trim().is_empty());
    let waiting = awaiting_reply(model, key).map(|since| waited(since, model.now));
    match (draft, waiting) {
        (true, Some(w)) => Some(format!(
            "{name} has an unsent draft and is waiting for your reply ({w})"
        )),
        (true, None) => Some(format!("{name} has an unsent draft")),
        (false, Some(w)) => Some(format!("{name} is waiting for your reply ({w})")),
        (false, None) => None,
    }
}

/// Since when the customer has waited for an answer: the thread says it once loaded (the
/// customer wrote last and nobody answered), else the conversation's `waiting_since`.
fn awaiting_reply(model: &Model, key: &ConversationKey) -> Option<DateTime<Utc>> {
    match model.threads.get(key).filter(|t| t.loaded) {
        Some(thread) => crate::domain::waiting_since(&thread.messages),
        None => model.conversations.get(key).and_then(|c| c.waiting_since),
    }
}

/// "3 min", "under a minute", "2h": how long a customer has waited, in a sentence.
fn waited(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    match (now - since).num_seconds() {
        ..60 => "under a minute".into(),
        secs @ 60..3600 => format!("{} min", secs / 60),
        _ => crate::present::ago(since, now),
    }
}

/// The cache's first rows, read before the rest: shown at once, the counts marked as partial
/// (`cache_reading`) until the rest arrives.
pub(super) fn on_cached_first(
    model: &mut Model,
    conversations: Vec<Conversation>,
    synced_at: Vec<(String, DateTime<Utc>)>,
) {
    on_cached(model, conversations, vec![], synced_at);
    model.cache_reading = true;
}

/// The cache's copy at start: shown until each account's first sync, never over live data.
pub(super) fn on_cached(
    model: &mut Model,
    conversations: Vec<Conversation>,
    threads: Vec<(ConversationKey, Vec<Message>)>,
    synced_at: Vec<(String, DateTime<Utc>)>,
) {
    // After the first rows, the operator may have moved already: the selection stays.
    let first_shown = std::mem::take(&mut model.cache_reading);
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
        let Some(a) = model.accounts.iter_mut().find(|a| *a.name == *c.key.account) else {
            continue;
        };
        a.unconfirmed.insert(c.key.clone());
        model.absorb(c);
    }
    for (key, messages) in threads {
        thread::on_cached_thread(model, key, messages);
    }
    model.refresh_rows();
    if model.open.is_none() && !first_shown {
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
    super::archive::forget(model, &gone);
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

/// Takes the conversation over; from another operator only once `confirmed`. Taking it
/// answers its alerts.
pub(super) fn take_over(model: &mut Model, key: ConversationKey, confirmed: bool) -> Vec<Cmd> {
    alerts::acknowledge(model, &key);
    // Someone else holds it: named, or a human the platform does not name (raia, or nobody
    // set an identity) — a colleague's customer is never taken without a yes.
    let holder = match model.conversations.get(&key).map(|c| &c.status) {
        // Its holder's session ended: nobody to ask.
        _ if team::orphaned(model, &key) => None,
        Some(Status::Human { by: Holder::Other(who) }) => Some(who.clone()),
        Some(Status::Human { by: Holder::Unknown }) => {
            Some("Another human (the platform does not say who)".to_string())
        }
        _ => None,
    };
    if !confirmed && let Some(holder) = holder {
        model.overlay = Some(Overlay::Confirm(Confirm::TakeFrom { key, holder }));
        return vec![];
    }
    if !confirmed && model.anonymous {
        model.overlay = Some(Overlay::Confirm(Confirm::TakeAnonymous { key }));
        return vec![];
    }
    let status = model.conversations.get(&key).map(|c| c.status.clone());
    match status {
        Some(Status::Human { by: Holder::Me }) => {
            notice(model, "you already hold this conversation".into(), false);
            vec![]
        }
        // Manual mode on a resolved conversation leaves it resolved: reopened first, then
        // taken over once the platform says it is open.
        Some(Status::Resolved) => match reopen(model, &key) {
            Availability::Yes => {
                let cmds = start(model, key.clone(), Op::Reopen);
                if !cmds.is_empty() {
                    model.after_reopen.insert(key, AfterReopen::TakeOver);
                }
                cmds
            }
            Availability::No(why) => {
                notice(model, format!("cannot take it over: it is resolved, and {why}"), true);
                vec![]
            }
        },
        _ => team::take_over(model, key, confirmed),
    }
}

fn reopen(model: &Model, key: &ConversationKey) -> Availability {
    model
        .account(&key.account)
        .map_or(Availability::Yes, |a| a.capabilities.reopen.clone())
}

/// Starts an operation if the platform offers it and nothing else is on its way for this
/// conversation; otherwise says why.
pub(super) fn start(model: &mut Model, key: ConversationKey, op: Op) -> Vec<Cmd> {
    if let Some(why) = refusal(model, &key, &op) {
        notice(model, why, true);
        return vec![];
    }
    notice(model, format!("{}…", op.doing()), false);
    model.busy.insert(key.clone(), op.clone());
    vec![Cmd::Net(Net::Act { key, op })]
}

/// Why `op` cannot start on this conversation now, in the operator's words.
pub(super) fn refusal(model: &Model, key: &ConversationKey, op: &Op) -> Option<String> {
    if let Some(other) = model.busy.get(key) {
        return Some(format!("still {} — wait for the answer", other.doing()));
    }
    if let Some(why) = model.account(&key.account).and_then(|a| a.read_only()) {
        return Some(format!("cannot do this yet: {why}"));
    }
    let availability = model.account(&key.account).map(|a| match op {
        Op::TakeOver => a.capabilities.take_over.clone(),
        Op::HandBack => a.capabilities.hand_back.clone(),
        Op::Resolve => a.capabilities.resolve.clone(),
        Op::Reopen => a.capabilities.reopen.clone(),
        Op::MarkRead => a.capabilities.mark_read.clone(),
        Op::Assign(_) => a.capabilities.assign.clone(),
        Op::SetPriority(_) => a.capabilities.set_priority.clone(),
    });
    availability
        .as_ref()
        .and_then(|a| a.reason())
        .map(|why| format!("cannot do this here: {why}"))
}

pub(super) fn next_needing_human(model: &mut Model) -> Vec<Cmd> {
    let mut waiting: Vec<&Conversation> = model
        .conversations
        .values()
        .filter(|c| c.status == Status::NeedsHuman)
        .map(|c| &**c)
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
