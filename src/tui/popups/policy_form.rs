//! A policy's form: every key grouped as Password, Lockout, Sessions and
//! links, Inactivity and Login IDs, each with its value, default, allowed
//! range and meaning; invalid values are refused as they are typed. Saving
//! first shows each change (old -> new), how many users it affects and the
//! enforce-on-change choice, and asks for the administrator's own password.

use crate::domain::policy::{Group, KEYS, Kind, Policy};
use crate::service::views::PolicyView;
use crate::tui::effect::Call;
use crate::tui::fields::{Pasted, SecretField, TextField};
use crate::tui::keys::{self, Binding, CHOOSE, Cmd, FIELDS, Sections, b, code, ctrl, popup_cmd};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View};
use crate::tui::widgets::{centered, popup_box, secret_field_line, table_hints, toggle_line};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Keys of the form (every key of the policy).
const EDITING: &[Binding] = &[
    b(
        &[ctrl('s')],
        "review and save",
        "review the changes, then save with your password",
        Cmd::Save,
        true,
    ),
    b(
        &[code(KeyCode::Enter)],
        "next",
        "the next key",
        Cmd::Save,
        false,
    ),
    b(
        &[code(KeyCode::Esc)],
        "cancel",
        "close (asks first if something was changed)",
        Cmd::Cancel,
        true,
    ),
];

/// Read-only: moving about and closing.
const READING: &[Binding] = &[
    b(
        &[
            code(KeyCode::Tab),
            code(KeyCode::Down),
            code(KeyCode::Enter),
        ],
        "next",
        "the next key",
        Cmd::NextField,
        true,
    ),
    b(
        &[code(KeyCode::BackTab), code(KeyCode::Up)],
        "previous",
        "the key before",
        Cmd::PrevField,
        false,
    ),
    b(&[code(KeyCode::Esc)], "close", "close", Cmd::Cancel, true),
];

/// Reviewing the changes before saving.
const REVIEWING: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "save",
        "save, confirmed with your own password",
        Cmd::Save,
        true,
    ),
    b(
        &[code(KeyCode::Tab), code(KeyCode::BackTab)],
        "enforce on/off",
        "whether users under it must pick a new password at their next sign-in",
        Cmd::NextChoice,
        true,
    ),
    b(
        &[code(KeyCode::Esc)],
        "back",
        "back to the form",
        Cmd::Cancel,
        true,
    ),
];

/// The name prompt of a new policy.
const NAMING: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "create",
        "create the copy",
        Cmd::Save,
        true,
    ),
    b(&[code(KeyCode::Esc)], "cancel", "cancel", Cmd::Cancel, true),
];

/// What a letter typed or pasted into a number says.
fn not_a_number(key: &str, min: u32, max: u32) -> String {
    format!("{key} is a whole number from {min} to {max}: digits only")
}

#[derive(Debug)]
pub struct PolicyForm {
    pub name: String,
    pub version: i64,
    /// How many users it governs (`None` until counted).
    pub users: Option<i64>,
    pub original: Policy,
    /// One field per key, in `KEYS` order.
    pub fields: Vec<TextField>,
    pub focus: usize,
    pub read_only: bool,
    /// Reviewing the changes before saving.
    pub review: bool,
    pub enforce: bool,
    pub admin_password: SecretField,
    pub error: Option<String>,
    pub pending: Option<u64>,
}

impl PolicyForm {
    pub fn new(view: &PolicyView, users: Option<i64>, read_only: bool) -> PolicyForm {
        let fields = KEYS
            .iter()
            .map(|k| TextField::with(&view.settings.get(k.name).unwrap_or_default(), 16))
            .collect();
        PolicyForm {
            name: view.name.clone(),
            version: view.version,
            users,
            original: view.settings.clone(),
            fields,
            focus: 0,
            read_only,
            review: false,
            enforce: view.settings.enforce_on_change,
            admin_password: SecretField::default(),
            error: None,
            pending: None,
        }
    }

    /// The message for an invalid value in field `i`, if any.
    fn field_error(&self, i: usize) -> Option<String> {
        let key = KEYS[i].name;
        let mut probe = self.original.clone();
        probe.set(key, self.fields[i].value()).err().map(|e| e.0)
    }

