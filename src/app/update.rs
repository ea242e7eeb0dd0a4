//! `update`: a message in, the model changed, commands out. No I/O, no clock of its own: the
//! time comes in as `now`, so every case is a table test.

use super::compose::Composer;
use super::key::{Key, KeyCode};
use super::keymap::{Action, Context, Place};
use super::model::{
    Confirm, DRAFT_RETRY, DRAFT_SAVE_DELAY, ERROR_NOTICE, Focus, Model, NOTICE, Notice, Overlay, Thread, View,
};
use super::msg::{Cmd, Msg, Op, OutboxState, SendFailure};
use crate::domain::{
    Author, Conversation, ConversationKey, Delivery, Holder, Message, SendBaseline, Status, waiting_since,
};
use crate::present;
use chrono::{DateTime, Utc};

/// The longest preview kept for a list row.
const PREVIEW_CHARS: usize = 120;

pub fn update(model: &mut Model, msg: Msg, now: DateTime<Utc>) -> Vec<Cmd> {
    model.now = now;
    if model.notice.as_ref().is_some_and(|n| n.until <= now) {
        model.notice = None;
    }
    let place = (model.focus, model.open.clone());
    let mut cmds = handle(model, msg);
    // What the operator has seen is remembered, for the "new" divider of the next run and for
    // unread state where the platform keeps none. Only the open thread's changes: others'
    // `seen` is derived, not seen.
    for key in [place.1.as_ref(), model.open.as_ref()].into_iter().flatten() {
        if let Some(mark) = changed_mark(model, key) {
            model.read_marks.insert(key.clone(), mark.clone());
            cmds.push(Cmd::SaveReadMark { key: key.clone(), mark });
        }
        if place.1 == model.open {
            break;
        }
    }
    // The open draft is styled for where the keys go (the view renders it by reference).
    if let Some(key) = &model.open {
        let focused = model.focus == Focus::Compose;
        let keymap = &model.keymap;
        if let Some(draft) = model.drafts.get_mut(key) {
            draft.show_focus(focused, || super::compose::placeholder(keymap, focused));
        }
    }
    // Drafts reach the store within a second of typing, and at once when the operator moves
    // away (focus or conversation changes) or quits: nothing typed is lost to a crash.
    let moved = (model.focus, model.open.clone()) != place;
    if moved || model.quit || model.save_due.is_some_and(|due| due <= now) {
        let quit = cmds.iter().position(|c| *c == Cmd::Quit);
        let saves = flush_drafts(model);
        // Saved before quitting.
        match quit {
            Some(i) => {
                cmds.splice(i..i, saves);
            }
            None => cmds.extend(saves),
        }
    }
    cmds
}

/// The open thread's read mark when it moved from the one remembered (cheap: this runs after
/// every message, keystrokes included).
fn changed_mark(model: &Model, key: &ConversationKey) -> Option<crate::domain::ReadMark> {
    let last_seen = model.threads.get(key)?.last_seen()?;
    match model.read_marks.get(key) {
        Some(mark) if mark.message_id == last_seen.id && mark.at == last_seen.created_at => None,
        _ => Some(crate::domain::ReadMark::of(last_seen)),
    }
}

/// Marks the open conversation's draft as changed: it is saved within a second.
fn draft_changed(model: &mut Model) {
    if let Some(key) = model.open.clone() {
        let thread = model.threads.entry(key.clone()).or_default();
        // Counted once the thread has loaded: before that, everything would look new.
        if thread.loaded {
            let seen = thread.messages.len();
            thread.reply_base.get_or_insert(seen);
        }
        model.unsaved.insert(key);
        model.save_due.get_or_insert(model.now + DRAFT_SAVE_DELAY);
    }
}

fn flush_drafts(model: &mut Model) -> Vec<Cmd> {
    model.save_due = None;
    let mut keys: Vec<ConversationKey> = model.unsaved.drain().collect();
    keys.sort();
    keys.into_iter()
        .map(|key| {
            let text = model.drafts.get(&key).map(Composer::text).unwrap_or_default();
            Cmd::SaveDraft { key, text }
        })
        .collect()
}

