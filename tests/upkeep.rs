//! Migration and pruning stay off the command line's read paths: only
//! `keyward migrate` and the long-running processes (console, `keyward
//! serve`) migrate the database and prune old sign-in attempts. A one-shot
//! command on a schema behind its keyward says so and names `keyward
//! migrate`; on a new, empty database it still sets it up (first use).

mod common;

use common::TestDb;
use common::cli::Cli;
use keyward::Error;
use keyward::domain::audit::AuditKey;
use keyward::domain::{AuthOutcome, Kind, Password, Role};
use keyward::service::{Clock, Service, ServiceConfig, Upkeep};
use keyward::store::{SchemaState, Store};
use std::sync::Arc;
use std::time::Duration;

/// One number from the test database, read on a connection of its own.
async fn scalar(t: &TestDb, sql: &str) -> i64 {
    if t.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    } else {
        let pool = sqlx::SqlitePool::connect(&t.url).await.unwrap();
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    }
}

const LATEST: &str = "(SELECT MAX(version) FROM _sqlx_migrations)";

both_backends!(a_command_on_a_schema_behind_says_to_run_migrate, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    assert_eq!(
        t.service.store().schema_state().await.unwrap(),
        SchemaState::Current
    );
    // As if the database were last migrated by an older keyward: its
    // newest migration is not applied (sqlx records a failed one so).
    let latest = scalar(&t, &format!("SELECT {LATEST}")).await;
    t.raw_exec(&format!(
        "UPDATE _sqlx_migrations SET success = false WHERE version = {LATEST}"
    ))
    .await
    .unwrap();
    assert_eq!(
        t.service.store().schema_state().await.unwrap(),
        SchemaState::Behind {
            pending: vec![latest]
        }
    );
    for args in [
        &["user", "list", "--search", "root"][..],
        &["lockouts"],
        &["user", "show", "root1"],
    ] {
        let err = cli.fails(args, b"", 17);
        assert!(
            err.contains("behind this keyward")
                && err.contains(&format!("{latest:04}"))
                && err.contains("run `keyward migrate`"),
            "{args:?}: {err}"
        );
    }
    // Nothing was migrated on the way.
    assert_eq!(
        scalar(
            &t,
            &format!(
                "SELECT COUNT(*) FROM _sqlx_migrations WHERE version = {latest} AND success = false"
            )
        )
        .await,
        1
    );
    // Brought up to date (here: marked applied again), the same commands run.
    t.raw_exec(&format!(
        "UPDATE _sqlx_migrations SET success = true WHERE version = {latest}"
    ))
    .await
    .unwrap();
    let out = cli.ok(&["user", "list", "--search", "root"], "");
    assert!(out.contains("root1"), "{out}");

    // A database migrated by a newer keyward is refused too, saying so.
    let checksum = if t.backend() == "postgres" {
        "decode('00', 'hex')"
    } else {
        "x'00'"
    };
    t.raw_exec(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990001, 'from the future', true, {checksum}, 0)"
    ))
    .await
    .unwrap();
    let err = cli.fails(&["user", "list"], b"", 17);
    assert!(
        err.contains("newer keyward") && err.contains("99990001"),
        "{err}"
    );
});

both_backends!(
    only_migrate_and_long_running_processes_prune_attempts,
    |t| {
        let cli = Cli::new(&t);
        cli.init_and_login();
        t.raw_exec(
            "INSERT INTO attempts (at, login, outcome, source) \
         VALUES ('2001-01-01T00:00:00+00:00', 'ghost', 'bad_credentials', 'test')",
        )
        .await
        .unwrap();
        let old = "SELECT COUNT(*) FROM attempts WHERE login = 'ghost'";
        // Read commands leave it (they used to delete on every start).
        cli.ok(&["user", "list"], "");
        cli.ok(&["lockouts"], "");
        assert_eq!(scalar(&t, old).await, 1);
        // `keyward migrate` prunes.
        let out = cli.ok(&["migrate"], "");
        assert!(out.contains("migrated"), "{out}");
        assert_eq!(scalar(&t, old).await, 0);

        // A long-running process prunes now and then, not only at start.
        t.raw_exec(
            "INSERT INTO attempts (at, login, outcome, source) \
         VALUES ('2001-01-01T00:00:00+00:00', 'ghost', 'bad_credentials', 'test')",
        )
        .await
        .unwrap();
        let pruning = t.service.keep_pruning(Duration::from_millis(50));
        let mut left = 1;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            left = scalar(&t, old).await;
            if left == 0 {
                break;
            }
        }
        assert_eq!(left, 0, "pruned within 5 s");
        drop(pruning);
    }
);

