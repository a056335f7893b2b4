//! The console soak: a seeded random driver feeds the real `App` (through
//! `Fsm`, no terminal, no database) keys, pastes (up to 100 KB, control
//! characters included), resizes down to 0x0, ticks and answers: right,
//! wrong (Unavailable, StepUpRequired, Conflict, ...), late, out of order,
//! and twice. Every step is drawn on ratatui's TestBackend, and after each
//! step the invariants hold:
//!
//! - nothing panics (an update or a draw);
//! - every pane's selection is inside its rows;
//! - no secret stays in the app's state once its dialog has closed: with
//!   no popup open, no password field holds text and no shown-once secret
//!   is kept; and a secret typed into a password field or handed out as a
//!   temporary password never shows in the state's `Debug` form (which
//!   prints secrets as `***`, so a secret seen there was copied into a
//!   plain string).
//!
//! The suite runs 100,000 steps with a fixed seed. For a long run with a
//! fresh seed (printed, so that a failure can be replayed):
//! `KEYWARD_SOAK_STEPS=1000000 KEYWARD_SOAK_SEED=random cargo test --test
//! console soak -- --nocapture` (README, "On a fresh machine").

use super::fsm::Fsm;
use super::soak_inputs as inputs;
use super::soak_replies::Answers;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use keyward::tui::app::Screen;
use keyward::tui::effect::{Call, Event};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The suite's seed; KEYWARD_SOAK_SEED overrides it ("random" for a fresh one).
const SEED: u64 = 0x6b65_7977_6172_6401;
/// The suite's steps; KEYWARD_SOAK_STEPS overrides it.
const STEPS: u64 = 100_000;
/// Secrets remembered for the leak check (the newest).
const SECRETS_KEPT: usize = 64;
/// How every secret the soak types or hands out begins.
pub const MARK: &str = "Zq";
/// Actions kept for a failure's report.
const HISTORY: usize = 40;
/// Calls left unanswered at most: the oldest is answered past this.
const PENDING_MAX: usize = 48;

struct Soak {
    f: Fsm,
    rng: StdRng,
    terminal: Terminal<TestBackend>,
    next_secret: u64,
    /// Secrets that must never show in the state's `Debug` form.
    secrets: VecDeque<String>,
    /// Calls already answered (to answer again, late).
    answered: VecDeque<(u64, Call)>,
    history: VecDeque<String>,
    /// No popup was open after the last step.
    was_quiet: bool,
    checks: u64,
    /// Where the console was, sampled: screen, popup or pane.
    seen: std::collections::BTreeMap<String, u64>,
    steps: u64,
}

fn env_u64(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[test]
fn soak() {
    let steps = env_u64("KEYWARD_SOAK_STEPS")
        .map(|s| s.parse::<u64>().expect("KEYWARD_SOAK_STEPS is a number"))
        .unwrap_or(STEPS);
    let seed = match env_u64("KEYWARD_SOAK_SEED").as_deref() {
        None => SEED,
        Some("random") => rand::rngs::OsRng.r#gen(),
        Some(s) => s
            .parse::<u64>()
            .expect("KEYWARD_SOAK_SEED is a number or random"),
    };
    println!(
        "console soak: {steps} steps, seed {seed} (replay: KEYWARD_SOAK_SEED={seed} \
         KEYWARD_SOAK_STEPS={steps} cargo test --test console soak)"
    );
    let started = std::time::Instant::now();
    let mut s = Soak::new(seed);
    for step in 0..steps {
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| s.step())) {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let history: Vec<&str> = s.history.iter().map(String::as_str).collect();
            panic!(
                "console soak failed at step {step} of seed {seed}: {why}\nlast actions:\n  {}",
                history.join("\n  ")
            );
        }
    }
    println!(
        "console soak: {steps} steps, {} state checks, {:.1} s",
        s.checks,
        started.elapsed().as_secs_f64()
    );
    let seen: Vec<String> = s.seen.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    println!("console soak: samples of where it was: {}", seen.join(", "));
}

