//! The use cases the console's worker calls (service/console.rs, the audit
//! export, the lockouts overview), on both backends: the worker only runs
//! effects, so these are what a console sign-in, form or export does.

mod common;

use common::{ADMIN, ADMIN_PASSWORD};
use keyward::domain::{Kind, Password, Role};
use keyward::service::{LockoutsRequest, SignInReply};

const PW: &str = "violet kettle harbour quince";

both_backends!(console_sign_in_and_first_run, |t| {
    let s = &t.service;
    let staff = s.first_run_policy().await.unwrap().expect("a first run");
    assert_eq!(staff.min_length, 15);
    let reply = s
        .console_first_run(
            ADMIN,
            "Root Admin",
            "root@example.org",
            &Password::from(ADMIN_PASSWORD),
        )
        .await
        .unwrap();
    let SignInReply::SignedIn(session) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(session.name, "Root Admin");
    assert_eq!(session.actor.role, Role::GlobalAdmin);
    assert_eq!(session.idle_timeout_minutes, 300);
    assert!(s.first_run_policy().await.unwrap().is_none());
    let root = session.actor;

    // A wrong password, and an account that may not administer: refused,
    // with nothing said about the account.
    for (login, pw) in [(ADMIN, "wrong wrong wrong"), ("no.such", PW)] {
        let reply = s.console_sign_in(login, &Password::from(pw)).await.unwrap();
        assert!(
            matches!(&reply, SignInReply::Refused(m) if m == "wrong login ID or password"),
            "{reply:?}"
        );
    }
    t.add_user(&root, "uma.user", Kind::Staff, Role::User, PW)
        .await;
    let reply = s
        .console_sign_in("uma.user", &Password::from(PW))
        .await
        .unwrap();
    assert!(matches!(reply, SignInReply::Refused(_)), "{reply:?}");

    // Must change: the target is the user, under their policy; the change
    // then signs in with the new password.
    t.add_user(&root, "max.manager", Kind::Staff, Role::Manager, PW)
        .await;
    let temp = s.temporary_password(&root, "max.manager").await.unwrap();
    let temp = Password::from(temp.as_str());
    let reply = s.console_sign_in("MAX.Manager", &temp).await.unwrap();
    let SignInReply::MustChange { target, .. } = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(target.login, "max.manager");
    assert_eq!(target.policy_name, "default");
    let new = Password::from("amber lantern drifts over quiet meadows");
    let reply = s
        .console_change_at_sign_in("max.manager", &temp, &new)
        .await
        .unwrap();
    assert!(matches!(reply, SignInReply::SignedIn(_)), "{reply:?}");
});

both_backends!(password_target_form_choices_and_export, |t| {
    let root = t.admin().await;
    let s = &t.service;
    t.add_user(&root, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    s.add_holder(&root, "anna.b", "Anna Bell", "anna@example.org", "")
        .await
        .unwrap();
    // Looked up as logins are everywhere: not case-sensitive.
    let target = s.password_target(&root, "ANNA.B").await.unwrap();
    assert_eq!(target.login, "anna.b");
    assert_eq!(target.holders, ["Anna Bell"]);

    s.add_resource(&root, "Website", "").await.unwrap();
    let choices = s.form_choices(&root).await.unwrap();
    let names: Vec<&str> = choices.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["default", "portal"]);
    assert_eq!(choices.resources, ["Website"]);

    // The export: every matching entry, newest first, owner-only.
    let dir = tempfile::tempdir().unwrap();
    let export = s
        .export_audit_file(&root, Some("anna.b"), dir.path())
        .await
        .unwrap();
    assert_eq!(export.entries, 2, "the creation and the holder");
    let text = std::fs::read_to_string(&export.path).unwrap();
    assert_eq!(text.lines().count(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&export.path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Managers may not read the audit trail, so may not export it.
    let manager = t
        .add_and_sign_in(&root, "mia.manager", Role::Manager, PW)
        .await;
    assert!(
        s.export_audit_file(&manager, None, dir.path())
            .await
            .is_err()
    );

    // The lockouts overview: a page, its counts and the failures.
    for _ in 0..5 {
        t.auth("anna.b", "wrong wrong wrong").await;
    }
    let overview = s
        .lockouts_overview(
            &root,
            &LockoutsRequest {
                limit: 10,
                ..Default::default()
            },
            50,
        )
        .await
        .unwrap();
    assert_eq!(overview.counts.locked, 1);
    assert_eq!(overview.accounts[0].login, "anna.b");
    assert_eq!(overview.failures.len(), 5);
    s.ping().await.unwrap();

    // How many a listing holds, whatever page is shown.
    use keyward::service::UserFilter;
    let all = s.count_listed(&root, &UserFilter::default()).await.unwrap();
    assert_eq!(
        (all.n, all.estimate),
        (3, false),
        "root, anna.b, mia.manager"
    );
    let found = s
        .count_listed(
            &root,
            &UserFilter {
                search: Some("ANN".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.n, 1);
    let locked = s
        .count_listed(
            &root,
            &UserFilter {
                status: Some(keyward::domain::listing::StatusFilter::Locked),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(locked.n, 1);
});
