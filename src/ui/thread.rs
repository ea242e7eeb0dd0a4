//! The thread pane: a header, then the messages bottom-aligned. Only the messages that fit are
//! wrapped and drawn: the walk starts at the newest and stops when the pane is full, so a
//! 5,000-message thread costs what a 10-message one does.

use super::Theme;
use super::compose;
use super::layout::{self, gap, styled};
use crate::app::keymap::{Action, Context};
use crate::app::model::{Focus, Item, Model, Thread};
use crate::domain::{Author, Conversation, ConversationKey, Delivery, Message, Status};
use crate::present::{ago, author_label, status_mark, status_words, text};
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
    // Chatvolt's priority and tags, beside where it stands.
    if let Some(d) = c.details.as_deref() {
        if !d.tags.is_empty() {
            let tags: Vec<String> = d.tags.iter().map(|t| format!("#{t}")).collect();
            status.push(styled(format!(" · {}", tags.join(" ")), theme.key));
        }
        if let Some(p) = d.priority {
            status.push(styled(format!(" · {} priority", p.name()), theme.dim));
        }
    }
    if let Some(op) = model.busy.get(&c.key) {
        status.push(styled(format!(" · {}…", op.doing()), theme.warn));
    }
    if let Some((words, typing)) = super::list::presence(model, &c.key) {
        status.push(styled(
            format!(" · {words}"),
            if typing { theme.warn } else { theme.dim },
        ));
    }
    vec![first, layout::fit_line(status, width)]
}

