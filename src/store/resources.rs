//! Resources and the grants that link users to them.

use super::audit::{AuditEvent, audited};
use super::rows::{GrantRow, ResourceRow};
use super::{Store, with_pool};
use crate::domain::AccessLevel;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

const RESOURCE_SELECT: &str = "SELECT r.id, r.name, r.description, r.created_at, \
    (SELECT COUNT(*) FROM grants g WHERE g.resource_id = r.id) AS users FROM resources r";

const GRANT_SELECT: &str = "SELECT g.resource_id, r.name AS resource, g.user_id, u.login, g.level, g.granted_at \
    FROM grants g JOIN resources r ON r.id = g.resource_id JOIN users u ON u.id = g.user_id";

impl Store {
    /// Resource names in listing order (no counts).
    pub async fn resource_names(&self) -> Result<Vec<String>> {
        let sql = "SELECT name FROM resources ORDER BY lower(name)";
        let names = with_pool!(self, p => sqlx::query_scalar::<_, String>(sql).fetch_all(p).await)?;
        Ok(names)
    }

    pub async fn resources(&self) -> Result<Vec<ResourceRow>> {
        let sql = format!("{RESOURCE_SELECT} ORDER BY lower(r.name)");
        let rows =
            with_pool!(self, p => sqlx::query_as::<_, ResourceRow>(&sql).fetch_all(p).await)?;
        Ok(rows)
    }

    pub async fn resource_by_name(&self, name: &str) -> Result<Option<ResourceRow>> {
        let sql = format!("{RESOURCE_SELECT} WHERE lower(r.name) = lower($1)");
        let row = with_pool!(self, p => sqlx::query_as::<_, ResourceRow>(&sql).bind(name).fetch_optional(p).await)?;
        Ok(row)
    }

    pub async fn insert_resource(
        &self,
        name: &str,
        description: &str,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<i64> {
        let id = audited!(self, audit, now, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO resources (name, description, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(name)
                .bind(description)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            id
        });
        Ok(id)
    }

    /// Grants access or changes the level of an existing grant.
    pub async fn grant(
        &self,
        user_id: i64,
        resource_id: i64,
        level: AccessLevel,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        audited!(self, audit, now, |tx| {
            sqlx::query(
                "INSERT INTO grants (user_id, resource_id, level, granted_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_id, resource_id) DO UPDATE SET level = excluded.level")
                .bind(user_id)
                .bind(resource_id)
                .bind(level.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    pub async fn revoke(
        &self,
        user_id: i64,
        resource_id: i64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        audited!(self, audit, now, |tx| {
            let n = sqlx::query("DELETE FROM grants WHERE user_id = $1 AND resource_id = $2")
                .bind(user_id)
                .bind(resource_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(Error::NotFound(
                    "the user has no access to that resource".into(),
                ));
            }
        });
        Ok(())
    }

    /// Renames a resource and sets its description.
    pub async fn update_resource(
        &self,
        id: i64,
        name: &str,
        description: &str,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        audited!(self, audit, now, |tx| {
            sqlx::query("UPDATE resources SET name = $1, description = $2 WHERE id = $3")
                .bind(name)
                .bind(description)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Deletes a resource and its grants; returns how many users lost access.
    pub async fn delete_resource(
        &self,
        id: i64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<u64> {
        let n = audited!(self, audit, now, |tx| {
            let n = sqlx::query("DELETE FROM grants WHERE resource_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM resources WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            n
        });
        Ok(n)
    }

    pub async fn grants_for_user(&self, user_id: i64) -> Result<Vec<GrantRow>> {
        let sql = format!("{GRANT_SELECT} WHERE g.user_id = $1 ORDER BY lower(r.name)");
        let rows = with_pool!(self, p => sqlx::query_as::<_, GrantRow>(&sql).bind(user_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Who has access to a resource, by login, after `after_login` (keyset).
    pub async fn grants_for_resource(
        &self,
        resource_id: i64,
        after_login: Option<&str>,
        limit: i64,
    ) -> Result<Vec<GrantRow>> {
        let sql = format!(
            "{GRANT_SELECT} WHERE g.resource_id = $1 AND ($2 IS NULL OR lower(u.login) > $2) ORDER BY lower(u.login) LIMIT $3"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, GrantRow>(&sql)
            .bind(resource_id)
            .bind(after_login)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }
}
