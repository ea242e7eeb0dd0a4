//! The compose box's text: a small type of ours around tui-textarea, so the editor can be
//! replaced without touching the rest (tui-textarea has pinned projects to old ratatui before).

use super::key::{Key, KeyCode};
use ratatui::style::{Modifier, Style};
use std::borrow::Cow;
use tui_textarea::{CursorMove, Input, Key as TaKey, TextArea, WrapMode};

/// What an empty box says: where to type, or which key starts writing.
pub fn placeholder(keymap: &super::keymap::Keymap, focused: bool) -> String {
    placeholder_for(keymap, focused, false)
}

/// [`placeholder`] for a box that writes a note (`note`) or a reply.
pub fn placeholder_for(keymap: &super::keymap::Keymap, focused: bool, note: bool) -> String {
    use super::keymap::{Action, Context};
    if focused && note {
        "type your note — it is never sent to the customer".into()
    } else if focused {
        "type your reply".into()
    } else {
        format!("{} to write", keymap.hint(Context::Thread, Action::Compose))
    }
}

#[derive(Clone, Debug)]
pub struct Composer {
    area: TextArea<'static>,
    /// Whether the widget is styled as focused (`None`: not styled yet). The styles live here,
    /// not in the view, so a frame renders the editor by reference: copying a 1 MB draft on
    /// every frame cost tens of milliseconds. They use modifiers only, so they need no theme.
    focused: Option<bool>,
    /// Whether it is styled as writing a note (its placeholder says so).
    note: bool,
}

impl Default for Composer {
    fn default() -> Self {
        Composer::new()
    }
}

impl Composer {
    pub fn new() -> Self {
        let mut area = TextArea::default();
        area.set_wrap_mode(WrapMode::WordOrGlyph);
        area.set_cursor_line_style(Style::new());
        area.set_placeholder_style(Style::new().add_modifier(Modifier::DIM));
        // The widget's own default is a light blue background: reverse video works without colour.
        area.set_selection_style(Style::new().add_modifier(Modifier::REVERSED));
        Composer {
            area,
            focused: None,
            note: false,
        }
    }

    /// Styles the box as where the keys go (cursor shown) or not (dimmed, no cursor), with the
    /// placeholder for an empty draft. Cheap when nothing changes.
    pub fn show_focus(&mut self, focused: bool, placeholder: impl FnOnce() -> String) {
        if self.focused == Some(focused) {
            return;
        }
        self.focused = Some(focused);
        let dim = Style::new().add_modifier(Modifier::DIM);
        if focused {
            self.area.set_style(Style::new());
            self.area
                .set_cursor_style(Style::new().add_modifier(Modifier::REVERSED));
        } else {
            self.area.set_style(dim);
            self.area.set_cursor_style(dim);
        }
        self.area.set_placeholder_text(placeholder());
    }

    /// Marks the box as writing a note or a reply; a change restyles it at the next
    /// [`Composer::show_focus`].
    pub fn show_note(&mut self, note: bool) {
        if self.note != note {
            self.note = note;
            self.focused = None;
        }
    }

    pub fn is_focused(&self) -> bool {
        self.focused == Some(true)
    }

    pub fn with_text(text: &str) -> Self {
        let mut c = Composer::new();
        c.insert(text);
        c
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.area.lines().iter().all(|l| l.is_empty())
    }

    /// Whether the cursor is on a line with nothing on it (where `/` opens the snippets).
    pub fn cursor_line_is_empty(&self) -> bool {
        let row = self.area.cursor().0;
        self.area.lines().get(row).is_none_or(|l| l.is_empty())
    }

    pub fn line_count(&self) -> usize {
        self.area.lines().len()
    }

    pub fn clear(&mut self) {
        *self = Composer::new();
    }

    /// Inserts text at the cursor (a paste: already sanitised by the caller), newlines kept.
    pub fn insert(&mut self, text: &str) {
        self.area.insert_str(text);
    }

    /// Adds text at the end, after a blank line when there is a draft already: nothing of
    /// either is lost.
    pub fn append(&mut self, text: &str) {
        self.area.move_cursor(tui_textarea::CursorMove::Bottom);
        self.area.move_cursor(tui_textarea::CursorMove::End);
        if !self.is_empty() {
            self.area.insert_str("\n\n");
        }
        self.area.insert_str(text);
    }

    pub fn newline(&mut self) {
        self.area.insert_newline();
    }

    /// An editing key (characters, arrows, backspace…). Keys bound to actions never get here.
    pub fn input(&mut self, key: Key) {
        let code = match key.code {
            KeyCode::Char(c) => TaKey::Char(c),
            KeyCode::Enter => TaKey::Enter,
            KeyCode::Backspace => TaKey::Backspace,
            KeyCode::Delete => TaKey::Delete,
            KeyCode::Left => TaKey::Left,
            KeyCode::Right => TaKey::Right,
            KeyCode::Up => TaKey::Up,
            KeyCode::Down => TaKey::Down,
            KeyCode::Home => TaKey::Home,
            KeyCode::End => TaKey::End,
            KeyCode::PageUp => TaKey::PageUp,
            KeyCode::PageDown => TaKey::PageDown,
            KeyCode::Tab => TaKey::Tab,
            _ => return,
        };
        self.area.input(Input {
            key: code,
            ctrl: key.ctrl,
            alt: key.alt,
            shift: key.shift,
        });
    }

