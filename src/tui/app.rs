//! The console's state machine. `update(event, now)` changes state and
//! returns effects as data; it never awaits, queries or hashes, so it is
//! tested without a terminal or a database. Answers to requests the app no
//! longer waits for are dropped (each request has an id; a new query
//! forgets the old id).

use super::effect::{Call, Effect, Event, FormData, Reply, Session, SignInReply};
use super::keys::{self, Cmd};
use super::panes::audit::{AuditPane, DEBOUNCE_MS, details_text};
use super::panes::detail::DetailView;
use super::panes::lockout_window::LockFetch;
use super::panes::lockouts::LockoutsPane;
use super::panes::policies::PoliciesPane;
use super::panes::resources::{AccessView, ResourcesPane};
use super::panes::user_window::Fetch;
use super::panes::users::UsersPane;
use super::popups::access::{GrantsDialog, HoldersDialog};
use super::popups::bulk_reset::BulkResetDialog;
use super::popups::change_own::ChangeOwnDialog;
use super::popups::palette::Palette;
use super::popups::password::PasswordDialog;
use super::popups::policy_form::{NewPolicyPrompt, PolicyForm};
use super::popups::resource_forms::{ResourceForm, UserPicker};
use super::popups::simple::{Confirm, Message, SecretBox, TypeConfirm};
use super::popups::user_form::UserForm;
use super::popups::{Out, Popup};
use super::screens::must_change::MustChangeForm;
use super::screens::setup::SetupForm;
use super::screens::sign_in::SignInForm;
use super::theme::Theme;
use crate::error::Error;
use crate::service::LockoutsRequest;
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use std::collections::HashMap;

/// Smallest terminal the console draws itself in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Rows of chrome around the users table (tabs, borders, header, status).
const CHROME_ROWS: u16 = 5;

#[derive(Debug)]
pub enum Screen {
    /// Asking the database whether this is a first run.
    Starting {
        error: Option<String>,
    },
    Setup(SetupForm),
    SignIn(SignInForm),
    MustChange(MustChangeForm),
    Main(Box<Main>),
}

/// The signed-in console.
#[derive(Debug)]
pub struct Main {
    pub session: Session,
    pub pane: usize,
    pub users: UsersPane,
    pub detail: Option<DetailView>,
    pub lockouts: LockoutsPane,
    pub audit: AuditPane,
    pub policies: PoliciesPane,
    pub resources: ResourcesPane,
    pub popups: Vec<Popup>,
    /// The database cannot be reached: shown across the top.
    pub banner: Option<String>,
    pub retry_at: Option<DateTime<Utc>>,
    pub retry_secs: i64,
    /// A short note in the status line ("unlocked anna.b").
    pub note: Option<(String, DateTime<Utc>)>,
    pub last_input: DateTime<Utc>,
    pub form_data: Option<FormData>,
}

impl Main {
    /// The key tables of the current view, with their help headings. Key
    /// handling, the status line and the help overlay all use this.
    pub fn key_sections(&self) -> Vec<(&'static str, &'static [keys::Binding])> {
        if self.pane == RESOURCES_PANE {
            if self.resources.access.is_some() {
                vec![
                    ("Access", keys::ACCESS),
                    ("Moving", keys::MOVEMENT),
                    ("Everywhere", keys::GLOBAL),
                ]
            } else {
                vec![
                    ("Resources", keys::RESOURCES),
                    ("Moving", keys::MOVEMENT),
                    ("Everywhere", keys::GLOBAL),
                ]
            }
        } else if self.pane == POLICIES_PANE {
            vec![
                ("Policies", keys::POLICIES),
                ("Moving", keys::MOVEMENT),
                ("Everywhere", keys::GLOBAL),
            ]
        } else if self.pane == AUDIT_PANE {
            vec![
                ("Audit", keys::AUDIT),
                ("Moving", keys::MOVEMENT),
                ("Everywhere", keys::GLOBAL),
            ]
        } else if self.pane == LOCKOUTS_PANE {
            vec![
                ("Lockouts", keys::LOCKOUTS),
                ("Moving", keys::MOVEMENT),
                ("Everywhere", keys::GLOBAL),
            ]
        } else if self.detail.is_some() {
            vec![("User", keys::DETAIL), ("Everywhere", keys::GLOBAL)]
        } else {
            vec![
                ("Users", keys::USERS),
                ("Moving", keys::MOVEMENT),
                ("Everywhere", keys::GLOBAL),
            ]
        }
    }
}

/// Who waits for a request's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiter {
    Start,
    SignIn,
    Users {
        fetch: Fetch,
    },
    Detail,
    /// The popup that has this id as its pending request.
    Popup,
    /// The user form asked to reload the user after a conflict.
    FormReload,
    FormData,
    Ping,
    Lockouts {
        fetch: LockFetch,
    },
    Audit {
        append: bool,
    },
    Verdict,
    /// A change whose result goes to the status line.
    Note,
    /// The bulk-reset dialog's account count.
    BulkCount,
    Policies,
    Resources,
    Access,
    Picker,
}

/// Index of the Resources pane.
pub const RESOURCES_PANE: usize = 1;
/// Index of the Policies pane.
pub const POLICIES_PANE: usize = 2;
/// Index of the Lockouts pane.
pub const LOCKOUTS_PANE: usize = 3;
/// Index of the Audit pane.
pub const AUDIT_PANE: usize = 4;

#[derive(Debug)]
pub struct App {
    pub screen: Screen,
    pub location: String,
    pub theme: Theme,
    pub size: (u16, u16),
    pub now: DateTime<Utc>,
    /// Where audit exports are written (the current directory by default).
    pub export_dir: std::path::PathBuf,
    next_id: u64,
    waiting: HashMap<u64, Waiter>,
}

impl App {
    pub fn new(location: &str, theme: Theme, size: (u16, u16), now: DateTime<Utc>) -> App {
        App {
            screen: Screen::Starting { error: None },
            location: location.to_string(),
            theme,
            size,
            now,
            export_dir: std::env::current_dir().unwrap_or_default(),
            next_id: 1,
            waiting: HashMap::new(),
        }
    }

    /// The first effects: find out whether this is a first run.
    pub fn start(&mut self) -> Vec<Effect> {
        vec![self.call(Waiter::Start, Call::NeedsSetup)]
    }

    /// Rows of the users table that fit on screen.
    pub fn table_height(&self) -> usize {
        let banner = match &self.screen {
            Screen::Main(m) => u16::from(m.banner.is_some()),
            _ => 0,
        };
        self.size.1.saturating_sub(CHROME_ROWS + banner).max(1) as usize
    }

    fn call(&mut self, waiter: Waiter, call: Call) -> Effect {
        let id = self.next_id;
        self.next_id += 1;
        self.waiting.insert(id, waiter);
        let actor = match &self.screen {
            Screen::Main(m) => Some(m.session.actor.clone()),
            _ => None,
        };
        Effect::Call { id, actor, call }
    }

    /// Whether the app waits for request `id` (tests use this).
    pub fn is_waiting(&self, id: u64) -> bool {
        self.waiting.contains_key(&id)
    }

