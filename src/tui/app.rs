//! The console's state machine. `update(event, now)` changes state and
//! returns effects as data; it never awaits, queries or hashes, so it is
//! tested without a terminal or a database. Answers to requests the app no
//! longer waits for are dropped (each request has an id; a new query
//! forgets the old id).
//!
//! This file holds the state and the event loop's entry points (keys,
//! paste, mouse, ticks); app/commands.rs what each command does, and
//! app/replies.rs what each answer does.

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
mod replies;

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
    pub pane: Pane,
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
    /// The note says something was refused.
    pub note_is_warning: bool,
    pub last_input: DateTime<Utc>,
    pub form_data: Option<FormChoices>,
    /// Keys pressed before the pane had its first rows, with the pane they
    /// were pressed in: made once the rows are there (see `App::main_key`).
    pub held: Vec<(Pane, KeyEvent)>,
    /// The users a confirmation is being prepared for, while the service
    /// says which of their logins are shared.
    pub asking: Option<Vec<String>>,
    /// Every note and error shown, newest last (at most [`LOG_MAX`]): the
    /// status line cuts a long note, `L` shows them whole.
    pub log: std::collections::VecDeque<Logged>,
}

/// How many messages the log keeps.
pub const LOG_MAX: usize = 200;

/// A message shown in the status line or as an error.
#[derive(Debug, Clone)]
pub struct Logged {
    pub at: DateTime<Utc>,
    pub text: String,
    pub error: bool,
}

/// Most keys held for a pane that is still loading.
const HELD_MAX: usize = 256;

impl Main {
    /// Whether the current pane has its first rows (or gave up on them): a
    /// key pressed before then is held, not sent to an empty list.
    pub fn pane_ready(&self) -> bool {
        if self.banner.is_some() {
            return true;
        }
        // Rows on screen count as ready while a refresh reloads them.
        match self.pane {
            Pane::Resources => self.resources.loaded || !self.resources.rows.is_empty(),
            Pane::Policies => self.policies.loaded || !self.policies.rows.is_empty(),
            Pane::Lockouts => {
                self.lockouts.loaded_at.is_some() || !self.lockouts.accounts.is_empty()
            }
            Pane::Audit => self.audit.loaded || !self.audit.entries.is_empty() || !can_audit(self),
            _ => self.detail.is_some() || self.users.loaded || !self.users.loading,
        }
    }

    /// Shows a short note in the status line and keeps it in the log.
    pub fn say(&mut self, text: impl Into<String>, now: DateTime<Utc>) {
        let text = text.into();
        self.remember(text.clone(), false, now);
        self.note = Some((text, now));
        self.note_is_warning = false;
    }

    /// The same for something refused (shown as a warning).
    pub fn warn(&mut self, text: impl Into<String>, now: DateTime<Utc>) {
        let text = text.into();
        self.remember(text.clone(), true, now);
        self.note = Some((text, now));
        self.note_is_warning = true;
    }

    /// Keeps a message in the log.
    pub fn remember(&mut self, text: String, error: bool, now: DateTime<Utc>) {
        if self.log.len() >= LOG_MAX {
            self.log.pop_front();
        }
        self.log.push_back(Logged {
            at: now,
            text,
            error,
        });
    }

    /// The key tables of the current view, with their help headings. Key
    /// handling, the status line and the help overlay all use this.
    /// The keys that work now: the top popup's, else the current pane's.
    pub fn view_keys(&self) -> keys::Sections {
        match self.popups.last() {
            Some(p) => p.view().keys(),
            None => self.key_sections(),
        }
    }

    /// The key tables of the current pane (under any popup), with the keys
    /// of the popups that open from it.
    pub fn key_sections(&self) -> Vec<(&'static str, &'static [keys::Binding])> {
        let mut sections = self.pane_sections();
        let at = 1.min(sections.len());
        for (i, op) in self.openers().enumerate() {
            sections.insert(at + i, ("Opens", op.keys));
        }
        sections
    }

    /// The popups a key opens here.
    pub fn openers(&self) -> impl Iterator<Item = &'static crate::tui::popups::Opener> + '_ {
        crate::tui::popups::OPENERS
            .iter()
            .copied()
            .filter(|op| (op.applies)(self))
    }

    fn pane_sections(&self) -> Vec<(&'static str, &'static [keys::Binding])> {
        if self.pane == Pane::Resources {
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
        } else if self.pane == Pane::Policies {
            vec![
                ("Policies", keys::POLICIES),
                ("Moving", keys::MOVEMENT),
                ("Everywhere", keys::GLOBAL),
            ]
        } else if self.pane == Pane::Audit {
            vec![
                ("Audit", keys::AUDIT),
                ("Moving", keys::MOVEMENT),
                ("Everywhere", keys::GLOBAL),
            ]
        } else if self.pane == Pane::Lockouts {
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
    /// The popup that `waits_for` this id.
    Popup,
    FormChoices,
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

    /// Loads the detail view's user, forgetting any earlier detail request so
    /// that a late answer for another user can never fill this view.
    fn load_detail(&mut self, login: String) -> Effect {
        self.forget(|w| w == Waiter::Detail);
        let effect = self.call(Waiter::Detail, Call::GetUser { login });
        if let (Effect::Call { id, .. }, Some(m)) = (&effect, self.main())
            && let Some(view) = m.detail.as_mut()
        {
            view.request = Some(*id);
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
        if !m.popups.is_empty() || m.pane != Pane::Users || m.detail.is_some() {
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
        if m.pane == Pane::Resources && !m.resources.loaded && !m.resources.loading {
            m.resources.loading = true;
            effects.push(self.call(Waiter::Resources, Call::Resources));
        }
        let Some(m) = self.main() else { return effects };
        if m.pane == Pane::Policies && !m.policies.loaded && !m.policies.loading {
            m.policies.loading = true;
            effects.push(self.call(Waiter::Policies, Call::Policies));
        }
        let Some(m) = self.main() else { return effects };
        if m.pane == Pane::Audit && m.popups.is_empty() && can_audit(m) {
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
        if m.pane == Pane::Lockouts && m.popups.is_empty() && m.lockouts.due(now) {
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
            if m.banner.is_none() {
                m.remember(format!("Database unreachable: {e}"), true, now);
            }
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

/// "amy, ben and cid" or "amy, ben, cid, dan, eve and 7 more".
pub fn names(logins: &[String]) -> String {
    match logins {
        [] => String::new(),
        [one] => one.clone(),
        _ if logins.len() <= 6 => format!(
            "{} and {}",
            logins[..logins.len() - 1].join(", "),
            logins[logins.len() - 1]
        ),
        _ => format!("{} and {} more", logins[..5].join(", "), logins.len() - 5),
    }
}

/// "1 account", "3 accounts".
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// The warning that changing these passwords reaches everyone who shares
/// them, or nothing when no login is shared.
pub fn shared_warning(shared: &[(String, Vec<String>)]) -> String {
    if shared.is_empty() {
        return String::new();
    }
    let each: Vec<String> = shared
        .iter()
        .map(|(login, people)| format!("{login} is shared by {}", people.join(", ")))
        .collect();
    format!(
        "\n\n⚠ {}: all of them will need the new password.",
        each.join("; ")
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
