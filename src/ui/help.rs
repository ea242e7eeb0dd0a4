//! Overlays: the help, generated from the live keymap and flowed into as many columns as the
//! screen allows (cut, never overflowing, when it is small), and the y/n confirmation.

use super::Theme;
use super::layout::{self, gap, styled};
use crate::app::Op;
use crate::app::keymap::HelpSection;
use crate::app::keymap::{Action, Context};
use crate::app::model::{Confirm, Focus, Model};
use crate::present::{self, text};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

/// Space between help columns.
const COLUMN_GAP: usize = 3;
/// Key lists longer than this are cut (a user may bind many keys to one action).
const MAX_KEYS_WIDTH: usize = 16;

/// The area overlays may use: the screen less a margin, so the panes' edges stay in view.
pub(super) fn overlay_area(screen: Rect) -> Rect {
    let mx = if screen.width > 20 { 2 } else { 0 };
    let my = if screen.height > 10 { 1 } else { 0 };
    Rect {
        x: screen.x.saturating_add(mx),
        y: screen.y.saturating_add(my),
        width: screen.width.saturating_sub(2 * mx),
        height: screen.height.saturating_sub(2 * my),
    }
}

/// Said before a takeover when no identity is configured.
const ANONYMOUS: &str = " No [operator] email is set in the config: the platform cannot record that you hold it, and other operators cannot tell. ";

fn overlay_block<'a>(theme: &Theme, title: &'a str, bottom: Vec<Span<'a>>, width: u16) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(layout::fit_title(vec![styled(title, theme.bold)], width))
        .title_bottom(layout::fit_title(bottom, width).right_aligned())
}

