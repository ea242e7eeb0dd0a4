//! The search view (`s`): the query line, then each hit on two lines — the conversation's
//! customer and account, then the matching text with the matched words emphasised.

use super::Theme;
use super::help::{overlay_area, overlay_frame};
use super::layout::{self, gap, styled};
use crate::app::keymap::{Action, Context};
use crate::app::model::Model;
use crate::app::search::{Search, SearchHit, hits_on_screen};
use crate::present::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(frame: &mut Frame, screen: Rect, model: &Model, theme: &Theme, search: &Search) {
    let rect = overlay_area(screen);
    if rect.width < 12 || rect.height < 5 {
        return;
    }
    let open = model.keymap.hint(Context::Filter, Action::Open);
    let close = model.keymap.hint(Context::Filter, Action::Back);
    let bottom = vec![
        styled("↑/↓", theme.key),
        Span::raw(" move · "),
        styled(open, theme.key),
        Span::raw(" open · "),
        styled("Ctrl+U", theme.key),
        Span::raw(" clear · "),
        styled(close, theme.key),
        Span::raw(" leave"),
    ];
    let inner = overlay_frame(frame, rect, theme, "Search", bottom);
    let inner = Rect {
        x: inner.x.saturating_add(1),
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let width = usize::from(inner.width);
    let mut lines = vec![query_line(search, theme, width), Line::from(summary(search, theme))];
    let shown = hits_on_screen(model);
    for (i, hit) in search.hits.iter().enumerate().skip(search.top).take(shown) {
        let selected = i == search.cursor;
        let [head, snippet] = hit_lines(model, theme, hit, width);
        if selected {
            lines.push(head.style(theme.selected));
        } else {
            lines.push(head);
        }
        lines.push(snippet);
    }
    lines.truncate(usize::from(inner.height));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `search: words▏`, the end of a long query shown, where the typing is.
fn query_line(search: &Search, theme: &Theme, width: usize) -> Line<'static> {
    let label = "search: ";
    let shown = text::tail(&search.query, width.saturating_sub(label.len() + 1));
    Line::from(vec![
        styled(label, theme.key),
        Span::raw(shown),
        styled("▏", theme.bold),
    ])
}

fn summary(search: &Search, theme: &Theme) -> Span<'static> {
    let words = match (search.query.trim().is_empty(), search.answered, search.hits.len()) {
        (true, _, _) => "type to search every conversation and message".to_string(),
        (false, false, _) => "searching…".to_string(),
        (false, true, 0) => "nothing matches".to_string(),
        (false, true, 1) => "1 match".to_string(),
        (false, true, n) if n >= crate::app::search::HITS => format!("the first {n} matches"),
        (false, true, n) => format!("{n} matches"),
    };
    styled(words, theme.dim)
}

/// The conversation (customer · account, where it matched), then the snippet indented.
fn hit_lines(model: &Model, theme: &Theme, hit: &SearchHit, width: usize) -> [Line<'static>; 2] {
    let conversation = model.conversations.get(&hit.key);
    let name = conversation.map_or_else(|| hit.key.id.clone(), |c| c.customer_name.clone());
    let mark = conversation.map_or("", |c| crate::present::status_mark(&c.status));
    let place = if hit.message.is_some() {
        "message"
    } else {
        "conversation"
    };
    let head = layout::fit_line(
        vec![
            styled(
                format!("{mark:<4}"),
                conversation.map_or(theme.dim, |c| theme.mark(&c.status)),
            ),
            gap(1),
            styled(name, theme.bold),
            styled(format!(" · {} · {place}", hit.key.account), theme.dim),
        ],
        width,
    );
    let mut spans = vec![gap(5)];
    for (piece, matched) in &hit.snippet {
        let style = if *matched {
            theme.notice.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            theme.dim
        };
        spans.push(styled(piece.clone(), style));
    }
    [head, layout::fit_line(spans, width)]
}