// Opening the database for a one-shot command writes nothing once it is set
// up: it neither waits for nor blocks another writer. Another connection
// holds the write lock (SQLite) or the audit head's row and the policies and
// attempts tables against writes (PostgreSQL) while a command's service
// opens; before, the audit key check, the built-in policies and pruning
// each wrote, and waited out the busy timeout (10 s).
both_backends!(opening_for_a_command_takes_no_write_lock, |t| {
    let config = ServiceConfig {
        audit_key: Some(Arc::new(AuditKey::generate())),
        ..ServiceConfig::default()
    };
    // Keys the chain and keeps the calibration, as `keyward init` would.
    let first = Service::start(
        Store::open(&t.url).await.unwrap(),
        config.clone(),
        Clock::system(),
        Upkeep::Full,
    )
    .await
    .unwrap();
    first.settle().await;
    first.store().close().await;

    let open = || async {
        tokio::time::timeout(
            Duration::from_secs(5),
            Service::start(
                Store::open(&t.url).await.unwrap(),
                config.clone(),
                Clock::system(),
                Upkeep::Command,
            ),
        )
        .await
    };
    if t.backend() == "postgres" {
        let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        for sql in [
            "UPDATE audit_head SET seq = seq WHERE id = 1",
            "LOCK TABLE policies, attempts IN SHARE MODE",
        ] {
            sqlx::query(sql).execute(&mut *tx).await.unwrap();
        }
        let opened = open().await;
        tx.rollback().await.unwrap();
        pool.close().await;
        let service = opened.expect("opened without waiting").unwrap();
        service.store().close().await;
    } else {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .unwrap();
        let opened = open().await;
        sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        let service = opened.expect("opened without waiting").unwrap();
        service.store().close().await;
    }
});

// The first command on a new data directory sets the database up, as the
// README's first session does: no `keyward migrate` needed first.
#[test]
fn a_fresh_data_directory_is_set_up_by_its_first_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cli = Cli::at(&format!("sqlite://{}", dir.path().join("k.db").display()));
    cli.init_and_login();
    let out = cli.ok(&["user", "list"], "");
    assert!(out.contains("root1"), "{out}");
}

// A program that links keyward (examples/sign-in) connects without setting
// anything up: a missing SQLite file stays missing, an empty database
// stays empty, a schema behind this keyward is not migrated; each is
// refused with a line that says what to run (exit 17's kind). On a
// database that `keyward init` set up, it signs users in as keyward does.
both_backends!(connecting_sets_nothing_up_and_signs_in, |t| {
    let admin = t.admin().await;
    let password = "a long and good passphrase 42";
    t.add_user(&admin, "lib.user", Kind::Staff, Role::User, password)
        .await;
    let connected = Service::start(
        Store::connect(&t.url).await.expect("connect"),
        ServiceConfig::default(),
        t.clock.clone(),
        Upkeep::Nothing,
    )
    .await
    .expect("a set-up database is connected to");
    let auth = |p: &'static str| {
        let service = connected.clone();
        async move {
            service
                .authenticate("lib.user", &Password::from(p), "library")
                .await
                .expect("authenticate")
        }
    };
    assert_eq!(auth(password).await, AuthOutcome::Ok);
    assert_eq!(auth("not the password").await, AuthOutcome::BadCredentials);
    // Counted where keyward counts: the same row the service reads.
    assert_eq!(t.row("lib.user").await.failed_attempts, 1);
    connected.settle().await;
    connected.store().close().await;

    // Behind this keyward: refused, and left as it was.
    let latest = scalar(&t, &format!("SELECT {LATEST}")).await;
    t.raw_exec(&format!(
        "UPDATE _sqlx_migrations SET success = false WHERE version = {LATEST}"
    ))
    .await
    .unwrap();
    let err = Service::connect(&t.url, ServiceConfig::default())
        .await
        .expect_err("a schema behind is refused");
    assert!(
        matches!(err, Error::Schema(_)) && err.to_string().contains("run `keyward migrate`"),
        "{err}"
    );
    assert_eq!(
        scalar(
            &t,
            &format!(
                "SELECT COUNT(*) FROM _sqlx_migrations WHERE version = {latest} AND success = false"
            )
        )
        .await,
        1,
        "not migrated"
    );
});

