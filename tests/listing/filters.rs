//! The filters (status, kind, role, resource) alone and combined, the
//! must-change filter against the badge, and the last-sign-in order with
//! the inactive filter.

use crate::both_backends;
use crate::common::ADMIN;
use crate::fixtures::PW;
use crate::walkers::logins;
use keyward::domain::{AccessLevel, Kind, Password, Role};
use keyward::service::UserFilter;
use keyward::store::{StatusFilter, UserSort};

both_backends!(status_kind_role_and_resource_filters, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    for login in ["locked.one", "disabled.one", "must.one", "plain.one"] {
        t.add_user(&admin, login, Kind::Staff, Role::User, PW).await;
    }
    t.add_user(&admin, "mgr.one", Kind::Staff, Role::Manager, PW)
        .await;
    t.add_user(&admin, "portal.one", Kind::Portal, Role::User, PW)
        .await;
    t.add_user(&admin, "portal.two", Kind::Portal, Role::User, PW)
        .await;
    for i in 0..5 {
        t.auth("locked.one", &format!("wrong password {i}")).await;
    }
    s.set_disabled(&admin, "disabled.one", true).await.unwrap();
    s.set_password(
        &admin,
        "must.one",
        &Password::from("amber lantern orchard skyline"),
        true,
    )
    .await
    .unwrap();

    let by_status = |st| UserFilter {
        status: Some(st),
        ..Default::default()
    };
    assert_eq!(
        logins(&t, &admin, by_status(StatusFilter::Locked)).await,
        ["locked.one"]
    );
    assert_eq!(
        logins(&t, &admin, by_status(StatusFilter::Disabled)).await,
        ["disabled.one"]
    );
    assert_eq!(
        logins(&t, &admin, by_status(StatusFilter::MustChange)).await,
        ["must.one"]
    );
    let active = logins(&t, &admin, by_status(StatusFilter::Active)).await;
    assert!(
        !active.contains(&"locked.one".to_string())
            && !active.contains(&"disabled.one".to_string()),
        "{active:?}"
    );
    assert_eq!(active.len(), 6);
    // The badges agree.
    let locked = s
        .list_users(&admin, &by_status(StatusFilter::Locked))
        .await
        .unwrap()
        .items
        .remove(0);
    assert!(locked.locked && locked.badges.locked.is_some());
    assert_eq!(locked.failed_attempts, 5);

    assert_eq!(
        logins(
            &t,
            &admin,
            UserFilter {
                kind: Some(Kind::Portal),
                ..Default::default()
            }
        )
        .await,
        ["portal.one", "portal.two"]
    );
    assert_eq!(
        logins(
            &t,
            &admin,
            UserFilter {
                kind: Some(Kind::Staff),
                ..Default::default()
            }
        )
        .await
        .len(),
        6
    );
    assert_eq!(
        logins(
            &t,
            &admin,
            UserFilter {
                role: Some(Role::Manager),
                ..Default::default()
            }
        )
        .await,
        ["mgr.one"]
    );
    assert_eq!(
        logins(
            &t,
            &admin,
            UserFilter {
                role: Some(Role::GlobalAdmin),
                ..Default::default()
            }
        )
        .await,
        [ADMIN]
    );

    // Resource filter after grants.
    s.add_resource(&admin, "Client portal", "").await.unwrap();
    s.add_resource(&admin, "Mobile app", "").await.unwrap();
    let resource = |name: &str| UserFilter {
        resource: Some(name.into()),
        ..Default::default()
    };
    assert!(
        logins(&t, &admin, resource("Client portal"))
            .await
            .is_empty()
    );
    s.grant(&admin, "Client portal", "portal.two", AccessLevel::Read)
        .await
        .unwrap();
    s.grant(&admin, "Client portal", "plain.one", AccessLevel::Manage)
        .await
        .unwrap();
    s.grant(&admin, "Mobile app", "mgr.one", AccessLevel::Standard)
        .await
        .unwrap();
    assert_eq!(
        logins(&t, &admin, resource("Client portal")).await,
        ["plain.one", "portal.two"]
    );
    assert_eq!(
        logins(&t, &admin, resource("client PORTAL")).await,
        ["plain.one", "portal.two"]
    );
    assert_eq!(
        logins(&t, &admin, resource("Mobile app")).await,
        ["mgr.one"]
    );
    let combined = UserFilter {
        resource: Some("Client portal".into()),
        kind: Some(Kind::Portal),
        ..Default::default()
    };
    assert_eq!(logins(&t, &admin, combined).await, ["portal.two"]);
    s.revoke(&admin, "Client portal", "plain.one")
        .await
        .unwrap();
    assert_eq!(
        logins(&t, &admin, resource("Client portal")).await,
        ["portal.two"]
    );
    let err = s
        .list_users(&admin, &resource("No such thing"))
        .await
        .unwrap_err();
    assert!(matches!(err, keyward::Error::NotFound(_)), "{err:?}");

    // After an unlock, the locked filter is empty.
    s.unlock(&admin, "locked.one").await.unwrap();
    assert!(
        logins(&t, &admin, by_status(StatusFilter::Locked))
            .await
            .is_empty()
    );
});

