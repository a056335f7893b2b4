//! The console's state machine without a database or a terminal: events
//! in, effects out, and the test answers each call as the worker would (as
//! atuin-ai's fsm tests do). For the flows where what matters is the order
//! of keys, answers and requests: typing faster than a check, keys pressed
//! while a page loads, marks, discarding a form.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use keyward::domain::Role;
use keyward::service::Actor;
use keyward::service::views::{Page, UserSummary};
use keyward::tui::app::{App, Main, Screen};
use keyward::tui::effect::{Call, Effect, Event, Reply, Session, SignInReply};
use keyward::tui::theme::Theme;

pub struct Fsm {
    pub app: App,
    pub now: DateTime<Utc>,
    /// Calls made and not answered yet, oldest first.
    pub calls: Vec<(u64, Call)>,
    pub quit: bool,
    /// What was copied to the clipboard, last last.
    pub copied: Vec<String>,
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 2, 9, 30, 0)
        .single()
        .expect("a valid time")
}

impl Fsm {
    /// A console signed in as root1 (global administrator) with the first
    /// Users page and the form data still to be answered.
    pub fn signed_in(width: u16, height: u16) -> Fsm {
        Fsm::signed_in_as(width, height, Role::GlobalAdmin)
    }

    pub fn signed_in_as(width: u16, height: u16, role: Role) -> Fsm {
        let now = t0();
        let mut f = Fsm {
            app: App::new("sqlite test.db", Theme::mono(), (width, height), now),
            now,
            calls: Vec::new(),
            quit: false,
            copied: Vec::new(),
        };
        let effects = f.app.start();
        f.take(effects);
        let (id, _) = f.call(|c| matches!(c, Call::NeedsSetup));
        f.reply(id, Reply::NeedsSetup(Ok(None)));
        f.text("root1");
        f.key(KeyCode::Tab);
        f.text("correct horse battery staple");
        f.key(KeyCode::Enter);
        let (id, _) = f.call(|c| matches!(c, Call::SignIn { .. }));
        let session = Session {
            actor: Actor {
                user_id: 1,
                login: "root1".into(),
                role,
                authenticated_at: now,
            },
            name: "Root One".into(),
            idle_timeout_minutes: 300,
        };
        f.reply(id, Reply::SignIn(Ok(SignInReply::SignedIn(session))));
        assert!(matches!(f.app.screen, Screen::Main(_)));
        f
    }

    fn take(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Quit => self.quit = true,
                Effect::Call { id, call, .. } => self.calls.push((id, call)),
                Effect::Copy(text) => self.copied.push(text.to_string()),
            }
        }
    }

    pub fn event(&mut self, ev: Event) {
        let effects = self.app.update(ev, self.now);
        self.take(effects);
    }

    pub fn key(&mut self, code: KeyCode) {
        self.event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn shift(&mut self, code: KeyCode) {
        self.event(Event::Key(KeyEvent::new(code, KeyModifiers::SHIFT)));
    }

    pub fn ctrl(&mut self, c: char) {
        self.event(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    pub fn text(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub fn tick(&mut self, ms: i64) {
        self.now += chrono::Duration::milliseconds(ms);
        self.event(Event::Tick);
    }

    pub fn reply(&mut self, id: u64, reply: Reply) {
        self.event(Event::Reply { id, reply });
    }

    /// Takes the oldest unanswered call that `pred` accepts.
    pub fn call(&mut self, pred: impl Fn(&Call) -> bool) -> (u64, Call) {
        let i = self
            .calls
            .iter()
            .position(|(_, c)| pred(c))
            .unwrap_or_else(|| panic!("no such call among {:?}", self.calls));
        self.calls.remove(i)
    }

    /// How many unanswered calls `pred` accepts.
    pub fn count(&self, pred: impl Fn(&Call) -> bool) -> usize {
        self.calls.iter().filter(|(_, c)| pred(c)).count()
    }

    /// Answers the oldest Users listing with `rows` (more follow when
    /// `next` is set).
    pub fn answer_users(&mut self, page: Page<UserSummary>) {
        let (id, _) = self.call(|c| matches!(c, Call::ListUsers { .. }));
        self.reply(id, Reply::Users(Ok(page)));
    }

    pub fn main(&self) -> &Main {
        match &self.app.screen {
            Screen::Main(m) => m,
            other => panic!("not signed in: {other:?}"),
        }
    }

    pub fn main_mut(&mut self) -> &mut Main {
        match &mut self.app.screen {
            Screen::Main(m) => m,
            other => panic!("not signed in: {other:?}"),
        }
    }

    /// The screen as text (ratatui's TestBackend).
    pub fn screen(&self) -> String {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let (w, h) = self.app.size;
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        terminal
            .draw(|f| keyward::tui::render::draw(&self.app, f))
            .expect("draw");
        let buf = terminal.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                // Hints keep their words together with no-break spaces.
                out.push_str(&buf[(x, y)].symbol().replace('\u{a0}', " "));
            }
            out.push('\n');
        }
        out
    }
}

/// A user row as the service lists it.
pub fn user(id: i64, login: &str) -> UserSummary {
    UserSummary {
        id,
        login: login.into(),
        name: format!("Person {id}"),
        email: format!("{login}@example.org"),
        kind: keyward::domain::Kind::Staff,
        role: keyward::domain::Role::User,
        status: keyward::domain::Status::Active,
        must_change_password: false,
        locked: false,
        locked_at: None,
        locked_until: None,
        failed_attempts: 0,
        lockout_threshold: 5,
        last_failure_at: None,
        last_failure_source: None,
        last_login_at: None,
        badges: Default::default(),
        version: 1,
    }
}

/// Users `from..to` of a listing of `total` ("u0000042"), as a page.
pub fn page(from: usize, to: usize, total: usize) -> Page<UserSummary> {
    let row = |i: usize| user(i as i64 + 1, &format!("u{i:07}"));
    Page {
        items: (from..to.min(total)).map(row).collect(),
        next: (to < total).then(|| row(to - 1).cursor(Default::default())),
        prev: (from > 0).then(|| row(from - 1).cursor(Default::default())),
    }
}

impl Fsm {
    /// Answers the oldest Users listing as a store holding users
    /// u0000000..u{total} in login order would (keyset pages both ways).
    pub fn answer_listing(&mut self, total: usize) {
        let (id, call) = self.call(|c| matches!(c, Call::ListUsers { .. }));
        let Call::ListUsers { filter } = call else {
            unreachable!()
        };
        let limit = filter.limit as usize;
        let at = |c: &keyward::domain::listing::Cursor| match c {
            keyward::domain::listing::Cursor::Login(l) => {
                l[1..].parse::<usize>().expect("a test login")
            }
            other => panic!("sorted by login here: {other:?}"),
        };
        let (from, to) = match (&filter.after, filter.backward) {
            (None, false) => (0, limit),
            (None, true) => (total.saturating_sub(limit), total),
            (Some(c), false) => (at(c) + 1, at(c) + 1 + limit),
            (Some(c), true) => (at(c).saturating_sub(limit), at(c)),
        };
        self.reply(id, Reply::Users(Ok(page(from, to.min(total), total))));
    }

    /// The selected row of the Users pane.
    pub fn selected_login(&self) -> String {
        let u = &self.main().users;
        u.rows[u.selected].login.clone()
    }
}
