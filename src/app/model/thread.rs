//! What we know of one conversation's messages, the platform's and ours on their way.

use crate::app::outgoing::Outbox;
use crate::domain::{Message, Note};
use chrono::{DateTime, Utc};

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
    /// The operators' notes, oldest first: shown by time among the messages, never counted
    /// as messages (not seen, not news, not a reply).
    pub notes: Vec<Note>,
    /// The message a search opened the thread at: scrolled to once, marked.
    pub found: Option<crate::app::search::Found>,
    /// When it was last open or last arrived: a thread nobody looks at is released after a
    /// while (`app::release`).
    pub touched: Option<DateTime<Utc>>,
}

/// One row of the thread as shown: a message (with its index among the platform's, `None`
/// for ours on the way), or a note.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Item<'a> {
    Message(&'a Message, Option<usize>),
    Note(&'a Note),
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

    /// How many rows the thread shows: messages, ours on the way, and notes.
    pub fn shown_len(&self) -> usize {
        self.len() + self.notes.len()
    }

    /// The row at `index` in display order: the platform's messages and the notes merged by
    /// time (a note after the messages of its instant), then ours on their way. Notes are few,
    /// so this costs a short walk over them and a binary search per note.
    pub fn item(&self, index: usize) -> Option<Item<'_>> {
        let merged = self.messages.len() + self.notes.len();
        if index >= merged {
            return self.outbox.message(index - merged).map(|m| Item::Message(m, None));
        }
        let mut notes_before = 0;
        for (j, note) in self.notes.iter().enumerate() {
            let at = j + self.messages.partition_point(|m| m.created_at <= note.created_at);
            match at.cmp(&index) {
                std::cmp::Ordering::Equal => return Some(Item::Note(note)),
                std::cmp::Ordering::Less => notes_before += 1,
                std::cmp::Ordering::Greater => break,
            }
        }
        let i = index - notes_before;
        self.messages.get(i).map(|m| Item::Message(m, Some(i)))
    }

    /// The last message the operator has seen, once the thread has loaded.
    pub fn last_seen(&self) -> Option<&Message> {
        let index = self.seen.checked_sub(1).filter(|_| self.loaded)?;
        self.messages.get(index)
    }
}