    /// Any value differs from the stored policy.
    pub fn edited(&self) -> bool {
        !self.read_only
            && KEYS
                .iter()
                .zip(&self.fields)
                .any(|(k, f)| self.original.get(k.name).as_deref() != Some(f.value().trim()))
    }

    /// Changed keys as KEY=VALUE pairs (enforce_on_change is chosen on review).
    fn changes(&self) -> Vec<(String, String)> {
        KEYS.iter()
            .zip(&self.fields)
            // enforce_on_change is chosen on the review screen.
            .filter(|(k, f)| {
                k.name != "enforce_on_change"
                    && self.original.get(k.name).as_deref() != Some(f.value().trim())
            })
            .map(|(k, f)| (k.name.to_string(), f.value().trim().to_string()))
            .collect()
    }

    fn handle(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        let cmd = popup_cmd(&View::keys(self), key);
        if self.review {
            return self.review_key(cmd, key);
        }
        if keys::focus_move(cmd, &mut self.focus, KEYS.len()) {
            return Out::None;
        }
        match cmd {
            Some(Cmd::Cancel) => return Out::Close,
            Some(Cmd::Save) if key.code == KeyCode::Enter => {
                self.focus = (self.focus + 1) % KEYS.len();
            }
            Some(Cmd::Save) => return self.start_review(),
            // Booleans and choices are chosen, not typed.
            Some(Cmd::NextChoice) => {
                self.step_value(true);
                self.error = None;
            }
            Some(Cmd::PrevChoice) => {
                self.step_value(false);
                self.error = None;
            }
            _ => {
                let Kind::Int { min, max } = KEYS[self.focus].kind else {
                    return Out::None;
                };
                if self.read_only {
                    return Out::None;
                }
                // A number takes digits only: a letter is refused as typed.
                if let KeyCode::Char(c) = key.code
                    && !c.is_ascii_digit()
                    && !key.modifiers.contains(KeyModifiers::CONTROL)
                {
                    self.error = Some(not_a_number(KEYS[self.focus].name, min, max));
                } else if self.fields[self.focus].key(key) {
                    self.error = None;
                }
            }
        }
        Out::None
    }

    /// The next (or previous) value of the focused boolean or choice.
    fn step_value(&mut self, forward: bool) {
        let values: &[&str] = match KEYS[self.focus].kind {
            Kind::Bool => &["false", "true"],
            Kind::Choice(c) => c,
            Kind::Int { .. } => return,
        };
        let field = &mut self.fields[self.focus];
        let now = field.value().trim().to_ascii_lowercase();
        let at = values.iter().position(|v| *v == now);
        let n = values.len();
        let next = match (at, forward) {
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
            (None, _) => 0,
        };
        *field = TextField::with(values[next], 16);
    }

    fn paste_text(&mut self, text: &str) -> Pasted {
        let typed = matches!(KEYS[self.focus].kind, Kind::Int { .. });
        if self.review {
            return self.admin_password.paste(text);
        }
        if !self.read_only && typed {
            if let Kind::Int { min, max } = KEYS[self.focus].kind
                && !text.trim().chars().all(|c| c.is_ascii_digit())
            {
                return Err(not_a_number(KEYS[self.focus].name, min, max));
            }
            return self.fields[self.focus].paste(text.trim());
        }
        Ok(())
    }

    fn start_review(&mut self) -> Out {
        let bad: Vec<String> = (0..KEYS.len())
            .filter_map(|i| self.field_error(i))
            .collect();
        if !bad.is_empty() {
            self.error = Some(format!("Not yet: {}.", bad.join("; ")));
            return Out::None;
        }
        let changes = self.changes();
        if changes.is_empty() {
            self.error = Some("Nothing changed.".into());
            return Out::None;
        }
        if let Err(e) = self.original.with_changes(&changes) {
            self.error = Some(e.0);
            return Out::None;
        }
        // The review's enforce choice starts from what the form says.
        if let Some(i) = KEYS.iter().position(|k| k.name == "enforce_on_change") {
            self.enforce = matches!(
                self.fields[i].value().trim().to_ascii_lowercase().as_str(),
                "true" | "yes" | "on" | "1"
            );
        }
        self.review = true;
        self.error = None;
        Out::None
    }

