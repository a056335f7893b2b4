//! The only place with SQL. Nothing else in keyward touches a pool.
//!
//! keyward runs on SQLite (embedded default) and PostgreSQL (shared
//! deployments). Most statements are the same text on both, written once with
//! `$1` placeholders (both sqlx drivers accept them) and run on whichever pool
//! is open through [`with_pool!`], which expands the body once per backend so
//! each is compiled against its own driver. Where the dialects differ
//! (substring search, notifications) the backends have their own query,
//! chosen by an explicit `match` on [`Pool`]. Each backend has its own
//! migrations folder under assets/migrations.
//!
//! The store knows SQL and nothing about rights or policy decisions: the
//! service decides, the store writes, and every change is written in the same
//! transaction as its audit entry.

mod api_keys;
pub(crate) mod audit;
mod bulk;
mod bulk_links;
mod calibration;
mod demo;
mod export;
mod holders;
mod import;
mod listing;
mod lockouts;
mod notify;
mod outbox;
mod pg_plan;
mod policies;
mod purge;
mod rate_limits;
mod resources;
mod revalidation;
pub mod rows;
mod search_order;
mod search_paths;
mod signin;
mod stmt;
mod tokens;
mod users;

pub use outbox::{Notice, Reissued};
pub use purge::{CandidateRow, PurgeScope};

pub use api_keys::NewApiKey;
pub use audit::AuditEvent;
pub use bulk::{BulkScope, Progress};
pub use bulk_links::{BULK_RESET_ORIGIN, LinkRow, MakeLinksFn, ScopeUser};
pub use calibration::Calibration;
pub use demo::{DemoGrant, DemoResource, DemoUser};
pub use export::{GrantCell, HolderCell};
pub use import::{ImportTx, ImportUserRow};
pub use listing::{Cursor, StatusFilter, UserQuery, UserSort, cursor_after};
pub use lockouts::{LockCursor, LockoutCounts, LockoutsQuery, Thresholds};
pub use notify::LockoutListener;
pub use revalidation::Revalidated;
pub use signin::AttemptSource;
pub use tokens::{NewLink, TokenPurpose};
pub use users::{NewPassword, NewUserRow, UserFields};

use crate::error::{Error, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// An open connection pool to one of the two backends.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which backend a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The data store: a pool and a description of where it points.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
    location: String,
    /// The audit chain's key (domain/audit.rs), never stored in the database.
    audit_key: Option<std::sync::Arc<crate::domain::audit::AuditKey>>,
}

/// Runs `$body` with `$pool` bound to the open backend's pool. The body is
/// compiled once per backend.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Starts a transaction that will write. On SQLite it takes the write lock
/// at once (BEGIN IMMEDIATE), so a transaction never fails half-way for
/// want of upgrading a read lock; busy_timeout makes other writers wait.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, Self::Db>>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.begin().await
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("assets/migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("assets/migrations/postgres");

/// The versions of a migrator's (up) migrations.
fn versions(migrator: &sqlx::migrate::Migrator) -> Vec<i64> {
    migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .collect()
}

/// Where a database's schema stands against this keyward's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// No migration applied: a new database, set up on first use.
    Empty,
    /// Every migration this keyward knows is applied, and no other.
    Current,
    /// Migrations this keyward knows that are not applied (or failed half
    /// way): `keyward migrate` applies them.
    Behind { pending: Vec<i64> },
    /// Migrations applied that this keyward does not know: a newer keyward
    /// migrated the database.
    Ahead { unknown: Vec<i64> },
}

impl SchemaState {
    /// The state of a database with `applied` migrations, for a keyward
    /// that knows `known`.
    pub fn compare(known: &[i64], applied: &[i64]) -> SchemaState {
        if applied.is_empty() {
            return SchemaState::Empty;
        }
        let unknown: Vec<i64> = applied
            .iter()
            .filter(|v| !known.contains(v))
            .copied()
            .collect();
        if !unknown.is_empty() {
            return SchemaState::Ahead { unknown };
        }
        let pending: Vec<i64> = known
            .iter()
            .filter(|v| !applied.contains(v))
            .copied()
            .collect();
        if pending.is_empty() {
            SchemaState::Current
        } else {
            SchemaState::Behind { pending }
        }
    }
}

