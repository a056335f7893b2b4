//! A new password typed twice, with the live policy checklist and strength
//! meter: used by first run, forced change, set password and new user.
//! The checklist is computed here from the policy (pure domain code, no I/O);
//! "not used before" needs the stored hashes and is checked by the service
//! on save.

use super::fields::SecretField;
use super::theme::Theme;
use super::widgets::{checklist_lines, strength_line};
use crate::domain::Password;
use crate::domain::password_rules::{PasswordContext, RuleCheck, Strength, checklist, strength};
use crate::domain::policy::Policy;
use ratatui::text::{Line, Span};

#[derive(Debug, Default)]
pub struct NewPassword {
    pub new: SecretField,
    pub confirm: SecretField,
    pub checks: Vec<RuleCheck>,
    pub strength: Option<Strength>,
}

impl NewPassword {
    /// Re-evaluates every rule for what is typed now.
    pub fn recheck(&mut self, policy: &Policy, ctx: &PasswordContext<'_>) {
        let pw = Password::new(self.new.expose().to_string());
        self.checks = checklist(policy, &pw, ctx);
        self.strength = Some(strength(&pw, ctx));
    }

    pub fn matches(&self) -> bool {
        self.new.expose() == self.confirm.expose()
    }

    /// Why OK is refused now; empty when the password may be saved.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .checks
            .iter()
            .filter(|c| !c.met)
            .map(|c| c.message.clone())
            .collect();
        if self.new.is_empty() {
            out.insert(0, "type a password".into());
        } else if !self.matches() {
            out.push("the two passwords differ".into());
        }
        out
    }

    pub fn password(&self) -> Password {
        self.new.password()
    }

    pub fn clear(&mut self) {
        self.new.clear();
        self.confirm.clear();
    }

    pub fn toggle_reveal(&mut self) {
        self.new.reveal = !self.new.reveal;
        self.confirm.reveal = self.new.reveal;
    }

    /// Checklist, strength and whether the two match.
    pub fn lines<'a>(&self, theme: &Theme) -> Vec<Line<'a>> {
        let typed = !self.new.is_empty();
        let mut lines = checklist_lines(&self.checks, typed, theme);
        if typed {
            lines.push(if self.confirm.is_empty() {
                Line::from(Span::styled("  · type it again to confirm", theme.dim()))
            } else if self.matches() {
                Line::from(Span::styled("  ✓ both entries match", theme.good()))
            } else {
                Line::from(Span::styled("  ✗ the two entries differ", theme.bad()))
            });
            if let Some(s) = &self.strength {
                lines.push(strength_line(s, theme));
            }
        }
        lines
    }
}
