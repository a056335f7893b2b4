//! Opening a store from a database URL: `postgres://…` names PostgreSQL,
//! anything else a SQLite file. keyward's own processes [`Store::open`],
//! which creates a missing SQLite file (the first command on a fresh data
//! directory works); a program that links keyward [`Store::connect`]s, which
//! creates nothing and leaves a missing database to `keyward init`. Each
//! driver is compiled in by its cargo feature (`sqlite`, `postgres`); a URL
//! for a driver left out is refused with a line that says so.

use super::{Pool, Store};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// How many connections a process keeps to the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connections {
    /// The console, `keyward serve`, `keyward migrate` and linking programs:
    /// as many as their concurrent work uses (4 on SQLite, 16 on PostgreSQL).
    Serving,
    /// A one-shot command: two, so that the reads it makes at once (rights
    /// and policies, say) still run side by side, and no more. Each new
    /// connection costs a SQLite process the schema's parse and a
    /// PostgreSQL one a start-up round trip and authentication; and a
    /// connection just used goes back to the pool a moment after its
    /// statement, so a run of statements would otherwise open one each.
    OneShot,
}

impl Connections {
    fn max(self, default: u32) -> u32 {
        match self {
            Connections::Serving => default,
            Connections::OneShot => 2,
        }
    }
}

/// What opening does when the SQLite file a URL names is not there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Missing {
    /// Create it (0600, in a 0700 directory).
    Create,
    /// Refuse, naming `keyward init`.
    Refuse,
}

impl Store {
    /// Opens a database by URL: `postgres://...`/`postgresql://...`, or
    /// `sqlite://PATH` / a bare file path for SQLite (created if missing).
    /// Does not migrate; call [`Store::migrate`].
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_url(url, Missing::Create, Connections::Serving).await
    }

    /// As [`Store::open`], keeping at most `connections` open.
    pub async fn open_for(url: &str, connections: Connections) -> Result<Store> {
        Store::open_url(url, Missing::Create, connections).await
    }

    /// Opens a database by URL without creating anything: a SQLite file
    /// that is not there is an error naming `keyward init`. For programs
    /// that link keyward (`Service::connect`).
    pub async fn connect(url: &str) -> Result<Store> {
        Store::open_url(url, Missing::Refuse, Connections::Serving).await
    }

    async fn open_url(url: &str, missing: Missing, connections: Connections) -> Result<Store> {
        if is_postgres_url(url) {
            return open_postgres(url, connections).await;
        }
        let path = sqlite_path(url)?;
        open_sqlite_file(&path, missing, connections).await
    }

    /// Opens (creating if needed) a SQLite database file.
    /// The directory it creates is 0700 and the file 0600 (files.rs); SQLite
    /// gives the -wal and -shm files the database file's mode.
    #[cfg(feature = "sqlite")]
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        open_sqlite_file(path, Missing::Create, Connections::Serving).await
    }
}

pub(super) fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// How long a PostgreSQL connection may sit in the pool and still be used
/// without a ping first: one used this recently was answered by the server
/// when it was handed back.
#[cfg(feature = "postgres")]
const PING_IF_IDLE_FOR: std::time::Duration = std::time::Duration::from_secs(1);

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str, connections: Connections) -> Result<Store> {
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use std::str::FromStr;
    use std::time::Duration;

    let opts = PgConnectOptions::from_str(url)
        .map_err(|e| {
            Error::Invalid(format!(
                "the PostgreSQL URL is not valid: {}",
                super::redact_error(&e.to_string())
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
        .max_connections(connections.max(16))
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings a connection when it goes back to the pool (one that
        // fails is dropped) and, by default, again when it is taken out: a
        // second round trip per statement, and a sign-in makes five. Only a
        // connection idle for a while may have been cut meanwhile, so only
        // such a one is pinged before use (sqlx's documented pattern).
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IF_IDLE_FOR {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(opts)
        .await
        .map_err(|e| {
            Error::Unavailable(format!(
                "{location}: {}",
                super::redact_error(&e.to_string())
            ))
        })?;
    Ok(Store {
        pool: Pool::Postgres(pool),
        location,
        audit_key: None,
    })
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(url: &str, _connections: Connections) -> Result<Store> {
    Err(Error::Invalid(format!(
        "{} names PostgreSQL, but this build of keyward has no PostgreSQL driver; \
         build it with the `postgres` feature",
        super::redact_url(url)
    )))
}

#[cfg(feature = "sqlite")]
async fn open_sqlite_file(
    path: &Path,
    missing: Missing,
    connections: Connections,
) -> Result<Store> {
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    use std::time::Duration;

    match missing {
        Missing::Create => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::files::create_private_dir(dir).map_err(|e| {
                    Error::Invalid(format!(
                        "cannot create the data directory {}: {e}",
                        dir.display()
                    ))
                })?;
            }
            crate::files::create_private_file(path).map_err(|e| {
                Error::Unavailable(format!("cannot create {}: {e}", path.display()))
            })?;
        }
        Missing::Refuse if !path.is_file() => {
            return Err(Error::Schema(format!(
                "there is no keyward database at {}; set it up with `keyward init` \
                 (or `keyward migrate`), or give the URL of an existing one",
                path.display()
            )));
        }
        Missing::Refuse => {}
    }
    let mut opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(missing == Missing::Create);
    // WAL is a property of the file: keyward sets it when it creates the
    // database, and connecting leaves the file as it finds it (setting it
    // would write to a file that is not a keyward database).
    if missing == Missing::Create {
        opts = opts.journal_mode(SqliteJournalMode::Wal);
    }
    let opts = opts
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // 4 MiB of page cache per connection, 4 connections: the
        // operating system caches the file too, and a console browsing
        // a million users must stay small (BENCHMARKS.md, memory).
        .pragma("cache_size", "-4000")
        .pragma("temp_store", "memory");
    let pool = SqlitePoolOptions::new()
        .max_connections(connections.max(4))
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await
        .map_err(|e| match Error::from(e) {
            // SQLITE_NOTADB: there is a file, but no database in it.
            Error::Invalid(_) => Error::Invalid(format!(
                "{} is not a SQLite database; point the database URL at keyward's",
                path.display()
            )),
            Error::Unavailable(why) | Error::Database(why) => {
                Error::Unavailable(format!("{}: {why}", path.display()))
            }
            other => other,
        })?;
    Ok(Store {
        pool: Pool::Sqlite(pool),
        location: format!("sqlite {}", path.display()),
        audit_key: None,
    })
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite_file(
    path: &Path,
    _missing: Missing,
    _connections: Connections,
) -> Result<Store> {
    Err(Error::Invalid(format!(
        "{} names a SQLite file, but this build of keyward has no SQLite driver; \
         build it with the `sqlite` feature, or use a postgres:// URL",
        path.display()
    )))
}

/// The SQLite file a database URL names; `None` for PostgreSQL (or a URL
/// that names no file).
pub(crate) fn sqlite_file(url: &str) -> Option<PathBuf> {
    if is_postgres_url(url) {
        return None;
    }
    sqlite_path(url).ok()
}

pub(super) fn sqlite_path(url: &str) -> Result<PathBuf> {
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
            super::redact_url(url)
        )));
    }
    Ok(PathBuf::from(rest))
}
