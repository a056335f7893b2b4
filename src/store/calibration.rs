//! The sign-in's calibration (service/calibration.rs): the dummy hash for
//! a set of Argon2 parameters and the padding floor learnt with it.

use super::{Store, with_pool};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// One set of parameters' calibration.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Calibration {
    pub dummy_hash: String,
    pub floor_ns: i64,
}

impl Store {
    pub async fn calibration(&self, params: &str) -> Result<Option<Calibration>> {
        let row = with_pool!(self, p => sqlx::query_as::<_, Calibration>(
            "SELECT dummy_hash, floor_ns FROM sign_in_calibration WHERE params = $1")
            .bind(params)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }

    /// Keeps `dummy_hash` for `params`, replacing one that was unusable
    /// (the caller checked); the floor learnt so far stays.
    pub async fn save_dummy(
        &self,
        params: &str,
        dummy_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_pool!(self, p => sqlx::query(
            "INSERT INTO sign_in_calibration (params, dummy_hash, floor_ns, updated_at) VALUES ($1, $2, 0, $3) \
             ON CONFLICT (params) DO UPDATE SET dummy_hash = excluded.dummy_hash, updated_at = excluded.updated_at")
            .bind(params)
            .bind(dummy_hash)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Keeps the floor a process has learnt, for the next ones.
    pub async fn save_floor(&self, params: &str, floor_ns: i64, now: DateTime<Utc>) -> Result<()> {
        with_pool!(self, p => sqlx::query(
            "UPDATE sign_in_calibration SET floor_ns = $1, updated_at = $2 WHERE params = $3")
            .bind(floor_ns)
            .bind(now)
            .bind(params)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
