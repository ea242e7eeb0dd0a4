//! The start-up reminder of the conversations the last run left held (a crash, `kill -9`, a
//! quit that kept them): shown once every account holding one has answered, reviewed in Mine,
//! or all handed back.

use super::inbox::{start, switch_view};
use super::model::{Confirm, Focus, Model, Overlay, View};
use super::msg::{Cmd, Op};
use crate::domain::ConversationKey;

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
