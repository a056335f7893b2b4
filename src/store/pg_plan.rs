//! Steering PostgreSQL's planner for one statement, and running a users
//! statement so steered. Its estimates of how many rows a page's filters
//! keep are often far off (matches are not spread evenly over an index's
//! order, and conditions on `now()` or CASE get default selectivities), and
//! a wrong guess turns a walk of a few hundred index entries into a sort
//! of every candidate. SQLite needs no steering: its plans for these
//! statements follow the indexes.

use super::rows::UserRow;
use super::stmt::{Sql, bind_params};
use super::{Pool, Store};
use crate::error::Result;

/// How PostgreSQL's planner is steered for one statement (a `SET LOCAL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PgPlan {
    /// As the planner chooses.
    Chosen,
    /// The probe found the matches rare: collect them from the search
    /// indexes and sort them, not walk the login index for them (its
    /// estimate of a prefix's matches can be far off, and a walk that
    /// finds none reads every row).
    NoIndexScan,
    /// A Lockouts window: walk `users_trouble` in its order from the
    /// cursor and stop at the window. The planner expected a few hundred
    /// of the troubled accounts past a cursor to be "locked or close to
    /// locking" where tens of thousands were, and chose to fetch every
    /// troubled account and sort them instead: 100-170 ms for a window
    /// 5,000 accounts down at a million users, against 3 ms walked.
    NoBitmapScan,
}

impl PgPlan {
    fn setting(self) -> Option<&'static str> {
        match self {
            PgPlan::Chosen => None,
            PgPlan::NoIndexScan => Some("SET LOCAL enable_indexscan = off"),
            PgPlan::NoBitmapScan => Some("SET LOCAL enable_bitmapscan = off"),
        }
    }
}

impl Store {
    /// Runs a statement that reads users, on PostgreSQL with `plan`'s
    /// setting (in a transaction of its own, which the setting ends with).
    pub(super) async fn fetch_users(&self, sql: &Sql, plan: PgPlan) -> Result<Vec<UserRow>> {
        macro_rules! bound {
            () => {
                bind_params!(sqlx::query_as::<_, UserRow>(&sql.text), sql)
            };
        }
        let rows = match (&self.pool, plan.setting()) {
            #[cfg(feature = "postgres")]
            (Pool::Postgres(p), Some(setting)) => {
                let mut tx = p.begin().await?;
                sqlx::query(setting).execute(&mut *tx).await?;
                let rows = bound!().fetch_all(&mut *tx).await?;
                tx.commit().await?;
                rows
            }
            #[cfg(feature = "postgres")]
            (Pool::Postgres(p), None) => bound!().fetch_all(p).await?,
            #[cfg(feature = "sqlite")]
            (Pool::Sqlite(p), _) => bound!().fetch_all(p).await?,
        };
        Ok(rows)
    }
}
