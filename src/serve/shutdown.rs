//! The signals that stop `keyward serve`: SIGTERM (systemd, kill) and
//! SIGINT (Ctrl-C).

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The handlers of SIGTERM and SIGINT, installed when made: a signal that
/// comes any time after is caught and waits for [`Signals::recv`]. Made
/// before the server says it listens, so that a SIGTERM sent as soon as it
/// does (a service manager, a test) stops it gracefully instead of killing
/// it by the signal's default.
pub struct Signals {
    terminate: Option<Signal>,
    interrupt: Option<Signal>,
}

impl Signals {
    pub fn install() -> Signals {
        let terminate = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        if terminate.is_err() || interrupt.is_err() {
            tracing::warn!(
                "cannot watch for SIGTERM or SIGINT: they would stop the server at once"
            );
        }
        Signals {
            terminate: terminate.ok(),
            interrupt: interrupt.ok(),
        }
    }

    /// Resolves with the signal's name when one arrives.
    pub async fn recv(mut self) -> &'static str {
        tokio::select! {
            () = next(&mut self.terminate) => "SIGTERM",
            () = next(&mut self.interrupt) => "SIGINT",
        }
    }
}

/// The next arrival of `s`; never, without a handler.
async fn next(s: &mut Option<Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}
