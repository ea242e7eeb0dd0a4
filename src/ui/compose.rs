//! The compose box under the thread: the draft in the tui-textarea widget (through our
//! `Composer`), a title that says what Enter does or why sending is not possible yet.

use super::Theme;
use super::layout::{self, styled};
use super::text;
use crate::app::compose::Composer;
use crate::app::keymap::{Action, Context};
use crate::app::model::{Focus, Model};
use crate::domain::ConversationKey;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;

/// The box is 3 lines high for one line of text and grows with the draft up to this.
const MAX_HEIGHT: u16 = 6;
const MIN_HEIGHT: u16 = 3;

/// How high the box is for this draft at this width: its lines as they wrap, plus the border.
pub fn height(model: &Model, key: &ConversationKey, width: u16) -> u16 {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let lines: usize = match model.drafts.get(key) {
        // Stop counting once the box is as high as it gets: a long draft costs no more.
        Some(draft) => draft
            .widget()
            .lines()
            .iter()
            .take(usize::from(MAX_HEIGHT))
            .map(|l| text::width(l).div_ceil(inner).max(1))
            .sum(),
        None => 1,
    };
    u16::try_from(lines)
        .unwrap_or(u16::MAX)
        .saturating_add(2)
        .clamp(MIN_HEIGHT, MAX_HEIGHT)
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme, key: &ConversationKey) {
    let focused = model.focus == Focus::Compose;
    let keymap = &model.keymap;
    let can_send = model.can_send(key);
    let write = keymap.hint(Context::Thread, Action::Compose);
    let (title, title_style) = match (&can_send, focused) {
        (Ok(()), true) => (
            format!(
                "{} send · {} newline · {} leave",
                keymap.hint(Context::Compose, Action::Send),
                keymap.hint(Context::Compose, Action::NewLine),
                keymap.hint(Context::Compose, Action::LeaveCompose),
            ),
            theme.bold,
        ),
        (Ok(()), false) => (format!("Reply · {write} to write"), Style::new()),
        // Typing is still allowed (the draft is kept); the title says what to do first.
        (Err(why), _) => (why.clone(), theme.warn),
    };
    let block = layout::pane(theme, focused, vec![styled(title, title_style)], area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width < 2 || inner.height == 0 {
        return;
    }

    // The model's editor is shared; a copy carries this frame's styles. A draft is small.
    let fresh;
    let draft = match model.drafts.get(key) {
        Some(d) => d,
        None => {
            fresh = Composer::new();
            &fresh
        }
    };
    let mut area_widget = draft.widget().clone();
    area_widget.set_cursor_line_style(Style::new());
    area_widget.set_placeholder_style(theme.dim);
    // The widget's own default is a light blue background: reverse video works without colour.
    area_widget.set_selection_style(theme.selected);
    if focused {
        area_widget.set_style(Style::new());
        area_widget.set_cursor_style(theme.cursor);
        area_widget.set_placeholder_text("type your reply");
    } else {
        // Dimmed and without a cursor: it is not where the keys go.
        area_widget.set_style(theme.dim);
        area_widget.set_cursor_style(theme.dim);
        area_widget.set_placeholder_text(format!("{write} to write"));
    }
    frame.render_widget(&area_widget, inner);
    if focused {
        // The terminal cursor too, for terminals and screen readers that follow it.
        let screen = area_widget.screen_cursor();
        let (top, left) = area_widget.scroll_offset();
        let row = screen.row.saturating_sub(usize::from(top));
        let col = screen.col.saturating_sub(usize::from(left));
        if row < usize::from(inner.height) && col < usize::from(inner.width) {
            let x = inner.x.saturating_add(u16::try_from(col).unwrap_or(0));
            let y = inner.y.saturating_add(u16::try_from(row).unwrap_or(0));
            frame.set_cursor_position(Position::new(x, y));
        }
    }
}
