//! A command that cannot wait for ever on a stalled database. A server
//! that is gone fails a request at once, but one that stops answering (a
//! frozen server, a network that drops packets without a reset) leaves a
//! request waiting for as long as the kernel keeps the connection, which is
//! hours, and sqlx has no socket deadline. So from the moment a command
//! opens the database to the moment it has closed it, a watchdog asks the
//! server for `SELECT 1` over a fresh connection every
//! [`CHECK_EVERY`]; when one gets no answer within [`STALL_LIMIT`], the
//! command is dropped and fails closed with "unavailable" (exit 9), its
//! open transaction rolled back by the server when the connection goes.
//! (A stall that falls on a commit leaves it unknown whether the commit
//! was made, as with any lost connection; README's exit table says so.)
//!
//! What it does not see: a stall of the command's own connection alone (a
//! firewall that forgot that one flow) while fresh connections pass. A
//! one-shot command's connections are seconds old, which makes that rare.
//!
//! A whole-command deadline would not do: `import`, `export`, `demo` and
//! `audit verify` rightly run for minutes on a million rows, and a slow
//! command on a healthy server still answers the watchdog at once.

use crate::error::Error;
use crate::service::StallProbe;
use std::future::Future;
use std::time::Duration;

/// How long a command runs before the first check, and between checks.
pub const CHECK_EVERY: Duration = Duration::from_secs(3);

/// How long a check waits for its answer before the database counts as
/// stalled: well above a loaded server's connect time.
pub const STALL_LIMIT: Duration = Duration::from_secs(10);

/// The database stopped answering while a command waited on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stalled;

impl From<Stalled> for Error {
    fn from(_: Stalled) -> Error {
        Error::Unavailable(format!("no answer in {} s", STALL_LIMIT.as_secs()))
    }
}

/// Runs `work` to its end, or gives up on it once the database stalls.
pub async fn watched<T>(
    probe: &StallProbe,
    work: impl Future<Output = T>,
) -> std::result::Result<T, Stalled> {
    let watchdog = async {
        loop {
            tokio::time::sleep(CHECK_EVERY).await;
            if probe.stalled(STALL_LIMIT).await {
                return;
            }
        }
    };
    tokio::select! {
        // The work's own answer wins a tie.
        biased;
        done = work => Ok(done),
        () = watchdog => Err(Stalled),
    }
}
