//! Bulk password reset (docs/ARCHITECTURE.md "Credentials"): staff only, never the
//! acting admin, filters, must-change, one shared hash re-hashed per user at
//! sign-in, one audit entry, all or nothing.

mod common;

use chrono::Duration;
use common::{ADMIN, ADMIN_PASSWORD, TestDb};
use keyward::Error;
use keyward::domain::outcome::MustChangeReason;
use keyward::domain::{AccessLevel, AuthOutcome, Kind, Password, Role};
use keyward::service::{Actor, BulkRequest};
use keyward::store::Progress;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

const OLD: &str = "violet kettle harbour quince";
const SHARED: &str = "shared spring passphrase twenty";

const STAFF: [&str; 4] = ["s.user1", "s.user2", "s.mgr", "s.admin2"];
const PORTAL: [&str; 2] = ["p.one", "p.two"];

/// Staff: s.user1 and s.user2 (user), s.mgr (manager), s.admin2 (admin);
/// portal: p.one, p.two. "Mobile app" is granted to s.user1, s.mgr and p.one.
async fn setup(t: &TestDb) -> Actor {
    let admin = t.admin().await;
    t.add_user(&admin, "s.user1", Kind::Staff, Role::User, OLD)
        .await;
    t.add_user(&admin, "s.user2", Kind::Staff, Role::User, OLD)
        .await;
    t.add_user(&admin, "s.mgr", Kind::Staff, Role::Manager, OLD)
        .await;
    t.add_user(&admin, "s.admin2", Kind::Staff, Role::Admin, OLD)
        .await;
    t.add_user(&admin, "p.one", Kind::Portal, Role::User, OLD)
        .await;
    t.add_user(&admin, "p.two", Kind::Portal, Role::User, OLD)
        .await;
    t.service
        .add_resource(&admin, "Mobile app", "phones")
        .await
        .unwrap();
    for login in ["s.user1", "s.mgr", "p.one"] {
        t.service
            .grant(&admin, "Mobile app", login, AccessLevel::Standard)
            .await
            .unwrap();
    }
    admin
}

fn req(role: Option<Role>, resource: Option<&str>, must_change: bool) -> BulkRequest {
    BulkRequest {
        role,
        resource: resource.map(str::to_string),
        must_change,
        confirmed_count: None,
    }
}

async fn shared_hash(t: &TestDb, login: &str) -> Option<String> {
    let id = t.row(login).await.id;
    t.service.store().credential(id).await.unwrap().shared_hash
}

