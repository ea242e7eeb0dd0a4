//! The one owner of an outgoing message. Per thread, [`Outbox`]: the operator's messages on
//! their way or not sent (each with its client id and what the thread held when it left) and
//! the ids of the platform's copies that are ours. For the whole model, [`Sends`]: the next
//! client id and how many sends await an answer. Their fields are private: `outbox.rs` decides
//! a message's fate, the thread and the view ask through these methods.

use crate::domain::{Author, Delivery, Message, SendBaseline};
use std::collections::HashSet;

/// One conversation's outgoing messages, shown after the platform's.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    entries: Vec<Outgoing>,
    /// Ids of messages this operator sent: platforms list them as "an operator", we say "You".
    mine: HashSet<String>,
}

#[derive(Clone, Debug)]
struct Outgoing {
    client_id: u64,
    message: Message,
    /// What the thread held when it was sent (see `Store::Send`).
    baseline: SendBaseline,
    /// The platform answered 2xx without saying what it stored: taken, even while the thread
    /// does not show it yet.
    accepted: bool,
}

impl Outbox {
    /// A message on its way (or one the store remembers from an earlier run).
    pub fn push(&mut self, client_id: u64, message: Message, baseline: SendBaseline) {
        self.entries.push(Outgoing {
            client_id,
            message,
            baseline,
            accepted: false,
        });
    }

    /// The messages to show, in the order they were sent.
    pub fn messages(&self) -> impl DoubleEndedIterator<Item = &Message> {
        self.entries.iter().map(|e| &e.message)
    }

    /// The `index`th message to show.
    pub fn message(&self, index: usize) -> Option<&Message> {
        self.entries.get(index).map(|e| &e.message)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The message sent under `client_id`, if it is still here.
    pub(super) fn get(&self, client_id: u64) -> Option<&Message> {
        self.entry(client_id).map(|e| &e.message)
    }

    /// The message sent under `client_id` while its fate is unknown.
    pub(super) fn get_unknown(&self, client_id: u64) -> Option<&Message> {
        self.get(client_id)
            .filter(|m| matches!(m.delivery, Delivery::Unknown(_)))
    }

    /// What the thread held when `client_id` was sent.
    pub(super) fn baseline(&self, client_id: u64) -> Option<&SendBaseline> {
        self.entry(client_id).map(|e| &e.baseline)
    }

    /// The ones whose fate is unknown, to be checked against the thread: client id, what the
    /// thread held then, the words.
    pub(super) fn unknown(&self) -> impl Iterator<Item = (u64, &SendBaseline, &str)> {
        self.entries
            .iter()
            .filter(|e| matches!(e.message.delivery, Delivery::Unknown(_)))
            .map(|e| (e.client_id, &e.baseline, e.message.text.as_str()))
    }

    /// The platform took `client_id` (a 2xx) without saying what it stored.
    pub(super) fn set_accepted(&mut self, client_id: u64) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.client_id == client_id) {
            e.accepted = true;
        }
    }

    /// Whether the platform took `client_id` (see [`Outbox::set_accepted`]).
    pub(super) fn accepted(&self, client_id: u64) -> bool {
        self.entry(client_id).is_some_and(|e| e.accepted)
    }

    pub(super) fn set_delivery(&mut self, client_id: u64, delivery: Delivery) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.client_id == client_id) {
            e.message.delivery = delivery;
        }
    }

    /// It arrived as the platform's message `id`: no longer ours to show, and `id` is ours.
    pub(super) fn arrived(&mut self, client_id: u64, id: &str) -> Option<Message> {
        let message = self.remove(client_id)?;
        self.mine.insert(id.to_string());
        Some(message)
    }

    /// Taken out without arriving (its words went back to the draft).
    pub(super) fn remove(&mut self, client_id: u64) -> Option<Message> {
        let i = self.entries.iter().position(|e| e.client_id == client_id)?;
        Some(self.entries.remove(i).message)
    }

    /// The latest one that was not sent, taken out: its client id and message.
    pub(super) fn take_last_failed(&mut self) -> Option<(u64, Message)> {
        let i = self
            .entries
            .iter()
            .rposition(|e| matches!(e.message.delivery, Delivery::Failed(_)))?;
        let e = self.entries.remove(i);
        Some((e.client_id, e.message))
    }

    /// The platform's message `id` is one this operator sent.
    pub(super) fn is_mine(&self, id: &str) -> bool {
        self.mine.contains(id)
    }

    /// Marks the latest operator message with this text that is nobody's yet as the operator's
    /// own (for the view and the "new messages" check only; the outbox never goes by text here).
    pub(super) fn claim(&mut self, messages: &mut [Message], text: &str) -> bool {
        let mine = &self.mine;
        let found = messages.iter_mut().rev().find(|m| {
            m.text.trim() == text.trim()
                && matches!(m.author, Author::Operator { is_me: false, .. })
                && !mine.contains(&m.id)
        });
        match found {
            Some(m) => {
                if let Author::Operator { is_me, .. } = &mut m.author {
                    *is_me = true;
                }
                self.mine.insert(m.id.clone());
                true
            }
            None => false,
        }
    }

    fn entry(&self, client_id: u64) -> Option<&Outgoing> {
        self.entries.iter().find(|e| e.client_id == client_id)
    }
}

/// The client ids of this run's sends, and how many await the platform's answer (quitting
/// asks first while any do).
#[derive(Clone, Debug)]
pub struct Sends {
    next_client_id: u64,
    in_flight: usize,
}

impl Default for Sends {
    fn default() -> Sends {
        Sends::starting_at(1)
    }
}

impl Sends {
    /// Ids from `next` on (after those the outbox holds from earlier runs; never 0).
    pub fn starting_at(next: u64) -> Sends {
        Sends {
            next_client_id: next.max(1),
            in_flight: 0,
        }
    }

    /// A new send: its client id; it counts as awaiting an answer until [`Sends::answered`].
    pub fn claim(&mut self) -> u64 {
        let id = self.next_client_id;
        self.next_client_id += 1;
        self.in_flight += 1;
        id
    }

    pub(super) fn answered(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight
    }
}
