//! The operator's operations and sends, each once, never retried: a retried send can reach the
//! customer twice, and a retried takeover can race another operator's (platforms.md §4.6,
//! §7.11). The UI offers "retry?" instead.
//!
//! A request that may have been applied but whose answer cannot be read (none came, the
//! connection broke, a 2xx whose body is not what the platform documents) is *unknown*, never
//! a failure: a send is settled by reading the thread ([`arrived`]), an operation by reading the
//! conversation back ([`act`]). The inbox and the command line share these rules.

use crate::app::{Op, SendFailure};
use crate::domain::{Conversation, Holder, Message, Note, SendBaseline, Status};
use crate::platform::{Platform, PlatformError};

/// How long after a send got no answer its thread is read to see whether it arrived: a server
/// that timed out may still be storing the message, and looking at once would call it lost.
pub const RECONCILE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether a request that failed this way may have been applied anyway. Every error an
/// adapter makes after the platform answered 2xx (an unreadable or oversized answer) is one;
/// so are an answer that never came, a broken connection and a server error. A refusal (4xx),
/// a redirect that was not followed, or a request never made are not.
pub fn may_have_been_applied(error: &PlatformError) -> bool {
    matches!(
        error,
        PlatformError::Timeout(_)
            | PlatformError::Network(_)
            | PlatformError::Server { .. }
            | PlatformError::Malformed(_)
            | PlatformError::Unconfirmed(_)
            | PlatformError::TooLarge { .. }
    )
}

/// Whether the platform answered the write 2xx: it took it, so it is never reported as not
/// done only because it does not show yet (a 2xx body we cannot read is `Malformed`, which
/// only a 2xx can be; one that does not say what was done is `Unconfirmed`).
pub fn accepted(error: &PlatformError) -> bool {
    matches!(error, PlatformError::Malformed(_) | PlatformError::Unconfirmed(_))
}

/// Why an operation did not succeed; `unknown` when it may have happened all the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActFailure {
    pub reason: String,
    pub unknown: bool,
}

/// Carries out `op`; the conversation as the platform now has it (`None` for a read mark).
/// When the answer is unknown, the conversation is read back: it says whether the operation
/// took effect.
pub async fn act(platform: &dyn Platform, id: &str, op: &Op) -> Result<Option<Conversation>, ActFailure> {
    let result = match op {
        Op::TakeOver => platform.take_over(id).await.map(Some),
        Op::HandBack => platform.hand_back(id).await.map(Some),
        Op::Resolve => platform.resolve(id).await.map(Some),
        Op::Reopen => platform.reopen(id).await.map(Some),
        Op::MarkRead => platform.mark_read(id).await.map(|()| None),
        Op::Assign(email) => platform.assign(id, email).await.map(Some),
        Op::SetPriority(priority) => platform.set_priority(id, *priority).await.map(Some),
    };
    let failed = |reason: String, unknown: bool| Err(ActFailure { reason, unknown });
    match result {
        Ok(conversation) => Ok(conversation),
        Err(error) if may_have_been_applied(&error) => match platform.get_conversation(id).await {
            Ok(now) if took_effect(op, &now) => Ok((*op != Op::MarkRead).then_some(now)),
            Ok(_) if accepted(&error) => failed(
                format!(
                    "{error} — it may have happened, but the conversation does not show it done yet; look again before retrying"
                ),
                true,
            ),
            Ok(_) => failed(
                format!("{error} — and the conversation does not show it done; try again"),
                false,
            ),
            Err(check) => failed(
                format!("{error} — it may have happened (reading it back failed too: {check})"),
                true,
            ),
        },
        Err(error) => failed(error.to_string(), false),
    }
}

