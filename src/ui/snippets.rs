//! The snippet picker: what is typed, the snippets it matches (name, and the start of the text
//! as it would be inserted here), the chosen one highlighted, and its keys.

use super::Theme;
use super::help::{overlay_area, overlay_frame};
use super::layout::{self, styled};
use crate::app::keymap::{Action, Context};
use crate::app::model::Model;
use crate::app::snippets::{self, Picker};
use crate::present::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The widest the box grows, and the widest a name column gets.
const MAX_WIDTH: usize = 76;
const MAX_NAME: usize = 16;

pub fn render(frame: &mut Frame, screen: Rect, model: &Model, theme: &Theme, picker: &Picker) {
    let available = overlay_area(screen);
    if available.width < 12 || available.height < 5 {
        return;
    }
    // The query line, then one row per match (or the word that none matches).
    let wanted_rows = picker.matches.len().max(1);
    let height = (wanted_rows + 3).min(usize::from(available.height));
    let width = MAX_WIDTH.min(usize::from(available.width));
    let to_u16 = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    let rect = layout::centered(available, to_u16(width), to_u16(height));
    let key = |context, action| model.keymap.hint(context, action);
    let bottom = vec![
        styled("↑↓", theme.key),
        Span::raw(" choose  "),
        styled(key(Context::Filter, Action::Open), theme.key),
        Span::raw(" insert  "),
        styled(key(Context::Filter, Action::Back), theme.key),
        Span::raw(" close "),
    ];
    let inner = overlay_frame(frame, rect, theme, "Snippets", bottom);
    let inner_width = usize::from(inner.width.saturating_sub(2));
    let mut lines = vec![query_line(picker, theme, inner_width)];
    let visible = usize::from(inner.height).saturating_sub(1);
    // Scrolled so the chosen one shows; only the rows on screen are expanded.
    let top = picker.chosen.saturating_sub(visible.saturating_sub(1));
    let rows = snippets::rows(model, picker, top..top + visible);
    // As wide as the longest name among all the matches, so it stays put while scrolling.
    let name_width = picker
        .matches
        .iter()
        .filter_map(|&i| model.snippets.list.get(i))
        .map(|s| text::width(&s.name))
        .max()
        .unwrap_or(0)
        .min(MAX_NAME);
    let chosen = picker.chosen - top;
    lines.extend(match_lines(&rows, chosen, name_width, inner_width, theme));
    let body = Rect {
        x: inner.x.saturating_add(1),
        width: inner.width.saturating_sub(2),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines), body);
    // The terminal cursor where typing goes, not in the compose box beneath.
    let typed = text::width(&text::tail(&picker.query, inner_width.saturating_sub(3)));
    let x = body
        .x
        .saturating_add(to_u16(2 + typed))
        .min(body.right().saturating_sub(1));
    frame.set_cursor_position(ratatui::layout::Position::new(x, body.y));
}

/// `> query▏`: what filters the list, its end marked where typing goes.
fn query_line<'a>(picker: &Picker, theme: &Theme, width: usize) -> Line<'a> {
    let shown = text::tail(&picker.query, width.saturating_sub(3));
    Line::from(vec![
        styled("> ", theme.key),
        styled(shown, theme.bold),
        styled(" ", theme.cursor),
    ])
}

/// The matching snippets on screen, `chosen` counted from the first of them.
fn match_lines<'a>(
    rows: &[(String, String)],
    chosen: usize,
    name_width: usize,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    if rows.is_empty() {
        return vec![Line::from(styled("no snippet matches", theme.dim))];
    }
    rows.iter()
        .enumerate()
        .map(|(i, (name, preview))| {
            let name = text::pad(&text::truncate(name, name_width), name_width);
            let preview = text::truncate(preview, width.saturating_sub(name_width + 2));
            let line = Line::from(vec![
                styled(name, theme.bold),
                Span::raw("  "),
                styled(preview, theme.dim),
            ]);
            if i == chosen { line.style(theme.selected) } else { line }
        })
        .collect()
}
