//! PostgreSQL's search blocks (migration 0018, store/listing/search_blocks.rs):
//! a search reads only the blocks that hold every piece of its term, so a
//! user whose pieces are missing from the block covering their login would
//! silently drop out of results. Whatever writes users (the demo fill, one
//! by one, several writers at once, renames, edits, an import), the blocks
//! must cover every login, end to end, and hold every user's pieces.

use crate::common::{TestDb, postgres};
use crate::fixtures::create;
use crate::walkers::forward_all;
use keyward::domain::{Kind, Role};
use keyward::service::{Actor, ImportRow, NewUser, Service, ServiceConfig, UserEdit, UserFilter};
use keyward::store::Store;

/// The blocks' invariants, read straight from the database; returns how
/// many blocks there are.
async fn assert_blocks(t: &TestDb, after: &str) -> i64 {
    let pool = sqlx::PgPool::connect(&t.url).await.expect("connect");
    let uncovered: Vec<String> = sqlx::query_scalar(
        "SELECT u.login FROM users u WHERE NOT EXISTS (SELECT 1 FROM search_blocks b \
         WHERE b.lo <= lower(u.login) AND lower(u.login) < b.hi \
         AND (b.pieces @> keyward_search_pieces(u.login, u.name, u.email) \
              OR (b.lo = '' AND b.users >= 1000))) ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("uncovered");
    assert!(
        uncovered.is_empty(),
        "after {after}: not in their block: {uncovered:?}"
    );
    let gaps: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT hi, lead(lo) OVER (ORDER BY lo) AS next FROM search_blocks) b \
         WHERE b.hi <> COALESCE(b.next, chr(1114111))",
    )
    .fetch_one(&pool)
    .await
    .expect("gaps");
    assert_eq!(gaps, 0, "after {after}: the blocks leave gaps or overlap");
    let (first, blocks): (Option<String>, i64) =
        sqlx::query_as("SELECT min(lo), count(*) FROM search_blocks")
            .fetch_one(&pool)
            .await
            .expect("blocks");
    assert_eq!(first.as_deref(), Some(""), "after {after}");
    pool.close().await;
    blocks
}

/// The logins a search lists, page after page.
async fn found(t: &TestDb, admin: &Actor, term: &str) -> Vec<String> {
    let filter = UserFilter {
        search: Some(term.into()),
        ..Default::default()
    };
    forward_all(t, admin, &filter, 50).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn every_user_stays_in_a_block_that_holds_their_pieces() {
    let Some(t) = postgres().await else {
        return;
    };
    let admin = t.admin().await;
    t.service.demo_fill(&admin, 2_500, &|_| {}).await.unwrap();
    let computed = assert_blocks(&t, "the demo fill").await;
    assert!(computed >= 25, "{computed} blocks for 2,501 users");

    // 300 users into one stretch of the order, one by one: the trigger
    // splits the block they land in as it outgrows its size.
    for n in 0..300 {
        create(
            &t,
            &admin,
            &format!("bxq{n:03}"),
            &format!("Wqv Member {n}"),
            &format!("m{n}@blocks.example"),
            Kind::Staff,
            Role::User,
        )
        .await;
    }
    let split = assert_blocks(&t, "300 additions").await;
    assert!(split > computed, "no block was split ({split} blocks)");

    // Four writers at once, into the same stretch, each with its own pool.
    let writers = (0..4).map(|w| {
        let url = t.url.clone();
        let clock = t.clock.clone();
        let admin = admin.clone();
        tokio::spawn(async move {
            let store = Store::open(&url).await.expect("open");
            let service = Service::new(store, ServiceConfig::default(), clock)
                .await
                .expect("service");
            for n in 0..60 {
                let new = NewUser {
                    login: format!("bxr{n:02}w{w}"),
                    name: format!("Zyx Writer {w}"),
                    email: format!("w{w}.{n}@blocks.example"),
                    kind: Kind::Staff,
                    role: Role::User,
                    policy: None,
                    must_change: false,
                };
                service
                    .create_user(&admin, &new, None)
                    .await
                    .expect("create");
            }
            service.store().close().await;
        })
    });
    for w in futures::future::join_all(writers).await {
        w.expect("writer");
    }
    assert_blocks(&t, "four writers at once").await;

    // Renames into another block, and new names and emails.
    for (from, to) in [("bxq010", "aaa.moved"), ("bxq200", "zzz.moved")] {
        let edit = UserEdit {
            login: Some(to.into()),
            ..Default::default()
        };
        t.service
            .edit_user(&admin, from, None, &edit)
            .await
            .unwrap();
    }
    let edit = UserEdit {
        name: Some("Qjx Renamed".into()),
        email: Some("kvq@elsewhere.example".into()),
        ..Default::default()
    };
    t.service
        .edit_user(&admin, "bxq020", None, &edit)
        .await
        .unwrap();
    assert_blocks(&t, "renames and edits").await;

    // An import: the trigger is deferred, and the blocks its users land
    // in are computed before it commits.
    let row = |line: u64, login: &str| ImportRow {
        line,
        login: login.into(),
        name: "Vjq Imported".into(),
        email: format!("{login}@import.example"),
        kind: String::new(),
        role: String::new(),
        policy: String::new(),
        resources: String::new(),
        holders: String::new(),
    };
    let rows: Vec<ImportRow> = (0..40)
        .map(|n| row(n + 2, &format!("imp{n:02}.blk")))
        .collect();
    let mut import = t.service.import_users(&admin).await.expect("import");
    assert!(import.check(&rows).await.expect("check").is_empty());
    let mut writer = import.write().await.expect("write");
    writer.write(&rows).await.expect("rows");
    writer.finish().await.expect("finish");
    assert_blocks(&t, "an import").await;

    // What only these writes hold is found, through the blocks.
    assert_eq!(found(&t, &admin, "aaa.mov").await, ["aaa.moved"]);
    assert_eq!(found(&t, &admin, "kvq").await, ["bxq020"]);
    assert_eq!(found(&t, &admin, "qjx").await, ["bxq020"]);
    assert_eq!(found(&t, &admin, "zyx writer 3").await.len(), 60);
    assert_eq!(found(&t, &admin, "vjq").await.len(), 40);
    assert_eq!(found(&t, &admin, "wqv").await.len(), 299);

    // A database migrated from before the blocks: migration 0018 leaves
    // one block over every user, without their pieces, which every search
    // reads. Searches stay right meanwhile, a user added then is found
    // too, and the next migrate computes the blocks.
    t.raw_exec("DELETE FROM search_blocks")
        .await
        .expect("delete");
    t.raw_exec(
        "INSERT INTO search_blocks (lo, hi, users, pieces) \
         SELECT '', chr(1114111), (SELECT count(*) FROM users), '{}'",
    )
    .await
    .expect("one block");
    assert_eq!(assert_blocks(&t, "one block over everyone").await, 1);
    assert_eq!(found(&t, &admin, "qjx").await, ["bxq020"]);
    assert_eq!(found(&t, &admin, "wqv").await.len(), 299);
    create(
        &t,
        &admin,
        "mid.way",
        "Xjv Meanwhile",
        "mid@blocks.example",
        Kind::Staff,
        Role::User,
    )
    .await;
    assert_eq!(found(&t, &admin, "xjv").await, ["mid.way"]);
    t.service.store().migrate().await.expect("migrate");
    let recomputed = assert_blocks(&t, "migrate").await;
    assert!(recomputed >= 25, "{recomputed} blocks after migrate");
    assert_eq!(found(&t, &admin, "wqv").await.len(), 299);
    t.cleanup().await;
}
