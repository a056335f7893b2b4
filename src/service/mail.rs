//! The outbox's use cases: what a sender (src/mail/) may claim and how it
//! reports back, and what administrators see and may do about mail that
//! did not leave. The sender itself (SMTP, templates, pacing) is outside the
//! service; here are the rules: a link whose token was used or replaced is
//! not sent; a link that waited past half its life gets a fresh token
//! first; failures wait longer each time, up to a limit.

use super::Service;
use crate::crypto::tokens::{random_token, token_digest};
use crate::domain::policy::Policy;
use crate::domain::rights::Action;
use crate::domain::{MailKind, MailState};
use crate::error::Result;
use crate::service::Actor;
use crate::store::rows::OutboxRow;
use crate::store::rows::UserRow;
use crate::store::{AuditEvent, Notice, Reissued};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

/// How a sender claims and retries.
#[derive(Debug, Clone, Copy)]
pub struct MailRetry {
    /// How long a claimed mail is the claimer's alone. A sender killed
    /// mid-send leaves its mails to be sent again after this.
    pub lease: Duration,
    /// The wait after the first failed attempt; each further failure doubles it.
    pub first_wait: Duration,
    /// The longest wait between attempts.
    pub longest_wait: Duration,
    /// Attempts before a mail is failed for good.
    pub max_attempts: u32,
}

impl Default for MailRetry {
    fn default() -> Self {
        MailRetry {
            lease: Duration::minutes(5),
            first_wait: Duration::minutes(1),
            longest_wait: Duration::hours(1),
            max_attempts: 10,
        }
    }
}

impl MailRetry {
    /// When to try again after `attempts` failed attempts (this one
    /// included); `None` once the limit is reached.
    pub fn next_attempt(&self, attempts: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if attempts >= i64::from(self.max_attempts) {
            return None;
        }
        let doublings = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
        let wait = self
            .first_wait
            .checked_mul(1 << doublings.min(20))
            .unwrap_or(self.longest_wait)
            .min(self.longest_wait);
        Some(now + wait)
    }
}

/// A mail to send, claimed by this sender.
#[derive(Debug)]
pub struct MailJob {
    pub id: i64,
    pub kind: MailKind,
    pub login: String,
    pub name: String,
    pub recipient: String,
    /// The link it carries, if any (a live token: never logged).
    pub link: Option<Zeroizing<String>>,
    /// When the link stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the mail was queued (its fixed Message-ID is built from its id
    /// and this).
    pub queued_at: DateTime<Utc>,
    /// Attempts before this one.
    pub attempts: i64,
    /// One of the links of an administrator's bulk reset by link (the mail
    /// says an administrator asked), not one the user asked for.
    pub bulk_reset: bool,
}

/// The outbox at a glance (`keyward mail status`, the console's Mail view).
#[derive(Debug, Clone, Serialize)]
pub struct MailStatus {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub dropped: i64,
    /// When the oldest mail still queued was written.
    pub oldest_queued: Option<DateTime<Utc>>,
    /// Failed mails, and queued ones waiting to retry, newest first.
    pub problems: Vec<MailProblem>,
}

/// A mail that has not left, and why.
#[derive(Debug, Clone, Serialize)]
pub struct MailProblem {
    pub id: i64,
    pub kind: MailKind,
    pub login: String,
    pub recipient: String,
    pub state: MailState,
    pub attempts: i64,
    pub error: String,
    pub queued_at: DateTime<Utc>,
    /// For a queued mail, when it is tried again.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// How a claimed row is to be handled.
enum Claimed {
    Send(MailJob),
    Drop(&'static str),
}

impl Service {
    /// The notice of `kind` for `u`'s owner, when mail is configured, their
    /// policy asks for it and their address is usable.
    pub(crate) fn notice_for<'a>(
        &self,
        u: &'a UserRow,
        policy: &Policy,
        kind: MailKind,
    ) -> Option<Notice<'a>> {
        let wanted = match kind {
            MailKind::PasswordSet => policy.notify_password_set,
            MailKind::PasswordChanged => policy.notify_password_changed,
            MailKind::AccountLocked => policy.notify_locked,
            MailKind::ResetRequested => policy.notify_reset_requested,
            _ => false,
        };
        (wanted
            && self.config.mail_configured
            && crate::domain::user::check_email(&u.email).is_ok())
        .then_some(Notice {
            kind,
            recipient: &u.email,
        })
    }

    /// Claims up to `limit` due mails for `retry.lease`. Links whose token
    /// was used or replaced are dropped here; links that have used half
    /// their life get a new token (the old one stops working). What is
    /// returned is to be sent, then reported with [`Service::mail_sent`] or
    /// [`Service::mail_not_sent`].
    /// `None` when nothing was due; otherwise the jobs to send, which may
    /// be none when every claimed mail was dropped (more may be due).
    pub async fn claim_mail(&self, limit: i64, retry: &MailRetry) -> Result<Option<Vec<MailJob>>> {
        let now = self.now();
        let rows = self.store.claim_mail(now, now + retry.lease, limit).await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut jobs = Vec::with_capacity(rows.len());
        for row in rows {
            let (id, attempts) = (row.id, row.attempts);
            match self.prepare(row, now).await {
                Ok(Claimed::Send(job)) => jobs.push(job),
                Ok(Claimed::Drop(why)) => {
                    tracing::info!(mail = id, why, "mail dropped");
                    self.store.mail_dropped(id, why, now).await?;
                }
                Err(e) => {
                    let why = format!("could not be prepared: {e}");
                    self.store
                        .mail_attempt_failed(id, &why, retry.next_attempt(attempts + 1, now), now)
                        .await?;
                }
            }
        }
        Ok(Some(jobs))
    }

