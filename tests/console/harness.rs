//! Drives the console's state machine with keys, runs its effects through
//! the real service on a temporary database, and feeds the answers back.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use keyward::service::{Clock, Service, ServiceConfig};
use keyward::store::Store;
use keyward::tui::app::App;
use keyward::tui::effect::{Effect, Event};
use keyward::tui::render;
use keyward::tui::theme::Theme;
use keyward::tui::worker::perform;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub struct Harness {
    pub app: App,
    pub service: Service,
    pub now: DateTime<Utc>,
    pub quit: bool,
    pub calls: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// A console on a fresh SQLite database, started (first-run screen).
    pub async fn new(width: u16, height: u16) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite(&dir.path().join("k.db"))
            .await
            .expect("open");
        let now = Utc::now();
        let service = Service::new(store, ServiceConfig::default(), Clock::system())
            .await
            .expect("service");
        let app = App::new(
            "sqlite /tmp/test/k.db",
            Theme { color: false },
            (width, height),
            now,
        );
        let mut h = Harness {
            app,
            service,
            now,
            quit: false,
            calls: Vec::new(),
            _dir: dir,
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
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }
}

pub const ADMIN_PW: &str = "correct horse battery staple";
