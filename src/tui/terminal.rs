//! The terminal's lifecycle in one place: raw mode, alternate screen,
//! bracketed paste and (only when configured) mouse capture on entry; all of
//! it undone on every exit path: normal quit, error (Drop), and panic (a hook
//! that restores the terminal before the error report prints).

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

static MOUSE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

/// Takes over the terminal.
pub fn enter(mouse: bool) -> std::io::Result<TerminalGuard> {
    MOUSE.store(mouse, Ordering::SeqCst);
    install_panic_hook();
    enable_raw_mode()?;
    let mut out = stdout();
    let entered = if mouse {
        execute!(
            out,
            EnterAlternateScreen,
            EnableBracketedPaste,
            EnableMouseCapture
        )
    } else {
        execute!(out, EnterAlternateScreen, EnableBracketedPaste)
    };
    if let Err(e) = entered {
        restore();
        return Err(e);
    }
    match Terminal::new(CrosstermBackend::new(stdout())) {
        Ok(terminal) => Ok(TerminalGuard { terminal }),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

/// Gives the terminal back exactly as it was. Safe to call more than once.
pub fn restore() {
    let mut out = stdout();
    if MOUSE.load(Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    HOOK.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            report(info);
            // A panic in a background task would otherwise leave the console
            // running on a terminal that is no longer in raw mode (typed
            // passwords would echo). Stop here instead.
            std::process::exit(101);
        }));
    });
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
