//! The message log (`L`, as lazygit keeps its command log): every note the
//! status line showed and every error, newest first and whole, since the
//! status line cuts what does not fit its one row.

use crate::tui::app::Logged;
use crate::tui::keys::Sections;
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View};
use crate::tui::widgets::{centered, popup_box};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::collections::VecDeque;

/// The message log overlay.
#[derive(Debug, Default)]
pub struct Messages {
    pub scroll: u16,
}

impl View for Messages {
    fn keys(&self) -> Sections {
        vec![("Messages", super::help::SCROLL_KEYS)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        super::help::scroll_key(&mut self.scroll, key)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        render(frame, area, ctx.log, self.scroll, ctx.theme)
    }
}

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
    lines.push(crate::tui::widgets::table_hints(
        &[("", super::help::SCROLL_KEYS)],
        theme,
    ));
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
