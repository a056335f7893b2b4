//! Set a user's password: the new password twice with the live checklist
//! and strength meter, a must-change toggle, a warning naming the people who
//! share the login (confirmed before saving), or a generated temporary
//! password. OK is refused with the reasons while a rule is broken.

use crate::domain::password_rules::PasswordContext;
use crate::tui::effect::{Call, PasswordTarget};
use crate::tui::fields::Pasted;
use crate::tui::keys::{
    self, Binding, Cmd, FIELDS, FORM, REVEAL, Sections, b, code, ctrl, k, popup_cmd,
};
use crate::tui::new_password::NewPassword;
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View};
use crate::tui::widgets::{centered, popup_box, secret_field_line, table_hints, toggle_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The dialog's own keys.
const TYPING: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "OK",
        "save (in the first field: go to the second)",
        Cmd::Save,
        true,
    ),
    b(
        &[ctrl('g')],
        "generate temporary",
        "set a generated temporary password instead, shown once",
        Cmd::Generate,
        true,
    ),
];

/// Keys while the must-change toggle has focus.
const TOGGLE: &[Binding] = &[b(
    &[k(' ')],
    "toggle",
    "must change at next sign-in, or not",
    Cmd::NextChoice,
    true,
)];

/// Keys while the shared login is being confirmed.
const SHARED: &[Binding] = &[
    b(
        &[code(KeyCode::Enter), k('y')],
        "yes",
        "change the password they share",
        Cmd::Yes,
        true,
    ),
    b(
        &[code(KeyCode::Esc), k('n')],
        "back",
        "back to the form",
        Cmd::No,
        true,
    ),
];

#[derive(Debug)]
pub struct PasswordDialog {
    pub login: String,
    pub target: Option<PasswordTarget>,
    pub pw: NewPassword,
    pub must_change: bool,
    pub focus: usize,
    /// Showing the "these people share this login" confirmation.
    pub confirming_holders: bool,
    pub error: Option<String>,
    pub pending: Option<u64>,
    /// The request for the policy and holders.
    pub loading: Option<u64>,
}

impl PasswordDialog {
    pub fn new(login: &str) -> PasswordDialog {
        PasswordDialog {
            login: login.to_string(),
            target: None,
            pw: NewPassword::default(),
            must_change: true,
            focus: 0,
            confirming_holders: false,
            error: None,
            pending: None,
            loading: None,
        }
    }

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
        if self.confirming_holders {
            match cmd {
                Some(Cmd::Yes) => return self.call(),
                Some(Cmd::No) => self.confirming_holders = false,
                _ => {}
            }
            return Out::None;
        }
        if cmd == Some(Cmd::Cancel) {
            return Out::Close;
        }
        if self.target.is_none() {
            return Out::None;
        }
        if keys::focus_move(cmd, &mut self.focus, 3) {
            return Out::None;
        }
        match cmd {
            Some(Cmd::Reveal) => self.pw.toggle_reveal(),
            Some(Cmd::Generate) => {
                return Out::Call(Call::TempPassword {
                    login: self.login.clone(),
                });
            }
            Some(Cmd::Save) if self.focus == 0 && key.code == KeyCode::Enter => self.focus = 1,
            Some(Cmd::Save) => return self.submit(),
            Some(Cmd::NextChoice) => self.must_change = !self.must_change,
            _ if self.focus < 2 => {
                let changed = if self.focus == 0 {
                    self.pw.new.key(key)
                } else {
                    self.pw.confirm.key(key)
                };
                if changed {
                    self.error = None;
                    self.recheck();
                }
            }
            _ => {}
        }
        Out::None
    }

    fn paste_text(&mut self, text: &str) -> Pasted {
        match self.focus {
            0 => self.pw.new.paste(text)?,
            1 => self.pw.confirm.paste(text)?,
            _ => return Ok(()),
        }
        self.recheck();
        Ok(())
    }

    fn submit(&mut self) -> Out {
        let problems = self.pw.problems();
        if !problems.is_empty() {
            self.error = Some(format!("Cannot save yet: {}.", problems.join("; ")));
            return Out::None;
        }
        if self.target.as_ref().is_some_and(|t| !t.holders.is_empty()) {
            self.confirming_holders = true;
            return Out::None;
        }
        self.call()
    }

    fn call(&mut self) -> Out {
        self.confirming_holders = false;
        Out::Call(Call::SetPassword {
            login: self.login.clone(),
            password: self.pw.password(),
            must_change: self.must_change,
            expected_version: self.target.as_ref().map(|t| t.version),
        })
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = popup_box(
            frame,
            centered(area, 84, 26),
            &format!("Set password — {}", self.login),
            theme,
        );
        let Some(target) = &self.target else {
            let text = self
                .error
                .clone()
                .unwrap_or_else(|| "Loading the policy…".into());
            frame.render_widget(Paragraph::new(text), inner);
            return;
        };
        let mut lines = Vec::new();
        if !target.holders.is_empty() {
            lines.push(Line::from(Span::styled(
                format!(
                    "  ⚠ This login is shared by {}: all of them will need the new password.",
                    target.holders.join(", ")
                ),
                theme.warn(),
            )));
        }
        lines.push(Line::from(Span::styled(
            format!("  Policy: {}", target.policy_name),
            theme.dim(),
        )));
        lines.push(Line::raw(""));
        let first = lines.len() as u16;
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
        lines.push(l1);
        lines.push(l2);
        lines.push(toggle_line(
            "Must change at next sign-in (Space)",
            self.must_change,
            self.focus == 2,
            theme,
        ));
        lines.push(Line::raw(""));
        lines.extend(self.pw.lines(theme));
        lines.push(Line::raw(""));
        if self.confirming_holders {
            lines.push(Line::from(Span::styled(
                format!(
                    "  Change the password shared by {}? Enter/y: yes   Esc/n: back",
                    target.holders.join(", ")
                ),
                theme.warn(),
            )));
        } else if self.pending.is_some() {
            lines.push(Line::from(Span::styled("  Saving…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(table_hints(&View::keys(self), theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        let cursor = match self.focus {
            0 => c1.map(|c| (c, first)),
            1 => c2.map(|c| (c, first + 1)),
            _ => None,
        };
        if let Some((x, y)) = cursor
            && x < inner.width
            && y < inner.height
        {
            frame.set_cursor_position((inner.x + x, inner.y + y));
        }
    }
}

impl View for PasswordDialog {
    fn keys(&self) -> Sections {
        if self.confirming_holders {
            return vec![("Shared login", SHARED)];
        }
        let mut sections = vec![("Set password", TYPING)];
        if self.focus == 2 {
            sections.push(("Toggle", TOGGLE));
        }
        sections.extend([("Password", REVEAL), ("Fields", FIELDS), ("Form", FORM)]);
        sections
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.paste_text(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        PasswordDialog::render(self, frame, area, ctx.theme)
    }

    crate::tui::view::target_then_save!();

    fn edited(&self) -> bool {
        !self.pw.new.is_empty() || !self.pw.confirm.is_empty()
    }

    fn new_password(&mut self) -> Option<&mut NewPassword> {
        Some(&mut self.pw)
    }
}
