//! The details panel (`D`): what the platform says about the customer and the conversation,
//! label beside value, the frustration as a bar; and the two questions of Chatvolt's
//! operations: the assign prompt and the priority. Pure over `&Model`; only the lines that fit
//! are built.

use super::Theme;
use super::help::{overlay_area, overlay_frame};
use super::layout::{self, styled};
use crate::app::keymap::{Action, Context};
use crate::app::model::Model;
use crate::domain::{Conversation, ConversationKey, Details, FRUSTRATED, Priority};
use crate::present::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The label column, wide enough for the longest label ("Misunderstood") and a space.
const LABEL_WIDTH: usize = 14;
/// Below this text width labels go on their own line, above their values.
const SIDE_BY_SIDE: usize = 30;
/// How many completions the assign prompt lists.
const SHOWN_COMPLETIONS: usize = 4;

/// The panel for `key` in `area`; `over`: drawn over what is there (a narrow screen).
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme, key: &ConversationKey, over: bool) {
    if area.is_empty() {
        return;
    }
    if over {
        layout::clear_straddling(frame.buffer_mut(), area);
        frame.render_widget(Clear, area);
    }
    let close = model.keymap.hint(Context::Global, Action::Details);
    let block = layout::pane(theme, false, vec![styled("Details", theme.bold)], area.width).title_bottom(
        layout::fit_title(vec![styled(close, theme.key), Span::raw(" hide")], area.width).right_aligned(),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width.saturating_sub(1));
    let height = usize::from(inner.height);
    let lines = match model.conversations.get(key) {
        Some(c) => lines(c, theme, width, height),
        None => vec![Line::from(styled(
            text::truncate("No longer listed.", width),
            theme.dim,
        ))],
    };
    let body = Rect {
        x: inner.x.saturating_add(1),
        width: inner.width.saturating_sub(1),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines), body);
}

/// The panel's lines for `c`, at most `height` of them, each at most `width` wide.
fn lines<'a>(c: &'a Conversation, theme: &Theme, width: usize, height: usize) -> Vec<Line<'a>> {
    let mut out = vec![Line::from(styled(text::truncate(&c.customer_name, width), theme.bold))];
    let Some(d) = c.details.as_deref() else {
        let none = "The platform says nothing more about this conversation.";
        out.extend(
            text::wrap(none, width)
                .into_iter()
                .map(|l| Line::from(styled(l, theme.dim))),
        );
        out.truncate(height);
        return out;
    };
    if let Some(f) = d.frustration {
        out.push(frustration(f, theme, width));
    }
    for (label, value) in head(d) {
        if out.len() >= height {
            break;
        }
        field(&mut out, theme, label, &value, width);
    }
    for (label, value) in d.fields.iter() {
        if out.len() >= height {
            break;
        }
        field(&mut out, theme, label, value, width);
    }
    out.truncate(height);
    out
}

/// Priority and tags, which the list and the thread header use too.
fn head(d: &Details) -> Vec<(&'static str, String)> {
    let mut head = Vec::new();
    if let Some(p) = d.priority {
        head.push(("Priority", p.name().to_string()));
    }
    if !d.tags.is_empty() {
        head.push(("Tags", d.tags.join(", ")));
    }
    head
}

/// `Frustration ██████░░░░ 0.62`: the bar in the error style from [`FRUSTRATED`] on.
fn frustration<'a>(value: f32, theme: &Theme, width: usize) -> Line<'a> {
    let label_width = if width >= SIDE_BY_SIDE { LABEL_WIDTH } else { 0 };
    let number = format!(" {value:.2}");
    let cells = width.saturating_sub(label_width + number.len()).min(20);
    let filled = ((value * cells as f32).round() as usize).min(cells);
    let style = if value >= FRUSTRATED {
        theme.error
    } else if value >= 0.4 {
        theme.warn
    } else {
        theme.ok
    };
    let mut spans = Vec::new();
    if label_width > 0 {
        spans.push(styled(text::pad("Frustration", label_width), theme.dim));
    }
    spans.push(styled("█".repeat(filled), style));
    spans.push(styled("░".repeat(cells - filled), theme.dim));
    spans.push(styled(number, style));
    layout::fit_line(spans, width)
}

