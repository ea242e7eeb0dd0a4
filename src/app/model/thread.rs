//! What we know of one conversation's messages, the platform's and ours on their way.

use crate::app::outgoing::Outbox;
use crate::domain::Message;

/// What we know of one conversation's messages.
#[derive(Clone, Debug, Default)]
pub struct Thread {
    /// As the platform last returned them, oldest first.
    pub messages: Vec<Message>,
    /// The operator's own messages on their way or refused, shown after the platform's, and
    /// which of the platform's are ours.
    pub outbox: Outbox,
    pub loaded: bool,
    /// The messages come from the local cache and have not been refreshed since start.
    pub cached: bool,
    pub error: Option<String>,
    /// How many messages the operator has seen; later ones are "new".
    pub seen: usize,
    /// Where the "new" divider stands, while the thread shows it.
    pub divider: Option<usize>,
    /// Messages hidden below the bottom of the pane (0 = following the latest).
    pub scroll: usize,
    /// How many of the platform's messages there were when the reply being written was
    /// started: anyone else's after that is news to confirm before sending.
    pub reply_base: Option<usize>,
    /// The message a search opened the thread at: scrolled to once, marked.
    pub found: Option<crate::app::search::Found>,
}

impl Thread {
    /// Every message to show: the platform's, then ours in flight.
    pub fn all(&self) -> impl DoubleEndedIterator<Item = &Message> {
        self.messages.iter().chain(self.outbox.messages())
    }

    pub fn len(&self) -> usize {
        self.messages.len() + self.outbox.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The last message the operator has seen, once the thread has loaded.
    pub fn last_seen(&self) -> Option<&Message> {
        let index = self.seen.checked_sub(1).filter(|_| self.loaded)?;
        self.messages.get(index)
    }
}
