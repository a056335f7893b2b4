//! Bulk password reset (the legacy "Reset Passwords"): one shared hash, set-
//! based updates in id-range chunks inside one transaction, so progress can be
//! reported and a cancel rolls everything back. Only the narrow
//! `credentials` rows change: the users' own rows (and their many indexes)
//! are not rewritten, and their edit version stays, since nothing a user
//! form edits changes.

use super::audit::{AuditEvent, append_audit};
use super::{BeginWrite, Store, with_pool};
use crate::domain::Role;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};

/// Which staff users a bulk reset changes. Portal users are never included.
#[derive(Debug, Clone, Default)]
pub struct BulkScope {
    pub role: Option<Role>,
    pub resource_id: Option<i64>,
    /// The acting administrator, who is always skipped.
    pub exclude_user: i64,
}

pub use crate::domain::progress::Progress;

/// Users per UPDATE statement: small enough for frequent progress and
/// cancellation, large enough that statement overhead stays negligible.
const CHUNK_IDS: i64 = 50_000;

pub(super) const SCOPE: &str = "users.kind = 'staff' AND users.id <> $1 AND ($2 IS NULL OR users.role = $2) \
    AND ($3 IS NULL OR EXISTS (SELECT 1 FROM grants g WHERE g.user_id = users.id AND g.resource_id = $3))";

impl Store {
    /// How many users a bulk reset with `scope` would change.
    pub async fn count_bulk_scope(&self, scope: &BulkScope) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM users WHERE {SCOPE}");
        let n = with_pool!(self, p => sqlx::query_scalar::<_, i64>(&sql)
            .bind(scope.exclude_user)
            .bind(scope.role.map(|r| r.as_str()))
            .bind(scope.resource_id)
            .fetch_one(p)
            .await)?;
        Ok(n)
    }

    /// The distinct own policies of the users in scope (`None` = the kind's
    /// default), so the shared password can be checked against each.
    pub async fn bulk_scope_policies(&self, scope: &BulkScope) -> Result<Vec<Option<i64>>> {
        // The few users with their own policy come from `users_own_policy`;
        // whether anyone follows the kind's policy stops at the first one.
        let sql = format!(
            "SELECT DISTINCT users.policy_id FROM users WHERE users.policy_id IS NOT NULL AND {SCOPE} \
             UNION ALL SELECT NULL WHERE EXISTS (SELECT 1 FROM users WHERE users.policy_id IS NULL AND {SCOPE})"
        );
        let ids = with_pool!(self, p => sqlx::query_scalar::<_, Option<i64>>(&sql)
            .bind(scope.exclude_user)
            .bind(scope.role.map(|r| r.as_str()))
            .bind(scope.resource_id)
            .fetch_all(p)
            .await)?;
        Ok(ids)
    }

    /// Points every user in scope at one new shared hash, all or nothing.
    /// `progress` is called after each chunk; setting `cancel` before the
    /// commit rolls back and returns [`Error::Cancelled`]. `audit` gets the
    /// real count added to its details. Returns the number of users changed.
    #[allow(clippy::too_many_arguments)]
    pub async fn bulk_reset(
        &self,
        scope: &BulkScope,
        hash: &str,
        must_change: bool,
        confirmed_count: Option<u64>,
        default_policy_version: i64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
        progress: &(dyn Fn(Progress) + Send + Sync),
        cancel: &AtomicBool,
    ) -> Result<u64> {
        let role = scope.role.map(|r| r.as_str());
        let count_sql = format!("SELECT COUNT(*) FROM users WHERE {SCOPE}");
        let history_sql = format!(
            "INSERT INTO password_history (user_id, hash, created_at) \
             SELECT users.id, s.hash, $4 FROM users JOIN credentials c ON c.user_id = users.id \
             JOIN shared_credentials s ON s.id = c.shared_credential_id WHERE {SCOPE}"
        );
        let update_sql = format!(
            "UPDATE credentials SET shared_credential_id = $4, must_change_password = $5, password_changed_at = $6, \
             password_policy_version = COALESCE((SELECT pol.version FROM policies pol WHERE pol.id = users.policy_id), $7) \
             FROM users WHERE users.id = credentials.user_id AND credentials.user_id >= $8 AND credentials.user_id < $9 \
             AND users.id >= $8 AND users.id < $9 AND {SCOPE}"
        );
        // From the (few) open tokens to their users, not the other way round.
        let tokens_sql = format!(
            "UPDATE reset_tokens SET revoked_at = $4 WHERE used_at IS NULL AND revoked_at IS NULL \
             AND EXISTS (SELECT 1 FROM users WHERE users.id = reset_tokens.user_id AND {SCOPE})"
        );
        let changed = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let (min_id, max_id): (i64, i64) = sqlx::query_as(
                "SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM users")
                .fetch_one(&mut *tx).await?;
            // The count the administrator confirmed, else counted here.
            let total = match confirmed_count {
                Some(n) => n,
                None => {
                    let n: i64 = sqlx::query_scalar(&count_sql)
                        .bind(scope.exclude_user).bind(role).bind(scope.resource_id)
                        .fetch_one(&mut *tx).await?;
                    n.max(0) as u64
                }
            };
            progress(Progress { done: 0, total });
            // Earlier bulk-reset passwords become history before being replaced.
            sqlx::query(&history_sql)
                .bind(scope.exclude_user).bind(role).bind(scope.resource_id).bind(now)
                .execute(&mut *tx).await?;
            let cred_id: i64 = sqlx::query_scalar(
                "INSERT INTO shared_credentials (hash, created_at) VALUES ($1, $2) RETURNING id")
                .bind(hash).bind(now)
                .fetch_one(&mut *tx).await?;
            let mut done = 0u64;
            let mut start = min_id;
            while start <= max_id {
                if cancel.load(Ordering::Relaxed) {
                    return Err(Error::Cancelled);
                }
                let end = start.saturating_add(CHUNK_IDS);
                let n = sqlx::query(&update_sql)
                    .bind(scope.exclude_user).bind(role).bind(scope.resource_id)
                    .bind(cred_id).bind(must_change).bind(now).bind(default_policy_version)
                    .bind(start).bind(end)
                    .execute(&mut *tx).await?
                    .rows_affected();
                done += n;
                start = end;
                progress(Progress { done, total: total.max(done) });
            }
            sqlx::query(&tokens_sql)
                .bind(scope.exclude_user).bind(role).bind(scope.resource_id).bind(now)
                .execute(&mut *tx).await?;
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            let mut event = audit.clone();
            if let Some(obj) = event.details.as_object_mut() {
                obj.insert("count".into(), serde_json::json!(done));
            }
            append_audit!(tx, self.audit_key(), &event, now);
            tx.commit().await?;
            done
        });
        Ok(changed)
    }
}