    pub fn move_to_end(&mut self) {
        self.area.move_cursor(CursorMove::Bottom);
        self.area.move_cursor(CursorMove::End);
    }

    /// The widget, for the view to render.
    pub fn widget(&self) -> &TextArea<'static> {
        &self.area
    }

    /// The widget to draw in a `width`×`height` box, with the cursor in view: the draft
    /// itself, or, when it could wrap into more rows than tui-textarea can scroll to (it keeps
    /// its viewport in u16: after a 5 MB paste it showed row `n % 65536`), a copy of what the
    /// box can show around the cursor.
    pub fn view(&self, width: u16, height: u16) -> Cow<'_, TextArea<'static>> {
        // Every row holds at least one character, so a draft has at most this many rows.
        let most_rows: usize = self.area.lines().iter().map(|l| l.len().max(1)).sum();
        if most_rows + usize::from(height) < usize::from(u16::MAX) {
            return Cow::Borrowed(&self.area);
        }
        Cow::Owned(self.around_cursor(width, height))
    }

    /// The lines around the cursor, each cut to what a box this size can show of it: enough
    /// before the cursor to fill the box, and as much after it.
    fn around_cursor(&self, width: u16, height: u16) -> TextArea<'static> {
        let rows = usize::from(height.max(1));
        // The characters that fill the box; capped so cursor positions fit in u16.
        let keep = (usize::from(width.max(1)) * rows).min(usize::from(u16::MAX / 4));
        let lines = self.area.lines();
        let (row, col) = (self.area.cursor().0, self.area.cursor().1);
        let line = &lines[row];
        let start = col.saturating_sub(keep);
        let mut window: Vec<String> = Vec::new();
        // What the cursor line shows before the cursor fills the box, unless it was cut short.
        if start == 0 {
            for before in &lines[row.saturating_sub(rows)..row] {
                let chars = before.chars().count();
                window.push(chars_of(before, chars.saturating_sub(keep), chars).to_string());
            }
        }
        let cursor = (window.len(), col - start);
        window.push(chars_of(line, start, col + keep).to_string());
        for after in lines.iter().skip(row + 1).take(rows) {
            window.push(chars_of(after, 0, keep).to_string());
        }
        let mut area = TextArea::new(window);
        area.set_wrap_mode(self.area.wrap_mode());
        area.set_style(self.area.style());
        area.set_cursor_style(self.area.cursor_style());
        area.set_cursor_line_style(self.area.cursor_line_style());
        let to_u16 = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        area.move_cursor(CursorMove::Jump(to_u16(cursor.0), to_u16(cursor.1)));
        area
    }
}

/// The characters `from..to` of `line` (fewer where it is shorter).
fn chars_of(line: &str, from: usize, to: usize) -> &str {
    if to <= from {
        return "";
    }
    // ASCII (a pasted log, a long URL): characters are bytes, and a 1 MB line is not walked
    // on every frame to find the cursor.
    if line.is_ascii() {
        let begin = from.min(line.len());
        return &line[begin..to.min(line.len())];
    }
    let mut at = line.char_indices().map(|(i, _)| i).chain([line.len()]);
    let begin = at.nth(from).unwrap_or(line.len());
    let end = at.nth(to.saturating_sub(from).saturating_sub(1)).unwrap_or(line.len());
    &line[begin..end.max(begin)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_newlines_and_paste() {
        let mut c = Composer::new();
        assert!(c.is_empty());
        for ch in "hi".chars() {
            c.input(Key::new(KeyCode::Char(ch)));
        }
        c.newline();
        c.insert("two\nthree");
        assert_eq!(c.text(), "hi\ntwo\nthree");
        assert_eq!(c.line_count(), 3);
        c.input(Key::new(KeyCode::Backspace));
        assert_eq!(c.text(), "hi\ntwo\nthre");
        c.clear();
        assert!(c.is_empty());
    }

    #[test]
    fn characters_are_cut_on_their_boundaries() {
        assert_eq!(chars_of("héllo wörld", 1, 4), "éll");
        assert_eq!(chars_of("héllo", 3, 99), "lo");
        assert_eq!(chars_of("héllo", 9, 12), "");
        assert_eq!(chars_of("héllo", 2, 2), "");
        assert_eq!(chars_of("", 0, 5), "");
    }

    #[test]
    fn a_draft_too_long_for_the_viewport_is_shown_around_its_cursor() {
        let short = Composer::with_text("one\ntwo");
        assert!(matches!(short.view(40, 4), Cow::Borrowed(_)));
        // 70,000 lines: more rows than a u16 viewport can scroll to.
        let text: String = (0..70_000).map(|i| format!("line {i}\n")).collect();
        let mut long = Composer::with_text(&format!("{text}the end"));
        let window = long.view(40, 4);
        assert_eq!(window.lines()[window.lines().len() - 1], "the end");
        assert_eq!(window.lines()[0], "line 69996");
        assert_eq!(window.cursor(), (4, 7));
        // Moved to the top: the first lines, and the cursor on the first.
        long.area.move_cursor(CursorMove::Top);
        let column = long.widget().cursor().1;
        let window = long.view(40, 4);
        assert_eq!(window.lines(), ["line 0", "line 1", "line 2", "line 3", "line 4"]);
        assert_eq!(window.cursor(), (0, column));
    }
}
