//! The thread pane: a header, then the messages bottom-aligned. Only the messages that fit are
//! wrapped and drawn: the walk starts at the newest and stops when the pane is full, so a
//! 5,000-message thread costs what a 10-message one does.

use super::Theme;
use super::compose;
use super::layout::{self, gap, styled};
use super::text;
use crate::app::keymap::{Action, Context};
use crate::app::model::{Focus, Model, Thread};
use crate::cli::output::{ago, author_label, status_mark, status_words};
use crate::domain::{Author, Conversation, ConversationKey, Delivery, Message, Status};
use chrono::{Datelike, NaiveDate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::collections::VecDeque;

/// The time column before each message's text ("12:04  ").
const GUTTER: usize = 7;
/// Below this text width the gutter is given back to the text.
const NARROW: usize = 40;

/// The thread of `key` with its compose box underneath.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme, key: &ConversationKey) {
    let compose_height = compose::height(model, key, area.width).min(area.height.saturating_sub(5));
    let thread_area = Rect {
        height: area.height.saturating_sub(compose_height),
        ..area
    };
    let compose_area = Rect {
        y: area.y.saturating_add(thread_area.height),
        height: compose_height,
        ..area
    };
    render_thread(frame, thread_area, model, theme, key);
    if compose_height > 0 {
        compose::render(frame, compose_area, model, theme, key);
    }
}

/// The two-pane layout's right side before anything is open.
pub fn render_placeholder(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let block = layout::pane(theme, false, vec![Span::raw("Conversation")], area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let open = model.keymap.hint(Context::List, Action::Open);
    let next = model.keymap.hint(Context::List, Action::NextNeedingHuman);
    let words = format!("{open} opens the selected conversation · {next} the next one waiting for a human");
    let lines: Vec<Line> = text::wrap(&words, usize::from(inner.width.saturating_sub(2)))
        .into_iter()
        .map(|l| Line::from(styled(format!(" {l}"), theme.dim)))
        .collect();
    frame.render_widget(
        Paragraph::new(lines),
        Rect {
            y: inner.y.saturating_add(1),
            height: inner.height.saturating_sub(1),
            ..inner
        },
    );
}

fn render_thread(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme, key: &ConversationKey) {
    let conversation = model.conversations.get(key);
    let title = match conversation {
        Some(c) => vec![styled(c.customer_name.as_str(), theme.bold)],
        None => vec![Span::raw(key.to_string())],
    };
    let block = layout::pane(theme, model.focus == Focus::Thread, title, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let width = usize::from(inner.width);
    let Some(c) = conversation else {
        let line = Line::from(styled("This conversation is no longer listed.", theme.dim));
        frame.render_widget(
            Paragraph::new(layout::fit_line(line.spans, width)),
            layout::row(inner, 0),
        );
        return;
    };
    let header = header_lines(model, theme, c, width);
    let mut used = 0u16;
    for line in header {
        frame.render_widget(Paragraph::new(line), layout::row(inner, used));
        used += 1;
    }
    if inner.height >= 6 {
        let rule = styled("─".repeat(width), theme.border);
        frame.render_widget(Paragraph::new(Line::from(rule)), layout::row(inner, used));
        used += 1;
    }
    let body = Rect {
        y: inner.y.saturating_add(used),
        height: inner.height.saturating_sub(used),
        ..inner
    };
    messages(frame, body, model, theme, model.threads.get(key));
}

/// Who, where, and where it stands: channel · account (platform) · contact, then the status.
fn header_lines<'a>(model: &Model, theme: &Theme, c: &'a Conversation, width: usize) -> Vec<Line<'a>> {
    let mut place = Vec::new();
    if let Some(channel) = &c.channel {
        place.push(channel.clone());
    }
    place.push(format!("{} ({})", c.key.account, c.platform));
    if let Some(contact) = &c.customer_contact {
        place.push(contact.clone());
    }
    let first = Line::from(styled(text::truncate(&place.join(" · "), width), theme.dim));

    let mut status = vec![
        styled(status_mark(&c.status), theme.mark(&c.status)),
        gap(1),
        Span::raw(status_words(&c.status)),
    ];
    if let (Status::NeedsHuman, Some(since)) = (&c.status, c.waiting_since) {
        status.push(styled(format!(" · waiting {}", ago(since, model.now)), theme.mark_need));
    }
    if let Some(op) = model.busy.get(&c.key) {
        status.push(styled(format!(" · {}…", op.doing()), theme.warn));
    }
    vec![first, layout::fit_line(status, width)]
}

