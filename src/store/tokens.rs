//! CLI sessions, password-reset tokens and change tickets, and the links
//! waiting for delivery. Only SHA-256 digests of tokens are stored in
//! `sessions` and `reset_tokens`; look-ups are by digest. A link waiting in
//! the outbox carries its token in the clear, as the mail carrying it will,
//! and goes when its token is used, replaced or expires.

use super::audit::{AuditEvent, audited};
use super::rows::{PendingLinkRow, ResetTokenRow, SessionRow};
use super::{BeginWrite, Store, with_pool};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// What a token in `reset_tokens` is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// A reset link (mailed or passed on by an administrator).
    Reset,
    /// The ticket that finishes a forced change after a sign-in answered
    /// must-change.
    Change,
    /// A re-validation link: following it re-validates an account that was
    /// idle past its policy's `revalidate_after_days`.
    Revalidate,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Reset => "reset",
            TokenPurpose::Change => "change",
            TokenPurpose::Revalidate => "revalidate",
        }
    }

    /// The kind of mail that carries a link of this purpose (change tickets
    /// are never mailed: a sign-in answers them).
    fn mail_kind(self) -> Option<crate::domain::MailKind> {
        match self {
            TokenPurpose::Reset => Some(crate::domain::MailKind::ResetLink),
            TokenPurpose::Revalidate => Some(crate::domain::MailKind::RevalidateLink),
            TokenPurpose::Change => None,
        }
    }
}

/// A reset link to put in the outbox with its token.
#[derive(Debug, Clone, Copy)]
pub struct NewLink<'a> {
    pub recipient: &'a str,
    pub link: &'a str,
}

const PENDING_SELECT: &str = "SELECT o.id, o.user_id, u.login, o.recipient, o.link, o.created_at, t.expires_at \
    FROM outbox o JOIN users u ON u.id = o.user_id JOIN reset_tokens t ON t.id = o.token_id \
    WHERE o.state = 'queued' AND o.link IS NOT NULL AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > $1";

impl Store {
    pub async fn insert_session(
        &self,
        user_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, authenticated_at) VALUES ($1, $2, $3, $3, $3)")
            .bind(user_id)
            .bind(token_hash)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn session_by_hash(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        let row = with_pool!(self, p => sqlx::query_as::<_, SessionRow>(
            "SELECT id, user_id, created_at, last_seen_at, authenticated_at FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }

    pub async fn touch_session(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        with_pool!(self, p => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2").bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn delete_session(&self, id: i64) -> Result<()> {
        with_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Stores a new link token of `purpose` (a reset or a re-validation
    /// link) and revokes the user's older ones of that purpose; with `link`,
    /// also puts the link in the outbox, and with `notice` a notice to the
    /// owner, in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_reset_token(
        &self,
        purpose: TokenPurpose,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
        audit: &AuditEvent,
        link: Option<NewLink<'_>>,
        notice: Option<super::Notice<'_>>,
    ) -> Result<()> {
        let mail_kind = purpose.mail_kind().ok_or_else(|| {
            crate::error::Error::Internal(format!("{} tokens are not links", purpose.as_str()))
        })?;
        audited!(self, audit, now, |tx| {
            sqlx::query(
                "UPDATE reset_tokens SET revoked_at = $1 WHERE user_id = $2 AND purpose = $3 \
                         AND used_at IS NULL AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(user_id)
            .bind(purpose.as_str())
            .execute(&mut *tx)
            .await?;
            let token_id: i64 = sqlx::query_scalar(
                "INSERT INTO reset_tokens (user_id, token_hash, created_at, expires_at, purpose) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(user_id)
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .bind(purpose.as_str())
            .fetch_one(&mut *tx)
            .await?;
            if let Some(n) = notice {
                sqlx::query(super::outbox::NOTICE_INSERT)
                    .bind(n.kind.as_str())
                    .bind(user_id)
                    .bind(n.recipient)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(link) = link {
                sqlx::query(
                    "INSERT INTO outbox (kind, user_id, token_id, recipient, link, created_at, next_attempt_at) \
                             VALUES ($6, $1, $2, $3, $4, $5, $5)",
                )
                .bind(user_id)
                .bind(token_id)
                .bind(link.recipient)
                .bind(link.link)
                .bind(now)
                .bind(mail_kind.as_str())
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// Stores a change ticket and revokes the user's older ones (reset
    /// links stay valid). Not audited: it is part of a sign-in.
    pub async fn insert_change_ticket(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE reset_tokens SET revoked_at = $1 WHERE user_id = $2 AND purpose = 'change' \
                         AND used_at IS NULL AND revoked_at IS NULL")
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO reset_tokens (user_id, token_hash, created_at, expires_at, purpose) \
                         VALUES ($1, $2, $3, $4, 'change')")
                .bind(user_id)
                .bind(token_hash)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn reset_token_by_hash(&self, token_hash: &str) -> Result<Option<ResetTokenRow>> {
        let row = with_pool!(self, p => sqlx::query_as::<_, ResetTokenRow>(
            "SELECT id, user_id, expires_at, used_at, revoked_at, purpose FROM reset_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }

    /// Links waiting for delivery whose token is still good, newest first;
    /// with `user_id`, that user's only.
    pub async fn pending_links(
        &self,
        user_id: Option<i64>,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<PendingLinkRow>> {
        let sql = format!(
            "{PENDING_SELECT} AND ($2 IS NULL OR o.user_id = $2) ORDER BY o.id DESC LIMIT $3"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, PendingLinkRow>(&sql)
            .bind(now)
            .bind(user_id)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }
}
