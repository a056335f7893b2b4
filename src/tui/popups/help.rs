//! The help overlay: every key of the current view, drawn from the same
//! tables that handle the keys.

use crate::domain::Role;
use crate::tui::keys::Binding;
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, popup_box};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The help text for these tables and role.
pub fn lines<'a>(sections: &[(&str, &[Binding])], role: Role, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    for (title, table) in sections {
        let visible: Vec<&Binding> = table.iter().filter(|b| b.allowed(role)).collect();
        if visible.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::from(Span::styled(title.to_string(), theme.title())));
        for b in visible {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", b.keys_label()), theme.key()),
                Span::raw(b.help.to_string()),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "  Esc closes this help. Esc never quits; q or Ctrl-C does.",
        theme.dim(),
    )));
    lines
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    sections: &[(&str, &[Binding])],
    role: Role,
    scroll: u16,
    theme: &Theme,
) {
    let body = lines(sections, role, theme);
    let h = (body.len() as u16 + 2).min(area.height);
    let inner = popup_box(frame, centered(area, 86, h), "Keys (↑/↓ scroll)", theme);
    frame.render_widget(
        Paragraph::new(body)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}
