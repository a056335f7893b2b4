//! "Reset Passwords" (bulk reset): one new password for every staff user in
//! scope (never portal users, never the acting administrator), or, in the
//! second mode, a one-time reset link mailed to each of them, so that nobody
//! shares a password. Edit the password, scope, must-change and mode;
//! confirm with the exact count shown, your own password (step-up) and the
//! count typed; then a gauge with done/total, rate and time left,
//! cancellable before the commit (nothing changes then).

use crate::domain::Role;
use crate::domain::password_rules::PasswordContext;
use crate::domain::plural;
use crate::domain::policy::Policy;
use crate::service::BulkRequest;
use crate::tui::effect::{Call, FormChoices, Reply};
use crate::tui::fields::{Pasted, SecretField, TextField};
use crate::tui::keys::{
    self, Binding, CHOOSE, Cmd, ENTER_NEXT, FIELDS, FORM, REVEAL, Sections, b, code, ctrl,
    popup_cmd,
};
use crate::tui::new_password::NewPassword;
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View, error_reply, usual_reply};
use crate::tui::widgets::{
    centered, choice_line, popup_box, secret_field_line, table_hints, text_field_line, toggle_line,
};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Confirming: your password and the count typed.
const CONFIRMING: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "next/reset",
        "the next field; in the last one, reset every password in scope",
        Cmd::Save,
        true,
    ),
    b(
        &[ctrl('s')],
        "reset",
        "reset every password in scope",
        Cmd::Save,
        false,
    ),
    b(
        &[code(KeyCode::Esc)],
        "back",
        "back to the password and scope",
        Cmd::Cancel,
        true,
    ),
];

const RUNNING: &[Binding] = &[b(
    &[code(KeyCode::Esc)],
    "cancel",
    "stop before anything changes",
    Cmd::Cancel,
    true,
)];

const FINISHED: &[Binding] = &[b(
    &[code(KeyCode::Enter), code(KeyCode::Esc)],
    "close",
    "close",
    Cmd::Cancel,
    true,
)];

#[derive(Debug)]
pub enum Stage {
    Edit,
    Confirm,
    Running {
        started: DateTime<Utc>,
        done: u64,
        total: u64,
    },
    Finished(String),
}

#[derive(Debug)]
pub struct BulkResetDialog {
    pub stage: Stage,
    pub pw: NewPassword,
    /// None = every role.
    pub role: Option<Role>,
    /// Index into `resources`; 0 = every resource.
    pub resource: usize,
    pub resources: Vec<String>,
    pub must_change: bool,
    /// The second mode: a reset link mailed to each user, no password.
    pub by_link: bool,
    pub focus: usize,
    pub policy: Policy,
    /// How many accounts the scope covers (None while counting).
    pub count: Option<i64>,
    pub counting: Option<u64>,
    pub admin_password: SecretField,
    pub typed_count: TextField,
    pub cancel: Arc<AtomicBool>,
    pub error: Option<String>,
    pub pending: Option<u64>,
    /// After a bulk reset by link: the outbox as last read, to watch the
    /// mail leave at the mail server's pace.
    pub delivery: Option<crate::service::MailStatus>,
    /// Why the outbox could not be read, if it could not.
    pub delivery_error: Option<String>,
    delivery_asked: Option<DateTime<Utc>>,
    delivery_pending: Option<u64>,
}

/// How often a finished bulk reset by link reads the outbox again.
const DELIVERY_REFRESH_SECONDS: i64 = 3;

const ROLES: [Option<Role>; 6] = [
    None,
    Some(Role::User),
    Some(Role::AccountManager),
    Some(Role::Manager),
    Some(Role::Admin),
    Some(Role::GlobalAdmin),
];

