//! The console's state machine. `update(event, now)` changes state and
//! returns effects as data; it never awaits, queries or hashes, so it is
//! tested without a terminal or a database. Answers to requests the app no
//! longer waits for are dropped (each request has an id; a new query
//! forgets the old id).
//!
//! This file holds the app and the routing of events (keys, pastes, mouse,
//! answers); app/main.rs the signed-in console's state, app/loading.rs the
//! loading scheduler (what each pane asks for and when), app/commands.rs
//! (and commands/, one file per pane) what each command does,
//! app/replies.rs what each answer does, and app/text.rs the sentences.

use super::effect::{Call, Effect, Event, FormChoices, Reply, Session, SignInReply};
use super::keys::{self, Cmd};
use super::new_password::NewPassword;
use super::panes::Pane;
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
use super::popups::help::Help;
use super::popups::messages::Messages;
use super::popups::palette::Palette;
use super::popups::password::PasswordDialog;
use super::popups::policy_form::{NewPolicyPrompt, PolicyForm};
use super::popups::resource_forms::{ResourceForm, UserPicker};
use super::popups::simple::{Confirm, Message, TypeConfirm};
use super::popups::user_form::UserForm;
use super::popups::{Out, Popup};
use super::screens::must_change::MustChangeForm;
use super::screens::setup::SetupForm;
use super::screens::sign_in::SignInForm;
use super::theme::Theme;
use super::view::DetailAfter;
use crate::error::Error;
use crate::service::LockoutsRequest;
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use std::collections::HashMap;

mod commands;
mod loading;
mod main;
mod replies;
mod text;

use main::HELD_MAX;
pub use main::{LOG_MAX, Logged, Main};
pub use text::{count, friendly, names, shared_warning};

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

/// How often the database is asked whether it answers, while no banner is
/// up. With the worker's `PING_TIMEOUT`, an outage or a stalled connection
/// shows within two seconds, as issue 15 asks.
pub const HEARTBEAT_EVERY: Duration = Duration::seconds(1);

