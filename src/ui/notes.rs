//! Notes in the thread (issue 13, point 3): drawn in their own style, behind a bar, with the
//! label of where they live, so a note is never mistaken for a message.

use super::Theme;
use super::layout::{self, gap, styled};
use super::thread::tail_lines;
use crate::domain::{Note, NoteState};
use ratatui::style::Modifier;
use ratatui::text::Line;

/// A note: its label (where it lives, who wrote it, whether it is saved) and its text behind a
/// bar, in the note style — never drawn like a message.
pub(super) fn note_block(note: &Note, theme: &Theme, width: usize, gutter: usize, room: usize) -> Vec<Line<'static>> {
    let time = note.created_at.with_timezone(&theme.offset).format("%H:%M").to_string();
    let mut label = vec![
        styled(time, theme.dim),
        gap(2),
        styled(
            format!("✎ {}", note.place.label()),
            theme.note.add_modifier(Modifier::BOLD),
        ),
    ];
    if let Some(author) = &note.author {
        label.push(styled(format!(" · {author}"), theme.dim));
    }
    match &note.state {
        NoteState::Saved => {}
        NoteState::Saving => label.push(styled(" · saving…", theme.warn)),
        NoteState::Unknown(reason) => label.push(styled(
            format!(" · may not be saved — look before writing it again ({reason})"),
            theme.warn,
        )),
    }
    let mut block = vec![layout::fit_line(label, width)];
    let indent = gutter.saturating_sub(2);
    for l in tail_lines(&note.text, width.saturating_sub(indent + 2), room) {
        block.push(Line::from(vec![
            gap(indent),
            styled("┃ ", theme.note),
            styled(l, theme.note),
        ]));
    }
    block
}
