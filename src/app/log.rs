//! The message log (`L`): every status-bar message — notices, warnings, errors — kept with its
//! time, the last [`LOG_KEPT`], so that one cut at the screen's width, or gone before it was
//! read, can be read in full; and the overlay's scrolling.

use super::key::Key;
use super::keymap::{Action, Context};
use super::model::{Model, Overlay};
use super::msg::Cmd;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;

/// How many messages the log keeps: a long day's worth, bounded.
pub const LOG_KEPT: usize = 500;

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub text: String,
    pub error: bool,
}

/// The messages, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Log {
    entries: VecDeque<Entry>,
}

impl Log {
    pub fn push(&mut self, at: DateTime<Utc>, text: &str, error: bool) {
        if self.entries.len() == LOG_KEPT {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            at,
            text: text.to_string(),
            error,
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &Entry> + ExactSizeIterator {
        self.entries.iter()
    }
}

/// How many lines of the log the overlay shows (inside its frame).
pub fn page(model: &Model) -> usize {
    usize::from(model.height).saturating_sub(4).max(1)
}

/// Opens the log at its end: the latest messages.
pub(super) fn open(model: &mut Model) -> Vec<Cmd> {
    let top = model.log.len().saturating_sub(page(model));
    model.overlay = Some(Overlay::Log { top });
    vec![]
}

/// The log's keys: the list's movement keys scroll it (a message a line), Esc or `L` closes.
pub(super) fn on_key(model: &mut Model, key: Key, action: Option<Action>) -> Vec<Cmd> {
    match action {
        Some(Action::Back | Action::Help | Action::MessageLog) => {
            model.overlay = None;
            return vec![];
        }
        Some(Action::ForceQuit) => return super::input::quit(model, true),
        _ => {}
    }
    let page = page(model);
    let last = model.log.len().saturating_sub(page);
    let moved = model.keymap.action(Context::List, key);
    let Some(Overlay::Log { top }) = &mut model.overlay else {
        return vec![];
    };
    *top = super::input::scrolled(*top, moved, page, last);
    vec![]
}