    fn review_key(&mut self, cmd: Option<Cmd>, key: &KeyEvent) -> Out {
        match cmd {
            Some(Cmd::Cancel) => {
                self.review = false;
                self.admin_password.clear();
                Out::None
            }
            Some(Cmd::NextChoice) => {
                self.enforce = !self.enforce;
                Out::None
            }
            Some(Cmd::Save) => {
                if self.admin_password.is_empty() {
                    self.error = Some("Type your own password to save.".into());
                    return Out::None;
                }
                let mut pairs = self.changes();
                pairs.push(("enforce_on_change".into(), self.enforce.to_string()));
                let call = Call::SavePolicy {
                    name: self.name.clone(),
                    pairs,
                    version: self.version,
                    admin_password: self.admin_password.password(),
                };
                self.admin_password.clear();
                Out::Call(call)
            }
            _ => {
                self.admin_password.key(key);
                self.error = None;
                Out::None
            }
        }
    }

    /// "1,234", or "…" while still being counted.
    fn governs(&self) -> String {
        self.users
            .map_or_else(|| "…".to_string(), |n| n.to_string())
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let title = format!(
            "Policy {} (version {}, governs {} users){}",
            self.name,
            self.version,
            self.governs(),
            if self.read_only { " — read-only" } else { "" }
        );
        let inner = popup_box(frame, centered(area, 110, area.height), &title, theme);
        let mut lines: Vec<Line> = Vec::new();
        let mut cursor = None;
        if self.review {
            lines.push(Line::from(Span::styled("  Changes:", theme.title())));
            for (k, new) in self.changes() {
                let old = self.original.get(&k).unwrap_or_default();
                lines.push(Line::raw(format!("    {k}: {old} -> {new}")));
            }
            lines.push(Line::raw(""));
            lines.push(Line::raw(format!(
                "  This policy governs {} users.",
                self.governs()
            )));
            lines.push(toggle_line(
                "Users whose password was set under the old rules must choose a new, different one at their next sign-in (Tab)",
                self.enforce,
                false,
                theme,
            ));
            lines.push(Line::raw(""));
            let (l, c) = secret_field_line(
                "Your password",
                &self.admin_password,
                true,
                inner.width,
                theme,
            );
            cursor = c.map(|c| (c, lines.len() as u16));
            lines.push(l);
            lines.push(Line::raw(""));
            if self.pending.is_some() {
                lines.push(Line::from(Span::styled("  Saving…", theme.dim())));
            } else if let Some(e) = &self.error {
                lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
            }
            lines.push(table_hints(&View::keys(self), theme));
        } else {
            let mut group: Option<Group> = None;
            let mut focus_line = 0u16;
            for (i, k) in KEYS.iter().enumerate() {
                if group != Some(k.group) {
                    group = Some(k.group);
                    lines.push(Line::from(Span::styled(
                        format!(" {}", k.group.label()),
                        theme.title(),
                    )));
                }
                let focused = i == self.focus;
                if focused {
                    focus_line = lines.len() as u16;
                }
                let chosen = !matches!(k.kind, Kind::Int { .. });
                let value = if chosen && focused && !self.read_only {
                    format!("◂ {} ▸", self.fields[i].value())
                } else {
                    self.fields[i].value().to_string()
                };
                let default = Policy::default().get(k.name).unwrap_or_default();
                let err = self.field_error(i);
                let style = if err.is_some() {
                    theme.bad()
                } else if focused {
                    theme.focus()
                } else {
                    theme.base()
                };
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{}{:<24}", if focused { "▸ " } else { "  " }, k.name),
                        style,
                    ),
                    Span::styled(format!("{value:<10} "), style),
                    Span::styled(
                        format!("[{}] default {default}  ", k.range_text()),
                        theme.dim(),
                    ),
                    Span::styled(
                        err.unwrap_or_else(|| k.help.to_string()),
                        if focused { theme.base() } else { theme.dim() },
                    ),
                ]));
                if focused && !self.read_only && !chosen {
                    cursor = Some((
                        2 + 24 + self.fields[i].input.visual_cursor() as u16,
                        lines.len() as u16 - 1,
                    ));
                }
            }
            // The message and the keys stay at the bottom, whatever the
            // length of the list above them.
            let mut footer = vec![Line::raw("")];
            if let Some(e) = &self.error {
                footer.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
            }
            footer.push(table_hints(&View::keys(self), theme));
            let footer_height = (footer.len() as u16).min(inner.height);
            let body = Rect {
                height: inner.height - footer_height,
                ..inner
            };
            let foot = Rect {
                y: inner.y + body.height,
                height: footer_height,
                ..inner
            };
            // Keep the focused key visible on short terminals.
            let scroll = focus_line.saturating_sub(body.height.saturating_sub(2));
            frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), body);
            frame.render_widget(Paragraph::new(footer), foot);
            if let Some((x, y)) = cursor {
                let y = y.saturating_sub(scroll);
                if x < body.width && y < body.height {
                    frame.set_cursor_position((body.x + x, body.y + y));
                }
            }
            return;
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some((x, y)) = cursor
            && x < inner.width
            && y < inner.height
        {
            frame.set_cursor_position((inner.x + x, inner.y + y));
        }
    }
}

