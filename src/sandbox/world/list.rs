//! One platform's conversations, indexed so a world of 100,000 serves quickly: by id (for every
//! lookup) and by `(createdAt, id)` (for the lists ordered or windowed by creation), so no
//! request sorts or scans the whole list to find one conversation or one page.
//!
//! The list derefs to a slice, so conversations can be read and changed in place, but only
//! `push` adds one: an id and a `createdAt` never change once a conversation exists (nothing in
//! the sandbox writes them), which keeps both indexes true.

use std::{
    collections::HashMap,
    ops::{Deref, DerefMut, Range},
};

use chrono::{DateTime, Utc};

use super::model::Conversation;

#[derive(Debug, Clone)]
pub(in crate::sandbox) struct Conversations<E> {
    items: Vec<Conversation<E>>,
    by_id: HashMap<String, usize>,
    /// Positions in `items`, ordered by `(created_at, id)` ascending.
    by_created: Vec<usize>,
}

impl<E> Default for Conversations<E> {
    fn default() -> Self {
        Conversations {
            items: Vec::new(),
            by_id: HashMap::new(),
            by_created: Vec::new(),
        }
    }
}

impl<E> Deref for Conversations<E> {
    type Target = [Conversation<E>];

    fn deref(&self) -> &Self::Target {
        &self.items
    }
}

impl<E> DerefMut for Conversations<E> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.items
    }
}

impl<'a, E> IntoIterator for &'a Conversations<E> {
    type Item = &'a Conversation<E>;
    type IntoIter = std::slice::Iter<'a, Conversation<E>>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<'a, E> IntoIterator for &'a mut Conversations<E> {
    type Item = &'a mut Conversation<E>;
    type IntoIter = std::slice::IterMut<'a, Conversation<E>>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}

impl<E> Conversations<E> {
    /// Adds a conversation at the end (its index in the slice is the old length).
    pub(in crate::sandbox) fn push(&mut self, conv: Conversation<E>) {
        let index = self.items.len();
        let key = (conv.created_at, conv.id.as_str());
        let key_of = |i: usize| (self.items[i].created_at, self.items[i].id.as_str());
        // Conversations mostly arrive newest last: then the index only grows at its end.
        if self.by_created.last().is_none_or(|&i| key_of(i) <= key) {
            self.by_created.push(index);
        } else {
            let at = self.by_created.partition_point(|&i| key_of(i) < key);
            self.by_created.insert(at, index);
        }
        self.by_id.insert(conv.id.clone(), index);
        self.items.push(conv);
    }

    /// Room for `more` conversations (a large world is built at once).
    pub(in crate::sandbox) fn reserve(&mut self, more: usize) {
        self.items.reserve(more);
        self.by_id.reserve(more);
        self.by_created.reserve(more);
    }

    pub(in crate::sandbox) fn by_id(&self, id: &str) -> Option<&Conversation<E>> {
        self.by_id.get(id).map(|&i| &self.items[i])
    }

    pub(in crate::sandbox) fn by_id_mut(&mut self, id: &str) -> Option<&mut Conversation<E>> {
        self.by_id.get(id).map(|&i| &mut self.items[i])
    }

    /// How many conversations (in creation order) come before the first that fails `before`,
    /// a predicate true for a prefix of that order (e.g. `created_at < t`).
    pub(in crate::sandbox) fn created_position(&self, before: impl Fn(&Conversation<E>) -> bool) -> usize {
        self.by_created.partition_point(|&i| before(&self.items[i]))
    }

    /// The positions `range` of the creation order: oldest first; `.rev()` for newest first.
    pub(in crate::sandbox) fn in_created_order(
        &self,
        range: Range<usize>,
    ) -> impl DoubleEndedIterator<Item = &Conversation<E>> + ExactSizeIterator {
        self.by_created[range].iter().map(|&i| &self.items[i])
    }

    /// The positions of the conversations created within `[from, until]` (either end open).
    pub(in crate::sandbox) fn created_between(
        &self,
        from: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Range<usize> {
        let start = from.map_or(0, |t| self.created_position(|c| c.created_at < t));
        let end = until.map_or(self.by_created.len(), |t| self.created_position(|c| c.created_at <= t));
        start..end.max(start)
    }
}

/// The conversation `id`, through the id index.
pub(in crate::sandbox) fn find<'a, E>(list: &'a Conversations<E>, id: &str) -> Option<&'a Conversation<E>> {
    list.by_id(id)
}

pub(in crate::sandbox) fn find_mut<'a, E>(list: &'a mut Conversations<E>, id: &str) -> Option<&'a mut Conversation<E>> {
    list.by_id_mut(id)
}