/// When the row was written, for the day separators.
fn item_at(item: &Item<'_>) -> chrono::DateTime<chrono::Utc> {
    match item {
        Item::Message(m, _) => m.created_at,
        Item::Note(n) => n.created_at,
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
    if thread.shown_len() == 0 {
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
    let hidden = thread.scroll.min(thread.shown_len());
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

    let lines = visible_lines(model, theme, thread, thread.shown_len() - hidden, width, room);
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
    let day = |item: &Item<'_>| item_at(item).with_timezone(&theme.offset).date_naive();
    let mut index = end;
    while index > 0 && lines.len() < room {
        index -= 1;
        let Some(item) = thread.item(index) else {
            continue;
        };
        let mut block: Vec<Line<'static>> = Vec::new();
        let new_day = match index.checked_sub(1).and_then(|i| thread.item(i)) {
            Some(previous) => day(&previous) != day(&item),
            None => true,
        };
        if new_day {
            block.push(day_separator(day(&item), model, theme, width));
        }
        let m = match item {
            Item::Message(m, at) => {
                if at.is_some() && thread.divider == at {
                    block.push(new_divider(theme, width));
                }
                m
            }
            Item::Note(note) => {
                block.extend(super::notes::note_block(note, theme, width, gutter, room));
                for line in block.into_iter().rev() {
                    lines.push_front(line);
                }
                continue;
            }
        };
        let found = thread.found.as_ref().is_some_and(|f| f.message == m.id);
        block.push(label_line(m, model, theme, width, found));
        let text_style = if m.author == Author::System {
            theme.dim
        } else {
            Style::new()
        };
        // Scrolled back, the message at the bottom edge is one the operator scrolled to: a
        // message taller than the pane then shows from its start (its end shows one step
        // later, above the next message). Following the latest, the newest shows its end.
        let from_start = index + 1 == end && end < thread.shown_len();
        if !m.text.is_empty() {
            let text_width = width.saturating_sub(gutter);
            let shown = if from_start {
                head_lines(&m.text, text_width, room)
            } else {
                tail_lines(&m.text, text_width, room)
            };
            for l in shown {
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

/// How much of a long text is wrapped at first to find `room` lines of `width` cells: enough
/// for most text (4 bytes a cell: ASCII with room to spare, CJK and most emoji). Denser text
/// (emoji sequences, stacks of combining marks) makes the slice grow until the lines are found.
fn first_budget(width: usize, room: usize) -> usize {
    room.saturating_add(1)
        .saturating_mul(width.max(1))
        .saturating_mul(4)
        .max(4096)
}

/// The last `room` lines of `text` wrapped to `width`. Only a tail of a long text is wrapped,
/// grown until it gives the lines, so a 1 MB message costs what fills the screen.
///
/// Wrapping is exact from a line break; a slice that starts inside one long line starts at a
/// point the whole text's wrapping may not break at, so its first (partial) line is dropped and
/// the lines after it can break at other columns than the whole line would. The difference is
/// invisible: a message taller than the pane shows either its end or its start (see
/// [`head_lines`], which is exact), never a middle reached from the other end.
pub(super) fn tail_lines(text: &str, width: usize, room: usize) -> Vec<String> {
    if width == 0 || room == 0 {
        return Vec::new();
    }
    let mut budget = first_budget(width, room);
    loop {
        let (lines, enough) = if text.len() <= budget {
            (text::wrap(text, width), true)
        } else {
            let mut start = text.len() - budget;
            while !text.is_char_boundary(start) {
                start += 1;
            }
            let slice = &text[start..];
            match slice.find('\n') {
                Some(i) => {
                    let lines = text::wrap(&slice[i + 1..], width);
                    let enough = lines.len() >= room;
                    (lines, enough)
                }
                None => {
                    let mut lines = text::wrap(slice, width);
                    lines.remove(0);
                    let enough = lines.len() >= room;
                    (lines, enough)
                }
            }
        };
        if enough {
            let mut lines = lines;
            let cut = lines.len().saturating_sub(room);
            lines.drain(..cut);
            return lines;
        }
        budget = budget.saturating_mul(4);
    }
}

/// The first `room` lines of `text` wrapped to `width`: the twin of [`tail_lines`], exact, since
/// wrapping from the start is the same whatever follows (the slice's cut last line is dropped).
fn head_lines(text: &str, width: usize, room: usize) -> Vec<String> {
    if width == 0 || room == 0 {
        return Vec::new();
    }
    let mut budget = first_budget(width, room);
    loop {
        let (mut lines, enough) = if text.len() <= budget {
            (text::wrap(text, width), true)
        } else {
            let mut end = budget;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let slice = &text[..end];
            match slice.rfind('\n') {
                Some(i) => {
                    let lines = text::wrap(&slice[..i], width);
                    let enough = lines.len() >= room;
                    (lines, enough)
                }
                None => {
                    let mut lines = text::wrap(slice, width);
                    lines.pop();
                    let enough = lines.len() >= room;
                    (lines, enough)
                }
            }
        };
        if enough {
            lines.truncate(room);
            return lines;
        }
        budget = budget.saturating_mul(4);
    }
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

/// `found`: the message a search opened the thread at, marked.
fn label_line(m: &Message, model: &Model, theme: &Theme, width: usize, found: bool) -> Line<'static> {
    let time = m.created_at.with_timezone(&theme.offset).format("%H:%M").to_string();
    let author_style = match &m.author {
        Author::Customer => theme.customer,
        Author::Ai => theme.ai,
        Author::Operator { is_me: true, .. } => theme.me,
        Author::Operator { .. } => theme.operator,
        Author::System => theme.dim,
    };
    let mut spans = vec![styled(time, theme.dim), gap(2), styled(author_label(m), author_style)];
    if found {
        spans.push(styled(" ◆ found", theme.tab_active));
    }
    match &m.delivery {
        Delivery::Sent => {}
        Delivery::Pending => spans.push(styled(" · sending…", theme.warn)),
        // The state first: a long reason is what gets cut when the line is too narrow.
        Delivery::Unknown(reason) if reason.starts_with("could not check") => spans.push(styled(
            format!(" · not confirmed — open it again to check ({reason})"),
            theme.warn,
        )),
        Delivery::Unknown(reason) => spans.push(styled(
            format!(" · checking whether it arrived (no answer: {reason})"),
            theme.warn,
        )),
        Delivery::Failed(reason) => {
            let key = model.keymap.hint(Context::Thread, Action::RestoreUnsent);
            spans.push(styled(
                format!(" · not sent ({key} puts it back): {reason}"),
                theme.error,
            ));
        }
    }
    layout::fit_line(spans, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last(lines: Vec<String>, room: usize) -> Vec<String> {
        let cut = lines.len().saturating_sub(room);
        lines[cut..].to_vec()
    }

    #[test]
    fn a_slice_of_a_long_text_wraps_as_the_whole_text_does() {
        let many_lines: String = (0..20_000).map(|i| format!("line {i} of many\n")).collect();
        let words: String = (0..20_000).map(|i| format!("w{i} ")).collect();
        let zalgo: String = (0..5_000)
            .map(|i| format!("{}{}", char::from(b'a' + (i % 26) as u8), "\u{301}".repeat(50)))
            .collect();
        let cjk_lines: String = (0..10_000).map(|i| format!("第{i}行：你好世界\n")).collect();
        for (name, text) in [
            ("many lines", &many_lines),
            ("words", &words),
            ("zalgo", &zalgo),
            ("cjk", &cjk_lines),
        ] {
            for (width, room) in [(73, 20), (193, 56), (1, 3), (10, 1)] {
                let whole = text::wrap(text, width);
                let tail = tail_lines(text, width, room);
                let head = head_lines(text, width, room);
                assert_eq!(head, whole[..room.min(whole.len())].to_vec(), "{name} head at {width}");
                assert_eq!(tail.len(), room.min(whole.len()), "{name} tail at {width}");
                if name != "words" && name != "zalgo" {
                    // From a line break, exact.
                    assert_eq!(tail, last(whole, room), "{name} tail at {width}");
                } else {
                    // Inside one long line: the same text, possibly broken at other columns.
                    assert!(text.ends_with(tail.last().unwrap().as_str()), "{name} at {width}");
                    assert!(tail.iter().all(|l| text::width(l) <= width), "{name} at {width}");
                }
            }
        }
        assert!(tail_lines("abc", 0, 5).is_empty());
        assert!(head_lines("abc", 5, 0).is_empty());
        assert_eq!(tail_lines("short", 80, 5), ["short"]);
    }
}