/// The message at `index` in display order: the platform's, then ours on their way.
fn message_at(thread: &Thread, index: usize) -> Option<&Message> {
    match index.checked_sub(thread.messages.len()) {
        None => thread.messages.get(index),
        Some(i) => thread.outgoing.get(i).map(|(_, m)| m),
    }
}

fn messages(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme, thread: Option<&Thread>) {
    if area.is_empty() {
        return;
    }
    let width = usize::from(area.width);
    let height = usize::from(area.height);
    let say = |frame: &mut Frame, words: String, style: Style| {
        let lines: Vec<Line> = text::wrap(&words, width)
            .into_iter()
            .map(|l| Line::from(styled(l, style)))
            .collect();
        frame.render_widget(Paragraph::new(lines), area);
    };
    let Some(thread) = thread.filter(|t| t.loaded) else {
        match thread.and_then(|t| t.error.as_ref()) {
            Some(error) => say(
                frame,
                format!("Could not load the messages: {error}. Trying again shortly…"),
                theme.error,
            ),
            None => say(frame, "loading messages…".into(), theme.dim),
        }
        return;
    };
    if thread.is_empty() {
        say(frame, "No messages yet.".into(), theme.dim);
        return;
    }

    // Lines kept for the error at the top and the "newer" hint at the bottom.
    let mut top = area.y;
    let mut room = height;
    let stale = match &thread.error {
        Some(error) if thread.cached => Some((format!("⚠ cached copy — could not refresh: {error}"), theme.error)),
        Some(error) => Some((format!("⚠ could not refresh: {error} — retrying"), theme.error)),
        None if thread.cached => Some(("cached copy — not refreshed yet".to_string(), theme.warn)),
        None => None,
    };
    if let Some((line, style)) = stale {
        frame.render_widget(
            Paragraph::new(Line::from(styled(text::truncate(&line, width), style))),
            layout::row(area, 0),
        );
        top = top.saturating_add(1);
        room = room.saturating_sub(1);
    }
    let hidden = thread.scroll.min(thread.len());
    if hidden > 0 && room > 0 {
        let jump = model.keymap.hint(Context::Thread, Action::JumpLatest);
        let hint = format!("↓ {hidden} newer — {jump} to jump to latest");
        let row = layout::row(area, area.height.saturating_sub(1));
        frame.render_widget(
            Paragraph::new(Line::from(styled(text::truncate(&hint, width), theme.notice))),
            row,
        );
        room -= 1;
    }

    let lines = visible_lines(model, theme, thread, thread.len() - hidden, width, room);
    let y = top.saturating_add(u16::try_from(room - lines.len()).unwrap_or(0));
    let rect = Rect {
        y,
        height: u16::try_from(lines.len()).unwrap_or(0),
        ..area
    };
    frame.render_widget(Paragraph::new(Vec::from(lines)), rect);
}