impl Store {
    /// Opens a database by URL: `postgres://...`/`postgresql://...`, or
    /// `sqlite://PATH` / a bare file path for SQLite (created if missing).
    /// Does not migrate; call [`Store::migrate`].
    pub async fn open(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)
                .map_err(|e| {
                    Error::Invalid(format!(
                        "the PostgreSQL URL is not valid: {}",
                        redact_error(&e.to_string())
                    ))
                })?
                .application_name("keyward");
            let location = format!(
                "postgres {}:{}/{}",
                opts.get_host(),
                opts.get_port(),
                opts.get_database().unwrap_or("postgres")
            );
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .min_connections(0)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await
                .map_err(|e| {
                    Error::Unavailable(format!("{location}: {}", redact_error(&e.to_string())))
                })?;
            Ok(Store {
                pool: Pool::Postgres(pool),
                location,
                audit_key: None,
            })
        } else {
            let path = sqlite_path(url)?;
            Self::open_sqlite(&path).await
        }
    }

    /// Opens (creating if needed) a SQLite database file.
    /// The directory it creates is 0700 and the file 0600 (files.rs); SQLite
    /// gives the -wal and -shm files the database file's mode.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::create_private_dir(dir).map_err(|e| {
                Error::Invalid(format!(
                    "cannot create the data directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        crate::files::create_private_file(path)
            .map_err(|e| Error::Unavailable(format!("cannot create {}: {e}", path.display())))?;
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 4 MiB of page cache per connection, 4 connections: the
            // operating system caches the file too, and a console browsing
            // a million users must stay small (BENCHMARKS.md, memory).
            .pragma("cache_size", "-4000")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(|e| Error::Unavailable(format!("{}: {e}", path.display())))?;
        Ok(Store {
            pool: Pool::Sqlite(pool),
            location: format!("sqlite {}", path.display()),
            audit_key: None,
        })
    }

    /// Applies pending migrations (safe to run from several processes at
    /// once), then on SQLite places any user that has no place in search
    /// order (store/search_order.rs): keyward places every user it writes,
    /// but another program writing the table directly would not.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                SQLITE_MIGRATIONS.run(p).await?;
                search_order::place_unplaced(p).await?;
            }
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Where the database's schema stands against this keyward's
    /// migrations, read without changing anything (no lock, no write): one
    /// look-up of the migrations table.
    pub async fn schema_state(&self) -> Result<SchemaState> {
        let (known, applied): (Vec<i64>, Option<Vec<i64>>) = match &self.pool {
            Pool::Sqlite(p) => {
                let exists: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' \
                     AND name = '_sqlx_migrations')",
                )
                .fetch_one(p)
                .await?;
                let applied = if exists {
                    Some(
                        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                            .fetch_all(p)
                            .await?,
                    )
                } else {
                    None
                };
                (versions(&SQLITE_MIGRATIONS), applied)
            }
            Pool::Postgres(p) => {
                let exists: bool =
                    sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                        .fetch_one(p)
                        .await?;
                let applied = if exists {
                    Some(
                        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                            .fetch_all(p)
                            .await?,
                    )
                } else {
                    None
                };
                (versions(&POSTGRES_MIGRATIONS), applied)
            }
        };
        Ok(SchemaState::compare(
            &known,
            applied.as_deref().unwrap_or_default(),
        ))
    }

    /// The same store, writing audit entries with `key` (the service sets
    /// it from its config).
    pub fn with_audit_key(
        mut self,
        key: Option<std::sync::Arc<crate::domain::audit::AuditKey>>,
    ) -> Store {
        self.audit_key = key;
        self
    }

    pub(crate) fn audit_key(&self) -> Option<&crate::domain::audit::AuditKey> {
        self.audit_key.as_deref()
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Where the store points, for status lines: a file path, or host:port/db
    /// (never a password).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// A cheap round trip, for health checks and reconnect probes.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }

    /// The SQLite pool, for benchmarks that compare with bare statements;
    /// `None` on PostgreSQL.
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite(p) => Some(p),
            Pool::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, for LISTEN; `None` on SQLite.
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.pool {
            Pool::Postgres(p) => Some(p),
            Pool::Sqlite(_) => None,
        }
    }
}

/// The SQLite file a database URL names; `None` for PostgreSQL (or a URL
/// that names no file).
pub(crate) fn sqlite_file(url: &str) -> Option<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    sqlite_path(url).ok()
}

fn sqlite_path(url: &str) -> Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let rest = rest.split('?').next().unwrap_or(rest);
    if rest.is_empty() {
        return Err(Error::Invalid(
            "the database URL names no file; use sqlite:///path/to/keyward.db or postgres://host/db".into(),
        ));
    }
    if url.contains("://") && !url.starts_with("sqlite://") {
        return Err(Error::Invalid(format!(
            "unsupported database URL scheme in {:?}; use postgres://... or sqlite://...",
            redact_url(url)
        )));
    }
    Ok(PathBuf::from(rest))
}

/// Hides the password of a URL such as postgres://user:secret@host/db.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Driver errors may quote the URL; make sure no password survives.
fn redact_error(msg: &str) -> String {
    msg.split_whitespace()
        .map(|w| {
            if w.contains("://") {
                redact_url(w)
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://kw:s3cret@db:5432/kw"),
            "postgres://kw:***@db:5432/kw"
        );
        assert_eq!(redact_url("postgres://db/kw"), "postgres://db/kw");
    }

    #[test]
    fn a_schema_is_empty_current_behind_or_ahead() {
        let known = [1, 2, 3];
        assert_eq!(SchemaState::compare(&known, &[]), SchemaState::Empty);
        assert_eq!(
            SchemaState::compare(&known, &[3, 1, 2]),
            SchemaState::Current
        );
        assert_eq!(
            SchemaState::compare(&known, &[1]),
            SchemaState::Behind {
                pending: vec![2, 3]
            }
        );
        assert_eq!(
            SchemaState::compare(&known, &[1, 2, 3, 4]),
            SchemaState::Ahead { unknown: vec![4] }
        );
        // Both backends' migrations are numbered and known.
        assert!(versions(&SQLITE_MIGRATIONS).len() >= 12);
        assert!(versions(&POSTGRES_MIGRATIONS).len() >= 12);
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db").unwrap(),
            PathBuf::from("/tmp/a.db")
        );
        assert_eq!(
            sqlite_path("/tmp/b.db").unwrap(),
            PathBuf::from("/tmp/b.db")
        );
        assert!(sqlite_path("mysql://x/y").is_err());
    }
}
