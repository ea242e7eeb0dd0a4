//! The outbox: a message of the operator's on its way and its fate — the send, the platform's
//! answer, the check of a lost answer against the thread, the words put back when it did not
//! go out, and the entries restored from the store at start. Where each one stands is kept by
//! `outgoing` (`Thread.outbox`, `Model.sends`), and changed only from here.

use super::compose::Composer;
use super::keymap::{Action, Context};
use super::model::{Confirm, DRAFT_SAVE_DELAY, Focus, Model, Overlay, Thread};
use super::msg::{Cmd, Net, OutboxState, SendFailure, Store};
use super::{customer, drafts::draft_changed, drafts::flush_drafts, notice, thread};
use crate::domain::{Author, ConversationKey, Delivery, Message, SendBaseline};
use crate::present;
use chrono::{DateTime, Utc};

impl Model {
    /// An outgoing message the outbox remembers from an earlier run: an unknown one is checked
    /// against the thread when its conversation is opened; a failed one shows until its words
    /// are put back. Others are done with.
    pub fn restore_outgoing(
        &mut self,
        client_id: u64,
        key: ConversationKey,
        text: String,
        state: OutboxState,
        baseline: SendBaseline,
    ) {
        let delivery = match state {
            OutboxState::Unknown(reason) => Delivery::Unknown(reason),
            OutboxState::Failed(reason) => Delivery::Failed(reason),
            _ => return,
        };
        let message = outgoing(client_id, text, baseline.sent_at, delivery);
        self.threads
            .entry(key)
            .or_default()
            .outbox
            .push(client_id, message, baseline);
    }
}

/// The operator's own message on its way (or not sent), shown under a local id until the
/// platform's copy takes its place.
pub(super) fn outgoing(client_id: u64, text: String, at: DateTime<Utc>, delivery: Delivery) -> Message {
    Message {
        id: format!("local-{client_id}"),
        author: Author::Operator {
            name: None,
            is_me: true,
        },
        author_name: None,
        text,
        created_at: at,
        attachments: vec![],
        delivery,
    }
}

/// The platform's answer to a send: sent, unknown (checked against the thread), or refused.
pub(super) fn on_sent(
    model: &mut Model,
    key: ConversationKey,
    client_id: u64,
    result: Result<Message, SendFailure>,
) -> Vec<Cmd> {
    model.sends.answered();
    let name = customer(model, &key);
    let thread = model.threads.entry(key.clone()).or_default();
    let Some(text) = thread.outbox.get(client_id).map(|m| m.text.clone()) else {
        return vec![];
    };
    match result {
        Ok(message) => {
            thread.outbox.arrived(client_id, &message.id);
            // Listed already (the thread was read before the answer came, maybe under
            // another id): shown once.
            if !thread.messages.iter().any(|m| m.id == message.id)
                && !thread.outbox.claim(&mut thread.messages, &message.text)
            {
                thread.messages.push(message);
                thread.seen = thread.messages.len();
            }
            notice(model, format!("sent to {name}"), false);
            vec![Cmd::Store(Store::Outbox {
                client_id,
                key,
                text,
                state: OutboxState::Sent,
            })]
        }
        Err(SendFailure {
            reason,
            ambiguous: true,
            accepted,
        }) => {
            // It may have arrived: never offer to send again before the thread says.
            let Some(baseline) = thread.outbox.baseline(client_id).cloned() else {
                return vec![];
            };
            if accepted {
                thread.outbox.set_accepted(client_id);
            }
            thread.outbox.set_delivery(client_id, Delivery::Unknown(reason.clone()));
            notice(
                model,
                format!("no readable answer from {name}'s platform — checking whether it arrived"),
                true,
            );
            vec![
                Cmd::Store(Store::Outbox {
                    client_id,
                    key: key.clone(),
                    text: text.clone(),
                    state: OutboxState::Unknown(reason),
                }),
                Cmd::Net(Net::Reconcile {
                    key,
                    client_id,
                    baseline,
                    text,
                }),
            ]
        }
        Err(SendFailure {
            reason,
            ambiguous: false,
            ..
        }) => not_sent(model, &key, client_id, reason, &name),
    }
}

