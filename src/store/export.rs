//! Pages for the exports (`keyward user|resource|audit export`): keyset
//! paging on a unique, indexed key (lower(login), resource id; the audit
//! trail pages by seq with `audit_chunk`),
//! so every page is one index range however far into the table it is, and
//! an export holds one page in memory at a time.

use super::rows::{ResourceRow, USER_COLUMNS, USERS, UserRow};
use super::{Store, with_pool};
use crate::error::Result;

/// (lower-case login, resource name, level), in login then resource order.
pub type GrantCell = (String, String, String);
/// (lower-case login, holder name, email, note), in login then id order.
pub type HolderCell = (String, String, String, String);

impl Store {
    /// Up to `limit` users after the lower-case login `after` (from the
    /// first when None), in lower(login) order.
    pub async fn users_after(&self, after: Option<&str>, limit: i64) -> Result<Vec<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM {USERS} WHERE lower(u.login) > $1 ORDER BY lower(u.login) LIMIT $2"
        );
        // Every login has at least three characters, so "" is before all.
        let rows = with_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql)
            .bind(after.unwrap_or(""))
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// The grants of the users whose lower-case logins are from `first` to
    /// `last` (a page of [`Store::users_after`]).
    pub async fn grants_between(&self, first: &str, last: &str) -> Result<Vec<GrantCell>> {
        let sql = "SELECT lower(u.login), r.name, g.level FROM users u \
                   JOIN grants g ON g.user_id = u.id JOIN resources r ON r.id = g.resource_id \
                   WHERE lower(u.login) >= $1 AND lower(u.login) <= $2 ORDER BY lower(u.login), lower(r.name)";
        let rows = with_pool!(self, p => sqlx::query_as::<_, GrantCell>(sql)
            .bind(first)
            .bind(last)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// The holders of the users whose lower-case logins are from `first`
    /// to `last`.
    pub async fn holders_between(&self, first: &str, last: &str) -> Result<Vec<HolderCell>> {
        let sql = "SELECT lower(u.login), h.name, h.email, h.note FROM users u \
                   JOIN holders h ON h.user_id = u.id \
                   WHERE lower(u.login) >= $1 AND lower(u.login) <= $2 ORDER BY lower(u.login), h.id";
        let rows = with_pool!(self, p => sqlx::query_as::<_, HolderCell>(sql)
            .bind(first)
            .bind(last)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Up to `limit` resources with ids above `after`, with their user counts.
    pub async fn resources_after(&self, after: i64, limit: i64) -> Result<Vec<ResourceRow>> {
        let sql = "SELECT r.id, r.name, r.description, r.created_at, \
                   (SELECT COUNT(*) FROM grants g WHERE g.resource_id = r.id) AS users \
                   FROM resources r WHERE r.id > $1 ORDER BY r.id LIMIT $2";
        let rows = with_pool!(self, p => sqlx::query_as::<_, ResourceRow>(sql)
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }
}
