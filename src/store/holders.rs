//! Holders: the people known to share one login.

use super::audit::{AuditEvent, audited};
use super::rows::HolderRow;
use super::{Store, with_pool};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

impl Store {
    pub async fn holders(&self, user_id: i64) -> Result<Vec<HolderRow>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, HolderRow>(
            "SELECT id, user_id, name, email, note, created_at FROM holders WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    pub async fn add_holder(
        &self,
        user_id: i64,
        name: &str,
        email: &str,
        note: &str,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<i64> {
        let id = audited!(self, audit, now, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO holders (user_id, name, email, note, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(user_id)
                .bind(name)
                .bind(email)
                .bind(note)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            id
        });
        Ok(id)
    }

    pub async fn remove_holder(
        &self,
        user_id: i64,
        holder_id: i64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        audited!(self, audit, now, |tx| {
            let n = sqlx::query("DELETE FROM holders WHERE id = $1 AND user_id = $2")
                .bind(holder_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(Error::NotFound(format!(
                    "this user has no holder with id {holder_id}"
                )));
            }
        });
        Ok(())
    }
}