/// What reading the thread said of a send whose answer was lost.
pub(super) fn on_reconciled(
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
    let Some(text) = thread.outbox.get_unknown(client_id).map(|m| m.text.clone()) else {
        return vec![];
    };
    // A copy another send of the same words already accounts for is not this one.
    let arrived = result.map(|ids| ids.into_iter().find(|id| !thread.outbox.is_mine(id)));
    match arrived {
        Ok(Some(id)) => {
            let Some(mut message) = thread.outbox.arrived(client_id, &id) else {
                return vec![];
            };
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
                Cmd::Store(Store::Outbox {
                    client_id,
                    key,
                    text,
                    state: OutboxState::Sent,
                }),
                Cmd::Net(Net::Refresh),
            ]
        }
        // Taken by the platform (a 2xx), only not listed yet: never put back to be sent twice.
        Ok(None) if thread.outbox.accepted(client_id) => {
            let why = "the platform took it, but the thread does not show it yet".to_string();
            thread.outbox.set_delivery(client_id, Delivery::Unknown(why));
            notice(
                model,
                format!(
                    "{name}'s platform took the reply but does not list it yet — open the conversation to check again; do not send it twice"
                ),
                true,
            );
            vec![]
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
            let unknown = Delivery::Unknown(format!("could not check: {e}"));
            thread.outbox.set_delivery(client_id, unknown);
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
    let Some(text) = thread.outbox.get(client_id).map(|m| m.text.clone()) else {
        return vec![];
    };
    let draft_empty = model.drafts.get(key).is_none_or(Composer::is_empty);
    let state = if draft_empty {
        thread.outbox.remove(client_id);
        back_to_draft(model, key, &text);
        notice(
            model,
            format!("not sent to {name} — {reason} (your text is back in the draft)"),
            true,
        );
        OutboxState::Restored
    } else {
        thread.outbox.set_delivery(client_id, Delivery::Failed(reason.clone()));
        let key = model.keymap.hint(Context::Global, Action::RestoreUnsent);
        // What became of the words first: a long reason is what gets cut on a narrow line.
        notice(
            model,
            format!("not sent to {name}, kept in its thread ({key} puts it back in the draft): {reason}"),
            true,
        );
        OutboxState::Failed(reason)
    };
    let mut cmds = vec![Cmd::Store(Store::Outbox {
        client_id,
        key: key.clone(),
        text,
        state,
    })];
    // The operator may have moved on to another customer: said until they look.
    cmds.extend(super::alerts::raise(model, key, super::alerts::AlertKind::SendFailed));
    cmds
}

/// Puts the latest reply of the conversation that was not sent back in its draft (after what
/// the draft holds: nothing of either is lost).
pub(super) fn restore_unsent(model: &mut Model, key: ConversationKey) -> Vec<Cmd> {
    let Some(thread) = model.threads.get_mut(&key) else {
        notice(model, "no reply here that was not sent".into(), false);
        return vec![];
    };
    let Some((client_id, message)) = thread.outbox.take_last_failed() else {
        notice(model, "no reply here that was not sent".into(), false);
        return vec![];
    };
    let mut cmds = if model.open.as_ref() == Some(&key) {
        vec![]
    } else {
        thread::open(model, key.clone())
    };
    let draft = model.drafts.entry(key.clone()).or_default();
    draft.append(&message.text);
    model.focus = Focus::Compose;
    draft_changed(model);
    model.unsaved.insert(key.clone());
    model.save_due = Some(model.now);
    notice(model, "the reply that was not sent is back in the draft".into(), false);
    cmds.push(Cmd::Store(Store::Outbox {
        client_id,
        key,
        text: message.text,
        state: OutboxState::Restored,
    }));
    cmds
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

/// Sends the conversation's draft: on the screen (and in the outbox) before it leaves, and
/// confirmed first when the conversation moved on since the reply was started.
pub(super) fn send(model: &mut Model, key: ConversationKey, confirmed: bool) -> Vec<Cmd> {
    let text = model.drafts.get(&key).map(Composer::text).unwrap_or_default();
    if text.trim().is_empty() {
        return vec![];
    }
    if let Err(why) = model.can_send(&key) {
        notice(model, format!("not sent: {why}"), true);
        return vec![];
    }
    let news = news_since_reply_started(model, &key);
    // In team mode, another operator typing here would reply over this one (or this over theirs).
    let typing = super::team::typing_here(model, &key).map(|who| format!("{who} is typing a reply here too"));
    let holder = model.held_by_other(&key);
    let what: Vec<String> = [holder, news, typing].into_iter().flatten().collect();
    let what = (!what.is_empty()).then(|| what.join("; "));
    if !confirmed && let Some(what) = what {
        model.overlay = Some(Overlay::Confirm(Confirm::SendOver { key, what }));
        return vec![];
    }
    let client_id = model.sends.claim();
    let message = outgoing(client_id, text.clone(), model.now, Delivery::Pending);
    let thread: &mut Thread = model.threads.entry(key.clone()).or_default();
    let baseline = SendBaseline::of(&thread.messages, &text, model.now);
    thread.outbox.push(client_id, message, baseline.clone());
    thread.scroll = 0;
    thread.reply_base = None;
    if let Some(d) = model.drafts.get_mut(&key) {
        d.clear();
    }
    // The sent text must not come back as a draft after a crash.
    model.unsaved.insert(key.clone());
    let mut cmds = flush_drafts(model);
    cmds.push(Cmd::Store(Store::Send {
        key,
        client_id,
        baseline,
        text,
    }));
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
        .filter(|m| !matches!(m.author, Author::Operator { is_me: true, .. }) && !thread.outbox.is_mine(&m.id))
        // The operator's own, listed before its send was settled, is not news either.
        .filter(|m| {
            !(matches!(m.author, Author::Operator { .. })
                && thread.outbox.messages().any(|o| o.text.trim() == m.text.trim()))
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
        thread::preview_of(&latest.text)
    ))
}
