//! Who may do what (docs/ARCHITECTURE.md "Rights"), refusals audited, and the last
//! active global administrator.

mod common;

use chrono::Duration;
use common::{ADMIN, ADMIN_PASSWORD, TestDb};
use keyward::Error;
use keyward::domain::{AuthOutcome, Kind, Password, Role};
use keyward::service::{Actor, BulkRequest, NewUser, UserEdit};
use std::sync::atomic::AtomicBool;

const PW: &str = "violet kettle harbour quince";
const NEW_PW: &str = "amber lantern orchard skyline";

fn is_forbidden<T: std::fmt::Debug>(r: keyward::Result<T>) -> bool {
    matches!(r, Err(Error::Forbidden(_)))
}

/// root (global admin), ops.admin and adm.two (admins), mgr.one and mgr.two
/// (managers), acct.mgr (account manager), plain.user, portal.user and
/// glob.two (a second global admin).
async fn cast(t: &TestDb) -> Actor {
    let root = t.admin().await;
    t.add_user(&root, "glob.two", Kind::Staff, Role::GlobalAdmin, PW)
        .await;
    t.add_user(&root, "ops.admin", Kind::Staff, Role::Admin, PW)
        .await;
    t.add_user(&root, "adm.two", Kind::Staff, Role::Admin, PW)
        .await;
    t.add_user(&root, "mgr.one", Kind::Staff, Role::Manager, PW)
        .await;
    t.add_user(&root, "mgr.two", Kind::Staff, Role::Manager, PW)
        .await;
    t.add_user(&root, "acct.mgr", Kind::Staff, Role::AccountManager, PW)
        .await;
    t.add_user(&root, "plain.user", Kind::Staff, Role::User, PW)
        .await;
    t.add_user(&root, "portal.user", Kind::Portal, Role::User, PW)
        .await;
    root
}

async fn refusals(t: &TestDb, root: &Actor) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = t
        .service
        .audit(root, Some("refused"), None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "refused")
        .map(|e| (e.actor, e.target))
        .collect();
    out.reverse();
    out
}

both_backends!(admin_cannot_touch_admins, |t| {
    let root = cast(&t).await;
    let ops = t.sign_in("ops.admin", PW).await;
    let s = &t.service;
    let pw = Password::from(NEW_PW);
    let rename = UserEdit {
        name: Some("Mallory".into()),
        ..Default::default()
    };
    for target in [ADMIN, "glob.two", "adm.two"] {
        assert!(
            is_forbidden(s.set_password(&ops, target, &pw, false).await),
            "{target}"
        );
        assert!(
            is_forbidden(s.temporary_password(&ops, target).await),
            "{target}"
        );
        assert!(
            is_forbidden(s.issue_reset_token(&ops, target).await),
            "{target}"
        );
        assert!(is_forbidden(s.unlock(&ops, target).await), "{target}");
        assert!(
            is_forbidden(s.edit_user(&ops, target, None, &rename).await),
            "{target}"
        );
        assert!(
            is_forbidden(s.set_disabled(&ops, target, true).await),
            "{target}"
        );
        assert!(is_forbidden(s.delete_user(&ops, target).await), "{target}");
        assert!(
            is_forbidden(
                s.add_holder(&ops, target, "Eve", "eve@example.org", "")
                    .await
            ),
            "{target}"
        );
    }
    // Nothing changed.
    assert_eq!(t.auth(ADMIN, ADMIN_PASSWORD).await, AuthOutcome::Ok);
    assert_eq!(t.auth("adm.two", PW).await, AuthOutcome::Ok);
    assert_eq!(t.auth("glob.two", PW).await, AuthOutcome::Ok);
    for target in [ADMIN, "glob.two", "adm.two"] {
        let u = s.get_user(&root, target).await.unwrap();
        assert_eq!(u.summary.status, keyward::domain::Status::Active);
        assert_ne!(u.summary.name, "Mallory");
        assert!(u.holders.is_empty());
    }
    // Every refusal is in the audit trail, by whom and about whom.
    let refused = refusals(&t, &root).await;
    assert_eq!(refused.len(), 24, "{refused:?}");
    assert!(refused.iter().all(|(actor, _)| actor == "ops.admin"));
    assert_eq!(
        refused.iter().filter(|(_, target)| target == ADMIN).count(),
        8
    );
    let entry = &s.audit(&root, Some("refused"), None, 1).await.unwrap()[0];
    assert_eq!(
        entry.details["action"],
        "create, edit, disable or delete users"
    );
    assert!(
        entry.details["reason"].as_str().unwrap().contains("admins"),
        "{:?}",
        entry.details
    );

    // The same admin may reset a manager and a user.
    s.set_password(&ops, "mgr.one", &pw, false).await.unwrap();
    s.set_password(&ops, "plain.user", &pw, false)
        .await
        .unwrap();
    assert_eq!(t.auth("mgr.one", NEW_PW).await, AuthOutcome::Ok);
    assert_eq!(t.auth("plain.user", NEW_PW).await, AuthOutcome::Ok);
    s.edit_user(&ops, "plain.user", None, &rename)
        .await
        .unwrap();
});

