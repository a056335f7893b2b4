//! CLI sessions and password-reset tokens. Only SHA-256 digests of tokens
//! are stored; look-ups are by digest.

use super::audit::{AuditEvent, audited};
use super::rows::{ResetTokenRow, SessionRow};
use super::{Store, with_pool};
use crate::error::Result;
use chrono::{DateTime, Utc};

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

    /// Stores a new reset token and revokes the user's older ones.
    pub async fn insert_reset_token(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        audited!(self, audit, now, |tx| {
            sqlx::query("UPDATE reset_tokens SET revoked_at = $1 WHERE user_id = $2 AND used_at IS NULL AND revoked_at IS NULL")
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO reset_tokens (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(user_id)
                .bind(token_hash)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    pub async fn reset_token_by_hash(&self, token_hash: &str) -> Result<Option<ResetTokenRow>> {
        let row = with_pool!(self, p => sqlx::query_as::<_, ResetTokenRow>(
            "SELECT id, user_id, expires_at, used_at, revoked_at FROM reset_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }
}
