//! The help overlay's content, its arrangement in columns and its scrolling: the keys from the
//! live keymap, then what the marks on the list's rows mean. Balanced columns when everything
//! fits the screen; otherwise columns taller than the screen, scrolled together with the list's
//! keys (the model keeps `top`; the arrangement is here so that scrolling stops at the end).

use super::key::Key;
use super::keymap::{Context, HelpSection};
use super::model::{Model, Overlay};
use super::msg::Cmd;
use crate::present::text;

/// Space between help columns.
pub const COLUMN_GAP: usize = 3;
/// Key lists longer than this are cut (a user may bind many keys to one action).
const MAX_KEYS_WIDTH: usize = 16;

/// The help's sections: one per context with keys, then the marks.
pub fn sections(model: &Model) -> Vec<HelpSection> {
    let mut sections = model.keymap.help();
    sections.push(HelpSection {
        title: "Marks on the list",
        rows: crate::present::MARKS
            .iter()
            .map(|(mark, meaning)| ((*mark).to_string(), *meaning))
            .collect(),
    });
    sections
}

/// The room inside the help's frame on a `width`×`height` screen (the overlay's margin, its
/// border, a cell of padding either side), as `ui::help` draws it.
pub fn room(width: u16, height: u16) -> (usize, usize) {
    let mx = if width > 20 { 2 } else { 0 };
    let my = if height > 10 { 1 } else { 0 };
    let max_width = usize::from(width).saturating_sub(2 * mx + 4);
    let max_height = usize::from(height).saturating_sub(2 * my + 2).max(1);
    (max_width, max_height)
}

/// The help as it is drawn: its columns, how many lines they take, and whether it scrolls.
pub struct Arranged<'a> {
    pub columns: Vec<Column<'a>>,
    pub lines: usize,
    pub scrolls: bool,
}

/// The help for this screen. When it does not fit, what the keys do here comes first.
pub fn arranged<'a>(model: &Model, sections: &'a mut Vec<HelpSection>) -> Arranged<'a> {
    let (max_width, max_height) = room(model.width, model.height);
    if !fits(sections, max_width, max_height) {
        let here = match model.focus {
            super::model::Focus::List => Context::List.title(),
            super::model::Focus::Thread => Context::Thread.title(),
            super::model::Focus::Compose => Context::Compose.title(),
        };
        if let Some(i) = sections.iter().position(|s| s.title == here) {
            let section = sections.remove(i);
            sections.insert(0, section);
        }
    }
    let (columns, scrolls) = arrange(sections, max_width, max_height);
    let lines = columns.iter().map(|c| c.items.len()).max().unwrap_or(0);
    Arranged {
        columns,
        lines,
        scrolls,
    }
}

fn fits(sections: &[HelpSection], max_width: usize, max_height: usize) -> bool {
    !arrange(sections, max_width, max_height).1
}

/// How many lines of the help show at once.
pub fn page(model: &Model) -> usize {
    room(model.width, model.height).1
}

pub(super) fn open(model: &mut Model) -> Vec<Cmd> {
    model.overlay = Some(Overlay::Help { top: 0 });
    vec![]
}

/// The list's movement keys scroll the help, down to its last page.
pub(super) fn scroll(model: &mut Model, key: Key) {
    let page = page(model);
    let mut sections = sections(model);
    let last = arranged(model, &mut sections).lines.saturating_sub(page);
    let moved = model.keymap.action(Context::List, key);
    let Some(Overlay::Help { top }) = &mut model.overlay else {
        return;
    };
    *top = super::input::scrolled(*top, moved, page, last);
}

/// One line of the help: a section title, a key binding, or the blank between sections.
#[derive(Clone, Copy)]
pub enum Item<'a> {
    Title(&'a str),
    Row(&'a str, &'a str),
    Blank,
}

/// A column of the help and its widths: the key column is as wide as this column's keys.
pub struct Column<'a> {
    pub items: Vec<Item<'a>>,
    pub keys_width: usize,
    pub width: usize,
}

impl<'a> Column<'a> {
    fn new(items: Vec<Item<'a>>) -> Column<'a> {
        let keys_width = items
            .iter()
            .map(|i| match i {
                Item::Row(keys, _) => text::width(keys),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
            .min(MAX_KEYS_WIDTH);
        let width = items
            .iter()
            .map(|i| match i {
                Item::Title(t) => text::width(t),
                Item::Row(_, d) => 2 + keys_width + 2 + text::width(d),
                Item::Blank => 0,
            })
            .max()
            .unwrap_or(0);
        Column {
            items,
            keys_width,
            width,
        }
    }
}

/// The columns for the help: the shortest column height at which every section fits across
/// the screen (balanced columns); when none up to the screen's height does, the shortest taller
/// one that fits across, to be scrolled (`true`); one column, cut, when nothing fits across.
fn arrange<'a>(sections: &'a [HelpSection], max_width: usize, max_height: usize) -> (Vec<Column<'a>>, bool) {
    let tallest = sections.iter().map(|s| s.rows.len() + 1).max().unwrap_or(1);
    let mut height = tallest.min(max_height).max(1);
    let every_line: usize = sections.iter().map(|s| s.rows.len() + 2).sum();
    loop {
        let columns = pack(sections, height.min(every_line), false);
        let total = columns.iter().map(|c| c.width).sum::<usize>() + columns.len().saturating_sub(1) * COLUMN_GAP;
        if total <= max_width {
            return (columns, height > max_height);
        }
        let one_column = columns.len() <= 1;
        if height >= max_height && one_column {
            return (columns, height > max_height);
        }
        height += 1;
    }
}

/// Flows the sections into columns of at most `height` lines, a blank line between sections; a
/// section only breaks across columns when it is taller than a column, or, with `fill`, when
/// the column is full (to show as much as possible on a small screen).
fn pack(sections: &[HelpSection], height: usize, fill: bool) -> Vec<Column<'_>> {
    let mut columns: Vec<Vec<Item>> = vec![Vec::new()];
    for section in sections {
        let mut items = vec![Item::Title(section.title)];
        items.extend(
            section
                .rows
                .iter()
                .map(|(keys, description)| Item::Row(keys.as_str(), description)),
        );
        let current = columns.last().map_or(0, Vec::len);
        let needed = if fill { 2.min(items.len()) } else { items.len() };
        if current > 0 && current + 1 + needed > height {
            columns.push(Vec::new());
        } else if current > 0
            && let Some(c) = columns.last_mut()
        {
            c.push(Item::Blank);
        }
        for item in items {
            if columns.last().is_some_and(|c| c.len() >= height) {
                columns.push(Vec::new());
            }
            if let Some(c) = columns.last_mut() {
                c.push(item);
            }
        }
    }
    columns.into_iter().map(Column::new).collect()
}
