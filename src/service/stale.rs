//! The stale-password check of failed sign-ins (DESIGN.md "Sign-in",
//! steps 4 and 6): a wrong password equal to one of the user's two previous
//! passwords (a phone or mail client still holding an old one) is recorded
//! as stale and not counted, so devices do not lock people out.
//!
//! Every failure is checked, and the check is made after the answer. The
//! choice, measured (BENCHMARKS.md, "Stale passwords"):
//! - Checking before the answer costs two more Argon2 runs. Made only for
//!   wrong passwords, it tells a known login from an unknown one; made on
//!   every failure branch to keep them equal, every failed sign-in would
//!   answer in three runs instead of one.
//! - After the answer, a failed sign-in still answers in one run on every
//!   branch. The failure is counted first (so a process that dies before
//!   the check has counted it, failing safe), and a check that finds an old
//!   password takes the count back and records the attempt as stale
//!   (`Store::forgive_stale`, atomically, and only while the count still
//!   holds that failure).
//! - Every failure branch (unknown login, disabled, locked, no password,
//!   wrong password) makes the same deferred work: the same query and two
//!   runs, against the dummy hash where there is nothing to compare with,
//!   started at the same point, after the failure's one write (started
//!   before it, on PostgreSQL the unknown logins' processes ended a commit
//!   earlier than the wrong passwords': 12 % at the median).
//!   So neither the answers, nor the load the work puts on the hashing
//!   threads (which the next sign-ins would feel), nor a one-shot process's
//!   lifetime (`keyward verify` waits for it: `Service::settle`) tell
//!   which branch ran. The work runs behind answered jobs on the hashing
//!   threads (crypto/pool.rs).
//! - The failure that would lock is still checked before its answer: a
//!   lock cannot wait for a check that might take it back. That branch
//!   reveals itself anyway, by the lock.

use super::Service;
use crate::domain::Password;
use crate::error::{Error, Result};

/// How many previous passwords a wrong password is compared with.
pub(crate) const STALE_DEPTH: usize = 2;

/// What the deferred check does with what it finds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StaleCheck {
    /// A counted wrong password (its row in the attempts log): taken back
    /// if it is one of the user's previous passwords.
    Counted { user_id: i64, attempt_id: i64 },
    /// Any other failure: the same work, with nothing to take back.
    Uncounted { user_id: Option<i64> },
}

impl Service {
    /// Starts the stale-password check of a failure that has been (or is
    /// about to be) answered; see the module's doc.
    pub(crate) fn check_stale_later(&self, check: StaleCheck, password: &Password) {
        let service = self.clone();
        let password = password.clone();
        self.in_background(async move {
            if let Err(e) = service.check_stale(check, password).await {
                tracing::warn!(error = %e, "the stale-password check of a failed sign-in failed; the failure stays counted");
            }
        });
    }

    async fn check_stale(&self, check: StaleCheck, password: Password) -> Result<()> {
        let user_id = match check {
            StaleCheck::Counted { user_id, .. } => user_id,
            // Ids start at 1: the same query, which finds nothing.
            StaleCheck::Uncounted { user_id } => user_id.unwrap_or(0),
        };
        let previous = self
            .store
            .previous_hashes(user_id, STALE_DEPTH as i64)
            .await?;
        let hasher = self.hasher.clone();
        let matched = self
            .hashing
            .run_behind(move || hasher.matches_any_of(&previous, STALE_DEPTH, &password))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        if let (true, StaleCheck::Counted { attempt_id, .. }) = (matched, check)
            && self.store.forgive_stale(user_id, attempt_id).await?
        {
            tracing::info!(
                user_id,
                "a failed sign-in used a previous password: not counted"
            );
        }
        Ok(())
    }
}
