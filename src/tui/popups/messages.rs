//! The message log (`L`, as lazygit keeps its command log): every note the
//! status line showed and every error, newest first and whole, since the
//! status line cuts what does not fit its one row.

use crate::tui::app::Logged;
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, popup_box};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::collections::VecDeque;

pub fn render(frame: &mut Frame, area: Rect, log: &VecDeque<Logged>, scroll: u16, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    if log.is_empty() {
        lines.push(Line::from(Span::styled("No messages yet.", theme.dim())));
    }
    for entry in log.iter().rev() {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", entry.at.format("%H:%M:%S")), theme.dim()),
            Span::styled(
                entry.text.clone(),
                if entry.error {
                    theme.bad()
                } else {
                    theme.base()
                },
            ),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "  ↑/↓ scroll   Esc or L close",
        theme.dim(),
    )));
    let h = area.height.saturating_sub(2).max(3);
    let inner = popup_box(
        frame,
        centered(area, 100, h),
        "Messages (newest first)",
        theme,
    );
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}
