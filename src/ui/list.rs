//! The list pane: two lines per conversation, only the rows that fit are looked at, so the cost
//! follows the pane's height, not the number of conversations.

use super::Theme;
use super::layout::{self, gap, styled};
use crate::app::model::{Model, View, shown_time};
use crate::app::screen::{self, ROW_HEIGHT, Selection};
use crate::domain::{Conversation, Holder, Status};
use crate::present::{ago, status_mark, text};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The selected row's mark, on both its lines, in a column of its own: a shape, so it reads
/// without colour, and a few cells to write when the selection moves (fzf's pointer, mutt's
/// `$arrow_cursor`).
pub const SELECTION_MARK: &str = "▌";
/// Width of the status mark column ("NEED" is the longest).
const MARK_WIDTH: usize = 4;
/// Width of the time column, right-aligned ("waits 12m").
const TIME_WIDTH: usize = 9;
/// Account handles longer than this are cut in the row (the thread header shows them whole).
const MAX_ACCOUNT_WIDTH: usize = 12;

pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme, focused: bool) {
    // How many the view has: its rows, or more where some are still on disk (resolved ones
    // are read a page at a time).
    let listed = model
        .counts
        .get(&model.view)
        .copied()
        .unwrap_or(0)
        .max(model.rows.len());
    let title = vec![
        styled(model.view.title(), theme.bold),
        Span::raw(format!(" ({listed})")),
    ];
    let mut block = layout::pane(theme, focused, title, area.width);
    let capacity = screen::rows_in_pane(area.height);
    let top = first_visible(model, capacity);
    if model.rows.len() > capacity && !model.rows.is_empty() {
        // Where we are in a long list: the scrollbar of a list too long to draw.
        let position = format!(" {}/{} ", model.cursor.saturating_add(1).min(model.rows.len()), listed);
        // In the border's own style: it changes with every step, and a style of its own would
        // cost two SGR sequences each time.
        block = block.title_bottom(Line::from(position).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    if model.rows.is_empty() {
        let line = Line::from(styled(empty_text(model), theme.dim));
        frame.render_widget(
            Paragraph::new(layout::fit_line(line.spans, usize::from(inner.width))),
            layout::row(inner, 1),
        );
        return;
    }
    let columns = Columns::new(model, usize::from(inner.width));
    for (slot, index) in (top..model.rows.len()).take(capacity).enumerate() {
        let Some(c) = model.conversations.get(&model.rows[index]) else {
            continue;
        };
        let y = u16::try_from(slot * ROW_HEIGHT).unwrap_or(u16::MAX);
        let rect = Rect {
            y: inner.y.saturating_add(y),
            height: (ROW_HEIGHT as u16).min(inner.height.saturating_sub(y)),
            ..inner
        };
        let selected = index == model.cursor;
        if selected && model.selection == Selection::Row {
            frame.buffer_mut().set_style(rect, theme.selected);
        }
        // Lines already fitted to the width: set straight into the buffer, no reflow.
        let lines = row_lines(model, theme, c, &columns, selected);
        for (dy, line) in (0u16..rect.height).zip(lines) {
            frame
                .buffer_mut()
                .set_line(rect.x, rect.y.saturating_add(dy), &line, rect.width);
        }
    }
}

/// The first row on screen: the model's, moved if needed so the cursor shows even when the
/// frame is smaller than the model thinks.
fn first_visible(model: &Model, capacity: usize) -> usize {
    let top = screen::scroll_to(model.list_top, model.cursor, capacity);
    top.min(model.rows.len().saturating_sub(1))
}

fn empty_text(model: &Model) -> String {
    if model.accounts.iter().any(|a| !a.synced) {
        return "No conversations yet — syncing…".into();
    }
    if !model.filter.is_empty() {
        return format!("Nothing here matches \"{}\".", model.filter);
    }
    match model.view {
        View::NeedsYou => "Nobody needs you right now.".into(),
        View::Mine => "You hold no conversations.".into(),
        View::All => "No open conversations.".into(),
        View::Resolved => "Nothing resolved yet.".into(),
    }
}

/// Column widths for one frame, shrinking the optional columns on a narrow pane.
struct Columns {
    width: usize,
    /// The selection mark's column (none when the selection is a reversed row).
    gutter: usize,
    account: usize,
    time: usize,
    name: usize,
}

impl Columns {
    fn new(model: &Model, width: usize) -> Columns {
        let gutter = usize::from(model.selection == Selection::Mark);
        // The lead: the selection's column, unread dot, space, mark, space.
        let lead = gutter + MARK_WIDTH + 3;
        let account = model
            .accounts
            .iter()
            .map(|a| text::width(&a.name))
            .max()
            .unwrap_or(0)
            .min(MAX_ACCOUNT_WIDTH);
        let mut columns = Columns {
            width,
            gutter,
            account,
            time: TIME_WIDTH,
            name: 0,
        };
        // Keep the name readable: drop the account column first, then the time.
        for _ in 0..2 {
            columns.name = width.saturating_sub(lead + columns.right() + 1);
            if columns.name >= 8 {
                break;
            }
            if columns.account > 0 {
                columns.account = 0;
            } else {
                columns.time = 0;
            }
        }
        columns.name = width.saturating_sub(lead + columns.right() + 1);
        columns
    }

    fn right(&self) -> usize {
        match (self.account, self.time) {
            (0, 0) => 0,
            (0, t) => t,
            (a, 0) => a,
            (a, t) => a + 1 + t,
        }
    }
}

/// Who else of the team is on this conversation: "Ana typing…", "Ana viewing", "Ana, Bo
/// viewing"; and whether anyone types (said louder).
pub(super) fn presence(model: &Model, key: &crate::domain::ConversationKey) -> Option<(String, bool)> {
    let peers: Vec<&crate::domain::team::Peer> = model.peers_on(key).collect();
    if peers.is_empty() {
        return None;
    }
    let typing: Vec<&str> = peers.iter().filter(|p| p.typing).map(|p| p.name.as_str()).collect();
    if !typing.is_empty() {
        return Some((format!("{} typing…", typing.join(", ")), true));
    }
    let names: Vec<&str> = peers.iter().map(|p| p.name.as_str()).collect();
    Some((format!("{} viewing", names.join(", ")), false))
}

/// A conversation of yours whose customer has waited `reply_due` for your reply.
fn reply_overdue(model: &Model, c: &Conversation) -> bool {
    let Some(held) = model.mine.get(&c.key) else {
        return false;
    };
    c.waiting_since
        .is_some_and(|w| model.now - w.max(*held) >= model.alerts.settings.reply_due)
}

/// The list's mark for a customer whose frustration is at or above `domain::FRUSTRATED`.
pub const FRUSTRATED_MARK: &str = "▲";

fn row_lines<'a>(
    model: &Model,
    theme: &Theme,
    c: &'a Conversation,
    columns: &Columns,
    selected: bool,
) -> Vec<Line<'a>> {
    let unread = model.is_unread(c);
    let name_style = if unread { theme.bold } else { Style::new() };
    // An alert waiting on it outranks unread: `!`.
    let lead = if model.alerts.has(&c.key) {
        styled("!", theme.error)
    } else {
        styled(if unread { "●" } else { " " }, theme.unread)
    };
    let gutter = || match (columns.gutter, selected) {
        (0, _) => None,
        (_, true) => Some(styled(SELECTION_MARK, theme.selection_mark)),
        (_, false) => Some(gap(1)),
    };
    let mut first: Vec<Span> = gutter().into_iter().collect();
    first.extend([
        lead,
        gap(1),
        styled(text::pad(status_mark(&c.status), MARK_WIDTH), theme.mark(&c.status)),
        gap(1),
        styled(text::pad(&c.customer_name, columns.name), name_style),
    ]);
    if columns.right() > 0 {
        first.push(gap(1));
    }
    if columns.account > 0 {
        first.push(styled(text::pad(&c.key.account, columns.account), theme.dim));
        if columns.time > 0 {
            first.push(gap(1));
        }
    }
    if columns.time > 0 {
        let since = ago(shown_time(c), model.now);
        let (when, style) = match (&c.status, c.waiting_since) {
            (Status::NeedsHuman, Some(_)) => (format!("waits {since}"), theme.mark_need),
            // Yours, and the customer has waited past `reply_due`: nobody else will answer.
            (Status::Human { by: Holder::Me }, Some(w)) if reply_overdue(model, c) => {
                (format!("due {}", ago(w, model.now)), theme.error)
            }
            _ => (since, Style::new()),
        };
        first.push(styled(text::pad_left(&when, columns.time), style));
    }

    // Line 2, under the name: what is happening to it, then channel · preview.
    let indent = MARK_WIDTH + 3;
    // A frustrated customer (0.7 or more): a mark under the unread dot.
    let mut second: Vec<Span> = gutter().into_iter().collect();
    match c.details.as_deref().is_some_and(|d| d.frustrated()) {
        true => second.extend([styled(FRUSTRATED_MARK, theme.error), gap(indent - 1)]),
        false => second.push(gap(indent)),
    }
    if let Some(op) = model.busy.get(&c.key) {
        second.push(styled(format!("{}… ", op.doing()), theme.warn));
    }
    if let Some((words, typing)) = presence(model, &c.key) {
        second.push(styled(
            format!("{words} · "),
            if typing { theme.warn } else { theme.dim },
        ));
    }
    let mut detail = String::new();
    if let Some(channel) = &c.channel {
        detail.push_str(channel);
    }
    if let Some(preview) = &c.preview {
        if !detail.is_empty() {
            detail.push_str(" · ");
        }
        // One line on screen, whatever the platform sent, and no more of it than can show.
        let shown = preview.chars().take(columns.width.saturating_mul(4));
        detail.extend(shown.map(|ch| if ch == '\n' { ' ' } else { ch }));
    }
    second.push(styled(detail, theme.dim));
    let second = layout::fit_line(second, columns.width);
    vec![layout::fit_line(first, columns.width), second]
}
