//! The view: a pure function of `&Model` (and a theme) into a ratatui frame. It draws only what
//! is visible — list rows that fit, messages that fit — so a frame costs what the screen size
//! costs, never what the number of conversations or messages costs (design.md §3).

mod accounts;
mod alerts;
mod compose;
mod details;
mod help;
mod layout;
mod list;
mod log;
mod notes;
mod search;
mod snippets;
mod status;
mod theme;
mod thread;

pub use theme::Theme;

use crate::app::keymap::{Action, Context};
use crate::app::model::{Focus, Model, Overlay};
use crate::app::screen::{MIN_HEIGHT, MIN_WIDTH};
use crate::present::text;
use layout::Panes;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};

/// The terminal window's title: counts only. No remote text goes there (a customer's name in a
/// window list or a tmux status line is a leak, and a title is one more place for escapes).
/// Alerts waiting are marked in front (`(!)`, `(!!)` once escalated), where a window list or
/// a tab bar shows them first.
pub fn window_title(model: &Model) -> String {
    // All of them, not only those a filter lets through.
    let waiting = model.needs_human;
    let name = if model.demo { "handoff (demo)" } else { "handoff" };
    let mark = match (model.alert_line(), model.alerts.escalated) {
        (false, _) => "",
        (true, false) => "(!) ",
        (true, true) => "(!!) ",
    };
    match waiting {
        0 => format!("{mark}{name}"),
        1 => format!("{mark}{name} — 1 needs you"),
        n => format!("{mark}{name} — {n} need you"),
    }
}

/// Draws the whole screen for `model`. Any frame size works, 0×0 included.
pub fn view(frame: &mut Frame, model: &Model, theme: &Theme) {
    let screen = frame.area();
    let Some(parts) = layout::split(screen, model.alert_line()) else {
        too_small(frame, screen, model, theme);
        return;
    };
    status::title_bar(frame, parts.title, model, theme);

    let open = model.open.as_ref();
    let target = model.target().filter(|_| model.details);
    let mut panes = parts.panes;
    let details_pane = layout::details(&mut panes, screen.width, target.is_some());
    match panes {
        Panes::Two { list, right } => {
            list::render(frame, list, model, theme, model.focus == Focus::List);
            match open {
                Some(key) => thread::render(frame, right, model, theme, key),
                None => placeholder(frame, right, model, theme),
            }
        }
        Panes::One(body) => match open {
            Some(key) if model.focus != Focus::List => thread::render(frame, body, model, theme, key),
            _ => list::render(frame, body, model, theme, true),
        },
    }
    match (details_pane, &target) {
        (Some(layout::DetailsPane::Docked(area)), Some(key)) => details::render(frame, area, model, theme, key, false),
        (Some(layout::DetailsPane::Over(area)), Some(key)) => details::render(frame, area, model, theme, key, true),
        _ => {}
    }
    status::status_bar(frame, parts.status, model, theme);
    if let Some(area) = parts.alerts {
        alerts::alert_line(frame, area, model, theme);
    }

    match &model.overlay {
        Some(Overlay::Help { top }) => help::render_help(frame, screen, model, theme, *top),
        Some(Overlay::Confirm(confirm)) => help::render_confirm(frame, screen, model, theme, confirm),
        Some(Overlay::Accounts { top }) => accounts::render(frame, screen, model, theme, *top),
        Some(Overlay::Mute) => alerts::render_mute(frame, screen, model, theme),
        Some(Overlay::Assign { key, input }) => details::render_assign(frame, screen, model, theme, key, input),
        Some(Overlay::Priority { key }) => details::render_priority(frame, screen, model, theme, key),
        Some(Overlay::Snippets(picker)) => snippets::render(frame, screen, model, theme, picker),
        Some(Overlay::Search(search)) => search::render(frame, screen, model, theme, search),
        Some(Overlay::Log { top }) => log::render(frame, screen, model, theme, *top),
        None => {}
    }
}

/// The right pane before anything is open. Its hint is in the bottom border, below the rows the
/// list scrolls: a scroll region spans the screen's width (tmux ignores left and right margins),
/// so anything beside the list in those rows would be written again on every scroll.
fn placeholder(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let open = model.keymap.hint(Context::List, Action::Open);
    let next = model.keymap.hint(Context::List, Action::NextNeedingHuman);
    let wordings = [
        format!("{open} opens the selected conversation · {next} the next one waiting for a human"),
        format!("{open} opens the selected conversation · {next} the next one waiting"),
        format!("{open} opens the selected one · {next} the next waiting"),
    ];
    let room = usize::from(area.width).saturating_sub(4);
    let words = wordings.iter().find(|w| text::width(w) <= room).unwrap_or(&wordings[2]);
    let hint = layout::fit_title(vec![layout::styled(words.as_str(), theme.dim)], area.width);
    // No sides either: the rows beside the list stay blank.
    let block = layout::pane(theme, false, vec![Span::raw("Conversation")], area.width)
        .borders(Borders::TOP | Borders::BOTTOM)
        .title_bottom(hint);
    frame.render_widget(block, area);
}

/// Below the least usable size: say so, and how to leave, centred, cut to whatever fits.
fn too_small(frame: &mut Frame, screen: Rect, model: &Model, theme: &Theme) {
    if screen.is_empty() {
        return;
    }
    let width = usize::from(screen.width);
    let mut lines: Vec<Line> = Vec::new();
    let message = format!(
        "terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{})",
        screen.width, screen.height
    );
    for l in text::wrap(&message, width) {
        lines.push(Line::from(layout::styled(l, theme.bold)).centered());
    }
    let quit = model.keymap.hint(Context::Global, Action::Quit);
    lines.push(
        Line::from(layout::styled(
            text::truncate(&format!("{quit} to quit"), width),
            theme.dim,
        ))
        .centered(),
    );
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX).min(screen.height);
    lines.truncate(usize::from(height));
    let area = layout::centered(screen, screen.width, height);
    frame.render_widget(Paragraph::new(lines), area);
}
