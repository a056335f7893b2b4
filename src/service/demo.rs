//! `keyward demo`: fills an empty database with realistic users, resources
//! and grants, fast (demo users share one precomputed hash).

use super::{Actor, Service};
use crate::crypto::tokens::random_password;
use crate::domain::Password;
use crate::domain::rights::Action;
use crate::error::{Error, Result};
use crate::store::{AuditEvent, DemoGrant, DemoResource, DemoUser};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use zeroize::Zeroizing;

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Amira",
    "Chen",
    "Fatima",
    "Hiroshi",
    "Ingrid",
    "José",
    "Kwame",
    "Lena",
    "Mateo",
    "Nadia",
    "Olu",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tariq",
    "Ursula",
    "Vikram",
    "Wen",
    "Yusuf",
    "Zofia",
    "Aoife",
    "Björn",
    "Chloé",
    "Dmitri",
    "Elif",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Okafor",
    "Nakamura",
    "Kowalski",
    "Novak",
    "Rossi",
    "Müller",
    "Dubois",
    "Silva",
    "Kim",
    "Nguyen",
    "Patel",
    "Cohen",
    "O'Brien",
    "Fischer",
    "Andersson",
    "Haddad",
    "Mensah",
    "Ivanova",
    "Costa",
    "Murphy",
    "Schmidt",
    "Yilmaz",
];
const RESOURCES: &[(&str, &str)] = &[
    (
        "Professional website",
        "The organisation's public site and its editor",
    ),
    ("Mobile app", "Field staff app for iOS and Android"),
    ("Client portal", "Where client contacts see their reports"),
    ("Time & attendance", "Timesheets, shifts and leave"),
    ("Payroll", "Pay runs and payslips"),
];

/// What a demo fill made. `Debug` leaves the password out.
pub struct DemoReport {
    pub users: u64,
    pub grants: u64,
    /// The password every demo user shares (shown once).
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for DemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoReport")
            .field("users", &self.users)
            .field("grants", &self.grants)
            .finish()
    }
}

fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'é' | 'è' => Some('e'),
            'ö' | 'ó' => Some('o'),
            'ü' => Some('u'),
            'ä' => Some('a'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// The demo user number `seq` (logins are unique by their number).
fn demo_user(rng: &mut StdRng, seq: u64, now: DateTime<Utc>) -> DemoUser {
    let first = FIRST[rng.gen_range(0..FIRST.len())];
    let last = LAST[rng.gen_range(0..LAST.len())];
    let login = format!("{}.{}{}", ascii_fold(first), ascii_fold(last), seq);
    let portal = rng.gen_ratio(1, 10);
    let role = if portal {
        "user"
    } else {
        match rng.gen_range(0..1000) {
            0..=2 => "admin",
            3..=30 => "manager",
            31..=60 => "account_manager",
            _ => "user",
        }
    };
    let created = now - Duration::days(rng.gen_range(30..2000));
    let last_login = if rng.gen_ratio(1, 20) {
        None
    } else {
        Some(now - Duration::minutes(rng.gen_range(1..60 * 24 * 500)))
    };
    let locked = rng.gen_ratio(1, 100);
    let failed_attempts = if locked {
        5
    } else if rng.gen_ratio(1, 30) {
        rng.gen_range(1..4)
    } else {
        0
    };
    let failing = failed_attempts > 0;
    DemoUser {
        email: format!(
            "{login}@{}",
            if portal {
                "clients.example.com"
            } else {
                "example.org"
            }
        ),
        login,
        name: format!("{first} {last}"),
        kind: if portal { "portal" } else { "staff" },
        role,
        status: if rng.gen_ratio(1, 50) {
            "disabled"
        } else {
            "active"
        },
        must_change: rng.gen_ratio(1, 25),
        failed_attempts,
        locked_until: locked.then(|| now + Duration::minutes(rng.gen_range(1..15))),
        // A lock comes from the failure that reached the threshold, now.
        last_failure_at: if locked {
            Some(now)
        } else {
            failing.then(|| now - Duration::minutes(rng.gen_range(1..60 * 24)))
        },
        last_login_at: last_login,
        created_at: created,
    }
}

/// The grants of the demo user `id`: portal users read the client portal,
/// staff get a random mix of the other resources.
fn demo_grants(
    rng: &mut StdRng,
    id: i64,
    user: &DemoUser,
    resource_ids: &[i64],
    grants: &mut Vec<DemoGrant>,
) {
    if user.kind == "portal" {
        grants.push((id, resource_ids[2], "read"));
    } else {
        if rng.gen_ratio(1, 3) {
            grants.push((
                id,
                resource_ids[0],
                if rng.gen_ratio(1, 10) {
                    "manage"
                } else {
                    "standard"
                },
            ));
        }
        if rng.gen_ratio(1, 2) {
            grants.push((id, resource_ids[1], "standard"));
        }
        if rng.gen_ratio(1, 4) {
            grants.push((id, resource_ids[3], "standard"));
        }
    }
}

impl Service {
    /// Adds `count` demo users to a database that has no users except
    /// administrators, all in one transaction (an interrupted fill adds
    /// nothing). `progress(done)` is called after each batch.
    pub async fn demo_fill(
        &self,
        actor: &Actor,
        count: u64,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<DemoReport> {
        let me = self.authorize(actor, Action::BulkReset, None).await?;
        if count == 0 || count > 10_000_000 {
            return Err(Error::Invalid("--users must be from 1 to 10000000".into()));
        }
        let existing = self.store.count_users().await?;
        if existing > self.store.count_active_global_admins().await? {
            return Err(Error::Conflict(format!(
                "the database already has {}; demo data goes into an empty database (only the first administrator)",
                crate::domain::plural::count(existing, "user", "users")
            )));
        }
        let password = random_password(20, false);
        let hash = self.hash(&Password::new(password.to_string())).await?;
        let now = self.now();
        // Made in the fill's transaction (only those that do not exist):
        // an interrupted fill leaves none behind.
        let resources: Vec<DemoResource> = RESOURCES
            .iter()
            .map(|&(name, description)| DemoResource {
                name,
                description,
                audit: AuditEvent::new(
                    &me.login,
                    "resource.create",
                    name,
                    json!({ "after": { "description": description }, "demo": true }),
                ),
            })
            .collect();
        let mut rng = StdRng::seed_from_u64(0x6b65_7977_6172);
        let mut seq = 0u64;
        let mut make = |ids: &[i64],
                        resource_ids: &[i64],
                        users: &mut Vec<DemoUser>,
                        grants: &mut Vec<DemoGrant>| {
            for &id in ids {
                let user = demo_user(&mut rng, seq, now);
                demo_grants(&mut rng, id, &user, resource_ids, grants);
                users.push(user);
                seq += 1;
            }
        };
        let actor_login = me.login.clone();
        let audit = |users: u64, grants: u64| {
            let event = AuditEvent::new(
                &actor_login,
                "demo.fill",
                "-",
                json!({ "users": users, "grants": grants }),
            );
            (event, self.now())
        };
        let (done, grants_total) = self
            .store
            .fill_demo(count, &hash, now, &resources, &mut make, &audit, progress)
            .await?;
        Ok(DemoReport {
            users: done,
            grants: grants_total,
            password,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::views::AuditVerdict;
    use crate::service::{Clock, ServiceConfig, UserEdit, UserFilter};
    use crate::store::{Pool, Store};
    use chrono::TimeZone;
    use std::sync::Mutex;

    /// More users than one SQLite statement takes, fewer than one batch.
    const USERS: u64 = 6_000;

    async fn service(store: Store) -> Service {
        let clock = Clock::manual(
            Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
                .single()
                .expect("valid time"),
        );
        Service::new(store, ServiceConfig::default(), clock)
            .await
            .expect("service")
    }

    async fn scalar(store: &Store, sql: &str) -> i64 {
        crate::store::with_pool!(store, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)
            .expect(sql)
    }

    async fn search(s: &Service, actor: &Actor, term: &str) -> Vec<String> {
        let filter = UserFilter {
            search: Some(term.into()),
            limit: 1000,
            ..UserFilter::default()
        };
        let page = s.list_users(actor, &filter).await.expect("list");
        page.items.into_iter().map(|u| u.login).collect()
    }

    /// Every table, index, trigger and constraint, with its definition.
    async fn schema(store: &Store) -> Vec<String> {
        let sql = match store.backend() {
            crate::store::Backend::Sqlite => {
                "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master ORDER BY 1"
            }
            crate::store::Backend::Postgres => {
                "SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                 UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) \
                 FROM pg_constraint WHERE connamespace = current_schema()::regnamespace \
                 UNION ALL SELECT tgrelid::regclass::text || ' ' || pg_get_triggerdef(oid) FROM pg_trigger \
                 WHERE NOT tgisinternal ORDER BY 1"
            }
        };
        crate::store::with_pool!(store, p => sqlx::query_scalar::<_, String>(sql).fetch_all(p).await)
            .expect("schema")
    }

    async fn fill_and_check(s: &Service) {
        let before = schema(s.store()).await;
        let root = s
            .create_first_admin(
                "root.admin",
                "Root Admin",
                "root@example.org",
                &Password::from("correct horse battery staple"),
            )
            .await
            .expect("first admin");
        let seen = Mutex::new(Vec::new());
        let report = s
            .demo_fill(&root, USERS, &|done| seen.lock().unwrap().push(done))
            .await
            .expect("demo fill");
        assert_eq!(report.users, USERS);
        assert_eq!(seen.lock().unwrap().last(), Some(&USERS));
        let store = s.store();
        // Whatever the fill set aside is back, exactly as it was.
        assert_eq!(schema(store).await, before);
        assert_eq!(store.count_users().await.unwrap(), USERS as i64 + 1);
        assert_eq!(
            scalar(store, "SELECT COUNT(*) FROM grants").await,
            report.grants as i64
        );
        assert_eq!(
            scalar(store, "SELECT COUNT(DISTINCT login) FROM users").await,
            USERS as i64 + 1
        );

        // Substring search finds exactly the users whose fields contain the term.
        let expected = scalar(
            store,
            "SELECT COUNT(*) FROM users WHERE lower(login) LIKE '%mith12%' \
             OR lower(name) LIKE '%mith12%' OR lower(email) LIKE '%mith12%'",
        )
        .await;
        let found = search(s, &root, "mith12").await;
        assert!(expected > 0);
        assert_eq!(found.len() as i64, expected);
        assert!(found.iter().all(|l| l.contains("mith12")));

        // Search stays up to date for users added, renamed and deleted later.
        s.create_user(
            &root,
            &crate::service::NewUser {
                login: "zebedee.quux".into(),
                name: "Zebedee Quux".into(),
                email: "zq@example.org".into(),
                kind: crate::domain::Kind::Staff,
                role: crate::domain::Role::User,
                policy: None,
                must_change: false,
            },
            None,
        )
        .await
        .expect("create user");
        assert_eq!(search(s, &root, "ebede").await, vec!["zebedee.quux"]);
        let demo = search(s, &root, "mith12").await.remove(0);
        let edit = UserEdit {
            name: Some("Xavier Yonder".into()),
            ..UserEdit::default()
        };
        s.edit_user(&root, &demo, None, &edit).await.expect("edit");
        assert_eq!(search(s, &root, "avier yon").await, vec![demo.clone()]);
        s.delete_user(&root, "zebedee.quux").await.expect("delete");
        assert!(search(s, &root, "ebede").await.is_empty());

        if let Pool::Sqlite(p) = &store.pool {
            let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(p)
                .await
                .unwrap();
            assert_eq!(ok, "ok");
            sqlx::query("INSERT INTO users_fts (users_fts) VALUES ('integrity-check')")
                .execute(p)
                .await
                .expect("the full-text index matches the users");
        }

        match s.verify_audit(&root).await.expect("verify") {
            AuditVerdict::Intact { .. } => {}
            broken => panic!("audit chain broken: {broken:?}"),
        }
        let again = s.demo_fill(&root, 10, &|_| {}).await;
        assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn demo_fill_sqlite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite(&dir.path().join("keyward.db"))
            .await
            .expect("open sqlite");
        let s = service(store).await;
        fill_and_check(&s).await;
        s.store().close().await;
    }

    /// The database is dropped even when the test fails.
    use crate::pg_database;

    /// A fresh PostgreSQL database and the service on it, or `None` when
    /// PostgreSQL is not configured.
    async fn postgres() -> Option<(Service, pg_database::PgDatabase)> {
        let admin_url = pg_database::admin_url()?;
        let db = pg_database::PgDatabase::create(&admin_url, "").await;
        let s = service(Store::open(&db.url()).await.expect("open test database")).await;
        Some((s, db))
    }

    async fn drop_postgres(s: Service, db: pg_database::PgDatabase) {
        s.store().close().await;
        db.drop_now().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(keyward_postgres_tests),
        ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
    )]
    async fn demo_fill_postgres() {
        let Some((s, db)) = postgres().await else {
            return;
        };
        fill_and_check(&s).await;
        drop_postgres(s, db).await;
    }

    /// While another session reads users, indexes cannot be set aside: the
    /// fill waits a little, then keeps them up to date row by row.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(
        not(keyward_postgres_tests),
        ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
    )]
    async fn demo_fill_postgres_busy_users() {
        let Some((s, db)) = postgres().await else {
            return;
        };
        let p = s.store().postgres_pool().expect("postgres").clone();
        let mut reader = p.begin().await.expect("begin");
        sqlx::query("LOCK TABLE users IN ACCESS SHARE MODE")
            .execute(&mut *reader)
            .await
            .expect("lock");
        fill_and_check(&s).await;
        reader.rollback().await.expect("rollback");
        drop_postgres(s, db).await;
    }
}
