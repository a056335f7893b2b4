//! Bulk reset by link: every user in a bulk reset's scope gets a reset
//! token of their own and an outbox row carrying its link, all in one
//! transaction (a million users in seconds, not one audited transaction
//! each). Older reset links of those users are revoked first. Nothing is
//! mailed here: the sender (service/mail.rs) paces delivery afterwards.
//!
//! The users are read in id ranges; for each range the caller makes the
//! tokens (CPU work: random bytes, SHA-256, the link text), and the rows are
//! written with few statements: UNNEST arrays on PostgreSQL, multi-row
//! VALUES on SQLite. Token ids are taken up front (the sequence on
//! PostgreSQL; on SQLite the transaction holds the write lock, so the ids
//! after the largest are free), so each outbox row knows its token without
//! reading anything back.

use super::audit::{AuditEvent, append_audit};
use super::bulk::{BulkScope, Progress, SCOPE};
#[cfg(feature = "sqlite")]
use super::demo::{SQLITE_MAX_PARAMS, sqlite_values_sql};
use super::{BeginWrite, Pool, Store};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use zeroize::Zeroizing;

/// A user in scope, as the maker of their link needs them.
#[derive(Debug, Clone)]
pub struct ScopeUser {
    pub id: i64,
    pub email: String,
    /// Their own policy, if any (else their kind's).
    pub policy_id: Option<i64>,
}

/// One user's new link: the token's digest (stored), when it expires, and
/// the link itself (the token in the clear, for the mail). `Debug` never
/// prints the link.
pub struct LinkRow {
    pub user_id: i64,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
    pub recipient: String,
    pub link: Zeroizing<String>,
}

impl std::fmt::Debug for LinkRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkRow")
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .field("recipient", &self.recipient)
            .field("link", &"***")
            .finish()
    }
}

/// `outbox.origin` of the mails a bulk reset by link queues (migration 0015).
pub const BULK_RESET_ORIGIN: &str = "bulk_reset";

/// Makes the links of one range of users (in the order given).
pub type MakeLinksFn<'a> = dyn Fn(&[ScopeUser]) -> Result<Vec<LinkRow>> + Send + Sync + 'a;

/// Users per id range read and written at once.
const CHUNK_IDS: i64 = 20_000;
/// SQLite: the page cache during a bulk reset by link (128 MiB at most,
/// taken only as pages are used).
#[cfg(feature = "sqlite")]
const SQLITE_CACHE: &str = "PRAGMA cache_size = -131072";
/// SQLite: rows per multi-row INSERT (at most six parameters each).
#[cfg(feature = "sqlite")]
const SQLITE_ROWS: usize = SQLITE_MAX_PARAMS / 6;

