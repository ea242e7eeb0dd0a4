//! The mouse, where `[ui] mouse = true` turns it on: a click on a list row selects it, a click
//! on the selected row opens it, a click on the thread pane gives it the keys; the wheel moves
//! through the list, scrolls the thread under the pointer, and scrolls an overlay as its arrow
//! keys do. Positions are cells from the top left, as the terminal reports them.

use super::key::{Key, KeyCode};
use super::keymap::Action;
use super::model::{Focus, Model};
use super::msg::Cmd;
use super::screen;
use super::{inbox, input, thread};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseKind {
    /// The left button pressed.
    Click,
    WheelUp,
    WheelDown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
}

/// The first screen line of the list's rows: below the title bar and the pane's top border.
const FIRST_ROW_LINE: u16 = 2;

pub(super) fn on_mouse(model: &mut Model, mouse: Mouse) -> Vec<Cmd> {
    if screen::too_small(model.width, model.height) {
        return vec![];
    }
    if model.overlay.is_some() || model.filter_input.is_some() {
        // An overlay scrolls with its arrow keys; a click there does nothing.
        let code = match mouse.kind {
            MouseKind::WheelUp => KeyCode::Up,
            MouseKind::WheelDown => KeyCode::Down,
            MouseKind::Click => return vec![],
        };
        return input::on_key(model, Key::new(code));
    }
    let on_list = list_visible(model) && !on_thread(model, mouse.column);
    match (mouse.kind, on_list) {
        (MouseKind::Click, true) => click_row(model, mouse.row),
        (MouseKind::Click, false) => {
            if model.open.is_some() && model.focus == Focus::List {
                model.focus = Focus::Thread;
            }
            vec![]
        }
        (MouseKind::WheelUp, true) => inbox::move_cursor(model, -1),
        (MouseKind::WheelDown, true) => inbox::move_cursor(model, 1),
        (MouseKind::WheelUp, false) => scroll_thread(model, Action::Up),
        (MouseKind::WheelDown, false) => scroll_thread(model, Action::Down),
    }
}

/// The list shows: beside the thread, or alone while it has the keys.
fn list_visible(model: &Model) -> bool {
    screen::two_panes(model.width) || model.focus == Focus::List
}

/// Whether `column` is on the thread's pane (two panes: right of the list).
fn on_thread(model: &Model, column: u16) -> bool {
    if screen::two_panes(model.width) {
        column >= screen::list_width(model.width)
    } else {
        model.focus != Focus::List
    }
}

/// A click on a list line: its conversation is selected; clicked again, opened.
fn click_row(model: &mut Model, line: u16) -> Vec<Cmd> {
    let Some(offset) = line.checked_sub(FIRST_ROW_LINE) else {
        return vec![];
    };
    let row = usize::from(offset) / screen::ROW_HEIGHT;
    if row >= model.list_capacity() {
        return vec![];
    }
    let index = model.list_top + row;
    let Some(key) = model.rows.get(index).cloned() else {
        return vec![];
    };
    if model.selected.as_ref() == Some(&key) {
        return thread::open(model, key);
    }
    model.select_index(index);
    model.focus = Focus::List;
    vec![]
}

fn scroll_thread(model: &mut Model, action: Action) -> Vec<Cmd> {
    if model.open.is_some() {
        thread::scroll_thread(model, action);
    }
    vec![]
}
