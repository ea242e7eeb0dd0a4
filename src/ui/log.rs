//! The message log (`L`): every status-bar message with its time, oldest first, errors marked;
//! long ones wrapped, so each can be read in full.

use super::Theme;
use super::help::{overlay_area, scrolling_frame};
use super::layout::{gap, styled};
use crate::app::model::Model;
use crate::present::text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

/// `14:02  ` before each message.
const TIME_WIDTH: usize = 7;

pub fn render(frame: &mut Frame, screen: Rect, model: &Model, theme: &Theme, top: usize) {
    let rect = overlay_area(screen);
    if rect.width < 16 || rect.height < 3 {
        return;
    }
    let title = format!("Messages — {} kept", model.log.len());
    let inner = scrolling_frame(frame, rect, model, theme, &title);
    let height = usize::from(inner.height);
    if model.log.is_empty() {
        let line = Line::from(styled("No messages yet.", theme.dim));
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }
    let room = usize::from(inner.width).saturating_sub(TIME_WIDTH).max(1);
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    for entry in model.log.entries().skip(top) {
        let time = entry.at.with_timezone(&theme.offset).format("%H:%M").to_string();
        let style = if entry.error { theme.error } else { theme.notice };
        for (i, part) in text::wrap(&entry.text, room).into_iter().enumerate() {
            let stamp = if i == 0 {
                styled(time.clone(), theme.dim)
            } else {
                gap(5)
            };
            lines.push(Line::from(vec![stamp, gap(2), styled(part, style)]));
        }
        if lines.len() >= height {
            break;
        }
    }
    lines.truncate(height);
    frame.render_widget(Paragraph::new(lines), inner);
}