#[tokio::test]
async fn connecting_to_a_missing_sqlite_file_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("data").join("keyward.db");
    let err = Service::connect(
        &format!("sqlite://{}", path.display()),
        ServiceConfig::default(),
    )
    .await
    .expect_err("no database there");
    assert!(
        matches!(err, Error::Schema(_)) && err.to_string().contains("keyward init"),
        "{err}"
    );
    assert!(
        !path.exists() && !path.parent().unwrap().exists(),
        "nothing was created"
    );

    // An empty file (not a keyward database) is refused and left empty.
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"").unwrap();
    let err = Service::connect(
        &format!("sqlite://{}", path.display()),
        ServiceConfig::default(),
    )
    .await
    .expect_err("no schema");
    assert!(err.to_string().contains("no keyward schema"), "{err}");
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        0,
        "nothing was written"
    );
}

#[tokio::test]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn connecting_to_an_empty_postgres_database_creates_nothing() {
    let admin_url = common::pg_database::admin_url().expect("KEYWARD_TEST_DATABASE_URL");
    let db = common::pg_database::PgDatabase::create(&admin_url, "empty").await;
    let err = Service::connect(&db.url(), ServiceConfig::default())
        .await
        .expect_err("no schema");
    assert!(
        matches!(err, Error::Schema(_)) && err.to_string().contains("no keyward schema"),
        "{err}"
    );
    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    let tables: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    assert_eq!(tables, 0, "nothing was created");
    db.drop_now().await;
}

// A linked program given an audit key checks it against a keyed trail and
// never keys an unkeyed one (that is `keyward init`'s and `keyward
// migrate`'s to do, with the key kept beside the database).
both_backends!(connecting_never_keys_the_audit_trail, |t| {
    let unkeyed = "SELECT COUNT(*) FROM audit_head WHERE keyed_from IS NULL";
    assert_eq!(scalar(&t, unkeyed).await, 1);
    let with_key = ServiceConfig {
        audit_key: Some(Arc::new(AuditKey::generate())),
        ..ServiceConfig::default()
    };
    let connect = |config: ServiceConfig| {
        let url = t.url.clone();
        let clock = t.clock.clone();
        async move {
            let store = Store::connect(&url).await?;
            Service::start(store, config, clock, Upkeep::Nothing).await
        }
    };
    let linked = connect(with_key.clone()).await.expect("connect");
    linked.store().close().await;
    assert_eq!(scalar(&t, unkeyed).await, 1, "connecting keyed nothing");

    // Keyed as keyward keys it; then the same key is accepted and another
    // refused.
    let keyward = Service::start(
        Store::open(&t.url).await.unwrap(),
        with_key.clone(),
        t.clock.clone(),
        Upkeep::Full,
    )
    .await
    .expect("keyward keys the trail");
    keyward.settle().await;
    keyward.store().close().await;
    assert_eq!(scalar(&t, unkeyed).await, 0);
    let linked = connect(with_key).await.expect("the trail's own key");
    linked.store().close().await;
    let other = ServiceConfig {
        audit_key: Some(Arc::new(AuditKey::generate())),
        ..ServiceConfig::default()
    };
    assert!(connect(other).await.is_err(), "another key is refused");
});

// A file that holds no database is said to be so, not "cannot be reached"
// (which sends an operator looking for a server), whether keyward opens it
// or a linked program connects to it; and it is left as it was.
#[tokio::test]
async fn a_file_that_is_not_a_database_is_named_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.db");
    let text = "these are notes, not a database; ".repeat(40);
    std::fs::write(&path, &text).unwrap();
    let url = format!("sqlite://{}", path.display());
    let opened = Store::open(&url).await;
    let connected = Service::connect(&url, ServiceConfig::default()).await;
    for err in [opened.err(), connected.err()] {
        let err = err.expect("refused");
        assert!(
            matches!(err, Error::Invalid(_)) && err.to_string().contains("not a"),
            "{err}"
        );
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}
