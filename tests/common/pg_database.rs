//! A PostgreSQL database of its own for one test, dropped when its guard is:
//! at the end of the test, and also when the test fails, because a panic
//! drops the guard as it unwinds. `.ci/run` still sweeps `keyward_t_*`
//! databases as a backstop (a killed test process runs no destructor).
#![allow(dead_code)]

use sqlx::{Connection, PgConnection};

/// The prefix of every test database's name (what `.ci/run` sweeps).
pub const PREFIX: &str = "keyward_t_";

/// A created test database; dropping this drops the database.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    /// Cleared once the database has been dropped by [`PgDatabase::drop_now`].
    armed: bool,
}

impl PgDatabase {
    /// Creates `keyward_t_<tag><random>` on the server of `admin_url`.
    pub async fn create(admin_url: &str, tag: &str) -> PgDatabase {
        let name = format!("{PREFIX}{tag}{}", hex::encode(rand::random::<[u8; 6]>()));
        let mut admin = PgConnection::connect(admin_url)
            .await
            .expect("connect to KEYWARD_TEST_DATABASE_URL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let _ = admin.close().await;
        PgDatabase {
            admin_url: admin_url.to_string(),
            name,
            armed: true,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of the test database (the admin URL with its name).
    pub fn url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }

    /// Drops the database now (connections to it are ended).
    pub async fn drop_now(mut self) {
        self.armed = false;
        drop_database(&self.admin_url, &self.name).await;
    }
}

impl Drop for PgDatabase {
    /// The test is over (it returned without `drop_now`, or it panicked):
    /// drop the database on a thread of its own, with its own runtime, as
    /// the test's runtime may be the one unwinding. Never panics.
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        let dropper = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(drop_database(&url, &name));
            }
        });
        let _ = dropper.join();
    }
}

/// `DROP DATABASE ... WITH (FORCE)`, ending the test's own connections;
/// failures are reported on stderr, never raised.
async fn drop_database(admin_url: &str, name: &str) {
    let result = async {
        let mut admin = PgConnection::connect(admin_url).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
        admin.close().await
    }
    .await;
    if let Err(e) = result {
        eprintln!("could not drop the test database {name}: {e}");
    }
}

/// The same server URL with another database name.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], db);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The server to test against, or `None` when the PostgreSQL tests were
/// not asked for. With KEYWARD_REQUIRE_POSTGRES (set by `.ci/run`), or when
/// a test built to be ignored is run anyway (`--include-ignored`), a missing
/// URL fails the test rather than letting it pass having done nothing.
pub fn admin_url() -> Option<String> {
    match std::env::var("KEYWARD_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("KEYWARD_REQUIRE_POSTGRES").is_err(),
                "KEYWARD_REQUIRE_POSTGRES is set but KEYWARD_TEST_DATABASE_URL is not"
            );
            if cfg!(keyward_postgres_tests) {
                None
            } else {
                panic!("this PostgreSQL test was run without KEYWARD_TEST_DATABASE_URL")
            }
        }
    }
}