impl Soak {
    fn new(seed: u64) -> Soak {
        let f = Fsm::signed_in(120, 40);
        let terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        Soak {
            f,
            rng: StdRng::seed_from_u64(seed),
            terminal,
            next_secret: 0,
            secrets: VecDeque::new(),
            answered: VecDeque::new(),
            history: VecDeque::new(),
            was_quiet: true,
            checks: 0,
            seen: Default::default(),
            steps: 0,
        }
    }

    fn log(&mut self, what: String) {
        if self.history.len() >= HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(what);
    }

    fn step(&mut self) {
        let roll = self.rng.gen_range(0..1000);
        match roll {
            0..=79 => self.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            80..=399 => {
                let key = inputs::key(&mut self.rng);
                self.key(key);
            }
            400..=619 => {
                let key = self
                    .bound_key()
                    .unwrap_or_else(|| inputs::key(&mut self.rng));
                self.key(key);
            }
            620..=849 => self.answer(),
            850..=929 => {
                let ms = if self.rng.gen_bool(0.01) {
                    6 * 3600 * 1000
                } else {
                    self.rng.gen_range(0..3000)
                };
                self.log(format!("tick {ms} ms"));
                self.f.tick(ms);
            }
            930..=949 => self.paste(),
            950..=959 => self.resize(),
            960..=969 => self.mouse(),
            970..=979 => self.answer_again(),
            980..=984 => self.progress(),
            985..=989 => {
                self.log("lockouts changed".into());
                self.f.event(Event::LockoutsChanged);
            }
            990..=994 => self.probe_secret(),
            _ => self.fill(),
        }
        // Out of the signed-in console (sign-in, a forced change), random
        // keys rarely get through a form: fill it now and then.
        if !matches!(self.f.app.screen, Screen::Main(_)) && self.rng.gen_bool(0.01) {
            self.fill();
        }
        if self.f.quit {
            // The console quit (Ctrl-C, q): start it again at the same size
            // (signed in at a size it takes keys at: a smaller one shows
            // only "enlarge the window").
            self.log("quit: started again".into());
            let (w, h) = self.f.app.size;
            self.f = Fsm::signed_in(120, 40);
            self.f.event(Event::Resize(w, h));
            self.f.copied.clear();
            self.answered.clear();
        }
        self.f.copied.clear();
        if self.f.calls.len() > PENDING_MAX {
            self.answer_at(0);
        }
        self.draw();
        self.check_selection();
        self.steps += 1;
        if self.steps.is_multiple_of(16) {
            self.sample();
        }
        let quiet = self.quiet();
        if (quiet && !self.was_quiet) || self.rng.gen_bool(0.002) {
            self.check_state(quiet);
        }
        self.was_quiet = quiet;
    }

    /// Counts where the console is (every 16th step: the name costs a
    /// `Debug` of the view), to show that the soak reaches every screen.
    fn sample(&mut self) {
        let k = match &self.f.app.screen {
            Screen::Main(m) => match m.popups.last() {
                Some(p) => format!("{:?}", p)
                    .chars()
                    .take_while(|c| c.is_alphanumeric())
                    .collect(),
                None => format!("pane {:?} detail {}", m.pane, m.detail.is_some()),
            },
            other => format!("{:?}", other)
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .collect(),
        };
        *self.seen.entry(k).or_default() += 1;
    }

    /// A key the current view has a binding for (its popup's, else its
    /// pane's), so that the soak reaches what each key opens and does.
    fn bound_key(&mut self) -> Option<KeyEvent> {
        let Screen::Main(m) = &self.f.app.screen else {
            return None;
        };
        let keys: Vec<keyward::tui::keys::Key> = m
            .view_keys()
            .iter()
            .flat_map(|(_, table)| table.iter())
            // Quitting starts the console again: rarely, from random keys.
            .filter(|binding| binding.cmd != keyward::tui::keys::Cmd::Quit)
            .flat_map(|binding| binding.keys.iter().copied())
            .filter(|k| !(k.code == KeyCode::Char('c') && k.mods == KeyModifiers::CONTROL))
            .collect();
        if keys.is_empty() {
            return None;
        }
        let k = keys[self.rng.gen_range(0..keys.len())];
        Some(KeyEvent::new(k.code, k.mods))
    }

