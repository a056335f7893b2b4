//! The full-screen console. Data flows one way: key -> event ->
//! `App::update` (pure) -> effects -> worker (service calls) -> reply event
//! -> update -> render. See app.rs for the state machine, worker.rs for the
//! effects, render.rs for drawing and terminal.rs for the terminal's
//! lifecycle.

pub mod app;
pub mod clipboard;
pub mod effect;
pub mod fields;
pub mod keymap;
pub mod keys;
pub mod new_password;
pub mod panes;
pub mod popups;
pub mod render;
pub mod screens;
pub mod table;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;
pub mod worker;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::service::Service;
use app::App;
use chrono::Utc;
use crossterm::event::{Event as CtEvent, EventStream};
use effect::{Effect, Event};
use futures::StreamExt;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use theme::Theme;
use tokio::sync::mpsc;
use worker::Worker;

/// How often the clock ticks (debounce, countdowns, idle lock, retries).
const TICK: Duration = Duration::from_millis(100);

/// Longest the loop takes queued events before it draws again, so that the
/// screen follows text arriving faster than it is typed.
const BATCH: Duration = Duration::from_millis(25);

/// Whether `ev` is Ctrl-C, which quits from anywhere.
fn is_ctrl_c(ev: &crossterm::event::KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
    ev.code == KeyCode::Char('c')
        && ev.modifiers.contains(KeyModifiers::CONTROL)
        && ev.kind != KeyEventKind::Release
}

/// Opens the console on the configured database and runs until quit.
pub async fn run(config: &Config) -> Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Error::Invalid(
            "the console needs a terminal; for scripts use the subcommands (keyward --help)".into(),
        ));
    }
    // The keymap is checked before anything else, and printed plainly.
    let keymap = keymap::Keymap::from_config(&config.keys).map_err(Error::Invalid)?;
    keymap::install(keymap);
    // Open the database before taking the terminal, so errors print plainly.
    let service = Service::open(&config.database_url, config.service_config()).await?;
    let _pruning = service.keep_pruning(crate::service::PRUNE_EVERY);
    let location = service.database().to_string();
    tracing::info!(database = %location, "console started");
    let mut guard = terminal::enter(config.mouse)
        .map_err(|e| Error::Internal(format!("cannot use the terminal: {e}")))?;
    let theme = Theme::new(&config.theme);
    let result = event_loop(&mut guard, service.clone(), &location, theme).await;
    drop(guard);
    service.close().await;
    tracing::info!("console closed");
    result
}

async fn event_loop(
    guard: &mut terminal::TerminalGuard,
    service: Service,
    location: &str,
    theme: Theme,
) -> Result<()> {
    let io = |e: std::io::Error| Error::Internal(format!("terminal: {e}"));
    let size = guard.terminal.size().map_err(io)?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();

    // Ctrl-C also raises this flag as it is read, so that it quits even
    // behind thousands of queued keys; so do SIGTERM, SIGHUP (a closed SSH
    // session) and SIGINT, and the end of the terminal's input.
    let ctrl_c = Arc::new(AtomicBool::new(false));
    let input_failed: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let input = tx.clone();
    let seen_ctrl_c = ctrl_c.clone();
    let failure = input_failed.clone();
    let reader = tokio::spawn(async move {
        let mut stream = EventStream::new();
        let why = loop {
            let ev = match stream.next().await {
                Some(Ok(CtEvent::Key(k))) => {
                    if is_ctrl_c(&k) {
                        seen_ctrl_c.store(true, Ordering::SeqCst);
                    }
                    Event::Key(k)
                }
                Some(Ok(CtEvent::Paste(s))) => Event::Paste(s),
                Some(Ok(CtEvent::Resize(w, h))) => Event::Resize(w, h),
                Some(Ok(CtEvent::Mouse(m))) => Event::Mouse(m),
                Some(Ok(_)) => continue,
                Some(Err(e)) => break e.to_string(),
                None => break "the terminal's input ended".to_string(),
            };
            if input.send(ev).is_err() {
                return;
            }
        };
        // A console that can take no key must not go on ticking.
        tracing::error!(error = %why, "terminal input failed");
        if let Ok(mut slot) = failure.lock() {
            *slot = Some(why);
        }
        seen_ctrl_c.store(true, Ordering::SeqCst);
        let _ = input.send(Event::Tick);
    });
    let signals = tokio::spawn(stop_on_signals(ctrl_c.clone(), tx.clone()));
    let ticks = tx.clone();
    let ticker = tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        loop {
            interval.tick().await;
            if ticks.send(Event::Tick).is_err() {
                break;
            }
        }
    });

    let worker = Worker::new(service, tx);
    let mut app = App::new(location, theme, (size.width, size.height), Utc::now());
    let mut effects = app.start();
    'outer: loop {
        for effect in effects.drain(..) {
            match effect {
                Effect::Quit => break 'outer,
                Effect::Call { id, actor, call } => worker.spawn(id, actor, call),
                Effect::Copy(text) => {
                    use std::io::Write;
                    let out = guard.terminal.backend_mut();
                    out.write_all(clipboard::osc52(&text).as_bytes())
                        .and_then(|()| out.flush())
                        .map_err(io)?;
                }
            }
        }
        guard
            .terminal
            .draw(|frame| render::draw(&app, frame))
            .map_err(io)?;
        let Some(event) = rx.recv().await else { break };
        effects = app.update(event, Utc::now());
        // Take what is already queued before drawing again, for a moment
        // at most, and stop at once for Ctrl-C.
        let started = Instant::now();
        while !ctrl_c.load(Ordering::SeqCst)
            && started.elapsed() < BATCH
            && !effects.iter().any(|e| matches!(e, Effect::Quit))
        {
            let Ok(event) = rx.try_recv() else { break };
            effects.extend(app.update(event, Utc::now()));
        }
        if ctrl_c.load(Ordering::SeqCst) {
            break;
        }
    }
    reader.abort();
    ticker.abort();
    signals.abort();
    let failed = input_failed.lock().ok().and_then(|mut slot| slot.take());
    match failed {
        Some(why) => Err(Error::Internal(format!("terminal input failed: {why}"))),
        None => Ok(()),
    }
}

/// Waits for SIGTERM, SIGHUP or SIGINT, then raises `stop` and wakes the
/// loop, which leaves as for Ctrl-C: the terminal is restored, not left
/// raw on the alternate screen as the signals' default would leave it.
async fn stop_on_signals(stop: Arc<AtomicBool>, wake: mpsc::UnboundedSender<Event>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot watch for SIGTERM and SIGHUP");
        return;
    };
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = hup.recv() => "SIGHUP",
        _ = int.recv() => "SIGINT",
    };
    tracing::info!(signal = name, "console stopping");
    stop.store(true, Ordering::SeqCst);
    let _ = wake.send(Event::Tick);
}
