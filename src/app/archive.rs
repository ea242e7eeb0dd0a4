//! Resolved conversations stay on disk (issue 14): at 100,000 conversations nine in ten are
//! resolved, and holding each in memory cost most of the inbox's. While the cache is written
//! (`Model::archive` is set), the model holds every conversation that is not resolved, the
//! resolved ones it still needs (open, held, busy, a draft, an undo), and, while the Resolved
//! view shows them or a filter is counted, a page of them read from the cache in their order
//! (`Store::Resolved` → `Msg::ResolvedPage`), more as the cursor nears its end. Of the rest it
//! keeps a 64-bit hash of each key, so the Resolved count is right without them (8 bytes each
//! where a key was 70; two keys of one hash, a chance in 10^10 at 100,000, would count once).

use super::model::View;
use super::msg::{Cmd, Store};
use super::{Model, release};
use crate::domain::{Conversation, ConversationKey, Status};
use crate::store::After;
use std::collections::HashSet;

/// Resolved conversations read per page.
pub const PAGE: usize = 200;
/// At most this many pages' worth are held for the view from what syncs bring.
const HELD_PAGES: usize = 5;

#[derive(Debug, Default)]
pub struct Archive {
    /// Every resolved conversation known, held or not, by the hash of its key.
    keys: HashSet<u64>,
    hasher: std::collections::hash_map::RandomState,
    /// Those read from the cache for the view (released when it is left).
    page: HashSet<ConversationKey>,
    /// What the pages shown were asked with: the filter, while the Resolved view shows them or
    /// a filter is counted; `None` while nothing of the cache is shown.
    query: Option<String>,
    /// The answer asked for last; older answers are dropped.
    seq: u64,
    /// A page is on its way.
    asking: bool,
    /// The cache has more after the last page.
    more: bool,
    /// Where the last page ended.
    after: Option<After>,
    /// How many resolved conversations match the filter, as the cache counted them.
    matching: Option<usize>,
}

impl Archive {
    fn hash(&self, key: &ConversationKey) -> u64 {
        std::hash::BuildHasher::hash_one(&self.hasher, key)
    }

    /// Resolved conversations known to be in the cache.
    pub fn know(&mut self, keys: impl IntoIterator<Item = ConversationKey>) {
        for key in keys {
            self.keys.insert(self.hash(&key));
        }
    }

    /// Whether `key` is a resolved conversation known to be in the cache.
    pub fn knows(&self, key: &ConversationKey) -> bool {
        self.keys.contains(&self.hash(key))
    }

    fn forget(&mut self, key: &ConversationKey) {
        let hash = self.hash(key);
        self.keys.remove(&hash);
    }

    /// The Resolved view's count: every one known, or with a filter, what the cache counted.
    pub fn count(&self, filter: &str) -> Option<usize> {
        if filter.is_empty() {
            Some(self.keys.len())
        } else {
            self.matching
        }
    }
}

/// Whether `c`, as a listing brings it, is held in memory; one not held is only counted.
/// Called for every conversation of a batch: a lookup or two.
pub(super) fn holds(model: &mut Model, c: &Conversation) -> bool {
    let Some(archive) = &mut model.archive else {
        return true;
    };
    let hash = archive.hash(&c.key);
    if c.status != Status::Resolved {
        archive.keys.remove(&hash);
        return true;
    }
    archive.keys.insert(hash);
    // Held already (resolved just now, or in the page): its copy is kept current. One this
    // operator held is taken in too, so that the hold ends (resolved while we were away).
    if model.conversations.contains_key(&c.key) || model.mine.contains_key(&c.key) {
        return true;
    }
    if archive.query.is_none() || model.view != View::Resolved {
        return false;
    }
    // The view shows the cache's order: one newer than the page's end belongs in it (a
    // conversation resolved just now, at its top).
    let newer = (archive.after.as_ref()).is_some_and(|a| After::of(c).queue_at <= a.queue_at);
    if !newer && archive.more {
        return false;
    }
    // Past the page's end with nothing after it: a first sync arriving while the view is open
    // would bring them all; past a few pages, the rest waits in the cache for the cursor.
    if !newer && archive.page.len() >= HELD_PAGES * PAGE {
        archive.more = true;
        return false;
    }
    archive.page.insert(c.key.clone());
    true
}

