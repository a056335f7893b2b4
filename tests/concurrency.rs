//! Several processes on one database (docs/ARCHITECTURE.md "Sign-in", step 3): every
//! service here has its own connection pool on the test database, as
//! separate programs would.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, TestDb};
use keyward::Error;
use keyward::domain::{AuthOutcome, Kind, Password, Role};
use keyward::service::views::AuditVerdict;
use keyward::service::{NewUser, Service, ServiceConfig, UserEdit};
use keyward::store::Store;

const PW: &str = "violet kettle harbour quince";

/// The tests in this file each open many connections and hash a lot; they
/// take turns so that they neither exhaust PostgreSQL's connection limit nor
/// starve each other of CPU.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `n` services on the test database, each with its own pool, opened at once.
async fn services(t: &TestDb, n: usize) -> Vec<Service> {
    let opening = (0..n).map(|_| async {
        let store = Store::open(&t.url).await.expect("open");
        Service::new(store, ServiceConfig::default(), t.clock.clone())
            .await
            .expect("service")
    });
    futures::future::join_all(opening).await
}

async fn close(services: Vec<Service>) {
    for s in services {
        s.store().close().await;
    }
}

async fn attempts(t: &TestDb, login: &str, outcome: &str) -> usize {
    let id = t.row(login).await.id;
    let rows = t
        .service
        .store()
        .attempts_for_user(id, 10_000)
        .await
        .unwrap();
    rows.iter().filter(|a| a.outcome == outcome).count()
}

both_backends!(every_concurrent_failure_is_counted, |t| {
    let _turn = HEAVY.lock().await;
    let admin = t.admin().await;
    t.add_user(&admin, "target.user", Kind::Staff, Role::User, PW)
        .await;
    t.service
        .set_policy(
            &admin,
            "default",
            &[("lockout_threshold".into(), "100".into())],
            None,
        )
        .await
        .unwrap();
    let pool = services(&t, 10).await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let s = pool[i % pool.len()].clone();
            tokio::spawn(async move {
                s.authenticate(
                    "target.user",
                    &Password::from(format!("wrong guess {i}").as_str()),
                    "race",
                )
                .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), AuthOutcome::BadCredentials);
    }
    let u = t.row("target.user").await;
    assert_eq!(u.failed_attempts, 50, "no lost updates");
    assert!(u.locked_at.is_none());
    assert_eq!(attempts(&t, "target.user", "bad_password").await, 50);
    // The right password still works and clears the count.
    assert_eq!(t.auth("target.user", PW).await, AuthOutcome::Ok);
    assert_eq!(t.row("target.user").await.failed_attempts, 0);
    close(pool).await;
});

both_backends!(racing_right_and_wrong_passwords_end_locked, |t| {
    let _turn = HEAVY.lock().await;
    let admin = t.admin().await;
    t.add_user(&admin, "target.user", Kind::Staff, Role::User, PW)
        .await;
    let pool = services(&t, 10).await;
    // 50 wrong and 5 right attempts, interleaved. With the default threshold
    // of 5, five successes can absorb at most 6 x 4 = 24 failures, so the
    // account must end locked whatever the order.
    let tasks: Vec<_> = (0..55)
        .map(|i| {
            let s = pool[i % pool.len()].clone();
            let right = i % 11 == 5;
            let pw = if right {
                PW.to_string()
            } else {
                format!("wrong guess {i}")
            };
            tokio::spawn(async move {
                (
                    right,
                    s.authenticate("target.user", &Password::from(pw.as_str()), "race")
                        .await
                        .unwrap(),
                )
            })
        })
        .collect();
    let mut oks = 0;
    let mut right_locked = 0;
    for task in tasks {
        let (right, outcome) = task.await.unwrap();
        match (right, outcome) {
            (true, AuthOutcome::Ok) => oks += 1,
            (true, AuthOutcome::Locked { until: Some(_) }) => right_locked += 1,
            (false, AuthOutcome::BadCredentials | AuthOutcome::Locked { until: Some(_) }) => {}
            (right, other) => panic!("right password: {right}, outcome {other:?}"),
        }
    }
    assert_eq!(oks + right_locked, 5);
    let u = t.row("target.user").await;
    assert!(u.locked_at.is_some(), "the account ends locked");
    assert!(u.failed_attempts >= 5, "{}", u.failed_attempts);
    // Locked exactly once: no success cleared the lock for it to be set again.
    assert_eq!(attempts(&t, "target.user", "locked").await, 1);
    assert_eq!(attempts(&t, "target.user", "ok").await, oks);
    // Still locked for the right password, from any process.
    for s in &pool {
        assert!(matches!(
            s.authenticate("target.user", &Password::from(PW), "after")
                .await
                .unwrap(),
            AuthOutcome::Locked { .. }
        ));
    }
    close(pool).await;
});