/// Whether the conversation as read back shows `op` done.
fn took_effect(op: &Op, conversation: &Conversation) -> bool {
    match op {
        // Held by someone the platform names as another operator is not taken over by us.
        Op::TakeOver => matches!(
            conversation.status,
            Status::Human {
                by: Holder::Me | Holder::Unknown
            }
        ),
        Op::HandBack => matches!(conversation.status, Status::Ai),
        Op::Resolve => matches!(conversation.status, Status::Resolved),
        Op::Reopen => !matches!(conversation.status, Status::Resolved),
        Op::MarkRead => conversation.unread == Some(0),
        Op::Assign(email) => (conversation.details.iter())
            .flat_map(|d| &d.assignees)
            .any(|a| a.eq_ignore_ascii_case(email)),
        Op::SetPriority(priority) => conversation.details.as_ref().and_then(|d| d.priority) == Some(*priority),
    }
}

/// Sends `text` as the operator; the message as the platform stored it. A failure says
/// whether the message may have arrived anyway.
pub async fn send(platform: &dyn Platform, id: &str, text: &str) -> Result<Message, SendFailure> {
    platform.send(id, text).await.map_err(|error| SendFailure {
        ambiguous: may_have_been_applied(&error),
        accepted: accepted(&error),
        reason: error.to_string(),
    })
}

/// Reads the thread after a send got no readable answer: the ids of the messages that can be
/// it having arrived (newer than the send, not there before it), none if it did not.
pub async fn arrived(
    platform: &dyn Platform,
    id: &str,
    text: &str,
    baseline: &SendBaseline,
) -> Result<Vec<String>, String> {
    let messages = platform.list_messages(id).await.map_err(|error| error.to_string())?;
    Ok(baseline.arrivals(&messages, text))
}

/// Writes a note on the platform, once; a lost answer is settled like a send's, by reading the
/// notes back: a note with these words that was not among `earlier` (the ids of identical notes
/// there before) is this one. When that read fails too, the note is unknown, never failed.
pub async fn note(platform: &dyn Platform, id: &str, text: &str, earlier: &[String]) -> Result<Note, SendFailure> {
    let error = match platform.create_note(id, text).await {
        Ok(note) => return Ok(note),
        Err(error) => error,
    };
    let failure = |reason: String, ambiguous: bool| SendFailure {
        reason,
        ambiguous,
        accepted: accepted(&error),
    };
    if !may_have_been_applied(&error) {
        return Err(failure(error.to_string(), false));
    }
    // A server that timed out may still be storing it.
    tokio::time::sleep(RECONCILE_GRACE).await;
    match platform.list_notes(id).await {
        Ok(notes) => match notes
            .into_iter()
            .find(|n| n.text.trim() == text.trim() && !earlier.contains(&n.id))
        {
            Some(note) => Ok(note),
            None if accepted(&error) => Err(failure(
                format!("{error} — the platform took it, but its notes do not show it yet"),
                true,
            )),
            None => Err(failure(format!("{error} — and it is not among the notes"), false)),
        },
        Err(check) => Err(failure(
            format!("{error} (reading the notes back failed too: {check})"),
            true,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn only_answers_that_may_hide_an_applied_request_are_unknown() {
        let unknown = [
            PlatformError::Timeout(Duration::from_secs(10)),
            PlatformError::Network("the connection broke mid-answer".into()),
            PlatformError::Server {
                status: 502,
                detail: String::new(),
                retry_after: None,
            },
            PlatformError::Malformed("expected value at line 1 column 1".into()),
            PlatformError::Unconfirmed("its answer did not say which message it stored".into()),
            PlatformError::TooLarge { limit_mib: 32 },
        ];
        for e in unknown {
            assert!(may_have_been_applied(&e), "{e}");
        }
        let refused = [
            PlatformError::NotAllowed {
                reason: "Conversation must be in manual mode".into(),
            },
            PlatformError::NotFound { what: "gone".into() },
            PlatformError::BadKey {
                platform: "raia",
                status: 401,
            },
            PlatformError::RateLimited { retry_after: None },
            PlatformError::Unavailable("not on this platform".into()),
        ];
        for e in refused {
            assert!(!may_have_been_applied(&e), "{e}");
        }
    }
}
