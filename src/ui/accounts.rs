//! The accounts overlay (`L`): every account with its state and its full error text, failing
//! ones first, then those not answered yet, then the rest — what the status bar can only count
//! when there are many.

use super::Theme;
use super::help::{overlay_area, scrolling_frame};
use super::layout::{self, gap, styled};
use super::status::{connection_words, failing};
use crate::app::Connection;
use crate::app::model::{Account, Model};
use crate::present::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The error lines stand under the account's name, indented this much.
const INDENT: usize = 4;
/// Names are padded to a column as wide as the longest, up to this.
const MAX_NAME_WIDTH: usize = 32;

pub fn render(frame: &mut Frame, screen: Rect, model: &Model, theme: &Theme, top: usize) {
    let rect = overlay_area(screen);
    if rect.width < 8 || rect.height < 3 {
        return;
    }
    let accounts = in_order(model);
    let failing_count = accounts.iter().filter(|a| failing(&a.connection)).count();
    let title = format!("Accounts — {failing_count} failing of {}", model.accounts.len());
    let inner = scrolling_frame(frame, rect, model, theme, &title);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let name_width = accounts
        .iter()
        .map(|a| text::width(&name(a)))
        .max()
        .unwrap_or(0)
        .min(MAX_NAME_WIDTH);
    let entries: Vec<Vec<Line>> = accounts
        .iter()
        .map(|a| entry(a, model, theme, name_width, width))
        .collect();
    // From `top`, or earlier when the end of the list would leave the box part empty.
    let mut first = top.min(entries.len().saturating_sub(1));
    let mut used: usize = entries[first..].iter().map(Vec::len).sum();
    while first > 0 && used + entries[first - 1].len() <= height {
        first -= 1;
        used += entries[first].len();
    }
    let lines: Vec<Line> = entries.into_iter().skip(first).flatten().take(height).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Failing accounts first, then those not answered yet, then the ones that work; each group in
/// the config's order.
fn in_order(model: &Model) -> Vec<&Account> {
    let rank = |a: &Account| match &a.connection {
        Connection::Ok => 2,
        c if c.is_pending() => 1,
        _ => 0,
    };
    let mut accounts: Vec<&Account> = model.accounts.iter().collect();
    accounts.sort_by_key(|a| rank(a));
    accounts
}

fn name(a: &Account) -> String {
    match &a.label {
        Some(label) => format!("{} ({label})", a.name),
        None => a.name.clone(),
    }
}

/// An account's lines: its name (and label) and state, then its error in full, wrapped.
fn entry<'a>(a: &Account, model: &Model, theme: &Theme, name_width: usize, width: usize) -> Vec<Line<'a>> {
    let (words, style) = connection_words(a, model, theme, false);
    let head = vec![
        styled(text::pad(&name(a), name_width), theme.bold),
        gap(2),
        styled(words, style),
    ];
    let mut lines = vec![layout::fit_line(head, width)];
    if let Some(error) = error_text(&a.connection) {
        let indent = " ".repeat(INDENT);
        for line in text::wrap(error, width.saturating_sub(INDENT).max(1)) {
            lines.push(Line::from(vec![Span::raw(indent.clone()), styled(line, theme.dim)]));
        }
    }
    lines
}

/// The full error behind a failing state, where there is one.
fn error_text(connection: &Connection) -> Option<&str> {
    match connection {
        Connection::Retrying { error, .. } => Some(error),
        Connection::BadKey(error) | Connection::Degraded(error) | Connection::NoKey(error) => Some(error),
        Connection::Connecting | Connection::ReadingKey | Connection::Ok => None,
    }
}
