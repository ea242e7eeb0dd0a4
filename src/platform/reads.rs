//! What the poller reads to keep the inbox current, whatever the size of the history: the
//! **queue**, a few small reads that show what can need the operator now (conversations asking
//! for a human, held by humans, unread, changed since the last look), and the **history**, read
//! a page at a time in the background. Each adapter says which reads its platform offers; the
//! poller decides when to make them, under the account's budget.

use crate::domain::Conversation;

/// One read of the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRead {
    /// What it reads, for the log and the status bar: "needs a human", "agent Dash web".
    pub label: String,
    /// What one of these is called when the status bar counts them: "agent", "filter".
    pub noun: &'static str,
    /// Read on every poll: this is what shows a new handoff. The others take turns.
    pub urgent: bool,
    /// The adapter's own description of the request (its filter, its agent).
    pub(crate) params: Vec<(&'static str, String)>,
}

impl QueueRead {
    pub(crate) fn new(label: impl Into<String>, noun: &'static str, urgent: bool) -> QueueRead {
        QueueRead {
            label: label.into(),
            noun,
            urgent,
            params: Vec::new(),
        }
    }

    pub(crate) fn with(mut self, name: &'static str, value: impl Into<String>) -> QueueRead {
        self.params.push((name, value.into()));
        self
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// One page of the history.
#[derive(Debug, Default)]
pub struct HistoryPage {
    pub conversations: Vec<Conversation>,
    /// Where the next page starts; `None` when this was the last.
    pub next: Option<String>,
    /// Answered, but something is off: the walk may be incomplete.
    pub warning: Option<String>,
}
