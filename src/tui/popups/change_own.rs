//! An administrator changes their own password by giving the current one.

use crate::domain::password_rules::PasswordContext;
use crate::tui::effect::{Call, PasswordTarget};
use crate::tui::fields::{Pasted, SecretField};
use crate::tui::new_password::NewPassword;
use crate::tui::screens::{is_reveal, is_save, move_focus};
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, hints, popup_box, secret_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Out;

#[derive(Debug, Default)]
pub struct ChangeOwnDialog {
    pub current: SecretField,
    pub pw: NewPassword,
    pub target: Option<PasswordTarget>,
    pub focus: usize,
    pub error: Option<String>,
    pub pending: Option<u64>,
    pub loading: Option<u64>,
}

impl ChangeOwnDialog {
    pub fn loaded(&mut self, target: PasswordTarget) {
        self.loading = None;
        self.target = Some(target);
        self.recheck();
    }

    fn recheck(&mut self) {
        if let Some(t) = &self.target {
            let ctx = PasswordContext {
                login: &t.login,
                name: &t.name,
                email: &t.email,
            };
            self.pw.recheck(&t.policy, &ctx);
        }
    }

    pub fn key(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        if key.code == KeyCode::Esc {
            return Out::Close;
        }
        if is_reveal(key) {
            self.pw.toggle_reveal();
            return Out::None;
        }
        if move_focus(&mut self.focus, 3, key) {
            return Out::None;
        }
        if key.code == KeyCode::Enter || is_save(key) {
            if self.focus < 2 && !is_save(key) {
                self.focus += 1;
                return Out::None;
            }
            let mut problems = self.pw.problems();
            if self.current.is_empty() {
                problems.insert(0, "type your current password".into());
            }
            if !problems.is_empty() {
                self.error = Some(format!("Cannot save yet: {}.", problems.join("; ")));
                return Out::None;
            }
            return Out::Call(Call::ChangeOwn {
                current: self.current.password(),
                new: self.pw.password(),
            });
        }
        let changed = match self.focus {
            0 => self.current.key(key),
            1 => self.pw.new.key(key),
            _ => self.pw.confirm.key(key),
        };
        if changed {
            self.error = None;
            self.recheck();
        }
        Out::None
    }

    pub fn paste(&mut self, text: &str) -> Pasted {
        match self.focus {
            0 => self.current.paste(text)?,
            1 => self.pw.new.paste(text)?,
            _ => self.pw.confirm.paste(text)?,
        }
        self.recheck();
        Ok(())
    }

    pub fn failed(&mut self, why: String) {
        self.pending = None;
        self.error = Some(why);
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = popup_box(frame, centered(area, 80, 22), "Change your password", theme);
        let w = inner.width;
        let rows = [
            secret_field_line("Current password", &self.current, self.focus == 0, w, theme),
            secret_field_line("New password", &self.pw.new, self.focus == 1, w, theme),
            secret_field_line("Repeat it", &self.pw.confirm, self.focus == 2, w, theme),
        ];
        let mut lines = Vec::new();
        let mut cursor = None;
        for (i, (l, c)) in rows.into_iter().enumerate() {
            if let Some(c) = c {
                cursor = Some((c, i as u16));
            }
            lines.push(l);
        }
        lines.push(Line::raw(""));
        lines.extend(self.pw.lines(theme));
        lines.push(Line::raw(""));
        if self.pending.is_some() {
            lines.push(Line::from(Span::styled("  Saving…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(hints(
            &[
                ("Ctrl-S", "save"),
                ("Enter", "next"),
                ("Ctrl-R", "show"),
                ("Esc", "cancel"),
            ],
            theme,
        ));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some((x, y)) = cursor
            && x < inner.width
            && y < inner.height
        {
            frame.set_cursor_position((inner.x + x, inner.y + y));
        }
    }
}
