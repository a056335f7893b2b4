//! First run: create the first global administrator.

use super::{is_reveal, is_save, move_focus};
use crate::domain::password_rules::PasswordContext;
use crate::domain::policy::Policy;
use crate::tui::effect::Call;
use crate::tui::fields::TextField;
use crate::tui::new_password::NewPassword;
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, hints, popup_box, secret_field_line, text_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Debug)]
pub struct SetupForm {
    pub login: TextField,
    pub name: TextField,
    pub email: TextField,
    pub pw: NewPassword,
    pub focus: usize,
    pub policy: Policy,
    pub error: Option<String>,
    pub pending: bool,
}

const FIELDS: usize = 5;

impl SetupForm {
    pub fn new(policy: Policy) -> SetupForm {
        let mut f = SetupForm {
            login: TextField::new(64),
            name: TextField::new(200),
            email: TextField::new(254),
            pw: NewPassword::default(),
            focus: 0,
            policy,
            error: None,
            pending: false,
        };
        f.recheck();
        f
    }

    fn recheck(&mut self) {
        let ctx = PasswordContext {
            login: self.login.value(),
            name: self.name.value(),
            email: self.email.value(),
        };
        let (policy, mut pw) = (self.policy.clone(), std::mem::take(&mut self.pw));
        pw.recheck(&policy, &ctx);
        self.pw = pw;
    }

    /// Problems with the identity fields, checked as typed.
    fn field_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(e) = crate::domain::user::parse_login(self.login.value(), &self.policy) {
            out.push(e);
        }
        if let Err(e) = crate::domain::user::check_name(self.name.value()) {
            out.push(e);
        }
        if let Err(e) = crate::domain::user::check_email(self.email.value()) {
            out.push(e);
        }
        out
    }

    pub fn key(&mut self, key: &KeyEvent) -> Option<Call> {
        if self.pending {
            return None;
        }
        if is_reveal(key) {
            self.pw.toggle_reveal();
            return None;
        }
        if move_focus(&mut self.focus, FIELDS, key) {
            return None;
        }
        if key.code == KeyCode::Enter || is_save(key) {
            if self.focus + 1 < FIELDS && !is_save(key) {
                self.focus += 1;
                return None;
            }
            return self.submit();
        }
        let changed = match self.focus {
            0 => self.login.key(key),
            1 => self.name.key(key),
            2 => self.email.key(key),
            3 => self.pw.new.key(key),
            _ => self.pw.confirm.key(key),
        };
        if changed {
            self.error = None;
            self.recheck();
        }
        None
    }

    pub fn paste(&mut self, text: &str) {
        let pasted = match self.focus {
            0 => self.login.paste(text),
            1 => self.name.paste(text),
            2 => self.email.paste(text),
            3 => self.pw.new.paste(text),
            _ => self.pw.confirm.paste(text),
        };
        self.error = pasted.err();
        self.recheck();
    }

    fn submit(&mut self) -> Option<Call> {
        let mut problems = self.field_problems();
        problems.extend(self.pw.problems());
        if !problems.is_empty() {
            self.error = Some(format!(
                "Cannot create the administrator yet: {}.",
                problems.join("; ")
            ));
            return None;
        }
        self.pending = true;
        let call = Call::Setup {
            login: self.login.value().to_string(),
            name: self.name.value().trim().to_string(),
            email: self.email.value().trim().to_string(),
            password: self.pw.password(),
        };
        Some(call)
    }

    pub fn failed(&mut self, why: String) {
        self.pending = false;
        self.error = Some(why);
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, location: &str) {
        let outer = centered(area, 78, 26);
        let inner = popup_box(frame, outer, "keyward — first run", theme);
        let w = inner.width;
        let rows = [
            text_field_line("Login ID", &self.login, self.focus == 0, w, theme),
            text_field_line("Full name", &self.name, self.focus == 1, w, theme),
            text_field_line("Email", &self.email, self.focus == 2, w, theme),
            secret_field_line("Password", &self.pw.new, self.focus == 3, w, theme),
            secret_field_line(
                "Repeat password",
                &self.pw.confirm,
                self.focus == 4,
                w,
                theme,
            ),
        ];
        let mut lines = vec![
            Line::from(Span::styled(
                "  This database has no users. Create the first global administrator.",
                theme.base(),
            )),
            Line::from(Span::styled(format!("  Database: {location}"), theme.dim())),
            Line::raw(""),
        ];
        let first_field_row = lines.len() as u16;
        let mut cursor = None;
        for (i, (line, c)) in rows.into_iter().enumerate() {
            if let Some(c) = c {
                cursor = Some((c, first_field_row + i as u16));
            }
            lines.push(line);
        }
        lines.push(Line::raw(""));
        if !self.login.value().is_empty() || !self.email.value().is_empty() {
            for p in self.field_problems() {
                lines.push(Line::from(Span::styled(format!("  ✗ {p}"), theme.bad())));
            }
        }
        lines.extend(self.pw.lines(theme));
        lines.push(Line::raw(""));
        if self.pending {
            lines.push(Line::from(Span::styled("  Creating…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(hints(
            &[
                ("Ctrl-S", "create"),
                ("Enter", "next"),
                ("Tab", "next field"),
                ("Ctrl-R", "show passwords"),
                ("Ctrl-C", "quit"),
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