both_backends!(staff_only_and_never_the_actor, |t| {
    let admin = setup(&t).await;
    let s = &t.service;
    let all = req(None, None, true);
    let (staff_token, _) = s.issue_reset_token(&admin, "s.user1").await.unwrap();
    let (portal_token, _) = s.issue_reset_token(&admin, "p.one").await.unwrap();
    assert_eq!(s.bulk_reset_count(&admin, &all).await.unwrap(), 4);
    let seen = Mutex::new(Vec::<Progress>::new());
    let n = s
        .bulk_reset(
            &admin,
            &all,
            &Password::from(SHARED),
            &|p| seen.lock().unwrap().push(p),
            &AtomicBool::new(false),
        )
        .await
        .unwrap();
    assert_eq!(n, 4);
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.first(), Some(&Progress { done: 0, total: 4 }));
    assert_eq!(seen.last(), Some(&Progress { done: 4, total: 4 }));

    for login in STAFF {
        assert_eq!(
            t.auth(login, SHARED).await,
            AuthOutcome::OkMustChange {
                reason: MustChangeReason::Flagged
            },
            "{login}"
        );
        assert_eq!(
            t.auth(login, OLD).await,
            AuthOutcome::BadCredentials,
            "{login}"
        );
    }
    for login in PORTAL {
        assert_eq!(t.auth(login, OLD).await, AuthOutcome::Ok, "{login}");
        assert_eq!(
            t.auth(login, SHARED).await,
            AuthOutcome::BadCredentials,
            "{login}"
        );
        assert!(shared_hash(&t, login).await.is_none());
    }
    assert_eq!(t.auth(ADMIN, ADMIN_PASSWORD).await, AuthOutcome::Ok);
    assert_eq!(t.auth(ADMIN, SHARED).await, AuthOutcome::BadCredentials);

    // One audit entry with the real count.
    let bulk: Vec<_> = t
        .audit_all(&admin)
        .await
        .into_iter()
        .filter(|e| e.action == "password.bulk_reset")
        .collect();
    assert_eq!(bulk.len(), 1);
    assert_eq!(bulk[0].details["count"], 4);
    assert_eq!(bulk[0].details["must_change"], true);
    assert_eq!(bulk[0].actor, ADMIN);
    // Staff users' reset tokens were revoked; portal users' were not.
    let err = s
        .redeem_reset_token(&staff_token, &Password::from("token chosen passphrase"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    assert_eq!(
        s.redeem_reset_token(&portal_token, &Password::from("token chosen passphrase"))
            .await
            .unwrap(),
        "p.one"
    );
    // The list shows who must change.
    for login in STAFF {
        assert!(
            s.get_user(&admin, login)
                .await
                .unwrap()
                .summary
                .must_change_password,
            "{login}"
        );
    }
    assert!(
        !s.get_user(&admin, "p.one")
            .await
            .unwrap()
            .summary
            .must_change_password
    );
});

both_backends!(shared_hash_replaced_at_sign_in, |t| {
    let admin = setup(&t).await;
    let s = &t.service;
    s.bulk_reset(
        &admin,
        &req(None, None, true),
        &Password::from(SHARED),
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    let shared = shared_hash(&t, "s.user1")
        .await
        .expect("points at the shared hash");
    assert_eq!(
        shared_hash(&t, "s.user2").await.as_deref(),
        Some(shared.as_str()),
        "one hash for everyone"
    );

    assert!(t.auth("s.user1", SHARED).await.is_ok());
    // The re-hash comes after the answer; wait for it.
    s.settle().await;
    let id = t.row("s.user1").await.id;
    let cred = s.store().credential(id).await.unwrap();
    assert!(cred.shared_hash.is_none());
    let own = cred.own_hash.expect("own hash");
    assert_ne!(own, shared);
    assert!(own.starts_with("$argon2id$"));
    // Still the same password, and still must change.
    assert_eq!(
        t.auth("s.user1", SHARED).await,
        AuthOutcome::OkMustChange {
            reason: MustChangeReason::Flagged
        }
    );
    // Others keep pointing at the shared hash until they sign in.
    assert_eq!(
        shared_hash(&t, "s.user2").await.as_deref(),
        Some(shared.as_str())
    );

    // History treats the shared password like any other, and the old own
    // password stays in the history.
    for reuse in [SHARED, OLD] {
        for login in ["s.user1", "s.user2"] {
            let err = s
                .change_password_with_current(
                    login,
                    &Password::from(SHARED),
                    &Password::from(reuse),
                    "test",
                )
                .await
                .unwrap_err();
            assert!(
                matches!(&err, Error::Policy(v) if v[0].contains("was used before")),
                "{login} {reuse}: {err:?}"
            );
        }
    }
    s.change_password_with_current(
        "s.user2",
        &Password::from(SHARED),
        &Password::from("s.user2 brand new choice"),
        "test",
    )
    .await
    .unwrap_err();
    s.change_password_with_current(
        "s.user2",
        &Password::from(SHARED),
        &Password::from("a brand new choice here"),
        "test",
    )
    .await
    .unwrap();
    assert!(shared_hash(&t, "s.user2").await.is_none());
    assert_eq!(
        t.auth("s.user2", "a brand new choice here").await,
        AuthOutcome::Ok
    );

    // A second bulk reset: the first shared password becomes history.
    let admin = t.sign_in(ADMIN, ADMIN_PASSWORD).await;
    s.bulk_reset(
        &admin,
        &req(Some(Role::Manager), None, false),
        &Password::from("another shared passphrase"),
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    assert_eq!(
        t.auth("s.mgr", "another shared passphrase").await,
        AuthOutcome::Ok
    );
    let err = s
        .change_password_with_current(
            "s.mgr",
            &Password::from("another shared passphrase"),
            &Password::from(SHARED),
            "test",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Policy(v) if v[0].contains("was used before")),
        "{err:?}"
    );
});

both_backends!(role_and_resource_filters, |t| {
    let admin = setup(&t).await;
    let s = &t.service;
    let cancel = AtomicBool::new(false);

    // Role: users only, no must-change.
    let users = req(Some(Role::User), None, false);
    assert_eq!(s.bulk_reset_count(&admin, &users).await.unwrap(), 2);
    assert_eq!(
        s.bulk_reset(&admin, &users, &Password::from(SHARED), &|_| {}, &cancel)
            .await
            .unwrap(),
        2
    );
    assert_eq!(t.auth("s.user1", SHARED).await, AuthOutcome::Ok);
    assert_eq!(t.auth("s.user2", SHARED).await, AuthOutcome::Ok);
    for login in ["s.mgr", "s.admin2", "p.one", "p.two"] {
        assert_eq!(t.auth(login, OLD).await, AuthOutcome::Ok, "{login}");
    }

    // Resource: its staff users only (p.one is portal).
    let mobile = req(None, Some("Mobile app"), true);
    assert_eq!(s.bulk_reset_count(&admin, &mobile).await.unwrap(), 2);
    let second = "second shared passphrase";
    assert_eq!(
        s.bulk_reset(&admin, &mobile, &Password::from(second), &|_| {}, &cancel)
            .await
            .unwrap(),
        2
    );
    assert!(matches!(
        t.auth("s.user1", second).await,
        AuthOutcome::OkMustChange { .. }
    ));
    assert!(matches!(
        t.auth("s.mgr", second).await,
        AuthOutcome::OkMustChange { .. }
    ));
    assert_eq!(t.auth("s.user2", SHARED).await, AuthOutcome::Ok);
    assert_eq!(t.auth("s.admin2", OLD).await, AuthOutcome::Ok);
    assert_eq!(t.auth("p.one", OLD).await, AuthOutcome::Ok);

    // Both.
    let both = req(Some(Role::Manager), Some("Mobile app"), false);
    assert_eq!(s.bulk_reset_count(&admin, &both).await.unwrap(), 1);
    assert_eq!(
        s.bulk_reset_count(&admin, &req(Some(Role::Admin), Some("Mobile app"), false))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.bulk_reset_count(&admin, &req(Some(Role::GlobalAdmin), None, false))
            .await
            .unwrap(),
        0,
        "the actor is skipped"
    );

    let counts: Vec<serde_json::Value> = t
        .audit_all(&admin)
        .await
        .into_iter()
        .filter(|e| e.action == "password.bulk_reset")
        .map(|e| e.details["count"].clone())
        .collect();
    assert_eq!(counts, vec![serde_json::json!(2), serde_json::json!(2)]);
    let err = s
        .bulk_reset_count(&admin, &req(None, Some("No such app"), false))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
});

both_backends!(cancel_rolls_everything_back, |t| {
    let admin = setup(&t).await;
    let s = &t.service;
    let entries = t.audit_all(&admin).await.len();
    let cancel = AtomicBool::new(false);
    let calls = Mutex::new(0u32);
    let progress = |_: Progress| {
        let mut n = calls.lock().unwrap();
        *n += 1;
        if *n == 1 {
            cancel.store(true, Ordering::SeqCst);
        }
    };
    let err = s
        .bulk_reset(
            &admin,
            &req(None, None, true),
            &Password::from(SHARED),
            &progress,
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    assert!(*calls.lock().unwrap() >= 1);
    for login in STAFF.iter().chain(PORTAL.iter()) {
        assert_eq!(t.auth(login, OLD).await, AuthOutcome::Ok, "{login}");
        assert_eq!(
            t.auth(login, SHARED).await,
            AuthOutcome::BadCredentials,
            "{login}"
        );
        assert!(shared_hash(&t, login).await.is_none(), "{login}");
        assert!(!t.row(login).await.must_change_password, "{login}");
    }
    assert_eq!(t.audit_all(&admin).await.len(), entries, "nothing audited");
    // Cancelling at the last moment (after the last chunk) also rolls back.
    let cancel = AtomicBool::new(false);
    let late = |p: Progress| {
        if p.total > 0 && p.done == p.total {
            cancel.store(true, Ordering::SeqCst);
        }
    };
    let err = s
        .bulk_reset(
            &admin,
            &req(None, None, true),
            &Password::from(SHARED),
            &late,
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    assert_eq!(t.auth("s.user1", OLD).await, AuthOutcome::Ok);
    // Not cancelled: it works.
    let n = s
        .bulk_reset(
            &admin,
            &req(None, None, true),
            &Password::from(SHARED),
            &|_| {},
            &AtomicBool::new(false),
        )
        .await
        .unwrap();
    assert_eq!(n, 4);
});

both_backends!(needs_step_up_and_a_good_password, |t| {
    let admin = setup(&t).await;
    let s = &t.service;
    let cancel = AtomicBool::new(false);
    let err = s
        .bulk_reset(
            &admin,
            &req(None, None, true),
            &Password::from("short"),
            &|_| {},
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Policy(v) if v[0].contains("at least 15")),
        "{err:?}"
    );
    t.clock.advance(Duration::minutes(6));
    let err = s
        .bulk_reset(
            &admin,
            &req(None, None, true),
            &Password::from(SHARED),
            &|_| {},
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StepUpRequired(_)), "{err:?}");
    assert_eq!(t.auth("s.user1", OLD).await, AuthOutcome::Ok);
    let fresh = s
        .step_up(&admin, &Password::from(ADMIN_PASSWORD))
        .await
        .unwrap();
    assert_eq!(
        s.bulk_reset(
            &fresh,
            &req(None, None, true),
            &Password::from(SHARED),
            &|_| {},
            &cancel
        )
        .await
        .unwrap(),
        4
    );
});

both_backends!(shared_password_must_meet_every_policy_in_scope, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "own.policy", Kind::Staff, Role::User, OLD)
        .await;
    s.create_policy(&admin, "strict", "default").await.unwrap();
    s.set_policy(
        &admin,
        "strict",
        &[("min_length".into(), "40".into())],
        None,
    )
    .await
    .unwrap();
    let edit = keyward::service::UserEdit {
        policy: Some(Some("strict".into())),
        ..Default::default()
    };
    s.edit_user(&admin, "own.policy", None, &edit)
        .await
        .unwrap();
    let req = BulkRequest {
        role: None,
        resource: None,
        must_change: true,
        confirmed_count: None,
    };
    let cancel = AtomicBool::new(false);
    let err = s
        .bulk_reset(&admin, &req, &Password::from(SHARED), &|_| {}, &cancel)
        .await
        .unwrap_err();
    match err {
        Error::Policy(v) => assert!(
            v.iter().any(|m| m.contains("40") && m.contains("strict")),
            "{v:?}"
        ),
        other => panic!("{other:?}"),
    }
    // Nothing changed.
    assert_eq!(
        s.authenticate("own.policy", &Password::from(OLD), "t")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
    let long = "a shared passphrase long enough for the strict policy too";
    assert_eq!(
        s.bulk_reset(&admin, &req, &Password::from(long), &|_| {}, &cancel)
            .await
            .unwrap(),
        1
    );
});

/// The first sign-in after a bulk reset answers after one Argon2 run, as
/// every sign-in does; the re-hash with the user's own salt (a second run)
/// follows the answer. On a single-threaded runtime the work begun after the
/// answer cannot run before the test looks, so the count of Argon2 runs at
/// the answer is exact.
async fn first_sign_in_after_a_bulk_reset_answers_first(t: &TestDb) {
    let admin = setup(t).await;
    let s = &t.service;
    s.bulk_reset(
        &admin,
        &req(None, None, true),
        &Password::from(SHARED),
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    s.settle().await;
    let shared = shared_hash(t, "s.user1").await.expect("shared hash");

    let before = s.argon2_runs();
    let outcome = s
        .authenticate("s.user1", &Password::from(SHARED), "test")
        .await
        .unwrap();
    let at_answer = s.argon2_runs();
    assert_eq!(
        outcome,
        AuthOutcome::OkMustChange {
            reason: MustChangeReason::Flagged
        }
    );
    assert_eq!(at_answer - before, 1, "one Argon2 run before the answer");
    s.settle().await;
    assert_eq!(s.argon2_runs() - before, 2, "the re-hash after it");
    assert!(shared_hash(t, "s.user1").await.is_none());
    let id = t.row("s.user1").await.id;
    let own = s.store().credential(id).await.unwrap().own_hash.unwrap();
    assert_ne!(own, shared, "a salt of its own");

    // The next sign-in: one run, nothing after it.
    let before = s.argon2_runs();
    assert!(t.auth("s.user1", SHARED).await.is_ok());
    s.settle().await;
    assert_eq!(s.argon2_runs() - before, 1);
    // Others still point at the shared hash until they sign in.
    assert_eq!(shared_hash(t, "s.user2").await, Some(shared));
}

fn on_one_thread(test: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(test);
}

mod first_sign_in_after_a_bulk_reset_answers_before_its_rehash {
    use super::*;

    #[test]
    fn sqlite() {
        on_one_thread(async {
            let t = common::sqlite().await;
            first_sign_in_after_a_bulk_reset_answers_first(&t).await;
            t.cleanup().await;
        });
    }

    #[test]
    #[cfg_attr(
        not(keyward_postgres_tests),
        ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
    )]
    fn postgres() {
        on_one_thread(async {
            let Some(t) = common::postgres().await else {
                return;
            };
            first_sign_in_after_a_bulk_reset_answers_first(&t).await;
            t.cleanup().await;
        });
    }
}

