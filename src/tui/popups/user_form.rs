//! Create a user, or edit one's details. Every field is checked as it is
//! typed with the same domain rules the service applies. Editing carries the
//! version that was read: if someone else changed the user meanwhile the save
//! is refused and Ctrl-L reloads their values.

use crate::domain::password_rules::PasswordContext;
use crate::domain::policy::Policy;
use crate::domain::rights::{self, Action};
use crate::domain::user::{check_email, check_name, parse_login};
use crate::domain::{Kind, LoginId, Role};
use crate::service::views::UserDetail;
use crate::service::{NewUser, UserEdit};
use crate::tui::effect::{Call, FormChoices, Reply};
use crate::tui::fields::{Pasted, TextField};
use crate::tui::keys::{
    self, Binding, CHOOSE, Cmd, ENTER_NEXT, FIELDS, FORM, REVEAL, Sections, b, ctrl, popup_cmd,
};
use crate::tui::new_password::NewPassword;
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, DetailAfter, Out, View, usual_reply};
use crate::tui::widgets::{
    centered, choice_line, popup_box, secret_field_line, table_hints, text_field_line, toggle_line,
};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Editing a stored user: reload it after someone else changed it.
const EDITING: &[Binding] = &[b(
    &[ctrl('l')],
    "reload",
    "reload the stored values (after someone else changed the user)",
    Cmd::Reload,
    true,
)];

/// A field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Login,
    Name,
    Email,
    Kind,
    Role,
    Policy,
    Password,
    Confirm,
    MustChange,
}

impl Field {
    fn is_choice(self) -> bool {
        matches!(
            self,
            Field::Kind | Field::Role | Field::Policy | Field::MustChange
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    New,
    Edit { login: String, version: i64 },
}

#[derive(Debug)]
pub struct UserForm {
    pub mode: Mode,
    pub login: TextField,
    pub name: TextField,
    pub email: TextField,
    pub kind: Kind,
    pub role: Role,
    /// Index into `policy_names`; 0 = the kind's default.
    pub policy: usize,
    pub policy_names: Vec<String>,
    /// The stored policy to select once the names are loaded.
    pending_policy: Option<Option<String>>,
    pub pw: NewPassword,
    pub must_change: bool,
    pub focus: usize,
    pub data: Option<FormChoices>,
    /// Roles the signed-in administrator may give.
    pub roles: Vec<Role>,
    pub error: Option<String>,
    pub pending: Option<u64>,
    /// The reload asked with Ctrl-L.
    pub reloading: Option<u64>,
    /// The call just asked for is that reload.
    asked_reload: bool,
    /// Opened with `e` from the list: the stored values are being read,
    /// and the fields take no key until they arrive.
    opening: bool,
    /// The fields as the form opened (or was last reloaded), to tell
    /// whether Esc would throw a change away.
    initial: Snapshot,
}

/// The values of a user form that a change shows in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Snapshot {
    login: String,
    name: String,
    email: String,
    kind: Option<Kind>,
    role: Option<Role>,
    must_change: bool,
    /// The policy chosen by name (`None` = the kind's default).
    policy: Option<String>,
}

impl UserForm {
    pub fn new_user(actor_role: Role) -> UserForm {
        let mut f = UserForm {
            mode: Mode::New,
            login: TextField::new(64),
            name: TextField::new(200),
            email: TextField::new(254),
            kind: Kind::Staff,
            role: Role::User,
            policy: 0,
            policy_names: vec!["(kind's default)".into()],
            pending_policy: None,
            pw: NewPassword::default(),
            must_change: true,
            focus: 0,
            data: None,
            roles: givable(actor_role),
            error: None,
            pending: None,
            reloading: None,
            asked_reload: false,
            opening: false,
            initial: Snapshot::default(),
        };
        f.initial = f.snapshot();
        f
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            login: self.login.value().to_string(),
            name: self.name.value().to_string(),
            email: self.email.value().to_string(),
            kind: Some(self.kind),
            role: Some(self.role),
            must_change: self.must_change,
            policy: self.policy_choice(),
        }
    }

    /// Something differs from what the form opened with, or a password was
    /// typed. The policy counts once the names are loaded (before, the
    /// choice cannot have been changed).
    pub fn edited(&self) -> bool {
        let mut now = self.snapshot();
        if self.data.is_none() {
            now.policy = self.initial.policy.clone();
        }
        now != self.initial || !self.pw.new.is_empty() || !self.pw.confirm.is_empty()
    }