impl Store {
    /// Gives every user in `scope` a new reset token and queues a mail
    /// carrying its link, revoking their older reset links: all or nothing,
    /// with `audit` (its details get the count) in the same transaction.
    /// `progress` is called after each range; `cancel` set before the
    /// commit rolls back ([`Error::Cancelled`]). Returns the links queued.
    #[allow(clippy::too_many_arguments)]
    pub async fn bulk_reset_links(
        &self,
        scope: &BulkScope,
        confirmed_count: Option<u64>,
        now: DateTime<Utc>,
        make: &MakeLinksFn<'_>,
        audit: &AuditEvent,
        progress: &(dyn Fn(Progress) + Send + Sync),
        cancel: &AtomicBool,
    ) -> Result<u64> {
        let role = scope.role.map(|r| r.as_str());
        let count_sql = format!("SELECT COUNT(*) FROM users WHERE {SCOPE}");
        let users_sql = format!(
            "SELECT users.id, users.email, users.policy_id FROM users \
             WHERE users.id >= $4 AND users.id < $5 AND {SCOPE} ORDER BY users.id"
        );
        // From the (few) open tokens to their users, not the other way round.
        let revoke_sql = format!(
            "UPDATE reset_tokens SET revoked_at = $4 WHERE purpose = 'reset' AND used_at IS NULL \
             AND revoked_at IS NULL AND EXISTS (SELECT 1 FROM users WHERE users.id = reset_tokens.user_id AND {SCOPE})"
        );
        macro_rules! prologue {
            ($tx:ident) => {{
                let (min_id, max_id): (i64, i64) =
                    sqlx::query_as("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM users")
                        .fetch_one(&mut *$tx)
                        .await?;
                let total = match confirmed_count {
                    Some(n) => n,
                    None => {
                        let n: i64 = sqlx::query_scalar(&count_sql)
                            .bind(scope.exclude_user)
                            .bind(role)
                            .bind(scope.resource_id)
                            .fetch_one(&mut *$tx)
                            .await?;
                        n.max(0) as u64
                    }
                };
                progress(Progress { done: 0, total });
                sqlx::query(&revoke_sql)
                    .bind(scope.exclude_user)
                    .bind(role)
                    .bind(scope.resource_id)
                    .bind(now)
                    .execute(&mut *$tx)
                    .await?;
                (min_id, max_id, total)
            }};
        }
        macro_rules! chunk_users {
            ($tx:ident, $start:expr, $end:expr) => {{
                let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(&users_sql)
                    .bind(scope.exclude_user)
                    .bind(role)
                    .bind(scope.resource_id)
                    .bind($start)
                    .bind($end)
                    .fetch_all(&mut *$tx)
                    .await?;
                rows.into_iter()
                    .map(|(id, email, policy_id)| ScopeUser {
                        id,
                        email,
                        policy_id,
                    })
                    .collect::<Vec<_>>()
            }};
        }
        macro_rules! epilogue {
            ($tx:ident, $done:expr) => {{
                if cancel.load(Ordering::Relaxed) {
                    return Err(Error::Cancelled);
                }
                let mut event = audit.clone();
                if let Some(obj) = event.details.as_object_mut() {
                    obj.insert("count".into(), serde_json::json!($done));
                }
                append_audit!($tx, self.audit_key(), &event, now);
                $tx.commit().await?;
            }};
        }
        let mut done = 0u64;
        match &self.pool {
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => {
                let mut tx = p.begin_write().await?;
                let (min_id, max_id, total) = prologue!(tx);
                let sequence: String =
                    sqlx::query_scalar("SELECT pg_get_serial_sequence('reset_tokens', 'id')")
                        .fetch_one(&mut *tx)
                        .await?;
                let ids_sql = format!(
                    "SELECT nextval('{}'::regclass) FROM generate_series(1, $1)",
                    sequence.replace('\'', "''")
                );
                let mut start = min_id;
                while start <= max_id {
                    if cancel.load(Ordering::Relaxed) {
                        return Err(Error::Cancelled);
                    }
                    let end = start.saturating_add(CHUNK_IDS);
                    let users = chunk_users!(tx, start, end);
                    start = end;
                    if users.is_empty() {
                        continue;
                    }
                    let links = make(&users)?;
                    let mut token_ids: Vec<i64> = sqlx::query_scalar(&ids_sql)
                        .bind(links.len() as i64)
                        .fetch_all(&mut *tx)
                        .await?;
                    token_ids.sort_unstable();
                    if token_ids.len() != links.len() {
                        return Err(Error::Internal("token ids short of the links".into()));
                    }
                    let user_ids: Vec<i64> = links.iter().map(|l| l.user_id).collect();
                    sqlx::query(
                        "INSERT INTO reset_tokens (id, user_id, token_hash, created_at, expires_at, purpose) \
                         SELECT t.id, t.user_id, t.token_hash, $5, t.expires_at, 'reset' \
                         FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::timestamptz[]) \
                         AS t(id, user_id, token_hash, expires_at)",
                    )
                    .bind(&token_ids)
                    .bind(&user_ids)
                    .bind(links.iter().map(|l| l.token_hash.as_str()).collect::<Vec<_>>())
                    .bind(links.iter().map(|l| l.expires_at).collect::<Vec<_>>())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO outbox (kind, origin, user_id, token_id, recipient, link, created_at, next_attempt_at) \
                         SELECT 'reset_link', 'bulk_reset', t.user_id, t.token_id, t.recipient, t.link, $5, $5 \
                         FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[]) \
                         AS t(user_id, token_id, recipient, link)",
                    )
                    .bind(&user_ids)
                    .bind(&token_ids)
                    .bind(links.iter().map(|l| l.recipient.as_str()).collect::<Vec<_>>())
                    .bind(links.iter().map(|l| l.link.as_str()).collect::<Vec<_>>())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    done += links.len() as u64;
                    progress(Progress {
                        done,
                        total: total.max(done),
                    });
                }
                epilogue!(tx, done);
            }
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                let mut tx = p.begin_write().await?;
                // The rows go into random places of the token index: with
                // the usual small page cache most of the transaction's
                // pages would be spilled to the log and read back. A
                // larger cache for this transaction, then the usual one.
                let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(SQLITE_CACHE).execute(&mut *tx).await?;
                let written: Result<u64> = async {
                    let (min_id, max_id, total) = prologue!(tx);
                    // This transaction holds the write lock: the next ids are free.
                    let mut next_token: i64 =
                        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM reset_tokens")
                            .fetch_one(&mut *tx)
                            .await?;
                    let mut start = min_id;
                    while start <= max_id {
                        if cancel.load(Ordering::Relaxed) {
                            return Err(Error::Cancelled);
                        }
                        let end = start.saturating_add(CHUNK_IDS);
                        let users = chunk_users!(tx, start, end);
                        start = end;
                        if users.is_empty() {
                            continue;
                        }
                        let links = make(&users)?;
                        for rows in links.chunks(SQLITE_ROWS) {
                            let first = next_token;
                            next_token += rows.len() as i64;
                            let sql = sqlite_values_sql(
                                "INSERT INTO reset_tokens (id, user_id, token_hash, expires_at, created_at, purpose) VALUES ",
                                "(?,?,?,?,?,'reset')",
                                rows.len(),
                            );
                            let mut q = sqlx::query(&sql);
                            for (i, l) in rows.iter().enumerate() {
                                q = q
                                    .bind(first + i as i64)
                                    .bind(l.user_id)
                                    .bind(l.token_hash.as_str())
                                    .bind(l.expires_at)
                                    .bind(now);
                            }
                            q.execute(&mut *tx).await?;
                            let sql = sqlite_values_sql(
                                "INSERT INTO outbox (kind, origin, user_id, token_id, recipient, link, created_at, next_attempt_at) VALUES ",
                                "('reset_link','bulk_reset',?,?,?,?,?,?)",
                                rows.len(),
                            );
                            let mut q = sqlx::query(&sql);
                            for (i, l) in rows.iter().enumerate() {
                                q = q
                                    .bind(l.user_id)
                                    .bind(first + i as i64)
                                    .bind(l.recipient.as_str())
                                    .bind(l.link.as_str())
                                    .bind(now)
                                    .bind(now);
                            }
                            q.execute(&mut *tx).await?;
                        }
                        done += links.len() as u64;
                        progress(Progress {
                            done,
                            total: total.max(done),
                        });
                }
                Ok(done)
                }
                .await;
                sqlx::query(&format!("PRAGMA cache_size = {cache}"))
                    .execute(&mut *tx)
                    .await?;
                done = written?;
                epilogue!(tx, done);
            }
        }
        Ok(done)
    }
}
