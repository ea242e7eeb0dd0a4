//! Overlays: the help, generated from the live keymap and flowed into as many columns as the
//! screen allows (scrolled when it is small: `app::help` arranges it), and the y/n confirmation.

use super::Theme;
use super::layout::{self, gap, styled};
use crate::app::Op;
use crate::app::help::{Arranged, COLUMN_GAP, Item};
use crate::app::keymap::{Action, Context};
use crate::app::model::{Confirm, Model};
use crate::present::{self, text};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

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

/// A scrolling overlay's frame with `title` and the keys to scroll and close it below, the text
/// inset a column each side; returns the area for the text (the accounts, the message log).
pub(super) fn scrolling_frame(frame: &mut Frame, rect: Rect, model: &Model, theme: &Theme, title: &str) -> Rect {
    let close = model.keymap.hint(Context::Help, Action::Back);
    let down = model.keymap.hint(Context::List, Action::Down);
    let up = model.keymap.hint(Context::List, Action::Up);
    let bottom = vec![
        styled(format!("{down}/{up}"), theme.key),
        Span::raw(" scroll · "),
        styled(close, theme.key),
        Span::raw(" close"),
    ];
    let inner = overlay_frame(frame, rect, theme, title, bottom);
    Rect {
        x: inner.x.saturating_add(1),
        width: inner.width.saturating_sub(2),
        ..inner
    }
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

/// The help: every section across the screen in balanced columns when they fit; otherwise one
/// column, what the keys do here first, scrolled from `top` (the list's keys scroll it).
pub fn render_help(frame: &mut Frame, screen: Rect, model: &Model, theme: &Theme, top: usize) {
    let available = overlay_area(screen);
    if available.width < 3 || available.height < 3 {
        return;
    }
    let (_, max_height) = crate::app::help::room(screen.width, screen.height);
    let mut sections = crate::app::help::sections(model);
    let Arranged {
        mut columns,
        lines,
        scrolls,
    } = crate::app::help::arranged(model, &mut sections);
    let close = model.keymap.hint(Context::Help, Action::Back);
    let mut bottom = vec![];
    if scrolls {
        // The lines from `top`, every column alike.
        let first = top.min(lines.saturating_sub(max_height));
        for column in &mut columns {
            column.items = column.items.drain(..).skip(first).take(max_height).collect();
        }
        let down = model.keymap.hint(Context::List, Action::Down);
        let up = model.keymap.hint(Context::List, Action::Up);
        let last = (first + max_height).min(lines);
        bottom.push(styled(format!("{}–{last} of {lines} · ", first + 1), theme.dim));
        bottom.push(styled(format!("{down}/{up}"), theme.key));
        bottom.push(Span::raw(" scroll · "));
    }
    bottom.extend([styled(close, theme.key), Span::raw(" close")]);
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