/// Who waits for a request's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiter {
    Start,
    SignIn,
    Users {
        fetch: Fetch,
    },
    UserCount,
    Detail,
    /// The popup that `waits_for` this id.
    Popup,
    FormChoices,
    /// A retry while the banner is up.
    Ping,
    /// The regular check that the database still answers (no banner up).
    Heartbeat,
    Lockouts {
        fetch: LockFetch,
    },
    Audit {
        append: bool,
    },
    /// Entries newer than the newest shown (the pane's refresh).
    AuditNewer,
    Verdict,
    /// A change whose result goes to the status line.
    Note,
    Policies,
    PolicyCounts,
    Resources,
    Access,
    /// A password's checklist, for the form whose `NewPassword` waits for it.
    Check,
    /// Whether lock notifications were set up.
    Watch,
    /// Which logins are shared, for the confirmation in `Main::asking`.
    Shared,
}

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
    /// Lock notifications were asked for (once per console).
    watching: bool,
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
            watching: false,
        }
    }

    /// The first effects: find out whether this is a first run.
    pub fn start(&mut self) -> Vec<Effect> {
        vec![self.call(Waiter::Start, Call::NeedsSetup)]
    }

    /// Rows of the users table that fit on screen.
    /// Whether the terminal is smaller than the console draws in (it then
    /// shows only how large it must be).
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    pub fn table_height(&self) -> usize {
        let banner = match &self.screen {
            Screen::Main(m) => m.banner_lines(self.size.0).len() as u16,
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
        let mut effects = self.handle(event);
        if !effects.iter().any(|e| matches!(e, Effect::Quit)) {
            effects.extend(self.schedule_check());
        }
        effects
    }

    /// Sends the focused password's checklist to the worker when it changed
    /// and no check of it is under way (see new_password.rs).
    fn schedule_check(&mut self) -> Option<Effect> {
        let (input, password) = self.active_password()?.next_check()?;
        let input = Box::new(input);
        let effect = self.call(Waiter::Check, Call::CheckPassword { input, password });
        if let (Effect::Call { id, .. }, Some(pw)) = (&effect, self.active_password()) {
            pw.sent(*id);
        }
        Some(effect)
    }

    /// The new password of the form that has focus, if it has one.
    fn active_password(&mut self) -> Option<&mut NewPassword> {
        match &mut self.screen {
            Screen::Setup(f) => Some(&mut f.pw),
            Screen::MustChange(f) => Some(&mut f.pw),
            Screen::Main(m) => m
                .popups
                .last_mut()
                .and_then(|p| p.view_mut().new_password()),
            _ => None,
        }
    }

    /// Every new password on screen or in a popup, focused or not.
    fn all_passwords(&mut self) -> Vec<&mut NewPassword> {
        match &mut self.screen {
            Screen::Setup(f) => vec![&mut f.pw],
            Screen::MustChange(f) => vec![&mut f.pw],
            Screen::Main(m) => m
                .popups
                .iter_mut()
                .filter_map(|p| p.view_mut().new_password())
                .collect(),
            _ => Vec::new(),
        }
    }

    fn handle(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::Key(key) => {
                if key.kind == KeyEventKind::Release {
                    return Vec::new();
                }
                if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
                    return vec![Effect::Quit];
                }
                // Nothing is on screen but the request to enlarge it: a key
                // would act on a form or a confirmation nobody can see.
                if self.too_small() {
                    return Vec::new();
                }
                self.key(key)
            }
            Event::Paste(_) | Event::Mouse(_) if self.too_small() => Vec::new(),
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
                if let Some(p) = self
                    .main()
                    .and_then(|m| m.popups.iter_mut().find(|p| p.view().waits_for(id)))
                {
                    p.view_mut().progress(done, total);
                }
                Vec::new()
            }
            Event::Reply { id, reply } => {
                let mut effects = match self.waiting.remove(&id) {
                    Some(waiter) => self.reply(id, waiter, reply),
                    None => Vec::new(),
                };
                effects.extend(self.replay_held());
                effects
            }
            Event::LockoutsChanged => {
                if let Some(m) = self.main() {
                    m.lockouts.changed();
                }
                Vec::new()
            }
        }
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        match &mut self.screen {
            Screen::Setup(f) => f.paste(text),
            Screen::SignIn(f) => f.paste(text),
            Screen::MustChange(f) => f.paste(text),
            Screen::Main(m) => {
                let now = self.now;
                m.last_input = now;
                let pasted = match m.popups.last_mut() {
                    Some(p) => p.view_mut().paste(text),
                    None if m.pane == Pane::Audit && m.audit.editing_filter => {
                        let pasted = m.audit.filter.paste(text);
                        m.audit.debounce_until = Some(now);
                        pasted
                    }
                    None if m.pane == Pane::Lockouts && m.lockouts.editing_filter => {
                        m.lockouts.filter.paste(text)
                    }
                    None if m.users.editing_filter => match m.users.filter.paste(text) {
                        Ok(()) => return self.search_typed(),
                        Err(e) => Err(e),
                    },
                    None => Ok(()),
                };
                // A paste that does not fit is refused whole, and said so.
                if let Err(why) = pasted {
                    m.warn(why, now);
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
        // 1. The topmost popup takes every key (F1 shows its keys).
        if let Some(top) = m.popups.last_mut() {
            if key.code == KeyCode::F(1) {
                m.popups.push(Popup::from(Help::default()));
                return Vec::new();
            }
            let out = top.view_mut().key(&key);
            let index = m.popups.len() - 1;
            return self.popup_out(index, out);
        }
        // 2. A pane still waiting for its first rows holds the keys, in
        //    order, until they come (a key typed before the Policies pane
        //    had loaded used to act on an empty list).
        //    Keys that work everywhere (another pane, help, quit) act at
        //    once unless keys are already held, which they must follow.
        let pane = m.pane;
        let holding = m.held.iter().any(|(p, _)| *p == pane);
        let global = {
            let tables: Vec<&[keys::Binding]> = m.key_sections().iter().map(|(_, t)| *t).collect();
            keys::lookup(&tables, &key, m.session.actor.role).is_some_and(is_global)
        };
        if holding || (!m.pane_ready() && !global) {
            if m.held.len() < HELD_MAX {
                m.held.push((pane, key));
            }
            return Vec::new();
        }
        // 3. The filter fields, while they have focus.
        if m.pane == Pane::Audit && m.audit.editing_filter {
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
        if m.pane == Pane::Lockouts && m.lockouts.editing_filter {
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
        if m.users.editing_filter && m.pane == Pane::Users && m.detail.is_none() {
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
        // 4. A popup that opens by its own key, then the key tables of the
        //    current view.
        let role = m.session.actor.role;
        let opener = m
            .openers()
            .find(|op| keys::lookup(&[op.keys], &key, role).is_some());
        if let Some(op) = opener {
            let Some((popup, call)) = (op.open)(m) else {
                return Vec::new();
            };
            m.popups.push(popup);
            return match call {
                Some(call) => self.call_for_top(call),
                None => Vec::new(),
            };
        }
        let tables: Vec<&[keys::Binding]> = m.key_sections().iter().map(|(_, t)| *t).collect();
        match keys::lookup(&tables, &key, role) {
            Some(cmd) => self.command(cmd),
            None => Vec::new(),
        }
    }

    /// Makes the keys held for the current pane once it is ready; keys
    /// held for another pane are dropped (the user went elsewhere).
    fn replay_held(&mut self) -> Vec<Effect> {
        let Some(m) = self.main() else {
            return Vec::new();
        };
        if m.held.is_empty() || !m.pane_ready() {
            return Vec::new();
        }
        let pane = m.pane;
        let held: Vec<KeyEvent> = std::mem::take(&mut m.held)
            .into_iter()
            .filter(|(p, _)| *p == pane)
            .map(|(_, k)| k)
            .collect();
        let mut effects = Vec::new();
        for key in held {
            effects.extend(self.main_key(key));
            if effects.iter().any(|e| matches!(e, Effect::Quit)) {
                break;
            }
        }
        effects
    }

    fn forget(&mut self, pred: impl Fn(Waiter) -> bool) {
        self.waiting.retain(|_, w| !pred(*w));
    }

    /// Wheel scrolls; a click selects a row (only with `ui.mouse = true`).
    fn mouse(&mut self, ev: MouseEvent) -> Vec<Effect> {
        let height = self.table_height();
        let (now, width) = (self.now, self.size.0);
        let Some(m) = self.main() else {
            return Vec::new();
        };
        if !m.popups.is_empty() || m.pane != Pane::Users || m.detail.is_some() {
            return Vec::new();
        }
        m.last_input = now;
        match ev.kind {
            MouseEventKind::ScrollDown => m.users.move_by(3, height),
            MouseEventKind::ScrollUp => m.users.move_by(-3, height),
            MouseEventKind::Down(MouseButton::Left) => {
                // Tabs, banner, the table's top border and its header come first.
                let first_row = 3 + m.banner_lines(width).len() as u16;
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

    /// Copies `text` (a login, an email, a target) to the clipboard, and
    /// says so.
    fn copy(&mut self, text: String) -> Vec<Effect> {
        let now = self.now;
        if let Some(m) = self.main() {
            m.say(format!("copied {text} to the clipboard"), now);
        }
        vec![Effect::Copy(zeroize::Zeroizing::new(text))]
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
            // What happened and what the console does come first, so that
            // a long driver message cut at the banner's third row loses only
            // its own end (the message log, L, keeps it whole).
            let detail = match &e {
                Error::Unavailable(detail) => detail.clone(),
                other => other.to_string(),
            };
            if m.banner.is_none() {
                m.remember(format!("Database unreachable: {detail}"), true, now);
            }
            m.banner = Some(format!(
                "Database unreachable; retrying every {}s, your work on screen is kept ({detail}).",
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
        let text = friendly(&e);
        m.remember(text.clone(), true, now);
        m.popups.push(Popup::from(Message::error(text)));
        Vec::new()
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
            | Cmd::Messages
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
