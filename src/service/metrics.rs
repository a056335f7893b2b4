//! What this process counts about sign-ins, for `keyward serve`'s
//! `/metrics`: every answer of `authenticate` by outcome, and the locks
//! failures caused. The counts are this process's own since it started
//! (several instances each export theirs; Prometheus adds them up); what
//! lives in the database (the mail outbox's depth) is read at each scrape
//! instead ([`Service::outbox_depth`]).

use super::Service;
use crate::domain::AuthOutcome;
use crate::error::{Error, Result};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

/// The label of a sign-in counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    /// `ok`, `must_change`, `ok_revalidate`, `bad_credentials`, `locked`, `disabled`,
    /// `no_access`, `busy` (the hashing queue was full) or `error` (the
    /// database failed: the sign-in failed closed).
    pub outcome: &'static str,
}

/// Every outcome a sign-in counter has, so each is exported from the start
/// (at 0) rather than appearing with its first sign-in.
pub const OUTCOMES: [&str; 9] = [
    "ok",
    "must_change",
    "ok_revalidate",
    "bad_credentials",
    "locked",
    "disabled",
    "no_access",
    "busy",
    "error",
];

/// The sign-in counters (cheap to clone: clones count together).
#[derive(Debug, Clone)]
pub struct SignInMetrics {
    /// Answers of `authenticate`, by outcome.
    pub sign_ins: Family<OutcomeLabel, Counter>,
    /// Accounts locked by failed sign-ins.
    pub locks: Counter,
}

impl Default for SignInMetrics {
    fn default() -> Self {
        let sign_ins = Family::<OutcomeLabel, Counter>::default();
        for outcome in OUTCOMES {
            drop(sign_ins.get_or_create(&OutcomeLabel { outcome }));
        }
        SignInMetrics {
            sign_ins,
            locks: Counter::default(),
        }
    }
}

impl SignInMetrics {
    /// Counts one answer (or failure) of `authenticate`.
    pub(crate) fn count(&self, answer: std::result::Result<&AuthOutcome, &Error>) {
        let outcome = match answer {
            Ok(o) => outcome_label(o),
            Err(Error::Busy(_)) => "busy",
            Err(_) => "error",
        };
        self.sign_ins.get_or_create(&OutcomeLabel { outcome }).inc();
    }
}

/// The outcome as the API names it.
pub fn outcome_label(outcome: &AuthOutcome) -> &'static str {
    match outcome {
        AuthOutcome::Ok => "ok",
        AuthOutcome::OkMustChange { .. } => "must_change",
        AuthOutcome::OkRevalidate => "ok_revalidate",
        AuthOutcome::BadCredentials => "bad_credentials",
        AuthOutcome::Locked { .. } => "locked",
        AuthOutcome::Disabled => "disabled",
        AuthOutcome::NoAccess => "no_access",
    }
}

/// Mail that has not left, read from the outbox (shared by every instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxDepth {
    /// Waiting to be sent, or to be tried again.
    pub queued: i64,
    /// Given up on (`keyward mail retry` queues them again).
    pub failed: i64,
}

impl Service {
    /// This process's sign-in counters.
    pub fn sign_in_metrics(&self) -> &SignInMetrics {
        &self.metrics
    }

    /// How many Argon2 jobs may wait for a hashing thread (`None`: no
    /// bound, as in the console and the command line).
    pub fn hash_queue_limit(&self) -> Option<usize> {
        self.config.hash_queue_limit
    }

    /// How many mails are queued and failed in the outbox now. For
    /// monitoring: it needs no actor and tells only the two counts.
    pub async fn outbox_depth(&self) -> Result<OutboxDepth> {
        let (queued, failed) = self.store.outbox_depth().await?;
        Ok(OutboxDepth { queued, failed })
    }
}