/// One field: its label in the left column and its value's lines wrapped beside it; on a
/// narrow panel, or for a label longer than the column, the label above and the value
/// indented under it.
fn field<'a>(out: &mut Vec<Line<'a>>, theme: &Theme, label: &str, value: &str, width: usize) {
    let side = width >= SIDE_BY_SIDE && text::width(label) < LABEL_WIDTH;
    let indent = if side { LABEL_WIDTH } else { 2 };
    let room = width.saturating_sub(indent).max(1);
    let mut wrapped = value.lines().flat_map(|l| text::wrap(l, room));
    if side {
        let first = wrapped.next().unwrap_or_default();
        out.push(Line::from(vec![
            styled(text::pad(label, LABEL_WIDTH), theme.dim),
            Span::raw(first),
        ]));
    } else {
        out.push(Line::from(styled(text::truncate(label, width), theme.dim)));
    }
    for rest in wrapped {
        out.push(Line::from(vec![Span::raw(" ".repeat(indent)), Span::raw(rest)]));
    }
}

/// The assign prompt: the email typed so far and what Tab would complete from.
pub fn render_assign(
    frame: &mut Frame,
    screen: Rect,
    model: &Model,
    theme: &Theme,
    key: &ConversationKey,
    input: &str,
) {
    let available = overlay_area(screen);
    if available.width < 10 || available.height < 5 {
        return;
    }
    let seen = crate::app::assignees_seen(model, &key.account);
    let lower = input.to_lowercase();
    let matching: Vec<&String> = seen
        .iter()
        .filter(|e| e.to_lowercase().starts_with(&lower))
        .take(SHOWN_COMPLETIONS)
        .collect();
    let rect = layout::centered(available, 60, 6 + u16::try_from(matching.len()).unwrap_or(0));
    let name = model
        .conversations
        .get(key)
        .map_or(key.id.as_str(), |c| c.customer_name.as_str());
    let title = format!("Assign {name} to");
    let bottom = vec![
        styled("Enter", theme.key),
        Span::raw(" assign · "),
        styled("Tab", theme.key),
        Span::raw(" complete · "),
        styled("Esc", theme.key),
        Span::raw(" cancel"),
    ];
    let inner = overlay_frame(frame, rect, theme, &title, bottom);
    let width = usize::from(inner.width.saturating_sub(2));
    let shown = text::tail(input, width.saturating_sub(3));
    let mut lines = vec![
        Line::default(),
        Line::from(vec![
            Span::raw("> "),
            styled(shown, theme.bold),
            styled(" ", theme.cursor),
        ]),
        Line::default(),
    ];
    if matching.is_empty() {
        lines.push(Line::from(styled(
            text::truncate("no assignee seen starts so", width),
            theme.dim,
        )));
    }
    for email in matching {
        lines.push(Line::from(styled(text::truncate(email, width), theme.dim)));
    }
    let body = Rect {
        x: inner.x.saturating_add(1),
        width: inner.width.saturating_sub(2),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines), body);
}

/// The priority question: a key for each, the current one said.
pub fn render_priority(frame: &mut Frame, screen: Rect, model: &Model, theme: &Theme, key: &ConversationKey) {
    let available = overlay_area(screen);
    if available.width < 10 || available.height < 5 {
        return;
    }
    let current = model
        .conversations
        .get(key)
        .and_then(|c| c.details.as_deref())
        .and_then(|d| d.priority);
    let rect = layout::centered(available, 34, 8);
    let back = model.keymap.hint(Context::Help, Action::Back);
    let inner = overlay_frame(
        frame,
        rect,
        theme,
        "Priority",
        vec![styled(back, theme.key), Span::raw(" cancel")],
    );
    let mut lines = vec![Line::default()];
    for (i, p) in Priority::ALL.into_iter().enumerate() {
        let now = if current == Some(p) { "  (now)" } else { "" };
        lines.push(Line::from(vec![
            styled(format!("{}", i + 1), theme.key),
            Span::raw(format!("  {}", p.name())),
            styled(now, theme.dim),
        ]));
    }
    let body = Rect {
        x: inner.x.saturating_add(1),
        width: inner.width.saturating_sub(2),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines).style(Style::new()), body);
}
