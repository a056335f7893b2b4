//! Bulk inserts for `keyward demo` (demo data only: no audit entry per row;
//! one entry for the whole fill, written in the fill's transaction).
//!
//! The whole fill is one transaction, the demo resources and their audit
//! entries included, so an interrupted fill leaves nothing behind. Ids are chosen here (the next free ids on SQLite, which holds the
//! write lock; ids drawn from the users sequence on PostgreSQL) so that the
//! caller can make grants without reading ids back.
//!
//! Keeping the secondary indexes of users and grants up to date row by row
//! costs far more than the rows themselves (random inserts into a dozen
//! B-trees and trigram indexes), so the fill sets them aside, inserts, and
//! recreates them from their own stored definitions in the same transaction,
//! which sorts each one once. On SQLite this is always possible and other
//! connections keep reading the committed state meanwhile. On PostgreSQL it
//! needs the table owner's rights and locks users and grants until the fill
//! commits; when that is refused (or the tables are busy for a few seconds)
//! the fill keeps the indexes and is only slower.

use super::audit::{AuditEvent, append_audit};
#[cfg(feature = "postgres")]
use super::listing::search_blocks;
#[cfg(feature = "sqlite")]
use super::listing::search_order;
use super::{BeginWrite, Pool, Store};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
#[cfg(feature = "postgres")]
use sqlx::{Connection, PgConnection, PgPool};
#[cfg(feature = "sqlite")]
use sqlx::{SqliteConnection, SqlitePool};
use std::time::{Duration, Instant};

/// One demo user.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub login: String,
    pub name: String,
    pub email: String,
    pub kind: &'static str,
    pub role: &'static str,
    pub status: &'static str,
    pub must_change: bool,
    pub failed_attempts: i64,
    pub locked_until: Option<DateTime<Utc>>,
    /// Set when `failed_attempts` is: the Lockouts pane orders by it.
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One demo grant: (user id, resource id, level).
pub type DemoGrant = (i64, i64, &'static str);

/// A resource the demo users are granted, made by the fill unless one of
/// that name exists, with the audit entry of its creation.
#[derive(Debug, Clone)]
pub struct DemoResource {
    pub name: &'static str,
    pub description: &'static str,
    pub audit: AuditEvent,
}

/// Makes one batch: given the ids the batch's users will have and the ids
/// of the demo resources (in the order given), pushes one user per id (in
/// the same order) and their grants.
pub type DemoBatchFn<'a> =
    dyn FnMut(&[i64], &[i64], &mut Vec<DemoUser>, &mut Vec<DemoGrant>) + Send + 'a;

/// The audit entry of a fill, given the users and grants written, and its time.
pub type DemoAuditFn<'a> = dyn Fn(u64, u64) -> (AuditEvent, DateTime<Utc>) + Send + Sync + 'a;

/// Users made and written per batch; progress is reported after each.
const BATCH: usize = 20_000;

/// SQLite binds at most 32766 parameters per statement. They are anonymous
/// (`?`): SQLite finds a named one (`$1`) by a linear scan of all the names,
/// which makes binding a statement with thousands of them quadratic.
#[cfg(feature = "sqlite")]
pub(super) const SQLITE_MAX_PARAMS: usize = 32766;
#[cfg(feature = "sqlite")]
const SQLITE_USER_PARAMS: usize = 14;
#[cfg(feature = "sqlite")]
const SQLITE_USER_ROWS: usize = SQLITE_MAX_PARAMS / SQLITE_USER_PARAMS;
#[cfg(feature = "sqlite")]
const SQLITE_CREDENTIAL_ROWS: usize = SQLITE_MAX_PARAMS / 4;
#[cfg(feature = "sqlite")]
const SQLITE_GRANT_ROWS: usize = SQLITE_MAX_PARAMS / 4;

/// How long the PostgreSQL fill waits for the locks it needs to set indexes
/// aside before it goes on without doing so.
#[cfg(feature = "postgres")]
const PG_LOCK_TIMEOUT: &str = "3s";

/// Time spent in each phase, for the debug log.
#[derive(Debug, Default)]
struct Phases {
    set_aside: Duration,
    make: Duration,
    users: Duration,
    grants: Duration,
    #[cfg(feature = "sqlite")]
    search_order: Duration,
    #[cfg(feature = "postgres")]
    search_blocks: Duration,
    recreate: Duration,
    commit: Duration,
}

impl Store {
    /// Adds `count` demo users and their grants in one transaction, with the
    /// demo resources that do not exist yet and the audit entry
    /// `audit(users, grants)` returns. `make` is called once per batch;
    /// `progress(done)` after each. Returns (users, grants) written.
    #[allow(clippy::too_many_arguments)]
    pub async fn fill_demo(
        &self,
        count: u64,
        hash: &str,
        now: DateTime<Utc>,
        resources: &[DemoResource],
        make: &mut DemoBatchFn<'_>,
        audit: &DemoAuditFn<'_>,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(u64, u64)> {
        let started = Instant::now();
        let mut phases = Phases::default();
        let demo = Demo {
            key: self.audit_key(),
            count,
            hash,
            now,
            resources,
            audit,
            progress,
        };
        let written = match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => fill_sqlite(p, &demo, make, &mut phases).await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => fill_postgres(p, &demo, make, &mut phases).await,
        }?;
        tracing::debug!(users = written.0, grants = written.1, total = ?started.elapsed(), ?phases, "demo fill");
        Ok(written)
    }
}

