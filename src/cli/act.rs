//! Acting on one conversation: take, release, resolve, reopen, assign and mark read; and the
//! holder check every command acting on a conversation shares.

use super::Failure;
use super::accounts::{connect, target};
use super::output::print;
use crate::app::Op;
use crate::config::Config;
use crate::domain::{Conversation, ConversationKey, Holder, Priority, Status};
use crate::platform::{Platform, PlatformError};
use crate::present::status_words;
use crate::sync::effects;

/// `handoff take`, `release`, `resolve`, `reopen` and `read`: unless forced, nothing is done to
/// a conversation another operator holds (a read mark changes nothing of theirs: not checked).
/// A takeover never reports success on a conversation left resolved.
pub(super) async fn act(config: &Config, conversation: &str, op: Op, force: bool) -> Result<(), Failure> {
    let key = target(conversation)?;
    // As the inbox asks: with no identity the platform cannot record who took it over.
    if !force && op == Op::TakeOver && config.operator.identity().is_none() {
        return Err(Failure::Platform(format!(
            "{key}: no [operator] email is set in the config, so the platform cannot record that you hold it \
             and other operators cannot tell; add one (handoff doctor shows how), or pass --force to take it over anyway"
        )));
    }
    let p = connect(config, &key.account)?;
    if !force && op != Op::MarkRead {
        let current = p.get_conversation(&key.id).await;
        not_held_by_another(&key, current.as_ref(), forced_verb(&op))?;
        if op == Op::TakeOver
            && let Ok(c) = &current
        {
            before_take(&key, c)?;
        }
    }
    operate(&*p, &key, op).await
}

/// The one holder check of the command line (`take`, `send`, `release`, `resolve`, without
/// `--force`): a conversation a colleague holds is theirs, and one that cannot be read is not
/// acted on blind. `doing` ends the sentence "pass --force to {doing} anyway". A holder the
/// platform does not name (`Holder::Unknown`: raia in manual mode with no assigned user) is
/// not refused here (raia never names anyone, so it may well be yours); `take` asks for
/// `--force` on it all the same (`before_take`).
pub(super) fn not_held_by_another(
    key: &ConversationKey,
    current: Result<&Conversation, &PlatformError>,
    doing: &str,
) -> Result<(), Failure> {
    match current {
        // Gone or refused: no use suggesting --force.
        Err(e @ (PlatformError::NotFound { .. } | PlatformError::BadKey { .. })) => {
            Err(Failure::Platform(format!("{key}: {e}")))
        }
        Err(e) => Err(Failure::Platform(format!(
            "{key}: {e} — nothing was done, as who holds it could not be read; pass --force to {doing} anyway"
        ))),
        Ok(Conversation {
            status: Status::Human { by: Holder::Other(who) },
            ..
        }) => Err(Failure::Platform(format!(
            "{key} is held by {who}; pass --force to {doing} anyway"
        ))),
        Ok(_) => Ok(()),
    }
}

/// What a takeover checks before it writes anything: a resolved conversation is reopened first
/// (as `t` in the inbox does, in two steps here), and one a human the platform does not name
/// already holds may be a colleague's (as the inbox asks).
fn before_take(key: &ConversationKey, c: &Conversation) -> Result<(), Failure> {
    match &c.status {
        Status::Resolved => Err(Failure::Platform(format!(
            "{key}: it is resolved — nothing was done; reopen it first (handoff reopen {key}), then take it over"
        ))),
        Status::Human { by: Holder::Unknown } => Err(Failure::Platform(format!(
            "{key}: a human already holds it and the platform does not say who (if it is you, you hold it already) \
             — nothing was done; pass --force to take it over anyway"
        ))),
        _ => Ok(()),
    }
}

fn forced_verb(op: &Op) -> &'static str {
    match op {
        Op::TakeOver => "take it over",
        Op::HandBack => "hand it back to the AI",
        Op::Resolve => "resolve it",
        Op::Reopen => "reopen it",
        Op::MarkRead => "mark it read",
        Op::Assign(_) => "assign it",
        Op::SetPriority(_) => "set its priority",
    }
}

/// Takes over, hands back, resolves or marks read, as the inbox does: an answer that cannot be
/// read is settled by reading the conversation back, and one that cannot be settled is
/// reported as unknown (exit 3), never as a failure a script would simply retry.
async fn operate(p: &dyn Platform, key: &ConversationKey, op: Op) -> Result<(), Failure> {
    match effects::act(p, &key.id, &op).await {
        Ok(Some(c)) if op == Op::TakeOver && c.status == Status::Resolved => {
            return Err(Failure::Platform(format!(
                "{key}: not taken over — it is still resolved; reopen it first (handoff reopen {key})"
            )));
        }
        Ok(Some(c)) => print(&format!("{key}: {} — now {}\n", op.done(), status_words(&c.status))),
        Ok(None) => print(&format!("{key}: {}\n", op.done())),
        Err(f) if f.unknown => return Err(Failure::Unknown(format!("{key}: {}", f.reason))),
        Err(f) => return Err(Failure::Platform(format!("{key}: {}", f.reason))),
    }
    Ok(())
}

/// `handoff assign`: to EMAIL, or to the operator's own from the config. Through the same
/// path as the inbox: an answer that cannot be read is settled by reading the assignees back.
pub(super) async fn assign(config: &Config, conversation: &str, email: Option<String>) -> Result<(), Failure> {
    let email = email
        .or_else(|| config.operator.identity().map(str::to_string))
        .ok_or_else(|| Failure::Usage("give an EMAIL or set [operator] email in the config".into()))?;
    let email = checked_email(&email)?;
    let key = target(conversation)?;
    let p = connect(config, &key.account)?;
    operate(&*p, &key, Op::Assign(email)).await
}

/// `handoff priority CONV low|medium|high` (Chatvolt).
pub(super) async fn priority(config: &Config, conversation: &str, priority: Priority) -> Result<(), Failure> {
    let key = target(conversation)?;
    let p = connect(config, &key.account)?;
    operate(&*p, &key, Op::SetPriority(priority)).await
}

/// An email as typed, trimmed; one with controls or without an `@` is refused before anything
/// is sent.
pub(crate) fn checked_email(email: &str) -> Result<String, Failure> {
    crate::app::valid_email(email).map_err(Failure::Usage)
}