    fn key(&mut self, key: KeyEvent) {
        self.log(format!(
            "key {:?} {:?} {:?}",
            key.code, key.modifiers, key.kind
        ));
        self.f.event(Event::Key(key));
    }

    fn paste(&mut self) {
        let text = inputs::paste(&mut self.rng);
        self.log(format!("paste {} chars", text.chars().count()));
        self.f.event(Event::Paste(text));
    }

    fn resize(&mut self) {
        let (w, h) = inputs::size(&mut self.rng);
        self.log(format!("resize {w}x{h}"));
        self.f.event(Event::Resize(w, h));
    }

    fn mouse(&mut self) {
        let ev = inputs::mouse(&mut self.rng);
        self.log(format!("mouse {ev:?}"));
        self.f.event(Event::Mouse(ev));
    }

    fn progress(&mut self) {
        let Some(&(id, _)) = self.f.calls.last() else {
            return;
        };
        let total = self.rng.gen_range(0..1000);
        let done = self.rng.gen_range(0..=total + 5);
        self.log(format!("progress {id} {done}/{total}"));
        self.f.event(Event::Progress { id, done, total });
    }

    /// Answers a pending call: mostly the oldest, sometimes the newest or
    /// one in between (answers arrive out of order).
    fn answer(&mut self) {
        let n = self.f.calls.len();
        if n == 0 {
            let key = inputs::key(&mut self.rng);
            return self.key(key);
        }
        let at = match self.rng.gen_range(0..10) {
            0..=4 => 0,
            5..=6 => n - 1,
            _ => self.rng.gen_range(0..n),
        };
        self.answer_at(at);
    }

    fn answer_at(&mut self, at: usize) {
        let (id, call) = self.f.calls.remove(at);
        let reply = self.make_reply(&call, 0.25);
        self.log(format!(
            "answer {id} {} with {}",
            call_name(&call),
            reply_name(&reply)
        ));
        self.f.reply(id, reply);
        if self.answered.len() >= 32 {
            self.answered.pop_front();
        }
        self.answered.push_back((id, call));
    }

    /// Answers a call that was answered already (a late, stale answer).
    fn answer_again(&mut self) {
        if self.answered.is_empty() {
            return;
        }
        let at = self.rng.gen_range(0..self.answered.len());
        let (id, call) = self.answered.remove(at).expect("an answered call");
        let reply = self.make_reply(&call, 0.5);
        self.log(format!(
            "answer {id} {} again with {}",
            call_name(&call),
            reply_name(&reply)
        ));
        self.f.reply(id, reply);
    }

    fn make_reply(&mut self, call: &Call, p_error: f64) -> keyward::tui::effect::Reply {
        let mut answers = Answers {
            rng: &mut self.rng,
            now: self.f.now,
            secrets: Vec::new(),
            next_secret: &mut self.next_secret,
        };
        let reply = answers.reply(call, p_error);
        let secrets = answers.secrets;
        for s in secrets {
            self.remember_secret(s);
        }
        reply
    }

    fn remember_secret(&mut self, s: String) {
        if self.secrets.len() >= SECRETS_KEPT {
            self.secrets.pop_front();
        }
        self.secrets.push_back(s);
    }

    /// Types or pastes a marker; if it went into a password field (the
    /// fields' lengths grew by its length), it must never show in the state.
    fn probe_secret(&mut self) {
        self.next_secret += 1;
        let marker = format!("{MARK}{:06}typedSecret", self.next_secret);
        let before = secret_chars(&format!("{:?}", self.f.app));
        let pasted = self.rng.gen_bool(0.5);
        self.log(format!(
            "{} {marker}",
            if pasted { "paste" } else { "type" }
        ));
        if pasted {
            self.f.event(Event::Paste(marker.clone()));
        } else {
            self.f.text(&marker);
        }
        let state = format!("{:?}", self.f.app);
        if secret_chars(&state) == before + marker.len() && !state.contains(&marker) {
            self.remember_secret(marker);
        }
    }

