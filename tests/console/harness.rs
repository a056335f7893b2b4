//! Drives the console's state machine with keys, runs its effects through
//! the real service on a temporary database, and feeds the answers back.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use keyward::domain::{Kind, Password, Role};
use keyward::service::{Actor, Clock, NewUser, Service, ServiceConfig};
use keyward::store::Store;
use keyward::tui::app::App;
use keyward::tui::effect::{Effect, Event};
use keyward::tui::render;
use keyward::tui::theme::Theme;
use keyward::tui::worker::perform;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "../common/pg_database.rs"]
mod pg_database;
use pg_database::PgDatabase;
#[path = "../common/proxy.rs"]
pub mod proxy;

pub struct Harness {
    pub app: App,
    pub service: Service,
    pub now: DateTime<Utc>,
    pub quit: bool,
    pub calls: Vec<String>,
    _dir: tempfile::TempDir,
    /// The PostgreSQL test database, dropped with the harness (even when
    /// the test fails).
    _pg: Option<PgDatabase>,
}

impl Harness {
    /// A console on a fresh SQLite database, started (first-run screen).
    pub async fn new(width: u16, height: u16) -> Harness {
        Harness::with_clock(width, height, Clock::system(), Utc::now()).await
    }

    /// The same with the service's clock standing still at `at` (the app's
    /// clock starts there too and moves only with `wait_ms`): every time
    /// on screen is then the same from run to run.
    pub async fn at(width: u16, height: u16, at: DateTime<Utc>) -> Harness {
        Harness::with_clock(width, height, Clock::manual(at), at).await
    }

    /// A console on a fresh PostgreSQL database, or `None` when
    /// KEYWARD_TEST_DATABASE_URL is not set (a failure when
    /// KEYWARD_REQUIRE_POSTGRES is). The database is dropped with the
    /// harness, and named keyward_t_* so that .ci/run sweeps it otherwise.
    pub async fn new_pg(width: u16, height: u16) -> Option<Harness> {
        let db = PgDatabase::create(&pg_database::admin_url()?, "console_").await;
        let store = Store::open(&db.url()).await.expect("open test database");
        let mut h = Harness::with_store(width, height, store, Clock::system(), Utc::now()).await;
        h._pg = Some(db);
        Some(h)
    }

    /// A console on a fresh PostgreSQL database reached through a proxy
    /// that can cut and stall its connections (tests/common/proxy.rs), or
    /// `None` as [`Harness::new_pg`].
    pub async fn new_pg_behind_proxy(width: u16, height: u16) -> Option<(Harness, proxy::Proxy)> {
        let db = PgDatabase::create(&pg_database::admin_url()?, "console_").await;
        let proxy = proxy::Proxy::to(&db.url()).await;
        let store = Store::open(&proxy.url(&db.url()))
            .await
            .expect("open test database");
        let mut h = Harness::with_store(width, height, store, Clock::system(), Utc::now()).await;
        h._pg = Some(db);
        Some((h, proxy))
    }