    async fn prepare(&self, row: OutboxRow, now: DateTime<Utc>) -> Result<Claimed> {
        let kind: MailKind = row.kind;
        let mut job = MailJob {
            id: row.id,
            kind,
            login: row.login,
            name: row.name,
            recipient: row.recipient,
            link: row.link.map(Zeroizing::new),
            expires_at: row.token_expires_at,
            queued_at: row.created_at,
            attempts: row.attempts,
            bulk_reset: row.origin.as_deref() == Some(crate::store::BULK_RESET_ORIGIN),
        };
        let Some(token_id) = row.token_id else {
            return Ok(Claimed::Send(job));
        };
        if row.token_used_at.is_some() {
            return Ok(Claimed::Drop(
                "its link was used before the mail could leave",
            ));
        }
        if row.token_revoked_at.is_some() {
            return Ok(Claimed::Drop("its link was replaced by a newer one"));
        }
        let (Some(created), Some(expires), Some(link)) = (
            row.token_created_at,
            row.token_expires_at,
            job.link.as_ref(),
        ) else {
            return Ok(Claimed::Drop("its link is no longer kept"));
        };
        let life = expires - created;
        if now < created + life / 2 {
            return Ok(Claimed::Send(job));
        }
        // Waited too long: a fresh token, as long-lived as the first.
        let Some(cut) = link.rfind('/') else {
            return Ok(Claimed::Drop("its link is malformed"));
        };
        let token = random_token();
        let new_link = Zeroizing::new(format!("{}{}", &link[..=cut], token.as_str()));
        let new_expiry = now + life;
        let event = AuditEvent::new(
            "(mail)",
            "reset_token.reissue",
            &job.login,
            json!({ "why": "the mail could not leave within half the link's life", "expires_at": new_expiry }),
        );
        let done = self
            .store
            .reissue_mailed_token(
                job.id,
                token_id,
                row.user_id,
                &token_digest(&token),
                &new_link,
                new_expiry,
                now,
                &event,
            )
            .await?;
        match done {
            Reissued::Yes => {
                job.link = Some(new_link);
                job.expires_at = Some(new_expiry);
                Ok(Claimed::Send(job))
            }
            Reissued::TokenGone => Ok(Claimed::Drop(
                "its link was used or replaced before the mail could leave",
            )),
        }
    }

    /// The mail was accepted by the mail server.
    pub async fn mail_sent(&self, job: &MailJob) -> Result<()> {
        self.store.mail_sent(job.id, self.now()).await
    }

    /// The mail was not accepted: it is tried again later, or, when the
    /// server refused it for good (`permanent`) or the attempts are used
    /// up, it is failed. Returns whether it will be tried again.
    pub async fn mail_not_sent(
        &self,
        job: &MailJob,
        error: &str,
        permanent: bool,
        retry: &MailRetry,
    ) -> Result<bool> {
        let now = self.now();
        let attempts = job.attempts + 1;
        let again = if permanent {
            None
        } else {
            retry.next_attempt(attempts, now)
        };
        let error: String = error.chars().take(500).collect();
        self.store
            .mail_attempt_failed(job.id, &error, again, now)
            .await?;
        Ok(again.is_some())
    }

    /// Counts by state and the mails that did not leave, with their errors.
    pub async fn mail_status(&self, actor: &Actor, problems: i64) -> Result<MailStatus> {
        self.authorize(actor, Action::View, None).await?;
        let mut status = MailStatus {
            queued: 0,
            sent: 0,
            failed: 0,
            dropped: 0,
            oldest_queued: None,
            problems: Vec::new(),
        };
        for c in self.store.mail_counts().await? {
            match c.state {
                MailState::Queued => {
                    status.queued = c.n;
                    status.oldest_queued = c.oldest;
                }
                MailState::Sent => status.sent = c.n,
                MailState::Failed => status.failed = c.n,
                MailState::Dropped => status.dropped = c.n,
            }
        }
        for r in self.store.unsent_mail_with_errors(problems).await? {
            let state = r.state;
            status.problems.push(MailProblem {
                id: r.id,
                kind: r.kind,
                login: r.login,
                recipient: r.recipient,
                state,
                attempts: r.attempts,
                error: r.last_error.unwrap_or_default(),
                queued_at: r.created_at,
                next_attempt_at: (state == MailState::Queued).then_some(r.next_attempt_at),
            });
        }
        Ok(status)
    }

    /// Queues every failed mail again, to be sent at once; returns how many.
    pub async fn retry_failed_mail(&self, actor: &Actor) -> Result<u64> {
        let me = self.authorize(actor, Action::ResetPassword, None).await?;
        let event = AuditEvent::new(&me.login, "mail.retry", "-", json!({}));
        self.store.retry_failed_mail(self.now(), &event).await
    }
}