    pub fn edit(actor_role: Role, d: &UserDetail) -> UserForm {
        let s = &d.summary;
        let mut f = UserForm::new_user(actor_role);
        f.mode = Mode::Edit {
            login: s.login.clone(),
            version: s.version,
        };
        f.fill(d);
        f
    }

    /// An edit form for `login` whose stored values are still to be read:
    /// the caller sends `Call::GetUser` for it (`View::sent` takes the id).
    pub fn opening(actor_role: Role, login: &str) -> UserForm {
        let mut f = UserForm::new_user(actor_role);
        f.mode = Mode::Edit {
            login: login.to_string(),
            version: 0,
        };
        f.opening = true;
        f.asked_reload = true;
        f
    }

    /// Puts the stored values in the fields (open, or reload after a conflict).
    pub fn fill(&mut self, d: &UserDetail) {
        let s = &d.summary;
        self.login = TextField::with(&s.login, 64);
        self.name = TextField::with(&s.name, 200);
        self.email = TextField::with(&s.email, 254);
        self.kind = s.kind;
        self.role = s.role;
        if !self.roles.contains(&self.role) {
            self.roles.push(self.role);
        }
        self.mode = Mode::Edit {
            login: s.login.clone(),
            version: s.version,
        };
        self.pending_policy = Some(if d.policy_assigned {
            Some(d.policy.clone())
        } else {
            None
        });
        self.apply_pending_policy();
        self.initial = self.snapshot();
        self.initial.policy = d.policy_assigned.then(|| d.policy.clone());
    }

    pub fn loaded(&mut self, data: FormChoices) {
        self.policy_names = std::iter::once("(kind's default)".to_string())
            .chain(data.policies.iter().map(|p| p.name.clone()))
            .collect();
        self.data = Some(data);
        self.apply_pending_policy();
        self.recheck();
    }

    fn apply_pending_policy(&mut self) {
        match &self.pending_policy {
            Some(None) => self.policy = 0,
            Some(Some(name)) => {
                if let Some(i) = self.policy_names.iter().position(|n| n == name) {
                    self.policy = i;
                }
            }
            None => {}
        }
    }

    fn fields(&self) -> usize {
        if self.mode == Mode::New { 9 } else { 5 }
    }

    /// Field index -> what it is, in order.
    fn field_kind(&self, i: usize) -> Field {
        match (self.mode == Mode::New, i) {
            (_, 0) => Field::Login,
            (_, 1) => Field::Name,
            (_, 2) => Field::Email,
            (true, 3) => Field::Kind,
            (true, 4) | (false, 3) => Field::Role,
            (true, 5) | (false, 4) => Field::Policy,
            (true, 6) => Field::Password,
            (true, 7) => Field::Confirm,
            _ => Field::MustChange,
        }
    }

    fn policy(&self) -> Policy {
        let Some(data) = &self.data else {
            return Policy::default();
        };
        if self.policy > 0
            && let Some(p) = data.policies.get(self.policy - 1)
        {
            return p.settings.clone();
        }
        if self.kind == Kind::Portal {
            data.portal_policy.clone()
        } else {
            data.staff_policy.clone()
        }
    }

    fn recheck(&mut self) {
        let policy = self.policy();
        let ctx = PasswordContext {
            login: self.login.value(),
            name: self.name.value(),
            email: self.email.value(),
        };
        self.pw.recheck(&policy, &ctx);
    }

