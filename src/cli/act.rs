//! Acting on one conversation: take, release, resolve, assign and mark read.

use super::Failure;
use super::accounts::{connect, platform_failure, target};
use super::output::print;
use crate::app::Op;
use crate::config::Config;
use crate::domain::{ConversationKey, Holder, Status};
use crate::platform::Platform;
use crate::present::status_words;
use crate::sync::effects;

/// `handoff take`: unless forced, not over another operator who holds the conversation.
pub(super) async fn take(config: &Config, conversation: &str, force: bool) -> Result<(), Failure> {
    let key = target(conversation)?;
    let p = connect(config, &key.account)?;
    if !force {
        let current = p
            .get_conversation(&key.id)
            .await
            .map_err(|e| platform_failure(&key, e))?;
        if let Status::Human { by: Holder::Other(who) } = &current.status {
            return Err(Failure::Platform(format!(
                "{key} is held by {who}; pass --force to take it over anyway"
            )));
        }
    }
    operate(&*p, &key, Op::TakeOver).await
}

/// `handoff release`, `resolve` and `read`: the operation, with nothing to check first.
pub(super) async fn act(config: &Config, conversation: &str, op: Op) -> Result<(), Failure> {
    let key = target(conversation)?;
    operate(&*connect(config, &key.account)?, &key, op).await
}

/// Takes over, hands back, resolves or marks read, as the inbox does: an answer that cannot be
/// read is settled by reading the conversation back, and one that cannot be settled is
/// reported as unknown (exit 3), never as a failure a script would simply retry.
async fn operate(p: &dyn Platform, key: &ConversationKey, op: Op) -> Result<(), Failure> {
    match effects::act(p, &key.id, op).await {
        Ok(Some(c)) => print(&format!("{key}: {} — now {}\n", op.done(), status_words(&c.status))),
        Ok(None) => print(&format!("{key}: {}\n", op.done())),
        Err(f) if f.unknown => return Err(Failure::Unknown(format!("{key}: {}", f.reason))),
        Err(f) => return Err(Failure::Platform(format!("{key}: {}", f.reason))),
    }
    Ok(())
}

/// `handoff assign`: to EMAIL, or to the operator's own from the config.
pub(super) async fn assign(config: &Config, conversation: &str, email: Option<String>) -> Result<(), Failure> {
    let email = email
        .or_else(|| config.operator.email.clone())
        .ok_or_else(|| Failure::Usage("give an EMAIL or set [operator] email in the config".into()))?;
    let key = target(conversation)?;
    let p = connect(config, &key.account)?;
    match p.assign(&key.id, &email).await {
        Ok(c) => {
            print(&format!(
                "{key}: assigned to {email} — now {}\n",
                status_words(&c.status)
            ));
            Ok(())
        }
        Err(e) if effects::may_have_been_applied(&e) => Err(Failure::Unknown(format!(
            "{key}: {e} — it may have been assigned; look at the conversation before trying again"
        ))),
        Err(e) => Err(platform_failure(&key, e)),
    }
}
