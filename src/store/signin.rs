//! Sign-in bookkeeping: counting failures atomically, locking, resetting on
//! success, and the attempts log (the Lockouts listing is in lockouts.rs).

use super::rows::{AttemptRow, ResourceSignInRow};
use super::{BeginWrite, Pool, Store, with_pool};
use crate::domain::outcome::AttemptOutcome;
use crate::domain::policy::Policy;
use crate::error::Result;
use chrono::{DateTime, Duration, Utc};

/// Appends one row to the attempts log on `$exec` (a pool or a transaction
/// of either backend).
macro_rules! insert_attempt {
    ($exec:expr, $now:expr, $login:expr, $user_id:expr, $outcome:expr, $source:expr) => {
        sqlx::query(
            "INSERT INTO attempts (at, login, user_id, outcome, source, resource_id) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($now)
        .bind($login)
        .bind($user_id)
        .bind($outcome)
        .bind($source.label)
        .bind($source.resource_id)
        .execute($exec)
        .await
    };
}

/// Where a sign-in attempt came from, as the attempts log records it: a
/// label ("console", "cli-verify", an application's resource name) and,
/// for a sign-in through an application's key, its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptSource<'a> {
    pub label: &'a str,
    pub resource_id: Option<i64>,
}

impl<'a> From<&'a str> for AttemptSource<'a> {
    fn from(label: &'a str) -> Self {
        AttemptSource {
            label,
            resource_id: None,
        }
    }
}

impl<'a> From<&'a String> for AttemptSource<'a> {
    fn from(label: &'a String) -> Self {
        AttemptSource::from(label.as_str())
    }
}

/// What counting one failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureResult {
    pub failed_attempts: i64,
    /// Set when this failure locked the account: `Some(None)` = until unlocked.
    pub locked: Option<Option<DateTime<Utc>>>,
    /// Set when the account was already locked as this failure was
    /// recorded (another attempt in flight alongside it locked it): the
    /// failure is not counted, and is recorded as an attempt while locked.
    /// `Some(None)` = until unlocked.
    pub already_locked: Option<Option<DateTime<Utc>>>,
    /// The attempt's row in the log (see `forgive_stale`).
    pub attempt_id: i64,
}

impl FailureResult {
    /// How the attempt is recorded.
    fn outcome(locked: bool, already_locked: bool) -> AttemptOutcome {
        if already_locked {
            AttemptOutcome::WhileLocked
        } else if locked {
            AttemptOutcome::Locked
        } else {
            AttemptOutcome::BadPassword
        }
    }
}

const ATTEMPT_COLUMNS: &str = "id, at, login, user_id, outcome, source";

