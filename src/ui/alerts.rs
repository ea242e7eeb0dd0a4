//! The alert line (above the status bar, while alerts wait: each with its customer and age,
//! and the keys that answer them) and the mute overlay.

use super::Theme;
use super::help::{overlay_area, overlay_frame};
use super::layout::{self, gap, styled};
use crate::app::keymap::{Action, Context};
use crate::app::model::{MUTE_CHOICES, Model};
use crate::present::{ago, text};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// `! 2 waiting · Ana needs a person 1m · Bob replied now      A acknowledge  M mute`: the
/// oldest first; the keys stay on the right while the alerts are cut to fit.
pub fn alert_line(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let alerts = &model.alerts;
    let style = if alerts.escalated { theme.error } else { theme.warn };
    let mut keys = Vec::new();
    for (action, word) in [(Action::Acknowledge, "acknowledge"), (Action::Mute, "mute")] {
        if let Some(key) = model.keymap.keys(Context::Global, action).first() {
            keys.extend([gap(2), styled(key.label(), theme.key), Span::raw(format!(" {word}"))]);
        }
    }
    keys.push(gap(1));
    let width = usize::from(area.width);
    let mut left = vec![styled(format!(" ! {}", alerts.pending().len()), style)];
    // The oldest first, as many as the line can show (a frame costs the line, not the alerts).
    for alert in alerts.pending() {
        if layout::spans_width(&left) > width {
            break;
        }
        let name = model
            .conversations
            .get(&alert.key)
            .map_or_else(|| alert.key.to_string(), |c| c.customer_name.clone());
        left.push(styled(" · ", theme.dim));
        left.push(styled(format!("{name} {}", alert.kind.words()), theme.bold));
        left.push(styled(format!(" {}", ago(alert.since, model.now)), theme.dim));
        if alerts.team_escalated(&alert.key) {
            left.push(styled(" — nobody in the team answered", theme.error));
        }
    }
    let keys_width = layout::spans_width(&keys);
    let keys = if keys_width * 2 <= width { keys } else { Vec::new() };
    let room = width.saturating_sub(layout::spans_width(&keys));
    let mut spans = layout::fit_line(left, room).spans;
    let used = layout::spans_width(&spans);
    spans.push(gap(room.saturating_sub(used)));
    spans.extend(keys);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// How long to mute: a digit each, and 0 to unmute.
pub fn render_mute(frame: &mut Frame, screen: Rect, model: &Model, theme: &Theme) {
    let available = overlay_area(screen);
    if available.width < 3 || available.height < 3 {
        return;
    }
    let mut lines: Vec<String> = MUTE_CHOICES
        .iter()
        .enumerate()
        .map(|(i, minutes)| match minutes {
            60 => format!("{}  1 hour", i + 1),
            m => format!("{}  {m} minutes", i + 1),
        })
        .collect();
    if model.alerts.muted(model.now) {
        lines.push("0  unmute now".into());
    }
    lines.push(String::new());
    lines.push("Muted, the alert line still shows what waits.".into());
    let title = "Mute alerts for";
    let max_text = usize::from(available.width).saturating_sub(4);
    let text_width = lines
        .iter()
        .map(|l| text::width(l))
        .max()
        .unwrap_or(0)
        .min(max_text)
        .max(1);
    let to_u16 = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    let rect = layout::centered(available, to_u16(text_width + 4), to_u16(lines.len() + 4));
    let back = model.keymap.hint(Context::Help, Action::Back);
    let inner = overlay_frame(
        frame,
        rect,
        theme,
        title,
        vec![styled(back, theme.key), Span::raw(" cancel")],
    );
    let body = Rect {
        x: inner.x.saturating_add(1),
        y: inner.y.saturating_add(1),
        width: inner.width.saturating_sub(2),
        height: inner.height.saturating_sub(1),
    };
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::from(styled(text::truncate(&l, text_width), theme.bold)))
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}