impl BulkResetDialog {
    pub fn new(policy: Policy, resources: Vec<String>) -> BulkResetDialog {
        let mut d = BulkResetDialog {
            stage: Stage::Edit,
            pw: NewPassword::default(),
            role: None,
            resource: 0,
            resources: std::iter::once("(every resource)".to_string())
                .chain(resources)
                .collect(),
            must_change: true,
            by_link: false,
            focus: 0,
            policy,
            count: None,
            counting: None,
            admin_password: SecretField::default(),
            typed_count: TextField::new(12),
            cancel: Arc::new(AtomicBool::new(false)),
            error: None,
            pending: None,
            delivery: None,
            delivery_error: None,
            delivery_asked: None,
            delivery_pending: None,
        };
        d.recheck();
        d
    }

    /// The staff policy and the resource names arrived.
    pub fn loaded(&mut self, data: &FormChoices) {
        self.policy = data.staff_policy.clone();
        self.resources = std::iter::once("(every resource)".to_string())
            .chain(data.resources.iter().cloned())
            .collect();
        self.recheck();
    }

    /// The fields: new password, repeat, role, resource, must change, mode.
    const FIELDS: usize = 6;
    const MODE: usize = 5;

    /// Whether field `i` takes input in the current mode (a reset by link
    /// has no password and nothing to change at sign-in).
    fn active(&self, i: usize) -> bool {
        !(self.by_link && matches!(i, 0 | 1 | 4))
    }

    /// The call that counts the scope in the current mode.
    pub fn count_call(&self) -> Call {
        let request = self.request();
        if self.by_link {
            Call::BulkLinksCount { request }
        } else {
            Call::BulkCount { request }
        }
    }

    /// A password typed and not yet used.
    pub fn edited(&self) -> bool {
        matches!(self.stage, Stage::Edit | Stage::Confirm)
            && (!self.pw.new.is_empty() || !self.pw.confirm.is_empty())
    }

    pub fn request(&self) -> BulkRequest {
        BulkRequest {
            role: self.role,
            resource: (self.resource > 0)
                .then(|| self.resources.get(self.resource).cloned())
                .flatten(),
            must_change: self.must_change,
            confirmed_count: self.count.and_then(|n| u64::try_from(n).ok()),
        }
    }

    fn recheck(&mut self) {
        let ctx = PasswordContext {
            login: "",
            name: "",
            email: "",
        };
        let policy = self.policy.clone();
        self.pw.recheck(&policy, &ctx);
    }

    /// The scope (or the mode) changed: the count must be fetched again.
    fn scope_changed(&mut self) -> Out {
        self.count = None;
        self.error = None;
        Out::Call(self.count_call())
    }

    fn handle(&mut self, key: &KeyEvent) -> Out {
        let cmd = popup_cmd(&View::keys(self), key);
        match &self.stage {
            Stage::Running { .. } => {
                if cmd == Some(Cmd::Cancel) {
                    self.cancel.store(true, Ordering::Relaxed);
                    self.error = Some("Cancelling… nothing will change.".into());
                }
                Out::None
            }
            Stage::Finished(_) => match cmd {
                Some(Cmd::Cancel) => Out::Close,
                _ => Out::None,
            },
            Stage::Confirm => self.confirm_key(cmd, key),
            Stage::Edit => self.edit_key(cmd, key),
        }
    }

