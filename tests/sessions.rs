//! CLI sessions (docs/ARCHITECTURE.md "Credentials"): a token shown once,
//! ended by idleness, by disabling or deleting the user or any change of
//! their role, and by logout.

mod common;

use chrono::Duration;
use common::{ADMIN, ADMIN_PASSWORD, TestDb};
use keyward::Error;
use keyward::domain::outcome::MustChangeReason;
use keyward::domain::{AuthOutcome, Kind, Password, Role};
use keyward::service::UserEdit;

const PW: &str = "violet kettle harbour quince";

fn is_unauthenticated<T: std::fmt::Debug>(r: keyward::Result<T>) -> bool {
    matches!(r, Err(Error::Unauthenticated(_)))
}

both_backends!(session_token_and_idle_timeout, |t| {
    let _ = t.admin().await;
    let s = &t.service;
    let r = s
        .login(ADMIN, &Password::from(ADMIN_PASSWORD), "cli", true)
        .await
        .unwrap();
    assert_eq!(r.outcome, AuthOutcome::Ok);
    let token = r.token.expect("a session token");
    assert_eq!(token.len(), 64);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    let actor = s.session_actor(&token).await.unwrap();
    assert_eq!(
        (actor.login.as_str(), actor.role),
        (ADMIN, Role::GlobalAdmin)
    );
    assert_eq!(actor.authenticated_at, t.clock.now());
    // Without create_session there is no token.
    assert!(
        s.login(ADMIN, &Password::from(ADMIN_PASSWORD), "cli", false)
            .await
            .unwrap()
            .token
            .is_none()
    );

    // Each use keeps it alive for another idle_timeout_minutes (300).
    t.clock.advance(Duration::minutes(299));
    s.session_actor(&token).await.unwrap();
    t.clock.advance(Duration::minutes(299));
    let later = s.session_actor(&token).await.unwrap();
    assert_eq!(
        later.authenticated_at, actor.authenticated_at,
        "using a session is not a step-up"
    );
    // ... but a step-up needs a recent password.
    let err = s
        .set_policy(
            &later,
            "default",
            &[("min_length".into(), "16".into())],
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StepUpRequired(_)), "{err:?}");
    t.clock.advance(Duration::minutes(301));
    assert!(is_unauthenticated(s.session_actor(&token).await));
    // Ended for good, even if the clock were kinder.
    assert!(is_unauthenticated(s.session_actor(&token).await));
    assert!(is_unauthenticated(s.session_actor(&"0".repeat(64)).await));
});

/// The default policy's idle timeout set to `minutes`, and a CLI session
/// of the administrator started under it.
async fn session_idling_out_after(t: &TestDb, minutes: u32) -> zeroize::Zeroizing<String> {
    let admin = t.admin().await;
    t.service
        .set_policy(
            &admin,
            "default",
            &[("idle_timeout_minutes".into(), minutes.to_string())],
            None,
        )
        .await
        .unwrap();
    t.service
        .login(ADMIN, &Password::from(ADMIN_PASSWORD), "cli", true)
        .await
        .unwrap()
        .token
        .unwrap()
}

both_backends!(idle_timeout_follows_policy, |t| {
    let s = &t.service;
    let token = session_idling_out_after(&t, 10).await;
    t.clock.advance(Duration::minutes(9));
    s.session_actor(&token).await.unwrap();
    t.clock.advance(Duration::minutes(11));
    assert!(is_unauthenticated(s.session_actor(&token).await));
});

// A session used again within SESSION_TOUCH_EVERY (30 s) of its last
// recorded use is not written (a one-shot command then reads without a
// write); its idle time counts from that recorded use, so it may end up to
// 30 s early, never late.
both_backends!(a_session_is_written_at_most_every_30_seconds, |t| {
    let s = &t.service;
    let token = session_idling_out_after(&t, 1).await;
    // 40 s on: written (40 >= 30), so the minute restarts here.
    t.clock.advance(Duration::seconds(40));
    s.session_actor(&token).await.unwrap();
    // 80 s after the sign-in, 40 s after that use: alive, and written again.
    t.clock.advance(Duration::seconds(40));
    s.session_actor(&token).await.unwrap();
    // 10 s later: used, not written (10 < 30).
    t.clock.advance(Duration::seconds(10));
    s.session_actor(&token).await.unwrap();
    // 61 s after the last write, 51 s after the last use: ended.
    t.clock.advance(Duration::seconds(51));
    assert!(is_unauthenticated(s.session_actor(&token).await));
});

