//! The Lockouts listing: accounts locked now, and accounts close to locking
//! (at least half their policy's lock threshold in failures, and no lock
//! that ran out since), most recent
//! failure first. Paged by keyset from the small `users_trouble` index, so
//! a page costs the same with ten or ten thousand locked accounts, and
//! counted from that index alone (it covers every column the count reads).

use super::pg_plan::PgPlan;
use super::rows::{USER_COLUMNS, UserRow, WITH_CREDENTIALS};
use super::stmt::{Param, Sql, bind_params};
use super::{Pool, Store, with_pool};
pub use crate::domain::listing::{LockCursor, LockoutCounts};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// Each policy's lock threshold, and which policy a user without their own
/// follows, so that "close to locking" is decided in SQL as the service
/// decides it for one user.
#[derive(Debug, Clone, Default)]
pub struct Thresholds {
    /// (policy id, lockout_threshold) for every policy.
    pub by_policy: Vec<(i64, i64)>,
    /// The built-in policies of staff and portal users.
    pub staff_policy: Option<i64>,
    pub portal_policy: Option<i64>,
}

/// One page request of the Lockouts listing.
#[derive(Debug, Clone)]
pub struct LockoutsQuery {
    pub now: DateTime<Utc>,
    pub thresholds: Thresholds,
    /// Forward: the rows from this one on (from the first when None).
    /// Backward: the rows before it (the last rows when None).
    pub from: Option<LockCursor>,
    pub backward: bool,
    pub limit: i64,
}

/// The threshold of a user whose policy is not in [`Thresholds`].
const FALLBACK_THRESHOLD: i64 = 5;

/// The `users_trouble` index's own condition: every query here starts with
/// it so that both planners read that index.
const TROUBLE: &str = "(u.locked_at IS NOT NULL OR u.failed_attempts > 0)";

impl Store {
    /// The sort key of the Lockouts order, as the `users_trouble` index
    /// writes it (the same literal epoch as the last sign-in key).
    fn failure_key(&self) -> &'static str {
        match self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => "COALESCE(u.last_failure_at, '1970-01-01T00:00:00+00:00')",
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => {
                "COALESCE(u.last_failure_at, TIMESTAMPTZ '1970-01-01 00:00:00+00')"
            }
        }
    }

    /// "Locked now" and "close to locking" as conditions on `u`.
    fn trouble_conditions(sql: &mut Sql, now: DateTime<Utc>, t: &Thresholds) -> (String, String) {
        let now = sql.param(Param::Time(now));
        let locked = format!(
            "(u.locked_at IS NOT NULL AND (u.locked_until IS NULL OR u.locked_until > {now}))"
        );
        let staff = sql.param(Param::Int(t.staff_policy.unwrap_or(-1)));
        let portal = sql.param(Param::Int(t.portal_policy.unwrap_or(-1)));
        let mut threshold = format!(
            "CASE COALESCE(u.policy_id, CASE WHEN u.kind = 'portal' THEN {portal} ELSE {staff} END)"
        );
        for (id, n) in &t.by_policy {
            let id = sql.param(Param::Int(*id));
            let n = sql.param(Param::Int(*n));
            threshold.push_str(&format!(" WHEN {id} THEN {n}"));
        }
        threshold.push_str(&format!(" ELSE {FALLBACK_THRESHOLD} END"));
        // A lock that has run out is not "close to locking": its next
        // failure counts from one again (store/signin.rs), however many
        // failures it shows until then.
        let close = format!(
            "(u.locked_at IS NULL AND u.failed_attempts > 0 AND u.failed_attempts * 2 >= {threshold})"
        );
        (locked, close)
    }

    /// One page of the Lockouts listing, in listing order (most recent
    /// failure first, then id) whichever way it was read.
    ///
    /// The order mixes directions (failure time descending, id ascending),
    /// so "past the cursor" is not one range of `users_trouble` but two:
    /// the cursor's own failure time from its id on, then every earlier
    /// failure time. Each is read as a range of the index in order and
    /// stops at the page; the page is the first rows of the two. Written
    /// as one condition (`key < k OR (key = k AND id >= i)`), the index
    /// was read from the cursor's failure time and every row before the
    /// cursor tested and skipped: 10,000 accounts locked at one moment
    /// (an import, a fill, an attack) made a window 5,000 accounts down
    /// cost 5,000 rows read.
    pub async fn lockouts(&self, q: &LockoutsQuery) -> Result<Vec<UserRow>> {
        let mut sql = Sql::new();
        let (locked, close) = Self::trouble_conditions(&mut sql, q.now, &q.thresholds);
        let key = self.failure_key();
        // The listing's direction, and the way this page reads it.
        let (key_dir, id_dir, key_past, id_from) = if q.backward {
            ("ASC", "DESC", ">", "<")
        } else {
            ("DESC", "ASC", "<", ">=")
        };
        let limit = sql.param(Param::Int(q.limit.clamp(1, 10_000)));
        let part = |cond: &str, order: &str| {
            format!(
                "SELECT page_id, page_key FROM (SELECT u.id AS page_id, {key} AS page_key FROM users u \
                 WHERE {TROUBLE}{cond} AND ({locked} OR {close}) ORDER BY {order} LIMIT {limit}) r"
            )
        };
        let both = format!("{key} {key_dir}, u.id {id_dir}");
        let chosen = match q.from {
            None => part("", &both),
            Some(c) => {
                let k = sql.param(Param::Time(c.failed_at));
                let id = sql.param(Param::Int(c.id));
                format!(
                    "{} UNION ALL {} ORDER BY page_key {key_dir}, page_id {id_dir} LIMIT {limit}",
                    part(
                        &format!(" AND {key} = {k} AND u.id {id_from} {id}"),
                        &format!("u.id {id_dir}")
                    ),
                    part(&format!(" AND {key} {key_past} {k}"), &both),
                )
            }
        };
        sql.text = format!(
            "SELECT {USER_COLUMNS} FROM ({chosen}) p JOIN users u ON u.id = p.page_id {WITH_CREDENTIALS} \
             ORDER BY p.page_key {key_dir}, p.page_id {id_dir}"
        );
        let mut rows = self.fetch_users(&sql, PgPlan::NoBitmapScan).await?;
        if q.backward {
            rows.reverse();
        }
        Ok(rows)
    }

    /// How many accounts are locked now and how many are close to locking:
    /// all of them, from the `users_trouble` index alone.
    pub async fn lockout_counts(
        &self,
        now: DateTime<Utc>,
        thresholds: &Thresholds,
    ) -> Result<LockoutCounts> {
        let mut sql = Sql::new();
        let (locked, close) = Self::trouble_conditions(&mut sql, now, thresholds);
        sql.text = format!(
            "SELECT COALESCE(SUM(CASE WHEN {locked} THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN {close} THEN 1 ELSE 0 END), 0) FROM users u WHERE {TROUBLE}"
        );
        let (locked, close) = with_pool!(self, p => bind_params!(sqlx::query_as::<_, (i64, i64)>(&sql.text), sql)
            .fetch_one(p)
            .await)?;
        Ok(LockoutCounts { locked, close })
    }
}
