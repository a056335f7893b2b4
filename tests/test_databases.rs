//! The tests' own PostgreSQL databases are dropped when a test ends, also
//! when it fails (a panic unwinds through the guard).

mod common;

use common::pg_database::{PREFIX, PgDatabase, admin_url};
use sqlx::{Connection, PgConnection};

async fn exists(admin: &str, name: &str) -> bool {
    let mut conn = PgConnection::connect(admin).await.expect("connect");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_one(&mut conn)
        .await
        .expect("count");
    n == 1
}

/// Runs `body` in a task that panics after sending the name of the
/// database it made; returns that name once the task has unwound.
async fn panics_after<F, Fut>(body: F) -> String
where
    F: FnOnce(tokio::sync::oneshot::Sender<String>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move { body(tx).await });
    let joined = task.await;
    assert!(joined.is_err_and(|e| e.is_panic()), "the task should panic");
    rx.await.expect("the task sent its database's name")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn a_failing_test_drops_its_database() {
    let Some(admin) = admin_url() else {
        return;
    };
    let url = admin.clone();
    let name = panics_after(move |tx| async move {
        let db = PgDatabase::create(&url, "dropcheck_").await;
        assert!(db.name().starts_with(PREFIX));
        let _ = tx.send(db.name().to_string());
        panic!("a failing test");
    })
    .await;
    assert!(!exists(&admin, &name).await, "{name} was left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn a_failing_behaviour_test_drops_its_database_with_open_connections() {
    let Some(admin) = admin_url() else {
        return;
    };
    let name = panics_after(move |tx| async move {
        let t = common::postgres().await.expect("postgres");
        // The service's pool holds connections to the database.
        t.admin().await;
        let name = t.url.rsplit('/').next().unwrap_or_default().to_string();
        let _ = tx.send(name);
        panic!("a failing behaviour test");
    })
    .await;
    assert!(name.starts_with(PREFIX), "{name}");
    assert!(!exists(&admin, &name).await, "{name} was left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn a_passing_test_drops_its_database() {
    let Some(admin) = admin_url() else {
        return;
    };
    let t = common::postgres().await.expect("postgres");
    let name = t.url.rsplit('/').next().unwrap_or_default().to_string();
    assert!(exists(&admin, &name).await);
    t.cleanup().await;
    assert!(!exists(&admin, &name).await, "{name} was left behind");
}
