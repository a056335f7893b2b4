//! The console in process: the real `App` state machine, its effects run
//! through the real service, every frame drawn on ratatui's TestBackend,
//! exactly as the terminal loop does it (minus the terminal).

use crate::report::{Figure, announce, ms, percentile};
use crate::setup::{ADMIN, ADMIN_PW};
use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use keyward::service::Service;
use keyward::store::{UserQuery, UserSort};
use keyward::tui::app::{App, Screen};
use keyward::tui::effect::{Effect, Event};
use keyward::tui::render;
use keyward::tui::theme::Theme;
use keyward::tui::worker::perform;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Instant;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

/// The console with a terminal to draw on.
pub struct Console {
    app: App,
    service: Service,
    terminal: Terminal<TestBackend>,
}

impl Console {
    /// Started and signed in as the bench administrator, first page shown.
    pub async fn signed_in(service: &Service) -> Result<Console, String> {
        let app = App::new("bench", Theme::mono(), (WIDTH, HEIGHT), Utc::now());
        let terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).map_err(|e| e.to_string())?;
        let mut c = Console {
            app,
            service: service.clone(),
            terminal,
        };
        let effects = c.app.start();
        c.run(effects).await;
        c.text(ADMIN).await;
        c.key(KeyCode::Tab).await;
        c.text(ADMIN_PW).await;
        c.key(KeyCode::Enter).await;
        if c.users().is_none() {
            return Err("the bench administrator could not sign in to the console".into());
        }
        // The first page arrives with the sign-in (or the next tick).
        c.event(Event::Tick).await;
        Ok(c)
    }

    /// Runs effects to completion, feeding replies back, then draws a frame.
    async fn run(&mut self, mut effects: Vec<Effect>) {
        while let Some(effect) = effects.pop() {
            if let Effect::Call { id, actor, call } = effect {
                let reply = perform(&self.service, actor.as_ref(), call).await;
                effects.extend(self.app.update(Event::Reply { id, reply }, Utc::now()));
            }
        }
        let app = &self.app;
        let _ = self.terminal.draw(|f| render::draw(app, f));
    }

    async fn event(&mut self, ev: Event) {
        let effects = self.app.update(ev, Utc::now());
        self.run(effects).await;
    }

    async fn key(&mut self, code: KeyCode) {
        self.event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
            .await;
    }

    async fn text(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c)).await;
        }
    }

    fn users(&self) -> Option<&keyward::tui::panes::users::UsersPane> {
        match &self.app.screen {
            Screen::Main(m) => Some(&m.users),
            _ => None,
        }
    }

    /// The login of the selected row.
    fn selected(&self) -> Option<String> {
        self.users()
            .and_then(|u| u.selected_row())
            .map(|r| r.login.clone())
    }
}

/// Terms an administrator types: substrings of 1-2 and of 3-6 characters
/// of real logins, names and emails (search is a substring at every
/// length), and a few that match nobody or nearly nobody (of 2 and of 4-5
/// characters: the walks that find no page early).
pub async fn search_terms(service: &Service, count: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(5);
    let mut terms = Vec::new();
    let store = service.store();
    while terms.len() < count {
        // A user at a random place in login order (an index seek).
        let start: String = (0..3).map(|_| rng.gen_range(b'a'..=b'z') as char).collect();
        let q = query(None, Some(keyward::store::Cursor::Login(start)), 1);
        let Ok(rows) = store.list_users(&q).await else {
            break;
        };
        let Some(row) = rows.first() else { continue };
        let source = match terms.len() % 3 {
            0 => row.login.to_lowercase(),
            1 => row.name.to_lowercase(),
            _ => row.email.to_lowercase(),
        };
        let chars: Vec<char> = source.chars().collect();
        let len = match terms.len() % 4 {
            0 => rng.gen_range(1..=2),
            _ => rng.gen_range(3..=6),
        }
        .min(chars.len());
        let from = rng.gen_range(0..=chars.len() - len);
        let term: String = chars[from..from + len].iter().collect();
        if !term.trim().is_empty() && term.trim() == term {
            terms.push(term);
        }
        if terms.len() % 25 == 24 {
            terms.push(format!("zq{}x", terms.len()));
        }
        if terms.len() % 50 == 12 {
            const RARE: [&str; 4] = ["zq", "qx", "jq", "xz"];
            terms.push(RARE[(terms.len() / 50) % RARE.len()].to_string());
        }
    }
    terms
}

/// The store query for the first page of `term` (as the Users pane and
/// `user list --search` ask for it).
pub fn page_query(term: &str, limit: i64) -> UserQuery {
    query(Some(term.to_string()), None, limit)
}

/// The store query the Users pane sends for a search's first page.
fn query(search: Option<String>, after: Option<keyward::store::Cursor>, limit: i64) -> UserQuery {
    let now = Utc::now();
    UserQuery {
        search,
        status: None,
        status_group: None,
        kind: None,
        role: None,
        resource_id: None,
        sort: UserSort::Login,
        after,
        backward: false,
        descending: false,
        limit,
        now,
        inactive_before: (
            now - chrono::Duration::days(90),
            now - chrono::Duration::days(90),
        ),
        password_expired_before: Vec::new(),
        idle_before: Vec::new(),
    }
}

