//! Pages for the exports (`keyward user|resource|audit export`): keyset
//! paging on a unique, indexed key (lower(login), resource id; the audit
//! trail pages by seq with `audit_chunk`),
//! so every page is one index range however far into the table it is, and
//! an export holds one page in memory at a time.

use super::rows::{ResourceRow, USER_COLUMNS, USERS, UserRow};
use super::{Pool, Store, with_pool};
use crate::error::Result;

/// (lower-case login, resource name, level), in login then resource order.
pub type GrantCell = (String, String, String);
/// (lower-case login, holder name, email, note), in login then id order.
pub type HolderCell = (String, String, String, String);

/// One page of [`Store::users_after`], to read its users' grants and
/// holders by.
#[derive(Debug, Clone, Copy)]
pub struct PageKeys<'a> {
    /// The page's first and last lower-case logins.
    pub first: &'a str,
    pub last: &'a str,
    /// The page's user ids.
    pub ids: &'a [i64],
}

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

    /// The grants of a page's users.
    ///
    /// SQLite reads them by the page's login range, a nested loop over the
    /// login index. PostgreSQL reads them by the page's ids: given the range,
    /// its planner overestimates the users in it about tenfold and scans all
    /// of grants for every page (75 ms a page at a million users, against
    /// 9 ms by id; a million-user export took a minute).
    pub async fn grants_of_page(&self, page: PageKeys<'_>) -> Result<Vec<GrantCell>> {
        const ORDER: &str = "ORDER BY lower(u.login), lower(r.name)";
        let rows =
            match &self.pool {
                #[cfg(feature = "sqlite")]
                Pool::Sqlite(p) => {
                    sqlx::query_as::<_, GrantCell>(&format!(
                        "SELECT lower(u.login), r.name, g.level FROM users u \
                     JOIN grants g ON g.user_id = u.id JOIN resources r ON r.id = g.resource_id \
                     WHERE lower(u.login) >= $1 AND lower(u.login) <= $2 {ORDER}"
                    ))
                    .bind(page.first)
                    .bind(page.last)
                    .fetch_all(p)
                    .await?
                }
                #[cfg(feature = "postgres")]
                Pool::Postgres(p) => sqlx::query_as::<_, GrantCell>(&format!(
                    "SELECT lower(u.login), r.name, g.level FROM UNNEST($1::int8[]) AS page(id) \
                     JOIN grants g ON g.user_id = page.id JOIN users u ON u.id = page.id \
                     JOIN resources r ON r.id = g.resource_id {ORDER}"
                ))
                .bind(page.ids)
                .fetch_all(p)
                .await?,
            };
        Ok(rows)
    }

    /// The holders of a page's users (read as [`Store::grants_of_page`]
    /// reads grants, for the same reason).
    pub async fn holders_of_page(&self, page: PageKeys<'_>) -> Result<Vec<HolderCell>> {
        const ORDER: &str = "ORDER BY lower(u.login), h.id";
        let rows = match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                sqlx::query_as::<_, HolderCell>(&format!(
                    "SELECT lower(u.login), h.name, h.email, h.note FROM users u \
                     JOIN holders h ON h.user_id = u.id \
                     WHERE lower(u.login) >= $1 AND lower(u.login) <= $2 {ORDER}"
                ))
                .bind(page.first)
                .bind(page.last)
                .fetch_all(p)
                .await?
            }
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => {
                sqlx::query_as::<_, HolderCell>(&format!(
                    "SELECT lower(u.login), h.name, h.email, h.note FROM UNNEST($1::int8[]) AS page(id) \
                     JOIN holders h ON h.user_id = page.id JOIN users u ON u.id = page.id {ORDER}"
                ))
                .bind(page.ids)
                .fetch_all(p)
                .await?
            }
        };
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