    /// Fills a password form the way an administrator would: the same new
    /// password in the field and the next one, then Enter. What is pasted
    /// and does not show in the state went into a password field.
    fn fill(&mut self) {
        self.next_secret += 1;
        let password = format!("{MARK}{:06}pastedSecret-Correct-Horse-9", self.next_secret);
        self.log(format!("fill {password}"));
        let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
        self.f.event(Event::Key(ctrl_u));
        self.f.event(Event::Paste(password.clone()));
        self.f.key(KeyCode::Tab);
        self.f.event(Event::Key(ctrl_u));
        self.f.event(Event::Paste(password.clone()));
        // Pasted twice: a secret only if neither paste went into a field
        // that shows what it holds.
        if !format!("{:?}", self.f.app).contains(&password) {
            self.remember_secret(password);
        }
        self.f.key(KeyCode::Enter);
    }

    fn draw(&mut self) {
        let (w, h) = self.f.app.size;
        let area = self.terminal.backend().buffer().area;
        if (area.width, area.height) != (w, h) {
            self.terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        }
        let app = &self.f.app;
        self.terminal
            .draw(|frame| keyward::tui::render::draw(app, frame))
            .expect("draw");
    }

    /// Signed in with no popup open: every dialog that held a secret is closed.
    fn quiet(&self) -> bool {
        matches!(&self.f.app.screen, Screen::Main(m) if m.popups.is_empty())
    }

    fn check_selection(&self) {
        let Screen::Main(m) = &self.f.app.screen else {
            return;
        };
        let u = &m.users;
        in_bounds("users", u.selected, u.offset, u.rows.len());
        let l = &m.lockouts;
        in_bounds("lockouts", l.selected, l.offset, l.accounts.len());
        let a = &m.audit;
        in_bounds("audit", a.selected, a.offset, a.entries.len());
        let p = &m.policies;
        in_bounds("policies", p.selected, p.offset, p.rows.len());
        let r = &m.resources;
        in_bounds("resources", r.selected, r.offset, r.rows.len());
        if let Some(a) = &r.access {
            in_bounds("access", a.selected, a.offset, a.grants.len());
        }
    }

    fn check_state(&mut self, quiet: bool) {
        self.checks += 1;
        let state = format!("{:?}", self.f.app);
        // Every secret starts with MARK: one search finds where any could be.
        for (at, _) in state.match_indices(MARK) {
            let rest = &state[at..];
            if let Some(s) = self.secrets.iter().find(|s| rest.starts_with(s.as_str())) {
                panic!("secret {s} is in the state");
            }
        }
        if quiet {
            assert_eq!(
                secret_chars(&state),
                0,
                "a password field holds text with no dialog open"
            );
            for held in ["Shown(", "Password("] {
                assert!(!state.contains(held), "{held} is kept with no dialog open");
            }
        }
    }
}

/// The selection is one of the rows, and the first row drawn is not past it.
fn in_bounds(pane: &str, selected: usize, offset: usize, rows: usize) {
    assert!(
        selected < rows.max(1),
        "the {pane} selection {selected} is outside its {rows} rows"
    );
    assert!(
        offset <= selected,
        "the {pane} pane draws from row {offset}, past its selection {selected}"
    );
}

/// The characters held by every password field in a state's `Debug` form.
fn secret_chars(state: &str) -> usize {
    state
        .match_indices("SecretField(")
        .filter_map(|(i, m)| {
            let rest = &state[i + m.len()..];
            rest.split(' ').next()?.parse::<usize>().ok()
        })
        .sum()
}

fn call_name(call: &Call) -> String {
    let text = format!("{call:?}");
    text.split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_string()
}

fn reply_name(reply: &keyward::tui::effect::Reply) -> String {
    let text = format!("{reply:?}");
    text.chars().take(60).collect()
}
