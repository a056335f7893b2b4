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
mod connect;
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
mod signin;
mod stall;
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
pub use connect::Connections;
pub(crate) use connect::sqlite_file;
pub use demo::{DemoGrant, DemoResource, DemoUser};
pub use export::{GrantCell, HolderCell, PageKeys};
pub use import::{ImportTx, ImportUserRow};
pub use listing::{Cursor, StatusFilter, StatusGroup, UserQuery, UserSort};
pub use lockouts::{LockCursor, LockoutCounts, LockoutsQuery, Thresholds};
pub use notify::LockoutListener;
pub use revalidation::Revalidated;
pub use signin::AttemptSource;
pub use stall::{Check, StallProbe};
pub use tokens::{NewLink, TokenPurpose};
pub use users::{NewPassword, NewUserRow, UserFields};

use crate::error::Result;
#[cfg(feature = "postgres")]
use sqlx::PgPool;
#[cfg(feature = "sqlite")]
use sqlx::SqlitePool;

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!(
    "keyward needs a database driver: enable the `sqlite` feature, the `postgres` feature, or both"
);

/// An open connection pool to one of the two backends (each compiled in by
/// its cargo feature).
#[derive(Clone, Debug)]
pub enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(SqlitePool),
    #[cfg(feature = "postgres")]
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
            #[cfg(feature = "sqlite")]
            $crate::store::Pool::Sqlite($pool) => $body,
            #[cfg(feature = "postgres")]
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

#[cfg(feature = "sqlite")]
impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

#[cfg(feature = "postgres")]
impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.begin().await
    }
}

#[cfg(feature = "sqlite")]
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("assets/migrations/sqlite");
#[cfg(feature = "postgres")]
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
    /// Applies pending migrations (safe to run from several processes at
    /// once), then on SQLite places any user that has no place in search
    /// order (store/listing/search_order.rs): keyward places every user it writes,
    /// but another program writing the table directly would not. On
    /// PostgreSQL it computes the search blocks when migration 0018 has
    /// just created them (store/listing/search_blocks.rs).
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                SQLITE_MIGRATIONS.run(p).await?;
                listing::search_order::place_unplaced(p).await?;
            }
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => {
                POSTGRES_MIGRATIONS.run(p).await?;
                listing::search_blocks::compute_oversized(p).await?;
            }
        }
        Ok(())
    }

    /// Where the database's schema stands against this keyward's
    /// migrations, read without changing anything (no lock, no write): one
    /// look-up of the migrations table.
    pub async fn schema_state(&self) -> Result<SchemaState> {
        let (known, applied): (Vec<i64>, Option<Vec<i64>>) = match &self.pool {
            #[cfg(feature = "sqlite")]
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
            #[cfg(feature = "postgres")]
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
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
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
    #[cfg(feature = "sqlite")]
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Some(p),
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, for LISTEN; `None` on SQLite.
    #[cfg(feature = "postgres")]
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.pool {
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Some(p),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => None,
        }
    }
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

#[cfg(feature = "postgres")]
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
    use super::connect::sqlite_path;
    use super::*;
    use std::path::PathBuf;

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