/// Search as you type: the last key of each term to the frame showing its
/// first page, against the bare store query for that page.
pub async fn search(
    service: &Service,
    backend: &str,
    terms: &[String],
) -> Result<Vec<Figure>, String> {
    let mut console = Console::signed_in(service).await?;
    let page = keyward::tui::panes::users::PAGE;
    let mut app_times = Vec::new();
    let mut bare_times = Vec::new();
    for term in terms {
        console.key(KeyCode::Char('/')).await;
        let (head, last) =
            term.split_at(term.len() - term.chars().last().map_or(0, char::len_utf8));
        console.text(head).await;
        let t = Instant::now();
        console.text(last).await;
        let took = t.elapsed();
        let shown = console
            .users()
            .is_some_and(|u| u.search == *term && !u.loading);
        if !shown {
            return Err(format!(
                "typing {term:?} did not show its first page within the key press (no search issued at once?)"
            ));
        }
        app_times.push(took);
        // The bare query for the same page on the same pool.
        let q = query(Some(term.clone()), None, page);
        let t = Instant::now();
        service
            .store()
            .list_users(&q)
            .await
            .map_err(|e| e.to_string())?;
        bare_times.push(t.elapsed());
        console.key(KeyCode::Esc).await;
    }
    let mut slowest: Vec<(std::time::Duration, &String)> =
        bare_times.iter().copied().zip(terms).collect();
    slowest.sort_unstable_by_key(|s| std::cmp::Reverse(s.0));
    let list: Vec<String> = slowest
        .iter()
        .take(8)
        .map(|(d, t)| format!("{t:?} {:.0} ms", ms(*d)))
        .collect();
    eprintln!("    slowest bare queries: {}", list.join(", "));
    let mut out = Vec::new();
    // By the term's length: one character, two, three to six.
    let class = |t: &String| t.chars().count().min(3);
    for (c, label) in [(1, "1 char"), (2, "2 chars"), (3, "3-6 chars")] {
        let pick = |times: &[std::time::Duration]| -> Vec<std::time::Duration> {
            times
                .iter()
                .zip(terms)
                .filter(|(_, t)| class(t) == c)
                .map(|(d, _)| *d)
                .collect()
        };
        let (app, bare) = (pick(&app_times), pick(&bare_times));
        if app.is_empty() {
            continue;
        }
        for (p, target) in [(50.0, "< 5 ms"), (99.0, "< 30 ms")] {
            let f = Figure::new(
                &format!("search p{p}, {label} ({} terms)", app.len()),
                backend,
                ms(percentile(&app, p)),
                "ms",
                target,
            )
            .against(ms(percentile(&bare, p)));
            announce(&f);
            out.push(f);
        }
    }
    for (p, target) in [(50.0, "≤ 2x bare"), (99.0, "< 30 ms, ≤ 2x bare")] {
        let f = Figure::new(
            &format!("search as you type p{p}"),
            backend,
            ms(percentile(&app_times, p)),
            "ms",
            target,
        )
        .against(ms(percentile(&bare_times, p)));
        announce(&f);
        out.push(f);
    }
    Ok(out)
}

/// Page-down through 10,000 rows from the top; the time of each frame
/// (key, any page fetch it needs, draw).
pub async fn scrolling(service: &Service, backend: &str) -> Result<Vec<Figure>, String> {
    let mut console = Console::signed_in(service).await?;
    let mut frames = Vec::new();
    // Rows per page from the first press, then as many presses as make 10,000.
    let before = console.users().map_or(0, |u| u.selected);
    let t = Instant::now();
    console.key(KeyCode::PageDown).await;
    frames.push(t.elapsed());
    let per_page = console
        .users()
        .map_or(0, |u| u.selected)
        .saturating_sub(before)
        .max(1);
    let presses = 10_000usize.div_ceil(per_page);
    let mut previous = console.selected();
    for pressed in 1..presses {
        let t = Instant::now();
        console.key(KeyCode::PageDown).await;
        frames.push(t.elapsed());
        let now = console.selected();
        if now == previous {
            return Err(format!(
                "PageDown stopped moving after {} rows",
                pressed * per_page
            ));
        }
        previous = now;
    }
    let held = console.users().map_or(0, |u| u.rows.len());
    let p99 = Figure::new(
        "scrolling frame p99",
        backend,
        ms(percentile(&frames, 99.0)),
        "ms",
        "< 10 ms",
    );
    let p50 = Figure::new(
        "scrolling frame p50",
        backend,
        ms(percentile(&frames, 50.0)),
        "ms",
        "-",
    );
    announce(&p50);
    announce(&p99);
    eprintln!(
        "    {} frames, {held} rows held by the pane at the end",
        frames.len()
    );
    Ok(vec![p50, p99])
}