/// What a fill writes, as the caller gave it.
struct Demo<'a> {
    key: Option<&'a crate::domain::audit::AuditKey>,
    count: u64,
    hash: &'a str,
    now: DateTime<Utc>,
    resources: &'a [DemoResource],
    audit: &'a DemoAuditFn<'a>,
    progress: &'a (dyn Fn(u64) + Send + Sync),
}

/// The ids of the demo resources, made (with their audit entries) in the
/// fill's transaction where none of that name exists. One text for both
/// backends, expanded once per connection type.
macro_rules! demo_resources {
    ($tx:ident, $demo:expr) => {{
        let mut ids = Vec::with_capacity($demo.resources.len());
        for r in $demo.resources {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT id FROM resources WHERE lower(name) = lower($1)")
                    .bind(r.name)
                    .fetch_optional(&mut *$tx)
                    .await?;
            let id = match found {
                Some(id) => id,
                None => {
                    append_audit!($tx, $demo.key, &r.audit, $demo.now);
                    sqlx::query_scalar(
                        "INSERT INTO resources (name, description, created_at) VALUES ($1, $2, $3) RETURNING id",
                    )
                    .bind(r.name)
                    .bind(r.description)
                    .bind($demo.now)
                    .fetch_one(&mut *$tx)
                    .await?
                }
            };
            ids.push(id);
        }
        ids
    }};
}

fn check_batch(ids: &[i64], users: &[DemoUser]) -> Result<()> {
    if ids.len() != users.len() {
        return Err(Error::Internal(format!(
            "a demo batch made {} users for {} ids",
            users.len(),
            ids.len()
        )));
    }
    Ok(())
}

