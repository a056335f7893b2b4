//! The forced password change after a sign-in that answered ok-must-change.
//! The password just proven is kept (zeroizing) until the change is done.

use super::{is_reveal, is_save, move_focus};
use crate::domain::Password;
use crate::domain::password_rules::PasswordContext;
use crate::tui::effect::{Call, PasswordTarget};
use crate::tui::new_password::NewPassword;
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, hints, popup_box, secret_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Debug)]
pub struct MustChangeForm {
    pub target: PasswordTarget,
    pub reason: String,
    pub current: Password,
    pub pw: NewPassword,
    pub focus: usize,
    pub error: Option<String>,
    pub pending: bool,
}

impl MustChangeForm {
    pub fn new(target: PasswordTarget, reason: String, current: Password) -> MustChangeForm {
        let mut f = MustChangeForm {
            target,
            reason,
            current,
            pw: NewPassword::default(),
            focus: 0,
            error: None,
            pending: false,
        };
        f.recheck();
        f
    }

    fn recheck(&mut self) {
        let t = &self.target;
        let ctx = PasswordContext {
            login: &t.login,
            name: &t.name,
            email: &t.email,
        };
        self.pw.recheck(&t.policy, &ctx);
    }

    pub fn key(&mut self, key: &KeyEvent) -> Option<Call> {
        if self.pending {
            return None;
        }
        if is_reveal(key) {
            self.pw.toggle_reveal();
            return None;
        }
        if move_focus(&mut self.focus, 2, key) {
            return None;
        }
        if key.code == KeyCode::Enter || is_save(key) {
            if self.focus == 0 && !is_save(key) {
                self.focus = 1;
                return None;
            }
            let problems = self.pw.problems();
            if !problems.is_empty() {
                self.error = Some(format!("Not yet: {}.", problems.join("; ")));
                return None;
            }
            self.pending = true;
            return Some(Call::ChangeAtSignIn {
                login: self.target.login.clone(),
                current: self.current.clone(),
                new: self.pw.password(),
            });
        }
        let changed = if self.focus == 0 {
            self.pw.new.key(key)
        } else {
            self.pw.confirm.key(key)
        };
        if changed {
            self.error = None;
            self.recheck();
        }
        None
    }

    pub fn paste(&mut self, text: &str) {
        let pasted = if self.focus == 0 {
            self.pw.new.paste(text)
        } else {
            self.pw.confirm.paste(text)
        };
        self.error = pasted.err();
        self.recheck();
    }

    pub fn failed(&mut self, why: String) {
        self.pending = false;
        self.error = Some(why);
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let outer = centered(area, 78, 22);
        let inner = popup_box(frame, outer, "Choose a new password", theme);
        let (l1, c1) = secret_field_line(
            "New password",
            &self.pw.new,
            self.focus == 0,
            inner.width,
            theme,
        );
        let (l2, c2) = secret_field_line(
            "Repeat it",
            &self.pw.confirm,
            self.focus == 1,
            inner.width,
            theme,
        );
        let mut lines = vec![
            Line::from(Span::styled(
                format!(
                    "  {}: your password must be changed now ({}).",
                    self.target.login, self.reason
                ),
                theme.warn(),
            )),
            Line::from(Span::styled(
                format!(
                    "  Policy: {}. The new password must differ from your earlier ones.",
                    self.target.policy_name
                ),
                theme.dim(),
            )),
            Line::raw(""),
            l1,
            l2,
            Line::raw(""),
        ];
        lines.extend(self.pw.lines(theme));
        lines.push(Line::raw(""));
        if self.pending {
            lines.push(Line::from(Span::styled("  Saving…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(hints(
            &[
                ("Ctrl-S", "save"),
                ("Enter", "next"),
                ("Ctrl-R", "show"),
                ("Ctrl-C", "quit"),
            ],
            theme,
        ));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        let cursor = if self.focus == 0 {
            c1.map(|c| (c, 3))
        } else {
            c2.map(|c| (c, 4))
        };
        if let Some((x, y)) = cursor
            && x < inner.width
            && y < inner.height
        {
            frame.set_cursor_position((inner.x + x, inner.y + y));
        }
    }
}
