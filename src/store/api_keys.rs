//! Applications' API keys: one resource may have several (rotation), each
//! stored as the SHA-256 digest of the key and revocable at once.

use super::audit::{AuditEvent, audited};
use super::rows::{ApiKeyRow, KeyOwnerRow};
use super::{Store, with_pool};
use crate::error::Result;
use chrono::{DateTime, Utc};

const KEY_COLUMNS: &str = "id, resource_id, prefix, label, created_at, created_by, revoked_at";

/// A key to store: its digest and what tells it apart in listings.
#[derive(Debug, Clone, Copy)]
pub struct NewApiKey<'a> {
    pub resource_id: i64,
    pub key_hash: &'a str,
    pub prefix: &'a str,
    pub label: &'a str,
    pub created_by: &'a str,
}

impl Store {
    /// Stores a new key with its audit entry; returns its id.
    pub async fn insert_api_key(
        &self,
        key: &NewApiKey<'_>,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<i64> {
        let id = audited!(self, audit, now, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_keys (resource_id, key_hash, prefix, label, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(key.resource_id)
            .bind(key.key_hash)
            .bind(key.prefix)
            .bind(key.label)
            .bind(now)
            .bind(key.created_by)
            .fetch_one(&mut *tx)
            .await?;
            id
        });
        Ok(id)
    }

    /// A resource's keys, revoked ones included, oldest first.
    pub async fn api_keys(&self, resource_id: i64) -> Result<Vec<ApiKeyRow>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE resource_id = $1 ORDER BY id");
        let rows = with_pool!(self, p => sqlx::query_as::<_, ApiKeyRow>(&sql)
            .bind(resource_id)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Revokes one key of a resource, with its audit entry. False when the
    /// resource has no such key, or it was already revoked (nothing is
    /// written then).
    pub async fn revoke_api_key(
        &self,
        resource_id: i64,
        key_id: i64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<bool> {
        // Checked before the audited write, so a refusal leaves no entry.
        let live = with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM api_keys WHERE id = $1 AND resource_id = $2 AND revoked_at IS NULL")
            .bind(key_id)
            .bind(resource_id)
            .fetch_optional(p)
            .await)?;
        if live.is_none() {
            return Ok(false);
        }
        let n = audited!(self, audit, now, |tx| {
            let n = sqlx::query(
                "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND resource_id = $3 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(key_id)
            .bind(resource_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                // Revoked by someone else meanwhile: roll the entry back.
                return Err(crate::Error::Conflict(
                    "that key was revoked meanwhile".into(),
                ));
            }
            n
        });
        Ok(n == 1)
    }

    /// The application a live (not revoked) key belongs to, by the key's
    /// digest.
    pub async fn key_owner(&self, key_hash: &str) -> Result<Option<KeyOwnerRow>> {
        let row = with_pool!(self, p => sqlx::query_as::<_, KeyOwnerRow>(
            "SELECT k.id AS key_id, k.resource_id, r.name AS resource \
             FROM api_keys k JOIN resources r ON r.id = k.resource_id \
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL")
            .bind(key_hash)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }
}