// A re-hash that arrives after the password was replaced (here: a second
// bulk reset between the sign-in's answer and its re-hash) changes nothing:
// it replaces only the hash that verified, and adds no history row either.
both_backends!(a_late_rehash_changes_nothing, |t| {
    let admin = setup(&t).await;
    let s = &t.service;
    s.bulk_reset(
        &admin,
        &req(None, None, true),
        &Password::from(SHARED),
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    let first = shared_hash(&t, "s.user2").await.expect("shared hash");
    let admin = t.sign_in(ADMIN, ADMIN_PASSWORD).await;
    s.bulk_reset(
        &admin,
        &req(None, None, true),
        &Password::from("another shared passphrase"),
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    let second = shared_hash(&t, "s.user2").await.expect("shared hash");
    assert_ne!(first, second);
    let id = t.row("s.user2").await.id;
    let sql = format!("SELECT COUNT(*) FROM password_history WHERE user_id = {id}");
    let history = || async {
        if t.url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
            let n: i64 = sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            n
        } else {
            let pool = sqlx::SqlitePool::connect(&t.url).await.unwrap();
            let n: i64 = sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap();
            pool.close().await;
            n
        }
    };
    let kept = history().await;
    // The re-hash of a sign-in that verified the first shared hash.
    s.store()
        .rehash(
            id,
            &first,
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        )
        .await
        .unwrap();
    assert_eq!(history().await, kept, "no history row for a late re-hash");
    assert_eq!(shared_hash(&t, "s.user2").await, Some(second));
    assert!(t.auth("s.user2", "another shared passphrase").await.is_ok());
});

// ---------------------------------------------------------------------------
// Bulk reset by link (issue 17): each user in scope gets their own one-time
// link in the outbox; nobody shares a password.

const BASE: &str = "https://accounts.example.org";

/// The test's service with `[web] public_url` configured.
fn by_link(t: &TestDb) -> keyward::service::Service {
    t.service.clone().with_links_base(Some(BASE))
}

/// Logins with a reset link waiting in the outbox, sorted (one per link).
async fn queued_logins(t: &TestDb) -> Vec<String> {
    let mut logins: Vec<String> = t
        .service
        .store()
        .pending_links(None, t.clock.now(), 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.login)
        .collect();
    logins.sort();
    logins
}

fn sorted(logins: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = logins.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// The token at the end of a link.
fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

both_backends!(by_link_mails_each_staff_user_their_own_link, |t| {
    let admin = setup(&t).await;
    let s = by_link(&t);
    let (staff_token, _) = s.issue_reset_token(&admin, "s.user1").await.unwrap();
    let (portal_token, _) = s.issue_reset_token(&admin, "p.one").await.unwrap();
    let all = req(None, None, true);
    assert_eq!(s.bulk_reset_links_count(&admin, &all).await.unwrap(), 4);
    let seen = Mutex::new(Vec::<Progress>::new());
    let n = s
        .bulk_reset_links(
            &admin,
            &all,
            &|p| seen.lock().unwrap().push(p),
            &AtomicBool::new(false),
        )
        .await
        .unwrap();
    assert_eq!(n, 4);
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.first(), Some(&Progress { done: 0, total: 4 }));
    assert_eq!(seen.last(), Some(&Progress { done: 4, total: 4 }));

    // Exactly one link per staff user; none to portal users or the actor.
    assert_eq!(queued_logins(&t).await, sorted(&STAFF));
    let links = t
        .service
        .store()
        .pending_links(None, t.clock.now(), 100)
        .await
        .unwrap();
    let mut tokens: Vec<&str> = links.iter().map(|l| token_of(&l.link)).collect();
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 4, "every link has its own token");
    for l in &links {
        assert_eq!(l.recipient, format!("{}@example.org", l.login));
        assert!(l.link.starts_with(&format!("{BASE}/reset/")), "{}", l.login);
        assert_eq!(token_of(&l.link).len(), 64);
        assert_eq!(l.expires_at - l.created_at, Duration::minutes(60));
    }
    // Nobody was given a password: current ones still work, none shared.
    for login in STAFF.iter().chain(PORTAL.iter()) {
        assert_eq!(t.auth(login, OLD).await, AuthOutcome::Ok, "{login}");
        assert!(shared_hash(&t, login).await.is_none(), "{login}");
    }
    // The older staff link stopped working; the portal user's did not.
    let err = s
        .redeem_reset_token(&staff_token, &Password::from("token chosen passphrase"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    assert_eq!(
        s.redeem_reset_token(&portal_token, &Password::from("token chosen passphrase"))
            .await
            .unwrap(),
        "p.one"
    );
    // Each link sets its own user's password, once.
    let mine = links.iter().find(|l| l.login == "s.mgr").unwrap();
    assert_eq!(
        s.redeem_reset_token(
            token_of(&mine.link),
            &Password::from("managers own new passphrase")
        )
        .await
        .unwrap(),
        "s.mgr"
    );
    assert_eq!(
        t.auth("s.mgr", "managers own new passphrase").await,
        AuthOutcome::Ok
    );
    assert!(
        s.redeem_reset_token(
            token_of(&mine.link),
            &Password::from("and again a passphrase")
        )
        .await
        .is_err()
    );

    // One audit entry with the real count.
    let bulk: Vec<_> = t
        .audit_all(&admin)
        .await
        .into_iter()
        .filter(|e| e.action == "password.bulk_reset_links")
        .collect();
    assert_eq!(bulk.len(), 1);
    assert_eq!(bulk[0].details["count"], 4);
    assert_eq!(bulk[0].actor, ADMIN);

    // A second run replaces the first run's links that wait.
    let n = s
        .bulk_reset_links(
            &admin,
            &req(Some(Role::User), None, true),
            &|_| {},
            &AtomicBool::new(false),
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    let mut logins = queued_logins(&t).await;
    logins.dedup();
    assert_eq!(logins, sorted(&["s.admin2", "s.user1", "s.user2"]));
    assert_eq!(queued_logins(&t).await.len(), 3, "one good link each");
});

both_backends!(by_link_filters_and_policies, |t| {
    let admin = setup(&t).await;
    let s = by_link(&t);
    // s.mgr follows a policy whose links live 20 minutes.
    s.create_policy(&admin, "short-links", "default")
        .await
        .unwrap();
    s.set_policy(
        &admin,
        "short-links",
        &[("reset_link_ttl_minutes".into(), "20".into())],
        None,
    )
    .await
    .unwrap();
    let edit = keyward::service::UserEdit {
        policy: Some(Some("short-links".into())),
        ..Default::default()
    };
    s.edit_user(&admin, "s.mgr", None, &edit).await.unwrap();
    let mobile = req(None, Some("Mobile app"), true);
    assert_eq!(s.bulk_reset_links_count(&admin, &mobile).await.unwrap(), 2);
    let n = s
        .bulk_reset_links(&admin, &mobile, &|_| {}, &AtomicBool::new(false))
        .await
        .unwrap();
    assert_eq!(n, 2);
    let links = t
        .service
        .store()
        .pending_links(None, t.clock.now(), 100)
        .await
        .unwrap();
    let life = |login: &str| {
        let l = links.iter().find(|l| l.login == login).unwrap();
        l.expires_at - l.created_at
    };
    assert_eq!(life("s.user1"), Duration::minutes(60));
    assert_eq!(life("s.mgr"), Duration::minutes(20));
    assert_eq!(queued_logins(&t).await, sorted(&["s.mgr", "s.user1"]));
    // No one in scope: nothing written, nothing audited but the count 0.
    let none = req(Some(Role::GlobalAdmin), None, true);
    assert_eq!(s.bulk_reset_links_count(&admin, &none).await.unwrap(), 0);
});

both_backends!(by_link_needs_a_public_url_step_up_and_the_right, |t| {
    let admin = setup(&t).await;
    let all = req(None, None, true);
    let cancel = AtomicBool::new(false);
    // No [web] public_url: refused with what to set, nothing written.
    for err in [
        t.service
            .bulk_reset_links_count(&admin, &all)
            .await
            .unwrap_err(),
        t.service
            .bulk_reset_links(&admin, &all, &|_| {}, &cancel)
            .await
            .unwrap_err(),
    ] {
        match err {
            Error::Invalid(m) => {
                assert!(m.contains("[web] public_url"), "{m}");
                assert!(m.contains("[mail] url"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }
    let err = t
        .service
        .clone()
        .with_links_base(Some("accounts.example.org"))
        .bulk_reset_links(&admin, &all, &|_| {}, &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid(m) if m.contains("https://")),
        "{err:?}"
    );
    assert!(queued_logins(&t).await.is_empty());

    let s = by_link(&t);
    // Only a global administrator may.
    let other = t.sign_in("s.admin2", OLD).await;
    let err = s
        .bulk_reset_links(&other, &all, &|_| {}, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    // A recent step-up.
    t.clock.advance(Duration::minutes(6));
    let err = s
        .bulk_reset_links(&admin, &all, &|_| {}, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StepUpRequired(_)), "{err:?}");
    assert!(queued_logins(&t).await.is_empty());
    let fresh = s
        .step_up(&admin, &Password::from(ADMIN_PASSWORD))
        .await
        .unwrap();
    assert_eq!(
        s.bulk_reset_links(&fresh, &all, &|_| {}, &cancel)
            .await
            .unwrap(),
        4
    );
});

both_backends!(by_link_cancel_writes_nothing, |t| {
    let admin = setup(&t).await;
    let s = by_link(&t);
    let (older, _) = s.issue_reset_token(&admin, "s.user2").await.unwrap();
    let entries = t.audit_all(&admin).await.len();
    let cancel = AtomicBool::new(false);
    let late = |p: Progress| {
        if p.total > 0 && p.done == p.total {
            cancel.store(true, Ordering::SeqCst);
        }
    };
    let err = s
        .bulk_reset_links(&admin, &req(None, None, true), &late, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    assert_eq!(t.audit_all(&admin).await.len(), entries, "nothing audited");
    // Only the link issued before is waiting... it was not queued for
    // mail (issued by an administrator), so nothing is.
    assert!(queued_logins(&t).await.is_empty());
    // The older link was not revoked.
    assert_eq!(
        s.redeem_reset_token(&older, &Password::from("token chosen passphrase"))
            .await
            .unwrap(),
        "s.user2"
    );
});

/// One number from the test's database, read over a connection of its own.
async fn number(t: &TestDb, sql: &str) -> i64 {
    if t.backend() == "postgres" {
        let pool = sqlx::PgPool::connect(&t.url).await.expect("connect");
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.expect(sql);
        pool.close().await;
        n
    } else {
        let pool = sqlx::SqlitePool::connect(&t.url).await.expect("open");
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.expect(sql);
        pool.close().await;
        n
    }
}

/// Whether a `keyward` transaction has begun writing: on PostgreSQL a
/// keyward backend holds a transaction id, on SQLite the write-ahead log
/// has grown past a few pages (as in tests/cli.rs).
async fn writing(t: &TestDb, wal_floor: u64) -> bool {
    if t.backend() == "postgres" {
        number(
            t,
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = 'keyward' AND backend_xid IS NOT NULL",
        )
        .await
            > 0
    } else {
        let wal = format!("{}-wal", t.url.trim_start_matches("sqlite://"));
        std::fs::metadata(wal).is_ok_and(|m| m.len() > wal_floor)
    }
}

// `keyward user reset-all --by-link` on 100,000 demo users: killed (kill -9)
// in the middle of its transaction it leaves no token, no mail and no audit
// entry, and a whole database; run to the end it queues exactly one link per
// staff user other than the acting administrator, and none to a portal
// user. Then the same for the shared-password `reset-all`.
both_backends!(by_link_100k_killed_then_completed, |t| {
    use common::cli::Cli;
    let cli = Cli::new(&t);
    cli.init_and_login();
    assert!(
        cli.ok(&["demo", "--users", "100000"], "")
            .contains("added 100,000 demo users")
    );
    let config = cli.data_dir.path().join("keyward.toml");
    std::fs::write(&config, format!("[web]\npublic_url = \"{BASE}\"\n")).unwrap();
    let config = config.to_str().unwrap().to_string();
    let args = [
        "--config",
        config.as_str(),
        "user",
        "reset-all",
        "--by-link",
        "--yes",
    ];
    let staff = number(
        &t,
        "SELECT COUNT(*) FROM users WHERE kind = 'staff' AND login <> 'root1'",
    )
    .await;
    assert!(staff > 10_000, "{staff}");
    // Without a public URL: refused, with what to set.
    let err = cli.fails(&["user", "reset-all", "--by-link", "--yes"], b"", 3);
    assert!(err.contains("[web] public_url"), "{err}");
    let audit_before = cli.ok(&["audit", "--json", "--limit", "1000"], "");
    let wal_floor = wal_size(&t);

    let mut reset = cli.spawn(&args);
    let waited = std::time::Instant::now();
    while !writing(&t, wal_floor + (4 << 20)).await {
        assert!(
            reset.try_wait().expect("try_wait").is_none(),
            "the reset ended before it could be interrupted"
        );
        assert!(waited.elapsed().as_secs() < 120, "the reset never started");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        reset.try_wait().expect("try_wait").is_none(),
        "the reset ended before it could be interrupted"
    );
    reset.kill().expect("kill -9");
    reset.wait().expect("wait");
    assert_eq!(
        number(&t, "SELECT COUNT(*) FROM reset_tokens").await,
        0,
        "no token"
    );
    assert_eq!(
        number(&t, "SELECT COUNT(*) FROM outbox").await,
        0,
        "no mail"
    );
    assert_eq!(
        cli.ok(&["audit", "--json", "--limit", "1000"], ""),
        audit_before
    );
    whole_after_a_kill(&t, &cli).await;

    // Run to the end.
    let out = cli.ok(&args, "");
    assert!(
        out.contains(&format!(
            "{} reset links to be mailed",
            keyward::domain::plural::thousands(staff)
        )),
        "{out}"
    );
    assert_eq!(number(&t, "SELECT COUNT(*) FROM outbox").await, staff);
    assert_eq!(
        number(&t, "SELECT COUNT(DISTINCT user_id) FROM outbox").await,
        staff,
        "exactly one mail per user"
    );
    assert_eq!(
        number(
            &t,
            "SELECT COUNT(*) FROM outbox o JOIN users u ON u.id = o.user_id \
             WHERE u.kind = 'staff' AND u.login <> 'root1' AND o.kind = 'reset_link' \
             AND o.state = 'queued' AND o.recipient = u.email \
             AND o.link LIKE 'https://accounts.example.org/reset/%'"
        )
        .await,
        staff,
        "every staff user but the administrator, to their own address"
    );
    assert_eq!(
        number(
            &t,
            "SELECT COUNT(*) FROM outbox o JOIN users u ON u.id = o.user_id \
             WHERE u.kind = 'portal' OR u.login = 'root1'"
        )
        .await,
        0,
        "none to portal users or the acting administrator"
    );
    assert_eq!(
        number(
            &t,
            "SELECT COUNT(*) FROM outbox o JOIN reset_tokens r ON r.id = o.token_id \
             WHERE r.user_id = o.user_id AND r.used_at IS NULL AND r.revoked_at IS NULL \
             AND r.purpose = 'reset'"
        )
        .await,
        staff,
        "each mail carries its user's live token"
    );
    assert_eq!(
        number(&t, "SELECT COUNT(DISTINCT token_hash) FROM reset_tokens").await,
        staff
    );
    assert!(cli.ok(&["audit", "verify"], "").contains("intact"));

    // The shared-password reset (one new password for every staff user
    // but the administrator), killed in its transaction: no one has it and
    // nothing is audited; run to the end: every one of them has it.
    let shared = ["user", "reset-all", "--yes", "--password-stdin"];
    let new_password = "spring blossom river stone\n";
    let has_shared = "SELECT COUNT(*) FROM credentials WHERE shared_credential_id IS NOT NULL";
    assert_eq!(number(&t, has_shared).await, 0);
    let audit_before = cli.ok(&["audit", "--json", "--limit", "1000"], "");
    // The WAL file keeps its size once grown (SQLite reuses it from the
    // start): emptied, its growth shows the reset writing.
    empty_wal(&t).await;
    let wal_floor = wal_size(&t);
    let mut reset = cli.spawn(&shared);
    {
        use std::io::Write;
        let mut stdin = reset.stdin.take().expect("stdin");
        stdin.write_all(new_password.as_bytes()).expect("write");
    }
    let waited = std::time::Instant::now();
    while !writing(&t, wal_floor + (1 << 20)).await {
        if reset.try_wait().expect("try_wait").is_some() {
            let out = reset.wait_with_output().expect("output");
            panic!("the shared reset ended before it could be interrupted: {out:?}");
        }
        assert!(
            waited.elapsed().as_secs() < 120,
            "the shared reset never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        reset.try_wait().expect("try_wait").is_none(),
        "the shared reset ended before it could be interrupted"
    );
    reset.kill().expect("kill -9");
    reset.wait().expect("wait");
    assert_eq!(number(&t, has_shared).await, 0, "no one has the password");
    assert_eq!(
        number(&t, "SELECT COUNT(*) FROM shared_credentials").await,
        0,
        "no shared hash is left"
    );
    assert_eq!(
        cli.ok(&["audit", "--json", "--limit", "1000"], ""),
        audit_before
    );
    whole_after_a_kill(&t, &cli).await;
    let out = cli.ok(&shared, new_password);
    let said: i64 = out
        .trim_start_matches("reset ")
        .split(' ')
        .next()
        .map(|n| n.replace(',', ""))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(said > 10_000, "{out}");
    assert_eq!(number(&t, has_shared).await, said, "{out}");
    assert!(cli.ok(&["audit", "verify"], "").contains("intact"));
});

/// The size of SQLite's write-ahead log (0 on PostgreSQL, or none yet).
fn wal_size(t: &TestDb) -> u64 {
    if t.backend() == "sqlite" {
        let wal = format!("{}-wal", t.url.trim_start_matches("sqlite://"));
        std::fs::metadata(wal).map_or(0, |m| m.len())
    } else {
        0
    }
}

/// Empties SQLite's write-ahead log into the database file (PostgreSQL:
/// nothing to do).
async fn empty_wal(t: &TestDb) {
    if t.backend() == "sqlite" {
        let pool = sqlx::SqlitePool::connect(&t.url).await.expect("open");
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&pool)
            .await
            .expect("wal_checkpoint");
        pool.close().await;
        assert_eq!(busy, 0, "the WAL could not be emptied");
    }
}

/// The database right after a kill: the audit chain verifies and, on
/// SQLite, the file passes its integrity check.
async fn whole_after_a_kill(t: &TestDb, cli: &common::cli::Cli) {
    assert!(cli.ok(&["audit", "verify"], "").contains("intact"));
    if t.backend() == "sqlite" {
        let pool = sqlx::SqlitePool::connect(&t.url).await.expect("open");
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .expect("integrity_check");
        pool.close().await;
        assert_eq!(check, "ok");
    }
}