fn handle(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Paste(text) => on_paste(model, &text),
        Msg::Resize { width, height } => {
            model.width = width;
            model.height = height;
            model.keep_cursor_visible();
            vec![]
        }
        Msg::Tick => vec![],
        Msg::Synced {
            account,
            changed,
            removed,
        } => {
            let first = model.accounts.iter().any(|a| a.name == account && !a.synced);
            let mut new_handoffs = 0;
            // The first listing is complete: what the cache showed of this account and the
            // listing lacks is gone.
            let replaces_cache = first && model.account(&account).is_some_and(|a| a.cached_at.is_some());
            let listed: std::collections::HashSet<ConversationKey> = if replaces_cache {
                changed.iter().map(|c| c.key.clone()).collect()
            } else {
                Default::default()
            };
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
            if replaces_cache {
                forget_cached(model, &account, &listed);
            }
            for key in removed {
                model.conversations.remove(&key);
                model.threads.remove(&key);
            }
            if let Some(a) = model.accounts.iter_mut().find(|a| a.name == account) {
                a.synced = true;
            }
            model.refresh_rows();
            if first && model.open.is_none() {
                // While the accounts first load, the top of the queue (the longest wait) stays
                // selected, rather than whichever account happened to answer first.
                model.select_index(0);
            }
            // A customer newly asking for a human rings the bell (not on the first load).
            if new_handoffs > 0 && !first {
                vec![Cmd::Bell]
            } else {
                vec![]
            }
        }
        Msg::Thread { key, messages } => {
            if on_thread(model, key, messages) {
                model.refresh_rows();
            }
            vec![]
        }
        Msg::Edited { key, result } => {
            match result {
                Ok(text) => edited(model, key, &text),
                Err(why) => notice(model, format!("the editor failed: {why}"), true),
            }
            vec![]
        }
        Msg::Salvaged { key, reply, why } => {
            edited(model, key, &reply);
            notice(
                model,
                format!("the editor exited abnormally ({why}); what it had saved is in the draft — check it"),
                true,
            );
            vec![]
        }
        // Like a forced quit: nobody is there to answer a question about messages on their way.
        Msg::Terminate => quit(model, true),
        Msg::Cached {
            conversations,
            threads,
            synced_at,
        } => {
            on_cached(model, conversations, threads, synced_at);
            vec![]
        }
        Msg::ThreadFailed { key, error } => {
            let thread = model.threads.entry(key).or_default();
            thread.error = Some(error);
            vec![]
        }
        Msg::StoreFailed(error) => {
            // Every draft is written again at the retry: which one failed is not known here,
            // and writing one twice costs nothing.
            model.unsaved.extend(model.drafts.keys().cloned());
            model.save_due = Some(model.now + DRAFT_RETRY);
            model.store_failing = true;
            notice(
                model,
                format!("{error}: drafts are kept in memory and saved when there is room"),
                true,
            );
            vec![]
        }
        Msg::StoreSaved => {
            if std::mem::take(&mut model.store_failing) {
                notice(model, "drafts are saved again".into(), false);
            }
            vec![]
        }
        Msg::Connection { account, state } => {
            if let Some(a) = model.accounts.iter_mut().find(|a| a.name == account) {
                a.connection = state;
            }
            vec![]
        }
        Msg::Done { key, op, result } => {
            model.busy.remove(&key);
            let name = customer(model, &key);
            match result {
                Ok(conversation) => {
                    if let Some(c) = conversation {
                        if op == Op::TakeOver && matches!(c.status, Status::Human { .. }) {
                            model.mine.insert(key.clone());
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
        Msg::Sent { key, client_id, result } => on_sent(model, key, client_id, result),
        Msg::Reconciled { key, client_id, result } => on_reconciled(model, key, client_id, result),
    }
}

/// The platform's answer to a send: sent, unknown (checked against the thread), or refused.
fn on_sent(model: &mut Model, key: ConversationKey, client_id: u64, result: Result<Message, SendFailure>) -> Vec<Cmd> {
    model.sending = model.sending.saturating_sub(1);
    let name = customer(model, &key);
    let thread = model.threads.entry(key.clone()).or_default();
    let Some(i) = thread.outgoing.iter().position(|(id, _)| *id == client_id) else {
        return vec![];
    };
    let text = thread.outgoing[i].1.text.clone();
    match result {
        Ok(message) => {
            thread.outgoing.remove(i);
            thread.baselines.remove(&client_id);
            thread.sent_ids.insert(message.id.clone());
            // Listed already (the thread was read before the answer came, maybe under
            // another id): shown once.
            if !thread.messages.iter().any(|m| m.id == message.id) && !claim(thread, &message.text) {
                thread.messages.push(message);
                thread.seen = thread.messages.len();
            }
            notice(model, format!("sent to {name}"), false);
            vec![Cmd::Outbox {
                client_id,
                key,
                text,
                state: OutboxState::Sent,
            }]
        }
        Err(SendFailure {
            reason,
            ambiguous: true,
        }) => {
            // It may have arrived: never offer to send again before the thread says.
            thread.outgoing[i].1.delivery = Delivery::Unknown(reason.clone());
            let Some(baseline) = thread.baselines.get(&client_id).cloned() else {
                return vec![];
            };
            notice(
                model,
                format!("no readable answer from {name}'s platform — checking whether it arrived"),
                true,
            );
            vec![
                Cmd::Outbox {
                    client_id,
                    key: key.clone(),
                    text: text.clone(),
                    state: OutboxState::Unknown(reason),
                },
                Cmd::Reconcile {
                    key,
                    client_id,
                    baseline,
                    text,
                },
            ]
        }
        Err(SendFailure {
            reason,
            ambiguous: false,
        }) => not_sent(model, &key, client_id, reason, &name),
    }
}

/// What reading the thread said of a send whose answer was lost.
fn on_reconciled(
    model: &mut Model,
    key: ConversationKey,
    client_id: u64,
    result: Result<Vec<String>, String>,
) -> Vec<Cmd> {
    let name = customer(model, &key);
    let thread = model.threads.entry(key.clone()).or_default();
    // Only an entry still unknown is settled by a check. Two checks can be in flight
    // (the one after the send, and one from opening the conversation): once the first
    // has said "failed" and the words went back to the draft, a later one must not find
    // the operator's re-send in the thread and call this entry sent too.
    let Some(i) = thread
        .outgoing
        .iter()
        .position(|(id, m)| *id == client_id && matches!(m.delivery, Delivery::Unknown(_)))
    else {
        return vec![];
    };
    let text = thread.outgoing[i].1.text.clone();
    // A copy another send of the same words already accounts for is not this one.
    let arrived = result.map(|ids| ids.into_iter().find(|id| !thread.sent_ids.contains(id)));
    match arrived {
        Ok(Some(id)) => {
            let (_, mut message) = thread.outgoing.remove(i);
            thread.baselines.remove(&client_id);
            thread.sent_ids.insert(id.clone());
            // The operator's own: shown as theirs, never as news from someone else.
            match thread.messages.iter_mut().find(|m| m.id == id) {
                Some(listed) => {
                    if let Author::Operator { is_me, .. } = &mut listed.author {
                        *is_me = true;
                    }
                }
                None => {
                    message.id = id;
                    message.delivery = Delivery::Sent;
                    thread.messages.push(message);
                    thread.seen = thread.messages.len();
                }
            }
            notice(model, format!("it did arrive: sent to {name}"), false);
            vec![
                Cmd::Outbox {
                    client_id,
                    key,
                    text,
                    state: OutboxState::Sent,
                },
                Cmd::Refresh,
            ]
        }
        Ok(None) => not_sent(
            model,
            &key,
            client_id,
            "it did not arrive (no answer, and not in the thread)".into(),
            &name,
        ),
        Err(e) => {
            // Still unknown: checked again when the conversation is opened.
            thread.outgoing[i].1.delivery = Delivery::Unknown(format!("could not check: {e}"));
            notice(
                model,
                format!("could not check whether it arrived — {e}; open the conversation to check again"),
                true,
            );
            vec![]
        }
    }
}

/// A reply that did not go out. Its words are never lost and the notice says where they are:
/// back in the draft when the draft was empty; otherwise kept in the thread as not sent (and in
/// the outbox, across restarts) until the operator puts them back.
fn not_sent(model: &mut Model, key: &ConversationKey, client_id: u64, reason: String, name: &str) -> Vec<Cmd> {
    let Some(thread) = model.threads.get_mut(key) else {
        return vec![];
    };
    let Some(i) = thread.outgoing.iter().position(|(id, _)| *id == client_id) else {
        return vec![];
    };
    thread.baselines.remove(&client_id);
    let text = thread.outgoing[i].1.text.clone();
    let draft_empty = model.drafts.get(key).is_none_or(Composer::is_empty);
    let state = if draft_empty {
        thread.outgoing.remove(i);
        back_to_draft(model, key, &text);
        notice(
            model,
            format!("not sent to {name} — {reason} (your text is back in the draft)"),
            true,
        );
        OutboxState::Restored
    } else {
        thread.outgoing[i].1.delivery = Delivery::Failed(reason.clone());
        let key = model.keymap.hint(Context::Global, Action::RestoreUnsent);
        // What became of the words first: a long reason is what gets cut on a narrow line.
        notice(
            model,
            format!("not sent to {name}, kept in its thread ({key} puts it back in the draft): {reason}"),
            true,
        );
        OutboxState::Failed(reason)
    };
    vec![Cmd::Outbox {
        client_id,
        key: key.clone(),
        text,
        state,
    }]
}

/// Puts the latest reply of the target conversation that was not sent back in its draft
/// (after what the draft holds: nothing of either is lost).
fn restore_unsent(model: &mut Model) -> Vec<Cmd> {
    let Some(key) = model.target() else {
        return vec![];
    };
    let Some(thread) = model.threads.get_mut(&key) else {
        notice(model, "no reply here that was not sent".into(), false);
        return vec![];
    };
    let Some(i) = thread
        .outgoing
        .iter()
        .rposition(|(_, m)| matches!(m.delivery, Delivery::Failed(_)))
    else {
        notice(model, "no reply here that was not sent".into(), false);
        return vec![];
    };
    let (client_id, message) = thread.outgoing.remove(i);
    let mut cmds = if model.open.as_ref() == Some(&key) {
        vec![]
    } else {
        open(model, key.clone())
    };
    let draft = model.drafts.entry(key.clone()).or_default();
    draft.append(&message.text);
    model.focus = Focus::Compose;
    draft_changed(model);
    model.unsaved.insert(key.clone());
    model.save_due = Some(model.now);
    notice(model, "the reply that was not sent is back in the draft".into(), false);
    cmds.push(Cmd::Outbox {
        client_id,
        key,
        text: message.text,
        state: OutboxState::Restored,
    });
    cmds
}

/// The reply from the editor becomes the conversation's draft, written back at once.
fn edited(model: &mut Model, key: ConversationKey, text: &str) {
    model.drafts.insert(key.clone(), Composer::with_text(text));
    if model.open.as_ref() == Some(&key) {
        model.focus = Focus::Compose;
        draft_changed(model);
    } else {
        model.unsaved.insert(key);
    }
    // Written back at once: it may be a long reply.
    model.save_due = Some(model.now);
}

/// The words are never lost: a message that did not go out goes back into an empty draft,
/// ready to edit or send again (by the operator, never on its own).
fn back_to_draft(model: &mut Model, key: &ConversationKey, text: &str) {
    let draft = model.drafts.entry(key.clone()).or_default();
    if draft.is_empty() {
        draft.insert(text);
        model.unsaved.insert(key.clone());
        model.save_due.get_or_insert(model.now + DRAFT_SAVE_DELAY);
    }
}

fn customer(model: &Model, key: &ConversationKey) -> String {
    model
        .conversations
        .get(key)
        .map_or_else(|| key.to_string(), |c| c.customer_name.clone())
}

fn notice(model: &mut Model, text: String, error: bool) {
    let until = model.now + if error { ERROR_NOTICE } else { NOTICE };
    model.notice = Some(Notice { text, error, until });
}

/// Takes in a conversation's messages; returns whether the list needs sorting again (the
/// waiting time changed, or a filter may match the new preview).
fn on_thread(model: &mut Model, key: ConversationKey, messages: Vec<Message>) -> bool {
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
        .filter(|m| thread.sent_ids.contains(&m.id) && !messages.iter().any(|n| n.id == m.id))
        .map(|m| m.text.clone())
        .collect();
    thread.messages = messages;
    for text in replaced {
        claim(thread, &text);
    }
    for m in &mut thread.messages {
        if let Author::Operator { is_me, .. } = &mut m.author
            && thread.sent_ids.contains(&m.id)
        {
            *is_me = true;
        }
    }
    thread.loaded = true;
    thread.error = None;
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

/// The cache's copy at start: shown until each account's first sync, never over live data.
fn on_cached(
    model: &mut Model,
    conversations: Vec<Conversation>,
    threads: Vec<(ConversationKey, Vec<Message>)>,
    synced_at: Vec<(String, DateTime<Utc>)>,
) {
    let live: std::collections::HashSet<String> = model
        .accounts
        .iter()
        .filter(|a| a.synced)
        .map(|a| a.name.clone())
        .collect();
    for (name, at) in synced_at {
        if let Some(a) = model.accounts.iter_mut().find(|a| a.name == name && !a.synced) {
            a.cached_at = Some(at);
        }
    }
    for c in conversations {
        if !live.contains(&c.key.account) && model.account(&c.key.account).is_some() {
            model.absorb(c);
        }
    }
    for (key, messages) in threads {
        let fresh = model.threads.get(&key).is_some_and(|t| t.loaded);
        if fresh || !model.conversations.contains_key(&key) {
            continue;
        }
        on_thread(model, key.clone(), messages);
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
fn forget_cached(model: &mut Model, account: &str, listed: &std::collections::HashSet<ConversationKey>) {
    model
        .conversations
        .retain(|key, _| key.account != account || listed.contains(key));
    model
        .threads
        .retain(|key, thread| key.account != account || listed.contains(key) || !thread.outgoing.is_empty());
    if let Some(a) = model.accounts.iter_mut().find(|a| a.name == account) {
        a.cached_at = None;
    }
}

/// Marks the latest operator message with this text that is nobody's yet as the operator's
/// own (for the view and the "new messages" check only; the outbox never goes by text here).
fn claim(thread: &mut Thread, text: &str) -> bool {
    let sent_ids = &thread.sent_ids;
    let found = thread.messages.iter_mut().rev().find(|m| {
        m.text.trim() == text.trim()
            && matches!(m.author, Author::Operator { is_me: false, .. })
            && !sent_ids.contains(&m.id)
    });
    match found {
        Some(m) => {
            if let Author::Operator { is_me, .. } = &mut m.author {
                *is_me = true;
            }
            thread.sent_ids.insert(m.id.clone());
            true
        }
        None => false,
    }
}

/// The first line of a message, short enough for a list row.
fn preview_of(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    line.chars().take(PREVIEW_CHARS).collect()
}

fn context(model: &Model) -> Place {
    match (&model.overlay, &model.filter_input, model.focus) {
        // The accounts overlay closes like the help; it scrolls with the list's keys.
        (Some(Overlay::Help | Overlay::Accounts { .. }), _, _) => Place::Help,
        (Some(Overlay::Confirm(_)), _, _) => Place::Confirm,
        (None, Some(_), _) => Place::Filter,
        (None, None, Focus::Compose) => Place::Compose,
        (None, None, Focus::Thread) => Place::Thread,
        (None, None, Focus::List) => Place::List,
    }
}

fn on_key(model: &mut Model, key: Key) -> Vec<Cmd> {
    let place = context(model);
    let action = model.keymap.action(place.into(), key);
    match place {
        Place::Help if matches!(model.overlay, Some(Overlay::Accounts { .. })) => on_accounts_key(model, key, action),
        Place::Help => {
            if matches!(action, Some(Action::Back | Action::Help)) {
                model.overlay = None;
            }
            if action == Some(Action::ForceQuit) {
                return quit(model, true);
            }
            vec![]
        }
        Place::Confirm => match action {
            Some(Action::Yes) => confirmed(model),
            Some(Action::No | Action::Back) => {
                model.overlay = None;
                vec![]
            }
            Some(Action::ForceQuit) => quit(model, true),
            _ => vec![],
        },
        Place::Filter => on_filter_key(model, key, action),
        Place::Compose => match action {
            Some(Action::Send) => send(model, false),
            Some(Action::NewLine) => {
                if let Some(d) = open_draft(model) {
                    d.newline();
                    draft_changed(model);
                }
                vec![]
            }
            Some(Action::LeaveCompose | Action::Back) => {
                model.focus = Focus::Thread;
                vec![]
            }
            Some(Action::ForceQuit) => quit(model, true),
            Some(Action::FocusNext) => {
                model.focus = Focus::List;
                vec![]
            }
            Some(Action::Editor) => edit_in_editor(model),
            _ => {
                if let Some(d) = open_draft(model) {
                    d.input(key);
                    draft_changed(model);
                }
                vec![]
            }
        },
        Place::List | Place::Thread => match action {
            Some(action) => act(model, action),
            None => vec![],
        },
    }
}

/// The accounts overlay: Esc (or `L` again) closes it, the list's movement keys scroll it.
fn on_accounts_key(model: &mut Model, key: Key, action: Option<Action>) -> Vec<Cmd> {
    match action {
        Some(Action::Back | Action::Help | Action::Accounts) => {
            model.overlay = None;
            return vec![];
        }
        Some(Action::ForceQuit) => return quit(model, true),
        _ => {}
    }
    let Some(Overlay::Accounts { top }) = &mut model.overlay else {
        return vec![];
    };
    let page = usize::from(model.height).saturating_sub(6).max(1);
    let last = model.accounts.len().saturating_sub(page);
    *top = match model.keymap.action(Context::List, key) {
        Some(Action::Down) => *top + 1,
        Some(Action::Up) => top.saturating_sub(1),
        Some(Action::PageDown) => *top + page,
        Some(Action::PageUp) => top.saturating_sub(page),
        Some(Action::First) => 0,
        Some(Action::Last) => last,
        _ => *top,
    }
    .min(last);
    vec![]
}

fn open_draft(model: &mut Model) -> Option<&mut Composer> {
    let key = model.open.clone()?;
    Some(model.drafts.entry(key).or_default())
}

fn on_filter_key(model: &mut Model, key: Key, action: Option<Action>) -> Vec<Cmd> {
    match action {
        Some(Action::Open) => {
            model.filter = model.filter_input.take().unwrap_or_default().trim().to_string();
            model.refresh_rows();
            model.select_index(0);
        }
        Some(Action::Back) => {
            // Esc on an empty line also clears an applied filter.
            if model.filter_input.as_deref().is_some_and(str::is_empty) {
                model.filter.clear();
            }
            model.filter_input = None;
            model.refresh_rows();
        }
        Some(Action::ForceQuit) => return quit(model, true),
        _ => {
            let input = model.filter_input.get_or_insert_with(String::new);
            match key.code {
                KeyCode::Char(c) if !key.ctrl && !key.alt => input.push(c),
                KeyCode::Backspace => {
                    input.pop();
                }
                _ => {}
            }
        }
    }
    vec![]
}

fn on_paste(model: &mut Model, text: &str) -> Vec<Cmd> {
    // Pasted text is remote-ish (anything can be on a clipboard): the same sanitiser.
    let clean = crate::domain::sanitize(text);
    if let Some(input) = &mut model.filter_input {
        input.push_str(&crate::domain::sanitize_line(&clean));
    } else if model.open.is_some() {
        // A paste outside the compose box lands in it (whole), never sends anything.
        model.focus = Focus::Compose;
        if let Some(d) = open_draft(model) {
            d.insert(&clean);
            draft_changed(model);
        }
    }
    vec![]
}

fn act(model: &mut Model, action: Action) -> Vec<Cmd> {
    let in_thread = model.focus == Focus::Thread;
    match action {
        Action::Down | Action::Up | Action::PageDown | Action::PageUp | Action::First | Action::Last if in_thread => {
            scroll_thread(model, action);
            vec![]
        }
        Action::JumpLatest => {
            if let Some(t) = model.open.as_ref().and_then(|k| model.threads.get_mut(k)) {
                t.scroll = 0;
                t.seen = t.messages.len();
            }
            vec![]
        }
        Action::Down => move_cursor(model, 1),
        Action::Up => move_cursor(model, -1),
        Action::PageDown => move_cursor(model, model.list_capacity().max(1) as isize),
        Action::PageUp => move_cursor(model, -(model.list_capacity().max(1) as isize)),
        Action::First => {
            model.select_index(0);
            vec![]
        }
        Action::Last => {
            model.select_index(model.rows.len().saturating_sub(1));
            vec![]
        }
        Action::Open => match model.selected.clone() {
            Some(key) => open(model, key),
            None => vec![],
        },
        Action::Back => {
            if model.focus != Focus::List {
                leave_thread(model);
                model.focus = Focus::List;
            } else if !model.filter.is_empty() {
                model.filter.clear();
                model.refresh_rows();
            }
            vec![]
        }
        Action::FocusNext => {
            model.focus = match (model.focus, model.open.is_some()) {
                (Focus::List, true) => Focus::Thread,
                (Focus::Thread, true) => Focus::Compose,
                _ => Focus::List,
            };
            vec![]
        }
        Action::Compose => {
            if model.open.is_none()
                && let Some(key) = model.selected.clone()
            {
                let cmds = open(model, key);
                model.focus = Focus::Compose;
                return cmds;
            }
            if model.open.is_some() {
                model.focus = Focus::Compose;
            }
            vec![]
        }
        Action::TakeOver => take_over(model, false),
        Action::HandBack => operate(model, Op::HandBack),
        Action::Resolve => operate(model, Op::Resolve),
        Action::NextNeedingHuman => next_needing_human(model),
        Action::ViewNeedsYou => switch_view(model, View::NeedsYou),
        Action::ViewMine => switch_view(model, View::Mine),
        Action::ViewAll => switch_view(model, View::All),
        Action::ViewResolved => switch_view(model, View::Resolved),
        Action::Filter => {
            model.filter_input = Some(model.filter.clone());
            vec![]
        }
        Action::Help => {
            model.overlay = Some(Overlay::Help);
            vec![]
        }
        Action::Accounts => {
            model.overlay = Some(Overlay::Accounts { top: 0 });
            vec![]
        }
        Action::Quit => quit(model, false),
        Action::ForceQuit => quit(model, true),
        Action::Editor => edit_in_editor(model),
        Action::Copy => copy_message(model),
        Action::RestoreUnsent => restore_unsent(model),
        Action::Refresh => {
            // Past any backoff and a server's Retry-After (one request), and a rejected key is
            // tried again: the operator may have fixed it on the platform's side.
            notice(model, "asking every account now…".into(), false);
            vec![Cmd::Refresh]
        }
        Action::Send | Action::NewLine | Action::LeaveCompose | Action::Yes | Action::No => vec![],
    }
}

fn move_cursor(model: &mut Model, delta: isize) -> Vec<Cmd> {
    let target = (model.cursor as isize + delta).max(0) as usize;
    model.select_index(target);
    vec![]
}

fn scroll_thread(model: &mut Model, action: Action) {
    let page = (model.height as usize / 4).max(1);
    let Some(thread) = model.open.as_ref().and_then(|k| model.threads.get_mut(k)) else {
        return;
    };
    let max = thread.len().saturating_sub(1);
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

/// Opens a conversation in the thread pane: watched (polled fast), marked read where the
/// platform keeps read state.
fn open(model: &mut Model, key: ConversationKey) -> Vec<Cmd> {
    if model.open.as_ref() != Some(&key) {
        leave_thread(model);
    }
    model.open = Some(key.clone());
    model.focus = Focus::Thread;
    let thread = model.threads.entry(key.clone()).or_default();
    thread.scroll = 0;
    let mut cmds = vec![Cmd::Watch(Some(key.clone()))];
    // Messages whose fate is unknown (no answer, or the program stopped): check the thread.
    for (client_id, m) in &thread.outgoing {
        if matches!(m.delivery, Delivery::Unknown(_)) {
            cmds.push(Cmd::Reconcile {
                key: key.clone(),
                client_id: *client_id,
                baseline: thread
                    .baselines
                    .get(client_id)
                    .cloned()
                    .unwrap_or_else(|| SendBaseline {
                        sent_at: m.created_at,
                        earlier: vec![],
                    }),
                text: m.text.clone(),
            });
        }
    }
    let unread = model.conversations.get(&key).and_then(|c| c.unread).unwrap_or(0);
    let can_mark = model
        .account(&key.account)
        .is_some_and(|a| a.synced && a.capabilities.mark_read.is_yes());
    if unread > 0 && can_mark {
        cmds.push(Cmd::Act { key, op: Op::MarkRead });
    }
    cmds
}

/// Leaving a thread: everything in it counts as seen; the divider goes.
fn leave_thread(model: &mut Model) {
    if let Some(t) = model.open.as_ref().and_then(|k| model.threads.get_mut(k)) {
        t.seen = t.messages.len();
        t.divider = None;
    }
}

fn take_over(model: &mut Model, confirmed: bool) -> Vec<Cmd> {
    let Some(key) = model.target() else {
        return vec![];
    };
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

fn operate(model: &mut Model, op: Op) -> Vec<Cmd> {
    match model.target() {
        Some(key) => start(model, key, op),
        None => vec![],
    }
}

/// Starts an operation if the platform offers it and nothing else is on its way for this
/// conversation; otherwise says why.
fn start(model: &mut Model, key: ConversationKey, op: Op) -> Vec<Cmd> {
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
    vec![Cmd::Act { key, op }]
}

fn confirmed(model: &mut Model) -> Vec<Cmd> {
    match model.overlay.take() {
        Some(Overlay::Confirm(Confirm::TakeFrom { key, .. })) => {
            let saved = (model.focus, model.selected.clone(), model.open.clone());
            // Act on the conversation that was asked about, whatever moved meanwhile.
            model.selected = Some(key.clone());
            model.focus = Focus::List;
            let cmds = take_over(model, true);
            (model.focus, model.selected, model.open) = saved;
            cmds
        }
        Some(Overlay::Confirm(Confirm::SendOver { key, .. })) if model.open.as_ref() == Some(&key) => send(model, true),
        Some(Overlay::Confirm(Confirm::Quit)) => {
            model.quit = true;
            vec![Cmd::Quit]
        }
        _ => vec![],
    }
}

fn send(model: &mut Model, confirmed: bool) -> Vec<Cmd> {
    let Some(key) = model.open.clone() else {
        return vec![];
    };
    let text = model.drafts.get(&key).map(Composer::text).unwrap_or_default();
    if text.trim().is_empty() {
        return vec![];
    }
    if let Err(why) = model.can_send(&key) {
        notice(model, format!("not sent: {why}"), true);
        return vec![];
    }
    if !confirmed && let Some(what) = news_since_reply_started(model, &key) {
        model.overlay = Some(Overlay::Confirm(Confirm::SendOver { key, what }));
        return vec![];
    }
    let client_id = model.next_client_id;
    model.next_client_id += 1;
    model.sending += 1;
    let message = super::model::outgoing(client_id, text.clone(), model.now, Delivery::Pending);
    let thread: &mut Thread = model.threads.entry(key.clone()).or_default();
    let baseline = SendBaseline::of(&thread.messages, &text, model.now);
    thread.baselines.insert(client_id, baseline.clone());
    thread.outgoing.push((client_id, message));
    thread.scroll = 0;
    thread.reply_base = None;
    if let Some(d) = model.drafts.get_mut(&key) {
        d.clear();
    }
    // The sent text must not come back as a draft after a crash.
    model.unsaved.insert(key.clone());
    let mut cmds = flush_drafts(model);
    cmds.push(Cmd::Send {
        key,
        client_id,
        baseline,
        text,
    });
    cmds
}

/// What others said in the conversation since this reply was started (Help Scout's collision
/// check: do not send over a change the operator has not seen), or `None`.
fn news_since_reply_started(model: &Model, key: &ConversationKey) -> Option<String> {
    let thread = model.threads.get(key)?;
    let base = thread.reply_base?;
    let news: Vec<&Message> = thread
        .messages
        .iter()
        .skip(base)
        .filter(|m| !matches!(m.author, Author::Operator { is_me: true, .. }) && !thread.sent_ids.contains(&m.id))
        // The operator's own, listed before its send was settled, is not news either.
        .filter(|m| {
            !(matches!(m.author, Author::Operator { .. })
                && thread.outgoing.iter().any(|(_, o)| o.text.trim() == m.text.trim()))
        })
        .collect();
    let latest = news.last()?;
    let who = present::author_in_sentence(&latest.author);
    let count = if news.len() == 1 {
        "A new message".to_string()
    } else {
        format!("{} new messages", news.len())
    };
    Some(format!(
        "{count} since you started writing; the latest, from {who}: “{}”",
        preview_of(&latest.text)
    ))
}

/// How many of the latest messages the editor file quotes below the scissors line.
const EDITOR_CONTEXT_MESSAGES: usize = 12;

/// Opens the target conversation (if it is not) and hands its draft to the operator's editor,
/// with the latest messages quoted for context.
fn edit_in_editor(model: &mut Model) -> Vec<Cmd> {
    let Some(key) = model.target() else {
        return vec![];
    };
    let mut cmds = if model.open.as_ref() == Some(&key) {
        vec![]
    } else {
        open(model, key.clone())
    };
    model.focus = Focus::Compose;
    let draft = model.drafts.get(&key).map(Composer::text).unwrap_or_default();
    let context = editor_context(model, &key);
    cmds.push(Cmd::Edit { key, draft, context });
    cmds
}

/// The conversation as the editor file shows it below the scissors line: who, where, and the
/// latest messages (sanitised text from the model; times in UTC, the model has no zone).
fn editor_context(model: &Model, key: &ConversationKey) -> String {
    let mut lines = Vec::new();
    let name = customer(model, key);
    lines.push(format!("Reply to {name} ({key}). The latest messages, oldest first:"));
    lines.push(String::new());
    if let Some(thread) = model.threads.get(key) {
        let latest: Vec<&Message> = thread.all().rev().take(EDITOR_CONTEXT_MESSAGES).collect();
        for m in latest.into_iter().rev() {
            let who = present::author_named(&m.author, &name);
            lines.push(format!("{} UTC  {who}:", m.created_at.format("%Y-%m-%d %H:%M")));
            lines.extend(m.text.lines().map(|l| format!("    {l}")));
        }
    }
    lines.join("\n")
}

/// Copies the message at the bottom of the thread pane (where scrolling stands).
fn copy_message(model: &mut Model) -> Vec<Cmd> {
    let Some(thread) = model.open.as_ref().and_then(|k| model.threads.get(k)) else {
        return vec![];
    };
    let Some(message) = thread.all().rev().nth(thread.scroll) else {
        return vec![];
    };
    let text = message.text.clone();
    let lines = text.lines().count().max(1);
    notice(
        model,
        format!(
            "copied {lines} line{} to the clipboard",
            if lines == 1 { "" } else { "s" }
        ),
        false,
    );
    vec![Cmd::Copy(text)]
}

fn next_needing_human(model: &mut Model) -> Vec<Cmd> {
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
    open(model, key)
}

fn switch_view(model: &mut Model, view: View) -> Vec<Cmd> {
    model.view = view;
    model.refresh_rows();
    vec![]
}

fn quit(model: &mut Model, force: bool) -> Vec<Cmd> {
    if !force && model.sending > 0 {
        model.overlay = Some(Overlay::Confirm(Confirm::Quit));
        return vec![];
    }
    model.quit = true;
    vec![Cmd::Quit]
}