/// Clears `rect` (wide characters straddling its edges too) and draws an overlay's frame with
/// `title` on top and `bottom` (its keys) below; returns the area inside the frame.
pub(super) fn overlay_frame(frame: &mut Frame, rect: Rect, theme: &Theme, title: &str, bottom: Vec<Span>) -> Rect {
    let block = overlay_block(theme, title, bottom, rect.width);
    let inner = block.inner(rect);
    layout::clear_straddling(frame.buffer_mut(), rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    inner
}

/// One line of the help: a section title, a key binding, or the blank between sections.
#[derive(Clone, Copy)]
enum Item<'a> {
    Title(&'a str),
    Row(&'a str, &'a str),
    Blank,
}

/// A column of the help and its widths: the key column is as wide as this column's keys.
struct Column<'a> {
    items: Vec<Item<'a>>,
    keys_width: usize,
    width: usize,
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

pub fn render_help(frame: &mut Frame, screen: Rect, model: &Model, theme: &Theme) {
    let available = overlay_area(screen);
    if available.width < 3 || available.height < 3 {
        return;
    }
    // Inside the border, one cell of padding either side.
    let max_width = usize::from(available.width).saturating_sub(4);
    let max_height = usize::from(available.height).saturating_sub(2).max(1);
    let mut sections = model.keymap.help();
    let (mut columns, mut complete) = arrange(&sections, max_width, max_height);
    if !complete {
        // Not everything fits: what the keys do here first, then the rest in order.
        let here = match model.focus {
            Focus::List => Context::List.title(),
            Focus::Thread => Context::Thread.title(),
            Focus::Compose => Context::Compose.title(),
        };
        if let Some(i) = sections.iter().position(|s| s.title == here) {
            let section = sections.remove(i);
            sections.insert(0, section);
        }
        (columns, complete) = arrange(&sections, max_width, max_height);
    }

    let close = model.keymap.hint(Context::Help, Action::Back);
    let mut bottom = vec![styled(close, theme.key), Span::raw(" close")];
    if !complete {
        bottom.push(styled(" · more on a larger screen", theme.dim));
    }
    let widths: Vec<usize> = columns.iter().map(|c| c.width).collect();
    let inner_width = (widths.iter().sum::<usize>() + widths.len().saturating_sub(1) * COLUMN_GAP)
        .max(layout::spans_width(&bottom).saturating_sub(2));
    let inner_height = columns.iter().map(|c| c.items.len()).max().unwrap_or(0);
    let to_u16 = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    let rect = layout::centered(available, to_u16(inner_width + 4), to_u16(inner_height + 2));
    let inner = overlay_frame(frame, rect, theme, "Keys", bottom);
    let inner = Rect {
        x: inner.x.saturating_add(1),
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let mut x = 0usize;
    for column in columns {
        let Some(room) = usize::from(inner.width).checked_sub(x).filter(|r| *r > 0) else {
            break;
        };
        let width = column.width.min(room);
        let lines: Vec<Line> = column
            .items
            .iter()
            .map(|item| match *item {
                Item::Title(t) => Line::from(styled(t, theme.bold)),
                Item::Row(keys, description) => Line::from(vec![
                    gap(2),
                    styled(text::pad(keys, column.keys_width), theme.key),
                    gap(2),
                    Span::raw(description),
                ]),
                Item::Blank => Line::default(),
            })
            .map(|l| layout::fit_line(l.spans, width))
            .collect();
        let area = Rect {
            x: inner.x.saturating_add(to_u16(x)),
            width: to_u16(width),
            ..inner
        };
        frame.render_widget(Paragraph::new(lines), area);
        x += column.width + COLUMN_GAP;
    }
}

/// The columns for the help: the shortest column height at which every section fits across
/// the screen (balanced columns), or, when nothing does, as much as fits. `true` when complete.
fn arrange<'a>(sections: &'a [HelpSection], max_width: usize, max_height: usize) -> (Vec<Column<'a>>, bool) {
    let tallest = sections.iter().map(|s| s.rows.len() + 1).max().unwrap_or(1);
    let mut height = tallest.min(max_height).max(1);
    loop {
        let columns = pack(sections, height, false);
        let total = columns.iter().map(|c| c.width).sum::<usize>() + columns.len().saturating_sub(1) * COLUMN_GAP;
        if total <= max_width {
            return (columns, true);
        }
        if height >= max_height {
            // Fill each column to the bottom and keep the columns that fit whole (at least one,
            // cut to the screen).
            let mut kept = Vec::new();
            let mut used = 0usize;
            for column in pack(sections, height, true) {
                let needed = if kept.is_empty() {
                    column.width
                } else {
                    used + COLUMN_GAP + column.width
                };
                if !kept.is_empty() && needed > max_width {
                    break;
                }
                used = needed;
                kept.push(column);
            }
            return (kept, false);
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

pub fn render_confirm(frame: &mut Frame, screen: Rect, model: &Model, theme: &Theme, confirm: &Confirm) {
    let available = overlay_area(screen);
    if available.width < 3 || available.height < 3 {
        return;
    }
    let yes = model.keymap.hint(Context::Confirm, Action::Yes);
    let no = model.keymap.hint(Context::Confirm, Action::No);
    let (title, question) = match confirm {
        Confirm::TakeFrom { key, holder } => {
            let who = model
                .conversations
                .get(key)
                .map_or_else(|| key.to_string(), |c| c.customer_name.clone());
            let anonymous = if model.anonymous { ANONYMOUS } else { "" };
            (
                format!("Take over {who}"),
                format!("{holder} holds this conversation.{anonymous} Take it over? {yes}/{no}"),
            )
        }
        Confirm::TakeAnonymous { key } => {
            let who = model
                .conversations
                .get(key)
                .map_or_else(|| key.to_string(), |c| c.customer_name.clone());
            (
                format!("Take over {who}"),
                format!("{}Take it over anyway? {yes}/{no}", ANONYMOUS.trim_start()),
            )
        }
        Confirm::Guarded { op, why, .. } => {
            let (title, anyway) = match op {
                Op::Resolve => ("Resolve", "resolve anyway"),
                _ => ("Hand back", "hand back to the AI anyway"),
            };
            (title.to_string(), format!("{why} — {anyway}? {yes} / {no}"))
        }
        Confirm::SendOver { what, .. } => ("Send anyway?".to_string(), format!("{what}. Send anyway? {yes}/{no}")),
        Confirm::Quit => (
            "Quit".to_string(),
            format!("Messages are still sending. Quit anyway? {yes}/{no}"),
        ),
        Confirm::QuitHolding { count } => {
            let keep = model.keymap.hint(Context::Confirm, Action::Keep);
            let them = if *count == 1 {
                "one conversation".to_string()
            } else {
                format!("{count} conversations")
            };
            (
                "Quit".to_string(),
                format!(
                    "You hold {them}: once you are gone, their customers wait for nobody. \
                     {yes} hands them back to the AI and quits, {keep} keeps them and quits, {no} stays."
                ),
            )
        }
        Confirm::StillHolding { keys, since } => {
            let review = model.keymap.hint(Context::Confirm, Action::Review);
            let them = match keys.len() {
                1 => "one conversation".to_string(),
                n => format!("{n} conversations"),
            };
            let since = present::clock(*since, model.now, theme.offset);
            (
                "Still yours".to_string(),
                format!(
                    "You still hold {them} (since {since}), listed in Mine: their customers wait for you. \
                     {review} reviews them, {yes} hands them all back to the AI, {no} leaves them with you."
                ),
            )
        }
    };
    // Wide enough for the question on one line when the screen allows.
    let max_text = usize::from(available.width).saturating_sub(4);
    let text_width = text::width(&question).max(text::width(&title) + 2).min(max_text).max(1);
    let lines = text::wrap(&question, text_width);
    let to_u16 = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    let rect = layout::centered(available, to_u16(text_width + 4), to_u16(lines.len() + 4));
    let mut bottom = vec![styled(yes, theme.key), Span::raw(" yes · ")];
    if matches!(confirm, Confirm::QuitHolding { .. }) {
        bottom.push(styled(model.keymap.hint(Context::Confirm, Action::Keep), theme.key));
        bottom.push(Span::raw(" keep · "));
    }
    if matches!(confirm, Confirm::StillHolding { .. }) {
        bottom.push(styled(model.keymap.hint(Context::Confirm, Action::Review), theme.key));
        bottom.push(Span::raw(" review · "));
    }
    bottom.extend([styled(no, theme.key), Span::raw(" no")]);
    let inner = overlay_frame(frame, rect, theme, &title, bottom);
    let body = Rect {
        x: inner.x.saturating_add(1),
        y: inner.y.saturating_add(1),
        width: inner.width.saturating_sub(2),
        height: inner.height.saturating_sub(1),
    };
    let lines: Vec<Line> = lines.into_iter().map(|l| Line::from(styled(l, theme.bold))).collect();
    frame.render_widget(Paragraph::new(lines), body);
}
