//! Test harness: every behaviour test runs on SQLite (always) and on
//! PostgreSQL (when KEYWARD_TEST_DATABASE_URL is set), each in its own fresh
//! database so tests run in parallel.
//!
//! `both_backends!(name, |t| async move { ... })` makes `name::sqlite` and
//! `name::postgres`. The PostgreSQL half is built ignored when
//! KEYWARD_TEST_DATABASE_URL is not set (build.rs), so `cargo test` reports
//! it as ignored rather than passed; with KEYWARD_REQUIRE_POSTGRES=1 (set by
//! .ci/run) a missing PostgreSQL fails the test instead.
#![allow(dead_code)]

pub mod cli;
pub mod pg_database;
pub mod proxy;
pub mod pty;

use chrono::{TimeZone, Utc};
use keyward::domain::{Kind, Password, Role};
use keyward::service::{Actor, Clock, NewUser, Service, ServiceConfig};
use keyward::store::Store;

pub struct TestDb {
    pub service: Service,
    pub clock: Clock,
    /// A URL other connections (a second process) can open.
    pub url: String,
    /// Dropped with the test (even a failed one): see pg_database.rs.
    pg: Option<pg_database::PgDatabase>,
    _dir: Option<tempfile::TempDir>,
}

pub const ADMIN: &str = "root.admin";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

pub fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
        .single()
        .expect("valid time")
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("keyward.db");
    let clock = Clock::manual(start_time());
    let store = Store::open_sqlite(&path).await.expect("open sqlite");
    let service = Service::new(store, ServiceConfig::default(), clock.clone())
        .await
        .expect("service");
    TestDb {
        service,
        clock,
        url: format!("sqlite://{}", path.display()),
        pg: None,
        _dir: Some(dir),
    }
}

/// `None` when PostgreSQL is not configured (and not required).
pub async fn postgres() -> Option<TestDb> {
    let admin_url = pg_database::admin_url()?;
    let db = pg_database::PgDatabase::create(&admin_url, "").await;
    let url = db.url();
    let clock = Clock::manual(start_time());
    let store = Store::open(&url).await.expect("open test database");
    let service = Service::new(store, ServiceConfig::default(), clock.clone())
        .await
        .expect("service");
    Some(TestDb {
        service,
        clock,
        url,
        pg: Some(db),
        _dir: None,
    })
}

impl TestDb {
    pub fn backend(&self) -> &'static str {
        self.service.store().backend().as_str()
    }

    /// Closes the pool and drops the PostgreSQL test database.
    pub async fn cleanup(self) {
        let TestDb { service, pg, .. } = self;
        service.store().close().await;
        if let Some(db) = pg {
            db.drop_now().await;
        }
    }

    /// Creates the first global admin and returns them signed in.
    pub async fn admin(&self) -> Actor {
        self.service
            .create_first_admin(
                ADMIN,
                "Root Admin",
                "root@example.org",
                &Password::from(ADMIN_PASSWORD),
            )
            .await
            .expect("first admin")
    }

    /// Adds a user with a password (must_change off).
    pub async fn add_user(
        &self,
        actor: &Actor,
        login: &str,
        kind: Kind,
        role: Role,
        password: &str,
    ) {
        let new = NewUser {
            login: login.into(),
            name: format!("{login} Person"),
            email: format!("{login}@example.org"),
            kind,
            role,
            policy: None,
            must_change: false,
        };
        self.service
            .create_user(actor, &new, Some(&Password::from(password)))
            .await
            .expect("add user");
    }

    /// Signs a console-capable user in and returns the actor.
    pub async fn sign_in(&self, login: &str, password: &str) -> Actor {
        self.service
            .login(login, &Password::from(password), "test", false)
            .await
            .expect("login")
            .actor
            .expect("signed in")
    }
}

/// Runs a test body against SQLite and PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$t:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $t = $crate::common::sqlite().await;
                $body;
                $t.cleanup().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(keyward_postgres_tests),
                ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
            )]
            async fn postgres() {
                let Some($t) = $crate::common::postgres().await else {
                    return;
                };
                $body;
                $t.cleanup().await;
            }
        }
    };
}

/// Small helpers shared by the behaviour tests.
impl TestDb {
    /// Signs in through `authenticate` and returns the outcome.
    pub async fn auth(&self, login: &str, password: &str) -> keyward::domain::AuthOutcome {
        self.service
            .authenticate(login, &Password::from(password), "test")
            .await
            .expect("authenticate")
    }

    /// The stored row of a user (the store, bypassing rights).
    pub async fn row(&self, login: &str) -> keyward::store::rows::UserRow {
        self.service
            .store()
            .user_by_login(&login.to_ascii_lowercase())
            .await
            .expect("user_by_login")
            .unwrap_or_else(|| panic!("no user {login}"))
    }

    /// Every audit entry, newest first.
    pub async fn audit_all(&self, actor: &Actor) -> Vec<keyward::service::views::AuditView> {
        self.service
            .audit(actor, None, None, 10_000)
            .await
            .expect("audit")
    }

    /// Runs one statement on a separate raw connection to the test database
    /// (as another program with direct database access would).
    pub async fn raw_exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        if self.url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(&self.url).await?;
            let r = sqlx::query(sql).execute(&pool).await;
            pool.close().await;
            r.map(|r| r.rows_affected())
        } else {
            let pool = sqlx::SqlitePool::connect(&self.url).await?;
            let r = sqlx::query(sql).execute(&pool).await;
            pool.close().await;
            r.map(|r| r.rows_affected())
        }
    }

    /// Creates a user with `role` and `kind` and a password, then signs them
    /// in (console-capable roles only).
    pub async fn add_and_sign_in(
        &self,
        actor: &Actor,
        login: &str,
        role: Role,
        password: &str,
    ) -> Actor {
        self.add_user(actor, login, Kind::Staff, role, password)
            .await;
        self.sign_in(login, password).await
    }
}
