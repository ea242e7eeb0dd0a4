//! The screen's layout numbers: the least usable size, when the list and the thread stand side
//! by side, how wide the list is, and how many conversation rows fit. The model needs them to
//! page and keep the cursor in view; the view (`ui/layout.rs`, `ui/list.rs`) reads the same
//! ones, so the two cannot disagree. Plain numbers, no terminal types; arithmetic saturates.

/// Below this the layout cannot show a usable inbox; the view says so instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// From this width the list and the thread stand side by side.
pub const TWO_PANE_WIDTH: u16 = 100;
/// Lines per conversation in the list: the summary line and the preview line.
pub const ROW_HEIGHT: usize = 2;
/// The list's share of a two-pane screen, and its least width.
const LIST_PERCENT: u16 = 40;
const LIST_MIN_WIDTH: u16 = 38;

/// From this width the details panel stands as a third pane beside the list and the thread;
/// narrower, it is drawn over the right side of the body.
pub const THREE_PANE_WIDTH: u16 = 160;
/// The details panel's share of the screen, and its least and largest widths.
const DETAILS_PERCENT: u16 = 25;
const DETAILS_MIN_WIDTH: u16 = 36;
const DETAILS_MAX_WIDTH: u16 = 56;
/// Over a narrow screen, the panel leaves at least this much of the body beside it.
const DETAILS_LEAVES: u16 = 20;

pub fn three_panes(width: u16) -> bool {
    width >= THREE_PANE_WIDTH
}

/// The details panel's width on a screen (or body) `width` cells wide.
pub fn details_width(width: u16) -> u16 {
    let share = u32::from(width) * u32::from(DETAILS_PERCENT) / 100;
    let wanted = u16::try_from(share)
        .unwrap_or(u16::MAX)
        .clamp(DETAILS_MIN_WIDTH, DETAILS_MAX_WIDTH);
    wanted
        .min(width.saturating_sub(DETAILS_LEAVES))
        .max(width.min(DETAILS_MIN_WIDTH / 2))
}

pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

pub fn two_panes(width: u16) -> bool {
    width >= TWO_PANE_WIDTH
}

/// The lines between the title bar and the status bar (and the alert line above it, while
/// alerts wait).
pub fn body_height(height: u16, alert_line: bool) -> u16 {
    height.saturating_sub(2 + u16::from(alert_line))
}

/// The list pane's width on a two-pane screen `width` cells wide; the thread gets the rest.
pub fn list_width(width: u16) -> u16 {
    let share = u32::from(width) * u32::from(LIST_PERCENT) / 100;
    u16::try_from(share).unwrap_or(u16::MAX).max(LIST_MIN_WIDTH).min(width)
}

/// Conversation rows that fit in a list pane `pane_height` lines tall (its borders aside).
pub fn rows_in_pane(pane_height: u16) -> usize {
    usize::from(pane_height.saturating_sub(2)) / ROW_HEIGHT
}

/// Conversation rows that fit in the list on a screen `height` lines tall.
pub fn list_capacity(height: u16, alert_line: bool) -> usize {
    rows_in_pane(body_height(height, alert_line))
}

/// How the list follows a cursor that leaves the page: a row at a time, or a page at a time
/// (`[ui] scroll = "page"`, as mutt's: fewer, whole redraws for the slowest links).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scroll {
    #[default]
    Line,
    Page,
}

/// How the selected list row shows: a bar in a column of its own on both of its lines (the
/// default: a move rewrites a few cells, where a reversed row rewrites both rows whole), or the
/// whole row in reverse video (`[ui] selection = "row"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    #[default]
    Mark,
    Row,
}

/// The first row to show so that `cursor` is among `capacity` rows from it, as `mode` scrolls.
pub fn scroll_by(mode: Scroll, top: usize, cursor: usize, capacity: usize) -> usize {
    let capacity = capacity.max(1);
    match mode {
        Scroll::Line => scroll_to(top, cursor, capacity),
        // Off the bottom: the next page starts at the cursor; off the top: ends at it.
        Scroll::Page if cursor >= top.saturating_add(capacity) => cursor,
        Scroll::Page if cursor < top => (cursor + 1).saturating_sub(capacity),
        Scroll::Page => top,
    }
}