#[cfg(feature = "sqlite")]
async fn fill_sqlite(
    pool: &SqlitePool,
    demo: &Demo<'_>,
    make: &mut DemoBatchFn<'_>,
    phases: &mut Phases,
) -> Result<(u64, u64)> {
    let Demo {
        count,
        hash,
        now,
        audit,
        progress,
        ..
    } = *demo;
    let mut tx = pool.begin_write().await?;
    let resource_ids = demo_resources!(tx, demo);
    // DDL is transactional in SQLite: a failed fill restores the indexes.
    // The fill's users have no search position yet, so the full-text
    // triggers skip them; index_in_search_order adds them at the end.
    let t = Instant::now();
    let indexes = set_aside_sqlite(
        &mut tx,
        "index",
        "tbl_name IN ('users', 'grants') AND sql IS NOT NULL",
    )
    .await?;
    phases.set_aside = t.elapsed();
    // This transaction holds the write lock: the next ids are free.
    let mut next_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM users")
        .fetch_one(&mut *tx)
        .await?;
    let (mut done, mut grants_done) = (0u64, 0u64);
    let mut users = Vec::with_capacity(BATCH);
    let mut grants = Vec::new();
    while done < count {
        let n = (count - done).min(BATCH as u64) as i64;
        let ids: Vec<i64> = (next_id..next_id + n).collect();
        next_id += n;
        users.clear();
        grants.clear();
        let t = Instant::now();
        make(&ids, &resource_ids, &mut users, &mut grants);
        phases.make += t.elapsed();
        check_batch(&ids, &users)?;
        let t = Instant::now();
        for (ids, users) in ids
            .chunks(SQLITE_USER_ROWS)
            .zip(users.chunks(SQLITE_USER_ROWS))
        {
            let sql = sqlite_values_sql(
                "INSERT INTO users (id, login, name, email, kind, role, status, \
                 failed_attempts, locked_until, last_failure_at, last_login_at, created_at, locked_at, \
                 updated_at, version) VALUES ",
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)",
                users.len(),
            );
            let mut q = sqlx::query(&sql);
            for (id, u) in ids.iter().zip(users) {
                // Locked users were locked at the fill's time; the password
                // was set, and the row last changed, when the user was created.
                q = q
                    .bind(*id)
                    .bind(u.login.as_str())
                    .bind(u.name.as_str())
                    .bind(u.email.as_str())
                    .bind(u.kind)
                    .bind(u.role)
                    .bind(u.status)
                    .bind(u.failed_attempts)
                    .bind(u.locked_until)
                    .bind(u.last_failure_at)
                    .bind(u.last_login_at)
                    .bind(u.created_at)
                    .bind(u.locked_until.map(|_| now))
                    .bind(u.created_at);
            }
            q.execute(&mut *tx).await?;
        }
        for (ids, users) in ids
            .chunks(SQLITE_CREDENTIAL_ROWS)
            .zip(users.chunks(SQLITE_CREDENTIAL_ROWS))
        {
            let sql = sqlite_values_sql(
                "INSERT INTO credentials (user_id, password_hash, must_change_password, password_changed_at) VALUES ",
                "(?,?,?,?)",
                users.len(),
            );
            let mut q = sqlx::query(&sql);
            for (id, u) in ids.iter().zip(users) {
                q = q
                    .bind(*id)
                    .bind(hash)
                    .bind(u.must_change)
                    .bind(u.created_at);
            }
            q.execute(&mut *tx).await?;
        }
        phases.users += t.elapsed();
        let t = Instant::now();
        for chunk in grants.chunks(SQLITE_GRANT_ROWS) {
            let sql = sqlite_values_sql(
                "INSERT INTO grants (user_id, resource_id, level, granted_at) VALUES ",
                "(?,?,?,?)",
                chunk.len(),
            );
            let mut q = sqlx::query(&sql);
            for (u, r, l) in chunk {
                q = q.bind(*u).bind(*r).bind(*l).bind(now);
            }
            q.execute(&mut *tx).await?;
        }
        phases.grants += t.elapsed();
        done += n as u64;
        grants_done += grants.len() as u64;
        progress(done);
    }
    let t = Instant::now();
    index_in_search_order(&mut tx).await?;
    phases.search_order = t.elapsed();
    let t = Instant::now();
    for (_, sql) in &indexes {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    phases.recreate = t.elapsed();
    let (event, at) = audit(done, grants_done);
    append_audit!(tx, demo.key, &event, at);
    let t = Instant::now();
    tx.commit().await?;
    // The fill went through the write-ahead log; fold it into the database
    // and shrink the log now rather than when the last connection closes.
    // Best effort: the fill is committed either way.
    if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await
    {
        tracing::warn!(error = %e, "checkpoint after the demo fill failed");
    }
    phases.commit = t.elapsed();
    Ok((done, grants_done))
}

/// Drops the schema objects of `kind` ("index" or "trigger") that `filter`
/// (a condition on sqlite_master) selects, and returns their names and
/// CREATE statements, in creation order, to put them back with.
#[cfg(feature = "sqlite")]
pub(super) async fn set_aside_sqlite(
    conn: &mut SqliteConnection,
    kind: &str,
    filter: &str,
) -> Result<Vec<(String, String)>> {
    let objects: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT name, sql FROM sqlite_master WHERE type = $1 AND {filter} ORDER BY rowid"
    ))
    .bind(kind)
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &objects {
        let drop = format!(
            "DROP {} \"{}\"",
            kind.to_uppercase(),
            name.replace('"', "\"\"")
        );
        sqlx::query(&drop).execute(&mut *conn).await?;
    }
    Ok(objects)
}

/// Numbers every user in login order and indexes them for full-text search
/// in that order (store/listing/search_order.rs), with the windows of
/// two-character search. The fill's users were inserted
/// without positions, so the full-text triggers left them out; renumbering
/// moves every user, which the triggers would re-index one at a time and
/// out of order, so they are set aside meanwhile (in the transaction).
#[cfg(feature = "sqlite")]
pub(super) async fn index_in_search_order(conn: &mut SqliteConnection) -> Result<()> {
    let triggers = set_aside_sqlite(conn, "trigger", "tbl_name = 'users'").await?;
    sqlx::query(search_order::NUMBER_ALL)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO users_fts (users_fts) VALUES ('delete-all')")
        .execute(&mut *conn)
        .await?;
    // In rowid order: FTS5 writes a sorted batch in one pass.
    sqlx::query(
        "INSERT INTO users_fts (rowid, login, name, email) \
         SELECT search_pos, login, name, email FROM users ORDER BY search_pos",
    )
    .execute(&mut *conn)
    .await?;
    // The windows a two-character search looks up (migration 0018): the
    // index's vocabulary, read in one pass, in place of the triggers'
    // windows of each user.
    sqlx::query("INSERT OR IGNORE INTO search_grams (gram) SELECT term FROM users_fts_terms")
        .execute(&mut *conn)
        .await?;
    for (_, sql) in &triggers {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// `head` followed by `rows` copies of `row`, comma-separated.
#[cfg(feature = "sqlite")]
pub(super) fn sqlite_values_sql(head: &str, row: &str, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * (row.len() + 1));
    sql.push_str(head);
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(row);
    }
    sql
}