    /// Problems with the identity fields, as typed.
    pub fn field_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let typed = self.login.value();
        // A login kept as it was is not held to a policy changed since.
        let kept = matches!(&self.mode, Mode::Edit { login, .. } if login == typed);
        let login = if kept {
            LoginId::parse(typed)
        } else {
            parse_login(typed, &self.policy())
        };
        if let Err(e) = login {
            out.push(e);
        }
        if let Err(e) = check_name(self.name.value()) {
            out.push(e);
        }
        if let Err(e) = check_email(self.email.value()) {
            out.push(e);
        }
        if self.kind == Kind::Portal && self.role != Role::User {
            out.push("portal accounts can only have the user role".into());
        }
        out
    }

    fn cycle(&mut self, forward: bool) {
        let step = |i: usize, n: usize| {
            if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }
        };
        match self.field_kind(self.focus) {
            Field::Kind => {
                self.kind = if self.kind == Kind::Staff {
                    Kind::Portal
                } else {
                    Kind::Staff
                };
                if self.kind == Kind::Portal {
                    self.role = Role::User;
                }
            }
            Field::Role => {
                if let Some(i) = self.roles.iter().position(|r| *r == self.role) {
                    self.role = self.roles[step(i, self.roles.len())];
                }
            }
            Field::Policy => self.policy = step(self.policy, self.policy_names.len().max(1)),
            Field::MustChange => self.must_change = !self.must_change,
            _ => {}
        }
        self.recheck();
    }

    fn handle(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        let cmd = popup_cmd(&View::keys(self), key);
        if self.opening {
            // Nothing to edit yet; Esc still closes.
            return if cmd == Some(Cmd::Cancel) {
                Out::Close
            } else {
                Out::None
            };
        }
        let count = self.fields();
        if keys::focus_move(cmd, &mut self.focus, count) {
            return Out::None;
        }
        match cmd {
            Some(Cmd::Cancel) => return Out::Close,
            Some(Cmd::Reveal) => self.pw.toggle_reveal(),
            Some(Cmd::Reload) => {
                if let Mode::Edit { login, .. } = &self.mode {
                    self.asked_reload = true;
                    return Out::Call(Call::GetUser {
                        login: login.clone(),
                    });
                }
            }
            Some(Cmd::Save) if key.code == KeyCode::Enter && self.focus + 1 < count => {
                self.focus += 1
            }
            Some(Cmd::Save) => return self.submit(),
            Some(Cmd::NextChoice) => self.cycle(true),
            Some(Cmd::PrevChoice) => self.cycle(false),
            _ => {
                let changed = match self.field_kind(self.focus) {
                    Field::Login => self.login.key(key),
                    Field::Name => self.name.key(key),
                    Field::Email => self.email.key(key),
                    Field::Password => self.pw.new.key(key),
                    Field::Confirm => self.pw.confirm.key(key),
                    _ => false,
                };
                if changed {
                    self.error = None;
                    self.recheck();
                }
            }
        }
        Out::None
    }

    fn paste_text(&mut self, text: &str) -> Pasted {
        match self.field_kind(self.focus) {
            Field::Login => self.login.paste(text)?,
            Field::Name => self.name.paste(text)?,
            Field::Email => self.email.paste(text)?,
            Field::Password => self.pw.new.paste(text)?,
            Field::Confirm => self.pw.confirm.paste(text)?,
            _ => return Ok(()),
        }
        self.recheck();
        Ok(())
    }

    fn policy_choice(&self) -> Option<String> {
        (self.policy > 0)
            .then(|| self.policy_names.get(self.policy).cloned())
            .flatten()
    }

    fn submit(&mut self) -> Out {
        let mut problems = self.field_problems();
        if self.mode == Mode::New {
            problems.extend(self.pw.problems());
        }
        if !problems.is_empty() {
            self.error = Some(format!("Cannot save yet: {}.", problems.join("; ")));
            return Out::None;
        }
        match &self.mode {
            Mode::New => Out::Call(Call::CreateUser {
                user: NewUser {
                    login: self.login.value().to_string(),
                    name: self.name.value().trim().to_string(),
                    email: self.email.value().trim().to_string(),
                    kind: self.kind,
                    role: self.role,
                    policy: self.policy_choice(),
                    must_change: self.must_change,
                },
                password: Some(self.pw.password()),
            }),
            Mode::Edit { login, version } => Out::Call(Call::EditUser {
                login: login.clone(),
                version: *version,
                edit: UserEdit {
                    login: Some(self.login.value().to_string()),
                    name: Some(self.name.value().to_string()),
                    email: Some(self.email.value().to_string()),
                    role: Some(self.role),
                    // Until the policy names are loaded the choice is unknown: keep the stored one.
                    policy: self.data.is_some().then(|| self.policy_choice()),
                },
            }),
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let title = match &self.mode {
            Mode::New => "New user".to_string(),
            Mode::Edit { login, .. } => format!("Edit {login}"),
        };
        let inner = popup_box(
            frame,
            centered(area, 84, if self.mode == Mode::New { 30 } else { 16 }),
            &title,
            theme,
        );
        let w = inner.width;
        let mut lines = Vec::new();
        let mut cursor = None;
        for i in 0..self.fields() {
            let f = self.focus == i;
            let (line, c) = match self.field_kind(i) {
                Field::Login => text_field_line("Login ID", &self.login, f, w, theme),
                Field::Name => text_field_line("Full name", &self.name, f, w, theme),
                Field::Email => text_field_line("Email", &self.email, f, w, theme),
                Field::Kind => (choice_line("Kind", self.kind.as_str(), f, theme), None),
                Field::Role => (choice_line("Role", self.role.label(), f, theme), None),
                Field::Policy => (
                    choice_line(
                        "Policy",
                        self.policy_names
                            .get(self.policy)
                            .map(String::as_str)
                            .unwrap_or("?"),
                        f,
                        theme,
                    ),
                    None,
                ),
                Field::Password => secret_field_line("Password", &self.pw.new, f, w, theme),
                Field::Confirm => {
                    secret_field_line("Repeat password", &self.pw.confirm, f, w, theme)
                }
                _ => (
                    toggle_line("Must change at next sign-in", self.must_change, f, theme),
                    None,
                ),
            };
            if let Some(c) = c {
                cursor = Some((c, i as u16));
            }
            lines.push(line);
        }
        lines.push(Line::raw(""));
        let typed = !self.login.value().is_empty()
            || !self.name.value().is_empty()
            || !self.email.value().is_empty();
        if typed {
            for p in self.field_problems() {
                lines.push(Line::from(Span::styled(format!("  ✗ {p}"), theme.bad())));
            }
        }
        if self.mode == Mode::New {
            lines.extend(self.pw.lines(theme));
        }
        lines.push(Line::raw(""));
        if self.opening {
            lines.push(Line::from(Span::styled(
                "  Reading the stored values…",
                theme.dim(),
            )));
        } else if self.data.is_none() {
            lines.push(Line::from(Span::styled("  Loading policies…", theme.dim())));
        }
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

impl View for UserForm {
    fn keys(&self) -> Sections {
        let mut sections = vec![("User", ENTER_NEXT)];
        if self.field_kind(self.focus).is_choice() {
            sections.push(("Choice", CHOOSE));
        }
        if matches!(self.mode, Mode::Edit { .. }) {
            sections.push(("Editing", EDITING));
        }
        if self.mode == Mode::New {
            sections.push(("Password", REVEAL));
        }
        sections.push(("Fields", FIELDS));
        sections.push(("Form", FORM));
        sections
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.paste_text(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        UserForm::render(self, frame, area, ctx.theme)
    }

    fn waits_for(&self, id: u64) -> bool {
        self.pending == Some(id) || self.reloading == Some(id)
    }

    fn sent(&mut self, id: u64, _now: chrono::DateTime<chrono::Utc>) {
        if std::mem::take(&mut self.asked_reload) {
            self.reloading = Some(id);
        } else {
            self.pending = Some(id);
        }
    }

    fn reply(&mut self, id: u64, reply: Reply) -> Out {
        match reply {
            Reply::User(Ok(d)) if self.reloading == Some(id) => {
                self.reloading = None;
                self.fill(&d);
                if !std::mem::take(&mut self.opening) {
                    self.error = Some("Reloaded the stored values; make your change again.".into());
                }
                Out::None
            }
            other => match usual_reply(self, other) {
                // After a rename the detail view follows the new login.
                Out::Done { note, stays, .. } if matches!(self.mode, Mode::Edit { .. }) => {
                    Out::Done {
                        note,
                        stays,
                        detail: DetailAfter::Rename(self.login.value().to_string()),
                    }
                }
                out => out,
            },
        }
    }

    fn failed(&mut self, why: String) -> bool {
        self.pending = None;
        self.reloading = None;
        self.error = Some(why);
        true
    }

    fn stop_waiting(&mut self) {
        self.pending = None;
        self.reloading = None;
    }

    fn edited(&self) -> bool {
        UserForm::edited(self)
    }

    fn new_password(&mut self) -> Option<&mut NewPassword> {
        Some(&mut self.pw)
    }

    fn form_choices(&mut self, choices: &FormChoices, _detail: Option<&UserDetail>) {
        self.loaded(choices.clone());
    }
}

/// Roles `actor` may give, most powerful first.
fn givable(actor: Role) -> Vec<Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| {
            *r == Role::User
                || rights::check(
                    actor,
                    Action::ChangeRole(*r),
                    Some((Role::User, Kind::Staff)),
                )
                .is_ok()
        })
        .collect()
}
