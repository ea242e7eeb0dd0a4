//! The few styles the view uses. With `NO_COLOR` every style is made of modifiers only (bold,
//! dim, reverse, underline), so nothing depends on colour: the marks and words carry meaning.

use crate::domain::{Holder, Status};
use chrono::{FixedOffset, Offset};
use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub no_color: bool,
    /// "handoff" in the title bar.
    pub title: Style,
    pub tab: Style,
    pub tab_active: Style,
    /// The demo banner: it must not be missed.
    pub demo: Style,
    pub border: Style,
    pub border_focused: Style,
    /// The selected list row with `[ui] selection = "row"`. Reverse video, so it shows without
    /// colour.
    pub selected: Style,
    /// The bar beside the selected row (`list::SELECTION_MARK`): its shape shows without colour.
    pub selection_mark: Style,
    pub unread: Style,
    pub mark_ai: Style,
    pub mark_need: Style,
    pub mark_you: Style,
    pub mark_human: Style,
    pub mark_done: Style,
    pub dim: Style,
    pub bold: Style,
    pub error: Style,
    pub notice: Style,
    pub ok: Style,
    pub warn: Style,
    /// The "new" divider in a thread.
    pub divider: Style,
    /// The mode label at the left of the status bar.
    pub mode: Style,
    /// Key names in hints.
    pub key: Style,
    /// Message authors.
    pub customer: Style,
    pub ai: Style,
    pub me: Style,
    pub operator: Style,
    /// The compose box's own cursor (the terminal cursor is placed there too).
    pub cursor: Style,
    /// Notes in the thread, and the compose box's border while it writes one (issue 13, point 3).
    pub note: Style,
    pub note_border: Style,
    /// Message times and day separators are shown at this offset from UTC. `Theme::new` takes the
    /// local offset once; tests set UTC so snapshots do not depend on the machine's zone.
    pub offset: FixedOffset,
}

impl Theme {
    pub fn new(no_color: bool) -> Theme {
        let offset = chrono::Local::now().offset().fix();
        let plain = Style::new();
        let bold = plain.add_modifier(Modifier::BOLD);
        let dim = plain.add_modifier(Modifier::DIM);
        let reversed = plain.add_modifier(Modifier::REVERSED);
        // In colour, a hue on top of the same modifiers: the modifiers alone already work.
        let hue = |style: Style, color: Color| if no_color { style } else { style.fg(color) };
        // The focused pane's border and the selection's bar. Without colour, no bold either: the
        // thick border and the bar's shape say it, and bold would cost an SGR pair at each
        // border cell a frame writes (every list row a scroll brings in).
        let accent = if no_color { plain } else { bold.fg(Color::Cyan) };
        Theme {
            no_color,
            title: bold,
            tab: plain,
            tab_active: reversed.add_modifier(Modifier::BOLD),
            demo: if no_color {
                reversed.add_modifier(Modifier::BOLD)
            } else {
                bold.fg(Color::Black).bg(Color::Yellow)
            },
            border: hue(plain, Color::DarkGray),
            border_focused: accent,
            selected: reversed,
            selection_mark: accent,
            unread: hue(bold, Color::Cyan),
            mark_ai: hue(plain, Color::Blue),
            mark_need: hue(bold, Color::Red),
            mark_you: hue(bold, Color::Green),
            mark_human: hue(plain, Color::Magenta),
            mark_done: hue(dim, Color::DarkGray),
            dim,
            bold,
            error: hue(bold, Color::Red),
            notice: hue(plain, Color::Cyan),
            ok: hue(plain, Color::Green),
            warn: hue(bold, Color::Yellow),
            divider: hue(bold, Color::Red),
            mode: reversed.add_modifier(Modifier::BOLD),
            key: hue(bold, Color::Cyan),
            customer: hue(bold, Color::Yellow),
            ai: hue(bold, Color::Blue),
            me: hue(bold, Color::Green),
            operator: hue(bold, Color::Magenta),
            cursor: reversed,
            note: hue(plain.add_modifier(Modifier::ITALIC), Color::Yellow),
            note_border: hue(bold, Color::Yellow),
            offset,
        }
    }

    /// The style of a status mark (AI / NEED / YOU / HUM / DONE).
    pub fn mark(&self, status: &Status) -> Style {
        match status {
            Status::Ai => self.mark_ai,
            Status::NeedsHuman => self.mark_need,
            Status::Human { by: Holder::Me } => self.mark_you,
            Status::Human { .. } => self.mark_human,
            Status::Resolved => self.mark_done,
        }
    }
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::new(false)
    }
}