both_backends!(concurrent_edits_one_wins, |t| {
    let _turn = HEAVY.lock().await;
    let admin = t.admin().await;
    t.add_user(&admin, "carl.d", Kind::Staff, Role::User, PW)
        .await;
    let version = t.row("carl.d").await.version;
    let pool = services(&t, 10).await;
    let tasks: Vec<_> = pool
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let s = s.clone();
            let admin = admin.clone();
            tokio::spawn(async move {
                let edit = UserEdit {
                    name: Some(format!("Carl Version {i}")),
                    ..Default::default()
                };
                s.edit_user(&admin, "carl.d", Some(version), &edit).await
            })
        })
        .collect();
    let mut won = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(summary) => won.push(summary.name),
            Err(Error::Conflict(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(won.len(), 1, "{won:?}");
    let row = t.row("carl.d").await;
    assert_eq!(row.name, won[0]);
    assert_eq!(row.version, version + 1);
    let edits = t
        .audit_all(&admin)
        .await
        .into_iter()
        .filter(|e| e.action == "user.edit")
        .count();
    assert_eq!(edits, 1);
    close(pool).await;
});

both_backends!(concurrent_changes_keep_the_audit_chain_intact, |t| {
    let _turn = HEAVY.lock().await;
    let admin = t.admin().await;
    let pool = services(&t, 10).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let s = pool[i % pool.len()].clone();
            let admin = admin.clone();
            tokio::spawn(async move {
                s.add_resource(&admin, &format!("Resource {i}"), "made in a race")
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // The same login created at once in different cases: one wins.
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let s = pool[i].clone();
            let admin = admin.clone();
            let login = if i % 2 == 0 {
                "Same.Login".to_string()
            } else {
                "same.login".to_string()
            };
            tokio::spawn(async move {
                let new = NewUser {
                    login,
                    name: format!("Contender {i}"),
                    email: "same@example.org".into(),
                    kind: Kind::Staff,
                    role: Role::User,
                    policy: None,
                    must_change: false,
                };
                s.create_user(&admin, &new, None).await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(Error::Conflict(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(
        t.service.verify_audit(&admin).await.unwrap(),
        AuditVerdict::Intact { entries: 42 }
    );
    assert_eq!(t.service.list_resources(&admin).await.unwrap().len(), 40);
    close(pool).await;
});

both_backends!(concurrent_token_redemption_is_single_use, |t| {
    let _turn = HEAVY.lock().await;
    let admin = t.admin().await;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let (token, _) = t.service.issue_reset_token(&admin, "anna.b").await.unwrap();
    let pool = services(&t, 8).await;
    let tasks: Vec<_> = pool
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let s = s.clone();
            let token = token.to_string();
            tokio::spawn(async move {
                let pw = format!("racing new password number {i}");
                (
                    pw.clone(),
                    s.redeem_reset_token(&token, &Password::from(pw.as_str()))
                        .await,
                )
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (pw, Ok(login)) => {
                assert_eq!(login, "anna.b");
                winners.push(pw);
            }
            (_, Err(Error::Unauthenticated(_))) => {}
            (_, Err(other)) => panic!("{other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(t.auth("anna.b", &winners[0]).await, AuthOutcome::Ok);
    assert_eq!(t.auth("anna.b", PW).await, AuthOutcome::BadCredentials);
    close(pool).await;
});

both_backends!(two_global_admins_demoting_each_other_leave_one, |t| {
    let _turn = HEAVY.lock().await;
    let root = t.admin().await;
    t.add_user(&root, "glob.two", Kind::Staff, Role::GlobalAdmin, PW)
        .await;
    let two = t.sign_in("glob.two", PW).await;
    let root = t.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let pool = services(&t, 2).await;
    let demote = UserEdit {
        role: Some(Role::Admin),
        ..Default::default()
    };
    let a = {
        let (s, actor, edit) = (pool[0].clone(), root.clone(), demote.clone());
        tokio::spawn(async move { s.edit_user(&actor, "glob.two", None, &edit).await })
    };
    let b = {
        let (s, actor, edit) = (pool[1].clone(), two.clone(), demote.clone());
        tokio::spawn(async move { s.edit_user(&actor, ADMIN, None, &edit).await })
    };
    let results = [a.await.unwrap(), b.await.unwrap()];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    // The loser is refused: by the last-admin guard, or, when the winner
    // committed first, because its own role changed since it signed in.
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(Error::Forbidden(_) | Error::Unauthenticated(_)))),
        "{results:?}"
    );
    assert_eq!(
        t.service
            .store()
            .count_active_global_admins()
            .await
            .unwrap(),
        1
    );
    close(pool).await;
});

// The interleaving the race above can only hope to hit, made certain: this
// process verified the right password, another process locked the account
// meanwhile, and only then is the success recorded.
both_backends!(
    a_success_recorded_after_another_process_locked_changes_nothing,
    |t| {
        let admin = t.admin().await;
        t.add_user(&admin, "target.user", Kind::Staff, Role::User, PW)
            .await;
        let id = t.row("target.user").await.id;
        let other = services(&t, 1).await;
        let now = t.clock.now();
        let policy = keyward::domain::Policy::default();
        let mut locked = 0;
        for _ in 0..5 {
            if other[0]
                .store()
                .record_failure(id, "target.user", &policy, "other", None, now)
                .await
                .unwrap()
                .locked
                .is_some()
            {
                locked += 1;
            }
        }
        assert_eq!(locked, 1);
        assert!(
            !t.service
                .store()
                .record_success(id, "target.user", "test", now)
                .await
                .unwrap(),
            "refused while locked"
        );
        let row = t.row("target.user").await;
        assert!(row.locked_at.is_some(), "the lock stands");
        assert_eq!(row.failed_attempts, 5);
        assert!(row.last_login_at.is_none());
        // Once the lock has run out, a success counts again.
        let later = now + chrono::Duration::minutes(16);
        assert!(
            t.service
                .store()
                .record_success(id, "target.user", "test", later)
                .await
                .unwrap()
        );
        assert_eq!(t.row("target.user").await.failed_attempts, 0);
        close(other).await;
    }
);

// DESIGN.md "Sign-in" step 6: with threshold 5, 20 wrong passwords at once
// lock the account after exactly five; the attempts in flight when the lock
// lands are recorded as attempts while locked and not counted (before, the
// count reached 20 and they were recorded as bad passwords).
both_backends!(
    attempts_in_flight_when_the_lock_lands_are_not_counted,
    |t| {
        let _turn = HEAVY.lock().await;
        let admin = t.admin().await;
        t.add_user(&admin, "target.user", Kind::Staff, Role::User, PW)
            .await;
        let pool = services(&t, 10).await;
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let s = pool[i % pool.len()].clone();
                tokio::spawn(async move {
                    s.authenticate(
                        "target.user",
                        &Password::from(format!("wrong guess {i}").as_str()),
                        "race",
                    )
                    .await
                    .unwrap()
                })
            })
            .collect();
        let (mut bad, mut locked) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                AuthOutcome::BadCredentials => bad += 1,
                AuthOutcome::Locked { until: Some(_) } => locked += 1,
                other => panic!("{other:?}"),
            }
        }
        for s in &pool {
            s.settle().await;
        }
        let u = t.row("target.user").await;
        assert!(u.locked_at.is_some());
        assert_eq!(
            u.failed_attempts, 5,
            "only the failures before the lock count"
        );
        assert_eq!(attempts(&t, "target.user", "bad_password").await, 4);
        assert_eq!(attempts(&t, "target.user", "locked").await, 1);
        assert_eq!(attempts(&t, "target.user", "while_locked").await, 15);
        assert_eq!((bad, locked), (5, 15));
        close(pool).await;
    }
);

// The interleaving the race above hopes to hit, made certain: a failure
// read before another process locked the account is recorded after it.
both_backends!(
    a_failure_recorded_after_another_process_locked_is_not_counted,
    |t| {
        let admin = t.admin().await;
        t.add_user(&admin, "target.user", Kind::Staff, Role::User, PW)
            .await;
        let id = t.row("target.user").await.id;
        let other = services(&t, 1).await;
        let now = t.clock.now();
        let policy = keyward::domain::Policy::default();
        for _ in 0..5 {
            other[0]
                .store()
                .record_failure(id, "target.user", &policy, "other", None, now)
                .await
                .unwrap();
        }
        let late = t
            .service
            .store()
            .record_failure(id, "target.user", &policy, "test", None, now)
            .await
            .unwrap();
        let until = t.row("target.user").await.locked_until;
        assert!(until.is_some());
        assert_eq!(late.already_locked, Some(until));
        assert_eq!((late.failed_attempts, late.locked), (5, None));
        assert_eq!(t.row("target.user").await.failed_attempts, 5);
        assert_eq!(attempts(&t, "target.user", "while_locked").await, 1);
        // Once the lock has run out, a failure counts again, from one.
        let later = now + chrono::Duration::minutes(16);
        let next = t
            .service
            .store()
            .record_failure(id, "target.user", &policy, "test", None, later)
            .await
            .unwrap();
        assert_eq!((next.failed_attempts, next.already_locked), (1, None));
        close(other).await;
    }
);

// Two saves of a password opened on the same read, from two processes at
// once: one is kept, the other reports the conflict.
both_backends!(two_password_saves_on_one_read_one_wins, |t| {
    let _turn = HEAVY.lock().await;
    let admin = t.admin().await;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let read = t.row("anna.b").await.version;
    let pool = services(&t, 2).await;
    let passwords = [
        "amber lantern orchard skyline",
        "cobalt meadow tandem whistle",
    ];
    let tasks: Vec<_> = passwords
        .iter()
        .zip(&pool)
        .map(|(pw, s)| {
            let (s, admin, pw) = (s.clone(), admin.clone(), pw.to_string());
            tokio::spawn(async move {
                let r = s
                    .set_password_at(
                        &admin,
                        "anna.b",
                        Some(read),
                        &Password::from(pw.as_str()),
                        false,
                    )
                    .await;
                (pw, r)
            })
        })
        .collect();
    let mut kept = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (pw, Ok(())) => kept.push(pw),
            (_, Err(Error::Conflict(_))) => {}
            (_, Err(other)) => panic!("{other:?}"),
        }
    }
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(t.auth("anna.b", &kept[0]).await, AuthOutcome::Ok);
    close(pool).await;
});
