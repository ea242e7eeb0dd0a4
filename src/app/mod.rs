//! The application: Model, Msg, Cmd, update — pure, no terminal, no I/O.
//!
//! `update` (here) does the bookkeeping every message shares (the clock, notices, read marks,
//! the draft's focus style, draft saves) and routes each group of `Msg` to the module that owns
//! its concern: `inbox`, `thread`, `outbox`, `drafts`, `input`. Those modules are private: only
//! `update` reaches them.

pub mod alerts;
pub mod archive;
pub mod compose;
mod details;
mod drafts;
pub mod help;
mod inbox;
mod input;
pub mod key;
pub mod keymap;
pub mod log;
pub mod model;
pub mod mouse;
pub mod msg;
pub mod notes;
mod outbox;
pub mod outgoing;
mod release;
mod reminder;
pub mod screen;
pub mod search;
pub mod snippets;
mod team;
mod thread;

pub use details::{assignees_seen, valid_email};
pub use model::Model;
pub use msg::{Cmd, Connection, Msg, Net, Op, OutboxState, SendFailure, Store, Team, Term};
pub use release::RELEASE_AFTER;

use crate::domain::ConversationKey;
use chrono::{DateTime, Utc};
use model::{ERROR_NOTICE, Focus, NOTICE, Notice};

/// A message in, the model changed, commands out. No I/O, no clock of its own: the time comes
/// in as `now`, so every case is a table test.
pub fn update(model: &mut Model, msg: Msg, now: DateTime<Utc>) -> Vec<Cmd> {
    model.now = now;
    if model.notice.as_ref().is_some_and(|n| n.until <= now) {
        model.notice = None;
    }
    let place = (model.focus, model.open.clone());
    if let (
        Some(leaving),
        Msg::Done {
            key, op: Op::HandBack, ..
        },
    ) = (model.leaving.as_mut(), &msg)
    {
        leaving.waiting.remove(key);
    }
    // Whether the message can change the conversations, and so who holds what and what alerts
    // are about: a key, a paste, a resize or a tick cannot (a key's operation changes them when
    // its answer comes). What follows skips that bookkeeping otherwise: a key must cost the
    // same with 10,000 conversations held and alerted as with none.
    let news = !matches!(
        msg,
        Msg::Key(_) | Msg::Paste(_) | Msg::Resize { .. } | Msg::Tick | Msg::SearchHits { .. } | Msg::Mouse(_)
    );
    let timed = matches!(msg, Msg::Tick);
    let mut cmds = handle(model, msg);
    // Quitting after the hand-backs: the next ones go, or the program ends.
    cmds.extend(input::leave_progress(model));
    // Alerts due are said (again), answered ones forgotten.
    cmds.extend(alerts::check(model, news, news || timed));
    reminder::remind_when_due(model);
    // What the operator has seen is remembered, for the "new" divider of the next run and for
    // unread state where the platform keeps none. Only the open thread's changes: others'
    // `seen` is derived, not seen.
    for key in [place.1.as_ref(), model.open.as_ref()].into_iter().flatten() {
        if let Some(mark) = changed_mark(model, key) {
            model.read_marks.insert(key.clone(), mark.clone());
            cmds.push(Cmd::Store(Store::SaveReadMark { key: key.clone(), mark }));
        }
        if place.1 == model.open {
            break;
        }
    }
    // Who holds what is on disk as soon as it changes: after a crash, it is what says "you".
    if news {
        cmds.extend(holds_changed(model));
        cmds.extend(holds_to_tell(model));
    }
    cmds.extend(team::presence_changed(model));
    // The resolved conversations the view and the filter show, read from the cache.
    cmds.extend(archive::follow(model));
    // The open draft is styled for where the keys go (the view renders it by reference).
    if let Some(key) = &model.open {
        let focused = model.focus == Focus::Compose;
        let keymap = &model.keymap;
        let note = model.note_mode.contains(key);
        if let Some(draft) = model.drafts.get_mut(key) {
            draft.show_note(note);
            draft.show_focus(focused, || compose::placeholder_for(keymap, focused, note));
        }
    }
    // Drafts reach the store within a second of typing, and at once when the operator moves
    // away (focus or conversation changes) or quits: nothing typed is lost to a crash.
    let moved = (model.focus, model.open.clone()) != place;
    if moved || model.quit || model.save_due.is_some_and(|due| due <= now) {
        // After everything else this message asked for: when it quits, the loop carries out
        // every command of the round before it ends, so the drafts are written first.
        cmds.extend(drafts::flush_drafts(model));
    }
    cmds
}

