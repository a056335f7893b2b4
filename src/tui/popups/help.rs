//! The help overlay: every key of the current view, drawn from the same
//! tables that handle the keys.

use crate::domain::Role;
use crate::tui::keys::{Binding, Cmd, Sections, b, code, k, popup_cmd};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View};
use crate::tui::widgets::{centered, popup_box, wrap_words};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

/// The keys of a scrolling overlay (help, messages).
pub const SCROLL_KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Up), k('k')],
        "up",
        "scroll up",
        Cmd::Up,
        true,
    ),
    b(
        &[code(KeyCode::Down), k('j')],
        "down",
        "scroll down",
        Cmd::Down,
        true,
    ),
    b(
        &[
            code(KeyCode::Esc),
            code(KeyCode::Enter),
            k('?'),
            k('q'),
            k('L'),
            code(KeyCode::F(1)),
        ],
        "close",
        "close it",
        Cmd::Cancel,
        true,
    ),
];

/// Scrolls a scrolling overlay, or closes it.
pub fn scroll_key(scroll: &mut u16, key: &KeyEvent) -> Out {
    match popup_cmd(&[("", SCROLL_KEYS)], key) {
        Some(Cmd::Up) => *scroll = scroll.saturating_sub(1),
        Some(Cmd::Down) => *scroll = scroll.saturating_add(1),
        Some(Cmd::Cancel) => return Out::Close,
        _ => {}
    }
    Out::None
}

/// The help overlay: the keys of the view under it.
#[derive(Debug, Default)]
pub struct Help {
    pub scroll: u16,
}

impl View for Help {
    fn keys(&self) -> Sections {
        vec![("Help", SCROLL_KEYS)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        scroll_key(&mut self.scroll, key)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        render(frame, area, ctx.sections, ctx.role, self.scroll, ctx.theme)
    }
}

/// Width of the key column, indent included.
const KEY_COLUMN: usize = 18;

/// The help text for these tables and role, `width` columns wide: a long
/// description wraps under itself, never under the keys.
pub fn lines<'a>(
    sections: &[(&str, &[Binding])],
    role: Role,
    theme: &Theme,
    width: u16,
) -> Vec<Line<'a>> {
    // The key column fits the widest label shown ("Esc/Enter/?/q/L/F1").
    let widest = sections
        .iter()
        .flat_map(|(_, table)| table.iter())
        .filter(|b| b.allowed(role))
        .map(|b| b.keys_label().width())
        .max()
        .unwrap_or(0);
    let key_column = KEY_COLUMN.max(widest + 4);
    let text_width = usize::from(width).saturating_sub(key_column).max(1);
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
            for (i, part) in wrap_words(b.help, text_width).into_iter().enumerate() {
                let keys = if i == 0 {
                    b.keys_label()
                } else {
                    String::new()
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("  {keys:<pad$}", pad = key_column - 2), theme.key()),
                    Span::raw(part),
                ]));
            }
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
    let outer_width = area.width.min(86);
    let body = lines(sections, role, theme, outer_width.saturating_sub(2));
    let h = (body.len() as u16 + 2).min(area.height);
    let inner = popup_box(
        frame,
        centered(area, outer_width, h),
        "Keys (↑/↓ scroll)",
        theme,
    );
    frame.render_widget(
        Paragraph::new(body)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}