    fn edit_key(&mut self, cmd: Option<Cmd>, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        if keys::focus_move(cmd, &mut self.focus, Self::FIELDS) {
            while !self.active(self.focus) {
                keys::focus_move(cmd, &mut self.focus, Self::FIELDS);
            }
            return Out::None;
        }
        let cycle = |i: usize, n: usize, fwd: bool| if fwd { (i + 1) % n } else { (i + n - 1) % n };
        match cmd {
            Some(Cmd::Cancel) => Out::Close,
            Some(Cmd::Reveal) => {
                self.pw.toggle_reveal();
                Out::None
            }
            Some(Cmd::Save) if key.code == KeyCode::Enter && self.focus < Self::MODE => {
                self.focus += 1;
                while !self.active(self.focus) {
                    self.focus += 1;
                }
                Out::None
            }
            Some(Cmd::Save) => {
                let mut problems = if self.by_link {
                    Vec::new()
                } else {
                    self.pw.problems()
                };
                match self.count {
                    // The count was refused (a reset by link without a
                    // public URL): its reason stays on screen.
                    None if self.counting.is_none() && self.error.is_some() => return Out::None,
                    None => problems.push("the number of accounts is still being counted".into()),
                    Some(0) => problems.push("no staff account matches this scope".into()),
                    Some(_) => {}
                }
                if !problems.is_empty() {
                    self.error = Some(format!("Not yet: {}.", problems.join("; ")));
                    return Out::None;
                }
                self.error = None;
                self.stage = Stage::Confirm;
                self.focus = 0;
                Out::None
            }
            Some(c @ (Cmd::NextChoice | Cmd::PrevChoice)) => {
                let fwd = c == Cmd::NextChoice;
                match self.focus {
                    2 => {
                        let i = ROLES.iter().position(|r| *r == self.role).unwrap_or(0);
                        self.role = ROLES[cycle(i, ROLES.len(), fwd)];
                        self.scope_changed()
                    }
                    3 => {
                        self.resource = cycle(self.resource, self.resources.len().max(1), fwd);
                        self.scope_changed()
                    }
                    Self::MODE => {
                        self.by_link = !self.by_link;
                        self.scope_changed()
                    }
                    _ if !self.active(self.focus) => Out::None,
                    _ => {
                        self.must_change = !self.must_change;
                        Out::None
                    }
                }
            }
            _ if self.focus < 2 && self.active(self.focus) => {
                let changed = if self.focus == 0 {
                    self.pw.new.key(key)
                } else {
                    self.pw.confirm.key(key)
                };
                if changed {
                    self.error = None;
                    self.recheck();
                }
                Out::None
            }
            _ => Out::None,
        }
    }

    fn confirm_key(&mut self, cmd: Option<Cmd>, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        if keys::focus_move(cmd, &mut self.focus, 2) {
            return Out::None;
        }
        match cmd {
            Some(Cmd::Cancel) => {
                self.stage = Stage::Edit;
                self.admin_password.clear();
                self.typed_count.clear();
                self.error = None;
                Out::None
            }
            Some(Cmd::Save) if key.code == KeyCode::Enter && self.focus == 0 => {
                self.focus = 1;
                Out::None
            }
            Some(Cmd::Save) => {
                let count = self.count.unwrap_or(0);
                if self.admin_password.is_empty() {
                    self.error = Some("Type your own password to confirm it is you.".into());
                    return Out::None;
                }
                if !plural::confirms(self.typed_count.value().trim(), &count.to_string()) {
                    self.error = Some(format!(
                        "Type {} (the number of accounts) to confirm.",
                        plural::thousands(count)
                    ));
                    return Out::None;
                }
                self.cancel.store(false, Ordering::Relaxed);
                let call = if self.by_link {
                    Call::BulkResetLinks {
                        request: self.request(),
                        admin_password: self.admin_password.password(),
                        cancel: self.cancel.clone(),
                    }
                } else {
                    Call::BulkReset {
                        request: self.request(),
                        password: self.pw.password(),
                        admin_password: self.admin_password.password(),
                        cancel: self.cancel.clone(),
                    }
                };
                self.admin_password.clear();
                Out::Call(call)
            }
            _ => {
                if self.focus == 0 {
                    self.admin_password.key(key);
                } else {
                    self.typed_count.key(key);
                }
                self.error = None;
                Out::None
            }
        }
    }

    fn paste_text(&mut self, text: &str) -> Pasted {
        if matches!(self.stage, Stage::Edit) && !self.active(self.focus) {
            return Ok(());
        }
        match (&self.stage, self.focus) {
            (Stage::Edit, 0) => self.pw.new.paste(text)?,
            (Stage::Edit, 1) => self.pw.confirm.paste(text)?,
            (Stage::Confirm, 0) => self.admin_password.paste(text)?,
            (Stage::Confirm, _) => self.typed_count.paste(text)?,
            _ => return Ok(()),
        }
        self.recheck();
        Ok(())
    }