/// The conversations held or let go since the store was last told (cheap: a handful held).
fn holds_changed(model: &mut Model) -> Option<Cmd> {
    if model.mine.len() == model.holds_saved.len() && model.mine.keys().all(|k| model.holds_saved.contains(k)) {
        return None;
    }
    let held: Vec<(ConversationKey, DateTime<Utc>)> = model
        .mine
        .iter()
        .filter(|(k, _)| !model.holds_saved.contains(*k))
        .map(|(k, since)| (k.clone(), *since))
        .collect();
    let released: Vec<ConversationKey> = model
        .holds_saved
        .iter()
        .filter(|k| !model.mine.contains_key(*k))
        .cloned()
        .collect();
    model.holds_saved = model.mine.keys().cloned().collect();
    Some(Cmd::Store(Store::Holds { held, released }))
}

/// The conversations held, when the sync engine has not heard of them yet (at start too); in
/// team mode, those let go are released in the team.
fn holds_to_tell(model: &mut Model) -> Vec<Cmd> {
    if model.mine.len() == model.holds_told.len() && model.mine.keys().all(|k| model.holds_told.contains(k)) {
        return vec![];
    }
    let let_go: Vec<ConversationKey> = model
        .holds_told
        .iter()
        .filter(|k| !model.mine.contains_key(*k))
        .cloned()
        .collect();
    model.holds_told = model.mine.keys().cloned().collect();
    let mut held: Vec<ConversationKey> = model.holds_told.iter().cloned().collect();
    held.sort();
    let mut cmds = vec![Cmd::Net(Net::Held(held))];
    cmds.extend(team::released(model, &let_go));
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

/// Hands each message to the module that owns it.
fn handle(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) => input::on_key(model, key),
        Msg::Paste(text) => input::on_paste(model, &text),
        // Like a forced quit: nobody is there to answer a question about messages on their way.
        Msg::Terminate => input::hang_up(model),
        Msg::Tick => {
            release::release_idle(model);
            archive::release_idle(model);
            vec![]
        }
        Msg::Resize { width, height } => inbox::on_resize(model, width, height),
        Msg::Synced {
            account,
            changed,
            removed,
        } => inbox::on_synced(model, account, changed, removed),
        Msg::Cached {
            conversations,
            threads,
            synced_at,
            resolved,
        } => {
            if let Some(archive) = &mut model.archive {
                archive.know(resolved);
            }
            inbox::on_cached(model, conversations, threads, synced_at);
            vec![]
        }
        Msg::ResolvedPage {
            seq,
            conversations,
            total,
            more,
        } => archive::on_page(model, seq, conversations, total, more),
        Msg::CachedConversation {
            key,
            conversation,
            message,
        } => search::on_cached_conversation(model, key, conversation, message),
        Msg::CachedThread { key, messages } => release::on_cached_thread(model, key, messages),
        Msg::CachedFirst {
            conversations,
            synced_at,
        } => {
            inbox::on_cached_first(model, conversations, synced_at);
            vec![]
        }
        Msg::Walked { account } => inbox::on_walked(model, &account),
        Msg::Paced { account, note } => inbox::on_paced(model, &account, note),
        Msg::Connection { account, state } => inbox::on_connection(model, account, state),
        Msg::Done { key, op, result } => inbox::on_done(model, key, op, result),
        Msg::Thread { key, messages } => thread::on_messages(model, key, messages),
        Msg::ThreadFailed { key, error } => thread::on_failed(model, key, error),
        Msg::Sent { key, client_id, result } => outbox::on_sent(model, key, client_id, result),
        Msg::Reconciled { key, client_id, result } => outbox::on_reconciled(model, key, client_id, result),
        Msg::Edited { key, result } => drafts::on_edited(model, key, result),
        Msg::Salvaged { key, reply, why } => drafts::on_salvaged(model, key, reply, why),
        Msg::StoreFailed(error) => drafts::on_store_failed(model, error),
        Msg::StoreSaved => drafts::on_store_saved(model),
        Msg::Team(view) => team::on_view(model, view),
        Msg::Claimed { key, result } => team::on_claimed(model, key, result),
        Msg::Orphans(keys) => team::on_orphans(model, keys),
        Msg::Notes { key, place, result } => notes::on_notes(model, key, place, result),
        Msg::NoteSaved { key, client_id, result } => notes::on_saved(model, key, client_id, result),
        Msg::SearchHits { seq, hits } => search::on_hits(model, seq, hits),
        Msg::Mouse(mouse) => mouse::on_mouse(model, mouse),
    }
}

/// How notices name a conversation: its customer, else its key.
fn customer(model: &Model, key: &ConversationKey) -> String {
    model
        .conversations
        .get(key)
        .map_or_else(|| key.to_string(), |c| c.customer_name.clone())
}

/// Shows a notice in the status bar; errors stay longer.
fn notice(model: &mut Model, text: String, error: bool) {
    let until = model.now + if error { ERROR_NOTICE } else { NOTICE };
    model.log.push(model.now, &text, error);
    model.notice = Some(Notice { text, error, until });
}