both_backends!(disabled_or_demoted_user_loses_session, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "ops.admin", Kind::Staff, Role::Admin, PW)
        .await;
    t.add_user(&admin, "mgr.one", Kind::Staff, Role::Manager, PW)
        .await;
    let ops = s
        .login("ops.admin", &Password::from(PW), "cli", true)
        .await
        .unwrap()
        .token
        .unwrap();
    let mgr = s
        .login("mgr.one", &Password::from(PW), "cli", true)
        .await
        .unwrap()
        .token
        .unwrap();
    let root = s
        .login(ADMIN, &Password::from(ADMIN_PASSWORD), "cli", true)
        .await
        .unwrap()
        .token
        .unwrap();
    assert_eq!(s.session_actor(&ops).await.unwrap().login, "ops.admin");
    assert_eq!(s.session_actor(&mgr).await.unwrap().role, Role::Manager);

    s.set_disabled(&admin, "ops.admin", true).await.unwrap();
    assert!(is_unauthenticated(s.session_actor(&ops).await));
    s.set_disabled(&admin, "ops.admin", false).await.unwrap();
    assert!(
        is_unauthenticated(s.session_actor(&ops).await),
        "enabling again does not revive it"
    );

    // An actor obtained before the demotion is refused too.
    let mgr_actor = s.session_actor(&mgr).await.unwrap();
    s.edit_user(
        &admin,
        "mgr.one",
        None,
        &UserEdit {
            role: Some(Role::User),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(is_unauthenticated(s.session_actor(&mgr).await));
    assert!(is_unauthenticated(
        s.list_users(&mgr_actor, &Default::default()).await
    ));

    // A deleted user's session ends.
    let tok = s
        .login("ops.admin", &Password::from(PW), "cli", true)
        .await
        .unwrap()
        .token
        .unwrap();
    s.delete_user(&admin, "ops.admin").await.unwrap();
    assert!(is_unauthenticated(s.session_actor(&tok).await));
    // Others are untouched.
    assert_eq!(s.session_actor(&root).await.unwrap().login, ADMIN);
});

both_backends!(logout_ends_session, |t| {
    let _ = t.admin().await;
    let s = &t.service;
    let a = s
        .login(ADMIN, &Password::from(ADMIN_PASSWORD), "cli", true)
        .await
        .unwrap()
        .token
        .unwrap();
    let b = s
        .login(ADMIN, &Password::from(ADMIN_PASSWORD), "cli", true)
        .await
        .unwrap()
        .token
        .unwrap();
    assert_ne!(*a, *b);
    s.logout(&a).await.unwrap();
    assert!(is_unauthenticated(s.session_actor(&a).await));
    assert_eq!(
        s.session_actor(&b).await.unwrap().login,
        ADMIN,
        "only that session ended"
    );
    // Unknown tokens are ignored.
    s.logout(&a).await.unwrap();
    s.logout("not a token").await.unwrap();
});

both_backends!(no_session_without_a_good_sign_in, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let r = s
        .login(ADMIN, &Password::from("wrong password here"), "cli", true)
        .await
        .unwrap();
    assert_eq!(r.outcome, AuthOutcome::BadCredentials);
    assert!(r.actor.is_none() && r.token.is_none());
    // Must change first: an actor (to change it) but no session.
    t.add_user(&admin, "ops.admin", Kind::Staff, Role::Admin, PW)
        .await;
    s.set_password(
        &admin,
        "ops.admin",
        &Password::from("amber lantern orchard skyline"),
        true,
    )
    .await
    .unwrap();
    let r = s
        .login(
            "ops.admin",
            &Password::from("amber lantern orchard skyline"),
            "cli",
            true,
        )
        .await
        .unwrap();
    assert_eq!(
        r.outcome,
        AuthOutcome::OkMustChange {
            reason: MustChangeReason::Flagged
        }
    );
    assert!(r.token.is_none());
    assert_eq!(r.actor.unwrap().login, "ops.admin");
});

