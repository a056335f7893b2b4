//! Rate limits counted in the database, so that every `keyward serve`
//! instance on one database shares them: a fixed window per bucket, counted
//! and read in one statement.

use super::{Store, with_pool};
use crate::error::Result;
use chrono::{DateTime, Duration, Utc};

impl Store {
    /// Counts one hit in `bucket`'s current window of `window` and returns
    /// the hits in it so far (this one included) and when the window began.
    /// A window that has ended starts again at `now`.
    pub async fn rate_hit(
        &self,
        bucket: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(i64, DateTime<Utc>)> {
        let ended = now - window;
        let row = with_pool!(self, p => sqlx::query_as::<_, (i64, DateTime<Utc>)>(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
               hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
               window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
             RETURNING hits, window_start")
            .bind(bucket)
            .bind(now)
            .bind(ended)
            .fetch_one(p)
            .await)?;
        Ok(row)
    }

    /// Deletes windows that began before `before`; returns how many.
    pub async fn prune_rate_limits(&self, before: DateTime<Utc>) -> Result<u64> {
        let n = with_pool!(self, p => sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(before)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n)
    }
}
