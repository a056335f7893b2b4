//! Sign-in (and the idle lock, which is sign-in with the login fixed).

use super::{is_reveal, move_focus};
use crate::tui::effect::Call;
use crate::tui::fields::{SecretField, TextField};
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, hints, popup_box, secret_field_line, text_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Debug, Default)]
pub struct SignInForm {
    pub login: TextField,
    pub password: SecretField,
    pub focus: usize,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub pending: bool,
    /// The idle lock: the login is fixed.
    pub locked_to: Option<String>,
}

impl SignInForm {
    pub fn new() -> SignInForm {
        SignInForm {
            login: TextField::new(64),
            ..Default::default()
        }
    }

    /// The idle lock for `login`.
    pub fn locked(login: &str) -> SignInForm {
        SignInForm {
            login: TextField::with(login, 64),
            focus: 1,
            locked_to: Some(login.to_string()),
            notice: Some(
                "The console locked after a period without input. Enter your password to continue."
                    .into(),
            ),
            ..Default::default()
        }
    }

    pub fn key(&mut self, key: &KeyEvent) -> Option<Call> {
        if self.pending {
            return None;
        }
        if is_reveal(key) {
            self.password.reveal = !self.password.reveal;
            return None;
        }
        if self.locked_to.is_none() && move_focus(&mut self.focus, 2, key) {
            return None;
        }
        match key.code {
            KeyCode::Enter if self.focus == 0 => {
                self.focus = 1;
                None
            }
            KeyCode::Enter => self.submit(),
            _ => {
                let changed = if self.focus == 0 {
                    self.login.key(key)
                } else {
                    self.password.key(key)
                };
                if changed {
                    self.error = None;
                }
                None
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        let pasted = if self.focus == 0 {
            self.login.paste(text)
        } else {
            self.password.paste(text)
        };
        self.error = pasted.err();
    }

    fn submit(&mut self) -> Option<Call> {
        let login = self.login.value().trim().to_string();
        if login.is_empty() {
            self.error = Some("Type your login ID.".into());
            self.focus = 0;
            return None;
        }
        if self.password.is_empty() {
            self.error = Some("Type your password.".into());
            return None;
        }
        self.pending = true;
        self.error = None;
        // The typed password stays until the answer: a forced change needs it.
        Some(Call::SignIn {
            login,
            password: self.password.password(),
        })
    }

    /// The service answered: refused, or an error.
    pub fn refused(&mut self, why: String) {
        self.pending = false;
        self.error = Some(why);
        self.focus = 1;
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, location: &str) {
        let title = if self.locked_to.is_some() {
            "keyward — locked"
        } else {
            "keyward — sign in"
        };
        let outer = centered(area, 64, 14);
        let inner = popup_box(frame, outer, title, theme);
        let (l1, c1) =
            text_field_line("Login ID", &self.login, self.focus == 0, inner.width, theme);
        let (l2, c2) = secret_field_line(
            "Password",
            &self.password,
            self.focus == 1,
            inner.width,
            theme,
        );
        let mut lines = vec![
            Line::from(Span::styled(format!("  Database: {location}"), theme.dim())),
            Line::raw(""),
            l1,
            l2,
            Line::raw(""),
        ];
        if let Some(n) = &self.notice {
            lines.push(Line::from(Span::styled(format!("  {n}"), theme.warn())));
        }
        if self.pending {
            lines.push(Line::from(Span::styled("  Checking…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(Line::raw(""));
        lines.push(hints(
            &[
                ("Enter", "sign in"),
                ("Tab", "next field"),
                ("Ctrl-R", "show password"),
                ("Ctrl-C", "quit"),
            ],
            theme,
        ));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        let cursor = if self.focus == 0 {
            c1.map(|c| (c, 2))
        } else {
            c2.map(|c| (c, 3))
        };
        if let Some((x, y)) = cursor
            && x < inner.width
            && y < inner.height
        {
            frame.set_cursor_position((inner.x + x, inner.y + y));
        }
    }
}
