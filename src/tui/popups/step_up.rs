//! Step-up: the service asked for a recent password confirmation (role
//! changes; later bulk reset and policy changes). The password goes through
//! `authenticate`; on success the session's step-up time is renewed and the
//! administrator saves again.

use crate::tui::effect::Call;
use crate::tui::fields::{Pasted, SecretField};
use crate::tui::keys::{Binding, Cmd, Sections, b, code, popup_cmd};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View};
use crate::tui::widgets::{centered, popup_box, secret_field_line, table_hints};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

const KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "confirm",
        "confirm your password",
        Cmd::Save,
        true,
    ),
    b(&[code(KeyCode::Esc)], "cancel", "cancel", Cmd::Cancel, true),
];

#[derive(Debug, Default)]
pub struct StepUpDialog {
    pub password: SecretField,
    pub error: Option<String>,
    pub pending: Option<u64>,
}

impl StepUpDialog {
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = popup_box(frame, centered(area, 72, 10), "Confirm it is you", theme);
        let (line, cursor) =
            secret_field_line("Your password", &self.password, true, inner.width, theme);
        let mut lines = vec![
            Line::raw("This change needs your password again (asked at most every 5 minutes)."),
            Line::raw(""),
            line,
            Line::raw(""),
        ];
        if self.pending.is_some() {
            lines.push(Line::from(Span::styled("  Checking…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(table_hints(&[("", KEYS)], theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some(x) = cursor
            && x < inner.width
        {
            frame.set_cursor_position((inner.x + x, inner.y + 2));
        }
    }
}

impl View for StepUpDialog {
    fn keys(&self) -> Sections {
        vec![("Confirm it is you", KEYS)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        match popup_cmd(&self.keys(), key) {
            Some(Cmd::Cancel) => Out::Close,
            Some(Cmd::Save) if self.password.is_empty() => {
                self.error = Some("Type your password.".into());
                Out::None
            }
            Some(Cmd::Save) => {
                let password = self.password.password();
                self.password.clear();
                Out::Call(Call::StepUp { password })
            }
            _ => {
                if self.password.key(key) {
                    self.error = None;
                }
                Out::None
            }
        }
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.password.paste(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        StepUpDialog::render(self, frame, area, ctx.theme)
    }

    crate::tui::view::one_request!();
}
