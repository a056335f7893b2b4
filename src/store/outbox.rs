//! The mail outbox: rows written in the same transaction as what they
//! report or carry (store/tokens.rs writes reset links), claimed by a
//! sender for a lease, and marked sent, retried later, failed or dropped.
//! Several senders may run at once: on PostgreSQL they skip each other's
//! locked rows; on SQLite the write lock serialises their claims. A sender
//! killed between sending and marking leaves its rows claimed until the
//! lease ends; they are then sent again (at least once, never lost).

use super::audit::{AuditEvent, audited};
use super::rows::{MailCountRow, OutboxRow, UnsentMailRow};
use super::stmt::{Param, Sql, bind_params};
use super::{BeginWrite, Pool, Store, with_pool};
use crate::error::Result;
use chrono::{DateTime, Utc};

const OUTBOX_COLUMNS: &str = "o.id, o.kind, o.user_id, u.login, u.name, o.recipient, o.link, \
     o.created_at, o.attempts, o.token_id, t.created_at AS token_created_at, \
     t.expires_at AS token_expires_at, t.used_at AS token_used_at, t.revoked_at AS token_revoked_at, \
     o.origin";

/// A notice to mail to an account's owner, written in the same
/// transaction as the change it reports.
#[derive(Debug, Clone, Copy)]
pub struct Notice<'a> {
    pub kind: crate::domain::MailKind,
    pub recipient: &'a str,
}

/// Puts a notice for user `$2` in the outbox (bind kind, user, recipient, now).
pub(super) const NOTICE_INSERT: &str = "INSERT INTO outbox (kind, user_id, recipient, created_at, next_attempt_at) \
     VALUES ($1, $2, $3, $4, $4)";

/// What became of a link that was reissued because it had waited too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reissued {
    /// The row now carries the new token and link.
    Yes,
    /// The old token was used or replaced meanwhile: nothing changed.
    TokenGone,
}

