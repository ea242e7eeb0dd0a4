//! The compose box's text: a small type of ours around tui-textarea, so the editor can be
//! replaced without touching the rest (tui-textarea has pinned projects to old ratatui before).

use super::key::{Key, KeyCode};
use tui_textarea::{CursorMove, Input, Key as TaKey, TextArea, WrapMode};

#[derive(Clone, Debug)]
pub struct Composer {
    area: TextArea<'static>,
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
        Composer { area }
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
