//! The audit chain: append inside the caller's transaction, read pages, and
//! walk the chain for verification.

use super::rows::AuditRow;
use super::{Store, with_pool};
use crate::error::Result;

/// One administrative change to record. `details` holds before/after values,
/// never secrets.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
}

impl AuditEvent {
    pub fn new(actor: &str, action: &str, target: &str, details: serde_json::Value) -> AuditEvent {
        AuditEvent {
            actor: actor.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            details,
        }
    }
}

/// Appends `$event` at time `$now` inside the open transaction `$tx`. The
/// first statement updates the chain head, which serialises appends on both
/// backends (row lock on PostgreSQL, write lock on SQLite).
macro_rules! append_audit {
    ($tx:expr, $event:expr, $now:expr) => {{
        let event: &$crate::store::AuditEvent = $event;
        let now: chrono::DateTime<chrono::Utc> = $now;
        let (seq, prev): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *$tx)
                .await?;
        let details = event.details.to_string();
        let hash = $crate::domain::audit::entry_hash(
            &prev,
            seq,
            now,
            &event.actor,
            &event.action,
            &event.target,
            &details,
        );
        sqlx::query(
            "INSERT INTO audit (seq, at, actor, action, target, details, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq)
        .bind(now)
        .bind(&event.actor)
        .bind(&event.action)
        .bind(&event.target)
        .bind(&details)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use append_audit;

/// Runs `$body` in a write transaction that first appends `$event` to the
/// audit trail, then commits, and evaluates to the body's value. Every audited
/// change goes through here, so the change and its audit entry commit
/// together, and the chain head is locked before the change is made (which
/// serialises audited writers: the last-admin guard relies on it). An early
/// `return Err(..)` in the body rolls back.
macro_rules! audited {
    ($store:expr, $event:expr, $now:expr, |$tx:ident| $body:block) => {
        $crate::store::with_pool!($store, pool => {
            let mut $tx = $crate::store::BeginWrite::begin_write(pool).await?;
            $crate::store::audit::append_audit!($tx, $event, $now);
            let value = $body;
            $tx.commit().await?;
            value
        })
    };
}
pub(crate) use audited;

const AUDIT_COLUMNS: &str = "seq, at, actor, action, target, details, prev_hash, hash";

impl Store {
    /// Appends one entry in its own transaction (for events with no other change).
    pub async fn append_audit(
        &self,
        event: &AuditEvent,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        with_pool!(self, p => {
            let mut tx = super::BeginWrite::begin_write(p).await?;
            append_audit!(tx, event, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Newest first, entries before `before_seq`, optionally filtered by a
    /// case-insensitive substring of actor, action or target.
    pub async fn audit_page(
        &self,
        filter: Option<&str>,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRow>> {
        let pattern =
            filter.map(|f| format!("%{}%", super::listing::escape_like(&f.to_ascii_lowercase())));
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit WHERE ($1 IS NULL OR seq < $1) \
             AND ($2 IS NULL OR lower(actor) LIKE $2 ESCAPE '\\' OR lower(action) LIKE $2 ESCAPE '\\' \
             OR lower(target) LIKE $2 ESCAPE '\\') ORDER BY seq DESC LIMIT $3"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, AuditRow>(&sql)
            .bind(before_seq)
            .bind(pattern)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Recent entries about one target (a login or resource name).
    pub async fn audit_for_target(&self, target: &str, limit: i64) -> Result<Vec<AuditRow>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit WHERE target = $1 ORDER BY seq DESC LIMIT $2"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, AuditRow>(&sql)
            .bind(target)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Entries with seq > `after`, oldest first: the verifier walks with this.
    pub async fn audit_chunk(&self, after: i64, limit: i64) -> Result<Vec<AuditRow>> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows = with_pool!(self, p => sqlx::query_as::<_, AuditRow>(&sql)
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// The chain head: newest seq and hash.
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        let head = with_pool!(self, p => sqlx::query_as::<_, (i64, String)>("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(p)
            .await)?;
        Ok(head)
    }
}
