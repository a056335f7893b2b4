//! A new password typed twice, with the live policy checklist and strength
//! meter: used by first run, forced change, set password, new user and bulk
//! reset.
//!
//! The checklist and the meter (zxcvbn, quadratic in the password's length)
//! are never computed on the UI task: an edit only records what must be
//! checked, and the app sends it to the worker as a `Call::CheckPassword`,
//! one at a time. When the answer comes back the next check goes out with
//! whatever was typed meanwhile, so text typed faster than it can be checked
//! (a password manager's auto-type, a paste through tmux) costs one check per
//! answer, not one per key. Saving settles the checklist first: if the last
//! answer is not for what is typed now, it is computed once, there and then
//! (a password manager types the password and Enter at once). "Not used
//! before" needs the stored hashes and is checked by the service on save.

use super::fields::SecretField;
use super::theme::Theme;
use super::widgets::{checklist_lines, strength_line};
use crate::domain::Password;
use crate::domain::password_rules::{PasswordContext, RuleCheck, Strength};
use crate::domain::policy::Policy;
use ratatui::text::{Line, Span};

/// What a password is checked against: the policy and the person it is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckInput {
    pub policy: Policy,
    pub login: String,
    pub name: String,
    pub email: String,
}

impl CheckInput {
    pub fn context(&self) -> PasswordContext<'_> {
        PasswordContext {
            login: &self.login,
            name: &self.name,
            email: &self.email,
        }
    }
}

/// The worker's verdict on one password.
#[derive(Debug, Clone)]
pub struct Checked {
    pub checks: Vec<RuleCheck>,
    pub strength: Strength,
}

#[derive(Debug, Default)]
pub struct NewPassword {
    pub new: SecretField,
    pub confirm: SecretField,
    /// The checklist of the last check that came back.
    pub checks: Vec<RuleCheck>,
    pub strength: Option<Strength>,
    /// Set by an edit: what the next check is for. Taken when it is sent.
    wanted: Option<CheckInput>,
    /// What the last check sent was for.
    input: CheckInput,
    /// The request id of the check under way.
    checking: Option<u64>,
}

impl NewPassword {
    /// Records that the checklist must be computed again for what is typed
    /// now; the app sends the check (see the module doc). Cheap: no rule
    /// is evaluated here.
    pub fn recheck(&mut self, policy: &Policy, ctx: &PasswordContext<'_>) {
        self.wanted = Some(CheckInput {
            policy: policy.clone(),
            login: ctx.login.to_string(),
            name: ctx.name.to_string(),
            email: ctx.email.to_string(),
        });
    }

    /// The check to send now, if one is wanted and none is under way: what
    /// it checks, and the password as typed now.
    pub fn next_check(&mut self) -> Option<(CheckInput, Password)> {
        if self.checking.is_some() {
            return None;
        }
        let input = self.wanted.take()?;
        self.input = input.clone();
        Some((input, self.new.password()))
    }

    /// Makes the checklist current for what is typed now, computing it here
    /// if the worker's answer is not (once, when saving); an answer still on
    /// its way is then dropped.
    pub fn settle(&mut self) {
        if self.is_current() {
            return;
        }
        if let Some(input) = self.wanted.take() {
            self.input = input;
        }
        self.checking = None;
        let verdict = evaluate(&self.input, &self.new.password());
        self.checks = verdict.checks;
        self.strength = Some(verdict.strength);
    }

    /// The check just sent has request id `id`.
    pub fn sent(&mut self, id: u64) {
        self.checking = Some(id);
    }

    /// Whether check `id` is the one under way.
    pub fn waits_for(&self, id: u64) -> bool {
        self.checking == Some(id)
    }

    /// Takes the answer to check `id` (one for an older check is ignored).
    pub fn checked(&mut self, id: u64, verdict: Checked) {
        if self.checking != Some(id) {
            return;
        }
        self.checking = None;
        self.checks = verdict.checks;
        self.strength = Some(verdict.strength);
    }

    /// The check `id` failed: it may be asked again at the next edit.
    pub fn check_failed(&mut self, id: u64) {
        if self.checking == Some(id) {
            self.checking = None;
        }
    }

    /// Whether the checklist shown is for what is typed now.
    pub fn is_current(&self) -> bool {
        self.wanted.is_none() && self.checking.is_none()
    }

    pub fn matches(&self) -> bool {
        self.new.expose() == self.confirm.expose()
    }

    /// Why OK is refused now; empty when the password may be saved. Settles
    /// the checklist first.
    pub fn problems(&mut self) -> Vec<String> {
        if self.new.is_empty() {
            return vec!["type a password".into()];
        }
        self.settle();
        let mut out: Vec<String> = self
            .checks
            .iter()
            .filter(|c| !c.met)
            .map(|c| c.message.clone())
            .collect();
        if !self.matches() {
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

    /// Checklist, strength and whether the two match. While a newer check
    /// is under way the last verdict stays on screen, marked with "…".
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
                let mut line = strength_line(s, theme);
                if !self.is_current() {
                    line.push_span(Span::styled("  (checking…)", theme.dim()));
                }
                lines.push(line);
            }
        }
        lines
    }
}

/// Evaluates every rule of `input`'s policy and the strength meter for
/// `password`: the worker runs this, never the UI task.
pub fn evaluate(input: &CheckInput, password: &Password) -> Checked {
    let ctx = input.context();
    Checked {
        checks: crate::domain::password_rules::checklist(&input.policy, password, &ctx),
        strength: crate::domain::password_rules::strength(password, &ctx),
    }
}