    async fn with_clock(width: u16, height: u16, clock: Clock, now: DateTime<Utc>) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite(&dir.path().join("k.db"))
            .await
            .expect("open");
        let mut h = Harness::with_store(width, height, store, clock, now).await;
        h._dir = dir;
        h
    }

    async fn with_store(
        width: u16,
        height: u16,
        store: Store,
        clock: Clock,
        now: DateTime<Utc>,
    ) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let service = Service::new(store, ServiceConfig::default(), clock)
            .await
            .expect("service");
        let app = App::new("sqlite /tmp/test/k.db", Theme::mono(), (width, height), now);
        let mut h = Harness {
            app,
            service,
            now,
            quit: false,
            calls: Vec::new(),
            _dir: dir,
            _pg: None,
        };
        let effects = h.app.start();
        h.run(effects).await;
        h
    }

    /// Runs effects to completion, feeding replies back (and the effects
    /// those replies cause).
    pub async fn run(&mut self, mut effects: Vec<Effect>) {
        while let Some(effect) = effects.pop() {
            match effect {
                Effect::Quit => self.quit = true,
                Effect::Copy(_) => {}
                Effect::Call { id, actor, call } => {
                    let name = format!("{call:?}");
                    self.calls
                        .push(name.split([' ', '{', '(']).next().unwrap_or("").to_string());
                    let reply = perform(&self.service, actor.as_ref(), call).await;
                    effects.extend(self.app.update(Event::Reply { id, reply }, self.now));
                }
            }
        }
    }

    pub async fn event(&mut self, ev: Event) {
        let effects = self.app.update(ev, self.now);
        self.run(effects).await;
    }

    pub async fn key(&mut self, code: KeyCode) {
        self.event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
            .await;
    }

    pub async fn ctrl(&mut self, c: char) {
        self.event(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )))
        .await;
    }

    pub async fn text(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c)).await;
        }
    }

    /// Lets time pass (debounce, idle lock) with one tick.
    pub async fn wait_ms(&mut self, ms: i64) {
        self.now += Duration::milliseconds(ms);
        self.event(Event::Tick).await;
    }

    /// Types the fields of a form, Tab between them.
    pub async fn fields(&mut self, values: &[&str]) {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.key(KeyCode::Tab).await;
            }
            self.text(v).await;
        }
    }

    /// First run: creates root1 and signs in.
    pub async fn setup_admin(&mut self) {
        self.fields(&["root1", "Root One", "root@example.org", ADMIN_PW, ADMIN_PW])
            .await;
        self.key(KeyCode::Enter).await;
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        let (w, h) = self.app.size;
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        terminal.draw(|f| render::draw(&self.app, f)).expect("draw");
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

impl Harness {
    /// A fresh console on the same database, as after a restart: it asks
    /// the database whether this is a first run and shows sign-in if not.
    pub async fn restart(&mut self) {
        self.app = App::new(
            "sqlite /tmp/test/k.db",
            Theme::mono(),
            self.app.size,
            self.now,
        );
        let effects = self.app.start();
        self.run(effects).await;
    }

    /// root1 as an actor for direct service calls (after `setup_admin`).
    pub async fn admin(&self) -> Actor {
        self.service
            .login("root1", &Password::from(ADMIN_PW), "test", false)
            .await
            .expect("login")
            .actor
            .expect("root1 signs in")
    }

    /// Creates a user through the service (name "<Login> Person").
    pub async fn add_user(
        &self,
        login: &str,
        kind: Kind,
        must_change: bool,
        password: Option<&str>,
    ) {
        let actor = self.admin().await;
        let new = NewUser {
            login: login.into(),
            name: format!("{} Person", login.split('.').next().unwrap_or(login)),
            email: format!("{login}@example.org"),
            kind,
            role: Role::User,
            policy: None,
            must_change,
        };
        self.service
            .create_user(&actor, &new, password.map(Password::from).as_ref())
            .await
            .expect("add user");
    }

    /// Locks `login` with wrong passwords up to the default threshold.
    pub async fn lock_out(&self, login: &str) {
        for _ in 0..5 {
            self.service
                .authenticate(login, &Password::from("wrong wrong wrong"), "test")
                .await
                .expect("authenticate");
        }
    }

    /// Renders at tiny sizes (and just at the minimum) to check that no
    /// state panics when drawn; restores the size after.
    pub fn draws_at_any_size(&mut self) {
        let size = self.app.size;
        for (w, h) in [(1, 1), (2, 2), (10, 3), (79, 23), (80, 24), (0, 0)] {
            self.app.update(Event::Resize(w, h), self.now);
            let _ = self.screen();
        }
        self.app.update(Event::Resize(size.0, size.1), self.now);
    }

    /// The screen with timestamps replaced by a fixed placeholder.
    pub fn screen_scrubbed(&self) -> String {
        scrub_times(&self.screen())
    }
}

/// Replaces `YYYY-MM-DD hh:mm`, with optional `:ss` and ` UTC`, by a
/// placeholder of the same width, so that snapshots do not depend on the
/// clock.
pub fn scrub_times(text: &str) -> String {
    fn digits(c: &[char], at: usize, n: usize) -> bool {
        c.len() >= at + n && c[at..at + n].iter().all(|d| d.is_ascii_digit())
    }
    fn is(c: &[char], at: usize, ch: char) -> bool {
        c.get(at) == Some(&ch)
    }
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        let base = digits(&c, i, 4)
            && is(&c, i + 4, '-')
            && digits(&c, i + 5, 2)
            && is(&c, i + 7, '-')
            && digits(&c, i + 8, 2)
            && is(&c, i + 10, ' ')
            && digits(&c, i + 11, 2)
            && is(&c, i + 13, ':')
            && digits(&c, i + 14, 2);
        if !base {
            out.push(c[i]);
            i += 1;
            continue;
        }
        out.push_str("YYYY-MM-DD hh:mm");
        i += 16;
        if is(&c, i, ':') && digits(&c, i + 1, 2) {
            out.push_str(":ss");
            i += 3;
        }
        if c.get(i..i + 4) == Some(&[' ', 'U', 'T', 'C'][..]) {
            out.push_str(" UTC");
            i += 4;
        }
    }
    out
}

pub const ADMIN_PW: &str = "correct horse battery staple";

/// A console behaviour test on SQLite and, when configured, PostgreSQL:
/// `on_both_backends!(name, width, height, |h| { ... })` makes
/// `name::sqlite` and `name::postgres`, each with a fresh `Harness` `h`.
macro_rules! on_both_backends {
    ($name:ident, $w:expr, $ht:expr, |$h:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                #[allow(unused_mut)]
                let mut $h = $crate::harness::Harness::new($w, $ht).await;
                $body
            }

            #[tokio::test]
            #[allow(unused_mut)]
            #[cfg_attr(
                not(keyward_postgres_tests),
                ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
            )]
            async fn postgres() {
                let Some(mut $h) = $crate::harness::Harness::new_pg($w, $ht).await else {
                    return;
                };
                $body
            }
        }
    };
}
pub(crate) use on_both_backends;
