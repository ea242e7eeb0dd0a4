//! The compose box's text: a small type of ours around tui-textarea, so the editor can be
//! replaced without touching the rest (tui-textarea has pinned projects to old ratatui before).

use super::key::{Key, KeyCode};
use ratatui::style::{Modifier, Style};
use tui_textarea::{CursorMove, Input, Key as TaKey, TextArea, WrapMode};

/// What an empty box says: where to type, or which key starts writing.
pub fn placeholder(keymap: &super::keymap::Keymap, focused: bool) -> String {
    use super::keymap::{Action, Context};
    if focused {
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
        Composer { area, focused: None }
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
}