/// Asks for a new policy's name (a copy of another).
#[derive(Debug)]
pub struct NewPolicyPrompt {
    pub copy_of: String,
    pub name: TextField,
    pub error: Option<String>,
    pub pending: Option<u64>,
}

impl NewPolicyPrompt {
    pub fn new(copy_of: &str) -> NewPolicyPrompt {
        NewPolicyPrompt {
            copy_of: copy_of.into(),
            name: TextField::new(64),
            error: None,
            pending: None,
        }
    }

    fn handle(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        match popup_cmd(&View::keys(self), key) {
            Some(Cmd::Cancel) => Out::Close,
            Some(Cmd::Save) => {
                let name = self.name.value().trim().to_string();
                if name.is_empty() {
                    self.error = Some("Type a name.".into());
                    return Out::None;
                }
                Out::Call(Call::CreatePolicy {
                    name,
                    copy_of: self.copy_of.clone(),
                })
            }
            _ => {
                self.name.key(key);
                self.error = None;
                Out::None
            }
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = popup_box(
            frame,
            centered(area, 70, 8),
            &format!("New policy (a copy of {})", self.copy_of),
            theme,
        );
        let (line, cursor) =
            crate::tui::widgets::text_field_line("Name", &self.name, true, inner.width, theme);
        let mut lines = vec![line, Line::raw("")];
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(table_hints(&View::keys(self), theme));
        frame.render_widget(Paragraph::new(lines), inner);
        if let Some(x) = cursor
            && x < inner.width
        {
            frame.set_cursor_position((inner.x + x, inner.y));
        }
    }
}

impl View for PolicyForm {
    fn keys(&self) -> Sections {
        if self.review {
            return vec![("Review", REVIEWING)];
        }
        if self.read_only {
            return vec![("Policy (read-only)", READING)];
        }
        if matches!(KEYS[self.focus].kind, Kind::Int { .. }) {
            vec![("Policy", EDITING), ("Fields", FIELDS)]
        } else {
            vec![("Policy", EDITING), ("Choice", CHOOSE), ("Fields", FIELDS)]
        }
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.paste_text(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        PolicyForm::render(self, frame, area, ctx.theme)
    }

    crate::tui::view::one_request!();

    fn edited(&self) -> bool {
        PolicyForm::edited(self)
    }

    fn policy_counts(&mut self, counts: &[(String, i64)]) {
        if let Some((_, n)) = counts.iter().find(|(n, _)| *n == self.name) {
            self.users = Some(*n);
        }
    }
}

impl View for NewPolicyPrompt {
    fn keys(&self) -> Sections {
        vec![("New policy", NAMING)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.name.paste(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        NewPolicyPrompt::render(self, frame, area, ctx.theme)
    }

    crate::tui::view::one_request!();
}
