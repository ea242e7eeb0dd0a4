//! Rectangles and the pane frame shared by the views. The screen's split follows the numbers in
//! `app::screen`, which the model pages by. All arithmetic saturates: any size, including 0×0,
//! must lay out without panicking.

use super::Theme;
use crate::app::screen;
use crate::present::text;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

/// A screen big enough for the inbox, in its parts.
pub struct Parts {
    pub title: Rect,
    pub status: Rect,
    /// Above the status bar, while alerts wait.
    pub alerts: Option<Rect>,
    pub panes: Panes,
}

/// Between the title bar and the status bar.
pub enum Panes {
    /// Side by side: the list, and the thread (or its placeholder) on the right.
    Two { list: Rect, right: Rect },
    /// One pane at a time, the whole body.
    One(Rect),
}

/// Splits the screen, or `None` when it is below the least usable size. `alert_line`: a line
/// above the status bar for the alerts waiting.
pub fn split(area: Rect, alert_line: bool) -> Option<Parts> {
    if screen::too_small(area.width, area.height) {
        return None;
    }
    let body = Rect {
        y: area.y.saturating_add(1),
        height: screen::body_height(area.height, alert_line),
        ..area
    };
    let panes = if screen::two_panes(area.width) {
        let list_width = screen::list_width(body.width);
        let list = Rect {
            width: list_width,
            ..body
        };
        let right = Rect {
            x: body.x.saturating_add(list_width),
            width: body.width.saturating_sub(list_width),
            ..body
        };
        Panes::Two { list, right }
    } else {
        Panes::One(body)
    };
    Some(Parts {
        title: row(area, 0),
        status: row(area, area.height.saturating_sub(1)),
        alerts: alert_line.then(|| row(area, area.height.saturating_sub(2))),
        panes,
    })
}

/// Where the details panel goes: beside the list and the thread on a wide screen (taken from
/// the thread's side), or over the right of the body. `None` when it is hidden.
pub enum DetailsPane {
    Docked(Rect),
    Over(Rect),
}

/// Makes room for the details panel in `panes` (when `shown`), or says where it is drawn over.
pub fn details(panes: &mut Panes, screen_width: u16, shown: bool) -> Option<DetailsPane> {
    if !shown {
        return None;
    }
    let body = match panes {
        Panes::Two { list, right } => list.union(*right),
        Panes::One(body) => *body,
    };
    let width = screen::details_width(body.width);
    let panel = Rect {
        x: body.right().saturating_sub(width),
        width,
        ..body
    };
    match panes {
        Panes::Two { right, .. } if screen::three_panes(screen_width) => {
            right.width = right.width.saturating_sub(width);
            Some(DetailsPane::Docked(panel))
        }
        _ => Some(DetailsPane::Over(panel)),
    }
}

/// A `width`×`height` rectangle centred in `area`, shrunk to fit it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x.saturating_add((area.width - width) / 2),
        y: area.y.saturating_add((area.height - height) / 2),
        width,
        height,
    }
}

/// One line of `area`, `offset` lines from its top (empty when outside it).
pub fn row(area: Rect, offset: u16) -> Rect {
    if offset >= area.height {
        return Rect { height: 0, ..area };
    }
    Rect {
        y: area.y.saturating_add(offset),
        height: 1,
        ..area
    }
}

/// A bordered pane. The focused one gets a thick border, so focus shows without colour too.
pub fn pane<'a>(theme: &Theme, focused: bool, title: Vec<Span<'a>>, width: u16) -> Block<'a> {
    let (border_type, style) = if focused {
        (BorderType::Thick, theme.border_focused)
    } else {
        (BorderType::Plain, theme.border)
    };
    Block::bordered()
        .border_type(border_type)
        .border_style(style)
        .title(fit_title(title, width))
}

/// A border title cut to the pane's width (minus the corners), with a space either side.
pub fn fit_title<'a>(spans: Vec<Span<'a>>, width: u16) -> Line<'a> {
    let room = usize::from(width).saturating_sub(4);
    let mut out = vec![Span::raw(" ")];
    let mut used = 0usize;
    for span in spans {
        let w = text::width(&span.content);
        if used + w <= room {
            used += w;
            out.push(span);
        } else {
            let cut = text::truncate(&span.content, room.saturating_sub(used));
            if !cut.is_empty() {
                out.push(Span::styled(cut, span.style));
            }
            break;
        }
    }
    out.push(Span::raw(" "));
    Line::from(out)
}

/// A line of spans, cut with `…` once `max` cells are used.
pub fn fit_line<'a>(spans: Vec<Span<'a>>, max: usize) -> Line<'a> {
    let mut out = Vec::with_capacity(spans.len());
    let mut used = 0usize;
    for span in spans {
        let w = text::width(&span.content);
        if used + w <= max {
            used += w;
            out.push(span);
        } else {
            let cut = text::truncate(&span.content, max.saturating_sub(used));
            if !cut.is_empty() {
                out.push(Span::styled(cut, span.style));
            }
            break;
        }
    }
    Line::from(out)
}

/// The display width of some spans.
pub fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| text::width(&s.content)).sum()
}

/// Spaces to fill a gap.
pub fn gap(n: usize) -> Span<'static> {
    Span::raw(" ".repeat(n))
}

/// A styled span.
pub fn styled<'a>(content: impl Into<std::borrow::Cow<'a, str>>, style: Style) -> Span<'a> {
    Span::styled(content, style)
}

/// Before drawing a box over the screen: a wide character just left of it would cover the box's
/// left border (terminals draw it over two cells, and ratatui skips the cell it covers), so it
/// is blanked.
pub fn clear_straddling(buf: &mut ratatui::buffer::Buffer, rect: Rect) {
    let Some(x) = rect.x.checked_sub(1) else {
        return;
    };
    for y in rect.top()..rect.bottom() {
        if let Some(cell) = buf.cell_mut((x, y))
            && text::width(cell.symbol()) > 1
        {
            cell.set_symbol(" ");
        }
    }
}
