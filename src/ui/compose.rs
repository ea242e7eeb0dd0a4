//! The compose box under the thread: the draft in the tui-textarea widget (through our
//! `Composer`), a title that says what Enter does or why sending is not possible yet.

use super::Theme;
use super::layout::{self, styled};
use crate::app::compose;
use crate::app::keymap::{Action, Context};
use crate::app::model::{Focus, Model};
use crate::domain::ConversationKey;
use crate::present::text;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Block, BorderType};

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
        // A colleague's conversation: typing is allowed, sending asks first.
        (Ok(()), _) if let Some(who) = model.held_by_other(key) => (format!("{who} — sending asks first"), theme.warn),
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
    let block = if crate::app::notes::writing_note(model, key) {
        note_pane(model, theme, focused, area.width)
    } else {
        layout::pane(theme, focused, vec![styled(title, title_style)], area.width)
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width < 2 || inner.height == 0 {
        return;
    }

    // The model's editor, styled by `update` as focus moves; a conversation without a draft
    // gets an empty one styled here.
    let fresh;
    let draft = match model.drafts.get(key).filter(|d| d.is_focused() == focused) {
        Some(d) => d,
        None => {
            let mut empty = model.drafts.get(key).cloned().unwrap_or_default();
            let note = crate::app::notes::writing_note(model, key);
            empty.show_note(note);
            empty.show_focus(focused, || compose::placeholder_for(&model.keymap, focused, note));
            fresh = empty;
            &fresh
        }
    };
    let area_widget = draft.view(inner.width, inner.height);
    let area_widget = &*area_widget;
    frame.render_widget(area_widget, inner);
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

/// The box while it writes a note (issue 13, point 3): its title says so first and its border is
/// another colour and doubled (seen without colour too). A note needs no takeover, so the title
/// says what the keys do whatever the conversation's state.
fn note_pane<'a>(model: &Model, theme: &Theme, focused: bool, width: u16) -> Block<'a> {
    let keymap = &model.keymap;
    let keys = if focused {
        format!(
            " · {} save · {} reply instead · {} leave",
            keymap.hint(Context::Compose, Action::Send),
            keymap.hint(Context::Compose, Action::ToggleNote),
            keymap.hint(Context::Compose, Action::LeaveCompose),
        )
    } else {
        format!(" · {} to write", keymap.hint(Context::Thread, Action::Note))
    };
    let title = vec![
        styled("Note — not sent to the customer", theme.note_border),
        styled(keys, if focused { theme.bold } else { Style::new() }),
    ];
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.note_border)
        .title(layout::fit_title(title, width))
}