// Any change of role, down or up, ends the user's CLI sessions, and an
// actor signed in before it (the console's) is refused at its next call.
// Before, an admin demoted to manager kept a working session.
both_backends!(any_role_change_ends_sessions, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "ops.admin", Kind::Staff, Role::Admin, PW)
        .await;
    t.add_user(&admin, "mgr.two", Kind::Staff, Role::Manager, PW)
        .await;
    let session = |login: &'static str| async move {
        s.login(login, &Password::from(PW), "cli", true)
            .await
            .unwrap()
            .token
            .unwrap()
    };
    let set_role = |login: &'static str, role: Role| {
        let admin = admin.clone();
        async move {
            s.edit_user(
                &admin,
                login,
                None,
                &UserEdit {
                    role: Some(role),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
    };

    // Demoted, still allowed in the console.
    let ops = session("ops.admin").await;
    let ops_actor = s.session_actor(&ops).await.unwrap();
    assert_eq!(ops_actor.role, Role::Admin);
    set_role("ops.admin", Role::Manager).await;
    assert!(is_unauthenticated(s.session_actor(&ops).await));
    let err = s
        .list_users(&ops_actor, &Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unauthenticated(m) if m.contains("manager")),
        "{err:?}"
    );
    // Signing in again gives the new rights.
    let again = session("ops.admin").await;
    assert_eq!(s.session_actor(&again).await.unwrap().role, Role::Manager);

    // Promoted: the session opened as a manager ends too.
    let mgr = session("mgr.two").await;
    let mgr_actor = s.session_actor(&mgr).await.unwrap();
    set_role("mgr.two", Role::Admin).await;
    assert!(is_unauthenticated(s.session_actor(&mgr).await));
    assert!(is_unauthenticated(
        s.list_users(&mgr_actor, &Default::default()).await
    ));

    // An edit that keeps the role ends nothing.
    let keep = session("mgr.two").await;
    s.edit_user(
        &admin,
        "mgr.two",
        None,
        &UserEdit {
            name: Some("Manager Two".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(s.session_actor(&keep).await.unwrap().login, "mgr.two");
    // A refused role change (stale version) ends nothing either.
    let stale = s.get_user(&admin, "mgr.two").await.unwrap();
    s.edit_user(
        &admin,
        "mgr.two",
        None,
        &UserEdit {
            name: Some("Manager 2".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let refused = s
        .edit_user(
            &admin,
            "mgr.two",
            Some(stale.summary.version),
            &UserEdit {
                role: Some(Role::Manager),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    assert_eq!(s.session_actor(&keep).await.unwrap().login, "mgr.two");
});

// A password an administrator sets, or a temporary one, ends the user's
// console and CLI sessions, as a reset link does (tests/serve/reset.rs
// `a_reset_ends_the_accounts_sessions`): whoever held the old password is
// out (ASVS V7.4.3).
both_backends!(
    an_admin_set_or_temporary_password_ends_the_users_sessions,
    |t| {
        let admin = t.admin().await;
        let s = &t.service;
        t.add_user(&admin, "mgr.one", Kind::Staff, Role::Manager, PW)
            .await;
        let new_pw = "amber lantern orchard skyline";
        for temporary in [false, true] {
            let password = if temporary { new_pw } else { PW };
            let console = t.sign_in("mgr.one", password).await;
            let token = s
                .login("mgr.one", &Password::from(password), "cli", true)
                .await
                .unwrap()
                .token
                .unwrap();
            assert!(s.list_resources(&console).await.is_ok());
            assert!(s.session_actor(&token).await.is_ok());
            t.clock.advance(Duration::seconds(1));
            if temporary {
                s.temporary_password(&admin, "mgr.one").await.unwrap();
            } else {
                s.set_password(&admin, "mgr.one", &Password::from(new_pw), false)
                    .await
                    .unwrap();
            }
            assert!(
                is_unauthenticated(s.session_actor(&token).await),
                "the CLI session ended (temporary: {temporary})"
            );
            assert!(
                is_unauthenticated(s.list_resources(&console).await),
                "the console session ended (temporary: {temporary})"
            );
            // The administrator's own sessions go on.
            assert!(s.list_resources(&admin).await.is_ok());
        }
    }
);
