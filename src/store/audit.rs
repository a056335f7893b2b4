//! The audit chain: append inside the caller's transaction, read pages, and
//! walk the chain for verification.

use super::rows::AuditRow;
use super::{Store, with_pool};
use crate::domain::audit::{AuditKey, mac_matches};
use crate::error::{Error, Result};

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
    /// The entry that keys the chain with `key` (see `Store::key_audit_chain`).
    pub fn keyed(key: &AuditKey) -> AuditEvent {
        AuditEvent::new(
            "keyward",
            crate::domain::audit::KEYED_ACTION,
            "-",
            serde_json::json!({ "key": key.fingerprint() }),
        )
    }

    pub fn new(actor: &str, action: &str, target: &str, details: serde_json::Value) -> AuditEvent {
        AuditEvent {
            actor: actor.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            details,
        }
    }
}

/// Appends `$event` at time `$now` inside the open transaction `$tx`, with
/// the audit key `$key` (an `Option<&AuditKey>`). The first statement
/// updates the chain head, which serialises appends on both backends (row
/// lock on PostgreSQL, write lock on SQLite). Once the chain is keyed
/// (domain/audit.rs) every entry carries an HMAC, and a process without the
/// key cannot append (the caller's transaction fails and rolls back).
macro_rules! append_audit {
    ($tx:expr, $key:expr, $event:expr, $now:expr) => {{
        let key: Option<&$crate::domain::audit::AuditKey> = $key;
        let event: &$crate::store::AuditEvent = $event;
        let now: chrono::DateTime<chrono::Utc> = $now;
        let (seq, prev, keyed_from): (i64, String, Option<i64>) = sqlx::query_as(
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, keyed_from",
        )
        .fetch_one(&mut *$tx)
        .await?;
        let details = event.details.to_string();
        let entry = $crate::domain::audit::Canonical::new(
            &prev,
            seq,
            now,
            &event.actor,
            &event.action,
            &event.target,
            &details,
        );
        let hash = match (keyed_from, key) {
            (None, _) => $crate::domain::audit::entry_hash(&entry),
            (Some(_), Some(key)) => $crate::domain::audit::entry_mac(key, &entry),
            (Some(_), None) => {
                return Err($crate::error::Error::Invalid(
                    $crate::store::audit::NO_KEY.into(),
                ));
            }
        };
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
            $crate::store::audit::append_audit!($tx, $store.audit_key(), $event, $now);
            let value = $body;
            $tx.commit().await?;
            value
        })
    };
}
pub(crate) use audited;

/// Why a process without the audit key cannot change anything audited.
pub(crate) const NO_KEY: &str = "the audit trail is keyed and this process has no audit key, \
     so it cannot record changes: give it the key file (config [audit] key_file, or the data \
     directory's audit.key) or KEYWARD_AUDIT_KEY, as the other keyward processes have";

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
            append_audit!(tx, self.audit_key(), event, now);
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

    /// Keys the chain with `key` unless it is keyed already: appends
    /// `event` (action [`crate::domain::audit::KEYED_ACTION`]) as its first keyed entry, whose MAC
    /// covers the last unkeyed one. When it is keyed already, checks that
    /// `key` is the key it was keyed with (the keyed entry's MAC), so that
    /// a process with another key does not write entries nobody can verify.
    /// Checks `key` against a keyed chain with two reads, writing nothing:
    /// an error if the chain was keyed with another key; `false` if it is
    /// not keyed yet.
    pub async fn check_audit_key(&self, key: &AuditKey) -> Result<bool> {
        let keyed_from: Option<i64> = with_pool!(self, p => sqlx::query_scalar(
            "SELECT keyed_from FROM audit_head WHERE id = 1")
            .fetch_optional(p)
            .await)?
        .flatten();
        let Some(first) = keyed_from else {
            return Ok(false);
        };
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE seq = $1");
        let row: Option<AuditRow> = with_pool!(self, p => sqlx::query_as(&sql)
            .bind(first)
            .fetch_optional(p)
            .await)?;
        check_chain_key(key, first, row.as_ref())?;
        Ok(true)
    }

    pub async fn key_audit_chain(
        &self,
        key: &AuditKey,
        event: &AuditEvent,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE seq = $1");
        // Once keyed, a chain stays keyed: every process after the first
        // checks its key with two reads, taking no write lock.
        if self.check_audit_key(key).await? {
            return Ok(());
        }
        with_pool!(self, p => {
            let mut tx = super::BeginWrite::begin_write(p).await?;
            let (seq, keyed_from): (i64, Option<i64>) =
                sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, keyed_from")
                    .fetch_one(&mut *tx)
                    .await?;
            match keyed_from {
                None => {
                    sqlx::query("UPDATE audit_head SET keyed_from = $1 WHERE id = 1")
                        .bind(seq + 1)
                        .execute(&mut *tx)
                        .await?;
                    append_audit!(tx, Some(key), event, now);
                }
                Some(first) => {
                    let row: Option<AuditRow> = sqlx::query_as(&sql)
                        .bind(first)
                        .fetch_optional(&mut *tx)
                        .await?;
                    check_chain_key(key, first, row.as_ref())?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The chain head: newest seq and hash.
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        let head = with_pool!(self, p => sqlx::query_as::<_, (i64, String)>("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(p)
            .await)?;
        Ok(head)
    }
}

/// Whether `key` is the key the chain was keyed with, from the first keyed
/// entry (`first`). A missing entry is for verification to report.
fn check_chain_key(key: &AuditKey, first: i64, row: Option<&AuditRow>) -> Result<()> {
    match row {
        Some(e) if !mac_matches(key, &e.canonical(), &e.hash) => Err(Error::Invalid(format!(
            "the audit key {} is not the one the audit trail was keyed with \
             (at entry {first}); use the same key file in every keyward process",
            key.fingerprint()
        ))),
        _ => Ok(()),
    }
}
