//! A command that cannot wait for ever on a stalled database. A server
//! that is gone fails a request at once, but one that stops answering (a
//! frozen server, a network that drops packets without a reset) leaves a
//! request waiting for as long as the kernel keeps the connection, which is
//! hours, and sqlx has no socket deadline. So from the moment a command
//! opens the database to the moment it has closed it, a watchdog asks the
//! server for `SELECT 1` over a fresh connection every [`CHECK_EVERY`];
//! when one gets no answer within [`STALL_LIMIT`], or two in a row find
//! the network failing at once (no route to the host, say, while the
//! command's own connection waits on it for a quarter of an hour), the
//! command is dropped and fails closed with
//! "unavailable" (exit 9), its open transaction rolled back by the server
//! when the connection goes. (A stall that falls on a commit leaves it
//! unknown whether the commit was made, as with any lost connection;
//! README's exit table says so.)
//!
//! The watchdog runs on a thread of its own, with its own small runtime: a
//! command blocks its thread at times (a prompt waiting for typing, rows
//! written to a pipe that `less` is not reading), and a check that shared
//! that thread would see its time run out and take a healthy server for a
//! stalled one.
//!
//! What it does not see: a stall of the command's own connection alone (a
//! firewall that forgot that one flow) while fresh connections pass. A
//! one-shot command's connections are seconds old, which makes that rare.
//!
//! A whole-command deadline would not do: `import`, `export`, `demo` and
//! `audit verify` rightly run for minutes on a million rows, and a slow
//! command on a healthy server still answers the watchdog at once.

use crate::error::Error;
use crate::service::{StallCheck, StallProbe};
use std::future::Future;
use std::time::Duration;
use tokio::sync::oneshot;

/// How long a command runs before the first check, and between checks.
pub const CHECK_EVERY: Duration = Duration::from_secs(3);

/// How long a check waits for its answer before the database counts as
/// stalled: well above a loaded server's connect time.
pub const STALL_LIMIT: Duration = Duration::from_secs(10);

/// The database stopped answering while a command waited on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stalled {
    /// A check got no answer within [`STALL_LIMIT`].
    NoAnswer,
    /// Two checks in a row found the network failing at once.
    Unreachable,
}

impl From<Stalled> for Error {
    fn from(stalled: Stalled) -> Error {
        Error::Unavailable(match stalled {
            Stalled::NoAnswer => format!("no answer in {} s", STALL_LIMIT.as_secs()),
            Stalled::Unreachable => "the server became unreachable part way".into(),
        })
    }
}

/// Runs `work` to its end, or gives up on it once the database stalls.
pub async fn watched<T>(
    probe: &StallProbe,
    work: impl Future<Output = T>,
) -> std::result::Result<T, Stalled> {
    let watchdog = Watchdog::start(probe);
    tokio::select! {
        // The work's own answer wins a tie.
        biased;
        done = work => Ok(done),
        stalled = watchdog.stalled() => Err(stalled),
    }
}

/// The checks running on their own thread; they stop when this is dropped.
struct Watchdog {
    /// Sent to once, when the database has stalled.
    stalled: Option<oneshot::Receiver<Stalled>>,
    /// Dropped with the watchdog, which ends the thread's loop.
    _stop: Option<oneshot::Sender<()>>,
}

impl Watchdog {
    fn start(probe: &StallProbe) -> Watchdog {
        let idle = Watchdog {
            stalled: None,
            _stop: None,
        };
        // A SQLite file never stalls: no thread for it.
        if !probe.can_stall() {
            return idle;
        }
        let (stall_tx, stall_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let probe = probe.clone();
        let spawned = std::thread::Builder::new()
            .name("keyward-watchdog".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        tracing::warn!(error = %e, "the stall watchdog could not start");
                        return;
                    }
                };
                runtime.block_on(async move {
                    let checks = async {
                        let mut unreachable_before = false;
                        loop {
                            tokio::time::sleep(CHECK_EVERY).await;
                            match probe.check(STALL_LIMIT).await {
                                StallCheck::Answered => unreachable_before = false,
                                StallCheck::NoAnswer => return Stalled::NoAnswer,
                                // Twice in a row: one refused connection
                                // may be a server restarting.
                                StallCheck::Unreachable if unreachable_before => {
                                    return Stalled::Unreachable;
                                }
                                StallCheck::Unreachable => unreachable_before = true,
                            }
                        }
                    };
                    tokio::select! {
                        _ = stop_rx => {}
                        stalled = checks => {
                            let _ = stall_tx.send(stalled);
                        }
                    }
                });
            });
        match spawned {
            Ok(_) => Watchdog {
                stalled: Some(stall_rx),
                _stop: Some(stop_tx),
            },
            Err(e) => {
                tracing::warn!(error = %e, "the stall watchdog could not start");
                idle
            }
        }
    }

    /// Ready once the database has stalled; never, without a watchdog.
    async fn stalled(self) -> Stalled {
        let Watchdog { stalled, _stop } = self;
        match stalled {
            Some(rx) => match rx.await {
                Ok(stalled) => stalled,
                // A thread that ended without a word (it could not start
                // its runtime) has seen no stall.
                Err(_) => std::future::pending().await,
            },
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A command that blocks its thread (a prompt waiting for typing, rows
    /// written to a full pipe) just as a check is under way, for longer than
    /// a check may take, is not taken for a stall: the checks run on their
    /// own thread. (Sharing the command's, the check found its time gone
    /// when the thread came back, and a healthy server failed the command.)
    #[tokio::test(flavor = "current_thread")]
    #[cfg_attr(
        not(keyward_postgres_tests),
        ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
    )]
    async fn a_command_that_blocks_its_thread_is_not_taken_for_a_stall() {
        let Ok(url) = std::env::var("KEYWARD_TEST_DATABASE_URL") else {
            return;
        };
        let probe = StallProbe::for_url(&url);
        assert!(probe.can_stall());
        let work = async {
            // A few milliseconds after the first check starts...
            tokio::time::sleep(CHECK_EVERY + Duration::from_millis(3)).await;
            // ...the thread is blocked for longer than a check may take,
            std::thread::sleep(STALL_LIMIT + Duration::from_secs(1));
            // and the work goes on a moment later.
            tokio::time::sleep(Duration::from_millis(50)).await;
            "done"
        };
        assert_eq!(watched(&probe, work).await, Ok("done"));
    }

    /// A host that cannot be reached at all (every check's connection
    /// refused at once) fails the command at the second check, while its
    /// own connection would wait on in silence.
    #[tokio::test]
    async fn a_host_unreachable_twice_in_a_row_fails_the_command() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let probe = StallProbe::for_url(&format!("postgres://keyward@127.0.0.1:{port}/k"));
        let waits_for_ever = std::future::pending::<()>();
        assert_eq!(
            watched(&probe, waits_for_ever).await,
            Err(Stalled::Unreachable)
        );
    }

    /// A SQLite file never stalls, and has no thread watching it.
    #[test]
    fn a_sqlite_file_is_not_watched() {
        assert!(!StallProbe::for_url("sqlite:///tmp/keyward.db").can_stall());
        assert!(!StallProbe::for_url("/var/lib/keyward/keyward.db").can_stall());
        let probe = StallProbe::for_url("postgres://u:secret@db.example/k");
        assert!(!format!("{probe:?}").contains("secret"));
    }
}
