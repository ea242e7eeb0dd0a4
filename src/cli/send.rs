//! `handoff send`: a reply from a script, settled like the inbox settles one.

use super::Failure;
use super::accounts::{connect, target};
use super::act::not_held_by_another;
use super::output::print;
use crate::config::Config;
use crate::domain::SendBaseline;
use crate::sync::effects;
use chrono::Utc;
use std::io::Read;

/// Sends as the inbox does: what the thread held first, so that a send whose answer is lost
/// is settled by the thread (newer than the send, not there before it), never by guessing. Sent:
/// exit 0; not sent: 1; unknown (the thread could not be read either): 3, check before retrying.
/// Unless forced, not into a conversation another operator holds.
pub(super) async fn send(config: &Config, conversation: &str, text: String, force: bool) -> Result<(), Failure> {
    let key = target(conversation)?;
    let text = if text == "-" {
        let mut buf = String::new();
        std::io::stdin()
            .read_to_string(&mut buf)
            .map_err(|e| Failure::Usage(format!("cannot read the message from stdin: {e}")))?;
        buf.trim_end_matches('\n').to_string()
    } else {
        text
    };
    if text.trim().is_empty() {
        return Err(Failure::Usage("the message is empty; nothing was sent".into()));
    }
    let p = connect(config, &key.account)?;
    let (current, before) = futures::future::join(p.get_conversation(&key.id), p.list_messages(&key.id)).await;
    if !force {
        not_held_by_another(&key, current.as_ref(), "send")?;
    }
    // A conversation the platform takes no reply in (a raia voice call) is not tried. Unreadable
    // (only with --force), the platform itself decides.
    if let Some(why) = current.ok().and_then(|c| c.no_reply) {
        return Err(Failure::Platform(format!("{key}: not sent — {why}")));
    }
    // Unreadable, the check still has the time of the send to go by.
    let before = before.unwrap_or_default();
    let baseline = SendBaseline::of(&before, &text, Utc::now());
    let failure = match effects::send(&*p, &key.id, &text).await {
        Ok(sent) => {
            print(&format!("{key}: sent (message {})\n", sent.id));
            return Ok(());
        }
        Err(failure) if !failure.ambiguous => return Err(Failure::Platform(format!("{key}: {}", failure.reason))),
        Err(failure) => failure,
    };
    let (accepted, failure) = (failure.accepted, failure.reason);
    tokio::time::sleep(effects::RECONCILE_GRACE).await;
    match effects::arrived(&*p, &key.id, &text, &baseline).await {
        Ok(ids) if !ids.is_empty() => {
            print(&format!(
                "{key}: sent (the answer was lost — {failure} — but the thread has it: message {})\n",
                ids[0]
            ));
            Ok(())
        }
        // Taken (a 2xx), only not listed yet: saying "not sent" would get it sent twice.
        Ok(_) if accepted => Err(Failure::Unknown(format!(
            "{key}: unknown whether it was sent — {failure}, and the thread does not show it yet. \
             Look at the conversation before sending again"
        ))),
        Ok(_) => Err(Failure::Platform(format!(
            "{key}: not sent — {failure}, and it is not in the thread"
        ))),
        Err(check) => Err(Failure::Unknown(format!(
            "{key}: unknown whether it was sent — {failure}; reading the thread to check failed too ({check}). \
             Look at the conversation before sending again"
        ))),
    }
}
