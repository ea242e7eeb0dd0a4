//! Drafts: what the operator is writing, per conversation — marked changed as it is typed,
//! written to the store within a second (again after a failed write), and handed to and back
//! from the operator's editor.

use super::compose::Composer;
use super::model::{DRAFT_RETRY, DRAFT_SAVE_DELAY, Focus, Model};
use super::msg::{Cmd, Store, Term};
use super::{customer, notice, thread};
use crate::domain::{ConversationKey, Message};
use crate::present;

/// Marks the open conversation's draft as changed: it is saved within a second.
pub(super) fn draft_changed(model: &mut Model) {
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

pub(super) fn flush_drafts(model: &mut Model) -> Vec<Cmd> {
    model.save_due = None;
    let mut keys: Vec<ConversationKey> = model.unsaved.drain().collect();
    keys.sort();
    keys.into_iter()
        .map(|key| {
            let text = model.drafts.get(&key).map(Composer::text).unwrap_or_default();
            Cmd::Store(Store::SaveDraft { key, text })
        })
        .collect()
}

/// The editor's answer: its reply becomes the draft, or the notice says why it failed.
pub(super) fn on_edited(model: &mut Model, key: ConversationKey, result: Result<String, String>) -> Vec<Cmd> {
    match result {
        Ok(text) => edited(model, key, &text),
        Err(why) => notice(model, format!("the editor failed: {why}"), true),
    }
    vec![]
}

/// The editor exited abnormally: what it had saved is kept, and the operator is told to check it.
pub(super) fn on_salvaged(model: &mut Model, key: ConversationKey, reply: String, why: String) -> Vec<Cmd> {
    edited(model, key, &reply);
    notice(
        model,
        format!("the editor exited abnormally ({why}); what it had saved is in the draft — check it"),
        true,
    );
    vec![]
}

pub(super) fn on_store_failed(model: &mut Model, error: String) -> Vec<Cmd> {
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

pub(super) fn on_store_saved(model: &mut Model) -> Vec<Cmd> {
    if std::mem::take(&mut model.store_failing) {
        notice(model, "drafts are saved again".into(), false);
    }
    vec![]
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

pub(super) fn open_draft(model: &mut Model) -> Option<&mut Composer> {
    let key = model.open.clone()?;
    Some(model.drafts.entry(key).or_default())
}

/// How many of the latest messages the editor file quotes below the scissors line.
const EDITOR_CONTEXT_MESSAGES: usize = 12;

/// Opens the conversation (if it is not) and hands its draft to the operator's editor, with
/// the latest messages quoted for context.
pub(super) fn edit_in_editor(model: &mut Model, key: ConversationKey) -> Vec<Cmd> {
    let mut cmds = if model.open.as_ref() == Some(&key) {
        vec![]
    } else {
        thread::open(model, key.clone())
    };
    model.focus = Focus::Compose;
    let draft = model.drafts.get(&key).map(Composer::text).unwrap_or_default();
    let context = editor_context(model, &key);
    cmds.push(Cmd::Term(Term::Edit { key, draft, context }));
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
