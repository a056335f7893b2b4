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
        "first password of dana",
    )
    .await;
    let s = &t.service;
    s.set_password(&admin, "dana.e", &Password::from(PW), false)
        .await
        .unwrap();
    for _ in 0..8 {
        let o = s
            .authenticate("dana.e", &Password::from("first password of dana"), "phone")
            .await
            .unwrap();
        assert_eq!(o, AuthOutcome::BadCredentials);
    }
    // Only the failure that would lock is compared with previous passwords
    // (every other answer costs one verification): the first four count,
    // every later one is seen as stale, so the device never locks her out.
    let u = s.get_user(&admin, "dana.e").await.unwrap();
    assert_eq!(
        u.summary.failed_attempts, 4,
        "stale attempts stop counting before the lock"
    );
    assert!(
        !u.summary.locked,
        "a device with an old password never locks"
    );
    let stale = u
        .recent_attempts
        .iter()
        .filter(|a| a.outcome == "stale_password" && a.source == "phone")
        .count();
    assert_eq!(stale, 4, "{:?}", u.recent_attempts);
    // A wrong password that is not an old one still locks at the threshold.
    let o = s
        .authenticate("dana.e", &Password::from("a guess, not old"), "web")
        .await
        .unwrap();
    assert_eq!(o, AuthOutcome::BadCredentials);
    assert!(s.get_user(&admin, "dana.e").await.unwrap().summary.locked);
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

both_backends!(every_branch_costs_one_argon2_run, |t| {
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
    // Runs made by one sign-in.
    let runs = |login: &'static str, pw: &'static str| async move {
        let before = s.argon2_runs();
        let outcome = s
            .authenticate(login, &Password::from(pw), "test")
            .await
            .unwrap();
        (outcome, s.argon2_runs() - before)
    };
    assert_eq!(
        runs("nobody.here", PW).await,
        (AuthOutcome::BadCredentials, 1)
    );
    assert_eq!(runs("hugo.i", PW).await, (AuthOutcome::Disabled, 1));
    assert_eq!(runs("gail.h", "").await, (AuthOutcome::BadCredentials, 1));
    // Wrong passwords below the threshold: one run each, old password or not.
    for pw in [PW, "a guess", "another guess"] {
        assert_eq!(runs("gail.h", pw).await, (AuthOutcome::BadCredentials, 1));
    }
    // The empty password counted too: this is the fifth failure, the one
    // that would lock. It is compared with the two previous passwords too.
    assert_eq!(
        runs("gail.h", "one more").await.0,
        AuthOutcome::BadCredentials
    );
    assert!(s.get_user(&admin, "gail.h").await.unwrap().summary.locked);
    let (outcome, n) = runs("gail.h", "gail's second password").await;
    assert!(matches!(outcome, AuthOutcome::Locked { .. }), "{outcome:?}");
    assert_eq!(n, 1, "a locked account costs one run");
    s.unlock(&admin, "gail.h").await.unwrap();
    assert_eq!(
        runs("gail.h", "gail's second password").await,
        (AuthOutcome::Ok, 1)
    );
});
