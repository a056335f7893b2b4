//! What every sign-in branch needs from a process's first answer on, read
//! from the database as a user is read (issue 15, fault 1).
//!
//! Unknown, disabled and locked logins verify against a dummy hash made
//! with the live parameters. Made inside each process, a fresh one (`keyward
//! verify`) had to run Argon2 once more before it could answer an unknown
//! login, and those answers took 6-28 % longer than a wrong password's. So
//! the first process with a set of parameters makes the dummy and keeps it
//! in `sign_in_calibration`; every other process reads it at start, with
//! the same query whatever it will be asked.
//!
//! The floor bad-credentials answers are padded to (service/padding.rs) is
//! kept there too: a process starts from the floor the earlier ones learnt
//! and writes back the one it learnt (when its checks settle, and every
//! `SAVE_EVERY` padded answers in a long-running process).

use super::Service;
use crate::error::Result;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many padded answers a long-running process gives between two
/// writes of its floor.
const SAVE_EVERY: u64 = 256;

/// The floor as last read from or written to the database, and how many
/// padded answers this process gave.
#[derive(Debug, Default)]
pub(crate) struct FloorKept {
    saved: AtomicU64,
    answers: AtomicU64,
}

impl Service {
    /// At start: adopts the kept dummy hash and floor for the live
    /// parameters. Where there is none (the first process with these
    /// parameters) or it is unusable, the dummy is made in the background
    /// and kept for the next processes; a sign-in that needs it meanwhile
    /// waits for it.
    pub(crate) async fn calibrate(&self) -> Result<()> {
        let key = self.hasher.params_key();
        if let Some(found) = self.store.calibration(&key).await? {
            let floor = u64::try_from(found.floor_ns).unwrap_or(0);
            self.bad_credentials_floor.start_at(floor);
            self.floor_kept
                .saved
                .store(self.bad_credentials_floor.nanos(), Ordering::Relaxed);
            if self.hasher.adopt_dummy(&found.dummy_hash) {
                return Ok(());
            }
        }
        let service = self.clone();
        self.in_background(async move {
            let hasher = service.hasher.clone();
            let made = tokio::task::spawn_blocking(move || hasher.prepare().to_string()).await;
            match made {
                Ok(dummy) => {
                    if let Err(e) = service.store.save_dummy(&key, &dummy, service.now()).await {
                        tracing::warn!(error = %e, "cannot keep the sign-in's dummy hash in the database");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "making the sign-in's dummy hash failed"),
            }
        });
        Ok(())
    }

    /// After a padded answer: a long-running process writes its floor back
    /// now and then.
    pub(crate) fn padded_answer(&self) {
        let n = self.floor_kept.answers.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(SAVE_EVERY) {
            let service = self.clone();
            self.in_background(async move { service.keep_floor().await });
        }
    }

    /// Writes the floor this process learnt back, if it moved.
    pub(crate) async fn keep_floor(&self) {
        let floor = self.bad_credentials_floor.nanos();
        if floor == 0 || floor == self.floor_kept.saved.load(Ordering::Relaxed) {
            return;
        }
        let key = self.hasher.params_key();
        let nanos = i64::try_from(floor).unwrap_or(i64::MAX);
        match self.store.save_floor(&key, nanos, self.now()).await {
            Ok(()) => self.floor_kept.saved.store(floor, Ordering::Relaxed),
            Err(e) => tracing::warn!(error = %e, "cannot keep the sign-in's padding floor"),
        }
    }
}