impl Store {
    /// Claims up to `limit` rows that are due at `now` and not claimed by
    /// another sender, until `lease_until`; returns them with their user and
    /// token. Rows are claimed oldest due first.
    pub async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let skip_locked = match &self.pool {
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => "",
        };
        let claim = format!(
            "UPDATE outbox SET claimed_until = $2 WHERE id IN (\
               SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= $1 \
                 AND (claimed_until IS NULL OR claimed_until <= $1) \
               ORDER BY next_attempt_at, id LIMIT $3{skip_locked}) RETURNING id"
        );
        let rows = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let ids: Vec<i64> = sqlx::query_scalar(&claim)
                .bind(now)
                .bind(lease_until)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            let rows = if ids.is_empty() {
                Vec::new()
            } else {
                let mut sql = Sql::new();
                let list: Vec<String> = ids.iter().map(|id| sql.param(Param::Int(*id))).collect();
                sql.text = format!(
                    "SELECT {OUTBOX_COLUMNS} FROM outbox o JOIN users u ON u.id = o.user_id \
                     LEFT JOIN reset_tokens t ON t.id = o.token_id WHERE o.id IN ({}) ORDER BY o.id",
                    list.join(", ")
                );
                bind_params!(sqlx::query_as::<_, OutboxRow>(&sql.text), sql)
                    .fetch_all(&mut *tx)
                    .await?
            };
            tx.commit().await?;
            rows
        });
        Ok(rows)
    }

    /// The mail left: the row is sent, and its link (a live token) is gone
    /// from the database.
    pub async fn mail_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        with_pool!(self, p => sqlx::query(
            "UPDATE outbox SET state = 'sent', sent_at = $2, finished_at = $2, link = NULL, \
             claimed_until = NULL, attempts = attempts + 1, last_error = NULL WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// An attempt failed with `error`: the row waits until `retry_at`, or
    /// with `None` is failed for good (`keyward mail retry` queues it again).
    pub async fn mail_attempt_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_pool!(self, p => sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, claimed_until = NULL, \
             next_attempt_at = COALESCE($3, next_attempt_at), \
             state = CASE WHEN $3 IS NULL THEN 'failed' ELSE state END, \
             finished_at = CASE WHEN $3 IS NULL THEN $4 ELSE finished_at END \
             WHERE id = $1 AND state = 'queued'")
            .bind(id)
            .bind(error)
            .bind(retry_at)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The mail will not be sent (its link was used or replaced before it
    /// could leave): the row is dropped with `why`, and its link is gone.
    pub async fn mail_dropped(&self, id: i64, why: &str, now: DateTime<Utc>) -> Result<()> {
        with_pool!(self, p => sqlx::query(
            "UPDATE outbox SET state = 'dropped', last_error = $2, finished_at = $3, link = NULL, \
             claimed_until = NULL WHERE id = $1 AND state = 'queued'")
            .bind(id)
            .bind(why)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Replaces a waiting link's token (it has used too much of its life to
    /// be mailed): the old token is revoked, a new one stored, and the row
    /// carries the new link, all in one audited transaction. Nothing changes
    /// if the old token was used or revoked meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub async fn reissue_mailed_token(
        &self,
        outbox_id: i64,
        old_token_id: i64,
        user_id: i64,
        token_hash: &str,
        link: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Reissued> {
        let done = audited!(self, audit, now, |tx| {
            let revoked = sqlx::query(
                "UPDATE reset_tokens SET revoked_at = $1 WHERE id = $2 \
                 AND used_at IS NULL AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(old_token_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if revoked == 0 {
                tx.rollback().await?;
                return Ok(Reissued::TokenGone);
            }
            // The new token has the old one's purpose (a reset or a
            // re-validation link).
            let token_id: i64 = sqlx::query_scalar(
                "INSERT INTO reset_tokens (user_id, token_hash, created_at, expires_at, purpose) \
                 SELECT $1, $2, $3, $4, purpose FROM reset_tokens WHERE id = $5 RETURNING id",
            )
            .bind(user_id)
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .bind(old_token_id)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("UPDATE outbox SET token_id = $1, link = $2 WHERE id = $3")
                .bind(token_id)
                .bind(link)
                .bind(outbox_id)
                .execute(&mut *tx)
                .await?;
            Reissued::Yes
        });
        Ok(done)
    }

    /// How many mails are in each state.
    pub async fn mail_counts(&self) -> Result<Vec<MailCountRow>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, MailCountRow>(
            "SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox GROUP BY state")
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// How many mails are queued and how many failed (the `outbox_state`
    /// index answers it without reading sent mail).
    pub async fn outbox_depth(&self) -> Result<(i64, i64)> {
        let rows: Vec<(String, i64)> = with_pool!(self, p => sqlx::query_as(
            "SELECT state, COUNT(*) FROM outbox WHERE state IN ('queued', 'failed') GROUP BY state")
            .fetch_all(p)
            .await)?;
        let count = |state: &str| rows.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
        Ok((count("queued"), count("failed")))
    }

    /// Mails that have not left and have an error to show: failed ones and
    /// queued ones waiting to retry, newest first.
    pub async fn unsent_mail_with_errors(&self, limit: i64) -> Result<Vec<UnsentMailRow>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, UnsentMailRow>(
            "SELECT o.id, o.kind, u.login, o.recipient, o.state, o.attempts, o.last_error, \
             o.created_at, o.next_attempt_at FROM outbox o JOIN users u ON u.id = o.user_id \
             WHERE (o.state = 'failed' OR (o.state = 'queued' AND o.attempts > 0)) \
             ORDER BY o.id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Queues every failed mail again, due at once, with its attempts
    /// counted from zero; returns how many.
    pub async fn retry_failed_mail(&self, now: DateTime<Utc>, audit: &AuditEvent) -> Result<u64> {
        let n = audited!(self, audit, now, |tx| {
            sqlx::query(
                "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = $1, \
                 finished_at = NULL, claimed_until = NULL WHERE state = 'failed'",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok(n)
    }
}