    /// The call started: show the gauge.
    pub fn started(&mut self, now: DateTime<Utc>) {
        let total = self.count.unwrap_or(0).max(0) as u64;
        self.stage = Stage::Running {
            started: now,
            done: 0,
            total,
        };
        self.error = None;
    }

    pub fn progress(&mut self, done: u64, total: u64) {
        if let Stage::Running {
            done: d, total: t, ..
        } = &mut self.stage
        {
            *d = done;
            *t = total;
        }
    }

    pub fn finished(&mut self, summary: String) {
        self.pending = None;
        self.pw.clear();
        self.stage = Stage::Finished(summary);
    }

    /// The outbox after a bulk reset by link, read every few seconds.
    fn delivery_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        if let Some(e) = &self.delivery_error {
            return vec![Line::from(Span::styled(
                format!("  The outbox could not be read: {e}"),
                theme.bad(),
            ))];
        }
        let Some(d) = &self.delivery else {
            return vec![Line::from(Span::styled(
                "  Reading the outbox…",
                theme.dim(),
            ))];
        };
        let mut lines = vec![Line::raw(format!(
            "  Mail outbox: {} queued, {} sent, {} failed (every mail, read every {DELIVERY_REFRESH_SECONDS} s).",
            d.queued, d.sent, d.failed
        ))];
        lines.push(Line::from(Span::styled(
            if d.queued == 0 {
                "  Every link has left (or failed: m in the Audit pane lists why)."
            } else {
                "  Delivery goes on if you close this; m in the Audit pane shows the outbox."
            },
            theme.dim(),
        )));
        lines
    }

    /// Failed or cancelled: back to editing, with what was typed kept.
    fn failed_here(&mut self, why: String) {
        self.pending = None;
        self.stage = Stage::Edit;
        self.typed_count.clear();
        self.error = Some(why);
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: DateTime<Utc>) {
        let inner = popup_box(
            frame,
            centered(area, 86, 26),
            "Reset passwords (all staff users)",
            theme,
        );
        let w = inner.width;
        let mut lines = Vec::new();
        let mut cursor = None;
        let plural = |n: i64| if n == 1 { "" } else { "s" };
        let count_text = match self.count {
            None if self.counting.is_none() && self.error.is_some() => "not counted".to_string(),
            None => "counting…".to_string(),
            Some(n) if self.by_link => format!("{n} reset link{} will be mailed", plural(n)),
            Some(n) => format!("{n} staff account{} will change", plural(n)),
        };
        match &self.stage {
            Stage::Edit => {
                lines.push(Line::from(Span::styled(
                    if self.by_link {
                        "  Each in scope is mailed their own one-time reset link. Never portal users or you."
                    } else {
                        "  Everyone in scope gets this password. Portal users and you are never included."
                    },
                    theme.dim(),
                )));
                lines.push(Line::raw(""));
                if self.by_link {
                    lines.push(Line::from(Span::styled(
                        "  New password      (none: each user chooses one through their link)",
                        theme.dim(),
                    )));
                    lines.push(Line::raw(""));
                } else {
                    let (l1, c1) =
                        secret_field_line("New password", &self.pw.new, self.focus == 0, w, theme);
                    let (l2, c2) =
                        secret_field_line("Repeat it", &self.pw.confirm, self.focus == 1, w, theme);
                    cursor = match self.focus {
                        0 => c1.map(|c| (c, 2)),
                        1 => c2.map(|c| (c, 3)),
                        _ => None,
                    };
                    lines.push(l1);
                    lines.push(l2);
                }
                let role = self.role.map(|r| r.label()).unwrap_or("every role");
                lines.push(choice_line("Role", role, self.focus == 2, theme));
                let res = self
                    .resources
                    .get(self.resource)
                    .map(String::as_str)
                    .unwrap_or("?");
                lines.push(choice_line("Resource", res, self.focus == 3, theme));
                if self.by_link {
                    lines.push(Line::from(Span::styled(
                        "  Must change at next sign-in  (not with links)",
                        theme.dim(),
                    )));
                } else {
                    lines.push(toggle_line(
                        "Must change at next sign-in",
                        self.must_change,
                        self.focus == 4,
                        theme,
                    ));
                }
                lines.push(choice_line(
                    "Mode",
                    if self.by_link {
                        "a reset link mailed to each user"
                    } else {
                        "one password for everyone"
                    },
                    self.focus == Self::MODE,
                    theme,
                ));
                lines.push(Line::raw(""));
                lines.push(Line::from(Span::styled(
                    format!("  {count_text}"),
                    theme.warn(),
                )));
                if !self.by_link {
                    lines.extend(self.pw.lines(theme));
                }
                lines.push(Line::raw(""));
                if let Some(e) = &self.error {
                    lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
                }
                lines.push(table_hints(&View::keys(self), theme));
            }
            Stage::Confirm => {
                lines.push(Line::from(Span::styled(
                    format!("  {count_text}."),
                    theme.warn(),
                )));
                if self.by_link {
                    lines.push(Line::raw(
                        "  Each gets their own link; nobody is given a password.",
                    ));
                    lines.push(Line::raw(
                        "  Current passwords work until a link is used; the mail server paces delivery.",
                    ));
                } else {
                    lines.push(Line::raw(if self.must_change {
                        "  Each must choose a new password at next sign-in."
                    } else {
                        "  They will NOT be asked to change it."
                    }));
                }
                lines.push(Line::raw(""));
                let (l1, c1) = secret_field_line(
                    "Your password",
                    &self.admin_password,
                    self.focus == 0,
                    w,
                    theme,
                );
                let (l2, c2) = text_field_line(
                    "Type the count",
                    &self.typed_count,
                    self.focus == 1,
                    w,
                    theme,
                );
                let top = if self.by_link { 4 } else { 3 };
                cursor = if self.focus == 0 {
                    c1.map(|c| (c, top))
                } else {
                    c2.map(|c| (c, top + 1))
                };
                lines.push(l1);
                lines.push(l2);
                lines.push(Line::raw(""));
                if self.pending.is_some() {
                    lines.push(Line::from(Span::styled("  Starting…", theme.dim())));
                } else if let Some(e) = &self.error {
                    lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
                }
                lines.push(table_hints(&View::keys(self), theme));
            }
            Stage::Running {
                started,
                done,
                total,
            } => {
                let [text, gauge, rest] = Layout::vertical([
                    Constraint::Length(2),
                    Constraint::Length(1),
                    Constraint::Fill(1),
                ])
                .areas(inner);
                frame.render_widget(
                    Paragraph::new(Line::raw(if self.by_link {
                        "  Writing the links in one transaction: all or nothing. Mail leaves after."
                    } else {
                        "  Resetting in one transaction: all or nothing."
                    })),
                    text,
                );
                let ratio = if *total == 0 {
                    0.0
                } else {
                    (*done as f64 / *total as f64).clamp(0.0, 1.0)
                };
                let secs = (now - *started).num_milliseconds().max(1) as f64 / 1000.0;
                let rate = *done as f64 / secs;
                let left = if rate > 0.0 {
                    format!("{:.0}s left", (*total - (*done).min(*total)) as f64 / rate)
                } else {
                    "…".into()
                };
                frame.render_widget(
                    Gauge::default()
                        .gauge_style(theme.selected())
                        .ratio(ratio)
                        .label(format!("{done}/{total}  {rate:.0}/s  {left}")),
                    gauge,
                );
                let mut rest_lines = vec![Line::raw("")];
                if let Some(e) = &self.error {
                    rest_lines.push(Line::from(Span::styled(format!("  {e}"), theme.warn())));
                }
                rest_lines.push(table_hints(&View::keys(self), theme));
                frame.render_widget(Paragraph::new(rest_lines), rest);
                return;
            }
            Stage::Finished(summary) => {
                lines.push(Line::from(Span::styled(
                    format!("  {summary}"),
                    theme.good(),
                )));
                lines.push(Line::raw(""));
                if self.by_link {
                    lines.extend(self.delivery_lines(theme));
                    lines.push(Line::raw(""));
                }
                lines.push(table_hints(&View::keys(self), theme));
            }
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

impl View for BulkResetDialog {
    fn keys(&self) -> Sections {
        match self.stage {
            Stage::Edit if self.focus >= 2 => vec![
                ("Reset passwords", ENTER_NEXT),
                ("Choice", CHOOSE),
                ("Password", REVEAL),
                ("Fields", FIELDS),
                ("Form", FORM),
            ],
            Stage::Edit => vec![
                ("Reset passwords", ENTER_NEXT),
                ("Password", REVEAL),
                ("Fields", FIELDS),
                ("Form", FORM),
            ],
            Stage::Confirm => vec![("Confirm", CONFIRMING), ("Fields", FIELDS)],
            Stage::Running { .. } => vec![("Resetting", RUNNING)],
            Stage::Finished(_) => vec![("Done", FINISHED)],
        }
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.paste_text(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        BulkResetDialog::render(self, frame, area, ctx.theme, ctx.now)
    }

    fn waits_for(&self, id: u64) -> bool {
        self.pending == Some(id) || self.counting == Some(id) || self.delivery_pending == Some(id)
    }

    fn sent(&mut self, id: u64, now: DateTime<Utc>) {
        if matches!(self.stage, Stage::Finished(_)) {
            // Reading the outbox after a bulk reset by link.
            self.delivery_pending = Some(id);
            self.delivery_asked = Some(now);
        } else if matches!(self.stage, Stage::Confirm) {
            self.pending = Some(id);
            self.started(now);
        } else {
            // Only the latest count is kept.
            self.counting = Some(id);
        }
    }

    fn refresh(&mut self, now: DateTime<Utc>) -> Option<Call> {
        let due = self
            .delivery_asked
            .is_none_or(|t| now - t >= chrono::Duration::seconds(DELIVERY_REFRESH_SECONDS));
        (self.by_link
            && matches!(self.stage, Stage::Finished(_))
            && self.delivery_pending.is_none()
            && due)
            .then_some(Call::MailStatus)
    }

    fn reply(&mut self, id: u64, reply: Reply) -> Out {
        match reply {
            Reply::MailStatus(r) if self.delivery_pending == Some(id) => {
                self.delivery_pending = None;
                match r {
                    Ok(status) => {
                        self.delivery = Some(status);
                        self.delivery_error = None;
                    }
                    // Shown in place of the counts; the database banner,
                    // if it is gone, comes from the app.
                    Err(e) if e.is_unavailable() => return error_reply(self, e),
                    Err(e) => self.delivery_error = Some(e.to_string()),
                }
                Out::None
            }
            Reply::Count(r) if self.counting == Some(id) => {
                self.counting = None;
                match r {
                    Ok(n) => self.count = Some(n),
                    Err(e) => return error_reply(self, e),
                }
                Out::None
            }
            // The summary stays until dismissed.
            Reply::Done(Ok(summary)) => {
                self.finished(summary.clone());
                Out::Done {
                    note: summary,
                    stays: true,
                    detail: crate::tui::view::DetailAfter::Keep,
                }
            }
            other => usual_reply(self, other),
        }
    }

    fn failed(&mut self, why: String) -> bool {
        self.failed_here(why);
        true
    }

    fn stop_waiting(&mut self) {
        self.pending = None;
        self.counting = None;
        self.delivery_pending = None;
    }

    fn edited(&self) -> bool {
        BulkResetDialog::edited(self)
    }

    fn new_password(&mut self) -> Option<&mut NewPassword> {
        Some(&mut self.pw)
    }

    fn form_choices(
        &mut self,
        choices: &FormChoices,
        _detail: Option<&crate::service::views::UserDetail>,
    ) {
        self.loaded(choices);
    }

    fn progress(&mut self, done: u64, total: u64) {
        BulkResetDialog::progress(self, done, total)
    }
}
