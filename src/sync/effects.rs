//! The operator's operations and sends, each one request, never retried: a retried send can
//! reach the customer twice, and a retried takeover can race another operator's (platforms.md
//! §4.6, §7.11). The UI offers "retry?" instead.

use crate::app::{Op, SendFailure};
use crate::domain::{Conversation, Message};
use crate::platform::{Platform, PlatformError};

/// Carries out `op`; the conversation as the platform now has it (`None` for a read mark).
pub(super) async fn act(platform: &dyn Platform, id: &str, op: Op) -> Result<Option<Conversation>, String> {
    let result = match op {
        Op::TakeOver => platform.take_over(id).await.map(Some),
        Op::HandBack => platform.hand_back(id).await.map(Some),
        Op::Resolve => platform.resolve(id).await.map(Some),
        Op::MarkRead => platform.mark_read(id).await.map(|()| None),
    };
    result.map_err(|error| error.to_string())
}

/// Sends `text` as the operator; the message as the platform stored it. A failure says
/// whether the message may have arrived anyway (no answer came).
pub(super) async fn send(platform: &dyn Platform, id: &str, text: &str) -> Result<Message, SendFailure> {
    platform.send(id, text).await.map_err(|error| SendFailure {
        ambiguous: matches!(
            error,
            PlatformError::Timeout(_) | PlatformError::Network(_) | PlatformError::Server { .. }
        ),
        reason: error.to_string(),
    })
}

/// Whether the thread now holds one more operator message with this text than the `prior`
/// ones it had when the reply was sent: asked only after a send got no answer, so the answer
/// settles whether it arrived. (An earlier "Thanks!" is not this one.)
pub(super) async fn arrived(platform: &dyn Platform, id: &str, text: &str, prior: usize) -> Result<bool, String> {
    let messages = platform.list_messages(id).await.map_err(|error| error.to_string())?;
    Ok(crate::domain::copies_of_reply(&messages, text) > prior)
}