    pub fn update(&mut self, event: Event, now: DateTime<Utc>) -> Vec<Effect> {
        self.now = now;
        match event {
            Event::Key(key) => {
                if key.kind == KeyEventKind::Release {
                    return Vec::new();
                }
                if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
                    return vec![Effect::Quit];
                }
                self.key(key)
            }
            Event::Paste(text) => self.paste(&text),
            Event::Mouse(m) => self.mouse(m),
            Event::Resize(w, h) => {
                self.size = (w, h);
                let height = self.table_height();
                if let Screen::Main(m) = &mut self.screen {
                    m.users.scroll_into_view(height);
                }
                Vec::new()
            }
            Event::Tick => self.tick(),
            Event::Progress { id, done, total } => {
                if let Some(Popup::BulkReset(d)) = self
                    .main()
                    .and_then(|m| m.popups.iter_mut().find(|p| p.pending() == Some(id)))
                {
                    d.progress(done, total);
                }
                Vec::new()
            }
            Event::Reply { id, reply } => match self.waiting.remove(&id) {
                Some(waiter) => self.reply(id, waiter, reply),
                None => Vec::new(),
            },
        }
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        match &mut self.screen {
            Screen::Setup(f) => f.paste(text),
            Screen::SignIn(f) => f.paste(text),
            Screen::MustChange(f) => f.paste(text),
            Screen::Main(m) => {
                m.last_input = self.now;
                match m.popups.last_mut() {
                    Some(Popup::Password(p)) => p.paste(text),
                    Some(Popup::UserForm(p)) => p.paste(text),
                    Some(Popup::ChangeOwn(p)) => p.paste(text),
                    Some(Popup::StepUp(p)) => p.password.paste(text),
                    Some(Popup::BulkReset(p)) => p.paste(text),
                    Some(Popup::PolicyForm(p)) => p.paste(text),
                    Some(Popup::NewPolicy(p)) => p.name.paste(text),
                    Some(Popup::ResourceForm(p)) => p.paste(text),
                    Some(Popup::UserPicker(p)) => p.search.paste(text),
                    Some(Popup::Holders(p)) => p.paste(text),
                    Some(Popup::Palette(p)) => p.input.paste(text),
                    Some(Popup::TypeConfirm(p)) => p.field.paste(text),
                    Some(_) => {}
                    None if m.users.editing_filter => {
                        m.users.filter.paste(text);
                        return self.search_typed();
                    }
                    None => {}
                }
            }
            Screen::Starting { .. } => {}
        }
        Vec::new()
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let call = match &mut self.screen {
            Screen::Starting { error } => {
                return match key.code {
                    KeyCode::Char('q') => vec![Effect::Quit],
                    KeyCode::Char('R') | KeyCode::Char('r') | KeyCode::Enter if error.is_some() => {
                        *error = None;
                        self.start()
                    }
                    _ => Vec::new(),
                };
            }
            Screen::Setup(f) => f.key(&key),
            Screen::SignIn(f) => f.key(&key),
            Screen::MustChange(f) => f.key(&key),
            Screen::Main(m) => {
                m.last_input = self.now;
                return self.main_key(key);
            }
        };
        match call {
            Some(c) => vec![self.call(Waiter::SignIn, c)],
            None => Vec::new(),
        }
    }

    fn main(&mut self) -> Option<&mut Main> {
        match &mut self.screen {
            Screen::Main(m) => Some(m),
            _ => None,
        }
    }

    fn main_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let height = self.table_height();
        let now = self.now;
        let Some(m) = self.main() else {
            return Vec::new();
        };
        // 1. The topmost popup takes every key.
        if let Some(top) = m.popups.last_mut() {
            let out = match top {
                Popup::Help { scroll } => match key.code {
                    KeyCode::Up | KeyCode::Char('k') => {
                        *scroll = scroll.saturating_sub(1);
                        Out::None
                    }
                    KeyCode::Down | KeyCode::Char('j') => {
                        *scroll = scroll.saturating_add(1);
                        Out::None
                    }
                    KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => {
                        Out::Close
                    }
                    _ => Out::None,
                },
                Popup::Palette(p) => p.key(&key),
                Popup::Message(p) => p.key(&key),
                Popup::Confirm(p) => p.key(&key),
                Popup::TypeConfirm(p) => p.key(&key),
                Popup::Secret(p) => p.key(&key),
                Popup::Password(p) => p.key(&key),
                Popup::UserForm(p) => p.key(&key),
                Popup::Holders(p) => p.key(&key),
                Popup::Grants(p) => p.key(&key),
                Popup::ChangeOwn(p) => p.key(&key),
                Popup::StepUp(p) => p.key(&key),
                Popup::BulkReset(p) => p.key(&key),
                Popup::PolicyForm(p) => p.key(&key),
                Popup::NewPolicy(p) => p.key(&key),
                Popup::ResourceForm(p) => p.key(&key),
                Popup::UserPicker(p) => p.key(&key),
            };
            return self.popup_out(out);
        }
        // 2. The filter fields, while they have focus.
        if m.pane == AUDIT_PANE && m.audit.editing_filter {
            match key.code {
                KeyCode::Enter => {
                    m.audit.editing_filter = false;
                    m.audit.debounce_until = Some(now);
                }
                KeyCode::Esc => {
                    m.audit.editing_filter = false;
                    m.audit.filter.clear();
                    m.audit.debounce_until = Some(now);
                }
                _ => {
                    if m.audit.filter.key(&key) {
                        m.audit.debounce_until = Some(now + Duration::milliseconds(DEBOUNCE_MS));
                    }
                }
            }
            return Vec::new();
        }
        if m.pane == LOCKOUTS_PANE && m.lockouts.editing_filter {
            match key.code {
                KeyCode::Enter => m.lockouts.editing_filter = false,
                KeyCode::Esc => {
                    m.lockouts.editing_filter = false;
                    m.lockouts.filter.clear();
                }
                _ => {
                    m.lockouts.filter.key(&key);
                }
            }
            return Vec::new();
        }
        if m.users.editing_filter && m.pane == 0 && m.detail.is_none() {
            match key.code {
                KeyCode::Enter => m.users.editing_filter = false,
                KeyCode::Esc => {
                    m.users.editing_filter = false;
                    m.users.filter.clear();
                }
                KeyCode::Down | KeyCode::Up => {
                    m.users.editing_filter = false;
                    m.users
                        .move_by(if key.code == KeyCode::Down { 1 } else { -1 }, height);
                    return self.prefetch();
                }
                _ => {
                    m.users.filter.key(&key);
                }
            }
            return self.search_typed();
        }
        // 3. The key tables of the current view.
        let role = m.session.actor.role;
        let tables: Vec<&[keys::Binding]> = m.key_sections().iter().map(|(_, t)| *t).collect();
        match keys::lookup(&tables, &key, role) {
            Some(cmd) => self.command(cmd),
            None => Vec::new(),
        }
    }

    /// Runs a command from a key or the palette.
    pub fn command(&mut self, cmd: Cmd) -> Vec<Effect> {
        let height = self.table_height();
        if self.main().is_some_and(|m| m.pane == RESOURCES_PANE) {
            if let Some(effects) = self.resources_command(cmd) {
                return effects;
            }
        }
        if self.main().is_some_and(|m| m.pane == POLICIES_PANE) {
            if let Some(effects) = self.policies_command(cmd) {
                return effects;
            }
        }
        if self.main().is_some_and(|m| m.pane == AUDIT_PANE) {
            if let Some(effects) = self.audit_command(cmd) {
                return effects;
            }
        }
        if self.main().is_some_and(|m| m.pane == LOCKOUTS_PANE) {
            if let Some(effects) = self.lockouts_command(cmd) {
                return effects;
            }
        }
        let Some(m) = self.main() else {
            return Vec::new();
        };
        let page = height as isize;
        let target = m
            .detail
            .as_ref()
            .map(|d| d.login.clone())
            .or_else(|| m.users.selected_row().map(|r| r.login.clone()));
        match cmd {
            Cmd::Quit => return vec![Effect::Quit],
            Cmd::Help => m.popups.push(Popup::Help { scroll: 0 }),
            Cmd::Palette => {
                let resources = m
                    .form_data
                    .as_ref()
                    .map(|d| d.resources.clone())
                    .unwrap_or_default();
                m.popups.push(Popup::Palette(Palette::new(resources)));
            }
            Cmd::NextPane => m.pane = (m.pane + 1) % 5,
            Cmd::PrevPane => m.pane = (m.pane + 4) % 5,
            Cmd::GoPane(i) => m.pane = i.min(4),
            Cmd::Refresh => return self.refresh(),
            Cmd::Filter => {
                m.users.editing_filter = true;
                m.users.filter = super::fields::TextField::with(&m.users.search, 128);
            }
            Cmd::Up => match &mut m.detail {
                Some(d) => d.scroll = d.scroll.saturating_sub(1),
                None => m.users.move_by(-1, height),
            },
            Cmd::Down => match &mut m.detail {
                Some(d) => d.scroll = d.scroll.saturating_add(1),
                None => m.users.move_by(1, height),
            },
            Cmd::Top => {
                m.users.move_by(isize::MIN / 2, height);
                // Rows before the window: load the first page.
                if m.users.prev.is_some() {
                    return self.fetch_users(Fetch::First);
                }
            }
            Cmd::Bottom => {
                m.users.move_by(isize::MAX / 2, height);
                // Rows after the window: load the last page at once.
                if m.users.next.is_some() {
                    return self.fetch_users(Fetch::Last);
                }
            }
            Cmd::PageUp => m.users.move_by(-page, height),
            Cmd::PageDown => m.users.move_by(page, height),
            Cmd::HalfUp => m.users.move_by(-page / 2, height),
            Cmd::HalfDown => m.users.move_by(page / 2, height),
            Cmd::Mark => {
                if let Some(id) = m.users.selected_row().map(|r| r.id) {
                    if !m.users.marked.remove(&id) {
                        m.users.marked.insert(id);
                    }
                    m.users.move_by(1, height);
                }
            }
            Cmd::Open => {
                if let Some(login) = m.users.selected_row().map(|r| r.login.clone()) {
                    m.detail = Some(DetailView::new(&login));
                    return vec![self.load_detail(login)];
                }
            }
            Cmd::Back => {
                if m.detail.take().is_none() && m.pane == 0 {
                    let u = &mut m.users;
                    let had = !u.search.is_empty()
                        || u.status.is_some()
                        || u.kind.is_some()
                        || u.role.is_some()
                        || u.resource.is_some();
                    if had {
                        u.filter.clear();
                        u.search.clear();
                        u.status = None;
                        u.kind = None;
                        u.role = None;
                        u.resource = None;
                        return self.reload_users();
                    }
                }
            }
            Cmd::CycleStatus => {
                m.users.cycle_status();
                return self.reload_users();
            }
            Cmd::CycleKind => {
                m.users.cycle_kind();
                return self.reload_users();
            }
            Cmd::CycleRole => {
                m.users.cycle_role();
                return self.reload_users();
            }
            Cmd::CycleSort => {
                m.users.cycle_sort();
                return self.reload_users();
            }
            Cmd::NewUser => {
                m.popups.push(Popup::UserForm(Box::new(UserForm::new_user(
                    m.session.actor.role,
                ))));
                return self.load_form_data();
            }
            Cmd::EditUser => {
                let Some(login) = target else {
                    return Vec::new();
                };
                let role = m.session.actor.role;
                match m.detail.as_ref().and_then(|d| d.data.as_ref()) {
                    Some(d) => {
                        m.popups
                            .push(Popup::UserForm(Box::new(UserForm::edit(role, d))));
                        return self.load_form_data();
                    }
                    None => {
                        // Open the detail first so the form has the stored version.
                        m.detail = Some(DetailView::new(&login));
                        return vec![self.load_detail(login)];
                    }
                }
            }
            Cmd::SetPassword => {
                let Some(login) = target else {
                    return Vec::new();
                };
                m.popups.push(Popup::Password(PasswordDialog::new(&login)));
                let effect = self.call(Waiter::Popup, Call::PasswordContext { login });
                self.mark_top_loading(&effect);
                return vec![effect];
            }
            Cmd::TempPassword => {
                let Some(login) = target else {
                    return Vec::new();
                };
                m.popups.push(Popup::Confirm(Confirm::new(
                    "Temporary password",
                    format!("Give {login} a generated temporary password? Their current password stops working; they must choose a new one at next sign-in."),
                    "Generate",
                    Call::TempPassword { login },
                )));
            }
            Cmd::ResetToken => {
                let Some(login) = target else {
                    return Vec::new();
                };
                m.popups.push(Popup::Confirm(Confirm::new(
                    "Reset token",
                    format!(
                        "Issue a one-time reset token for {login}? Any older token stops working."
                    ),
                    "Issue",
                    Call::ResetToken { login },
                )));
            }
            Cmd::Unlock => {
                let Some(login) = target else {
                    return Vec::new();
                };
                m.popups.push(Popup::Confirm(Confirm::new(
                    "Unlock",
                    format!("Unlock {login} and clear their failed attempts?"),
                    "Unlock",
                    Call::Unlock { login },
                )));
            }
            Cmd::ToggleDisabled => {
                let Some(d) = m.detail.as_ref().and_then(|d| d.data.as_ref()) else {
                    return Vec::new();
                };
                let login = d.summary.login.clone();
                let disable = d.summary.status != "disabled";
                let text = if disable {
                    format!(
                        "Disable {login}? They can no longer sign in anywhere, and their sessions and reset tokens end."
                    )
                } else {
                    format!("Enable {login} again?")
                };
                m.popups.push(Popup::Confirm(Confirm::new(
                    if disable {
                        "Disable account"
                    } else {
                        "Enable account"
                    },
                    text,
                    if disable { "Disable" } else { "Enable" },
                    Call::SetDisabled {
                        login,
                        disabled: disable,
                    },
                )));
            }
            Cmd::Delete => {
                let Some(d) = m.detail.as_ref().and_then(|d| d.data.as_ref()) else {
                    return Vec::new();
                };
                let login = d.summary.login.clone();
                let mut confirm = TypeConfirm::new(
                    "Delete user",
                    format!(
                        "Delete {login} ({}) with their grants, holders and password history? This cannot be undone.",
                        d.summary.name
                    ),
                    &login,
                    Call::Delete {
                        login: login.clone(),
                    },
                );
                confirm.closes_detail = true;
                m.popups.push(Popup::TypeConfirm(confirm));
            }
            Cmd::Holders => {
                let Some(d) = m.detail.as_ref().and_then(|d| d.data.as_ref()) else {
                    return Vec::new();
                };
                m.popups.push(Popup::Holders(HoldersDialog::new(
                    &d.summary.login,
                    d.holders.clone(),
                )));
            }
            Cmd::Grants => {
                let Some(d) = m.detail.as_ref().and_then(|d| d.data.as_ref()) else {
                    return Vec::new();
                };
                let mut dialog = GrantsDialog::new(&d.summary.login);
                let grants = d.resources.clone();
                match &m.form_data {
                    Some(fd) => {
                        dialog.fill(&fd.resources, &grants);
                        m.popups.push(Popup::Grants(dialog));
                    }
                    None => {
                        m.popups.push(Popup::Grants(dialog));
                        return self.load_form_data();
                    }
                }
            }
            // Audit-pane commands do nothing elsewhere.
            Cmd::Verify | Cmd::Export | Cmd::CycleLevel | Cmd::Revoke => {}
            Cmd::BulkReset => {
                let (policy, resources) = match &m.form_data {
                    Some(fd) => (fd.staff_policy.clone(), fd.resources.clone()),
                    None => (Default::default(), Vec::new()),
                };
                let dialog = BulkResetDialog::new(policy, resources);
                let request = dialog.request();
                m.popups.push(Popup::BulkReset(Box::new(dialog)));
                return vec![self.count_bulk(request)];
            }
            Cmd::ChangeOwnPassword => {
                let login = m.session.actor.login.clone();
                m.popups.push(Popup::ChangeOwn(ChangeOwnDialog::default()));
                let effect = self.call(Waiter::Popup, Call::PasswordContext { login });
                self.mark_top_loading(&effect);
                return vec![effect];
            }
        }
        self.prefetch()
    }

    /// Records that the topmost popup is loading with this effect's id.
    fn mark_top_loading(&mut self, effect: &Effect) {
        let Effect::Call { id, .. } = effect else {
            return;
        };
        if let Some(m) = self.main() {
            match m.popups.last_mut() {
                Some(Popup::Password(p)) => p.loading = Some(*id),
                Some(Popup::ChangeOwn(p)) => p.loading = Some(*id),
                Some(Popup::UserForm(p)) => p.loading = Some(*id),
                Some(Popup::Grants(p)) => p.loading = Some(*id),
                _ => {}
            }
        }
    }

    fn load_form_data(&mut self) -> Vec<Effect> {
        let effect = self.call(Waiter::FormData, Call::FormData);
        self.mark_top_loading(&effect);
        vec![effect]
    }

    fn popup_out(&mut self, out: Out) -> Vec<Effect> {
        let Some(m) = self.main() else {
            return Vec::new();
        };
        match out {
            Out::None => Vec::new(),
            Out::Close => {
                m.popups.pop();
                Vec::new()
            }
            Out::Call(Call::BulkCount { request }) => vec![self.count_bulk(request)],
            Out::Call(call @ Call::ListUsers { .. }) => {
                // The user picker's search: only the latest answer counts.
                self.forget(|w| w == Waiter::Picker);
                let effect = self.call(Waiter::Picker, call);
                if let (Effect::Call { id, .. }, Some(m)) = (&effect, self.main()) {
                    if let Some(Popup::UserPicker(p)) = m.popups.last_mut() {
                        p.searching = Some(*id);
                    }
                }
                vec![effect]
            }
            Out::Call(call) => {
                let starts_bulk = matches!(call, Call::BulkReset { .. });
                let now = self.now;
                let waiter = if matches!(call, Call::GetUser { .. }) {
                    Waiter::FormReload
                } else {
                    Waiter::Popup
                };
                let effect = self.call(waiter, call);
                if let (Effect::Call { id, .. }, Some(m)) = (&effect, self.main()) {
                    if waiter == Waiter::Popup {
                        if let Some(top) = m.popups.last_mut() {
                            top.set_pending(Some(*id));
                            if let (true, Popup::BulkReset(d)) = (starts_bulk, top) {
                                d.started(now);
                            }
                        }
                    }
                }
                vec![effect]
            }
            Out::Palette(name, arg) => {
                m.popups.pop();
                self.palette(name, &arg)
            }
        }
    }

    fn palette(&mut self, name: &str, arg: &str) -> Vec<Effect> {
        let Some(m) = self.main() else {
            return Vec::new();
        };
        match name {
            "users" => m.pane = 0,
            "resources" => m.pane = 1,
            "policies" => m.pane = 2,
            "lockouts" => m.pane = 3,
            "audit" => m.pane = 4,
            "quit" => return vec![Effect::Quit],
            "help" => m.popups.push(Popup::Help { scroll: 0 }),
            "refresh" => return self.refresh(),
            "new" => return self.command(Cmd::NewUser),
            "password" => return self.command(Cmd::ChangeOwnPassword),
            "reset-all" => return self.command(Cmd::BulkReset),
            "find" => {
                m.pane = 0;
                m.detail = None;
                m.users.search = arg.to_string();
                m.users.filter = super::fields::TextField::with(arg, 128);
                return self.reload_users();
            }
            "resource" => {
                m.pane = 0;
                m.detail = None;
                m.users.resource = Some(arg.to_string()).filter(|a| !a.is_empty());
                return self.reload_users();
            }
            "clear" => {
                m.detail = None;
                m.users.search.clear();
                m.users.filter.clear();
                m.users.status = None;
                m.users.kind = None;
                m.users.role = None;
                m.users.resource = None;
                return self.reload_users();
            }
            _ => {}
        }
        Vec::new()
    }

    /// Lists the first page for a new search, filter or sort.
    fn reload_users(&mut self) -> Vec<Effect> {
        self.fetch_users(Fetch::Search)
    }

    /// Asks for a page of users; one that replaces the window voids every
    /// older users request, so their answers are dropped.
    fn fetch_users(&mut self, fetch: Fetch) -> Vec<Effect> {
        if fetch.replaces() {
            self.forget(|w| matches!(w, Waiter::Users { .. }));
        }
        let Some(m) = self.main() else {
            return Vec::new();
        };
        m.users.loading = true;
        let filter = m.users.request(fetch);
        vec![self.call(Waiter::Users { fetch }, Call::ListUsers { filter })]
    }

    /// Searches for the filter text as typed, at once, unless a search is
    /// already under way: its answer searches again if the text changed
    /// meanwhile, so at most one search is in flight.
    fn search_typed(&mut self) -> Vec<Effect> {
        let searching = self.searching();
        let Some(m) = self.main() else {
            return Vec::new();
        };
        let typed = m.users.filter.value();
        if searching || (typed == m.users.search && m.users.loaded) {
            return Vec::new();
        }
        m.users.search = typed.to_string();
        m.users.selected = 0;
        m.users.offset = 0;
        self.reload_users()
    }

    /// Whether a new search, filter or sort is being listed.
    fn searching(&self) -> bool {
        self.waiting.values().any(|w| {
            *w == Waiter::Users {
                fetch: Fetch::Search,
            }
        })
    }

    fn refresh(&mut self) -> Vec<Effect> {
        // The window is reloaded where it is, unless its rows are about to
        // give way to a new search anyway: then that search runs again.
        let searching = self.searching();
        let reload = self.main().map(|m| {
            if searching {
                Fetch::Search
            } else {
                m.users.reload()
            }
        });
        let mut effects = reload.map(|f| self.fetch_users(f)).unwrap_or_default();
        self.forget(|w| matches!(w, Waiter::Lockouts { .. } | Waiter::Audit { .. }));
        self.forget(|w| w == Waiter::Resources || w == Waiter::Access);
        if let Some(m) = self.main() {
            m.resources.loaded = false;
            m.resources.loading = false;
            m.policies.loaded = false;
            m.policies.loading = false;
            m.audit.loaded = false;
            m.audit.loading = false;
            // The Lockouts pane reloads at its next tick.
            m.lockouts.loaded_at = None;
            m.lockouts.loading = false;
        }
        let detail = self
            .main()
            .and_then(|m| m.detail.as_ref().map(|d| d.login.clone()));
        if let Some(login) = detail {
            effects.push(self.load_detail(login));
        }
        let access = self
            .main()
            .and_then(|m| m.resources.access.as_ref().map(|a| a.resource.clone()));
        if let Some(name) = access {
            effects.push(self.call(Waiter::Access, Call::ResourceUsers { name }));
        }
        effects
    }

    /// Commands in the Audit pane; `None` for the ones handled everywhere.
    fn audit_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
        if is_global(cmd) {
            return None;
        }
        let height = self.table_height();
        let now = self.now;
        let dir = self.export_dir.clone();
        let m = self.main()?;
        if !can_audit(m) {
            return Some(Vec::new());
        }
        let a = &mut m.audit;
        let page = height as isize;
        match cmd {
            Cmd::Up => a.move_by(-1, height),
            Cmd::Down => a.move_by(1, height),
            Cmd::Top => a.move_by(isize::MIN / 2, height),
            Cmd::Bottom => a.move_by(isize::MAX / 2, height),
            Cmd::PageUp => a.move_by(-page, height),
            Cmd::PageDown => a.move_by(page, height),
            Cmd::HalfUp => a.move_by(-page / 2, height),
            Cmd::HalfDown => a.move_by(page / 2, height),
            Cmd::Filter => {
                a.editing_filter = true;
                a.filter = super::fields::TextField::with(&a.search, 128);
            }
            Cmd::Back => {
                if !a.search.is_empty() {
                    a.filter.clear();
                    a.debounce_until = Some(now);
                }
            }
            Cmd::Open => {
                let Some(entry) = a.selected_entry() else {
                    return Some(Vec::new());
                };
                let text = details_text(entry);
                m.popups.push(Popup::Message(Message {
                    title: "Audit entry".into(),
                    text,
                    error: false,
                }));
            }
            Cmd::Verify => {
                a.verdict = Some(("verifying…".into(), true));
                return Some(vec![self.call(Waiter::Verdict, Call::VerifyAudit)]);
            }
            Cmd::Export => {
                let filter = a.search.clone();
                return Some(vec![
                    self.call(Waiter::Note, Call::ExportAudit { filter, dir }),
                ]);
            }
            _ => return None,
        }
        // Load the next page as the selection nears the end.
        let m = self.main()?;
        if m.audit.wants_more() {
            m.audit.loading = true;
            let call = Call::Audit {
                filter: m.audit.search.clone(),
                before: m.audit.before(),
            };
            return Some(vec![self.call(Waiter::Audit { append: true }, call)]);
        }
        Some(Vec::new())
    }

    /// Commands in the Resources pane (list and access view); `None` for
    /// the ones handled everywhere.
    fn resources_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
        if is_global(cmd) {
            return None;
        }
        let height = self.table_height();
        let m = self.main()?;
        let pane = &mut m.resources;
        let page = height as isize;
        match cmd {
            Cmd::Up => pane.move_by(-1, height),
            Cmd::Down => pane.move_by(1, height),
            Cmd::Top => pane.move_by(isize::MIN / 2, height),
            Cmd::Bottom => pane.move_by(isize::MAX / 2, height),
            Cmd::PageUp => pane.move_by(-page, height),
            Cmd::PageDown => pane.move_by(page, height),
            Cmd::HalfUp => pane.move_by(-page / 2, height),
            Cmd::HalfDown => pane.move_by(page / 2, height),
            Cmd::Back => pane.access = None,
            Cmd::Open if pane.access.is_none() => {
                if let Some(name) = pane.selected_resource().map(|r| r.name.clone()) {
                    pane.access = Some(AccessView {
                        resource: name.clone(),
                        ..Default::default()
                    });
                    return Some(vec![
                        self.call(Waiter::Access, Call::ResourceUsers { name }),
                    ]);
                }
            }
            Cmd::NewUser if pane.access.is_none() => {
                m.popups.push(Popup::ResourceForm(ResourceForm::new(None)))
            }
            Cmd::EditUser if pane.access.is_none() => {
                if let Some(r) = pane.selected_resource() {
                    let form = ResourceForm::new(Some((&r.name, &r.description)));
                    m.popups.push(Popup::ResourceForm(form));
                }
            }
            Cmd::Delete if pane.access.is_none() => {
                if let Some(r) = pane.selected_resource() {
                    let text = format!(
                        "Delete the resource {}? {} users lose access to it.",
                        r.name, r.users
                    );
                    let call = Call::DeleteResource {
                        name: r.name.clone(),
                    };
                    m.popups.push(Popup::Confirm(Confirm::new(
                        "Delete resource",
                        text,
                        "Delete",
                        call,
                    )));
                }
            }
            Cmd::Grants => {
                if let Some(a) = &pane.access {
                    let picker = UserPicker::new(&a.resource);
                    let search = picker.search_call();
                    m.popups.push(Popup::UserPicker(Box::new(picker)));
                    return Some(self.popup_out(Out::Call(search)));
                }
            }
            Cmd::CycleLevel => {
                if let (Some(a), Some(g)) = (&pane.access, pane.selected_grant()) {
                    let levels = crate::domain::AccessLevel::ALL;
                    let i = levels
                        .iter()
                        .position(|l| l.as_str() == g.level)
                        .unwrap_or(0);
                    let call = Call::Grant {
                        login: g.login.clone(),
                        resource: a.resource.clone(),
                        level: Some(levels[(i + 1) % levels.len()]),
                    };
                    return Some(vec![self.call(Waiter::Note, call)]);
                }
            }
            Cmd::Revoke => {
                if let (Some(a), Some(g)) = (&pane.access, pane.selected_grant()) {
                    let text = format!("Revoke {}'s access to {}?", g.login, a.resource);
                    let call = Call::Grant {
                        login: g.login.clone(),
                        resource: a.resource.clone(),
                        level: None,
                    };
                    m.popups.push(Popup::Confirm(Confirm::new(
                        "Revoke access",
                        text,
                        "Revoke",
                        call,
                    )));
                }
            }
            // Users-pane commands mean nothing here.
            _ => {}
        }
        Some(Vec::new())
    }

    /// Commands in the Policies pane; `None` for the ones handled everywhere.
    fn policies_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
        if is_global(cmd) {
            return None;
        }
        let height = self.table_height();
        let m = self.main()?;
        let may_edit = crate::domain::rights::check(
            m.session.actor.role,
            crate::domain::rights::Action::ManagePolicies,
            None,
        )
        .is_ok();
        let pane = &mut m.policies;
        let page = height as isize;
        match cmd {
            Cmd::Up => pane.move_by(-1, height),
            Cmd::Down => pane.move_by(1, height),
            Cmd::Top => pane.move_by(isize::MIN / 2, height),
            Cmd::Bottom => pane.move_by(isize::MAX / 2, height),
            Cmd::PageUp => pane.move_by(-page, height),
            Cmd::PageDown => pane.move_by(page, height),
            Cmd::HalfUp => pane.move_by(-page / 2, height),
            Cmd::HalfDown => pane.move_by(page / 2, height),
            Cmd::Open => {
                if let Some(p) = pane.selected_policy() {
                    let form = PolicyForm::new(p, !may_edit);
                    m.popups.push(Popup::PolicyForm(Box::new(form)));
                }
            }
            Cmd::NewUser => {
                if let Some(p) = pane.selected_policy() {
                    let prompt = NewPolicyPrompt::new(&p.name);
                    m.popups.push(Popup::NewPolicy(prompt));
                }
            }
            Cmd::Delete => {
                if let Some(p) = pane.selected_policy() {
                    let text = format!(
                        "Delete the policy {}? It must govern nobody (it governs {} users).",
                        p.name, p.users
                    );
                    let call = Call::DeletePolicy {
                        name: p.name.clone(),
                    };
                    m.popups.push(Popup::Confirm(Confirm::new(
                        "Delete policy",
                        text,
                        "Delete",
                        call,
                    )));
                }
            }
            // Users-pane commands mean nothing here.
            _ => {}
        }
        Some(Vec::new())
    }

    /// Counts the accounts a bulk reset would change; only the latest count
    /// is kept (the dialog remembers which request it waits for).
    fn count_bulk(&mut self, request: crate::service::BulkRequest) -> Effect {
        self.forget(|w| w == Waiter::BulkCount);
        let effect = self.call(Waiter::BulkCount, Call::BulkCount { request });
        if let (Effect::Call { id, .. }, Some(m)) = (&effect, self.main()) {
            if let Some(Popup::BulkReset(d)) = m.popups.last_mut() {
                d.counting = Some(*id);
            }
        }
        effect
    }

    /// Loads the detail view's user, forgetting any earlier detail request so
    /// that a late answer for another user can never fill this view.
    fn load_detail(&mut self, login: String) -> Effect {
        self.forget(|w| w == Waiter::Detail);
        let effect = self.call(Waiter::Detail, Call::GetUser { login });
        if let (Effect::Call { id, .. }, Some(m)) = (&effect, self.main()) {
            if let Some(view) = m.detail.as_mut() {
                view.request = Some(*id);
            }
        }
        effect
    }

    /// Rows of the Lockouts accounts table that fit on screen.
    pub fn lockouts_height(&self) -> usize {
        LockoutsPane::table_rows(self.size.1.saturating_sub(2))
    }

    /// Asks for Lockouts rows; an answer to an earlier request is dropped.
    fn fetch_lockouts(&mut self, fetch: LockFetch) -> Effect {
        self.forget(|w| matches!(w, Waiter::Lockouts { .. }));
        let request = match self.main() {
            Some(m) => {
                m.lockouts.loading = true;
                m.lockouts.request(fetch)
            }
            None => LockoutsRequest::default(),
        };
        self.call(Waiter::Lockouts { fetch }, Call::Lockouts { request })
    }

    /// Moves the Lockouts window when the selection nears one of its ends.
    fn lockouts_follow(&mut self) -> Vec<Effect> {
        match self.main().and_then(|m| m.lockouts.wanted()) {
            Some(fetch) => vec![self.fetch_lockouts(fetch)],
            None => Vec::new(),
        }
    }

    /// Commands in the Lockouts pane; `None` for the ones handled everywhere.
    fn lockouts_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
        if is_global(cmd) {
            return None;
        }
        let height = self.lockouts_height();
        let m = self.main()?;
        let l = &mut m.lockouts;
        let page = height as isize;
        match cmd {
            Cmd::Up => l.move_by(-1, height),
            Cmd::Down => l.move_by(1, height),
            Cmd::Top => {
                if let Some(fetch) = l.first(height) {
                    return Some(vec![self.fetch_lockouts(fetch)]);
                }
            }
            Cmd::Bottom => {
                if let Some(fetch) = l.last(height) {
                    return Some(vec![self.fetch_lockouts(fetch)]);
                }
            }
            Cmd::PageUp => l.move_by(-page, height),
            Cmd::PageDown => l.move_by(page, height),
            Cmd::HalfUp => l.move_by(-page / 2, height),
            Cmd::HalfDown => l.move_by(page / 2, height),
            Cmd::Mark => {
                l.toggle_mark();
                l.move_by(1, height);
            }
            Cmd::Filter => l.editing_filter = true,
            Cmd::Back => {
                l.marked.clear();
                l.filter.clear();
            }
            Cmd::Unlock => {
                let logins = l.targets();
                if logins.is_empty() {
                    return Some(Vec::new());
                }
                let names = if logins.len() <= 6 {
                    logins.join(", ")
                } else {
                    format!("{} and {} more", logins[..5].join(", "), logins.len() - 5)
                };
                let text = format!(
                    "Unlock {} account{} and clear their failed attempts: {names}?",
                    logins.len(),
                    if logins.len() == 1 { "" } else { "s" }
                );
                m.popups.push(Popup::Confirm(Confirm::new(
                    "Unlock",
                    text,
                    "Unlock",
                    Call::UnlockMany { logins },
                )));
            }
            Cmd::Open => {
                let Some(login) = l.accounts.get(l.selected).map(|u| u.login.clone()) else {
                    return Some(Vec::new());
                };
                m.pane = 0;
                m.detail = Some(DetailView::new(&login));
                return Some(vec![self.load_detail(login)]);
            }
            // Users-pane commands mean nothing here.
            _ => {}
        }
        Some(self.lockouts_follow())
    }

    fn forget(&mut self, pred: impl Fn(Waiter) -> bool) {
        self.waiting.retain(|_, w| !pred(*w));
    }

    /// Moves the users window when the selection nears one of its edges.
    fn prefetch(&mut self) -> Vec<Effect> {
        let Some(m) = self.main() else {
            return Vec::new();
        };
        if m.detail.is_some() {
            return Vec::new();
        }
        match m.users.wanted() {
            Some(fetch) => self.fetch_users(fetch),
            None => Vec::new(),
        }
    }

    /// Wheel scrolls; a click selects a row (only with `ui.mouse = true`).
    fn mouse(&mut self, ev: MouseEvent) -> Vec<Effect> {
        let height = self.table_height();
        let now = self.now;
        let Some(m) = self.main() else {
            return Vec::new();
        };
        if !m.popups.is_empty() || m.pane != 0 || m.detail.is_some() {
            return Vec::new();
        }
        m.last_input = now;
        match ev.kind {
            MouseEventKind::ScrollDown => m.users.move_by(3, height),
            MouseEventKind::ScrollUp => m.users.move_by(-3, height),
            MouseEventKind::Down(MouseButton::Left) => {
                // Tabs, banner, the table's top border and its header come first.
                let first_row = 3 + u16::from(m.banner.is_some());
                let Some(row) = ev.row.checked_sub(first_row) else {
                    return Vec::new();
                };
                let index = m.users.offset + row as usize;
                if (row as usize) < height && index < m.users.rows.len() {
                    let delta = index as isize - m.users.selected as isize;
                    m.users.move_by(delta, height);
                }
            }
            _ => return Vec::new(),
        }
        self.prefetch()
    }

    fn tick(&mut self) -> Vec<Effect> {
        let now = self.now;
        let Some(m) = self.main() else {
            return Vec::new();
        };
        // Idle lock: forget everything on screen and ask for the password.
        if now - m.last_input > Duration::minutes(m.session.idle_timeout_minutes as i64) {
            let login = m.session.actor.login.clone();
            self.waiting.clear();
            self.screen = Screen::SignIn(SignInForm::locked(&login));
            return Vec::new();
        }
        if m.note
            .as_ref()
            .is_some_and(|(_, at)| now - *at > Duration::seconds(6))
        {
            m.note = None;
        }
        let mut effects = Vec::new();
        if m.retry_at.is_some_and(|t| now >= t) {
            m.retry_at = None;
            effects.push(self.call(Waiter::Ping, Call::Ping));
            return effects;
        }
        let Some(m) = self.main() else { return effects };
        if m.pane == RESOURCES_PANE && !m.resources.loaded && !m.resources.loading {
            m.resources.loading = true;
            effects.push(self.call(Waiter::Resources, Call::Resources));
        }
        let Some(m) = self.main() else { return effects };
        if m.pane == POLICIES_PANE && !m.policies.loaded && !m.policies.loading {
            m.policies.loading = true;
            effects.push(self.call(Waiter::Policies, Call::Policies));
        }
        let Some(m) = self.main() else { return effects };
        if m.pane == AUDIT_PANE && m.popups.is_empty() && can_audit(m) {
            let a = &mut m.audit;
            let typed_changed = a.debounce_until.is_some_and(|t| now >= t);
            if typed_changed || (!a.loaded && !a.loading) {
                a.debounce_until = None;
                a.search = a.filter.value().to_string();
                a.loading = true;
                let call = Call::Audit {
                    filter: a.search.clone(),
                    before: None,
                };
                self.forget(|w| matches!(w, Waiter::Audit { .. }));
                effects.push(self.call(Waiter::Audit { append: false }, call));
            }
        }
        let Some(m) = self.main() else { return effects };
        if m.pane == LOCKOUTS_PANE && m.popups.is_empty() && m.lockouts.due(now) {
            let fetch = m.lockouts.refresh();
            effects.push(self.fetch_lockouts(fetch));
        }
        effects
    }

    fn error(&mut self, e: Error) -> Vec<Effect> {
        let now = self.now;
        let Some(m) = self.main() else {
            return Vec::new();
        };
        if e.is_unavailable() {
            m.retry_secs = if m.banner.is_some() {
                (m.retry_secs * 2).min(30)
            } else {
                2
            };
            m.banner = Some(format!(
                "Database unreachable: {e}. Retrying every {}s; your work on screen is kept.",
                m.retry_secs
            ));
            m.retry_at = Some(now + Duration::seconds(m.retry_secs));
            return Vec::new();
        }
        if let Error::Unauthenticated(_) = &e {
            let login = m.session.actor.login.clone();
            let mut form = SignInForm::locked(&login);
            form.notice = Some(format!("{e}. Sign in again."));
            self.waiting.clear();
            self.screen = Screen::SignIn(form);
            return Vec::new();
        }
        m.popups.push(Popup::Message(Message::error(friendly(&e))));
        Vec::new()
    }

    fn reply(&mut self, id: u64, waiter: Waiter, reply: Reply) -> Vec<Effect> {
        let height = self.table_height();
        let now = self.now;
        match (waiter, reply) {
            (Waiter::Start, Reply::NeedsSetup(r)) => {
                self.screen = match r {
                    Ok(Some(policy)) => Screen::Setup(SetupForm::new(policy)),
                    Ok(None) => Screen::SignIn(SignInForm::new()),
                    Err(e) => Screen::Starting {
                        error: Some(format!("{e}\n\nPress R to try again or q to quit.")),
                    },
                };
                Vec::new()
            }
            (Waiter::SignIn, Reply::SignIn(r)) => self.signed_in(r),
            (Waiter::Users { fetch }, Reply::Users(r)) => {
                let ok = r.is_ok();
                let mut effects = match r {
                    Ok(page) => {
                        if let Some(m) = self.main() {
                            m.users.apply(page, fetch, height);
                        }
                        Vec::new()
                    }
                    Err(e) => {
                        if let Some(m) = self.main() {
                            m.users.loading = false;
                        }
                        self.error(e)
                    }
                };
                // After a failure nothing is asked again here (that could
                // loop as fast as the database answers): the next key, or
                // the reconnect's refresh, asks again.
                if ok {
                    // Typed on while this search ran: search for the latest text.
                    if fetch == Fetch::Search {
                        effects.extend(self.search_typed());
                    }
                    effects.extend(self.prefetch());
                }
                effects
            }
            (Waiter::Detail, Reply::User(r)) => match r {
                Ok(d) => {
                    let Some(m) = self.main() else {
                        return Vec::new();
                    };
                    // Dialogs showing parts of the user follow the fresh data.
                    for p in m.popups.iter_mut() {
                        match p {
                            Popup::Holders(h) if h.login == d.summary.login => {
                                h.refreshed(d.holders.clone())
                            }
                            Popup::Grants(g) if g.login == d.summary.login => {
                                if let Some(fd) = &m.form_data {
                                    g.fill(&fd.resources, &d.resources);
                                }
                            }
                            _ => {}
                        }
                    }
                    // Only the answer to the view's own request fills it.
                    if let Some(view) = m.detail.as_mut().filter(|v| v.request == Some(id)) {
                        view.request = None;
                        view.login = d.summary.login.clone();
                        view.data = Some(d);
                    }
                    Vec::new()
                }
                Err(e) => {
                    if let (Error::NotFound(_), Some(m)) = (&e, self.main()) {
                        m.detail = None;
                    }
                    self.error(e)
                }
            },
            (Waiter::FormReload, Reply::User(r)) => match r {
                Ok(d) => {
                    if let Some(Popup::UserForm(f)) = self.main().and_then(|m| m.popups.last_mut())
                    {
                        f.fill(&d);
                        f.error =
                            Some("Reloaded the stored values; make your change again.".into());
                    }
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
            (Waiter::FormData, Reply::FormData(r)) => match r {
                Ok(data) => {
                    let Some(m) = self.main() else {
                        return Vec::new();
                    };
                    for p in m.popups.iter_mut() {
                        match p {
                            Popup::UserForm(f) => f.loaded(data.clone()),
                            Popup::BulkReset(d) => d.loaded(&data),
                            Popup::Grants(g) => {
                                let grants = m
                                    .detail
                                    .as_ref()
                                    .and_then(|d| d.data.as_ref())
                                    .map(|d| d.resources.clone())
                                    .unwrap_or_default();
                                g.fill(&data.resources, &grants);
                            }
                            _ => {}
                        }
                    }
                    m.form_data = Some(data);
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Ping, Reply::Pong(r)) => match r {
                Ok(()) => {
                    if let Some(m) = self.main() {
                        m.banner = None;
                        m.note = Some(("the database is reachable again".into(), now));
                    }
                    self.refresh()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Lockouts { fetch }, Reply::Lockouts(r)) => match r {
                Ok(data) => {
                    let rows = self.lockouts_height();
                    if let Some(m) = self.main() {
                        m.lockouts.apply(data, fetch, now, rows);
                    }
                    self.lockouts_follow()
                }
                Err(e) => {
                    if let Some(m) = self.main() {
                        m.lockouts.loading = false;
                        m.lockouts.loaded_at = Some(now);
                    }
                    self.error(e)
                }
            },
            (Waiter::Audit { append }, Reply::Audit(r)) => match r {
                Ok(page) => {
                    let rows = self.table_height();
                    if let Some(m) = self.main() {
                        m.audit.apply(page, append, rows);
                    }
                    Vec::new()
                }
                Err(e) => {
                    if let Some(m) = self.main() {
                        m.audit.loading = false;
                        m.audit.loaded = true;
                    }
                    self.error(e)
                }
            },
            (Waiter::Verdict, Reply::Verdict(r)) => match r {
                Ok(v) => {
                    if let Some(m) = self.main() {
                        m.audit.verdict = Some(v);
                    }
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Resources, Reply::Resources(r)) => match r {
                Ok(rows) => {
                    let height = self.table_height();
                    if let Some(m) = self.main() {
                        m.resources.apply(rows, height);
                    }
                    Vec::new()
                }
                Err(e) => {
                    if let Some(m) = self.main() {
                        m.resources.loading = false;
                        m.resources.loaded = true;
                    }
                    self.error(e)
                }
            },
            (Waiter::Access, Reply::Grants(r)) => match r {
                Ok(grants) => {
                    let height = self.table_height();
                    if let Some(m) = self.main() {
                        if let Some(a) = m.resources.access.as_mut() {
                            a.grants = grants;
                            a.loaded = true;
                        }
                        m.resources.move_by(0, height);
                    }
                    Vec::new()
                }
                Err(e) => {
                    if let (Error::NotFound(_), Some(m)) = (&e, self.main()) {
                        m.resources.access = None;
                    }
                    self.error(e)
                }
            },
            (Waiter::Picker, Reply::Users(r)) => match r {
                Ok(page) => {
                    if let Some(Popup::UserPicker(p)) = self.main().and_then(|m| {
                        m.popups
                            .iter_mut()
                            .find(|p| matches!(p, Popup::UserPicker(u) if u.searching == Some(id)))
                    }) {
                        p.searching = None;
                        p.results = page.items;
                        p.selected = p.selected.min(p.results.len().saturating_sub(1));
                    }
                    Vec::new()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Policies, Reply::Policies(r)) => match r {
                Ok(rows) => {
                    let height = self.table_height();
                    if let Some(m) = self.main() {
                        m.policies.apply(rows, height);
                    }
                    Vec::new()
                }
                Err(e) => {
                    if let Some(m) = self.main() {
                        m.policies.loading = false;
                        m.policies.loaded = true;
                    }
                    self.error(e)
                }
            },
            (Waiter::BulkCount, Reply::Count(r)) => {
                let found = self.main().and_then(|m| {
                    m.popups.iter_mut().find_map(|p| match p {
                        Popup::BulkReset(d) if d.counting == Some(id) => Some(d),
                        _ => None,
                    })
                });
                match (r, found) {
                    (Ok(n), Some(d)) => {
                        d.counting = None;
                        d.count = Some(n);
                        Vec::new()
                    }
                    (Err(e), Some(d)) if !e.is_unavailable() => {
                        d.counting = None;
                        d.error = Some(friendly(&e));
                        Vec::new()
                    }
                    (Err(e), _) => self.error(e),
                    (Ok(_), None) => Vec::new(),
                }
            }
            (Waiter::Note, Reply::Done(r)) => match r {
                Ok(msg) => {
                    if let Some(m) = self.main() {
                        m.note = Some((msg, now));
                    }
                    // The change shows at once everywhere it appears.
                    self.refresh()
                }
                Err(e) => self.error(e),
            },
            (Waiter::Popup, reply) => self.popup_reply(id, reply),
            _ => Vec::new(),
        }
    }

    fn signed_in(&mut self, r: Result<SignInReply, Error>) -> Vec<Effect> {
        let now = self.now;
        match r {
            Ok(SignInReply::SignedIn(session)) => {
                self.screen = Screen::Main(Box::new(Main {
                    session,
                    pane: 0,
                    users: UsersPane::new(),
                    detail: None,
                    lockouts: LockoutsPane::new(),
                    audit: AuditPane::new(),
                    policies: PoliciesPane::default(),
                    resources: ResourcesPane::default(),
                    popups: Vec::new(),
                    banner: None,
                    retry_at: None,
                    retry_secs: 2,
                    note: None,
                    last_input: now,
                    form_data: None,
                }));
                let mut effects = self.reload_users();
                effects.push(self.call(Waiter::FormData, Call::FormData));
                effects
            }
            Ok(SignInReply::MustChange {
                login: _,
                reason,
                target,
            }) => {
                let current = match &self.screen {
                    Screen::SignIn(f) => Some(f.password.password()),
                    Screen::MustChange(f) => Some(f.current.clone()),
                    _ => None,
                };
                match current {
                    Some(current) => {
                        self.screen =
                            Screen::MustChange(MustChangeForm::new(target, reason, current))
                    }
                    None => self.screen = Screen::SignIn(SignInForm::new()),
                }
                Vec::new()
            }
            Ok(SignInReply::Refused(why)) => {
                self.form_failed(why);
                Vec::new()
            }
            Err(e) => {
                self.form_failed(friendly(&e));
                Vec::new()
            }
        }
    }

    fn form_failed(&mut self, why: String) {
        match &mut self.screen {
            Screen::SignIn(f) => {
                f.password.clear();
                f.refused(why);
            }
            Screen::Setup(f) => f.failed(why),
            Screen::MustChange(f) => f.failed(why),
            _ => {}
        }
    }

    fn popup_reply(&mut self, id: u64, reply: Reply) -> Vec<Effect> {
        let now = self.now;
        let Some(m) = self.main() else {
            return Vec::new();
        };
        let Some(index) = m.popups.iter().position(|p| p.pending() == Some(id)) else {
            return Vec::new();
        };
        match reply {
            Reply::PasswordContext(Ok(target)) => {
                match &mut m.popups[index] {
                    Popup::Password(p) => p.loaded(target),
                    Popup::ChangeOwn(p) => p.loaded(target),
                    _ => {}
                }
                Vec::new()
            }
            Reply::Done(Ok(msg)) => {
                // Holders and grants stay open to make more changes; the bulk
                // reset shows its summary until dismissed.
                let stays = matches!(
                    m.popups[index],
                    Popup::Holders(_) | Popup::Grants(_) | Popup::BulkReset(_)
                );
                if stays {
                    match &mut m.popups[index] {
                        Popup::Holders(h) => h.done(),
                        Popup::Grants(g) => g.pending = None,
                        Popup::BulkReset(d) => d.finished(msg.clone()),
                        _ => {}
                    }
                } else {
                    // After a rename in the edit form the detail view follows the new login.
                    if let Popup::UserForm(f) = &m.popups[index] {
                        if let (super::popups::user_form::Mode::Edit { .. }, Some(view)) =
                            (&f.mode, m.detail.as_mut())
                        {
                            view.login = f.login.value().to_string();
                        }
                    }
                    if matches!(&m.popups[index], Popup::TypeConfirm(c) if c.closes_detail) {
                        m.detail = None;
                    }
                    // Dropping the dialog wipes any password it held.
                    m.popups.remove(index);
                }
                m.note = Some((msg, now));
                self.refresh()
            }
            Reply::SteppedUp(Ok(actor)) => {
                m.popups.remove(index);
                m.session.actor = actor;
                m.note = Some(("confirmed; save again to apply your change".into(), now));
                Vec::new()
            }
            Reply::SteppedUp(Err(e)) => {
                let text = friendly(&e);
                m.popups[index].failed(text);
                Vec::new()
            }
            Reply::Secret(Ok((title, secret))) => {
                m.popups.remove(index);
                m.popups.push(Popup::Secret(SecretBox { title, secret }));
                self.refresh()
            }
            Reply::PasswordContext(Err(e)) | Reply::Done(Err(e)) | Reply::Secret(Err(e)) => {
                if e.is_unavailable() || matches!(e, Error::Unauthenticated(_)) {
                    m.popups[index].set_pending(None);
                    return self.error(e);
                }
                let step_up = matches!(e, Error::StepUpRequired(_));
                let text = friendly(&e);
                if !m.popups[index].failed(text.clone()) {
                    m.popups.push(Popup::Message(Message::error(text)));
                }
                if step_up {
                    // Ask for the password now; the form stays open underneath.
                    m.popups.push(Popup::StepUp(Default::default()));
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}

/// Commands that work the same in every pane (the rest belong to one pane).
fn is_global(cmd: Cmd) -> bool {
    matches!(
        cmd,
        Cmd::Quit
            | Cmd::Help
            | Cmd::Palette
            | Cmd::NextPane
            | Cmd::PrevPane
            | Cmd::GoPane(_)
            | Cmd::Refresh
            | Cmd::ChangeOwnPassword
    )
}

/// Whether the signed-in role may read the audit trail.
pub fn can_audit(m: &Main) -> bool {
    crate::domain::rights::check(
        m.session.actor.role,
        crate::domain::rights::Action::ViewAudit,
        None,
    )
    .is_ok()
}

/// An error as a sentence for the screen, with what to do where it helps.
pub fn friendly(e: &Error) -> String {
    match e {
        Error::Policy(v) => format!("The password does not meet the policy: {}.", v.join("; ")),
        Error::Conflict(m) if m.contains("someone else changed") => {
            format!("{m} (Ctrl-L reloads in the form).")
        }
        Error::Forbidden(m) => format!("Not allowed: {m}."),
        Error::StepUpRequired(m) => m.clone(),
        Error::NotFound(m) => format!(
            "{}: someone may have deleted or renamed it meanwhile. Press R to refresh the list.",
            capitalized(m)
        ),
        other => capitalized(&other.to_string()),
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