impl Store {
    /// Counts one failure in the database (never read-modify-write in Rust)
    /// and locks the account when the count reaches the policy's threshold.
    /// A lock that has expired is cleared and counting starts again. An
    /// account locked now is not counted (DESIGN.md "Sign-in" step 6: the
    /// attempts in flight when the lock lands): the attempt is recorded as
    /// one while locked. The attempt is recorded (bad password, locked or
    /// while locked) in the same transaction.
    ///
    /// On PostgreSQL a failure that leaves the count under the threshold
    /// (nearly all of them) is one statement: the count and the attempt's
    /// record together, one round trip instead of four. Its UPDATE applies
    /// only while the account is not locked and the new count stays under
    /// the threshold, checked on the row as it is when the UPDATE runs;
    /// when it does not apply (this failure would lock, the account is
    /// locked, or the user is gone) nothing was written and the failure
    /// takes the transaction, as on SQLite.
    pub async fn record_failure(
        &self,
        user_id: i64,
        login: &str,
        policy: &Policy,
        source: impl Into<AttemptSource<'_>>,
        lock_notice: Option<super::Notice<'_>>,
        now: DateTime<Utc>,
    ) -> Result<FailureResult> {
        let source: AttemptSource<'_> = source.into();
        const RESTARTS: &str = "locked_at IS NOT NULL AND locked_until <= $1";
        const UNLOCKED: &str = "(locked_at IS NULL OR locked_until <= $1)";
        let count = format!(
            "UPDATE users SET \
               failed_attempts = CASE WHEN {RESTARTS} THEN 1 ELSE failed_attempts + 1 END, \
               locked_at = CASE WHEN {RESTARTS} THEN NULL ELSE locked_at END, \
               locked_until = CASE WHEN {RESTARTS} THEN NULL ELSE locked_until END, \
               last_failure_at = $1, last_failure_source = $2 \
             WHERE id = $3 AND {UNLOCKED}"
        );
        let returning = "RETURNING failed_attempts, lock_streak, last_locked_at";
        let threshold = policy.lockout_threshold as i64;
        type Counted = (i64, i64, Option<DateTime<Utc>>);
        #[cfg(feature = "postgres")]
        if let Some(p) = self.postgres_pool() {
            let below: Option<(i64, i64)> = sqlx::query_as(&format!(
                "WITH counted AS ({count} \
                   AND CASE WHEN {RESTARTS} THEN 1 ELSE failed_attempts + 1 END < $6 {returning}), \
                 recorded AS (INSERT INTO attempts (at, login, user_id, outcome, source, resource_id) \
                   SELECT $1, $4, $3, $5, $2, $7 FROM counted RETURNING id) \
                 SELECT counted.failed_attempts, recorded.id FROM counted, recorded"
            ))
            .bind(now)
            .bind(source.label)
            .bind(user_id)
            .bind(login)
            .bind(AttemptOutcome::BadPassword.as_str())
            .bind(threshold)
            .bind(source.resource_id)
            .fetch_optional(p)
            .await?;
            if let Some((failed_attempts, attempt_id)) = below {
                return Ok(FailureResult {
                    failed_attempts,
                    locked: None,
                    already_locked: None,
                    attempt_id,
                });
            }
        }
        let counting = format!("{count} {returning}");
        let result = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let counted: Option<Counted> = sqlx::query_as(&counting)
                .bind(now)
                .bind(source.label)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let (count, locked, already_locked) = match counted {
                Some((count, streak, last_locked)) => {
                    let mut locked = None;
                    if count >= threshold {
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
                            // The owner is told in the same transaction.
                            if let Some(n) = lock_notice {
                                sqlx::query(super::outbox::NOTICE_INSERT)
                                    .bind(n.kind.as_str())
                                    .bind(user_id)
                                    .bind(n.recipient)
                                    .bind(now)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                    }
                    (count, locked, None)
                }
                None => {
                    // Locked meanwhile (or deleted: then this fails, and
                    // the sign-in with it).
                    let (count, until): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
                        "SELECT failed_attempts, locked_until FROM users WHERE id = $1",
                    )
                    .bind(user_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    (count, None, Some(until))
                }
            };
            let outcome = FailureResult::outcome(locked.is_some(), already_locked.is_some());
            let attempt_id: i64 = sqlx::query_scalar(
                "INSERT INTO attempts (at, login, user_id, outcome, source, resource_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(now)
            .bind(login)
            .bind(user_id)
            .bind(outcome.as_str())
            .bind(source.label)
            .bind(source.resource_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            FailureResult { failed_attempts: count, locked, already_locked, attempt_id }
        });
        Ok(result)
    }

    /// Takes back a counted failure found afterwards to be a previous
    /// password (service/stale.rs): the attempt is recorded as stale and
    /// the count goes down by one, together, and only while the count
    /// still holds that failure: no sign-in, lock, unlock or change of the
    /// user since it (a count reset since then must not forgive a later
    /// failure), and the account is not locked. True if it was taken back.
    pub async fn forgive_stale(&self, user_id: i64, attempt_id: i64) -> Result<bool> {
        // The user's row is updated first: on PostgreSQL that locks it, and
        // a sign-in or lock committed meanwhile is seen in its columns.
        let forgive = "UPDATE users SET failed_attempts = failed_attempts - 1 \
             WHERE id = $1 AND failed_attempts > 0 AND locked_at IS NULL \
               AND EXISTS (SELECT 1 FROM attempts a WHERE a.id = $2 AND a.user_id = $1 \
                             AND a.outcome = $3 AND users.updated_at <= a.at) \
               AND NOT EXISTS (SELECT 1 FROM attempts later WHERE later.user_id = $1 \
                             AND later.id > $2 AND later.outcome IN ($4, $5))";
        let forgiven = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(forgive)
                .bind(user_id)
                .bind(attempt_id)
                .bind(AttemptOutcome::BadPassword.as_str())
                .bind(AttemptOutcome::Ok.as_str())
                .bind(AttemptOutcome::Locked.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                sqlx::query("UPDATE attempts SET outcome = $1 WHERE id = $2")
                    .bind(AttemptOutcome::StalePassword.as_str())
                    .bind(attempt_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            n == 1
        });
        Ok(forgiven)
    }

    /// A right password: clears the failure count and an expired lock, sets
    /// the last sign-in and records the attempt, in one transaction. False
    /// (recorded as an attempt while locked) if another process locked the
    /// account since it was read.
    ///
    /// On PostgreSQL this is one statement (the update in a WITH clause):
    /// a sign-in waits on each round trip to a server that shares the
    /// machine with Argon2, and BEGIN, UPDATE, INSERT and COMMIT were four.
    pub async fn record_success(
        &self,
        user_id: i64,
        login: &str,
        source: impl Into<AttemptSource<'_>>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let source: AttemptSource<'_> = source.into();
        const CLEAR: &str = "UPDATE users SET failed_attempts = 0, locked_at = NULL, locked_until = NULL, last_login_at = $1, \
             deletion_warned_at = NULL \
             WHERE id = $2 AND (locked_at IS NULL OR locked_until <= $1)";
        let (ok, locked) = (
            AttemptOutcome::Ok.as_str(),
            AttemptOutcome::WhileLocked.as_str(),
        );
        let outcome: String = match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                let mut tx = p.begin_write().await?;
                let n = sqlx::query(CLEAR)
                    .bind(now)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let outcome = if n == 1 { ok } else { locked };
                insert_attempt!(&mut *tx, now, login, user_id, outcome, source)?;
                tx.commit().await?;
                outcome.to_string()
            }
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => {
                sqlx::query_scalar(&format!(
                    "WITH cleared AS ({CLEAR} RETURNING id) \
                     INSERT INTO attempts (at, login, user_id, outcome, source, resource_id) \
                     SELECT $1, $3, $2, CASE WHEN EXISTS (SELECT 1 FROM cleared) THEN $4 ELSE $5 END, $6, $7 \
                     RETURNING outcome"
                ))
                .bind(now)
                .bind(user_id)
                .bind(login)
                .bind(ok)
                .bind(locked)
                .bind(source.label)
                .bind(source.resource_id)
                .fetch_one(p)
                .await?
            }
        };
        Ok(outcome == ok)
    }

    /// Appends one row to the attempts log.
    pub async fn insert_attempt(
        &self,
        login: &str,
        user_id: Option<i64>,
        outcome: &str,
        source: impl Into<AttemptSource<'_>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let source: AttemptSource<'_> = source.into();
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

    /// The access level `user_id` has on `resource_id`, if any.
    pub async fn grant_level(&self, user_id: i64, resource_id: i64) -> Result<Option<String>> {
        let level = with_pool!(self, p => sqlx::query_scalar::<_, String>(
            "SELECT level FROM grants WHERE user_id = $1 AND resource_id = $2")
            .bind(user_id)
            .bind(resource_id)
            .fetch_optional(p)
            .await)?;
        Ok(level)
    }

    /// A user's sign-ins through applications, per resource and outcome:
    /// how many the attempts log holds and the latest.
    pub async fn resource_sign_ins(&self, user_id: i64) -> Result<Vec<ResourceSignInRow>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, ResourceSignInRow>(
            "SELECT a.resource_id, COALESCE(r.name, max(a.source)) AS resource, a.outcome, \
             count(*) AS attempts, max(a.at) AS last_at \
             FROM attempts a LEFT JOIN resources r ON r.id = a.resource_id \
             WHERE a.user_id = $1 AND a.resource_id IS NOT NULL \
             GROUP BY a.resource_id, r.name, a.outcome ORDER BY max(a.at) DESC")
            .bind(user_id)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Deletes attempts older than `before`; returns how many.
    pub async fn prune_attempts(&self, before: DateTime<Utc>) -> Result<u64> {
        let n = with_pool!(self, p => sqlx::query("DELETE FROM attempts WHERE at < $1").bind(before).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }
}
