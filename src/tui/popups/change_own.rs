//! An administrator changes their own password by giving the current one.

use crate::domain::password_rules::PasswordContext;
use crate::tui::effect::{Call, PasswordTarget};
use crate::tui::fields::{Pasted, SecretField};
use crate::tui::keys::{self, Cmd, ENTER_NEXT, FIELDS, FORM, REVEAL, Sections, popup_cmd};
use crate::tui::new_password::NewPassword;
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View};
use crate::tui::widgets::{centered, popup_box, secret_field_line, table_hints};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

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

    fn handle(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        let cmd = popup_cmd(&View::keys(self), key);
        if cmd == Some(Cmd::Cancel) {
            return Out::Close;
        }
        if cmd == Some(Cmd::Reveal) {
            self.pw.toggle_reveal();
            return Out::None;
        }
        if keys::focus_move(cmd, &mut self.focus, 3) {
            return Out::None;
        }
        if cmd == Some(Cmd::Save) {
            if self.focus < 2 && key.code == KeyCode::Enter {
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

    fn paste_text(&mut self, text: &str) -> Pasted {
        match self.focus {
            0 => self.current.paste(text)?,
            1 => self.pw.new.paste(text)?,
            _ => self.pw.confirm.paste(text)?,
        }
        self.recheck();
        Ok(())
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
        lines.push(table_hints(&View::keys(self), theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some((x, y)) = cursor
            && x < inner.width
            && y < inner.height
        {
            frame.set_cursor_position((inner.x + x, inner.y + y));
        }
    }
}

impl View for ChangeOwnDialog {
    fn keys(&self) -> Sections {
        vec![
            ("Your password", ENTER_NEXT),
            ("Password", REVEAL),
            ("Fields", FIELDS),
            ("Form", FORM),
        ]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.paste_text(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        ChangeOwnDialog::render(self, frame, area, ctx.theme)
    }

    crate::tui::view::target_then_save!();

    fn edited(&self) -> bool {
        !self.current.is_empty() || !self.pw.new.is_empty() || !self.pw.confirm.is_empty()
    }

    fn new_password(&mut self) -> Option<&mut NewPassword> {
        Some(&mut self.pw)
    }
}
