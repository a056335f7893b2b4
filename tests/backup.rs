//! Backups restore into a working keyward, as README's "Backups" says:
//! PostgreSQL through `pg_dump -Fc` and `pg_restore` into a fresh database
//! (the search index included), SQLite through an online copy
//! (`VACUUM INTO`) taken while keyward has the database open.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, TestDb};
use keyward::domain::{Kind, Role};
use keyward::service::views::AuditVerdict;
use keyward::service::{Clock, Service, ServiceConfig, UserFilter};
use keyward::store::Store;
use std::process::Command;

/// A few users to back up, one of them found only through a search that
/// spans a separator (the trigram index's folded text).
async fn fill(t: &TestDb) {
    let admin = t.admin().await;
    for (login, role) in [
        ("yolanda.anderson", Role::User),
        ("bob.builder", Role::Manager),
        ("carol-c", Role::User),
    ] {
        t.add_user(
            &admin,
            login,
            Kind::Staff,
            role,
            "violet kettle harbour quince",
        )
        .await;
    }
}

/// Opens the restored copy as keyward does (migrating it), signs the
/// administrator in, searches, and verifies the audit chain.
async fn check_restored(url: &str) -> Service {
    let store = Store::open(url).await.expect("open the restored copy");
    let service = Service::new(store, ServiceConfig::default(), Clock::system())
        .await
        .expect("keyward opens the restored copy");
    let admin = service
        .login(
            ADMIN,
            &keyward::domain::Password::from(ADMIN_PASSWORD),
            "test",
            false,
        )
        .await
        .expect("login")
        .actor
        .expect("the administrator signs in on the restored copy");
    let page = service
        .list_users(
            &admin,
            &UserFilter {
                search: Some("a.ande".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .expect("search");
    let found: Vec<_> = page.items.iter().map(|u| u.login.as_str()).collect();
    assert_eq!(found, ["yolanda.anderson"]);
    assert!(matches!(
        service.verify_audit(&admin).await.expect("verify"),
        AuditVerdict::Intact { .. }
    ));
    service
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_dump_restores_into_a_fresh_database() {
    let Some(t) = common::postgres().await else {
        return;
    };
    fill(&t).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("keyward.dump");
    run(Command::new("pg_dump")
        .arg("-Fc")
        .arg("-f")
        .arg(&dump)
        .arg(&t.url));

    let server = std::env::var("KEYWARD_TEST_DATABASE_URL").expect("set when postgres() ran");
    let name = format!("keyward_t_{}", hex::encode(rand::random::<[u8; 6]>()));
    let admin_pool = sqlx::PgPool::connect(&server).await.expect("connect");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin_pool)
        .await
        .expect("create the restore target");
    let restored = common::pg_database::with_database(&server, &name);
    // The strictest restore: one transaction that stops at the first error
    // (before the fix it restored no table at all).
    run(Command::new("pg_restore")
        .args(["--single-transaction", "--exit-on-error", "--no-owner"])
        .arg("-d")
        .arg(&restored)
        .arg(&dump));

    let service = check_restored(&restored).await;
    // The search index came back, and a search uses it: the planner may
    // prefer reading a table this small whole (or walking another index
    // and filtering), so those plans are priced out to show that the
    // trigram index serves the search's expression.
    let pool = service.store().postgres_pool().expect("postgres").clone();
    let mut tx = pool.begin().await.expect("begin");
    for off in ["enable_seqscan", "enable_indexscan", "enable_indexonlyscan"] {
        sqlx::query(&format!("SET LOCAL {off} = off"))
            .execute(&mut *tx)
            .await
            .expect("set");
    }
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT id FROM users WHERE keyward_search_text(login, name, email) LIKE '%a0p0ande%'",
    )
    .fetch_all(&mut *tx)
    .await
    .expect("explain");
    drop(tx);
    assert!(
        plan.iter().any(|l| l.contains("users_search_trgm")),
        "the search does not use its index after a restore:\n{}",
        plan.join("\n")
    );
    service.store().close().await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin_pool)
        .await
        .expect("drop the restored copy");
    admin_pool.close().await;
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_online_backup_opens() {
    let t = common::sqlite().await;
    fill(&t).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("backup.db");
    // Taken while keyward holds the database open, as README says.
    t.raw_exec(&format!("VACUUM INTO '{}'", copy.display()))
        .await
        .expect("VACUUM INTO");
    let service = check_restored(&format!("sqlite://{}", copy.display())).await;
    service.store().close().await;
    t.cleanup().await;
}

/// Every function keyward's migrations create must not depend on the
/// caller's search_path (restores run with an empty one): either its body
/// is SQL-standard (parsed at creation, stored as references) or it pins
/// search_path itself. Functions of extensions (pg_trgm's) are theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_functions_do_not_depend_on_search_path() {
    let Some(t) = common::postgres().await else {
        return;
    };
    let pool = t.service.store().postgres_pool().expect("postgres").clone();
    let loose: Vec<String> = sqlx::query_scalar(
        "SELECT p.proname::text FROM pg_proc p \
         JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = current_schema() \
           AND p.prosqlbody IS NULL \
           AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%') \
           AND NOT EXISTS (SELECT 1 FROM pg_depend d \
                           WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') \
         ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("query pg_proc");
    assert!(
        loose.is_empty(),
        "functions resolved through the caller's search_path: {loose:?}"
    );
    t.cleanup().await;
}