/// After every message: the pages the view and the filter need are asked for, and those no
/// longer shown released. Cheap when nothing changed (a comparison).
pub(super) fn follow(model: &mut Model) -> Vec<Cmd> {
    let Some(archive) = &model.archive else {
        return vec![];
    };
    let wanted = (model.view == View::Resolved || !model.filter.is_empty()).then(|| model.filter.clone());
    if archive.query != wanted {
        release_page(model);
        let Some(archive) = &mut model.archive else {
            return vec![];
        };
        archive.query = wanted.clone();
        archive.matching = None;
        archive.more = false;
        archive.after = None;
        return match wanted {
            Some(filter) => vec![ask(archive, filter, None)],
            None => {
                archive.asking = false;
                vec![]
            }
        };
    }
    // Near the end of what is in: the next page.
    let near_end = model.cursor + 2 * model.list_capacity().max(1) >= model.rows.len();
    let shown = model.view == View::Resolved;
    let Some(archive) = &mut model.archive else {
        return vec![];
    };
    match &archive.query {
        Some(filter) if shown && archive.more && !archive.asking && near_end => {
            let (filter, after) = (filter.clone(), archive.after.clone());
            vec![ask(archive, filter, after)]
        }
        _ => vec![],
    }
}

fn ask(archive: &mut Archive, filter: String, after: Option<After>) -> Cmd {
    archive.seq += 1;
    archive.asking = true;
    Cmd::Store(Store::Resolved {
        seq: archive.seq,
        filter: crate::present::fold(&filter),
        after,
        limit: PAGE,
    })
}

/// A page from the cache: held while the Resolved view shows it; with a filter, its count.
pub(super) fn on_page(
    model: &mut Model,
    seq: u64,
    conversations: Vec<Conversation>,
    total: Option<usize>,
    more: bool,
) -> Vec<Cmd> {
    let showing = model.view == View::Resolved;
    let Some(archive) = model.archive.as_mut().filter(|a| a.seq == seq) else {
        return vec![];
    };
    archive.asking = false;
    archive.more = more;
    if total.is_some() {
        archive.matching = total;
    }
    if let Some(last) = conversations.last() {
        archive.after = Some(After::of(last));
    }
    if showing {
        for c in conversations {
            // What a sync said since it was written is newer: the held copy stays.
            if model.conversations.contains_key(&c.key) || c.status != Status::Resolved {
                continue;
            }
            let hash = archive.hash(&c.key);
            archive.keys.insert(hash);
            archive.page.insert(c.key.clone());
            model.conversations.insert(c.key.clone(), Box::new(c));
        }
    }
    model.refresh_rows();
    vec![]
}

/// The page's conversations nobody needs are dropped from memory (still on disk).
fn release_page(model: &mut Model) {
    let Some(archive) = &mut model.archive else {
        return;
    };
    let page = std::mem::take(&mut archive.page);
    let mut released = false;
    for key in &page {
        released |= is_released(model, key);
    }
    if released {
        model.refresh_rows();
    }
}

/// Drops `key` from memory when it is a resolved conversation nobody needs; whether it did.
fn is_released(model: &mut Model, key: &ConversationKey) -> bool {
    let resolved = model
        .conversations
        .get(key)
        .is_some_and(|c| c.status == Status::Resolved);
    if !resolved || needed(model, key) {
        return false;
    }
    model.conversations.remove(key);
    true
}

/// On a tick, away from the Resolved view: the resolved conversations held and no longer needed
/// (resolved during the run, a page left behind) go back to disk.
pub(super) fn release_idle(model: &mut Model) {
    if model.archive.is_none() || model.view == View::Resolved {
        return;
    }
    let idle: Vec<ConversationKey> = (model.conversations.values())
        .filter(|c| c.status == Status::Resolved)
        .map(|c| c.key.clone())
        .collect();
    let mut released = false;
    for key in idle {
        released |= is_released(model, &key);
    }
    if released {
        model.refresh_rows();
    }
}

/// Whether a resolved conversation must stay in memory: open or selected, its thread or draft
/// still needed, an operation or an undo on it.
fn needed(model: &Model, key: &ConversationKey) -> bool {
    model.open.as_ref() == Some(key)
        || model.threads.get(key).is_some_and(|t| release::needed(model, key, t))
        || model.busy.contains_key(key)
        || model.after_reopen.contains_key(key)
        || model.undo.as_ref().is_some_and(|u| u.key == *key)
        || model.drafts.get(key).is_some_and(|d| !d.is_empty())
}

/// Conversations the platform says are gone: not counted any more.
pub(super) fn forget(model: &mut Model, gone: &HashSet<ConversationKey>) {
    if let Some(archive) = &mut model.archive {
        for key in gone {
            archive.forget(key);
            archive.page.remove(key);
        }
    }
}