/// Indexes (CREATE statements) and foreign keys of grants (name,
/// definition) dropped for a PostgreSQL fill, to recreate before commit.
#[cfg(feature = "postgres")]
#[derive(Debug, Default)]
pub(super) struct SetAside {
    indexes: Vec<String>,
    foreign_keys: Vec<(String, String)>,
}

/// Drops the secondary indexes of users and grants (those no constraint
/// needs) and the foreign keys of grants, in a savepoint: if the connecting
/// role does not own the tables, or the tables stay busy for
/// [`PG_LOCK_TIMEOUT`], nothing is set aside.
#[cfg(feature = "postgres")]
pub(super) async fn set_aside_postgres(conn: &mut PgConnection) -> Result<SetAside> {
    let mut savepoint = conn.begin().await?;
    match drop_postgres(&mut savepoint).await {
        Ok(set_aside) => {
            savepoint.commit().await?;
            Ok(set_aside)
        }
        Err(e) => {
            savepoint.rollback().await?;
            tracing::info!(error = %e, "demo fill keeps the indexes up to date row by row");
            Ok(SetAside::default())
        }
    }
}

/// Recreates what [`set_aside_postgres`] dropped, in the same transaction.
#[cfg(feature = "postgres")]
pub(super) async fn put_back_postgres(conn: &mut PgConnection, set_aside: &SetAside) -> Result<()> {
    for sql in &set_aside.indexes {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    for (name, definition) in &set_aside.foreign_keys {
        sqlx::query(&format!(
            "ALTER TABLE grants ADD CONSTRAINT {name} {definition}"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(feature = "postgres")]
async fn drop_postgres(conn: &mut PgConnection) -> sqlx::Result<SetAside> {
    let lock_timeout: String = sqlx::query_scalar("SELECT current_setting('lock_timeout')")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("SELECT set_config('lock_timeout', $1, true)")
        .bind(PG_LOCK_TIMEOUT)
        .execute(&mut *conn)
        .await?;
    sqlx::query("LOCK TABLE users, grants IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *conn)
        .await?;
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i \
         WHERE i.indrelid IN ('users'::regclass, 'grants'::regclass) AND i.indisvalid AND NOT i.indisprimary \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
         ORDER BY i.indexrelid",
    )
    .fetch_all(&mut *conn)
    .await?;
    let foreign_keys: Vec<(String, String)> = sqlx::query_as(
        "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE conrelid = 'grants'::regclass AND contype = 'f' ORDER BY oid",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX {name}"))
            .execute(&mut *conn)
            .await?;
    }
    for (name, _) in &foreign_keys {
        sqlx::query(&format!("ALTER TABLE grants DROP CONSTRAINT {name}"))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("SELECT set_config('lock_timeout', $1, true)")
        .bind(lock_timeout)
        .execute(&mut *conn)
        .await?;
    Ok(SetAside {
        indexes: indexes.into_iter().map(|(_, sql)| sql).collect(),
        foreign_keys,
    })
}

#[cfg(feature = "postgres")]
#[allow(clippy::too_many_arguments)]
async fn fill_postgres(
    pool: &PgPool,
    demo: &Demo<'_>,
    make: &mut DemoBatchFn<'_>,
    phases: &mut Phases,
) -> Result<(u64, u64)> {
    let Demo {
        count,
        hash,
        now,
        audit,
        progress,
        ..
    } = *demo;
    let mut tx = pool.begin_write().await?;
    let resource_ids = demo_resources!(tx, demo);
    let t = Instant::now();
    let set_aside = set_aside_postgres(&mut tx).await?;
    search_blocks::defer_blocks(&mut tx).await?;
    phases.set_aside = t.elapsed();
    // Ids come from the users sequence (looked up once: calling
    // pg_get_serial_sequence per row costs seconds), so later inserts never
    // collide with them.
    let sequence: String = sqlx::query_scalar("SELECT pg_get_serial_sequence('users', 'id')")
        .fetch_one(&mut *tx)
        .await?;
    let ids_sql = format!(
        "SELECT nextval('{}'::regclass) FROM generate_series(1, $1)",
        sequence.replace('\'', "''")
    );
    let (mut done, mut grants_done) = (0u64, 0u64);
    let mut users = Vec::with_capacity(BATCH);
    let mut grants = Vec::new();
    while done < count {
        let n = (count - done).min(BATCH as u64) as i64;
        let t = Instant::now();
        let mut ids: Vec<i64> = sqlx::query_scalar(&ids_sql)
            .bind(n)
            .fetch_all(&mut *tx)
            .await?;
        ids.sort_unstable();
        users.clear();
        grants.clear();
        make(&ids, &resource_ids, &mut users, &mut grants);
        phases.make += t.elapsed();
        check_batch(&ids, &users)?;
        // One statement per batch: each column is one array parameter.
        let t = Instant::now();
        let column = |f: fn(&DemoUser) -> &str| users.iter().map(f).collect::<Vec<&str>>();
        sqlx::query(
            "INSERT INTO users (id, login, name, email, kind, role, status, failed_attempts, \
             locked_until, last_login_at, created_at, last_failure_at, locked_at, updated_at, version) \
             SELECT t.*, CASE WHEN t.locked_until IS NULL THEN NULL ELSE $12 END, t.created_at, 1 \
             FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
             $8::int8[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $13::timestamptz[]) \
             AS t(id, login, name, email, kind, role, status, failed, locked_until, last_login_at, created_at, \
             last_failure_at)",
        )
        .bind(&ids)
        .bind(column(|u| &u.login))
        .bind(column(|u| &u.name))
        .bind(column(|u| &u.email))
        .bind(column(|u| u.kind))
        .bind(column(|u| u.role))
        .bind(column(|u| u.status))
        .bind(users.iter().map(|u| u.failed_attempts).collect::<Vec<_>>())
        .bind(users.iter().map(|u| u.locked_until).collect::<Vec<_>>())
        .bind(users.iter().map(|u| u.last_login_at).collect::<Vec<_>>())
        .bind(users.iter().map(|u| u.created_at).collect::<Vec<_>>())
        .bind(now)
        .bind(users.iter().map(|u| u.last_failure_at).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO credentials (user_id, password_hash, must_change_password, password_changed_at) \
             SELECT t.id, $4, t.must_change, t.created_at \
             FROM UNNEST($1::int8[], $2::bool[], $3::timestamptz[]) AS t(id, must_change, created_at)",
        )
        .bind(&ids)
        .bind(users.iter().map(|u| u.must_change).collect::<Vec<_>>())
        .bind(users.iter().map(|u| u.created_at).collect::<Vec<_>>())
        .bind(hash)
        .execute(&mut *tx)
        .await?;
        phases.users += t.elapsed();
        let t = Instant::now();
        sqlx::query(
            "INSERT INTO grants (user_id, resource_id, level, granted_at) \
             SELECT t.*, $4 FROM UNNEST($1::int8[], $2::int8[], $3::text[]) AS t",
        )
        .bind(grants.iter().map(|g| g.0).collect::<Vec<_>>())
        .bind(grants.iter().map(|g| g.1).collect::<Vec<_>>())
        .bind(grants.iter().map(|g| g.2).collect::<Vec<_>>())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        phases.grants += t.elapsed();
        done += n as u64;
        grants_done += grants.len() as u64;
        progress(done);
    }
    let t = Instant::now();
    put_back_postgres(&mut tx, &set_aside).await?;
    phases.recreate = t.elapsed();
    let t = Instant::now();
    search_blocks::refresh_blocks(&mut tx, None).await?;
    phases.search_blocks = t.elapsed();
    let (event, at) = audit(done, grants_done);
    append_audit!(tx, demo.key, &event, at);
    let t = Instant::now();
    tx.commit().await?;
    // Fresh statistics, so that the first listings after a fill already use
    // the indexes (autovacuum may take a minute, or be off), and the new
    // pages marked all-visible, so that index-only scans (the search walk,
    // store/listing/mod.rs) need not visit the table. Best effort: a role that
    // does not own the tables is only warned.
    if let Err(e) = sqlx::query("VACUUM (ANALYZE) users, credentials, grants")
        .execute(pool)
        .await
    {
        tracing::warn!(error = %e, "vacuum and analyze after the demo fill failed");
    }
    phases.commit = t.elapsed();
    Ok((done, grants_done))
}