both_backends!(must_change_filter_agrees_with_the_badge, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "old.pw", Kind::Staff, Role::User, PW)
        .await;
    t.add_user(&admin, "portal.one", Kind::Portal, Role::User, PW)
        .await;
    // A user under their own policy, without expiry.
    t.add_user(&admin, "own.policy", Kind::Staff, Role::User, PW)
        .await;
    s.create_policy(&admin, "lenient", "default").await.unwrap();
    let assign = keyward::service::UserEdit {
        policy: Some(Some("lenient".into())),
        ..Default::default()
    };
    s.edit_user(&admin, "own.policy", None, &assign)
        .await
        .unwrap();
    s.set_policy(
        &admin,
        "default",
        &[("max_age_days".into(), "30".into())],
        None,
    )
    .await
    .unwrap();
    t.clock.advance(chrono::Duration::days(31));
    t.add_user(&admin, "new.pw", Kind::Staff, Role::User, PW)
        .await;
    // Expired passwords must be changed at sign-in ...
    assert_eq!(
        t.auth("old.pw", PW).await,
        keyward::domain::AuthOutcome::OkMustChange {
            reason: keyward::domain::outcome::MustChangeReason::Expired
        }
    );
    assert_eq!(t.auth("new.pw", PW).await, keyward::domain::AuthOutcome::Ok);
    assert_eq!(
        t.auth("portal.one", PW).await,
        keyward::domain::AuthOutcome::Ok
    );
    assert_eq!(
        t.auth("own.policy", PW).await,
        keyward::domain::AuthOutcome::Ok
    );
    // ... the list marks them ...
    let all = s
        .list_users(&admin, &UserFilter::default())
        .await
        .unwrap()
        .items;
    let marked: Vec<&str> = all
        .iter()
        .filter(|u| u.must_change_password)
        .map(|u| u.login.as_str())
        .collect();
    assert_eq!(marked, ["old.pw", ADMIN]);
    // ... and the must-change filter finds exactly those.
    let filter = UserFilter {
        status: Some(StatusFilter::MustChange),
        ..Default::default()
    };
    assert_eq!(logins(&t, &admin, filter).await, ["old.pw", ADMIN]);
});

both_backends!(last_login_order_and_inactivity, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let logins_in = [
        "al.one", "al.two", "al.three", "al.four", "al.five", "al.six", "al.seven",
    ];
    for l in logins_in {
        t.add_user(&admin, l, Kind::Staff, Role::User, PW).await;
    }
    // Sign-ins at distinct times, some a fraction of a second apart; two never sign in.
    let steps = [
        ("al.three", 1000),
        ("al.one", 250),
        ("al.six", 5),
        ("al.two", 90_000),
    ];
    for (login, ms) in steps {
        t.clock.advance(chrono::Duration::milliseconds(ms));
        assert!(t.auth(login, PW).await.is_ok());
    }
    // Newest first, then those who never signed in (newest id first).
    let mut ids: Vec<(String, i64)> = Vec::new();
    for l in ["al.four", "al.five", "al.seven", ADMIN] {
        ids.push((l.to_string(), t.row(l).await.id));
    }
    ids.sort_by_key(|(_, id)| -id);
    let mut expected: Vec<String> = ["al.two", "al.six", "al.one", "al.three"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.extend(ids.into_iter().map(|(l, _)| l));

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let filter = UserFilter {
            limit: 3,
            sort: UserSort::LastLogin,
            after: after.clone(),
            ..Default::default()
        };
        let page = s.list_users(&admin, &filter).await.unwrap();
        seen.extend(page.items.into_iter().map(|u| u.login));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, expected);

    // 91 days on, only those who signed in since are not inactive.
    t.clock.advance(chrono::Duration::days(91));
    assert!(t.auth("al.one", PW).await.is_ok());
    let inactive = logins(
        &t,
        &admin,
        UserFilter {
            status: Some(StatusFilter::Inactive),
            ..Default::default()
        },
    )
    .await;
    let mut want: Vec<String> = logins_in
        .iter()
        .filter(|l| **l != "al.one")
        .map(|s| s.to_string())
        .collect();
    want.push(ADMIN.to_string());
    want.sort();
    assert_eq!(inactive, want);
    let all = s
        .list_users(
            &admin,
            &UserFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items;
    let flagged: Vec<String> = all
        .iter()
        .filter(|u| u.badges.needs_revalidation)
        .map(|u| u.login.clone())
        .collect();
    // al.one signed in after 91 idle days: no longer inactive, but her
    // account must be re-validated until she follows the mailed link.
    let mut want_flagged = want.clone();
    want_flagged.push("al.one".to_string());
    want_flagged.sort();
    assert_eq!(flagged, want_flagged);
});