/// The first row to show so that `cursor` is among `capacity` rows from it, moving `top` as
/// little as possible.
pub fn scroll_to(top: usize, cursor: usize, capacity: usize) -> usize {
    let capacity = capacity.max(1);
    if cursor < top {
        cursor
    } else if cursor >= top.saturating_add(capacity) {
        cursor - (capacity - 1)
    } else {
        top
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_what_its_pane_holds() {
        // 24 lines: title and status bars, two borders, 20 lines of two-line rows.
        assert_eq!(list_capacity(24, false), 10);
        assert_eq!(list_capacity(25, false), 10);
        assert_eq!(list_capacity(3, false), 0);
        assert_eq!(list_capacity(0, false), 0);
        for height in 0..=u16::MAX {
            assert_eq!(
                list_capacity(height, false),
                usize::from(height).saturating_sub(4) / ROW_HEIGHT
            );
        }
        // The alert line takes a line from the list: 24 lines leave 19, nine rows.
        assert_eq!(list_capacity(24, true), 9);
        assert_eq!(list_capacity(2, true), 0);
    }

    #[test]
    fn sizes_and_panes() {
        assert!(too_small(MIN_WIDTH - 1, MIN_HEIGHT));
        assert!(too_small(MIN_WIDTH, MIN_HEIGHT - 1));
        assert!(!too_small(MIN_WIDTH, MIN_HEIGHT));
        assert!(!two_panes(TWO_PANE_WIDTH - 1));
        assert!(two_panes(TWO_PANE_WIDTH));
        assert_eq!(list_width(100), 40);
        assert_eq!(list_width(120), 48);
        assert_eq!(list_width(u16::MAX), 26214);
        // The least width wins over the share, and the screen's width over both.
        assert_eq!(list_width(90), 38);
        assert_eq!(list_width(20), 20);
    }

    #[test]
    fn the_details_panel_is_a_third_pane_from_160_columns() {
        assert!(!three_panes(THREE_PANE_WIDTH - 1));
        assert!(three_panes(THREE_PANE_WIDTH));
        assert_eq!(details_width(160), 40);
        assert_eq!(details_width(200), 50);
        assert_eq!(details_width(400), DETAILS_MAX_WIDTH);
        // Narrow: the least width, leaving some of the body beside it.
        assert_eq!(details_width(80), 36);
        assert_eq!(details_width(50), 30);
        for width in 0..=u16::MAX {
            assert!(details_width(width) <= width);
        }
    }

    #[test]
    fn scrolling_moves_the_top_only_as_far_as_the_cursor_needs() {
        assert_eq!(scroll_to(5, 2, 10), 2);
        assert_eq!(scroll_to(5, 9, 10), 5);
        assert_eq!(scroll_to(5, 15, 10), 6);
        // No room at all still shows the cursor's row.
        assert_eq!(scroll_to(0, 3, 0), 3);
        assert_eq!(scroll_to(usize::MAX, usize::MAX, 1), usize::MAX);
    }

    #[test]
    fn scrolling_by_page_turns_whole_pages() {
        assert_eq!(scroll_by(Scroll::Page, 0, 9, 10), 0);
        assert_eq!(scroll_by(Scroll::Page, 0, 10, 10), 10);
        assert_eq!(scroll_by(Scroll::Page, 10, 9, 10), 0);
        assert_eq!(scroll_by(Scroll::Page, 10, 3, 10), 0);
        assert_eq!(scroll_by(Scroll::Page, 10, 15, 10), 10);
        assert_eq!(scroll_by(Scroll::Line, 0, 10, 10), 1);
        assert_eq!(scroll_by(Scroll::Page, usize::MAX, usize::MAX, 0), usize::MAX);
    }
}
