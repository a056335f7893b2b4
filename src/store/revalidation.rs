//! Re-validation of accounts left idle (issue 17): the mark a sign-in sets
//! on an account idle past its policy's `revalidate_after_days`, and the
//! link that clears it. The link is a `reset_tokens` row of purpose
//! `revalidate` (store/tokens.rs writes it with its mail).

use super::audit::{AuditEvent, audited};
use super::{Store, with_pool};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// What following a re-validation link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revalidated {
    /// The token was spent and the account is re-validated.
    Yes,
    /// The token was used, replaced or expired meanwhile: nothing changed.
    TokenGone,
}

impl Store {
    /// Marks the account as due for re-validation from `now`, unless it
    /// already is (the first mark stands). Written before the sign-in that
    /// found the account idle records its success, which moves the last
    /// sign-in and would hide the idleness.
    pub async fn mark_revalidation_due(&self, user_id: i64, now: DateTime<Utc>) -> Result<()> {
        with_pool!(self, p => sqlx::query(
            "UPDATE users SET revalidation_due_at = $1 WHERE id = $2 AND revalidation_due_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Spends re-validation token `token_id` of `user_id` and clears the
    /// account's mark, in one audited transaction. Single use even when two
    /// requests race: the token is spent only if it is still good at `now`.
    pub async fn revalidate(
        &self,
        token_id: i64,
        user_id: i64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Revalidated> {
        let done = audited!(self, audit, now, |tx| {
            let spent = sqlx::query(
                "UPDATE reset_tokens SET used_at = $1 WHERE id = $2 AND user_id = $3 \
                 AND purpose = 'revalidate' AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
            )
            .bind(now)
            .bind(token_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if spent == 0 {
                tx.rollback().await?;
                return Ok(Revalidated::TokenGone);
            }
            sqlx::query("UPDATE users SET revalidation_due_at = NULL WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            Revalidated::Yes
        });
        Ok(done)
    }
}