both_backends!(manager_resets_users_only, |t| {
    let root = cast(&t).await;
    let mgr = t.sign_in("mgr.one", PW).await;
    let s = &t.service;
    let pw = Password::from(NEW_PW);
    s.set_password(&mgr, "plain.user", &pw, false)
        .await
        .unwrap();
    s.set_password(&mgr, "portal.user", &pw, true)
        .await
        .unwrap();
    assert_eq!(t.auth("plain.user", NEW_PW).await, AuthOutcome::Ok);
    assert!(matches!(
        t.auth("portal.user", NEW_PW).await,
        AuthOutcome::OkMustChange { .. }
    ));
    s.unlock(&mgr, "plain.user").await.unwrap();

    let before = refusals(&t, &root).await.len();
    for target in ["mgr.two", "acct.mgr", "ops.admin", ADMIN] {
        assert!(
            is_forbidden(s.set_password(&mgr, target, &pw, false).await),
            "{target}"
        );
        assert!(is_forbidden(s.unlock(&mgr, target).await), "{target}");
    }
    // Managers do not manage users, roles, resources or the audit trail.
    let rename = UserEdit {
        name: Some("Renamed".into()),
        ..Default::default()
    };
    assert!(is_forbidden(
        s.edit_user(&mgr, "plain.user", None, &rename).await
    ));
    assert!(is_forbidden(s.set_disabled(&mgr, "plain.user", true).await));
    assert!(is_forbidden(s.add_resource(&mgr, "Mobile app", "").await));
    assert!(is_forbidden(s.audit(&mgr, None, None, 10).await));
    assert!(is_forbidden(s.verify_audit(&mgr).await));
    assert_eq!(t.auth("mgr.two", PW).await, AuthOutcome::Ok);
    assert_eq!(t.row("plain.user").await.name, "plain.user Person");
    assert_eq!(
        t.row("plain.user").await.status,
        keyward::domain::Status::Active
    );
    let refused = refusals(&t, &root).await;
    assert_eq!(refused.len() - before, 13, "{refused:?}");
    assert!(refused[before..].iter().all(|(a, _)| a == "mgr.one"));
    assert_eq!(refused[before].1, "mgr.two");
    // Viewing is allowed.
    assert!(
        s.get_user(&mgr, "plain.user")
            .await
            .unwrap()
            .recent_audit
            .is_empty(),
        "managers see no audit"
    );
    assert!(
        !s.list_users(&mgr, &Default::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
});

both_backends!(account_manager_cannot_reset, |t| {
    let root = cast(&t).await;
    let am = t.sign_in("acct.mgr", PW).await;
    let s = &t.service;
    let pw = Password::from(NEW_PW);
    assert!(is_forbidden(
        s.set_password(&am, "plain.user", &pw, false).await
    ));
    assert!(is_forbidden(
        s.set_password(&am, "portal.user", &pw, false).await
    ));
    assert!(is_forbidden(s.temporary_password(&am, "plain.user").await));
    assert!(is_forbidden(s.issue_reset_token(&am, "plain.user").await));
    assert!(is_forbidden(s.unlock(&am, "plain.user").await));
    assert_eq!(t.auth("plain.user", PW).await, AuthOutcome::Ok);
    assert_eq!(t.auth("portal.user", PW).await, AuthOutcome::Ok);
    assert_eq!(refusals(&t, &root).await.len(), 5);
    assert_eq!(
        s.list_users(&am, &Default::default())
            .await
            .unwrap()
            .items
            .len(),
        9
    );
});

both_backends!(only_global_admin_bulk_resets_and_sets_policy, |t| {
    let root = cast(&t).await;
    let s = &t.service;
    let req = BulkRequest {
        role: None,
        resource: None,
        must_change: true,
        confirmed_count: None,
    };
    let cancel = AtomicBool::new(false);
    let pairs = [("min_length".to_string(), "8".to_string())];
    for login in ["ops.admin", "mgr.one", "acct.mgr"] {
        let actor = t.sign_in(login, PW).await;
        assert!(
            is_forbidden(
                s.bulk_reset(&actor, &req, &Password::from(NEW_PW), &|_| {}, &cancel)
                    .await
            ),
            "{login}"
        );
        assert!(
            is_forbidden(s.bulk_reset_count(&actor, &req).await),
            "{login}"
        );
        assert!(
            is_forbidden(s.set_policy(&actor, "default", &pairs, None).await),
            "{login}"
        );
        assert!(
            is_forbidden(s.create_policy(&actor, "legacy", "default").await),
            "{login}"
        );
    }
    assert_eq!(t.auth("plain.user", PW).await, AuthOutcome::Ok);
    let policy = s.get_policy(&root, "default").await.unwrap();
    assert_eq!((policy.version, policy.settings.min_length), (1, 15));
    assert_eq!(refusals(&t, &root).await.len(), 12);
    // The global admin may.
    assert_eq!(
        s.bulk_reset_count(&root, &req).await.unwrap(),
        7,
        "staff users but root"
    );
    assert_eq!(
        s.set_policy(&root, "default", &pairs, None)
            .await
            .unwrap()
            .version,
        2
    );
});

both_backends!(admin_gives_roles_up_to_manager, |t| {
    let root = cast(&t).await;
    let ops = t.sign_in("ops.admin", PW).await;
    let s = &t.service;
    let users = s.store().count_users().await.unwrap();
    let new = |login: &str, role: Role| NewUser {
        login: login.into(),
        name: "New Person".into(),
        email: format!("{login}@example.org"),
        kind: Kind::Staff,
        role,
        policy: None,
        must_change: false,
    };
    assert!(is_forbidden(
        s.create_user(&ops, &new("new.admin", Role::Admin), None)
            .await
    ));
    assert!(is_forbidden(
        s.create_user(&ops, &new("new.global", Role::GlobalAdmin), None)
            .await
    ));
    assert_eq!(s.store().count_users().await.unwrap(), users);
    s.create_user(&ops, &new("new.mgr", Role::Manager), None)
        .await
        .unwrap();
    s.create_user(&ops, &new("new.acct", Role::AccountManager), None)
        .await
        .unwrap();

    let to = |role: Role| UserEdit {
        role: Some(role),
        ..Default::default()
    };
    assert!(is_forbidden(
        s.edit_user(&ops, "plain.user", None, &to(Role::Admin))
            .await
    ));
    assert!(is_forbidden(
        s.edit_user(&ops, "mgr.one", None, &to(Role::GlobalAdmin))
            .await
    ));
    assert_eq!(t.row("plain.user").await.role, keyward::domain::Role::User);
    assert_eq!(t.row("mgr.one").await.role, keyward::domain::Role::Manager);
    s.edit_user(&ops, "plain.user", None, &to(Role::Manager))
        .await
        .unwrap();
    assert_eq!(
        t.row("plain.user").await.role,
        keyward::domain::Role::Manager
    );
    // Demoting an admin is touching an admin.
    assert!(is_forbidden(
        s.edit_user(&ops, "adm.two", None, &to(Role::User)).await
    ));
    assert_eq!(t.row("adm.two").await.role, keyward::domain::Role::Admin);
    // The global admin may give any role.
    s.edit_user(&root, "mgr.one", None, &to(Role::Admin))
        .await
        .unwrap();
    assert_eq!(t.row("mgr.one").await.role, keyward::domain::Role::Admin);
    assert_eq!(refusals(&t, &root).await.len(), 5);
});

both_backends!(user_and_portal_accounts_cannot_administer, |t| {
    let _root = cast(&t).await;
    let s = &t.service;
    for login in ["plain.user", "portal.user"] {
        let err = s
            .login(login, &Password::from(PW), "test", true)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{login}: {err:?}");
        // ... while applications may still sign them in.
        assert_eq!(t.auth(login, PW).await, AuthOutcome::Ok);
    }
});

both_backends!(last_global_admin_is_protected, |t| {
    let root = t.admin().await;
    let s = &t.service;
    let demote = UserEdit {
        role: Some(Role::Admin),
        ..Default::default()
    };
    // Alone: not even they can disable, delete or demote themselves.
    assert!(is_forbidden(s.set_disabled(&root, ADMIN, true).await));
    assert!(is_forbidden(s.delete_user(&root, ADMIN).await));
    assert!(is_forbidden(s.edit_user(&root, ADMIN, None, &demote).await));
    let me = t.row(ADMIN).await;
    assert_eq!(
        (me.role.as_str(), me.status.as_str()),
        ("global_admin", "active")
    );
    assert_eq!(t.auth(ADMIN, ADMIN_PASSWORD).await, AuthOutcome::Ok);

    // A second global admin who is disabled does not count.
    t.add_user(&root, "glob.two", Kind::Staff, Role::GlobalAdmin, PW)
        .await;
    s.set_disabled(&root, "glob.two", true).await.unwrap();
    assert!(is_forbidden(s.edit_user(&root, ADMIN, None, &demote).await));
    assert!(is_forbidden(s.set_disabled(&root, ADMIN, true).await));
    assert_eq!(t.row(ADMIN).await.role, keyward::domain::Role::GlobalAdmin);

    // With two active global admins, one can be demoted...
    s.set_disabled(&root, "glob.two", false).await.unwrap();
    let two = t.sign_in("glob.two", PW).await;
    s.edit_user(&two, ADMIN, None, &demote).await.unwrap();
    assert_eq!(t.row(ADMIN).await.role, keyward::domain::Role::Admin);
    // ... and then the other is the last one, even against themselves.
    assert!(is_forbidden(
        s.edit_user(&two, "glob.two", None, &demote).await
    ));
    assert!(is_forbidden(s.set_disabled(&two, "glob.two", true).await));
    assert!(is_forbidden(s.delete_user(&two, "glob.two").await));
    let last = t.row("glob.two").await;
    assert_eq!(
        (last.role.as_str(), last.status.as_str()),
        ("global_admin", "active")
    );
    // The demoted root is an admin now and may not touch the global admin.
    let root = t.sign_in(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(root.role, Role::Admin);
    assert!(is_forbidden(s.set_disabled(&root, "glob.two", true).await));

    // Give the role back; now either may disable or delete the other.
    let promote = UserEdit {
        role: Some(Role::GlobalAdmin),
        ..Default::default()
    };
    s.edit_user(&two, ADMIN, None, &promote).await.unwrap();
    // Not the last one now, but still not themselves (as with deleting).
    let err = s.set_disabled(&two, "glob.two", true).await.unwrap_err();
    assert!(err.to_string().contains("your own account"), "{err}");
    assert_eq!(
        t.row("glob.two").await.status,
        keyward::domain::Status::Active
    );
    s.set_disabled(&two, ADMIN, true).await.unwrap();
    s.set_disabled(&two, ADMIN, false).await.unwrap();
    s.delete_user(&two, ADMIN).await.unwrap();
    assert_eq!(s.store().count_active_global_admins().await.unwrap(), 1);

    // Every refusal above is in the audit trail ("Refused actions are audited too").
    let refused = refusals(&t, &two).await;
    let expected: Vec<(String, String)> = [
        (ADMIN, ADMIN),
        (ADMIN, ADMIN),
        (ADMIN, ADMIN),
        (ADMIN, ADMIN),
        (ADMIN, ADMIN),
        ("glob.two", "glob.two"),
        ("glob.two", "glob.two"),
        ("glob.two", "glob.two"),
        (ADMIN, "glob.two"),
        ("glob.two", "glob.two"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(refused, expected);
    // The newest is the self-disable; the one before, the admin's try.
    let last = &s.audit(&two, Some("refused"), None, 2).await.unwrap()[1];
    assert!(
        last.details["reason"].as_str().unwrap().contains("admins"),
        "{:?}",
        last.details
    );
    // The store's own guard (the count inside the write transaction)
    // refused at least one of them.
    let reasons: Vec<String> = s
        .audit(&two, Some("refused"), None, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.details["reason"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("no active global administrator")),
        "{reasons:?}"
    );
});

both_backends!(role_change_needs_step_up, |t| {
    let root = t.admin().await;
    let s = &t.service;
    t.add_user(&root, "plain.user", Kind::Staff, Role::User, PW)
        .await;
    t.clock.advance(Duration::minutes(6));
    let to_mgr = UserEdit {
        role: Some(Role::Manager),
        ..Default::default()
    };
    let err = s
        .edit_user(&root, "plain.user", None, &to_mgr)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StepUpRequired(_)), "{err:?}");
    assert_eq!(t.row("plain.user").await.role, keyward::domain::Role::User);
    // Creating an administrator needs one too.
    let new_admin = NewUser {
        login: "new.admin".into(),
        name: "New Admin".into(),
        email: "new.admin@example.org".into(),
        kind: Kind::Staff,
        role: Role::Admin,
        policy: None,
        must_change: false,
    };
    let err = s.create_user(&root, &new_admin, None).await.unwrap_err();
    assert!(matches!(err, Error::StepUpRequired(_)), "{err:?}");
    assert!(
        s.store()
            .user_by_login("new.admin")
            .await
            .unwrap()
            .is_none()
    );
    // Other edits need no step-up.
    let rename = UserEdit {
        name: Some("Plain Person".into()),
        ..Default::default()
    };
    s.edit_user(&root, "plain.user", None, &rename)
        .await
        .unwrap();
    // A wrong password does not step up; the right one does.
    let err = s
        .step_up(&root, &Password::from("not my password at all"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    let fresh = s
        .step_up(&root, &Password::from(ADMIN_PASSWORD))
        .await
        .unwrap();
    assert_eq!(fresh.authenticated_at, t.clock.now());
    s.edit_user(&fresh, "plain.user", None, &to_mgr)
        .await
        .unwrap();
    assert_eq!(
        t.row("plain.user").await.role,
        keyward::domain::Role::Manager
    );
});

both_backends!(self_service_and_step_up_refusals_are_audited, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    // Refused on oneself: each leaves a "refused" entry naming the action.
    assert!(matches!(
        s.set_password(
            &admin,
            ADMIN,
            &Password::from("another long passphrase here"),
            false
        )
        .await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        s.temporary_password(&admin, ADMIN).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        s.issue_reset_token(&admin, ADMIN).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        s.delete_policy(&admin, "default").await,
        Err(Error::Forbidden(_))
    ));
    // A stale step-up is refused and audited too.
    t.clock.advance(chrono::Duration::minutes(6));
    let stale = s
        .set_policy(&admin, "default", &[("history".into(), "3".into())], None)
        .await;
    assert!(matches!(stale, Err(Error::StepUpRequired(_))), "{stale:?}");
    assert!(matches!(
        s.create_policy(&admin, "copy", "default").await,
        Err(Error::StepUpRequired(_))
    ));
    let refused = s.audit(&admin, Some("refused"), None, 50).await.unwrap();
    assert_eq!(refused.len(), 6, "{refused:?}");
    assert!(refused.iter().any(|e| e.target == "step-up"));
});

both_backends!(
    unknown_logins_are_masked_for_roles_without_audit_rights,
    |t| {
        let admin = t.admin().await;
        let s = &t.service;
        t.add_user(
            &admin,
            "mgr.one",
            Kind::Staff,
            Role::Manager,
            "manager long passphrase here",
        )
        .await;
        let manager = t.sign_in("mgr.one", "manager long passphrase here").await;
        s.authenticate("Winter2024", &Password::from("x"), "website")
            .await
            .unwrap();
        let seen_by_admin = s.recent_failures(&admin, 10).await.unwrap();
        assert_eq!(seen_by_admin[0].login, "winter2024");
        let seen_by_manager = s.recent_failures(&manager, 10).await.unwrap();
        assert_eq!(seen_by_manager[0].login, "wi… (10 characters)");
    }
);
