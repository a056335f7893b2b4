//! Sign-in bookkeeping: counting failures atomically, locking, resetting on
//! success, and the attempts log (the Lockouts listing is in lockouts.rs).

use super::rows::AttemptRow;
use super::{BeginWrite, Store, with_pool};
use crate::domain::outcome::AttemptOutcome;
use crate::domain::policy::Policy;
use crate::error::Result;
use chrono::{DateTime, Duration, Utc};

/// Appends one row to the attempts log on `$exec` (a pool or a transaction
/// of either backend).
macro_rules! insert_attempt {
    ($exec:expr, $now:expr, $login:expr, $user_id:expr, $outcome:expr, $source:expr) => {
        sqlx::query(
            "INSERT INTO attempts (at, login, user_id, outcome, source) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($now)
        .bind($login)
        .bind($user_id)
        .bind($outcome)
        .bind($source)
        .execute($exec)
        .await
    };
}

/// What counting one failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureResult {
    pub failed_attempts: i64,
    /// Set when this failure locked the account: `Some(None)` = until unlocked.
    pub locked: Option<Option<DateTime<Utc>>>,
}

const ATTEMPT_COLUMNS: &str = "id, at, login, user_id, outcome, source";

impl Store {
    /// Counts one failure in the database (never read-modify-write in Rust)
    /// and locks the account when the count reaches the policy's threshold.
    /// A lock that has expired is cleared and counting starts again. The
    /// attempt is recorded (bad password, or locked) in the same transaction.
    pub async fn record_failure(
        &self,
        user_id: i64,
        login: &str,
        policy: &Policy,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<FailureResult> {
        let result = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let (count, streak, last_locked): (i64, i64, Option<DateTime<Utc>>) = sqlx::query_as(
                "UPDATE users SET \
                   failed_attempts = CASE WHEN locked_at IS NOT NULL AND locked_until <= $1 THEN 1 ELSE failed_attempts + 1 END, \
                   locked_at = CASE WHEN locked_at IS NOT NULL AND locked_until <= $1 THEN NULL ELSE locked_at END, \
                   locked_until = CASE WHEN locked_at IS NOT NULL AND locked_until <= $1 THEN NULL ELSE locked_until END, \
                   last_failure_at = $1, last_failure_source = $2 \
                 WHERE id = $3 RETURNING failed_attempts, lock_streak, last_locked_at")
                .bind(now)
                .bind(source)
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            let mut locked = None;
            if count >= policy.lockout_threshold as i64 {
                // A further lock within a day grows (lockout_growth = 2).
                let streak = match last_locked {
                    Some(t) if now - t < Duration::days(1) => streak + 1,
                    _ => 1,
                };
                let until = policy
                    .lock_minutes(streak.clamp(1, u32::MAX as i64) as u32)
                    .map(|m| now + Duration::minutes(m as i64));
                let changed = sqlx::query(
                    "UPDATE users SET locked_at = $1, locked_until = $2, lock_streak = $3, last_locked_at = $1 \
                     WHERE id = $4 AND locked_at IS NULL")
                    .bind(now)
                    .bind(until)
                    .bind(streak)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if changed == 1 {
                    locked = Some(until);
                }
            }
            let outcome = if locked.is_some() { AttemptOutcome::Locked } else { AttemptOutcome::BadPassword };
            insert_attempt!(&mut *tx, now, login, user_id, outcome.as_str(), source)?;
            tx.commit().await?;
            FailureResult { failed_attempts: count, locked }
        });
        Ok(result)
    }

    /// A right password: clears the failure count and an expired lock, sets
    /// the last sign-in and records the attempt, in one transaction. False
    /// (recorded as an attempt while locked) if another process locked the
    /// account since it was read.
    pub async fn record_success(
        &self,
        user_id: i64,
        login: &str,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let ok = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(
                "UPDATE users SET failed_attempts = 0, locked_at = NULL, locked_until = NULL, last_login_at = $1 \
                 WHERE id = $2 AND (locked_at IS NULL OR locked_until <= $1)")
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let outcome = if n == 1 { AttemptOutcome::Ok } else { AttemptOutcome::WhileLocked };
            insert_attempt!(&mut *tx, now, login, user_id, outcome.as_str(), source)?;
            tx.commit().await?;
            n == 1
        });
        Ok(ok)
    }

    /// Appends one row to the attempts log.
    pub async fn insert_attempt(
        &self,
        login: &str,
        user_id: Option<i64>,
        outcome: &str,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        with_pool!(self, p => insert_attempt!(p, now, login, user_id, outcome, source).map(|_| ()))?;
        Ok(())
    }

    /// A user's recent attempts, newest first.
    pub async fn attempts_for_user(&self, user_id: i64, limit: i64) -> Result<Vec<AttemptRow>> {
        let sql = format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, AttemptRow>(&sql).bind(user_id).bind(limit).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Recent failed attempts of any login, newest first.
    pub async fn recent_failures(&self, limit: i64) -> Result<Vec<AttemptRow>> {
        let sql = format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE outcome <> 'ok' ORDER BY id DESC LIMIT $1"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, AttemptRow>(&sql).bind(limit).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Deletes attempts older than `before`; returns how many.
    pub async fn prune_attempts(&self, before: DateTime<Utc>) -> Result<u64> {
        let n = with_pool!(self, p => sqlx::query("DELETE FROM attempts WHERE at < $1").bind(before).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }
}
