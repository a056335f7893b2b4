//! Sign-in rules (docs/ARCHITECTURE.md "Sign-in") on both backends.

mod common;

use chrono::Duration;
use keyward::domain::outcome::MustChangeReason;
use keyward::domain::{AuthOutcome, Kind, Password, Role};

const PW: &str = "violet kettle harbour quince";

both_backends!(right_and_wrong_password, |t| {
    let admin = t.admin().await;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let s = &t.service;
    assert_eq!(
        s.authenticate("anna.b", &Password::from(PW), "test")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
    // Login IDs are not case-sensitive; passwords are.
    assert_eq!(
        s.authenticate("ANNA.B", &Password::from(PW), "test")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
    let upper = PW.to_uppercase();
    assert_eq!(
        s.authenticate("anna.b", &Password::from(upper.as_str()), "test")
            .await
            .unwrap(),
        AuthOutcome::BadCredentials
    );
    assert_eq!(
        s.authenticate("nobody", &Password::from(PW), "test")
            .await
            .unwrap(),
        AuthOutcome::BadCredentials
    );
    assert_eq!(
        s.authenticate("anna.b", &Password::from(""), "test")
            .await
            .unwrap(),
        AuthOutcome::BadCredentials
    );
    assert_eq!(
        s.authenticate("x'; DROP TABLE users;--", &Password::from(PW), "test")
            .await
            .unwrap(),
        AuthOutcome::BadCredentials
    );
    assert_eq!(
        s.authenticate("anna.b", &Password::from(PW), "test")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
});

both_backends!(lockout_after_threshold_and_expiry, |t| {
    let admin = t.admin().await;
    t.add_user(&admin, "bob.c", Kind::Staff, Role::User, PW)
        .await;
    let s = &t.service;
    for i in 1..=4 {
        let o = s
            .authenticate(
                "bob.c",
                &Password::from(format!("wrong {i}").as_str()),
                "test",
            )
            .await
            .unwrap();
        assert_eq!(o, AuthOutcome::BadCredentials, "attempt {i}");
    }
    let o = s
        .authenticate("bob.c", &Password::from("wrong 5"), "test")
        .await
        .unwrap();
    // The failure that locks still answers bad credentials (DESIGN step 4).
    assert_eq!(o, AuthOutcome::BadCredentials);
    let until = t.clock.now() + Duration::minutes(15);
    // While locked even the right password is refused, and not counted.
    let o = s
        .authenticate("bob.c", &Password::from(PW), "test")
        .await
        .unwrap();
    assert_eq!(o, AuthOutcome::Locked { until: Some(until) });
    let locked = s.lockouts(&admin, 100).await.unwrap();
    assert_eq!(
        locked.iter().map(|u| u.login.as_str()).collect::<Vec<_>>(),
        vec!["bob.c"]
    );
    assert_eq!(locked[0].failed_attempts, 5);
    // The lock ends by time.
    t.clock.advance(Duration::minutes(16));
    assert_eq!(
        s.authenticate("bob.c", &Password::from(PW), "test")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
    assert!(s.lockouts(&admin, 100).await.unwrap().is_empty());
});

both_backends!(unlock_by_admin_is_audited, |t| {
    let admin = t.admin().await;
    t.add_user(&admin, "carl.d", Kind::Staff, Role::User, PW)
        .await;
    let s = &t.service;
    for i in 0..5 {
        s.authenticate(
            "carl.d",
            &Password::from(format!("nope {i}").as_str()),
            "test",
        )
        .await
        .unwrap();
    }
    assert!(s.get_user(&admin, "carl.d").await.unwrap().summary.locked);
    assert_eq!(s.lockout_counts(&admin).await.unwrap().locked, 1);
    s.unlock(&admin, "carl.d").await.unwrap();
    assert_eq!(s.lockout_counts(&admin).await.unwrap().locked, 0);
    let u = s.get_user(&admin, "carl.d").await.unwrap();
    assert!(!u.summary.locked);
    assert_eq!(u.summary.failed_attempts, 0);
    assert!(u.recent_audit.iter().any(|e| e.action == "user.unlock"));
    assert_eq!(
        s.authenticate("carl.d", &Password::from(PW), "test")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
});

both_backends!(stale_password_is_not_counted, |t| {
    let admin = t.admin().await;
    t.add_user(
        &admin,
        "dana.e",
        Kind::Staff,
        Role::User,
        "zeroth password of dana",
    )
    .await;
    let s = &t.service;
    for pw in ["first password of dana", "second password of dana", PW] {
        s.set_password(&admin, "dana.e", &Password::from(pw), false)
            .await
            .unwrap();
    }
    // Her phone holds the first password, her mail client the second:
    // every such failure is seen as stale, from the first one on (before,
    // only the failure that would lock was compared, so the count reached
    // threshold - 1 and one typo then locked her out).
    for _ in 0..4 {
        for (pw, source) in [
            ("first password of dana", "phone"),
            ("second password of dana", "mail"),
        ] {
            let o = s
                .authenticate("dana.e", &Password::from(pw), source)
                .await
                .unwrap();
            assert_eq!(o, AuthOutcome::BadCredentials);
        }
    }
    s.settle().await;
    let u = s.get_user(&admin, "dana.e").await.unwrap();
    assert_eq!(u.summary.failed_attempts, 0, "{:?}", u.recent_attempts);
    assert!(!u.summary.locked);
    let stale = u
        .recent_attempts
        .iter()
        .filter(|a| a.outcome == "stale_password")
        .count();
    assert_eq!(stale, 8, "{:?}", u.recent_attempts);
    // One typo then counts once and locks nothing.
    s.authenticate(
        "dana.e",
        &Password::from("violet kettle harbor quince"),
        "web",
    )
    .await
    .unwrap();
    s.settle().await;
    let u = s.get_user(&admin, "dana.e").await.unwrap();
    assert_eq!((u.summary.failed_attempts, u.summary.locked), (1, false));
    // Only the two previous passwords are forgiven: an older one counts.
    for _ in 0..3 {
        s.authenticate("dana.e", &Password::from("zeroth password of dana"), "old")
            .await
            .unwrap();
    }
    s.settle().await;
    assert_eq!(
        s.get_user(&admin, "dana.e")
            .await
            .unwrap()
            .summary
            .failed_attempts,
        4
    );
    // The failure that would lock is compared before it answers: a stale
    // one neither counts nor locks ...
    let o = s
        .authenticate("dana.e", &Password::from("first password of dana"), "phone")
        .await
        .unwrap();
    assert_eq!(o, AuthOutcome::BadCredentials);
    s.settle().await;
    let u = s.get_user(&admin, "dana.e").await.unwrap();
    assert_eq!((u.summary.failed_attempts, u.summary.locked), (4, false));
    // ... and a wrong password that is not an old one still locks.
    let o = s
        .authenticate("dana.e", &Password::from("a guess, not old"), "web")
        .await
        .unwrap();
    assert_eq!(o, AuthOutcome::BadCredentials);
    assert!(s.get_user(&admin, "dana.e").await.unwrap().summary.locked);
});

// A counted failure is taken back only while the count still holds it.
both_backends!(a_stale_failure_is_forgiven_only_while_it_is_counted, |t| {
    let admin = t.admin().await;
    t.add_user(&admin, "ivy.j", Kind::Staff, Role::User, PW)
        .await;
    let store = t.service.store();
    let id = t.row("ivy.j").await.id;
    let policy = keyward::domain::Policy::default();
    let now = t.clock.now();
    let fail = || async {
        store
            .record_failure(id, "ivy.j", &policy, "test", None, now)
            .await
            .unwrap()
    };
    // Forgiven once: the count goes down and the attempt is stale.
    let a = fail().await.attempt_id;
    fail().await;
    assert!(store.forgive_stale(id, a).await.unwrap());
    assert!(!store.forgive_stale(id, a).await.unwrap(), "only once");
    assert_eq!(t.row("ivy.j").await.failed_attempts, 1);
    // A sign-in since reset the count: a later failure is not forgiven in
    // its place.
    let b = fail().await.attempt_id;
    assert!(
        store
            .record_success(id, "ivy.j", "test", now)
            .await
            .unwrap()
    );
    fail().await;
    assert!(!store.forgive_stale(id, b).await.unwrap());
    assert_eq!(t.row("ivy.j").await.failed_attempts, 1);
    // Nor once the account is locked (the lock stands, its count too).
    let c = fail().await.attempt_id;
    for _ in 0..3 {
        fail().await;
    }
    assert!(t.row("ivy.j").await.locked_at.is_some());
    assert!(!store.forgive_stale(id, c).await.unwrap());
    assert_eq!(t.row("ivy.j").await.failed_attempts, 5);
    // Nor after an administrator's change to the account (an unlock).
    t.clock.advance(Duration::seconds(1));
    t.service.unlock(&admin, "ivy.j").await.unwrap();
    assert!(!store.forgive_stale(id, c).await.unwrap());
    let rows = store.attempts_for_user(id, 100).await.unwrap();
    let stale: Vec<i64> = rows
        .iter()
        .filter(|r| r.outcome == "stale_password")
        .map(|r| r.id)
        .collect();
    assert_eq!(stale, vec![a]);
});

both_backends!(disabled_and_must_change, |t| {
    let admin = t.admin().await;
    t.add_user(&admin, "erin.f", Kind::Staff, Role::User, PW)
        .await;
    let s = &t.service;
    s.set_disabled(&admin, "erin.f", true).await.unwrap();
    assert_eq!(
        s.authenticate("erin.f", &Password::from(PW), "test")
            .await
            .unwrap(),
        AuthOutcome::Disabled
    );
    s.set_disabled(&admin, "erin.f", false).await.unwrap();
    s.set_password(
        &admin,
        "erin.f",
        &Password::from("another good passphrase"),
        true,
    )
    .await
    .unwrap();
    assert_eq!(
        s.authenticate("erin.f", &Password::from("another good passphrase"), "test")
            .await
            .unwrap(),
        AuthOutcome::OkMustChange {
            reason: MustChangeReason::Flagged
        }
    );
});

both_backends!(every_attempt_recorded_with_source, |t| {
    let admin = t.admin().await;
    t.add_user(&admin, "fay.g", Kind::Staff, Role::User, PW)
        .await;
    let s = &t.service;
    s.authenticate("fay.g", &Password::from(PW), "mobile-app")
        .await
        .unwrap();
    s.authenticate("fay.g", &Password::from("bad bad bad"), "website")
        .await
        .unwrap();
    let u = s.get_user(&admin, "fay.g").await.unwrap();
    let seen: Vec<(String, String)> = u
        .recent_attempts
        .iter()
        .map(|a| (a.outcome.clone(), a.source.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("bad_password".into(), "website".into()),
            ("ok".into(), "mobile-app".into())
        ]
    );
    let failures = s.recent_failures(&admin, 10).await.unwrap();
    assert_eq!(failures[0].login, "fay.g");
});

both_backends!(rehash_when_parameters_grow, |t| {
    let admin = t.admin().await;
    t.add_user(&admin, "gus.h", Kind::Staff, Role::User, PW)
        .await;
    // A second service with stronger parameters on the same database.
    let cfg = keyward::service::ServiceConfig {
        argon2: keyward::crypto::HashParams {
            iterations: 3,
            ..keyward::crypto::HashParams::FLOOR
        },
        ..Default::default()
    };
    let store = keyward::store::Store::open(&t.url).await.unwrap();
    let strong = keyward::service::Service::new(store, cfg, t.clock.clone())
        .await
        .unwrap();
    assert_eq!(
        strong
            .authenticate("gus.h", &Password::from(PW), "test")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
    // The rehash follows the answer.
    strong.settle().await;
    let user = t
        .service
        .store()
        .user_by_login("gus.h")
        .await
        .unwrap()
        .unwrap();
    let cred = t.service.store().credential(user.id).await.unwrap();
    assert!(
        cred.current().unwrap().contains("t=3"),
        "rehashed with the stronger parameters"
    );
    assert_eq!(
        t.service
            .authenticate("gus.h", &Password::from(PW), "test")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
    strong.store().close().await;
});

both_backends!(last_global_admin_is_never_locked_indefinitely, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    s.set_policy(
        &admin,
        "default",
        &[("lockout_minutes".into(), "0".into())],
        None,
    )
    .await
    .unwrap();
    t.add_user(&admin, "hana.i", Kind::Staff, Role::User, PW)
        .await;
    for i in 0..5 {
        s.authenticate(
            "hana.i",
            &Password::from(format!("no {i}").as_str()),
            "test",
        )
        .await
        .unwrap();
        s.authenticate(
            common::ADMIN,
            &Password::from(format!("no {i}").as_str()),
            "test",
        )
        .await
        .unwrap();
    }
    // An ordinary user waits for an administrator...
    let o = s
        .authenticate("hana.i", &Password::from(PW), "test")
        .await
        .unwrap();
    assert_eq!(o, AuthOutcome::Locked { until: None });
    // ...but nobody could unlock the last global administrator, so their lock ends by itself.
    let o = s
        .authenticate(
            common::ADMIN,
            &Password::from(common::ADMIN_PASSWORD),
            "test",
        )
        .await
        .unwrap();
    assert!(matches!(o, AuthOutcome::Locked { until: Some(_) }), "{o:?}");
    t.clock.advance(Duration::minutes(16));
    let o = s
        .authenticate(
            common::ADMIN,
            &Password::from(common::ADMIN_PASSWORD),
            "test",
        )
        .await
        .unwrap();
    assert_eq!(o, AuthOutcome::Ok);
});

both_backends!(a_password_typed_as_login_is_not_recorded, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    s.authenticate("my secret pass phrase!", &Password::from("x"), "test")
        .await
        .unwrap();
    s.authenticate("nobody.here", &Password::from("x"), "test")
        .await
        .unwrap();
    let failures = s.recent_failures(&admin, 10).await.unwrap();
    let logins: Vec<&str> = failures.iter().map(|a| a.login.as_str()).collect();
    assert_eq!(logins, vec!["nobody.here", "(not a valid login ID)"]);
});

both_backends!(
    wrong_passwords_never_leave_no_global_admin_able_to_sign_in,
    |t| {
        let admin = t.admin().await;
        let s = &t.service;
        s.set_policy(
            &admin,
            "default",
            &[("lockout_minutes".into(), "0".into())],
            None,
        )
        .await
        .unwrap();
        t.add_user(&admin, "second.admin", Kind::Staff, Role::GlobalAdmin, PW)
            .await;
        // The second global admin is locked until unlocked: the first could unlock them.
        for i in 0..5 {
            let pw = format!("no {i}");
            s.authenticate("second.admin", &Password::from(pw.as_str()), "attacker")
                .await
                .unwrap();
        }
        let o = s
            .authenticate("second.admin", &Password::from(PW), "test")
            .await
            .unwrap();
        assert_eq!(o, AuthOutcome::Locked { until: None });
        // Now nobody else could unlock the first: their lock ends by itself.
        for i in 0..5 {
            let pw = format!("no {i}");
            s.authenticate(common::ADMIN, &Password::from(pw.as_str()), "attacker")
                .await
                .unwrap();
        }
        let o = s
            .authenticate(
                common::ADMIN,
                &Password::from(common::ADMIN_PASSWORD),
                "test",
            )
            .await
            .unwrap();
        assert!(matches!(o, AuthOutcome::Locked { until: Some(_) }), "{o:?}");
        t.clock.advance(Duration::minutes(16));
        let o = s
            .authenticate(
                common::ADMIN,
                &Password::from(common::ADMIN_PASSWORD),
                "test",
            )
            .await
            .unwrap();
        assert_eq!(o, AuthOutcome::Ok);
    }
);

// Every failure costs the same Argon2 work: one run before its answer,
// and the stale-password check's two after it (service/stale.rs).
both_backends!(every_failure_costs_the_same_argon2_runs, |t| {
    let admin = t.admin().await;
    t.add_user(&admin, "gail.h", Kind::Staff, Role::User, PW)
        .await;
    t.add_user(&admin, "hugo.i", Kind::Staff, Role::User, PW)
        .await;
    let s = &t.service;
    s.set_password(
        &admin,
        "gail.h",
        &Password::from("gail's second password"),
        false,
    )
    .await
    .unwrap();
    s.set_disabled(&admin, "hugo.i", true).await.unwrap();
    // Runs made by one sign-in, its deferred check included.
    let runs = |login: &'static str, pw: &'static str| async move {
        let before = s.argon2_runs();
        let outcome = s
            .authenticate(login, &Password::from(pw), "test")
            .await
            .unwrap();
        s.settle().await;
        (outcome, s.argon2_runs() - before)
    };
    assert_eq!(
        runs("nobody.here", PW).await,
        (AuthOutcome::BadCredentials, 3)
    );
    assert_eq!(runs("hugo.i", PW).await, (AuthOutcome::Disabled, 3));
    assert_eq!(runs("gail.h", "").await, (AuthOutcome::BadCredentials, 3));
    // Wrong passwords below the threshold, old password (not counted) or not.
    for pw in [PW, "a guess", "another guess", "a third guess"] {
        assert_eq!(runs("gail.h", pw).await, (AuthOutcome::BadCredentials, 3));
    }
    assert_eq!(
        s.get_user(&admin, "gail.h")
            .await
            .unwrap()
            .summary
            .failed_attempts,
        4
    );
    // The fifth failure, the one that would lock, is compared with the
    // two previous passwords before its answer: the same three runs.
    assert_eq!(
        runs("gail.h", "one more").await,
        (AuthOutcome::BadCredentials, 3)
    );
    assert!(s.get_user(&admin, "gail.h").await.unwrap().summary.locked);
    let (outcome, n) = runs("gail.h", "gail's second password").await;
    assert!(matches!(outcome, AuthOutcome::Locked { .. }), "{outcome:?}");
    assert_eq!(n, 3, "a locked account costs the same");
    s.unlock(&admin, "gail.h").await.unwrap();
    // The right password: one run, nothing after.
    assert_eq!(
        runs("gail.h", "gail's second password").await,
        (AuthOutcome::Ok, 1)
    );
});

// A sign-in reads the user, the policy that governs them and their grant
// on the application's resource in one statement: each user gets their
// own policy's threshold (their own, else their kind's) and their own
// grant's level.
both_backends!(a_sign_in_reads_each_users_own_policy_and_grant, |t| {
    use keyward::domain::AccessLevel;
    let admin = t.admin().await;
    let s = &t.service;
    for (login, kind) in [
        ("own.policy", Kind::Staff),
        ("kind.policy", Kind::Staff),
        ("portal.policy", Kind::Portal),
        ("no.grant", Kind::Staff),
    ] {
        t.add_user(&admin, login, kind, Role::User, PW).await;
    }
    s.create_policy(&admin, "strict", "default").await.unwrap();
    for (name, threshold) in [("strict", "2"), ("portal", "3")] {
        let pairs = [("lockout_threshold".to_string(), threshold.to_string())];
        s.set_policy(&admin, name, &pairs, None).await.unwrap();
    }
    let edit = keyward::service::UserEdit {
        policy: Some(Some("strict".into())),
        ..Default::default()
    };
    s.edit_user(&admin, "own.policy", None, &edit)
        .await
        .unwrap();

    // Wrong passwords until the account locks: how many it took.
    let failures_to_lock = |login: &'static str| async move {
        for n in 1..=8 {
            s.authenticate(login, &Password::from("not it at all"), "t")
                .await
                .unwrap();
            let row = s.store().user_with_credential(login).await.unwrap();
            if row.expect("the user").user.locked_at.is_some() {
                return n;
            }
        }
        0
    };
    assert_eq!(failures_to_lock("own.policy").await, 2, "its own policy");
    assert_eq!(
        failures_to_lock("portal.policy").await,
        3,
        "the portal policy"
    );
    assert_eq!(
        failures_to_lock("kind.policy").await,
        5,
        "the default policy"
    );

    s.add_resource(&admin, "Mobile app", "").await.unwrap();
    s.grant(&admin, "Mobile app", "kind.policy", AccessLevel::Manage)
        .await
        .unwrap();
    s.unlock(&admin, "kind.policy").await.unwrap();
    let key = s
        .issue_api_key(&admin, "Mobile app", "t")
        .await
        .unwrap()
        .key;
    let app = s.application(&key).await.unwrap();
    let granted = s
        .sign_in_app(&app, "kind.policy", &Password::from(PW))
        .await
        .unwrap();
    assert_eq!(granted.outcome, AuthOutcome::Ok);
    assert_eq!(granted.user.expect("the user").access, AccessLevel::Manage);
    let refused = s
        .sign_in_app(&app, "no.grant", &Password::from(PW))
        .await
        .unwrap();
    assert_eq!(refused.outcome, AuthOutcome::NoAccess);
    assert!(refused.user.is_none());
});