/// The last `room` lines of the messages before `end`, walking back from `end` and stopping as
/// soon as the pane is full.
fn visible_lines(
    model: &Model,
    theme: &Theme,
    thread: &Thread,
    end: usize,
    width: usize,
    room: usize,
) -> VecDeque<Line<'static>> {
    let mut lines: VecDeque<Line<'static>> = VecDeque::with_capacity(room);
    let gutter = if width >= NARROW { GUTTER } else { 2 };
    let day = |m: &Message| m.created_at.with_timezone(&theme.offset).date_naive();
    let mut index = end;
    while index > 0 && lines.len() < room {
        index -= 1;
        let Some(m) = message_at(thread, index) else {
            continue;
        };
        let mut block: Vec<Line<'static>> = Vec::new();
        let new_day = match index.checked_sub(1).and_then(|i| message_at(thread, i)) {
            Some(previous) => day(previous) != day(m),
            None => true,
        };
        if new_day {
            block.push(day_separator(day(m), model, theme, width));
        }
        if thread.divider == Some(index) {
            block.push(new_divider(theme, width));
        }
        block.push(label_line(m, theme, width));
        let text_style = if m.author == Author::System {
            theme.dim
        } else {
            Style::new()
        };
        // Scrolled back, the message at the bottom edge is one the operator scrolled to: a
        // message taller than the pane then shows from its start (its end shows one step
        // later, above the next message). Following the latest, the newest shows its end.
        let from_start = index + 1 == end && end < thread.len();
        if !m.text.is_empty() {
            let shown = if from_start {
                visible_head(&m.text, room, width)
            } else {
                visible_tail(&m.text, room, width)
            };
            for l in text::wrap(shown, width.saturating_sub(gutter)) {
                block.push(Line::from(vec![gap(gutter), styled(l, text_style)]));
            }
        }
        for a in &m.attachments {
            let l = text::truncate(&format!("[attachment: {}]", a.name), width.saturating_sub(gutter));
            block.push(Line::from(vec![gap(gutter), styled(l, theme.dim)]));
        }
        if from_start && block.len() > room {
            block.truncate(room);
        }
        for line in block.into_iter().rev() {
            lines.push_front(line);
        }
    }
    // The oldest message on screen may be cut at the top: keep its end, like a chat does.
    while lines.len() > room {
        lines.pop_front();
    }
    lines
}

/// The part of a message's text that can reach the screen when it shows its last lines (the
/// newest, or one cut at the top of the pane): a huge one needs only its end wrapped, which
/// keeps the cost at the screen's size, whatever the message's length.
fn visible_tail(text: &str, room: usize, width: usize) -> &str {
    // Generous: even emoji sequences of ~12 bytes per column fill the pane from this much.
    let budget = room.saturating_add(1).saturating_mul(width).saturating_mul(16);
    if text.len() <= budget {
        return text;
    }
    let mut start = text.len() - budget;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// The part of a message's text that can reach the screen when it shows from its start: the
/// twin of [`visible_tail`].
fn visible_head(text: &str, room: usize, width: usize) -> &str {
    let budget = room.saturating_add(1).saturating_mul(width).saturating_mul(16);
    if text.len() <= budget {
        return text;
    }
    let mut end = budget;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn day_separator(date: NaiveDate, model: &Model, theme: &Theme, width: usize) -> Line<'static> {
    let this_year = model.now.with_timezone(&theme.offset).year();
    let words = if date.year() == this_year {
        date.format("%a %-d %b").to_string()
    } else {
        date.format("%a %-d %b %Y").to_string()
    };
    let label = format!("── {words} ──");
    let left = width.saturating_sub(text::width(&label)) / 2;
    Line::from(vec![gap(left), styled(text::truncate(&label, width), theme.dim)])
}

fn new_divider(theme: &Theme, width: usize) -> Line<'static> {
    let label = " new ";
    let side = width.saturating_sub(label.len());
    let left = side / 2;
    let line = format!("{}{label}{}", "─".repeat(left), "─".repeat(side - left));
    Line::from(styled(text::truncate(&line, width), theme.divider))
}

fn label_line(m: &Message, theme: &Theme, width: usize) -> Line<'static> {
    let time = m.created_at.with_timezone(&theme.offset).format("%H:%M").to_string();
    let author_style = match &m.author {
        Author::Customer => theme.customer,
        Author::Ai => theme.ai,
        Author::Operator { is_me: true, .. } => theme.me,
        Author::Operator { .. } => theme.operator,
        Author::System => theme.dim,
    };
    let mut spans = vec![styled(time, theme.dim), gap(2), styled(author_label(m), author_style)];
    match &m.delivery {
        Delivery::Sent => {}
        Delivery::Pending => spans.push(styled(" · sending…", theme.warn)),
        Delivery::Unknown(reason) => spans.push(styled(
            format!(" · no answer ({reason}) — checking whether it arrived"),
            theme.warn,
        )),
        Delivery::Failed(reason) => spans.push(styled(format!(" · not sent: {reason}"), theme.error)),
    }
    layout::fit_line(spans, width)
}
