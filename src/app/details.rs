//! The details panel's toggle, and what the operator does from it on Chatvolt (point 5): assign
//! by email — a prompt that completes from the assignees seen in the account — and set the
//! priority. Both go through the one operation path (`inbox::start`): refused with the
//! capability's reason where the platform cannot, read back after the write.

use super::inbox;
use super::key::{Key, KeyCode};
use super::model::{Model, Overlay};
use super::msg::{Cmd, Op};
use super::notice;
use crate::domain::{ConversationKey, Priority};

/// `D`: shows or hides the details of the selected (or open) conversation.
pub(super) fn toggle(model: &mut Model) -> Vec<Cmd> {
    model.details = !model.details;
    vec![]
}

/// `@`: asks for the email to assign to, starting from the operator's own — unless the
/// platform cannot assign, which is said at once.
pub(super) fn ask_assign(model: &mut Model, key: ConversationKey) -> Vec<Cmd> {
    if let Some(why) = inbox::refusal(model, &key, &Op::Assign(String::new())) {
        notice(model, why, true);
        return vec![];
    }
    let input = model.me.clone().unwrap_or_default();
    model.overlay = Some(Overlay::Assign { key, input });
    vec![]
}

/// `p`: asks which priority, unless the platform has none.
pub(super) fn ask_priority(model: &mut Model, key: ConversationKey) -> Vec<Cmd> {
    if let Some(why) = inbox::refusal(model, &key, &Op::SetPriority(Priority::Medium)) {
        notice(model, why, true);
        return vec![];
    }
    model.overlay = Some(Overlay::Priority { key });
    vec![]
}

/// The keys of the assign prompt and the priority question; `None` when neither is open.
/// Typed text goes to the prompt as is (so `q` is a letter here, not quitting).
pub(super) fn on_key(model: &mut Model, key: Key) -> Option<Vec<Cmd>> {
    match model.overlay.clone()? {
        Overlay::Assign {
            key: conversation,
            input,
        } => Some(on_assign_key(model, conversation, input, key)),
        Overlay::Priority { key: conversation } => Some(on_priority_key(model, conversation, key)),
        _ => None,
    }
}

fn on_assign_key(model: &mut Model, conversation: ConversationKey, mut input: String, key: Key) -> Vec<Cmd> {
    match key.code {
        KeyCode::Esc => {
            model.overlay = None;
            return vec![];
        }
        KeyCode::Char('c') if key.ctrl => {
            model.overlay = None;
            return vec![];
        }
        KeyCode::Char('u') if key.ctrl => input.clear(),
        KeyCode::Enter => {
            return match valid_email(&input) {
                Ok(email) => {
                    model.overlay = None;
                    inbox::start(model, conversation, Op::Assign(email))
                }
                Err(why) => {
                    notice(model, why, true);
                    vec![]
                }
            };
        }
        KeyCode::Tab => {
            if let Some(next) = complete(model, &conversation.account, &input) {
                input = next;
            }
        }
        KeyCode::Backspace => {
            input.pop();
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt && !c.is_control() => input.push(c),
        _ => {}
    }
    model.overlay = Some(Overlay::Assign {
        key: conversation,
        input,
    });
    vec![]
}

fn on_priority_key(model: &mut Model, conversation: ConversationKey, key: Key) -> Vec<Cmd> {
    let chosen = match key.code {
        KeyCode::Char('1' | 'l' | 'L') => Some(Priority::Low),
        KeyCode::Char('2' | 'm' | 'M') => Some(Priority::Medium),
        KeyCode::Char('3' | 'h' | 'H') => Some(Priority::High),
        KeyCode::Esc | KeyCode::Char('q') => {
            model.overlay = None;
            return vec![];
        }
        _ => None,
    };
    match chosen {
        Some(priority) => {
            model.overlay = None;
            inbox::start(model, conversation, Op::SetPriority(priority))
        }
        None => vec![],
    }
}

/// Every email an assignment could go to in `account`: the operator's own, then the
/// assignees seen in its conversations, each once, sorted.
pub fn assignees_seen(model: &Model, account: &str) -> Vec<String> {
    let mut seen: Vec<String> = (model.conversations.values())
        .filter(|c| *c.key.account == *account)
        .filter_map(|c| c.details.as_deref())
        .flat_map(|d| d.assignees.iter().cloned())
        .chain(model.me.clone())
        .collect();
    seen.sort_by_key(|e| e.to_lowercase());
    seen.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    seen
}

/// Tab: the next email seen that starts with what is typed — after the one typed when it is
/// complete already, so Tab again walks through them.
fn complete(model: &Model, account: &str, typed: &str) -> Option<String> {
    let all = assignees_seen(model, account);
    let lower = typed.to_lowercase();
    if let Some(at) = all.iter().position(|e| e.eq_ignore_ascii_case(typed)) {
        // Complete already: the next one (wrapping), whatever it starts with.
        return all.get((at + 1) % all.len()).cloned();
    }
    all.into_iter().find(|e| e.to_lowercase().starts_with(&lower))
}

/// An email as typed, trimmed; refused without an `@`, with spaces or controls in it.
pub fn valid_email(typed: &str) -> Result<String, String> {
    let email = typed.trim();
    let ok = email.contains('@')
        && !email.starts_with('@')
        && !email.ends_with('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(email.to_string())
    } else if email.is_empty() {
        Err("type the email of the operator to assign it to".into())
    } else {
        Err(format!("not an email: {}", crate::domain::sanitize_line(email)))
    }
}
